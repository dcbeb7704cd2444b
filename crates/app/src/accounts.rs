//! The account book: a person edits an account's fields and owners.

use crate::{App, Caller, Error, Result};
use sherpa_core::{Account, AccountId, AccountPatch, OwnerFunction, PersonRef, User};
use std::collections::BTreeMap;

/// The most accounts one bulk reassignment moves.
pub const BULK_ACCOUNTS: usize = 500;

/// What a bulk reassignment did: how many accounts, and who took them.
#[derive(Debug, Clone)]
pub struct Reassigned {
    pub accounts: usize,
    pub to: User,
}

/// Give many accounts' owner function (their CSM, AE, ...) to one team member.
#[derive(Debug, Clone)]
pub struct ReassignAccounts {
    pub accounts: Vec<AccountId>,
    /// csm, ae, customer_development or executive_sponsor.
    pub function: String,
    /// The team member, by id or email.
    pub to: String,
}

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

    /// Gives the accounts' owner function to one team member, for everyone whose accounts
    /// they may edit. Every account is checked first (that it exists, that the person may
    /// edit it); one refused refuses them all, and the change is one transaction. Answers how
    /// many accounts changed.
    pub async fn reassign_accounts(
        &self,
        by: &Caller,
        cmd: ReassignAccounts,
    ) -> Result<Reassigned> {
        let mut ids = cmd.accounts;
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Err(Error::invalid("accounts", "tick at least one account"));
        }
        if ids.len() > BULK_ACCOUNTS {
            return Err(Error::invalid(
                "accounts",
                format!(
                    "{} accounts at once is more than {BULK_ACCOUNTS}; move them in parts",
                    ids.len()
                ),
            ));
        }
        let function: OwnerFunction =
            cmd.function
                .trim()
                .parse()
                .map_err(|e: sherpa_core::book::ParseEnumError| {
                    Error::invalid("function", e.to_string())
                })?;
        let to = self.team_member("to", &cmd.to).await?;
        for id in &ids {
            let account = self.store.account(*id).await?;
            by.may(|u| u.may_edit_account(&account.fields.owners))
                .map_err(|e| match e {
                    Error::Forbidden(why) => {
                        Error::Forbidden(format!("{}: {why}", account.fields.name))
                    }
                    other => other,
                })?;
        }
        let patch = AccountPatch {
            owners: BTreeMap::from([(function, Some(PersonRef::Id(to)))]),
            ..Default::default()
        };
        let accounts = self
            .store
            .update_accounts(&by.actor(), &ids, &patch)
            .await?;
        Ok(Reassigned {
            accounts,
            to: self.store.user(to).await?,
        })
    }
}
