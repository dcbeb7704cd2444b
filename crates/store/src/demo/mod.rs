//! Writing the demo book fast: explicit ids and multi-row INSERTs in large transactions, so
//! 100,000 accounts with their contacts, terms and activities load in seconds.

use crate::bulk::SecondaryIndexes;
use crate::sql::Arg;
use crate::{Engine, Result, Store, StoreError};
use futures::StreamExt;
use sherpa_core::demo::{DemoBook, user_id};
use sherpa_core::text::fold;
use sherpa_core::*;

mod rows;
mod voice;

use rows::ChunkRows;
pub use voice::DemoVoice;

/// Reports progress as accounts written out of the total.
pub type DemoProgress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// Ids per account for its contacts, terms and activities: account `n` owns `n * 64 ..`.
const ID_SPACE: i64 = 64;

/// The tables the demo fills in bulk.
const BULK_TABLES: &str = "'accounts', 'contacts', 'contracts', 'activities', 'activity_attendees'";

/// Accounts generated and written per transaction.
const CHUNK: usize = 2_000;
fn t(s: impl Into<String>) -> Arg {
    Arg::Text(s.into())
}

/// The tables the book's load writes (its team, accounts and their rows).
const LOADED: [&str; 9] = [
    "users",
    "accounts",
    "contacts",
    "contracts",
    "activities",
    "activity_attendees",
    "account_gradings",
    "account_tier_changes",
    "nine_box_placements",
];

impl Store {
    /// How many accounts and users the book holds: the demo loads only into an empty one.
    pub async fn book_size(&self) -> Result<(i64, i64)> {
        let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await?;
        let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok((accounts, users))
    }

    /// Fills an empty book with the demo; every demo user gets the same password hash.
    pub async fn load_demo(
        &self,
        book: &DemoBook,
        password_hash: &str,
        progress: DemoProgress<'_>,
    ) -> Result<()> {
        let (existing, users) = self.book_size().await?;
        if existing > 0 || users > 0 {
            return Err(StoreError::Conflict(format!(
                "the database at {} already holds {existing} accounts and {users} users; the demo needs an empty one \
                 (use --db with a new path)",
                self.display_url()
            )));
        }
        let now = self.now();
        let mut conn = self.pool.acquire().await?;
        // Load first, index after: building an index once is far cheaper than keeping it up to
        // date row by row. The definitions are read back from the database, so the migrations
        // stay their only source.
        let indexes = SecondaryIndexes::drop(&mut conn, self.engine, BULK_TABLES).await?;
        let mut tx = self.write_tx().await?;
        let user_rows: Vec<Vec<Arg>> = book
            .team
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                vec![
                    Arg::Int(user_id(i).0),
                    t(u.email.as_str()),
                    t(&u.name),
                    t(fold(&u.name)),
                    t(u.function.as_str()),
                    t(u.role.as_str()),
                    Arg::OptInt(u.manager.map(|m| user_id(m).0)),
                    Arg::Int(1),
                    t(password_hash),
                    t(&now),
                    t(&now),
                ]
            })
            .collect();
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
            "users",
            &[
                "id",
                "email",
                "name",
                "name_key",
                "function",
                "role",
                "manager_id",
                "active",
                "password_hash",
                "created_at",
                "updated_at",
            ],
            user_rows,
        )
        .await?;
        tx.commit().await?;
        // Chunks are independent (each account's rows carry ids derived from its index), so
        // PostgreSQL loads two at once; SQLite has one writer.
        let parallel = if self.engine == Engine::Postgres {
            2
        } else {
            1
        };
        let chunks: Vec<_> = (0..book.accounts)
            .step_by(CHUNK)
            .map(|s| s..(s + CHUNK).min(book.accounts))
            .collect();
        let mut done = 0;
        let mut loads =
            futures::stream::iter(chunks.into_iter().map(|r| self.load_chunk(book, r, &now)))
                .buffer_unordered(parallel);
        while let Some(n) = loads.next().await {
            done += n?;
            progress(done, book.accounts);
        }
        drop(loads);
        if self.engine == Engine::Postgres {
            for table in LOADED.iter().filter(|t| **t != "activity_attendees") {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))
                .execute(&mut *conn)
                .await?;
            }
        }
        indexes.build(&mut conn).await?;
        // Fresh statistics of the tables it loaded, so that both planners pick the (column, id)
        // indexes for the book. Only those: on PostgreSQL a bare ANALYZE reads every table of
        // the database, other schemas' too, and waits on whatever locks them.
        for table in LOADED {
            sqlx::query(&format!("ANALYZE {table}"))
                .execute(&mut *conn)
                .await?;
        }
        let after = serde_json::json!({"accounts": book.accounts, "seed": book.seed, "users": book.team.users.len()});
        crate::audit::record(
            &mut conn,
            &now,
            &Actor::system("demo"),
            "create",
            "demo_book",
            book.seed,
            None,
            Some(&after),
        )
        .await?;
        Ok(())
    }

    /// Writes the accounts of `range` with their contacts, terms and activities, in one
    /// transaction; answers how many accounts.
    async fn load_chunk(
        &self,
        book: &DemoBook,
        range: std::ops::Range<usize>,
        now: &str,
    ) -> Result<usize> {
        let count = range.len();
        let rows = ChunkRows::of(book, range, now)?;
        if self.engine == Engine::Postgres {
            let mut conn = crate::bulk::postgres_connection(&self.pool).await?;
            rows.copy(&mut conn).await?;
            sqlx::Connection::close(conn).await?;
            return Ok(count);
        }
        let mut tx = self.write_tx().await?;
        rows.write(&mut tx, self.engine).await?;
        tx.commit().await?;
        Ok(count)
    }
}
