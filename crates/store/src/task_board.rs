//! Tasks as the team works them: each owner's load (open, overdue, due this week) for the
//! team view, and the team's load at a past day for the leader's trend: open and done read
//! from when each task was opened and closed, overdue from the snapshot taken as each day
//! starts (a snooze moves a due day, so a past overdue count cannot be read back).

use crate::rows::opt_date;
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::*;

/// One owner's open tasks in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLoad {
    pub owner: Option<UserId>,
    pub open: i64,
    pub overdue: i64,
    pub due_by: i64,
}

/// The team's tasks over a past period: those open at its end, those done in it, and how
/// many people held the open ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastLoad {
    pub open: i64,
    pub done: i64,
    pub owners: i64,
    /// The snapshot as the next day started, when one was taken within a week of it.
    pub at_end: Option<LoadSnapshot>,
}

/// The team's open tasks as a day started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSnapshot {
    pub day: NaiveDate,
    /// When it was taken: shortly after midnight, or later that day when no server ran then.
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub open: i64,
    /// Open and due before the day.
    pub overdue: i64,
    /// Of those, personal touches a tier's cadence asked for.
    pub overdue_touches: i64,
    pub owners: i64,
}

/// How far from a period's end a snapshot still stands for it.
const SNAPSHOT_WITHIN_DAYS: u64 = 7;

impl Store {
    /// The team's load over `[start, end]` (days, both included), read from when each task was
    /// opened and closed; none when no task had been opened by its end (Sherpa has no history
    /// of it).
    pub async fn past_load(&self, start: NaiveDate, end: NaiveDate) -> Result<Option<PastLoad>> {
        let midnight = |d: NaiveDate| {
            sherpa_core::text::timestamp(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        };
        let (from, until) = (midnight(start), midnight(end + chrono::Days::new(1)));
        let (open, done, owners, first): (i64, i64, i64, Option<String>) = sqlx::query_as(
            "SELECT \
             CAST(COALESCE(SUM(CASE WHEN created_at < $1 AND (closed_at IS NULL OR closed_at >= $1) \
               THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'done' AND closed_at >= $2 AND closed_at < $1 \
               THEN 1 ELSE 0 END), 0) AS BIGINT), \
             COUNT(DISTINCT CASE WHEN created_at < $1 AND (closed_at IS NULL OR closed_at >= $1) \
               THEN owner_id END), \
             MIN(created_at) FROM tasks",
        )
        .bind(&until)
        .bind(&from)
        .fetch_one(&self.pool)
        .await?;
        if first.is_none_or(|f| f >= until) {
            return Ok(None);
        }
        let at_end = self.load_snapshot_from(end + chrono::Days::new(1)).await?;
        Ok(Some(PastLoad {
            open,
            done,
            owners,
            at_end,
        }))
    }

    /// Takes today's snapshot of the team's load, once a day (a second call keeps the first):
    /// true when it was taken now.
    pub async fn record_load_snapshot(&self) -> Result<bool> {
        let today = self.clock().today();
        let day = today.to_string();
        let (open, overdue, touches, owners): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN due_on < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN due_on < $1 AND dedup_key = $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             COUNT(DISTINCT owner_id) FROM tasks WHERE status = 'open'",
        )
        .bind(&day)
        .bind(sherpa_core::prioritise::PERSONAL_TOUCH)
        .fetch_one(&self.pool)
        .await?;
        let done = sqlx::query(
            "INSERT INTO load_snapshots (day, taken_at, open, overdue, overdue_touches, owners) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (day) DO NOTHING",
        )
        .bind(&day)
        .bind(self.now())
        .bind(open)
        .bind(overdue)
        .bind(touches)
        .bind(owners)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The first snapshot taken on `day` or within a week after it.
    pub async fn load_snapshot_from(&self, day: NaiveDate) -> Result<Option<LoadSnapshot>> {
        let row: Option<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT day, taken_at, open, overdue, overdue_touches, owners FROM load_snapshots \
             WHERE day >= $1 AND day <= $2 ORDER BY day LIMIT 1",
        )
        .bind(day.to_string())
        .bind((day + chrono::Days::new(SNAPSHOT_WITHIN_DAYS)).to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(d, taken_at, open, overdue, overdue_touches, owners)| {
            Ok(LoadSnapshot {
                day: crate::rows::parse("day", &d)?,
                taken_at: crate::rows::time("taken_at", &taken_at)?,
                open,
                overdue,
                overdue_touches,
                owners,
            })
        })
        .transpose()
    }

    /// Each owner's open tasks, those overdue on `today` and those due by `by`, most overdue
    /// first.
    pub async fn task_loads(&self, today: NaiveDate, by: NaiveDate) -> Result<Vec<TaskLoad>> {
        let rows: Vec<(Option<i64>, i64, i64, i64)> = sqlx::query_as(
            "SELECT owner_id, COUNT(*), \
             CAST(SUM(CASE WHEN due_on < $1 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN due_on >= $1 AND due_on <= $2 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM tasks WHERE status = 'open' GROUP BY owner_id ORDER BY 3 DESC, 2 DESC",
        )
        .bind(opt_date(Some(today)))
        .bind(opt_date(Some(by)))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(owner, open, overdue, due_by)| TaskLoad {
                owner: owner.map(UserId),
                open,
                overdue,
                due_by,
            })
            .collect())
    }
}
