//! The intake's write path through sqlx: every PostgreSQL server, and the attaching of waiting
//! events on both engines. Rows go many to a statement.

use super::tables::{self, Table};
use super::{IngestOutcome, count, per_minute};
use crate::bulk::{upsert_rows, upsert_rows_returning};
use crate::sql::{Arg, Args};
use crate::{Engine, Result};
use chrono::{DateTime, Utc};
use sherpa_core::intake::{Known, Message, RollupDelta, distinct, lookups, map, new_usage, place};
use sherpa_core::text::timestamp;
use sherpa_core::*;
use sqlx::AnyConnection;
use std::collections::HashSet;

/// Placeholders for a list of values, for `IN (...)`: anonymous `?` on SQLite, whose lookup of
/// numbered names is quadratic in their number (see `bulk`).
pub(super) fn in_list<I: IntoIterator<Item = Arg>>(
    engine: Engine,
    args: &mut Args,
    values: I,
) -> String {
    values
        .into_iter()
        .map(|v| {
            let p = args.push(v);
            if engine == Engine::Sqlite {
                "?".to_string()
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Looks up `key IN (values)` and answers (key, id, id) rows, in slices the engines accept.
async fn lookup(
    conn: &mut AnyConnection,
    engine: Engine,
    sql: &str,
    values: &[String],
) -> Result<Vec<(String, Option<i64>, Option<i64>)>> {
    let mut out = Vec::new();
    for slice in values.chunks(5_000) {
        let mut args = Args::default();
        let list = in_list(
            engine,
            &mut args,
            slice.iter().map(|v| Arg::Text(v.clone())),
        );
        let rows: Vec<(String, Option<i64>, Option<i64>)> =
            sqlx::query_as_with(&sql.replace("{list}", &list), args.into_arguments())
                .fetch_all(&mut *conn)
                .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The whole of [`crate::Store::ingest`] inside a transaction.
pub(crate) async fn ingest(
    conn: &mut AnyConnection,
    engine: Engine,
    all: &[Message],
    received_at: DateTime<Utc>,
) -> Result<(IngestOutcome, Vec<AccountId>)> {
    let messages = distinct(all);
    let need = lookups(&messages);
    let mut known = Known::default();
    for (k, id, _) in lookup(conn, engine, tables::ACCOUNTS_BY_GROUP, &need.groups).await? {
        if let Some(id) = id {
            known.accounts.insert(k, AccountId(id));
        }
    }
    for (k, a, c) in lookup(conn, engine, tables::USERS_BY_KEY, &need.users).await? {
        known.users.insert(k, (a.map(AccountId), c.map(ContactId)));
    }
    for (k, c, a) in lookup(conn, engine, tables::CONTACTS_BY_EMAIL, &need.emails).await? {
        if let (Some(c), Some(a)) = (c, a) {
            known.contacts.insert(k, (ContactId(c), AccountId(a)));
        }
    }
    let mapping = map(&messages, known);

    let now = timestamp(received_at);
    // The dedup table says which messages are new, so that a message another server stored
    // at the same moment is not counted twice.
    let ids: Vec<Vec<Arg>> = messages
        .iter()
        .map(|m| vec![Arg::Text(m.message_id.clone())])
        .collect();
    let stored: HashSet<String> = upsert_rows_returning::<(String,)>(
        conn,
        engine,
        "message_ids",
        &["message_id"],
        ids,
        "ON CONFLICT (message_id) DO NOTHING",
        "message_id",
    )
    .await?
    .into_iter()
    .map(|(id,)| id)
    .collect();
    let new: Vec<(&Message, Option<AccountId>)> = messages
        .iter()
        .zip(&mapping.accounts)
        .filter(|(m, _)| stored.contains(&m.message_id))
        .map(|(m, a)| (*m, *a))
        .collect();
    let mut touched: Vec<AccountId> = new.iter().filter_map(|(_, a)| *a).collect();
    touched.sort_unstable();
    touched.dedup();
    if !new.is_empty() {
        let ids = take_ids(conn, engine, new.len()).await?;
        let placed = place(new, ids.into_iter());
        let blocks = placed
            .blocks
            .into_iter()
            .map(|b| tables::block_row(b, &now))
            .collect();
        upsert(conn, engine, &tables::EVENT_BLOCKS, blocks).await?;
        let loose = placed
            .loose
            .into_iter()
            .map(|(id, m)| tables::loose_row(id, m, &now))
            .collect();
        upsert(conn, engine, &tables::LOOSE_EVENTS, loose).await?;
    }
    let (delta, unmapped) = new_usage(&messages, &mapping, &stored);
    add_rollups(conn, engine, &delta).await?;
    let users = mapping
        .changed_users
        .iter()
        .map(|(k, u)| tables::user_row(k, *u, &now))
        .collect();
    upsert(conn, engine, &tables::PRODUCT_USERS, users).await?;
    let waiting = tables::waiting_rows(&mapping, &now);
    upsert(conn, engine, &tables::WAITING_USERS, waiting).await?;
    let outcome = IngestOutcome {
        accepted: stored.len(),
        duplicates: all.len() - stored.len(),
        unmapped,
    };
    count(conn, "accepted", outcome.accepted).await?;
    per_minute(conn, &now, outcome.accepted, 0).await?;
    count(conn, "duplicate", outcome.duplicates).await?;
    Ok((outcome, touched))
}

/// Takes `n` new event ids, one run of consecutive numbers, from the counter rows and blocks
/// share. On PostgreSQL the run is taken under a lock held until commit, so that another
/// server's run can neither fall inside it (blocks never overlap) nor commit before it with
/// higher ids (a reader paging by id misses nothing). SQLite has one writer at a time anyway.
async fn take_ids(conn: &mut AnyConnection, engine: Engine, n: usize) -> Result<Vec<i64>> {
    let n = n as i64;
    let last: i64 = match engine {
        Engine::Postgres => {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(tables::EVENT_IDS_LOCK)
                .execute(&mut *conn)
                .await?;
            sqlx::query_as::<_, (i64,)>(
                "SELECT setval(pg_get_serial_sequence('events', 'id'), \
                 nextval(pg_get_serial_sequence('events', 'id')) + $1 - 1)",
            )
            .bind(n)
            .fetch_one(conn)
            .await?
            .0
        }
        Engine::Sqlite => {
            sqlx::query(tables::START_EVENT_IDS)
                .execute(&mut *conn)
                .await?;
            sqlx::query_as::<_, (i64,)>(tables::TAKE_EVENT_IDS)
                .bind(n)
                .fetch_one(conn)
                .await?
                .0
        }
    };
    Ok((last - n + 1..=last).collect())
}

async fn upsert(
    conn: &mut AnyConnection,
    engine: Engine,
    table: &Table,
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    upsert_rows(
        conn,
        engine,
        table.name,
        table.columns,
        rows,
        table.on_conflict,
    )
    .await
}

/// A fresh book's usage history on PostgreSQL (the demo's): the rollups keyed by account go in
/// by `COPY`, since no row of theirs can exist yet; the rows the whole book shares (the days'
/// names, the catalogue) are upserted as any rollups' are, in one transaction.
pub(crate) async fn add_fresh_history(pool: &sqlx::AnyPool, delta: &RollupDelta) -> Result<()> {
    let mut conn = crate::bulk::postgres_connection(pool).await?;
    let mut shared = Vec::new();
    let texts = tables::DayTexts::of(delta);
    for (table, rows) in tables::rollup_rows(delta, &texts) {
        let rows = tables::owned(rows);
        if tables::shared_by_the_book(table) {
            shared.push((table, rows.collect::<Vec<_>>()));
        } else {
            crate::bulk::copy_rows(&mut conn, table.name, table.columns, rows).await?;
        }
    }
    let mut tx = pool.begin().await?;
    for (table, rows) in shared {
        upsert(&mut tx, Engine::Postgres, table, rows).await?;
    }
    tx.commit().await?;
    sqlx::Connection::close(conn).await?;
    Ok(())
}

/// Adds a delta to the rollup tables.
pub(crate) async fn add_rollups(
    conn: &mut AnyConnection,
    engine: Engine,
    delta: &RollupDelta,
) -> Result<()> {
    if delta.is_empty() {
        return Ok(());
    }
    let texts = tables::DayTexts::of(delta);
    for (table, rows) in tables::rollup_rows(delta, &texts) {
        upsert(conn, engine, table, tables::owned(rows).collect()).await?;
    }
    Ok(())
}
