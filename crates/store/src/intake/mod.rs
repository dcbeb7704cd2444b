//! Usage data in: Segment messages stored once each (deduplicated on messageId), mapped to the
//! book's accounts, and added to the daily rollups in the same transaction, so a message that
//! was acknowledged is both kept and counted, or neither.

mod sql;
mod sqlite;
mod tables;

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

/// One day of an account's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageDay {
    pub day: NaiveDate,
    pub events: i64,
    pub page_views: i64,
    pub active_users: i64,
    /// Distinct users seen in the 30 days up to and including this day.
    pub seats_in_use: i64,
    /// Distinct product features used that day (event names through the feature catalog).
    pub features_used: i64,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Ingest order; the cursor of the events list.
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub account_id: Option<AccountId>,
    pub group_id: Option<String>,
    pub user_key: String,
    pub name: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub body: String,
}

impl StoredEvent {
    /// An event of a block, with the block's account and time received.
    pub(crate) fn from_block(
        e: BlockEvent,
        account: AccountId,
        received_at: DateTime<Utc>,
    ) -> StoredEvent {
        StoredEvent {
            id: e.id,
            occurred_at: e.occurred_at(),
            message_id: e.message_id,
            kind: e.kind,
            account_id: Some(account),
            group_id: e.group_id,
            user_key: e.user_key,
            name: e.name,
            received_at,
            body: e.body,
        }
    }

