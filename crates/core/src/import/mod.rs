//! Imports: a spreadsheet of accounts, contacts, contract terms, users or activities becomes a
//! list of validated changes, or a list of every bad row with its line, column and what was
//! expected. Nothing here writes: the store applies a file all or nothing.

mod cells;
mod columns;
mod file;
mod rows;
mod sheet;

pub use cells::parse_date_cell;
pub use columns::{Columns, ImportKind, Mapping, match_columns};
pub use file::ImportFile;
pub use rows::*;
pub(crate) use sheet::delimiter;
pub use sheet::{MAX_ROWS, Sheet, SheetError, SheetRow, read_sheet};

/// One problem with one row: the line a person sees in their editor, the column as headed in
/// their file, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column \"{}\": {}", self.line, c, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// What happened to each row of an applied (or dry-run) import.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub ignored_columns: Vec<String>,
    /// Accounts: rows left out because the CRM says they are not customers, by the value as
    /// the file writes it ("Prospect": 12).
    pub not_customers: Vec<(String, usize)>,
    /// Contract terms: outcomes of ended terms worked out from the term that followed.
    pub outcomes_derived: usize,
    /// Contract terms: each account the file touched with the ARR it has (or, on a dry run,
    /// would have) once the file is in, in the reporting currency.
    pub arr_after: Vec<AccountArr>,
}

impl ImportSummary {
    /// "14 rows left out, not customers: 12 Prospect, 2 Channel Partner / Reseller."
    pub fn not_customers_words(&self) -> Option<String> {
        if self.not_customers.is_empty() {
            return None;
        }
        let n: usize = self.not_customers.iter().map(|(_, n)| n).sum();
        let each: Vec<String> = self
            .not_customers
            .iter()
            .map(|(v, n)| format!("{n} {v}"))
            .collect();
        Some(format!(
            "{n} row{} left out, not customers: {}.",
            if n == 1 { "" } else { "s" },
            each.join(", ")
        ))
    }
}

/// An account's ARR after an import of its terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountArr {
    pub account: String,
    pub arr: crate::money::Money,
}
