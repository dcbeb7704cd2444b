//! The touch cadence in a person's own calendar: the secret feed of their tasks that a
//! calendar subscribes to, issued anew (the old address stops working) or revoked.

use crate::{App, Caller, Result};
use sherpa_store::IssuedFeed;

impl App {
    /// Issues the caller a new feed, retiring any earlier one; its secret is in the answer and
    /// nowhere else.
    pub async fn issue_calendar_feed(&self, by: &Caller) -> Result<IssuedFeed> {
        let me = by.person()?;
        Ok(self.store.issue_calendar_feed(&by.actor(), me.id).await?)
    }

    /// Revokes the caller's feed: its address answers 404 from now on. Answers whether there
    /// was one.
    pub async fn revoke_calendar_feed(&self, by: &Caller) -> Result<bool> {
        let me = by.person()?;
        Ok(self.store.revoke_calendar_feed(&by.actor(), me.id).await?)
    }
}
