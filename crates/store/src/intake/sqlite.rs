//! The intake's write path on SQLite: its own connection through rusqlite, one prepared
//! statement per table run row by row, in one `BEGIN IMMEDIATE` transaction.
//!
//! Why not sqlx here, as everywhere else: sqlx's SQLite driver hands every statement to a worker
//! thread and copies every bound value on the way, and many-row statements need a statement
//! journal. For the intake, which writes four rows per event, that was most of the time spent
//! outside SQLite itself. Both drivers link the same SQLite library and share the file in WAL
//! mode; the rows written, the conflict rules and the mapping are the ones of the other path
//! (`tables`, and `sherpa_core::intake::map`).
//!
//! Rollups are added up in memory over many transactions and written together, at most every
//! half second or 200,000 events, or when a read asks (`settle`): with live traffic most
//! events of a second land on the same account-days, names and users, so this writes each of
//! those rows once instead of once per transaction (rollups were half the writer's time). Each
//! transaction records its events' id range in `rollup_pending`; the write of the rollups
//! deletes the ranges it covers. Ranges left by a process that died are rolled up again from
//! the stored events when an intake connection opens, so no acknowledged event is missed or
//! counted twice.

use super::{IngestOutcome, tables};
use crate::Result;
use crate::accounts::Arg;
use chrono::{DateTime, Utc};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params_from_iter};
use sherpa_core::intake::{Known, Message, RollupDelta, distinct, lookups, map, new_usage};
use sherpa_core::text::timestamp;
use sherpa_core::*;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Rollups wait in memory at most this long...
const SETTLE_EVERY: Duration = Duration::from_millis(500);
/// ...or for this many events.
const SETTLE_EVENTS: usize = 200_000;

/// Rollups of committed transactions not written yet.
#[derive(Default)]
struct Pending {
    delta: RollupDelta,
    /// The `rollup_pending` ranges (first id) the delta covers.
    ranges: Vec<i64>,
    events: usize,
    since: Option<Instant>,
}

struct Open {
    conn: Connection,
    pending: Pending,
    /// The table's pending ranges must be rolled up before anything else: at the first use,
    /// and after a failure (a range whose rollups were in memory then is only in the table).
    recover: bool,
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Arg::Int(i) => i.to_sql(),
            Arg::Text(t) => t.to_sql(),
            Arg::OptInt(i) => i.to_sql(),
            Arg::OptText(t) => t.to_sql(),
        }
    }
}

/// The intake's connection to a SQLite file, opened on first use.
pub(crate) struct SqliteIntake {
    path: PathBuf,
    open: Mutex<Option<Open>>,
}

impl std::fmt::Debug for SqliteIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteIntake")
            .field("path", &self.path)
            .finish()
    }
}

/// `INSERT ... VALUES (?, ...) ON CONFLICT ...` of one row.
fn insert_sql(t: &tables::Table) -> String {
    let marks = vec!["?"; t.columns.len()].join(", ");
    format!(
        "INSERT INTO {} ({}) VALUES ({marks}) {}",
        t.name,
        t.columns.join(", "),
        t.on_conflict
    )
}

impl SqliteIntake {
    pub fn new(path: PathBuf) -> SqliteIntake {
        SqliteIntake {
            path,
            open: Mutex::new(None),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        // As the pool's connections (see `connect`): the log is copied back by its own task.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -262144; PRAGMA mmap_size = 1073741824; PRAGMA wal_autocheckpoint = 0;",
        )?;
        Ok(conn)
    }

