//! Usage data in: Segment messages stored once each (deduplicated on messageId), mapped to the
//! book's accounts, and added to the daily rollups in the same transaction, so a message that
//! was acknowledged is both kept and counted, or neither.

mod catalog;
mod events;
mod retention;
mod sql;
mod sqlite;
mod tables;
mod usage;

pub use events::StoredEvent;
pub use usage::UsageDay;

pub(crate) use sqlite::SqliteIntake;

use crate::bulk::upsert_rows;
use crate::rollups::Rollups;
use crate::rows::time;
use crate::sql::{Arg, Args};
use crate::{Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::intake::{
    BlockEvent, Message, MessageKind, Rejection, RollupDelta, days_in, decode_block,
};
use sherpa_core::text::{date, timestamp};
use sherpa_core::*;
use sqlx::AnyConnection;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Raw events are kept this many days unless an admin sets otherwise; rollups are kept forever.
pub const DEFAULT_RETENTION_DAYS: i64 = 180;

/// What happened to a set of valid messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestOutcome {
    /// Stored for the first time.
    pub accepted: usize,
    /// Already stored (a retry): nothing added.
    pub duplicates: usize,
    /// Stored without an account: their group is not in the book (yet), or they name none.
    pub unmapped: usize,
}

impl std::ops::AddAssign for IngestOutcome {
    fn add_assign(&mut self, o: IngestOutcome) {
        self.accepted += o.accepted;
        self.duplicates += o.duplicates;
        self.unmapped += o.unmapped;
    }
}

/// A stored event rebuilt as far as the rollups need it: kind, user, name and time.
pub(crate) fn usage_message(
    kind: &str,
    user_key: &str,
    name: Option<String>,
    at: DateTime<Utc>,
) -> Message {
    Message {
        message_id: String::new(),
        kind: MessageKind::parse(kind).unwrap_or(MessageKind::Track),
        user_id: Some(user_key.to_string()),
        anonymous_id: None,
        name,
        group_id: None,
        email: None,
        timestamp: at,
        body: String::new(),
    }
}

/// The intake's counters and what the admin should look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeStatus {
    pub accepted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    /// Stored events without an account now.
    pub unmapped: i64,
    /// The latest rejections, newest first: when, code, reason, the start of the message.
    pub last_rejections: Vec<(DateTime<Utc>, String, String, String)>,
    /// Group ids of stored events that no account carries yet, with their event counts.
    pub unmapped_groups: Vec<(String, i64)>,
}

