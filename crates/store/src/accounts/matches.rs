//! A text search's matches in the list's order, kept in memory between reads. A search finds its
//! matches anywhere in the book and sorts them (2,535 accounts for "summit" on 100,000: 1.7 ms
//! of SQLite's time a page, two thirds of it the trigram index), for every page and every
//! person; the matches change only when an account does. Like the totals (see `totals`), they
//! are kept for one generation of the book: paging through a search, or opening it again, reads
//! only the page's rows.
//!
//! Reading every match in order costs more than one page of them (on SQLite a first page took
//! 4.7 ms instead of 3.4), so they are read the second time a search is asked: a search asked
//! once costs what it did, and one paged through or repeated is read whole once.

use super::listing::where_clause;
use super::totals::book_generation;
use super::*;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::sync::Arc;

/// Searches kept at once: with [`MOST_MATCHES`], a bound on memory (64 x 10,000 ids, 5 MB).
const KEPT: usize = 64;
/// A search matching more accounts than this is sorted by the database for each page (a text
/// of one or two letters matches much of the book).
const MOST_MATCHES: usize = 10_000;

/// The ids of a search's matches in the list's order; none when there are too many to keep, or
/// the search was not asked before.
type Matches = Option<Arc<Vec<i64>>>;

/// What is known of a search in this generation of the book.
#[derive(Debug)]
enum Kept {
    /// Asked once: its pages are read from the database.
    Asked,
    Matches(Arc<Vec<i64>>),
    /// More matches than [`MOST_MATCHES`].
    TooMany,
}

/// Searches' matches by statement, as of one generation of the book.
#[derive(Debug, Default)]
pub(crate) struct MatchesCache {
    generation: i64,
    by_search: HashMap<String, Kept>,
}

impl MatchesCache {
    /// Forgets every search of an older generation, and all of them at the bound.
    fn at(&mut self, generation: i64) -> &mut HashMap<String, Kept> {
        if self.generation != generation || self.by_search.len() >= KEPT {
            self.by_search.clear();
            self.generation = generation;
        }
        &mut self.by_search
    }
}

impl Store {
    /// The ids of the accounts a search matches, in the order of `order` (the sort's column and
    /// the id, each in its direction, with `nulls_last` on a column that can be empty: the
    /// order the paged statements give). None the first time a search is asked in this
    /// generation, and when it matches more than [`MOST_MATCHES`] accounts.
    pub(super) async fn search_matches(
        &self,
        found: &super::listing::Filters,
        from: &str,
        order: &str,
        nulls_last: Option<&str>,
    ) -> Result<Matches> {
        let nulls = nulls_last
            .map(|col| format!("({col} IS NULL), "))
            .unwrap_or_default();
        // One row of ids: sqlx hands SQLite's rows over one at a time, and reading 2,535 of
        // them so made a page 1.5 ms slower.
        let sql = format!(
            "SELECT {} FROM {from} {}",
            crate::sql::json_list(self.engine(), "accounts.id", &format!("{nulls}{order}")),
            where_clause(&found.conds)
        );
        let key = format!("{}|{sql}|{:?}", self.currency(), found.args.0);
        // The counter is read before the matches: a write between the two leaves matches newer
        // than their counter, read again next time, never older ones kept.
        let generation = book_generation(&self.pool).await?;
        {
            let mut kept = self.matches.lock().expect("matches lock");
            let searches = kept.at(generation);
            match searches.get(&key) {
                Some(Kept::Matches(m)) => return Ok(Some(m.clone())),
                Some(Kept::TooMany) => return Ok(None),
                Some(Kept::Asked) => {}
                None => {
                    searches.insert(key, Kept::Asked);
                    return Ok(None);
                }
            }
        }
        let (ids,): (Option<String>,) =
            sqlx::query_as_with(&sql, Args(found.args.0.clone()).into_arguments())
                .persistent(super::listing::kept_prepared(self.engine()))
                .fetch_one(&self.pool)
                .await?;
        let ids: Vec<i64> = match ids {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                StoreError::invalid("accounts", format!("a search's matches unreadable: {e}"))
            })?,
            None => Vec::new(),
        };
        let (kept, matches) = if ids.len() <= MOST_MATCHES {
            let m = Arc::new(ids);
            (Kept::Matches(m.clone()), Some(m))
        } else {
            (Kept::TooMany, None)
        };
        // Kept as of the counter read before them (see above).
        self.matches
            .lock()
            .expect("matches lock")
            .at(generation)
            .insert(key, kept);
        Ok(matches)
    }

    /// The accounts of `ids`, in that order.
    pub(super) async fn account_rows_in_order(&self, ids: &[i64]) -> Result<Vec<AnyRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({})",
            crate::sql::placeholders(0, ids.len())
        );
        let rows = ids
            .iter()
            .fold(sqlx::query(&sql), |q, id| q.bind(*id))
            .fetch_all(&self.pool)
            .await?;
        let mut by_id = HashMap::with_capacity(rows.len());
        for row in rows {
            by_id.insert(sqlx::Row::try_get::<i64, _>(&row, "id")?, row);
        }
        // An account deleted since the matches were read is left out.
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}
