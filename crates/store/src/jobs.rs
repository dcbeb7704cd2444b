//! Background work as rows: enqueued once per idempotency key, claimed by one worker at a time
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several `sherpa serve` instances share one queue;
//! on SQLite the single writer makes the claiming UPDATE atomic), retried with back-off.

use crate::rows::{parse, time};
use crate::{Engine, Result, Store};
use chrono::{DateTime, Duration, Utc};
use sherpa_core::JobId;
use sherpa_core::text::timestamp;
use sqlx::FromRow;

/// The job queue in numbers (see `Store::job_queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobQueue {
    /// Queued and due now.
    pub due: i64,
    pub running: i64,
    /// Given up after their last attempt.
    pub failed: i64,
    /// How long the oldest due job has waited past its time.
    pub lag: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    fn as_str(&self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
}

impl std::str::FromStr for JobStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => return Err(()),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
}

#[derive(FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    idempotency_key: String,
    status: String,
    run_at: String,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
}

const JOB_COLUMNS: &str =
    "id, kind, payload, idempotency_key, status, run_at, attempts, max_attempts, last_error";

impl TryFrom<JobRow> for Job {
    type Error = sqlx::Error;
    fn try_from(r: JobRow) -> Result<Self, sqlx::Error> {
        Ok(Job {
            id: JobId(r.id),
            kind: r.kind,
            payload: serde_json::from_str(&r.payload)
                .map_err(|_| crate::rows::bad("payload", &r.payload))?,
            idempotency_key: r.idempotency_key,
            status: parse("status", &r.status)?,
            run_at: time("run_at", &r.run_at)?,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            last_error: r.last_error,
        })
    }
}

/// Wait before retry `attempt` (1-based): 30 s, 1 min, 2 min... capped at one hour.
pub fn backoff(attempt: i64) -> Duration {
    Duration::seconds((30i64 << (attempt - 1).clamp(0, 7)).min(3600))
}

impl Store {
    /// Enqueues a job unless one with the same idempotency key exists; answers whether it was new.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: &serde_json::Value,
        key: &str,
        run_at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, payload, idempotency_key, status, run_at, attempts, max_attempts, created_at) \
             VALUES ($1, $2, $3, 'queued', $4, 0, 5, $5) ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(kind)
        .bind(payload.to_string())
        .bind(key)
        .bind(timestamp(run_at))
        .bind(self.now())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Claims the oldest job that is due; no two workers get the same job.
    pub async fn claim_job(&self, worker: &str) -> Result<Option<Job>> {
        let lock = match self.engine {
            Engine::Postgres => "FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let now = self.now();
        let row: Option<JobRow> = sqlx::query_as(&format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, locked_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2 ORDER BY run_at, id LIMIT 1 {lock}) \
             AND status = 'queued' RETURNING {JOB_COLUMNS}"
        ))
        .bind(worker)
        .bind(&now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Job::try_from).transpose()?)
    }

    pub async fn complete_job(&self, id: JobId) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $1, locked_by = NULL WHERE id = $2",
        )
        .bind(self.now())
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failure: the job is queued again after a back-off, or marked failed when it has
    /// used its attempts.
    pub async fn fail_job(&self, job: &Job, error: &str) -> Result<JobStatus> {
        let status = if job.attempts >= job.max_attempts {
            JobStatus::Failed
        } else {
            JobStatus::Queued
        };
        let run_at = self.clock.now() + backoff(job.attempts);
        sqlx::query("UPDATE jobs SET status = $1, run_at = $2, last_error = $3, locked_by = NULL WHERE id = $4")
            .bind(status.as_str())
            .bind(timestamp(run_at))
            .bind(error)
            .bind(job.id.0)
            .execute(&self.pool)
            .await?;
        Ok(status)
    }

    /// Deletes jobs done longer ago than `keep`: the engine's sweeps alone enqueue 144 a day.
    /// Failed jobs stay for a person to see; a pruned job's key is in the past, so nothing
    /// enqueues it again.
    pub async fn prune_jobs(&self, keep: Duration) -> Result<u64> {
        let cutoff = timestamp(self.clock.now() - keep);
        let done = sqlx::query("DELETE FROM jobs WHERE status = 'done' AND finished_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Puts back jobs whose worker died mid-run (locked longer than `stale`).
    pub async fn requeue_stale_jobs(&self, stale: Duration) -> Result<u64> {
        let cutoff = timestamp(self.clock.now() - stale);
        let done = sqlx::query("UPDATE jobs SET status = 'queued', locked_by = NULL WHERE status = 'running' AND locked_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn job(&self, key: &str) -> Result<Option<Job>> {
        let row: Option<JobRow> = sqlx::query_as(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Job::try_from).transpose()?)
    }

    /// Jobs queued or running: a test that leaves jobs behind has forgotten to run them.
    /// The queue as an operator watches it: jobs due and waiting, running, given up, and how
    /// long the oldest due job has waited past its time.
    pub async fn job_queue(&self) -> Result<JobQueue> {
        let now = self.now();
        let (due, oldest): (i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(run_at) FROM jobs WHERE status = 'queued' AND run_at <= $1",
        )
        .bind(&now)
        .fetch_one(&self.pool)
        .await?;
        let (running, failed): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0), \
                    COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) \
             FROM jobs WHERE status IN ('running', 'failed')",
        )
        .fetch_one(&self.pool)
        .await?;
        let lag = match oldest {
            Some(t) => (self.clock.now() - time("run_at", &t)?).max(Duration::zero()),
            None => Duration::zero(),
        };
        Ok(JobQueue {
            due,
            running,
            failed,
            lag,
        })
    }

    pub async fn pending_jobs(&self) -> Result<i64> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }
}
