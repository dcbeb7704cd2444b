//! Tasks as the team works them: each owner's load (open, overdue, due this week) for the
//! team view.

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

impl Store {
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
