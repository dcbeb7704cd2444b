//! What the SQLite intake holds in memory between writes, and how it is written or, after a
//! crash or when another process took it over, rebuilt from the stored events.
//!
//! Two things wait: the rollups of new events, written every two seconds (when read they
//! are written at once), and the message ids of new events, added to the dedup index (see
//! `dedup`) every ten seconds. Ids are random (clients send UUIDs), so each one lands on its own
//! page of the index: added with every transaction, the whole index was rewritten to the log
//! many times a second once it outgrew memory; added every ten seconds, each page is written
//! once per ten seconds. Until then a new id is found in memory.
//!
//! The filter in front of the index is read from it when the intake opens (about a second per
//! five million ids) and when the ids are written after it was dropped, and is trusted only
//! while no other process has written events since (`intake_writer` records the last writer);
//! until it is read again, every id is looked up.
//!
//! Each transaction records its events' id range in `intake_pending`, flagged for rollups and
//! for ids; each write clears its flags and deletes the ranges with none left, in the same
//! transaction. A flag still set that this process does not hold (its process died, or another
//! process wrote it) is done again from the stored events, so no event is missed, counted
//! twice, or stored twice.

use super::super::tables::message_key;
use super::super::usage_message;
use super::dedup::{self, Seen};
use crate::Result;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sherpa_core::intake::{Message, ProductUser, RollupDelta, decode_block};
use sherpa_core::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Rollups wait at most this long...
const ROLLUPS_EVERY: Duration = Duration::from_secs(2);
/// ...or for this many events.
const ROLLUPS_EVENTS: usize = 500_000;
/// Message ids wait at most this long...
const IDS_EVERY: Duration = Duration::from_secs(10);
/// ...or for this many ids (about 100 bytes of memory each).
const IDS_MAX: usize = 500_000;
/// Product users (and accounts by group id) held at most (about 100 bytes each); past it they
/// are looked up again.
const USERS_MAX: usize = 500_000;
/// Held rollups and message ids, with the ranges they cover (by first id).
pub(super) struct Held {
    pub delta: RollupDelta,
    pub rollup_ranges: Vec<i64>,
    rollup_events: usize,
    rollups_since: Option<Instant>,
    /// Message ids and their events' ids.
    pub ids: HashMap<String, i64>,
    pub id_ranges: Vec<i64>,
    ids_since: Option<Instant>,
    /// Product users as stored (absent ones as no account and no contact).
    pub users: HashMap<String, ProductUser>,
    /// Accounts by group id (none: no account has it), as stored.
    pub accounts: HashMap<String, Option<AccountId>>,
    /// SQLite's `data_version` when `users` and `accounts` were last right: it changes when another
    /// connection commits.
    pub data_version: Option<i64>,
    /// The filter of stored ids; none until built, or after another process wrote events.
    pub seen: Option<Seen>,
    /// This process's mark in `intake_writer`.
    pub token: String,
}

/// One transaction's events as `intake_pending` records them.
pub(super) struct Range {
    pub first: i64,
    pub last: i64,
    pub rollups: bool,
    pub ids: bool,
}

impl Default for Held {
    fn default() -> Held {
        Held {
            delta: RollupDelta::default(),
            rollup_ranges: Vec::new(),
            rollup_events: 0,
            rollups_since: None,
            ids: HashMap::new(),
            id_ranges: Vec::new(),
            ids_since: None,
            users: HashMap::new(),
            accounts: HashMap::new(),
            data_version: None,
            seen: None,
            token: format!("{}-{}", std::process::id(), rand::random::<u64>()),
        }
    }
}

impl Held {
    /// Takes a committed transaction's range and ids; its `rolled_up` events are in `delta`
    /// already.
    pub fn take(&mut self, range: Range, rolled_up: usize, ids: Vec<(String, i64)>) {
        if range.rollups {
            self.rollup_events += rolled_up;
            self.rollup_ranges.push(range.first);
            self.rollups_since.get_or_insert_with(Instant::now);
        }
        if range.ids {
            if let Some(seen) = &mut self.seen {
                for (id, _) in &ids {
                    seen.insert(message_key(id));
                }
            }
            self.ids.extend(ids);
            self.id_ranges.push(range.first);
            self.ids_since.get_or_insert_with(Instant::now);
        }
    }