    /// Runs `f` on the open connection, opening it (and rolling up what an earlier process
    /// left pending) first if needed.
    fn with<T>(&self, f: impl FnOnce(&mut Open) -> Result<T>) -> Result<T> {
        let mut guard = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(Open {
                conn: self.open()?,
                pending: Pending::default(),
                recover: true,
            });
        }
        let open = guard.as_mut().expect("opened above");
        if open.recover {
            recover(&mut open.conn)?;
            open.recover = false;
        }
        let result = f(open);
        if result.is_err() {
            // What is in memory may no longer match the table: start again from the table.
            open.pending = Pending::default();
            open.recover = true;
        }
        result
    }

    /// Stores and maps the messages in one transaction (blocking); their rollups join the
    /// pending ones, written when due.
    pub fn ingest(&self, all: &[Message], received_at: DateTime<Utc>) -> Result<IngestOutcome> {
        self.with(|open| {
            let tx = open
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (outcome, delta, range) = write(&tx, all, received_at)?;
            tx.commit()?;
            let p = &mut open.pending;
            if let Some(first) = range {
                p.delta.merge(delta);
                p.ranges.push(first);
                p.events += outcome.accepted;
                p.since.get_or_insert_with(Instant::now);
            }
            if p.events >= SETTLE_EVENTS || p.since.is_some_and(|t| t.elapsed() >= SETTLE_EVERY) {
                settle(open)?;
            }
            Ok(outcome)
        })
    }

    /// Writes the pending rollups now (blocking).
    pub fn settle(&self) -> Result<()> {
        self.with(settle)
    }

    /// Adds rollups of usage that has no raw events here (blocking).
    pub fn add_rollups(&self, delta: &RollupDelta) -> Result<()> {
        self.with(|open| {
            let tx = open
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            add_rollups(&tx, delta)?;
            tx.commit()?;
            Ok(())
        })
    }
}

/// Writes the pending rollups and deletes the ranges they cover, in one transaction.
fn settle(open: &mut Open) -> Result<()> {
    if open.pending.ranges.is_empty() {
        return Ok(());
    }
    let tx = open
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut gone = 0;
    {
        let mut delete = tx.prepare_cached("DELETE FROM rollup_pending WHERE first_id = ?")?;
        for first in &open.pending.ranges {
            gone += delete.execute([first])?;
        }
    }
    if gone != open.pending.ranges.len() {
        // Another process's recovery rolled up some of them from the table: what is in
        // memory would count those twice, so the table decides.
        drop(tx);
        open.pending = Pending::default();
        return recover(&mut open.conn);
    }
    add_rollups(&tx, &open.pending.delta)?;
    tx.commit()?;
    open.pending = Pending::default();
    Ok(())
}

/// Rolls up, from the stored events, every range still pending in the table.
fn recover(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let ranges: Vec<(i64, i64)> = tx
        .prepare("SELECT first_id, last_id FROM rollup_pending")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if ranges.is_empty() {
        return Ok(());
    }
    let mut delta = RollupDelta::default();
    {
        let mut q = tx.prepare(
            "SELECT account_id, kind, user_key, name, occurred_at FROM events \
             WHERE id BETWEEN ? AND ? AND account_id IS NOT NULL",
        )?;
        for (first, last) in &ranges {
            let mut rows = q.query([first, last])?;
            while let Some(r) = rows.next()? {
                let at: String = r.get(4)?;
                let m = super::usage_message(
                    &r.get::<_, String>(1)?,
                    &r.get::<_, String>(2)?,
                    r.get(3)?,
                    crate::rows::time("occurred_at", &at)?,
                );
                delta.add(AccountId(r.get(0)?), &m);
            }
        }
    }
    tx.execute("DELETE FROM rollup_pending", [])?;
    add_rollups(&tx, &delta)?;
    tx.commit()?;
    tracing::info!(
        ranges = ranges.len(),
        "rolled up events an earlier process had stored but not yet rolled up"
    );
    Ok(())
}

/// Upserts rows into a table, one prepared statement run row by row.
fn upsert(conn: &Connection, table: &tables::Table, rows: Vec<Vec<Arg>>) -> Result<()> {
    let mut upsert = conn.prepare_cached(&insert_sql(table))?;
    for row in rows {
        upsert.execute(params_from_iter(&row))?;
    }
    Ok(())
}

