//! Backups. On SQLite, `VACUUM INTO` writes a consistent snapshot while the server keeps
//! serving; restoring replaces the database file. PostgreSQL has its own tools (pg_dump).

use crate::connect::sqlite_path;
use crate::{Engine, Result, Store, StoreError};
use std::path::Path;

pub const PG_BACKUP_HELP: &str = "on PostgreSQL use the server's own tools: \
    `pg_dump --format=custom --file=sherpa.dump \"$SHERPA_DB\"` to back up and \
    `pg_restore --clean --if-exists --dbname=\"$SHERPA_DB\" sherpa.dump` to restore";

impl Store {
    /// Writes a consistent copy of the database to `file` (which must not exist).
    pub async fn backup(&self, file: &Path) -> Result<u64> {
        if self.engine == Engine::Postgres {
            return Err(StoreError::Conflict(PG_BACKUP_HELP.into()));
        }
        if file.exists() {
            return Err(StoreError::Conflict(format!(
                "{} already exists; choose a new file name",
                file.display()
            )));
        }
        let path = file
            .to_str()
            .ok_or_else(|| StoreError::Conflict("the backup path must be UTF-8".into()))?;
        // Created empty and owner-only first: VACUUM INTO fills an empty file, keeping its mode.
        crate::db_file::owner_only(file)
            .map_err(|e| StoreError::Conflict(format!("cannot write {}: {e}", file.display())))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(std::fs::metadata(file).map(|m| m.len()).unwrap_or(0))
    }
}

/// Replaces the SQLite database at `url` by the backup `file`, after checking that the backup
/// is a Sherpa database. Refused while any process uses the database (see `db_file`).
pub async fn restore_sqlite(url: &str, file: &Path) -> Result<()> {
    let target = sqlite_path(url).ok_or_else(|| StoreError::Conflict(PG_BACKUP_HELP.into()))?;
    if Engine::from_url(url)? == Engine::Postgres {
        return Err(StoreError::Conflict(PG_BACKUP_HELP.into()));
    }
    let probe_url = format!("sqlite://{}?mode=ro", file.display());
    let probe = Store::connect(&probe_url, std::sync::Arc::new(sherpa_core::SystemClock)).await?;
    let ok: Result<(i64,), _> = sqlx::query_as("SELECT COUNT(*) FROM accounts")
        .fetch_one(probe.pool())
        .await;
    probe.close().await;
    if ok.is_err() {
        return Err(StoreError::Conflict(format!(
            "{} is not a Sherpa backup",
            file.display()
        )));
    }
    let target = Path::new(target);
    let io =
        |e: std::io::Error| StoreError::Conflict(format!("cannot write {}: {e}", target.display()));
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // Held until the new file is in place: a server starting meanwhile waits for it.
    let Some(_alone) = crate::db_file::take_alone(target)? else {
        return Err(StoreError::Conflict(format!(
            "{} is in use by a running Sherpa (a server, or another command): stop it and \
             restore again, or restore into a new file (sherpa --db sqlite://NEW.db restore \
             {}) and start the server on that one; nothing was changed",
            target.display(),
            file.display()
        )));
    };
    // Copy beside the target, then rename: a crash mid-copy leaves the old database intact.
    let tmp = target.with_extension("restoring");
    let _ = std::fs::remove_file(&tmp);
    std::io::copy(
        &mut std::fs::File::open(file).map_err(io)?,
        &mut crate::db_file::owner_only(&tmp).map_err(io)?,
    )
    .map_err(io)?;
    for suffix in ["-wal", "-shm"] {
        let side = format!("{}{suffix}", target.display());
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&tmp, target).map_err(io)?;
    Ok(())
}
