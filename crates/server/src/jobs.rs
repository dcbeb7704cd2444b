//! The background worker inside `serve`: enqueues the day's and the engagement engine's jobs,
//! then claims due jobs from the job table and runs them through the application's job runner.

use sherpa_app::App;
use sherpa_app::jobs::{DAILY, run_due_jobs};
use std::time::Duration;

/// How often the engagement engine sweeps the book.
const ENGAGEMENT_EVERY_MINUTES: i64 = 10;

pub struct Worker {
    app: App,
    name: String,
}

impl Worker {
    pub fn new(app: App) -> Self {
        Worker {
            app,
            name: format!("{}-{}", std::process::id(), rand::random::<u32>()),
        }
    }

    pub async fn run(self) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "job worker");
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    }

    async fn tick(&self) -> anyhow::Result<()> {
        let today = self.app.store().clock().today();
        let at = today.and_hms_opt(0, 5, 0).expect("valid time").and_utc();
        for kind in DAILY {
            self.app
                .store()
                .enqueue_job(kind, &serde_json::json!({}), &format!("{kind}:{today}"), at)
                .await?;
        }
        // Event-based moments should not wait for midnight: the engine sweeps every
        // ENGAGEMENT_EVERY_MINUTES, one job per slot whichever server enqueues it.
        let now = self.app.store().clock().now();
        let slot = now.timestamp() / (ENGAGEMENT_EVERY_MINUTES * 60);
        self.app
            .store()
            .enqueue_job(
                "engagement",
                &serde_json::json!({}),
                &format!("engagement:{slot}"),
                now,
            )
            .await?;
        self.app
            .store()
            .requeue_stale_jobs(chrono::Duration::minutes(15))
            .await?;
        run_due_jobs(&self.app, &self.name).await?;
        // Events that waited for their account: attach the ones whose account now exists.
        let attached = self.app.store().attach_unmapped().await?;
        if attached > 0 {
            tracing::info!(
                events = attached,
                "unmapped events attached to their accounts"
            );
        }
        Ok(())
    }
}
