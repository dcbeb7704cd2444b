//! Health as people act on it: the CSM's pulse of an account (green, yellow or red with a
//! note, counted by the score until it expires).

use crate::{App, Caller, Result, parse_field};
use sherpa_core::AccountId;
use sherpa_core::health::Colour;
use sherpa_store::CsmPulse;

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
}
