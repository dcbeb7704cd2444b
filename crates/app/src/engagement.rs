//! The engagement model as people work it: a person marks an onboarding milestone done, and a
//! contact's automated emails are stopped or resumed when they ask (the same list the
//! unsubscribe link writes to).

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::{AccountId, ContactId};

/// Mark a milestone of an account's onboarding done.
#[derive(Debug, Clone)]
pub struct CompleteMilestone {
    pub account: AccountId,
    /// The milestone's key in the account's model.
    pub milestone: String,
    /// The day it was done; today when none. Never a day to come.
    pub on: Option<NaiveDate>,
}

impl App {
    /// Marks the milestone done (those who may log activities on the account).
    pub async fn complete_milestone(&self, by: &Caller, cmd: CompleteMilestone) -> Result<()> {
        let account = self.store.account(cmd.account).await?;
        by.may(|u| u.may_log_activity(&account.fields.owners))?;
        let today = self.store.clock().today();
        let on = cmd.on.unwrap_or(today);
        if on > today {
            return Err(Error::invalid(
                "completed_on",
                "a milestone is not done in the future",
            ));
        }
        Ok(self
            .store
            .complete_milestone(&by.actor(), cmd.account, &cmd.milestone, on)
            .await?)
    }

    /// Stops (`stop`) or resumes the contact's automated emails (those who may edit its
    /// account); answers the address. A page that shows the contact on an account names that
    /// account, and a contact elsewhere is refused.
    pub async fn set_email_consent(
        &self,
        by: &Caller,
        contact: ContactId,
        on_account: Option<AccountId>,
        stop: bool,
    ) -> Result<String> {
        let person = self.store.contact(contact).await?;
        if on_account.is_some_and(|a| person.fields.account_id != Some(a)) {
            return Err(Error::invalid(
                "contact",
                "the contact is not on this account",
            ));
        }
        match person.fields.account_id {
            Some(a) => {
                let account = self.store.account(a).await?;
                by.may(|u| u.may_edit_account(&account.fields.owners))?;
            }
            None => by.may(|u| u.may_manage_book())?,
        }
        let email = person
            .fields
            .email
            .ok_or_else(|| Error::invalid("email", "the contact has no email address"))?;
        let email = email.as_str().to_string();
        if stop {
            let how = match by.person() {
                Ok(u) => format!("by user {} through the {}", u.id, by.door.place()),
                Err(_) => "from the command line".to_string(),
            };
            self.store.stop_emails(&email, &how).await?;
        } else {
            self.store.resume_emails(&email).await?;
        }
        Ok(email)
    }
}
