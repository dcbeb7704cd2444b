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
//! What it writes per transaction is the events and their users; rollups and the dedup index
//! are written less often from memory (see `held`).

mod dedup;
mod held;

use super::{IngestOutcome, tables};
use crate::Result;
use crate::sql::Arg;
use chrono::{DateTime, Utc};
use held::{Held, Range};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params_from_iter};
use sherpa_core::intake::{
    Known, Message, ProductUser, RollupDelta, add_usage, distinct, lookups, map, place,
};
use sherpa_core::text::timestamp;
use sherpa_core::*;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

struct Open {
    conn: Connection,
    held: Held,
    /// The table's pending ranges must be done before anything else: at the first use, and
    /// after a failure (what was held then is only in the table).
    recover: bool,
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Arg::Int(i) => i.to_sql(),
            Arg::Text(t) => t.to_sql(),
            Arg::OptInt(i) => i.to_sql(),
            Arg::OptText(t) => t.to_sql(),
            Arg::Blob(b) => b.to_sql(),
            Arg::OptFloat(f) => f.to_sql(),
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
    insert_rows_sql(t, 1)
}

/// The statement inserting `rows` rows at once.
fn insert_rows_sql(t: &tables::Table, rows: usize) -> String {
    let marks = format!("({})", vec!["?"; t.columns.len()].join(", "));
    format!(
        "INSERT INTO {} ({}) VALUES {} {}",
        t.name,
        t.columns.join(", "),
        vec![marks; rows].join(", "),
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
        // A 192 MB page cache: a 1 GB event import runs as fast as with 256 MB (ratio to its
        // floor 5.6 against 5.8, medians of three) and its process stays near 430 MB, not
        // 500 (`sherpa-bench import-events`).
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -196608; PRAGMA mmap_size = 1073741824; PRAGMA wal_autocheckpoint = 0;",
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
                held: Held::default(),
                recover: true,
            });
        }
        let open = guard.as_mut().expect("opened above");
        if open.recover {
            held::recover(&mut open.conn)?;
            // Read in a transaction of its own: the ids are all in the index after recovering.
            let tx = open.conn.transaction()?;
            open.held.seen = Some(dedup::read_seen(&tx)?);
            drop(tx);
            open.recover = false;
        }
        let result = f(open);
        if result.is_err() {
            // What is in memory may no longer match the table: start again from the table.
            open.held = Held::default();
            open.recover = true;
        }
        result
    }

    /// Stores and maps the messages in one transaction (blocking); their rollups and ids are
    /// held, and written when due.
    /// Answers the accounts the new messages belong to, too.
    pub fn ingest(
        &self,
        all: &[Message],
        received_at: DateTime<Utc>,
    ) -> Result<(IngestOutcome, Vec<AccountId>)> {
        self.with(|open| {
            let tx = open
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Another connection committed since this one last wrote: the product users it
            // holds may be stale, and it may have left ranges pending. Otherwise neither can
            // have changed, and the pending table need not be read.
            let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
            if open.held.data_version != Some(version) {
                open.held.users.clear();
                open.held.accounts.clear();
                if held::mark_writer(&tx, &open.held.token)? {
                    open.held.seen = None;
                }
                held::take_over(&tx, &open.held)?;
            }
            // The rollups go straight into the held ones: on a failure all that is held is
            // dropped and done again from the table (see `with`).
            let mut delta = std::mem::take(&mut open.held.delta);
            let w = write(&tx, &open.held, &mut delta, all, received_at);
            open.held.delta = delta;
            let w = w?;
            tx.commit()?;
            open.held.data_version = Some(version);
            open.held.know(w.users, w.accounts);
            if let Some(range) = w.range {
                open.held.take(range, w.rolled_up, w.ids);
            }
            // The messages are committed: a failure from here on must not say otherwise (the
            // client would be told to retry). What was held is done again from the table.
            if let Err(e) = write_due(open) {
                tracing::warn!(error = %e, "writing held rollups or message ids failed; redoing them from the stored events");
                open.held = Held::default();
                open.recover = true;
            }
            Ok((w.outcome, w.touched))
        })
    }

    /// Writes the held rollups now (blocking).
    pub fn settle(&self) -> Result<()> {
        self.with(|open| held::write_rollups(&mut open.conn, &mut open.held))
    }

    /// Writes everything held now: rollups and message ids (blocking).
    pub fn write_held(&self) -> Result<()> {
        self.with(|open| {
            held::write_rollups(&mut open.conn, &mut open.held)?;
            held::write_ids(&mut open.conn, &mut open.held)
        })
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

/// Writes the held rollups and ids that are due.
fn write_due(open: &mut Open) -> Result<()> {
    if open.held.rollups_due() {
        held::write_rollups(&mut open.conn, &mut open.held)?;
    }
    if open.held.ids_due() {
        held::write_ids(&mut open.conn, &mut open.held)?;
    }
    Ok(())
}

impl ToSql for tables::Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            tables::Cell::Int(i) => i.to_sql(),
            tables::Cell::Text(t) => t.to_sql(),
        }
    }
}