    /// The message as the rollups see it.
    pub fn to_message(&self) -> Message {
        usage_message(
            &self.kind,
            &self.user_key,
            self.name.clone(),
            self.occurred_at,
        )
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
        messages: Vec<Message>,
        received_at: DateTime<Utc>,
    ) -> Result<IngestOutcome> {
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
            None,
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
        let unmapped_groups: Vec<(String, i64)> = sqlx::query_as(
            "SELECT group_id, COUNT(*) FROM events WHERE account_id IS NULL AND group_id IS NOT NULL \
             GROUP BY group_id ORDER BY COUNT(*) DESC, group_id LIMIT 100",
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
        // Messages without a group that came before their user was tied to an account (a
        // client's requests can arrive out of order): they follow the user now.
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

    /// The feature catalog: event name, the feature it counts as, and whether it is high-value.
    pub async fn feature_catalog(&self) -> Result<Vec<(String, String, bool)>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT event_name, feature, high_value FROM feature_catalog ORDER BY feature, event_name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(e, f, h)| (e, f, h != 0)).collect())
    }

    /// Names the feature an event counts as (several events may make one feature); the
    /// names as given, checked by the caller.
    pub async fn set_feature(
        &self,
        actor: &Actor,
        event: &str,
        feature: &str,
        high_value: bool,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO feature_catalog (event_name, feature, high_value) VALUES ($1, $2, $3) \
             ON CONFLICT (event_name) DO UPDATE SET feature = excluded.feature, high_value = excluded.high_value",
        )
        .bind(event)
        .bind(feature)
        .bind(i64::from(high_value))
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({"feature": feature, "high_value": high_value});
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "feature",
            &event,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        // Breadth and high-value use count features, not events.
        self.forget_health_catalogue();
        self.health_watch().mark_all();
        Ok(())
    }

    /// An account's use of each catalog feature from `from` to `to`: (feature, events,
    /// high-value), the most used first; features it never used have 0 events.
    pub async fn feature_usage(
        &self,
        account: AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, i64, bool)>> {
        let rollups = self.rollups().await?;
        let used: Vec<(String, i64)> = sqlx::query_as(
            "SELECT name, CAST(SUM(events) AS BIGINT) FROM usage_names WHERE account_id = $1 AND day >= $2 AND day <= $3 GROUP BY name",
        )
        .bind(account.0)
        .bind(date(from))
        .bind(date(to))
        .fetch_all(rollups.pool())
        .await?;
        let used: HashMap<String, i64> = used.into_iter().collect();
        let mut features: HashMap<String, (i64, bool)> = HashMap::new();
        for (event, feature, high) in self.feature_catalog().await? {
            let e = features.entry(feature).or_insert((0, false));
            e.0 += used.get(&event).copied().unwrap_or(0);
            e.1 |= high;
        }
        let mut out: Vec<(String, i64, bool)> =
            features.into_iter().map(|(f, (n, h))| (f, n, h)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// How many days raw events are kept (the `event_retention_days` setting, default 180).
    pub async fn event_retention_days(&self) -> Result<i64> {
        let v: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = 'event_retention_days'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.and_then(|(v,)| v.parse().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    pub async fn set_event_retention_days(&self, actor: &Actor, days: i64) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('event_retention_days', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(days.to_string())
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({ "event_retention_days": days });
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "setting",
            "event_retention_days",
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes raw events received before the retention window, loose and in blocks, with
    /// their message ids; rollups stay.
    pub async fn prune_events(&self) -> Result<u64> {
        // Per-minute counters are for the intake page: a week is enough.
        let week_ago = timestamp(self.clock.now() - chrono::Duration::days(7));
        sqlx::query("DELETE FROM intake_minutes WHERE minute < $1")
            .bind(&week_ago[..16])
            .execute(&self.pool)
            .await?;
        let days = self.event_retention_days().await?;
        let cutoff = timestamp(self.clock.now() - chrono::Duration::days(days));
        let mut deleted = 0;
        if let Some(last) = self.last_received_before("events", "id", &cutoff).await? {
            deleted += self.prune_loose(last).await?;
        }
        if let Some(last) = self
            .last_received_before("event_blocks", "first_id", &cutoff)
            .await?
        {
            deleted += self.prune_blocks(last).await?;
        }
        Ok(deleted)
    }

    /// The last id (in `table`, numbered by `id`) received before `cutoff`. Ids follow the
    /// order events arrived in, so it is found by a binary search over ids (a few point
    /// reads) rather than a scan.
    async fn last_received_before(
        &self,
        table: &str,
        id: &str,
        cutoff: &str,
    ) -> Result<Option<i64>> {
        let (lo, hi): (Option<i64>, Option<i64>) =
            sqlx::query_as(&format!("SELECT MIN({id}), MAX({id}) FROM {table}"))
                .fetch_one(&self.pool)
                .await?;
        let (Some(mut lo), Some(mut hi)) = (lo, hi) else {
            return Ok(None);
        };
        let first_at =
            format!("SELECT received_at FROM {table} WHERE {id} >= $1 ORDER BY {id} LIMIT 1");
        let received = |at: i64| {
            let first_at = &first_at;
            async move {
                let r: Option<(String,)> = sqlx::query_as(first_at)
                    .bind(at)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok::<_, crate::StoreError>(r.map(|(t,)| t))
            }
        };
        if received(lo).await?.is_none_or(|t| t.as_str() >= cutoff) {
            return Ok(None);
        }
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2;
            match received(mid).await? {
                Some(t) if t.as_str() < cutoff => lo = mid,
                _ => hi = mid - 1,
            }
        }
        Ok(Some(lo))
    }

    /// Deletes loose events with ids up to `last`, and their message ids, in slices so that no
    /// transaction holds the writer for long.
    async fn prune_loose(&self, last: i64) -> Result<u64> {
        let mut deleted = 0;
        loop {
            let mut tx = self.write_tx().await?;
            let events: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, message_id FROM events WHERE id <= $1 ORDER BY id LIMIT 10000",
            )
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            let Some((up_to, _)) = events.last() else {
                return Ok(deleted);
            };
            let up_to = *up_to;
            forget_ids(&mut tx, self.engine, &events).await?;
            sqlx::query("DELETE FROM events WHERE id <= $1")
                .bind(up_to)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            deleted += events.len() as u64;
        }
    }

    /// Deletes the blocks whose first id is at most `first`, and their message ids, a few
    /// blocks a transaction.
    async fn prune_blocks(&self, first: i64) -> Result<u64> {
        let mut deleted = 0;
        loop {
            let mut tx = self.write_tx().await?;
            let blocks: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT first_id, data FROM event_blocks WHERE first_id <= $1 ORDER BY first_id LIMIT 50",
            )
            .bind(first)
            .fetch_all(&mut *tx)
            .await?;
            let Some((up_to, _)) = blocks.last() else {
                return Ok(deleted);
            };
            let up_to = *up_to;
            let mut events = Vec::new();
            for (_, data) in &blocks {
                events.extend(
                    decode_block(data)?
                        .into_iter()
                        .map(|e| (e.id, e.message_id)),
                );
            }
            forget_ids(&mut tx, self.engine, &events).await?;
            sqlx::query("DELETE FROM event_blocks WHERE first_id <= $1")
                .bind(up_to)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            deleted += events.len() as u64;
        }
    }

    /// Stored messages in ingest order after `after`, of one account or of all: the loose
    /// rows and the blocks' events merged by id.
    pub async fn events(
        &self,
        account: Option<AccountId>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>> {
        let limit = limit.clamp(1, 10_000) as usize;
        let mut args = Args::default();
        let mut cond = format!("id > {}", args.push(Arg::Int(after)));
        if let Some(a) = account {
            cond.push_str(&format!(" AND account_id = {}", args.push(Arg::Int(a.0))));
        }
        let most = args.push(Arg::Int(limit as i64));
        let sql = format!(
            "SELECT id, message_id, kind, account_id, group_id, user_key, name, occurred_at, received_at, body \
             FROM events WHERE {cond} ORDER BY id LIMIT {most}"
        );
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            message_id: String,
            kind: String,
            account_id: Option<i64>,
            group_id: Option<String>,
            user_key: String,
            name: Option<String>,
            occurred_at: String,
            received_at: String,
            body: String,
        }
        let rows: Vec<Row> = sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_all(&self.pool)
            .await?;
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok(StoredEvent {
                    id: r.id,
                    message_id: r.message_id,
                    kind: r.kind,
                    account_id: r.account_id.map(AccountId),
                    group_id: r.group_id,
                    user_key: r.user_key,
                    name: r.name,
                    occurred_at: time("occurred_at", &r.occurred_at)?,
                    received_at: time("received_at", &r.received_at)?,
                    body: r.body,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Blocks never overlap, so in order of their last id their events are in order: read
        // until `limit` of them are past the cursor.
        let mut from_block = after;
        let mut in_blocks = 0;
        while in_blocks < limit {
            let mut args = Args::default();
            let mut cond = format!("last_id > {}", args.push(Arg::Int(from_block)));
            if let Some(a) = account {
                cond.push_str(&format!(" AND account_id = {}", args.push(Arg::Int(a.0))));
            }
            let blocks: Vec<(i64, i64, String, Vec<u8>)> = sqlx::query_as_with(
                &format!(
                    "SELECT last_id, account_id, received_at, data FROM event_blocks \
                     WHERE {cond} ORDER BY last_id LIMIT 16"
                ),
                args.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
            if blocks.is_empty() {
                break;
            }
            for (last, account, received_at, data) in blocks {
                from_block = last;
                let received_at = time("received_at", &received_at)?;
                for e in decode_block(&data)? {
                    if e.id > after {
                        in_blocks += 1;
                        out.push(StoredEvent::from_block(e, AccountId(account), received_at));
                    }
                }
            }
        }
        out.sort_by_key(|e| e.id);
        out.truncate(limit);
        Ok(out)
    }

    /// Distinct users of an account active in the 30 days up to and including `on`: the
    /// seats in use that day, whether or not anyone used the product on it.
    pub async fn seats_in_use(&self, account: AccountId, on: NaiveDate) -> Result<i64> {
        let rollups = self.rollups().await?;
        let users: HashSet<String> = self
            .active_user_days(rollups, account, on - chrono::Days::new(29), on)
            .await?
            .into_iter()
            .map(|(_, u)| u)
            .collect();
        Ok(users.len() as i64)
    }

    /// (day, user) for each day from `from` to `to` a user of the account was active.
    async fn active_user_days(
        &self,
        rollups: Rollups<'_>,
        account: AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, String)>> {
        let months: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT month, user_key, days FROM usage_user_months WHERE account_id = $1 AND month >= $2 AND month <= $3",
        )
        .bind(account.0)
        .bind(&date(from)[..7])
        .bind(&date(to)[..7])
        .fetch_all(rollups.pool())
        .await?;
        let mut out = Vec::new();
        for (month, user, bits) in months {
            let first: NaiveDate = format!("{month}-01").parse().map_err(|_| {
                crate::StoreError::invalid("month", format!("stored month {month:?}"))
            })?;
            for day in days_in(first, bits as u32).filter(|d| (from..=to).contains(d)) {
                out.push((date(day), user.clone()));
            }
        }
        Ok(out)
    }

    /// An account's daily usage from `from` to `to`, one entry per day with any usage.
    pub async fn usage(
        &self,
        account: AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageDay>> {
        let rollups = self.rollups().await?;
        let days: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT day, events, page_views FROM usage_days WHERE account_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(account.0)
        .bind(date(from))
        .bind(date(to))
        .fetch_all(rollups.pool())
        .await?;
        // Seats look 30 days back from each day.
        let users = self
            .active_user_days(rollups, account, from - chrono::Days::new(29), to)
            .await?;
        let names: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT n.day, n.name, f.feature FROM usage_names n LEFT JOIN feature_catalog f ON f.event_name = n.name \
             WHERE n.account_id = $1 AND n.day >= $2 AND n.day <= $3",
        )
        .bind(account.0)
        .bind(date(from))
        .bind(date(to))
        .fetch_all(rollups.pool())
        .await?;
        let mut by_day: HashMap<&str, Vec<&str>> = HashMap::new();
        for (d, u) in &users {
            by_day.entry(d.as_str()).or_default().push(u);
        }
        let mut features: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (d, name, feature) in &names {
            features
                .entry(d.as_str())
                .or_default()
                .insert(feature.as_deref().unwrap_or(name));
        }
        days.iter()
            .map(|(d, events, page_views)| {
                let day: NaiveDate = d
                    .parse()
                    .map_err(|_| crate::StoreError::invalid("day", format!("stored day {d:?}")))?;
                let mut seats = BTreeSet::new();
                for back in 0..30 {
                    let k = date(day - chrono::Days::new(back));
                    if let Some(us) = by_day.get(k.as_str()) {
                        seats.extend(us.iter().copied());
                    }
                }
                Ok(UsageDay {
                    day,
                    events: *events,
                    page_views: *page_views,
                    active_users: by_day.get(d.as_str()).map_or(0, |u| u.len() as i64),
                    seats_in_use: seats.len() as i64,
                    features_used: features.get(d.as_str()).map_or(0, |f| f.len() as i64),
                })
            })
            .collect()
    }
}
