//! The account book: a person edits an account's fields and owners.

use crate::{App, Caller, Result};
use sherpa_core::{Account, AccountId, AccountPatch};

impl App {
    /// Changes the fields and owners the patch names (the account's owners, leaders and
    /// admins); the audit log keeps the before and after. An empty patch changes nothing and
    /// writes nothing.
    pub async fn edit_account(
        &self,
        by: &Caller,
        id: AccountId,
        patch: &AccountPatch,
    ) -> Result<Account> {
        let account = self.store.account(id).await?;
        by.may(|u| u.may_edit_account(&account.fields.owners))?;
        if *patch == AccountPatch::default() {
            return Ok(account);
        }
        Ok(self.store.update_account(&by.actor(), id, patch).await?)
    }
}