/// Takes deleted events' message ids (with their events' ids) out of the dedup index: the
/// text table on both engines, and on SQLite the keys that are still these events'.
async fn forget_ids(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    events: &[(i64, String)],
) -> Result<()> {
    for slice in events.chunks(400) {
        let mut args = Args::default();
        let list = sql::in_list(
            engine,
            &mut args,
            slice.iter().map(|(_, m)| Arg::Text(m.clone())),
        );
        sqlx::query_with(
            &format!("DELETE FROM message_ids WHERE message_id IN ({list})"),
            args.into_arguments(),
        )
        .execute(&mut *conn)
        .await?;
        if engine == crate::Engine::Sqlite {
            let mut args = Args::default();
            let pairs: Vec<String> = slice
                .iter()
                .map(|(id, m)| {
                    args.push(Arg::Int(tables::message_key(m)));
                    args.push(Arg::Int(*id));
                    "(?, ?)".to_string()
                })
                .collect();
            sqlx::query_with(
                &format!(
                    "DELETE FROM message_keys WHERE (key, event_id) IN (VALUES {})",
                    pairs.join(", ")
                ),
                args.into_arguments(),
            )
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

async fn count(conn: &mut AnyConnection, outcome: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    sqlx::query(tables::COUNT)
        .bind(outcome)
        .bind(n as i64)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds to the messages-per-minute counters of the minute `at` falls in.
async fn per_minute(
    conn: &mut AnyConnection,
    at: &str,
    accepted: usize,
    rejected: usize,
) -> Result<()> {
    if accepted + rejected == 0 {
        return Ok(());
    }
    sqlx::query(tables::PER_MINUTE)
        .bind(&at[..16])
        .bind(accepted as i64)
        .bind(rejected as i64)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Stores valid messages once each, maps them to accounts and adds the new ones to the
    /// rollups, all in one transaction.
    pub async fn ingest(
        &self,
        messages: impl Into<std::sync::Arc<[Message]>>,
        received_at: DateTime<Utc>,
    ) -> Result<IngestOutcome> {
        let messages = messages.into();
        let (outcome, touched) =
            match self.on_sqlite_intake(messages, move |i, m| i.ingest(&m, received_at)) {
                Ok(running) => running.await?,
                Err(messages) => {
                    let mut tx = self.write_tx().await?;
                    let written = sql::ingest(&mut tx, self.engine, &messages, received_at).await?;
                    tx.commit().await?;
                    written
                }
            };
        self.health_watch().mark(touched);
        Ok(outcome)
    }

    /// Runs `f` with `input` on the SQLite intake's connection, off the async threads (its calls
    /// block); gives `input` back when there is no such connection (PostgreSQL).
    fn on_sqlite_intake<I: Send + 'static, T: Send + 'static>(
        &self,
        input: I,
        f: impl FnOnce(&SqliteIntake, I) -> Result<T> + Send + 'static,
    ) -> std::result::Result<impl std::future::Future<Output = Result<T>>, I> {
        let Some(intake) = self.sqlite_intake.clone() else {
            return Err(input);
        };
        Ok(async move {
            match tokio::task::spawn_blocking(move || f(&intake, input)).await {
                Ok(r) => r,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        })
    }

    /// Brings the rollups up to date with every stored event: the SQLite intake adds up the
    /// rollups of many transactions in memory and writes them every two seconds (see
    /// `intake::sqlite`); reads of usage call this first.
    pub async fn settle_usage(&self) -> Result<()> {
        match self.on_sqlite_intake((), |i, ()| i.settle()) {
            Ok(running) => running.await,
            Err(()) => Ok(()),
        }
    }

    /// Writes what the SQLite intake holds in memory (rollups and message ids), so that the
    /// next process to open the database has nothing to redo: on closing.
    pub async fn write_held_intake(&self) -> Result<()> {
        match self.on_sqlite_intake((), |i, ()| i.write_held()) {
            Ok(running) => running.await,
            Err(()) => Ok(()),
        }
    }

    /// Adds usage already rolled up, whose raw events are not kept here: the demo's history.
    pub async fn add_usage_rollups(&self, delta: RollupDelta) -> Result<()> {
        let touched: BTreeSet<AccountId> = delta.days.keys().map(|(a, _)| *a).collect();
        match self.on_sqlite_intake(delta, |i, d| i.add_rollups(&d)) {
            Ok(running) => running.await?,
            Err(delta) => {
                let mut tx = self.write_tx().await?;
                sql::add_rollups(&mut tx, self.engine, &delta).await?;
                tx.commit().await?;
            }
        }
        self.health_watch().mark(touched);
        Ok(())
    }

    /// Adds a fresh book's usage history (the demo's): rollups of accounts that have none yet.
    /// On PostgreSQL they are copied in (see `sql::add_fresh_history`); on SQLite they go the
    /// way of any rollups (inserting instead of upserting the rows keyed by account saved
    /// nothing measurable: the demo's usage phase took 4.2-4.5 s at 2,000 accounts either way).
    pub async fn add_fresh_usage_history(&self, delta: RollupDelta) -> Result<()> {
        if self.engine != crate::Engine::Postgres {
            return self.add_usage_rollups(delta).await;
        }
        let touched: BTreeSet<AccountId> = delta.days.keys().map(|(a, _)| *a).collect();
        sql::add_fresh_history(&self.pool, &delta).await?;
        self.health_watch().mark(touched);
        Ok(())
    }

    /// Counts and keeps refused messages (the latest 1,000) for the admin's intake page.
    pub async fn record_rejections(&self, rejected: &[(Rejection, String)]) -> Result<()> {
        if rejected.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut tx = self.write_tx().await?;
        count(&mut tx, "rejected", rejected.len()).await?;
        per_minute(&mut tx, &now, 0, rejected.len()).await?;
        // Only the latest matter: a flood of bad messages keeps a bounded log.
        let rows: Vec<Vec<Arg>> = rejected[rejected.len().saturating_sub(100)..]
            .iter()
            .map(|(r, sample)| {
                let reason = match r.index {
                    Some(i) => format!("message {i}: {}", r.message),
                    None => r.message.clone(),
                };
                vec![
                    Arg::Text(now.clone()),
                    Arg::Text(r.code.to_string()),
                    Arg::Text(reason),
                    Arg::Text(sample.chars().take(300).collect()),
                ]
            })
            .collect();
        upsert_rows(
            &mut tx,
            self.engine,
            "intake_rejections",
            &["at", "code", "reason", "sample"],
            rows,
            "",
        )
        .await?;
        sqlx::query(
            "DELETE FROM intake_rejections WHERE id <= (SELECT MAX(id) - 1000 FROM intake_rejections)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counters, the latest rejections and the unmapped group ids.
    pub async fn intake_status(&self) -> Result<IntakeStatus> {
        let counts: Vec<(String, i64)> = sqlx::query_as("SELECT outcome, n FROM intake_counts")
            .fetch_all(&self.pool)
            .await?;
        let get = |k: &str| {
            counts
                .iter()
                .find(|(o, _)| o == k)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        };
        let rejections: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT at, code, reason, sample FROM intake_rejections ORDER BY id DESC LIMIT 50",
        )
        .fetch_all(&self.pool)
        .await?;
        // A message without a group waits under its user's group when that is not in the book.
        let unmapped_groups: Vec<(String, i64)> = sqlx::query_as(
            "SELECT COALESCE(e.group_id, w.group_id) AS g, COUNT(*) FROM events e \
             LEFT JOIN waiting_users w ON w.user_key = e.user_key \
             WHERE e.account_id IS NULL AND COALESCE(e.group_id, w.group_id) IS NOT NULL \
             GROUP BY COALESCE(e.group_id, w.group_id) ORDER BY COUNT(*) DESC, g LIMIT 100",
        )
        .fetch_all(&self.pool)
        .await?;
        let (unmapped,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM events WHERE account_id IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(IntakeStatus {
            accepted: get("accepted"),
            duplicates: get("duplicate"),
            rejected: get("rejected"),
            unmapped,
            last_rejections: rejections
                .into_iter()
                .map(|(at, code, reason, sample)| Ok((time("at", &at)?, code, reason, sample)))
                .collect::<Result<_>>()?,
            unmapped_groups,
        })
    }

    /// Attaches waiting events to the accounts that now carry their group id, and adds them to
    /// the rollups; answers how many attached. The update claims the rows, so two servers
    /// running this at once cannot count an event twice.
    pub async fn attach_unmapped(&self) -> Result<u64> {
        self.settle_usage().await?;
        let pairs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT DISTINCT e.group_id, a.id FROM events e JOIN accounts a ON a.external_id = e.group_id \
             WHERE e.account_id IS NULL AND e.group_id IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut attached = 0;
        for (group, account) in pairs {
            attached += self
                .attach(
                    "UPDATE events SET account_id = $1 WHERE account_id IS NULL AND group_id = $2 \
                     AND NOT EXISTS (SELECT 1 FROM intake_pending r WHERE r.rollups = 1 AND events.id BETWEEN r.first_id AND r.last_id) \
                     RETURNING account_id, kind, user_key, name, occurred_at",
                    Some((account, group)),
                )
                .await?;
        }
        // Users seen in a group before its account existed now belong to it (a user already
        // tied to an account stays where the book put them).
        self.tie_waiting_users().await?;
        // Messages without a group that came before their user was tied to an account (a
        // client's requests can arrive out of order, or the account came later): they follow
        // the user now.
        attached += self
            .attach(
                "UPDATE events SET account_id = (SELECT p.account_id FROM product_users p WHERE p.user_key = events.user_key) \
                 WHERE account_id IS NULL AND group_id IS NULL \
                 AND user_key IN (SELECT user_key FROM product_users WHERE account_id IS NOT NULL) \
                 AND NOT EXISTS (SELECT 1 FROM intake_pending r WHERE r.rollups = 1 AND events.id BETWEEN r.first_id AND r.last_id) \
                 RETURNING account_id, kind, user_key, name, occurred_at",
                None,
            )
            .await?;
        Ok(attached)
    }

    /// Ties each waiting user whose group's account now exists to it, and stops waiting. Read
    /// first: the pass runs every few seconds, and most find nobody to tie.
    async fn tie_waiting_users(&self) -> Result<()> {
        let any: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM waiting_users w JOIN accounts a ON a.external_id = w.group_id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        if any.is_none() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        // `WHERE true` keeps SQLite from reading the upsert's ON as a join's.
        sqlx::query(
            "INSERT INTO product_users (user_key, account_id, contact_id, updated_at) \
             SELECT w.user_key, a.id, NULL, $1 FROM waiting_users w \
             JOIN accounts a ON a.external_id = w.group_id WHERE true \
             ON CONFLICT (user_key) DO UPDATE SET account_id = excluded.account_id, \
             updated_at = excluded.updated_at WHERE product_users.account_id IS NULL",
        )
        .bind(timestamp(self.clock().now()))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM waiting_users WHERE group_id IN \
             (SELECT external_id FROM accounts WHERE external_id IS NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs one attaching update and adds the rows it claimed to the rollups, in one
    /// transaction.
    async fn attach(&self, update: &str, binds: Option<(i64, String)>) -> Result<u64> {
        let mut tx = self.write_tx().await?;
        let mut q = sqlx::query_as::<_, (i64, String, String, Option<String>, String)>(update);
        if let Some((account, group)) = binds {
            q = q.bind(account).bind(group);
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let mut delta = RollupDelta::default();
        for (account, kind, user_key, name, occurred_at) in &rows {
            let m = usage_message(
                kind,
                user_key,
                name.clone(),
                time("occurred_at", occurred_at)?,
            );
            delta.add(AccountId(*account), &m);
        }
        sql::add_rollups(&mut tx, self.engine, &delta).await?;
        tx.commit().await?;
        self.health_watch()
            .mark(rows.iter().map(|(account, ..)| AccountId(*account)));
        Ok(rows.len() as u64)
    }

    /// Accepted and rejected messages per minute since `since` (a `YYYY-MM-DDTHH:MM` prefix).
    pub async fn intake_minutes(&self, since: DateTime<Utc>) -> Result<Vec<(String, i64, i64)>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT minute, accepted, rejected FROM intake_minutes WHERE minute >= $1 ORDER BY minute",
        )
        .bind(&timestamp(since)[..16])
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }
}
