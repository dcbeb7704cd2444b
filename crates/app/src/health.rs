//! Health as people act on it: the CSM's pulse of an account (green, yellow or red with a
//! note, counted by the score until it expires), and closing an at-risk playbook with its
//! outcome.

use crate::{App, Caller, Error, Result, parse_field};
use sherpa_core::AccountId;
use sherpa_core::health::{Colour, PlaybookOutcome};
use sherpa_store::{AtRiskPlaybook, CsmPulse};

/// The days a pulse counts for when none is said.
pub const PULSE_DAYS: i64 = 30;

/// Set the CSM's pulse of an account.
#[derive(Debug, Clone)]
pub struct SetPulse {
    pub account: AccountId,
    pub colour: Colour,
    /// What the CSM knows that the data does not show.
    pub note: String,
    /// Days it counts for; [`PULSE_DAYS`] when none.
    pub days: Option<i64>,
}

impl SetPulse {
    pub fn colour(text: &str) -> Result<Colour> {
        parse_field("colour", text)
    }
}

impl App {
    /// Sets the pulse (those who may log activities on the account).
    pub async fn set_pulse(&self, by: &Caller, cmd: SetPulse) -> Result<CsmPulse> {
        let account = self.store.account(cmd.account).await?;
        by.may(|u| u.may_log_activity(&account.fields.owners))?;
        Ok(self
            .store
            .set_csm_pulse(
                &by.actor(),
                cmd.account,
                cmd.colour,
                &cmd.note,
                cmd.days.unwrap_or(PULSE_DAYS),
            )
            .await?)
    }

    /// Closes an at-risk playbook with its outcome (those who may log activities on its
    /// account). A page that shows the playbook on an account names that account.
    pub async fn close_playbook(&self, by: &Caller, cmd: ClosePlaybook) -> Result<AtRiskPlaybook> {
        // The account a page names is checked first: who may not act on it learns nothing
        // of its playbooks.
        if let Some(a) = cmd.on_account {
            let account = self.store.account(a).await?;
            by.may(|u| u.may_log_activity(&account.fields.owners))?;
        }
        let playbook = self.store.playbook(cmd.playbook).await?;
        match cmd.on_account {
            Some(a) if a != playbook.account_id => {
                return Err(Error::NotFound(format!(
                    "no playbook {} on this account",
                    cmd.playbook
                )));
            }
            Some(_) => {}
            None => {
                let account = self.store.account(playbook.account_id).await?;
                by.may(|u| u.may_log_activity(&account.fields.owners))?;
            }
        }
        Ok(self
            .store
            .close_playbook(&by.actor(), cmd.playbook, cmd.outcome, &cmd.note)
            .await?)
    }
}

/// Close an at-risk playbook.
#[derive(Debug, Clone)]
pub struct ClosePlaybook {
    pub playbook: i64,
    pub on_account: Option<AccountId>,
    pub outcome: PlaybookOutcome,
    pub note: String,
}

impl ClosePlaybook {
    pub fn outcome(text: &str) -> Result<PlaybookOutcome> {
        parse_field("outcome", text)
    }
}