fn add_rollups(conn: &Connection, delta: &RollupDelta) -> Result<()> {
    if delta.is_empty() {
        return Ok(());
    }
    for (table, rows) in tables::rollup_rows(delta) {
        upsert(conn, table, rows)?;
    }
    Ok(())
}

/// Looks each key up with a one-row query.
fn lookup(
    conn: &Connection,
    sql: &str,
    keys: &[String],
    mut found: impl FnMut(String, Option<i64>, Option<i64>),
) -> rusqlite::Result<()> {
    let mut q = conn.prepare_cached(&sql.replace("IN ({list})", "= ?"))?;
    for k in keys {
        let row = q
            .query_row([k], |r| {
                Ok((r.get::<_, Option<i64>>(1)?, r.get::<_, Option<i64>>(2)?))
            })
            .optional()?;
        if let Some((a, b)) = row {
            found(k.clone(), a, b);
        }
    }
    Ok(())
}

/// Stores the messages and their users; answers the outcome, the rollups of the new events
/// and the first id of the range recorded as pending (none when nothing new was mapped).
fn write(
    conn: &Connection,
    all: &[Message],
    received_at: DateTime<Utc>,
) -> Result<(IngestOutcome, RollupDelta, Option<i64>)> {
    let messages = distinct(all);
    let need = lookups(&messages);
    let mut known = Known::default();
    lookup(conn, tables::ACCOUNTS_BY_GROUP, &need.groups, |k, id, _| {
        if let Some(id) = id {
            known.accounts.insert(k, AccountId(id));
        }
    })?;
    lookup(conn, tables::USERS_BY_KEY, &need.users, |k, a, c| {
        known.users.insert(k, (a.map(AccountId), c.map(ContactId)));
    })?;
    lookup(conn, tables::CONTACTS_BY_EMAIL, &need.emails, |k, c, a| {
        if let (Some(c), Some(a)) = (c, a) {
            known.contacts.insert(k, (ContactId(c), AccountId(a)));
        }
    })?;
    let mapping = map(&messages, known);

    let now = timestamp(received_at);
    let mut stored = HashSet::with_capacity(messages.len());
    let mut ids: Option<(i64, i64)> = None;
    {
        let mut insert = conn.prepare_cached(&insert_sql(&tables::EVENTS))?;
        for (m, account) in messages.iter().zip(&mapping.accounts) {
            let row = tables::event_row(m, *account, &now);
            if insert.execute(params_from_iter(&row))? == 1 {
                stored.insert(m.message_id.clone());
                let id = conn.last_insert_rowid();
                ids = Some(ids.map_or((id, id), |(lo, hi)| (lo.min(id), hi.max(id))));
            }
        }
    }
    let (delta, unmapped) = new_usage(&messages, &mapping, &stored);
    let users = mapping
        .changed_users
        .iter()
        .map(|(k, u)| tables::user_row(k, *u, &now))
        .collect();
    upsert(conn, &tables::PRODUCT_USERS, users)?;
    let range = match ids {
        Some((first, last)) if !delta.is_empty() => {
            conn.prepare_cached("INSERT INTO rollup_pending (first_id, last_id) VALUES (?, ?)")?
                .execute([first, last])?;
            Some(first)
        }
        _ => None,
    };
    let outcome = IngestOutcome {
        accepted: stored.len(),
        duplicates: all.len() - stored.len(),
        unmapped,
    };
    let mut count = conn.prepare_cached(&tables::COUNT.replace('$', "?"))?;
    for (outcome, n) in [
        ("accepted", outcome.accepted),
        ("duplicate", outcome.duplicates),
    ] {
        if n > 0 {
            count.execute(rusqlite::params![outcome, n as i64])?;
        }
    }
    if outcome.accepted > 0 {
        conn.prepare_cached(&tables::PER_MINUTE.replace('$', "?"))?
            .execute(rusqlite::params![&now[..16], outcome.accepted as i64, 0i64])?;
    }
    Ok((outcome, delta, range))
}
