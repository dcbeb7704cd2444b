//! Many accounts written in few statements (through `crate::bulk`): a file's new accounts in
//! multi-row inserts, its changed ones in multi-row upserts by id. One statement a row cost a
//! hand-off to the database's thread each, which is where a 100,000-row import spent its time.

use super::{FIELD_COLUMNS, field_values};
use crate::bulk::{upsert_rows, upsert_rows_returning};
use crate::sql::{Arg, Args};
use crate::{Engine, Result, StoreError};
use sherpa_core::{AccountFields, AccountId};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Accounts whose values are held at once: the whole file's would add a hundred megabytes to
/// an import of 100,000 accounts.
const PART: usize = 2_000;

/// The columns an account row is written with: its fields, then when it was made.
fn columns() -> Vec<&'static str> {
    FIELD_COLUMNS
        .iter()
        .copied()
        .chain(["created_at"])
        .collect()
}

/// An account's values for [`columns`], written at `now`.
fn values(a: &AccountFields, now: &str) -> impl Iterator<Item = Arg> {
    field_values(a, now)
        .into_iter()
        .chain([Arg::Text(now.to_string())])
}

/// Inserts new accounts, each with an external id or a domain; answers their ids in the order
/// given. (Neither engine promises `RETURNING` rows in the order of `VALUES`, so each comes
/// back with its keys.)
pub(crate) async fn insert_accounts(
    conn: &mut AnyConnection,
    engine: Engine,
    now: &str,
    accounts: &[AccountFields],
) -> Result<Vec<AccountId>> {
    type Key = (Option<String>, Option<String>);
    let key_of = |a: &AccountFields| -> Key {
        (
            a.external_id.clone(),
            a.domain.as_ref().map(|d| d.as_str().to_string()),
        )
    };
    let place: HashMap<Key, usize> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (key_of(a), i))
        .collect();
    if place.len() != accounts.len() || place.contains_key(&(None, None)) {
        return Err(StoreError::Conflict(
            "two new accounts share an external id and domain, or have neither".into(),
        ));
    }
    let mut ids = vec![AccountId(0); accounts.len()];
    let search_index = SearchIndexFill::begin(conn, engine).await?;
    for part in accounts.chunks(PART) {
        let rows = part.iter().map(|a| values(a, now).collect());
        let returned: Vec<(i64, Option<String>, Option<String>)> = upsert_rows_returning(
            conn,
            engine,
            "accounts",
            &columns(),
            rows,
            "",
            "id, external_id, domain",
        )
        .await?;
        for (id, external, domain) in returned {
            ids[place[&(external, domain)]] = AccountId(id);
        }
    }
    search_index.finish(conn, &ids).await?;
    Ok(ids)
}

/// SQLite's text-search index of the accounts, filled once after many new rows rather than by
/// its insert trigger row by row (see migration 0046). Only inside a transaction: the pause is
/// undone before it commits. PostgreSQL's index keeps itself.
struct SearchIndexFill(bool);

impl SearchIndexFill {
    async fn begin(conn: &mut AnyConnection, engine: Engine) -> Result<SearchIndexFill> {
        let sqlite = engine == Engine::Sqlite;
        if sqlite {
            sqlx::query("INSERT INTO account_search_paused (paused) VALUES (1)")
                .execute(&mut *conn)
                .await?;
        }
        Ok(SearchIndexFill(sqlite))
    }

    /// Indexes the accounts just inserted and lets the trigger index the next ones. SQLite
    /// gives a new row an id above every other, so those of this transaction are the range.
    async fn finish(self, conn: &mut AnyConnection, ids: &[AccountId]) -> Result<()> {
        if !self.0 {
            return Ok(());
        }
        if let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) {
            sqlx::query(
                "INSERT INTO account_search (rowid, search_key) SELECT id, search_key \
                 FROM accounts WHERE id BETWEEN $1 AND $2",
            )
            .bind(first.0)
            .bind(last.0)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("DELETE FROM account_search_paused")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// Writes the fields of accounts the book holds, as they are now: an upsert by id that always
/// finds its row.
pub(crate) async fn update_accounts(
    conn: &mut AnyConnection,
    engine: Engine,
    now: &str,
    accounts: &[(AccountId, &AccountFields)],
) -> Result<()> {
    let sets: Vec<String> = FIELD_COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let columns: Vec<&str> = std::iter::once("id").chain(columns()).collect();
    let on_conflict = format!("ON CONFLICT (id) DO UPDATE SET {}", sets.join(", "));
    for part in accounts.chunks(PART) {
        let rows = part.iter().map(|(id, a)| {
            std::iter::once(Arg::Int(id.0))
                .chain(values(a, now))
                .collect()
        });
        upsert_rows(conn, engine, "accounts", &columns, rows, &on_conflict).await?;
    }
    Ok(())
}

/// Marks lifecycles someone chose: never worked out from the terms again.
pub(crate) async fn lifecycles_chosen(conn: &mut AnyConnection, ids: &[AccountId]) -> Result<()> {
    for chunk in ids.chunks(500) {
        let mut args = Args::default();
        let list = args.ids(chunk);
        sqlx::query_with(
            &format!("UPDATE accounts SET lifecycle_from_data = 0 WHERE id IN ({list})"),
            args.into_arguments(),
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
