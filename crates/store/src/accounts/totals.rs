//! A list's totals (how many accounts match its filters, and their ARR), kept in memory between
//! reads. Counting a 100,000-account book costs more than reading the page itself, on every
//! request of every person; the totals change only when an account does. A trigger moves a
//! counter on every write to `accounts` (from any server), so one cheap read tells whether the
//! kept totals are still the book's. A health filter reads another table, which the refresher
//! writes all day: those totals are counted each time.

use super::listing::{self, filters, where_clause};
use super::*;
use std::collections::HashMap;

/// More filter combinations than this and the kept totals start again: a bound on memory.
const KEPT: usize = 1024;

/// Totals by filter, as of one generation of the book.
#[derive(Debug, Default)]
pub(crate) struct TotalsCache {
    generation: i64,
    by_filter: HashMap<String, (i64, i64)>,
}

impl Store {
    /// How many accounts match a query's filters and their ARR in the reporting currency
    /// (the sort and cursor are ignored). The counter is read before the totals: a write
    /// between the two leaves totals newer than their counter, counted again next time, never
    /// older ones kept.
    pub async fn account_totals(&self, q: &AccountQuery) -> Result<(i64, Money)> {
        let currency = self.currency();
        let f = filters(q, currency, self.engine())?;
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(arr_minor), 0) AS BIGINT) FROM {} {}",
            f.from("accounts", None),
            where_clause(&f.conds)
        );
        let args = f.args;
        let key = (q.health.is_none()).then(|| format!("{currency}|{sql}|{:?}", args.0));
        let mut generation = None;
        if let Some(key) = &key {
            let n = book_generation(&self.pool).await?;
            generation = Some(n);
            let kept = self.totals.lock().expect("totals lock");
            if kept.generation == n
                && let Some(&(count, arr)) = kept.by_filter.get(key)
            {
                return Ok((count, Money::from_minor_units(arr, currency)));
            }
        }
        let (count, arr): (i64, i64) = sqlx::query_as_with(&sql, args.into_arguments())
            .persistent(listing::kept_prepared(self.engine()))
            .fetch_one(&self.pool)
            .await?;
        if let (Some(key), Some(n)) = (key, generation) {
            let mut kept = self.totals.lock().expect("totals lock");
            if kept.generation != n || kept.by_filter.len() >= KEPT {
                kept.by_filter.clear();
                kept.generation = n;
            }
            kept.by_filter.insert(key, (count, arr));
        }
        Ok((count, Money::from_minor_units(arr, currency)))
    }
}

/// The book's counter, which every write to `accounts` moves (from any server).
pub(super) async fn book_generation(pool: &sqlx::AnyPool) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT n FROM book_generation WHERE id = 1")
        .fetch_one(pool)
        .await?;
    Ok(n)
}

/// Makes the transaction's writes of accounts leave the book's counter alone (PostgreSQL).
pub(crate) const GENERATION_AT_COMMIT: &str = "SET LOCAL sherpa.generation_at_commit = 'on'";
/// Moves the book's counter.
pub(crate) const MOVE_GENERATION: &str = "UPDATE book_generation SET n = n + 1 WHERE id = 1";

/// Starts a transaction's writes of many accounts beside other rows (a demo chunk, an
/// import): on PostgreSQL the book's counter then moves once, in [`commit_moving_generation`],
/// instead of with the first write. The counter is one row, and a transaction that moved it
/// holds it until it commits: two demo loaders took turns, and every edit of an account waited
/// for an import. SQLite has one writer at a time, and its trigger stays as it is.
pub(crate) async fn generation_at_commit(
    tx: &mut sqlx::AnyConnection,
    engine: crate::Engine,
) -> Result<()> {
    if engine == crate::Engine::Postgres {
        sqlx::query(GENERATION_AT_COMMIT).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Moves the book's counter as the transaction's last statement, then commits it. (On SQLite
/// the trigger has moved it already; once more does no harm.)
pub(crate) async fn commit_moving_generation(
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
) -> Result<()> {
    sqlx::query(MOVE_GENERATION).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
