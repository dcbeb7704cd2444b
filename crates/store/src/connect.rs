//! Opening the database named by a URL: SQLite (created with its folder if missing, WAL, busy
//! timeout, foreign keys on) or PostgreSQL, with the embedded migrations of that engine.

use crate::{Result, Store, StoreError};
use sherpa_core::Clock;
use sqlx::any::AnyPoolOptions;
use sqlx::{Executor, migrate::Migrator};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_URL: &str = "sqlite://./sherpa-data/sherpa.db";

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::Url(format!(
                "\"{}\" is neither sqlite://PATH nor postgres://USER@HOST/DB",
                redact(url)
            )))
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// Hides the password of a URL for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The file path of a SQLite URL, without options.
pub(crate) fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

impl Store {
    /// Opens (creating if needed) and migrates the database.
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Store> {
        let store = Store::connect(url, clock).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without migrating it.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)?;
        let mut connect_url = url.to_string();
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let options = match engine {
            Engine::Sqlite => {
                if let Some(path) = sqlite_path(url)
                    && let Some(dir) = std::path::Path::new(path)
                        .parent()
                        .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Url(format!("cannot create folder {}: {e}", dir.display()))
                    })?;
                }
                if let Some(path) = sqlite_path(url)
                    && !url.contains("mode=ro")
                {
                    crate::db_file::create_owner_only(std::path::Path::new(path))?;
                }
                if !connect_url.contains("mode=") {
                    connect_url.push_str(if connect_url.contains('?') {
                        "&mode=rwc"
                    } else {
                        "?mode=rwc"
                    });
                }
                // A connection is not pinged as it is taken from the pool: it lives in this
                // process, so there is no server to have gone away, and each ping is a round
                // trip to the connection's thread before every statement. (sqlx pings it again
                // as it goes back, which no option turns off.)
                let options = options.max_connections(8).test_before_acquire(false);
                // A new database gets 16 KB pages: the intake's log writes are a quarter as many
                // calls (a quarter more events a second). An existing one keeps its size.
                options.after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA page_size = 16384; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                             PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824; \
                             PRAGMA wal_autocheckpoint = 0;",
                        )
                        .await?;
                        Ok(())
                    })
                })
            }
            Engine::Postgres => options.max_connections(16),
        };
        let writable_file =
            sqlite_path(url).filter(|_| engine == Engine::Sqlite && !url.contains("mode=ro"));
        let in_use = match writable_file {
            Some(path) => Some(Arc::new(
                crate::db_file::hold_shared(std::path::Path::new(path)).await?,
            )),
            None => None,
        };
        let pool = options.connect(&connect_url).await?;
        if engine == Engine::Sqlite && !url.contains("mode=ro") {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
            crate::checkpoint::start(pool.clone());
        }
        Ok(Store {
            pool,
            engine,
            clock,
            display_url: redact(url),
            sqlite_intake: sqlite_path(url)
                .filter(|_| engine == Engine::Sqlite && !url.contains("mode=ro"))
                .map(|p| Arc::new(crate::intake::SqliteIntake::new(p.into()))),
            health: Arc::default(),
            _in_use: in_use,
            terms: Arc::default(),
            totals: Arc::default(),
            matches: Arc::default(),
        })
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        self.countries_as_codes().await
    }

    /// Countries were kept as written before they were ISO codes: each value that names a
    /// country becomes its code ("United States", "USA" -> "US"), so they filter together.
    /// A value that names none is left as it is. Not audited: the country is the same.
    async fn countries_as_codes(&self) -> Result<()> {
        let written: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT country FROM accounts WHERE country IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        for (w,) in written {
            if let Ok(code) = sherpa_core::country_code(&w)
                && code != w
            {
                sqlx::query("UPDATE accounts SET country = $1 WHERE country = $2")
                    .bind(&code)
                    .bind(&w)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://sherpa:s3cret@db/sherpa"),
            "postgres://sherpa:***@db/sherpa"
        );
        assert_eq!(redact("sqlite://./x.db"), "sqlite://./x.db");
    }

    #[test]
    fn engines_come_from_the_scheme() {
        assert_eq!(Engine::from_url(DEFAULT_URL).unwrap(), Engine::Sqlite);
        assert_eq!(
            Engine::from_url("postgresql://x/y").unwrap(),
            Engine::Postgres
        );
        assert!(Engine::from_url("mysql://x").is_err());
        assert_eq!(sqlite_path("sqlite://./a/b.db?mode=rwc"), Some("./a/b.db"));
    }
}
