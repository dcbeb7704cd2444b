//! The background jobs: each kind a use case of its own, run by whichever server claims it
//! (`sherpa serve`'s worker) or by a test draining the queue. Jobs are idempotent, so a job
//! retried after a crash does no harm.

use crate::App;
use sherpa_store::{Job, Store};

/// The jobs that run once a day, shortly after midnight UTC.
pub const DAILY: [&str; 14] = [
    // First: the team's load as the day starts, before the day's jobs open or close tasks.
    "load_snapshot",
    "refresh_arr",
    "plan_values",
    "tidy_web",
    "prune_events",
    "grading_tasks",
    "regrade_prompts",
    "reassignments",
    "health",
    crate::BACKTEST_JOB,
    crate::RENEWAL_FORECAST_JOB,
    "forecast_actuals",
    "archive_tasks",
    "prune_jobs",
];

/// Runs one job by kind.
async fn run(app: &App, store: &Store, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        // The team's load as the day starts, for the leader's trend over quarters.
        "load_snapshot" => {
            if store.record_load_snapshot().await? {
                tracing::info!("load snapshot taken");
            }
            Ok(())
        }
        // Success plans' measured objectives: today's value of each metric and event source.
        "plan_values" => {
            let n = app.measure_plans().await?;
            tracing::info!(values = n, "success plan values measured");
            Ok(())
        }
        // Terms start and end with the calendar: refresh ARR and renewal dates once a day.
        // And lifecycles worked out from terms: onboarding becomes ongoing on its day.
        "refresh_arr" => {
            store.refresh_all_arr().await?;
            let moved = store.derive_lifecycles().await?;
            tracing::info!(accounts = moved, "lifecycles from contract terms");
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
        // Grading moments: new accounts to grade at close, then to re-grade.
        "grading_tasks" => {
            let n = store.open_grading_tasks().await?;
            tracing::info!(tasks = n, "grading tasks opened");
            Ok(())
        }
        // State changes: a departed champion, a moved ARR or product use.
        "regrade_prompts" => {
            let n = store.open_regrade_prompts().await?;
            tracing::info!(tasks = n, "re-grade prompts opened");
            Ok(())
        }
        // Gradual reassignment: approved moves on their days.
        "reassignments" => {
            let n = store.make_due_moves().await?;
            tracing::info!(accounts = n, "accounts moved to their new CSM");
            Ok(())
        }
        // Health: metrics that move with the calendar (days since a login, tenure)
        // recomputed for every account, then the day's snapshot of each.
        "health" => {
            let done = store.rebuild_health().await?;
            let taken = store.snapshot_health_daily().await?;
            // Feature use moves with the calendar too: judge every account's phase again.
            let judged = app.assess_moved(None).await?;
            tracing::info!(
                accounts = done.accounts,
                colour_changes = done.colour_changes,
                snapshots = taken,
                phase_changes = judged.changes,
                "health rebuilt and snapshotted, effectiveness judged"
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
        // Engagement models: each model's milestones and moments, each occurrence once.
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
        // The health back-test: a day's new outcomes and history, or a changed scorecard.
        crate::BACKTEST_JOB => {
            let horizon = job
                .payload
                .get("horizon_days")
                .and_then(serde_json::Value::as_u64)
                .map_or(90, |h| u32::try_from(h).unwrap_or(u32::MAX));
            let started = std::time::Instant::now();
            let done = store.refresh_backtest(horizon).await?;
            tracing::info!(
                horizon_days = horizon,
                terms = done.backtest.terms,
                ms = started.elapsed().as_millis() as u64,
                "health back-test computed"
            );
            Ok(())
        }
        // The renewal probability table's cases and the forecast's accuracy: a day's new
        // outcomes, or a changed scorecard.
        crate::RENEWAL_FORECAST_JOB => {
            let started = std::time::Instant::now();
            let cases = app.learn_renewal_forecast().await?;
            tracing::info!(
                cases,
                ms = started.elapsed().as_millis() as u64,
                "renewal probabilities learned and forecast accuracy measured"
            );
            Ok(())
        }
        // Each planned series' periods that closed yesterday: their actuals, recorded once.
        "forecast_actuals" => {
            let n = app.record_planned_actuals().await?;
            tracing::info!(series = n, "forecast actuals recorded");
            Ok(())
        }
        // A health configuration saved while re-scoring failed: score every account again.
        "rescore" => {
            let done = store.recompute_health().await?;
            app.assess_moved(None).await?;
            tracing::info!(accounts = done.accounts, "every account re-scored");
            Ok(())
        }
        other => anyhow::bail!("unknown job kind {other:?}"),
    }
}

/// Runs every job that is due now; answers how many ran. Tests call this to drain the queue.
pub async fn run_due_jobs(app: &App, worker: &str) -> anyhow::Result<usize> {
    let store = app.store();
    let mut n = 0;
    while let Some(job) = store.claim_job(worker).await? {
        match run(app, store, &job).await {
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
