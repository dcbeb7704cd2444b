//! Small text rules shared by imports, the API and the store: a case-folded sort/search key and
//! the fixed-width time format that sorts the same on both engines.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// The key used for case-insensitive sorting and search, identical on SQLite and PostgreSQL
/// because it is computed here rather than by each engine's collation.
pub fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// What text search over accounts looks in: the folded name, CRM id and domain.
pub fn account_search_key(name: &str, external_id: Option<&str>, domain: Option<&str>) -> String {
    format!(
        "{} {} {}",
        fold(name),
        external_id.unwrap_or("").to_lowercase(),
        domain.unwrap_or("")
    )
}

/// RFC 3339 with microseconds and `Z`: fixed width, so text order is time order.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}
