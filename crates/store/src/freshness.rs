//! When each source of the book last changed: an admin's check that the CRM import, the support
//! desk, the surveys and the product's events are still arriving.

use crate::rows::time;
use crate::{Result, Store};
use chrono::{DateTime, Utc};

/// A source of the book and the last time it brought anything.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFreshness {
    pub source: &'static str,
    pub last: Option<DateTime<Utc>>,
}

/// Each source: its name, and the statement that answers its last write (a stored timestamp).
const SOURCES: [(&str, &str); 7] = [
    ("Accounts", "SELECT MAX(updated_at) FROM accounts"),
    ("Contacts", "SELECT MAX(updated_at) FROM contacts"),
    ("Contract terms", "SELECT MAX(updated_at) FROM contracts"),
    ("Activities", "SELECT MAX(created_at) FROM activities"),
    ("Support tickets", "SELECT MAX(updated_at) FROM tickets"),
    ("Survey answers", "SELECT MAX(created_at) FROM surveys"),
    // Minutes are kept as "YYYY-MM-DDTHH:MM": the minute's start, as a timestamp.
    (
        "Product events",
        "SELECT MAX(minute) || ':00Z' FROM intake_minutes WHERE accepted > 0",
    ),
];

impl Store {
    /// The last write of each source, the book's records first, product events last.
    pub async fn data_freshness(&self) -> Result<Vec<SourceFreshness>> {
        let mut out = Vec::with_capacity(SOURCES.len());
        for (source, sql) in SOURCES {
            let last: Option<String> = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
            out.push(SourceFreshness {
                source,
                last: last.map(|t| time("last write", &t)).transpose()?,
            });
        }
        Ok(out)
    }
}
