//! The intake's write path on SQLite: its own connection through rusqlite, one prepared
//! statement per table run row by row, in one `BEGIN IMMEDIATE` transaction.
//!
//! Why not sqlx here, as everywhere else: sqlx's SQLite driver hands every statement to a worker
//! thread and copies every bound value on the way, and many-row statements need a statement
//! journal. For the intake, which writes four rows per event, that was most of the time spent
//! outside SQLite itself. Both drivers link the same SQLite library and share the file in WAL
//! mode; the rows written, the conflict rules and the mapping are the ones of the other path
//! (`tables`, and `sherpa_core::intake::map`).

use super::{IngestOutcome, tables};
use crate::Result;
use crate::accounts::Arg;
use chrono::{DateTime, Utc};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params_from_iter};
use sherpa_core::intake::{Known, Message, distinct, lookups, map, new_usage};
use sherpa_core::text::timestamp;
use sherpa_core::*;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

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
    conn: Mutex<Option<Connection>>,
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
            conn: Mutex::new(None),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open(&self.path)?;
        // As the pool's connections (see `connect`): the log is copied back by its own task.
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824; PRAGMA wal_autocheckpoint = 0;",
        )?;
        Ok(conn)
    }

    /// Stores, maps and rolls up the messages in one transaction (blocking).
    pub fn ingest(&self, all: &[Message], received_at: DateTime<Utc>) -> Result<IngestOutcome> {
        let mut guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(self.open()?);
        }
        let conn = guard.as_mut().expect("opened above");
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome = write(&tx, all, received_at)?;
        tx.commit()?;
        Ok(outcome)
    }
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

fn write(conn: &Connection, all: &[Message], received_at: DateTime<Utc>) -> Result<IngestOutcome> {
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
    {
        let mut insert = conn.prepare_cached(&insert_sql(&tables::EVENTS))?;
        for (m, account) in messages.iter().zip(&mapping.accounts) {
            let row = tables::event_row(m, *account, &now);
            if insert.execute(params_from_iter(&row))? == 1 {
                stored.insert(m.message_id.clone());
            }
        }
    }
    let (delta, unmapped) = new_usage(&messages, &mapping, &stored);
    let users = mapping
        .changed_users
        .iter()
        .map(|(k, u)| tables::user_row(k, *u, &now))
        .collect();
    let mut writes = vec![(&tables::PRODUCT_USERS, users)];
    if !delta.is_empty() {
        writes.extend(tables::rollup_rows(&delta));
    }
    for (table, rows) in writes {
        let mut upsert = conn.prepare_cached(&insert_sql(table))?;
        for row in rows {
            upsert.execute(params_from_iter(&row))?;
        }
    }
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
    Ok(outcome)
}
