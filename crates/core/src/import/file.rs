//! A whole import file of one kind, read and checked row by row: what the store applies in one
//! transaction. The API's bulk upserts build the same from JSON items.

use super::*;
use crate::CustomFieldDef;

/// The rows of one file, by kind.
#[derive(Debug, Clone)]
pub enum ImportFile {
    Accounts(Parsed<AccountRow>),
    Contacts(Parsed<ContactRow>),
    Contracts(Parsed<ContractRow>),
    Users(Parsed<UserRow>),
    Activities(Parsed<ActivityRow>),
    Tickets(Parsed<TicketRow>),
    Surveys(Parsed<SurveyRow>),
}

impl ImportFile {
    /// Reads a CSV or XLSX file of `kind`. A file that cannot be read at all, or whose columns
    /// cannot be matched, is refused in words; rows the book's rules reject are in
    /// [`ImportFile::errors`].
    pub fn read(
        kind: ImportKind,
        bytes: &[u8],
        mapping: &Mapping,
        custom_fields: &[CustomFieldDef],
    ) -> Result<ImportFile, String> {
        let sheet = read_sheet(bytes).map_err(|e| e.to_string())?;
        Ok(match kind {
            ImportKind::Accounts => {
                ImportFile::Accounts(parse_accounts(&sheet, mapping, custom_fields)?)
            }
            ImportKind::Contacts => ImportFile::Contacts(parse_contacts(&sheet, mapping)?),
            ImportKind::Contracts => ImportFile::Contracts(parse_contracts(&sheet, mapping)?),
            ImportKind::Users => ImportFile::Users(parse_users(&sheet, mapping)?),
            ImportKind::Activities => ImportFile::Activities(parse_activities(&sheet, mapping)?),
            ImportKind::Tickets => ImportFile::Tickets(parse_tickets(&sheet, mapping)?),
            ImportKind::Surveys => ImportFile::Surveys(parse_surveys(&sheet, mapping)?),
            ImportKind::ObjectiveValues => {
                return Err(
                    "objective values are imported against the success plans: use the plan import"
                        .into(),
                );
            }
        })
    }

    /// The rows that were rejected while reading, each with its line and column.
    pub fn errors(&self) -> &[RowError] {
        match self {
            ImportFile::Accounts(p) => &p.errors,
            ImportFile::Contacts(p) => &p.errors,
            ImportFile::Contracts(p) => &p.errors,
            ImportFile::Users(p) => &p.errors,
            ImportFile::Activities(p) => &p.errors,
            ImportFile::Tickets(p) => &p.errors,
            ImportFile::Surveys(p) => &p.errors,
        }
    }

    /// The rows read, as a whole file of checked rows, from rows built elsewhere (the API's
    /// JSON items).
    pub fn checked<T>(rows: Vec<T>) -> Parsed<T> {
        Parsed {
            rows,
            errors: vec![],
            ignored_columns: vec![],
            columns: Default::default(),
            derive_outcomes: true,
            left_out: Default::default(),
            footer: Vec::new(),
            assumed_annual: 0,
            whole_file: false,
        }
    }
}
