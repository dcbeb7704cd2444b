//! Tasks as the team works them: each owner's load (open, overdue, due this week) for the
//! team view, and the team's load at a past day for the leader's trend.

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
}

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
        Ok(first
            .filter(|f| *f < until)
            .map(|_| PastLoad { open, done, owners }))
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
