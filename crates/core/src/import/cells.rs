//! Reading one row's cells as typed values, collecting every error instead of stopping at the
//! first, so that a person can fix a whole file in one pass.

use super::RowError;
use super::columns::Columns;
use super::sheet::SheetRow;
use crate::book::Invalid;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Dates as spreadsheets and CRMs write them: `2026-03-31`, `2026/03/31`, `3/31/2026` (US, as
/// Salesforce exports), `31.03.2026`, or a date-time of which the day is kept.
pub fn parse_date_cell(s: &str) -> Result<NaiveDate, Invalid> {
    let t = s.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, fmt) {
            return Ok(d);
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.date_naive());
    }
    // HubSpot writes a deal's close date with its time ("2026-01-15 14:03").
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(dt.date());
        }
    }
    Err(Invalid(format!(
        "\"{t}\" is not a date; expected YYYY-MM-DD like 2026-03-31"
    )))
}

/// A moment in time: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (taken as UTC), or a date (midnight UTC).
pub fn parse_time_cell(s: &str) -> Result<DateTime<Utc>, Invalid> {
    // Intercom writes "2026-11-03 14:22:05 UTC".
    let t = s.trim();
    let t = t.strip_suffix(" UTC").unwrap_or(t);
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.to_utc());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(dt.and_utc());
        }
    }
    parse_date_cell(t)
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| {
            Invalid(format!(
                "\"{t}\" is not a time; expected RFC 3339 like 2026-03-31T14:00:00Z"
            ))
        })
}

/// One row being read. `get` answers `None` when the file has no such column (leave the field
/// as it is) and `Some("")` for a blank cell (clear it).
pub struct Cells<'a> {
    pub row: &'a SheetRow,
    pub columns: &'a Columns,
    pub errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    pub fn new(row: &'a SheetRow, columns: &'a Columns) -> Self {
        Cells {
            row,
            columns,
            errors: Vec::new(),
        }
    }

    pub fn get(&self, field: &str) -> Option<&'a str> {
        self.columns.fields.get(field).map(|i| self.row.cell(*i))
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(RowError {
            line: self.row.line,
            column: Some(self.columns.header(field)),
            message: message.into(),
        });
    }

    /// Parses a present, non-blank cell; blank gives `Some(None)`, absent gives `None`.
    pub fn parse<T>(
        &mut self,
        field: &str,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        let raw = self.get(field)?;
        if raw.trim().is_empty() {
            return Some(None);
        }
        match f(raw) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                self.error(field, e);
                None
            }
        }
    }

    pub fn text(&mut self, field: &str, max: usize) -> Option<Option<String>> {
        self.parse(field, |s| {
            crate::book::optional_text(field, s, max)
                .map(|o| o.unwrap_or_default())
                .map(|t| {
                    // A CRM id: Salesforce writes one record's id in 15 or 18 characters.
                    if field.ends_with("external_id") {
                        salesforce_id(&t).to_string()
                    } else {
                        t
                    }
                })
                .map_err(|e| e.0)
        })
    }

    /// A cell that must hold a value when its column is present.
    pub fn required<T>(&mut self, field: &str, v: Option<Option<T>>) -> Option<T> {
        match v {
            Some(Some(v)) => Some(v),
            Some(None) => {
                self.error(field, format!("{field} is required"));
                None
            }
            None => None,
        }
    }

    pub fn date(&mut self, field: &str) -> Option<Option<NaiveDate>> {
        self.parse(field, |s| parse_date_cell(s).map_err(|e| e.0))
    }

    pub fn time(&mut self, field: &str) -> Option<Option<DateTime<Utc>>> {
        self.parse(field, |s| parse_time_cell(s).map_err(|e| e.0))
    }

    pub fn whole_number(&mut self, field: &str, max: i64) -> Option<Option<i64>> {
        self.parse(field, |s| {
            let n: i64 = s
                .replace([',', '_', ' '], "")
                .parse()
                .map_err(|_| format!("\"{s}\" is not a whole number"))?;
            if !(0..=max).contains(&n) {
                return Err(format!("{n} is out of range (0 to {max})"));
            }
            Ok(n)
        })
    }

    pub fn vocabulary<T: std::str::FromStr>(&mut self, field: &str) -> Option<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        self.parse(field, |s| s.parse::<T>().map_err(|e| e.to_string()))
    }
}

/// Salesforce writes a record's id in 15 case-sensitive characters (reports, the UI) or in 18
/// (Data Loader, the API: the 15 and a 3-letter checksum of their capitals). An 18-character
/// id whose checksum is right is the same record as its first 15: both read as the 15, so the
/// two exports of one account make one account. Anything else is left as it is.
pub fn salesforce_id(id: &str) -> &str {
    const LETTERS: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let b = id.as_bytes();
    if b.len() != 18 || !b.iter().all(u8::is_ascii_alphanumeric) {
        return id;
    }
    let checksum = b[..15].chunks(5).map(|chunk| {
        let flags = chunk
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_ascii_uppercase())
            .fold(0usize, |f, (i, _)| f | (1 << i));
        LETTERS[flags]
    });
    if checksum.eq(b[15..].iter().copied()) {
        &id[..15]
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::salesforce_id;

    #[test]
    fn an_18_character_salesforce_id_is_its_15_character_record_id() {
        assert_eq!(salesforce_id("001D000000IqhSLIAZ"), "001D000000IqhSL");
        assert_eq!(salesforce_id("0015g00000AbcdeAAB"), "0015g00000Abcde");
        assert_eq!(salesforce_id("001D000000IqhSL"), "001D000000IqhSL");
        assert_eq!(
            salesforce_id("001D000000IqhSLAAA"),
            "001D000000IqhSLAAA",
            "a wrong checksum is not a Salesforce id: left alone"
        );
        assert_eq!(salesforce_id("ACC-000000000001"), "ACC-000000000001");
        assert_eq!(salesforce_id("ACCOUNT-123456789X"), "ACCOUNT-123456789X");
    }
}
