//! The engagement model as people work it: a person marks an onboarding milestone done, and a
//! contact's automated emails are stopped when they ask (the same list the unsubscribe link
//! writes to), and an unsubscribe is lifted only by the person or by an admin on their word.

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

    /// Stops the contact's automated emails (they asked on a call; those who may edit its
    /// account); answers the address. A page that shows the contact on an account names that
    /// account, and a contact elsewhere is refused.
    pub async fn stop_contact_emails(
        &self,
        by: &Caller,
        contact: ContactId,
        on_account: Option<AccountId>,
    ) -> Result<String> {
        let email = self.contact_email(by, contact, on_account).await?;
        let how = match by.person() {
            Ok(u) => format!("by user {} through the {}", u.id, by.door.place()),
            Err(_) => "from the command line".to_string(),
        };
        self.store.stop_emails(&email, &how).await?;
        Ok(email)
    }

    /// Lifts the contact's unsubscribe. It was the person's choice, so only an admin lifts it,
    /// with the person's word as the reason (audited); anyone else is refused, whoever owns
    /// the account. The person can also lift it through the link in any email.
    pub async fn lift_unsubscribe(
        &self,
        by: &Caller,
        contact: ContactId,
        on_account: Option<AccountId>,
        reason: &str,
    ) -> Result<String> {
        by.may(|u| u.may_lift_unsubscribe())?;
        let reason = sherpa_core::book::required_text("reason", reason, 500).map_err(|e| {
            Error::invalid(
                "reason",
                format!("{}: say when and how the person asked", e.0),
            )
        })?;
        let email = self.contact_email(by, contact, on_account).await?;
        self.store
            .resume_emails(&by.actor(), &email, &reason)
            .await?;
        Ok(email)
    }

    /// The address of a contact the caller may edit.
    async fn contact_email(
        &self,
        by: &Caller,
        contact: ContactId,
        on_account: Option<AccountId>,
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
        Ok(email.as_str().to_string())
    }

    /// The recipient of an automated email stops them through its link; answers their address,
    /// or none for an unknown link.
    pub async fn unsubscribe_by_link(&self, message_id: &str) -> Result<Option<String>> {
        Ok(self.store.unsubscribe(message_id).await?)
    }

    /// The recipient, through the same link, lets them come again.
    pub async fn resubscribe_by_link(&self, message_id: &str) -> Result<Option<String>> {
        Ok(self.store.resubscribe(message_id).await?)
    }
}