    /// Remembers product users and accounts as a committed transaction left them.
    pub fn know(
        &mut self,
        users: Vec<(String, ProductUser)>,
        accounts: Vec<(String, Option<AccountId>)>,
    ) {
        if self.users.len() + users.len() > USERS_MAX {
            self.users.clear();
        }
        self.users.extend(users);
        if self.accounts.len() + accounts.len() > USERS_MAX {
            self.accounts.clear();
        }
        self.accounts.extend(accounts);
    }

    pub fn rollups_due(&self) -> bool {
        self.rollup_events >= ROLLUPS_EVENTS
            || self
                .rollups_since
                .is_some_and(|t| t.elapsed() >= ROLLUPS_EVERY)
    }

    pub fn ids_due(&self) -> bool {
        self.ids.len() >= IDS_MAX || self.ids_since.is_some_and(|t| t.elapsed() >= IDS_EVERY)
    }

    /// Whether this process holds the range's pending work.
    fn holds(&self, first: i64) -> bool {
        self.rollup_ranges.contains(&first) || self.id_ranges.contains(&first)
    }
}

/// Clears `flag` on the ranges; false when some were no longer flagged (taken over).
fn clear(conn: &Connection, flag: &str, ranges: &[i64]) -> Result<bool> {
    let mut update = conn.prepare_cached(&format!(
        "UPDATE intake_pending SET {flag} = 0 WHERE first_id = ? AND {flag} = 1"
    ))?;
    let mut cleared = 0;
    for first in ranges {
        cleared += update.execute([first])?;
    }
    conn.prepare_cached("DELETE FROM intake_pending WHERE rollups = 0 AND ids = 0")?
        .execute([])?;
    Ok(cleared == ranges.len())
}

/// Writes the held rollups.
pub(super) fn write_rollups(conn: &mut Connection, held: &mut Held) -> Result<()> {
    if held.rollup_ranges.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !clear(&tx, "rollups", &held.rollup_ranges)? {
        drop(tx);
        return start_over(conn, held);
    }
    super::add_rollups(&tx, &held.delta)?;
    tx.commit()?;
    held.delta = RollupDelta::default();
    held.rollup_ranges.clear();
    held.rollup_events = 0;
    held.rollups_since = None;
    Ok(())
}

/// Adds the held message ids to the dedup index, in order (neighbours share pages).
pub(super) fn write_ids(conn: &mut Connection, held: &mut Held) -> Result<()> {
    if held.id_ranges.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !clear(&tx, "ids", &held.id_ranges)? {
        drop(tx);
        return start_over(conn, held);
    }
    // In key order: neighbours share pages.
    let mut ids: Vec<(i64, &String, i64)> = held
        .ids
        .iter()
        .map(|(id, event)| (message_key(id), id, *event))
        .collect();
    ids.sort_unstable();
    for (key, id, event) in ids {
        dedup::index(&tx, id, key, event)?;
    }
    let seen = match held.seen.take() {
        Some(seen) => seen,
        None => dedup::read_seen(&tx)?,
    };
    tx.commit()?;
    held.seen = Some(seen);
    held.ids.clear();
    held.id_ranges.clear();
    held.ids_since = None;
    Ok(())
}

/// Another process did some of the held work from the table: what is in memory would do it
/// twice, so it is dropped and the table's ranges are done from the stored events.
fn start_over(conn: &mut Connection, held: &mut Held) -> Result<()> {
    *held = Held::default();
    recover(conn)
}

