//! The work that follows a committed change: the engagement engine sees the account at once, so
//! a new tier's cadence or a moment's condition does not wait for the next sweep. A follow-up
//! that fails is not the change's failure (the change is stored): it is logged and the
//! whole-book sweep is queued to catch up.

use crate::App;
use sherpa_core::AccountId;

impl App {
    /// Fires what is now due for these accounts; never fails the caller.
    pub(crate) async fn engage(&self, accounts: &[AccountId]) {
        let Err(e) = self.store.run_engagement_for(accounts).await else {
            return;
        };
        tracing::warn!(error = %e, accounts = accounts.len(), "engagement after a change; a sweep is queued");
        let now = self.store.clock().now();
        let key = format!("engagement:catch-up:{}", now.timestamp());
        if let Err(e) = self
            .store
            .enqueue_job("engagement", &serde_json::json!({}), &key, now)
            .await
        {
            tracing::error!(error = %e, "queueing the engagement sweep; the next scheduled one catches up");
        }
    }
}
