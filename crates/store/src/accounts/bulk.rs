//! Many accounts written in few statements: a file's new accounts in multi-row inserts, its
//! changed ones in multi-row upserts by id. One statement a row cost a hand-off to the
//! database's thread each, which is where a 100,000-row import spent its time.

use super::{FIELD_COLUMNS, field_values};
use crate::sql::{Arg, Args, RowValues};
use crate::{Result, StoreError};
use sherpa_core::{AccountFields, AccountId};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Rows a statement carries: 19 values each, well under both engines' limits on bound values.
const ROWS_PER_STATEMENT: usize = 500;

/// Inserts new accounts, each with an external id or a domain; answers their ids in the order
/// given. (Neither engine promises `RETURNING` rows in the order of `VALUES`, so each comes
/// back with its keys.)
pub(crate) async fn insert_accounts(
    conn: &mut AnyConnection,
    now: &str,
    accounts: &[AccountFields],
) -> Result<Vec<AccountId>> {
    let key = |external: Option<&str>, domain: Option<&str>| {
        (external.map(str::to_string), domain.map(str::to_string))
    };
    let mut ids = Vec::with_capacity(accounts.len());
    for chunk in accounts.chunks(ROWS_PER_STATEMENT) {
        let mut args = RowValues::new(conn);
        let mut place = HashMap::with_capacity(chunk.len());
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let k = key(
                    a.external_id.as_deref(),
                    a.domain.as_ref().map(|d| d.as_str()),
                );
                place.insert(k, i);
                let created = Arg::Text(now.to_string());
                args.row(field_values(a, now).into_iter().chain([created]))
            })
            .collect();
        if place.len() != chunk.len() || place.contains_key(&(None, None)) {
            return Err(StoreError::Conflict(
                "two new accounts share an external id and domain, or have neither".into(),
            ));
        }
        let returned: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as_with(
            &format!(
                "INSERT INTO accounts ({}, created_at) VALUES {} RETURNING id, external_id, domain",
                FIELD_COLUMNS.join(", "),
                rows.join(", ")
            ),
            args.into_arguments(),
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut chunk_ids = vec![AccountId(0); chunk.len()];
        for (id, external, domain) in returned {
            let i = place[&key(external.as_deref(), domain.as_deref())];
            chunk_ids[i] = AccountId(id);
        }
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Writes the fields of accounts the book holds, as they are now.
pub(crate) async fn update_accounts(
    conn: &mut AnyConnection,
    now: &str,
    accounts: &[(AccountId, &AccountFields)],
) -> Result<()> {
    let sets: Vec<String> = FIELD_COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    for chunk in accounts.chunks(ROWS_PER_STATEMENT) {
        let mut args = RowValues::new(conn);
        let rows: Vec<String> = chunk
            .iter()
            .map(|(id, a)| {
                let (id, created) = (Arg::Int(id.0), Arg::Text(now.to_string()));
                args.row(
                    [id].into_iter()
                        .chain(field_values(a, now))
                        .chain([created]),
                )
            })
            .collect();
        // An upsert by id that always finds its row: one statement updates them all.
        sqlx::query_with(
            &format!(
                "INSERT INTO accounts (id, {}, created_at) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
                FIELD_COLUMNS.join(", "),
                rows.join(", "),
                sets.join(", ")
            ),
            args.into_arguments(),
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Marks lifecycles someone chose: never worked out from the terms again.
pub(crate) async fn lifecycles_chosen(conn: &mut AnyConnection, ids: &[AccountId]) -> Result<()> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
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
