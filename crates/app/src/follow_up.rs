//! The work that follows a committed change: the engagement engine sees the account at once, so
//! a new tier's cadence or a moment's condition does not wait for the next sweep, and a new
//! scorecard re-scores the book. A follow-up that fails is not the change's failure (the change
//! is stored): it is logged and a job is queued to catch up.

use crate::App;
use sherpa_core::AccountId;

impl App {
    /// Fires what is now due for these accounts; never fails the caller.
    pub async fn engage(&self, accounts: &[AccountId]) {
        let Err(e) = self.store.run_engagement_for(accounts).await else {
            return;
        };
        tracing::warn!(error = %e, accounts = accounts.len(), "engagement after a change; a sweep is queued");
        self.catch_up("engagement").await;
    }

    /// Re-scores every account from its kept metrics; never fails the caller.
    pub(crate) async fn rescore(&self) {
        let Err(e) = self.store.recompute_health().await else {
            return;
        };
        tracing::warn!(error = %e, "re-scoring after a health change; a re-score is queued");
        self.catch_up("rescore").await;
    }

    /// Queues the job of `kind` to run at once.
    async fn catch_up(&self, kind: &str) {
        let now = self.store.clock().now();
        let key = format!("{kind}:catch-up:{}", now.timestamp());
        if let Err(e) = self
            .store
            .enqueue_job(kind, &serde_json::json!({}), &key, now)
            .await
        {
            tracing::error!(error = %e, job.kind = kind, "queueing a catch-up; the next scheduled run catches up");
        }
    }
}
