//! Tier cadences in the book (seed 001): the closing of a "personal touch" task when a touch is
//! logged, the overdue touches per CSM, and each person's private calendar feed. The tasks
//! themselves are opened by the engagement engine, whose models' `tier_cadence` moment follows
//! each tier's cadence.

use crate::audit::record;
use crate::rows::time;
use crate::sql::BindIds;
use crate::tokens::{digest, random_hex};
use crate::{Result, Store};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sqlx::AnyConnection;

/// Closes the account's open personal-touch task when a personal activity answers it.
pub(crate) async fn close_touch_tasks(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    account: AccountId,
    input: &ActivityInput,
) -> Result<()> {
    let open: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, created_at FROM tasks WHERE account_id = $1 AND dedup_key = $2 AND status = 'open'",
    )
    .bind(account.0)
    .bind(PERSONAL_TOUCH)
    .fetch_all(&mut *conn)
    .await?;
    crate::tasks::close_answered(conn, now, actor, input, account, open, "touched").await
}

/// One person's overdue personal touches.
#[derive(Debug, Clone, PartialEq)]
pub struct OverdueTouches {
    pub owner: Option<UserId>,
    pub count: i64,
    pub oldest_due: chrono::NaiveDate,
}

/// A calendar feed just issued: the secret is shown once.
#[derive(Debug, Clone)]
pub struct IssuedFeed {
    pub secret: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// Overdue personal touches per owner, most first.
    pub async fn overdue_touches(&self) -> Result<Vec<OverdueTouches>> {
        let rows: Vec<(Option<i64>, i64, String)> = sqlx::query_as(
            "SELECT owner_id, COUNT(*), MIN(due_on) FROM tasks WHERE dedup_key = $1 AND status = 'open' \
             AND due_on < $2 GROUP BY owner_id ORDER BY COUNT(*) DESC, MIN(due_on)",
        )
        .bind(PERSONAL_TOUCH)
        .bind(self.clock().today().to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(owner, count, due)| {
                Ok(OverdueTouches {
                    owner: owner.map(UserId),
                    count,
                    oldest_due: crate::rows::parse("due_on", &due)?,
                })
            })
            .collect()
    }

    /// The due day of each account's open personal touch, for the accounts given: the touch
    /// their tier's cadence wants next. An account whose cadence is kept has none.
    pub async fn personal_touches_due(
        &self,
        accounts: &[AccountId],
    ) -> Result<std::collections::HashMap<AccountId, chrono::NaiveDate>> {
        let mut out = std::collections::HashMap::new();
        // Each account's own open touch, through the index of open tasks by account and key.
        // SQLite's planner, without statistics for `tasks` (a book never analysed), walked every
        // open touch of the book instead (`tasks_rule_open`: 44,792 on the pages benchmark's
        // 100,000 accounts, 26 ms of each portfolio page, against 0.1 ms); so it is named.
        let tasks = match self.engine() {
            crate::Engine::Sqlite => "tasks INDEXED BY tasks_open_dedup",
            crate::Engine::Postgres => "tasks",
        };
        for part in accounts.chunks(500) {
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT account_id, MIN(due_on) FROM {tasks} WHERE account_id IN ({}) \
                 AND dedup_key = ${} AND status = 'open' AND due_on IS NOT NULL GROUP BY account_id",
                crate::sql::placeholders(0, part.len()),
                part.len() + 1
            ))
            .bind_ids(part)
            .bind(PERSONAL_TOUCH)
            .fetch_all(&self.pool)
            .await?;
            for (account, due) in rows {
                out.insert(AccountId(account), crate::rows::parse("due_on", &due)?);
            }
        }
        Ok(out)
    }

    /// Issues the person a new calendar feed secret, retiring any earlier one.
    pub async fn issue_calendar_feed(&self, actor: &Actor, user: UserId) -> Result<IssuedFeed> {
        let secret = format!("sherpa_cal_{}", random_hex());
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(user.0)
        .bind(digest(&secret))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        record(
            &mut tx,
            &now,
            actor,
            "create",
            "calendar_feed",
            id,
            None,
            Some(&serde_json::json!({"user_id": user.to_string()})),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedFeed {
            secret,
            created_at: time("created_at", &now)?,
        })
    }

    /// Retires the person's calendar feed: its URL answers 404 from now on.
    pub async fn revoke_calendar_feed(&self, actor: &Actor, user: UserId) -> Result<bool> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(user.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done > 0 {
            record(
                &mut tx,
                &now,
                actor,
                "revoke",
                "calendar_feed",
                user.0,
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done > 0)
    }

    /// When the person's live feed was issued, if they have one.
    pub async fn calendar_feed_issued(
        &self,
        user: UserId,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let at: Option<String> = sqlx::query_scalar(
            "SELECT created_at FROM calendar_feeds WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await?;
        at.map(|t| time("created_at", &t).map_err(Into::into))
            .transpose()
    }

    /// The active person a live feed secret belongs to, or `None` for an unknown or retired one.
    pub async fn calendar_feed_owner(&self, secret: &str) -> Result<Option<User>> {
        let user: Option<i64> = sqlx::query_scalar(
            "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
             WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND u.active = 1",
        )
        .bind(digest(secret))
        .fetch_optional(&self.pool)
        .await?;
        match user {
            None => Ok(None),
            Some(u) => Ok(Some(self.user(UserId(u)).await?)),
        }
    }
}
