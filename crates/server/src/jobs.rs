//! The background worker inside `serve`: claims due jobs from the job table and runs them.
//! Jobs are idempotent, so a job retried after a crash does no harm.

use sherpa_store::{Job, Store};
use std::time::Duration;

pub struct Worker {
    store: Store,
    name: String,
}

/// The jobs that run once a day, shortly after midnight UTC.
const DAILY: [&str; 9] = [
    "refresh_arr",
    "tidy_web",
    "prune_events",
    "grading_tasks",
    "regrade_prompts",
    "reassignments",
    "health",
    "archive_tasks",
    "prune_jobs",
];

/// How often the engagement engine sweeps the book.
const ENGAGEMENT_EVERY_MINUTES: i64 = 10;

/// Runs one job by kind.
async fn run(store: &Store, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        // Terms start and end with the calendar: refresh ARR and renewal dates once a day.
        "refresh_arr" => {
            store.refresh_all_arr().await?;
            Ok(())
        }
        // Expired sign-ins and import uploads nobody confirmed within a day.
        "tidy_web" => {
            let sessions = store.prune_sessions().await?;
            let uploads = store.prune_uploads(chrono::Duration::days(1)).await?;
            tracing::info!(
                sessions,
                uploads,
                "expired sessions and stale uploads removed"
            );
            Ok(())
        }
        // Raw events past their retention; the rollups stay.
        "prune_events" => {
            let n = store.prune_events().await?;
            tracing::info!(events = n, "old raw events removed");
            Ok(())
        }
        // Seed 000's grading moments: new accounts to grade at close, then to re-grade.
        "grading_tasks" => {
            let n = store.open_grading_tasks().await?;
            tracing::info!(tasks = n, "grading tasks opened");
            Ok(())
        }
        // Seed 000's state changes: a departed champion, a moved ARR or product use.
        "regrade_prompts" => {
            let n = store.open_regrade_prompts().await?;
            tracing::info!(tasks = n, "re-grade prompts opened");
            Ok(())
        }
        // Seed 003's gradual reassignment: approved moves on their days.
        "reassignments" => {
            let n = store.make_due_moves().await?;
            tracing::info!(accounts = n, "accounts moved to their new CSM");
            Ok(())
        }
        // Seed 003's health: metrics that move with the calendar (days since a login, tenure)
        // recomputed for every account, then the day's snapshot of each.
        "health" => {
            let done = store.rebuild_health().await?;
            let taken = store.snapshot_health_daily().await?;
            tracing::info!(
                accounts = done.accounts,
                colour_changes = done.colour_changes,
                snapshots = taken,
                "health rebuilt and snapshotted"
            );
            Ok(())
        }
        // Tasks are never deleted: those closed long ago leave the lists.
        "archive_tasks" => {
            let n = store.archive_tasks().await?;
            tracing::info!(tasks = n, "closed tasks archived");
            Ok(())
        }
        // The job table itself: done jobs after a month.
        "prune_jobs" => {
            let n = store.prune_jobs(chrono::Duration::days(30)).await?;
            tracing::info!(jobs = n, "old done jobs removed");
            Ok(())
        }
        // Seeds 000 and 002: each model's milestones and moments, each occurrence once.
        "engagement" => {
            let done = store.run_engagement().await?;
            if done.fired > 0 || done.milestones_completed > 0 {
                tracing::info!(
                    accounts = done.accounts,
                    fired = done.fired,
                    tasks = done.tasks_opened,
                    milestones = done.milestones_completed,
                    "engagement moments fired"
                );
            }
            Ok(())
        }
        other => anyhow::bail!("unknown job kind {other:?}"),
    }
}

/// Runs every job that is due now; answers how many ran. Tests call this to drain the queue.
pub async fn run_due_jobs(store: &Store, worker: &str) -> anyhow::Result<usize> {
    let mut n = 0;
    while let Some(job) = store.claim_job(worker).await? {
        match run(store, &job).await {
            Ok(()) => store.complete_job(job.id).await?,
            Err(e) => {
                let status = store.fail_job(&job, &e.to_string()).await?;
                tracing::warn!(job.kind = %job.kind, job.attempts = job.attempts, ?status, error = %e, "job failed");
            }
        }
        n += 1;
    }
    Ok(n)
}

impl Worker {
    pub fn new(store: Store) -> Self {
        Worker {
            store,
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
        let today = self.store.clock().today();
        let at = today.and_hms_opt(0, 5, 0).expect("valid time").and_utc();
        for kind in DAILY {
            self.store
                .enqueue_job(kind, &serde_json::json!({}), &format!("{kind}:{today}"), at)
                .await?;
        }
        // Event-based moments should not wait for midnight: the engine sweeps every
        // ENGAGEMENT_EVERY_MINUTES, one job per slot whichever server enqueues it.
        let now = self.store.clock().now();
        let slot = now.timestamp() / (ENGAGEMENT_EVERY_MINUTES * 60);
        self.store
            .enqueue_job(
                "engagement",
                &serde_json::json!({}),
                &format!("engagement:{slot}"),
                now,
            )
            .await?;
        self.store
            .requeue_stale_jobs(chrono::Duration::minutes(15))
            .await?;
        run_due_jobs(&self.store, &self.name).await?;
        // Events that waited for their account: attach the ones whose account now exists.
        let attached = self.store.attach_unmapped().await?;
        if attached > 0 {
            tracing::info!(
                events = attached,
                "unmapped events attached to their accounts"
            );
        }
        Ok(())
    }
}