/// Does, from the stored events and in one transaction, every range pending in the table.
pub(super) fn recover(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = take_over(&tx, &Held::default())?;
    tx.commit()?;
    if n > 0 {
        tracing::info!(
            ranges = n,
            "rolled up and indexed events another process had stored but not yet written"
        );
    }
    Ok(())
}

/// Does, from the stored events, the pending ranges that `held` does not hold; answers how
/// many. Run inside each intake transaction, so that a new message is checked against every
/// stored one, whichever process stored it.
pub(super) fn take_over(conn: &Connection, held: &Held) -> Result<usize> {
    let ranges: Vec<Range> = conn
        .prepare_cached("SELECT first_id, last_id, rollups, ids FROM intake_pending")?
        .query_map([], |r| {
            Ok(Range {
                first: r.get(0)?,
                last: r.get(1)?,
                rollups: r.get::<_, i64>(2)? != 0,
                ids: r.get::<_, i64>(3)? != 0,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|r| !held.holds(r.first))
        .collect();
    let mut delta = RollupDelta::default();
    for r in &ranges {
        let events = stored_between(conn, r.first, r.last)?;
        if r.ids {
            for (_, event, message_id, _) in &events {
                dedup::index(conn, message_id, message_key(message_id), *event)?;
            }
        }
        if r.rollups {
            for (account, _, _, usage) in &events {
                if let Some(account) = account {
                    delta.add(AccountId(*account), usage);
                }
            }
        }
        conn.prepare_cached("DELETE FROM intake_pending WHERE first_id = ?")?
            .execute([r.first])?;
    }
    super::add_rollups(conn, &delta)?;
    Ok(ranges.len())
}

/// A stored event's account, id and message id, and what the rollups need of it.
type StoredUsage = (Option<i64>, i64, String, Message);

/// The events stored with ids from `first` to `last`, loose or in blocks: their account, id and
/// message id, and what the rollups need of them.
fn stored_between(conn: &Connection, first: i64, last: i64) -> Result<Vec<StoredUsage>> {
    let mut out = Vec::new();
    let mut blocks = conn.prepare_cached(
        "SELECT account_id, data FROM event_blocks WHERE first_id BETWEEN ? AND ?",
    )?;
    let mut rows = blocks.query([first, last])?;
    while let Some(row) = rows.next()? {
        let account: i64 = row.get(0)?;
        let data: Vec<u8> = row.get(1)?;
        for e in decode_block(&data)? {
            let usage = usage_message(&e.kind, &e.user_key, e.name.clone(), e.occurred_at());
            out.push((Some(account), e.id, e.message_id, usage));
        }
    }
    let mut loose = conn.prepare_cached(
        "SELECT account_id, id, message_id, kind, user_key, name, occurred_at FROM events \
         WHERE id BETWEEN ? AND ?",
    )?;
    let mut rows = loose.query([first, last])?;
    while let Some(row) = rows.next()? {
        let at: String = row.get(6)?;
        let usage = usage_message(
            &row.get::<_, String>(3)?,
            &row.get::<_, String>(4)?,
            row.get(5)?,
            crate::rows::time("occurred_at", &at)?,
        );
        out.push((row.get(0)?, row.get(1)?, row.get(2)?, usage));
    }
    Ok(out)
}

/// Marks this process as the last to write events; answers whether another process wrote
/// some since this one last did (then what this one knows of the stored ids is incomplete).
pub(super) fn mark_writer(conn: &Connection, token: &str) -> Result<bool> {
    let last: Option<String> = conn
        .prepare_cached("SELECT token FROM intake_writer WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if last.as_deref() == Some(token) {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO intake_writer (id, token) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET token = excluded.token",
    )?
    .execute([token])?;
    Ok(last.is_some())
}

/// Records a transaction's range.
pub(super) fn record(conn: &Connection, range: &Range) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO intake_pending (first_id, last_id, rollups, ids) VALUES (?, ?, ?, ?)",
    )?
    .execute([
        range.first,
        range.last,
        i64::from(range.rollups),
        i64::from(range.ids),
    ])?;
    Ok(())
}
