//! Erasure requests (admins): a person asks that what Sherpa holds about them be erased. The
//! contact stays as "Erased contact" so the account's history adds up, and nothing that names
//! them is left (see the store's erasure for what goes where). The request's reason is kept in
//! the audit log, nothing of the person. An account is deleted whole, with the same care for
//! its people.

use crate::{App, Caller, Error, Result};
use sherpa_core::{AccountId, ContactId, required_text};
use sherpa_store::{DeletedAccount, Erased};

/// The longest reason an erasure keeps ("GDPR request #1234 by email, 2026-12-01").
pub const ERASURE_REASON: usize = 500;

impl App {
    /// Erases a contact at their request (admins), giving the reason.
    pub async fn erase_contact(&self, by: &Caller, id: ContactId, reason: &str) -> Result<Erased> {
        by.may(|u| u.may_administer())?;
        let reason = required_text("reason", reason, ERASURE_REASON)
            .map_err(|e| Error::invalid("reason", e.0))?;
        Ok(self.store.erase_contact(&by.actor(), id, &reason).await?)
    }

    /// Deletes an account and everything that hangs off it (admins), giving the reason: a
    /// customer's request, a duplicate, a test account.
    pub async fn delete_account(
        &self,
        by: &Caller,
        id: AccountId,
        reason: &str,
    ) -> Result<DeletedAccount> {
        by.may(|u| u.may_administer())?;
        let reason = required_text("reason", reason, ERASURE_REASON)
            .map_err(|e| Error::invalid("reason", e.0))?;
        Ok(self.store.delete_account(&by.actor(), id, &reason).await?)
    }
}