/// Rows one upsert statement carries. Run row by row, a statement's start and end (binding,
/// `sqlite3VdbeHalt`) were a quarter of the demo's usage writer.
const ROWS_PER_STATEMENT: usize = 64;

/// Upserts rows into a table, [`ROWS_PER_STATEMENT`] rows a statement. SQLite applies a
/// statement's rows in order, so a key twice in one statement is upserted twice, as it is
/// row by row.
fn upsert<R: IntoIterator<Item = V>, V: ToSql>(
    conn: &Connection,
    table: &tables::Table,
    rows: impl IntoIterator<Item = R>,
) -> Result<()> {
    let mut full = conn.prepare_cached(&insert_rows_sql(table, ROWS_PER_STATEMENT))?;
    let mut values: Vec<V> = Vec::with_capacity(table.columns.len() * ROWS_PER_STATEMENT);
    let mut held = 0;
    for row in rows {
        values.extend(row);
        held += 1;
        if held == ROWS_PER_STATEMENT {
            full.execute(params_from_iter(values.drain(..)))?;
            held = 0;
        }
    }
    if held > 0 {
        conn.prepare_cached(&insert_rows_sql(table, held))?
            .execute(params_from_iter(values.drain(..)))?;
    }
    Ok(())
}

fn add_rollups(conn: &Connection, delta: &RollupDelta) -> Result<()> {
    if delta.is_empty() {
        return Ok(());
    }
    let texts = tables::DayTexts::of(delta);
    for (table, rows) in tables::rollup_rows(delta, &texts) {
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

/// Takes `n` event ids from the `events` counter, which rows and blocks share; answers the
/// last. Inside the writing transaction, so no other writer can take the same ones.
fn take_ids(conn: &Connection, n: usize) -> rusqlite::Result<i64> {
    conn.prepare_cached(tables::START_EVENT_IDS)?.execute([])?;
    conn.prepare_cached(&tables::TAKE_EVENT_IDS.replace("$1", "?"))?
        .query_row([n as i64], |r| r.get(0))
}

/// What one transaction stored.
struct Written {
    outcome: IngestOutcome,
    /// How many new events it added to the held rollups.
    rolled_up: usize,
    /// Their range as recorded pending (none when nothing was new).
    range: Option<Range>,
    /// Their message ids, with their events' ids.
    ids: Vec<(String, i64)>,
    /// The product users it looked up or changed, as they are now.
    users: Vec<(String, ProductUser)>,
    /// The accounts it looked up by group id.
    accounts: Vec<(String, Option<AccountId>)>,
    /// The accounts its new messages belong to.
    touched: Vec<AccountId>,
}

/// Stores the new messages and their users. A message is new when its id is neither held
/// (stored since the dedup index was last written) nor in the index.
fn write(
    conn: &Connection,
    held: &Held,
    rollups: &mut RollupDelta,
    all: &[Message],
    received_at: DateTime<Utc>,
) -> Result<Written> {
    let messages = distinct(all);
    let need = lookups(&messages);
    let mut known = Known::default();
    // Accounts by group id, like product users, are held once looked up (found or not) until
    // another connection commits anything.
    let mut accounts = Vec::new();
    let mut missing_groups = Vec::new();
    for g in need.groups {
        match held.accounts.get(&g) {
            Some(Some(a)) => {
                known.accounts.insert(g, *a);
            }
            Some(None) => {}
            None => missing_groups.push(g),
        }
    }
    lookup(
        conn,
        tables::ACCOUNTS_BY_GROUP,
        &missing_groups,
        |k, id, _| {
            if let Some(id) = id {
                known.accounts.insert(k, AccountId(id));
            }
        },
    )?;
    for g in missing_groups {
        let a = known.accounts.get(&g).copied();
        accounts.push((g, a));
    }
    // Product users are held in memory once looked up, until another connection commits
    // anything (see `ingest`).
    let (cached, missing): (Vec<&String>, Vec<String>) = {
        let (c, m): (Vec<&String>, Vec<&String>) =
            need.users.iter().partition(|k| held.users.contains_key(*k));
        (c, m.into_iter().cloned().collect())
    };
    for k in cached {
        known.users.insert(k.clone(), held.users[k]);
    }
    let mut users: Vec<(String, ProductUser)> = Vec::with_capacity(missing.len());
    lookup(conn, tables::USERS_BY_KEY, &missing, |k, a, c| {
        known.users.insert(k, (a.map(AccountId), c.map(ContactId)));
    })?;
    for k in missing {
        let now = known.users.get(&k).copied().unwrap_or((None, None));
        users.push((k, now));
    }
    lookup(conn, tables::CONTACTS_BY_EMAIL, &need.emails, |k, c, a| {
        if let (Some(c), Some(a)) = (c, a) {
            known.contacts.insert(k, (ContactId(c), AccountId(a)));
        }
    })?;
    let mapping = map(&messages, known);

    let now = timestamp(received_at);
    let mut stored = HashSet::with_capacity(messages.len());
    let mut new = Vec::with_capacity(messages.len());
    let mut confirmed = dedup::Confirmed::default();
    for (m, account) in messages.iter().zip(&mapping.accounts) {
        if held.ids.contains_key(&m.message_id) {
            continue;
        }
        let key = tables::message_key(&m.message_id);
        if held.seen.as_ref().is_none_or(|s| s.may_hold(key))
            && dedup::indexed(conn, &m.message_id, key, &mut confirmed)?
        {
            continue;
        }
        stored.insert(m.message_id.as_str());
        new.push((*m, *account));
    }
    let mut touched: Vec<AccountId> = new.iter().filter_map(|(_, a)| *a).collect();
    touched.sort_unstable();
    touched.dedup();
    let mut event_ids = Vec::new();
    let ids = if new.is_empty() {
        None
    } else {
        let last = take_ids(conn, new.len())?;
        let first = last - new.len() as i64 + 1;
        let placed = place(new, first..);
        event_ids = placed
            .ids
            .iter()
            .map(|(id, m)| (m.to_string(), *id))
            .collect();
        let mut block = conn.prepare_cached(&insert_sql(&tables::EVENT_BLOCKS))?;
        for b in placed.blocks {
            block.execute(params_from_iter(&tables::block_row(b, &now)))?;
        }
        let mut loose = conn.prepare_cached(&insert_sql(&tables::LOOSE_EVENTS))?;
        for (id, m) in placed.loose {
            loose.execute(params_from_iter(&tables::loose_row(id, m, &now)))?;
        }
        Some((first, last))
    };
    let (rolled_up, unmapped) = add_usage(rollups, &messages, &mapping, &stored);
    let rows = mapping
        .changed_users
        .iter()
        .map(|(k, u)| tables::user_row(k, *u, &now));
    upsert(conn, &tables::PRODUCT_USERS, rows)?;
    upsert(
        conn,
        &tables::WAITING_USERS,
        tables::waiting_rows(&mapping, &now),
    )?;
    let range = ids.map(|(first, last)| Range {
        first,
        last,
        rollups: rolled_up > 0,
        ids: true,
    });
    if let Some(r) = &range {
        held::record(conn, r)?;
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
    users.extend(mapping.changed_users);
    Ok(Written {
        outcome,
        rolled_up,
        range,
        ids: event_ids,
        users,
        accounts,
        touched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTS: tables::Table = tables::Table {
        name: "counts",
        columns: &["day", "name", "events"],
        on_conflict: "ON CONFLICT (day, name) DO UPDATE SET events = counts.events + excluded.events",
    };

    /// Rows upserted many to a statement land as they would one by one: every row of a full
    /// statement and of the remainder, and a key met twice in one statement (or across two)
    /// added up, not refused.
    #[test]
    fn rows_upserted_many_a_statement_add_up_as_one_by_one() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE counts (day TEXT NOT NULL, name TEXT NOT NULL, events BIGINT NOT NULL, \
             PRIMARY KEY (day, name)) WITHOUT ROWID",
        )
        .unwrap();
        let rows = ROWS_PER_STATEMENT * 2 + 5;
        let days: Vec<String> = (1..=7).map(|d| format!("2026-01-{d:02}")).collect();
        let names = ["a", "b", "c"];
        // A key comes back every 21 rows: three times within a full statement, and again in
        // the next statement and in the remainder.
        let row = |i: usize| {
            vec![
                tables::Cell::Text(&days[i % 7]),
                tables::Cell::Text(names[i % 3]),
                tables::Cell::Int(i as i64),
            ]
        };
        upsert(&conn, &COUNTS, (0..rows).map(row)).unwrap();
        let mut expected: std::collections::BTreeMap<(String, String), i64> = Default::default();
        for i in 0..rows {
            let key = (days[i % 7].clone(), names[i % 3].to_string());
            *expected.entry(key).or_default() += i as i64;
        }
        let stored: Vec<((String, String), i64)> = conn
            .prepare("SELECT day, name, events FROM counts ORDER BY day, name")
            .unwrap()
            .query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(stored, expected.into_iter().collect::<Vec<_>>());
        assert!(stored.len() < rows, "keys were met more than once");
    }
}
