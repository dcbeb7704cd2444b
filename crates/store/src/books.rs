//! Books: what team members own (the team page's book sizes) and when each account last
//! had a personal touch (my book's "days since last touch").

use crate::rows::time;
use crate::sql::{Arg, Args};
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use sherpa_core::*;
use std::collections::HashMap;

/// A team member's book: the live accounts (not churned) where they hold any owner function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookSize {
    pub user_id: UserId,
    pub accounts: i64,
    pub arr: Money,
}

impl Store {
    /// The book sizes of these people. An account where one person holds two functions counts
    /// once: the union of (person, account) pairs drops the repeat. A churned account has left
    /// the book.
    pub async fn book_sizes(&self, people: &[UserId]) -> Result<Vec<BookSize>> {
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = Args::default();
        let marks: Vec<String> = people.iter().map(|u| args.push(Arg::Int(u.0))).collect();
        let list = marks.join(", ");
        let branches: Vec<String> = ["csm_id", "ae_id", "cd_id", "sponsor_id"]
            .iter()
            .map(|col| {
                format!(
                    "SELECT {col} AS owner, id, arr_minor FROM accounts WHERE {col} IN ({list}) \
                     AND (lifecycle IS NULL OR lifecycle <> 'churned')"
                )
            })
            .collect();
        let sql = format!(
            "SELECT owner, COUNT(*), CAST(COALESCE(SUM(arr_minor), 0) AS BIGINT) FROM ({}) b GROUP BY owner",
            branches.join(" UNION ")
        );
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_all(&self.pool)
            .await?;
        let currency = self.currency();
        Ok(rows
            .into_iter()
            .map(|(u, n, arr)| BookSize {
                user_id: UserId(u),
                accounts: n,
                arr: Money::from_minor_units(arr, currency),
            })
            .collect())
    }

    /// The latest personal touch (a call, meeting, email or review; not a note) of each account.
    pub async fn last_personal_touches(
        &self,
        accounts: &[AccountId],
    ) -> Result<HashMap<AccountId, DateTime<Utc>>> {
        if accounts.is_empty() {
            return Ok(HashMap::new());
        }
        let mut args = Args::default();
        let ids: Vec<String> = accounts.iter().map(|a| args.push(Arg::Int(a.0))).collect();
        let kinds: Vec<String> = ActivityKind::ALL
            .iter()
            .filter(|k| k.is_personal_touch())
            .map(|k| args.push(Arg::Text(k.as_str().into())))
            .collect();
        let sql = format!(
            "SELECT account_id, MAX(occurred_at) FROM activities \
             WHERE account_id IN ({}) AND kind IN ({}) GROUP BY account_id",
            ids.join(", "),
            kinds.join(", ")
        );
        let rows: Vec<(i64, String)> = sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(a, t)| Ok((AccountId(a), time("occurred_at", &t)?)))
            .collect()
    }
}
