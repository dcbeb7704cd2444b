//! Importing the book: a CSV or XLSX file of accounts, contacts, contract terms, team members,
//! activities, tickets or survey answers (the web import page, `sherpa import`), or the API's
//! bulk upserts. All or nothing: a file with one bad row writes nothing and names every bad
//! row, its column and what was wrong. A dry run checks everything and writes nothing.

use crate::{App, Caller, Error, Result};
use sherpa_core::import::{ImportFile, ImportKind, ImportSummary, Mapping};
use sherpa_store::Progress;

/// Import a file.
#[derive(Debug, Clone, Copy)]
pub struct ImportSheet<'a> {
    pub kind: ImportKind,
    /// The file as uploaded: CSV (any common encoding) or XLSX.
    pub bytes: &'a [u8],
    /// Which of the file's columns is which field, where the headers do not say.
    pub mapping: &'a Mapping,
    pub dry_run: bool,
}

impl App {
    /// Reads and imports a file (leaders and admins); `progress` hears the rows applied so far.
    pub async fn import_sheet(
        &self,
        by: &Caller,
        cmd: ImportSheet<'_>,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        // Customer-reported figures go to the plans they measure, each row to an account the
        // caller may edit.
        if cmd.kind == ImportKind::ObjectiveValues {
            return self
                .import_objective_values(by, cmd.bytes, cmd.mapping, cmd.dry_run)
                .await;
        }
        by.may(|u| u.may_manage_book())?;
        let custom_fields = match cmd.kind {
            ImportKind::Accounts => self.store.custom_fields().await?,
            _ => Vec::new(),
        };
        let file = ImportFile::read(cmd.kind, cmd.bytes, cmd.mapping, &custom_fields)
            .map_err(|message| Error::invalid("file", message))?;
        Ok(self
            .store
            .import_rows(&by.actor(), &file, cmd.dry_run, progress)
            .await?)
    }

    /// Creates or updates the rows (leaders and admins), all or nothing: the API's bulk
    /// upserts of accounts, contacts and contract terms.
    pub async fn import_rows(&self, by: &Caller, rows: &ImportFile) -> Result<ImportSummary> {
        by.may(|u| u.may_manage_book())?;
        Ok(self
            .store
            .import_rows(&by.actor(), rows, false, &|_| {})
            .await?)
    }
}
