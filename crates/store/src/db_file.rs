//! The SQLite database as a file: who is using it, and who may read it.
//!
//! Every process that opens a database file holds a shared lock on a file beside it
//! (`<database>.lock`) for as long as it runs; a restore needs that lock alone, so it can tell a
//! database a server is using from a stopped one, and refuses the first instead of swapping the
//! file under it. The operating system drops the lock when a process ends, however it ends.
//!
//! Files Sherpa creates (the database, so its WAL as well, backups, the lock) are readable and
//! writable by their owner only: they hold customers' data and hashed secrets.

use crate::{Result, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// A held lock on a database file; dropping it lets go.
#[derive(Debug)]
pub(crate) struct Holding(#[allow(dead_code)] File);

fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Conflict(format!("cannot use {}: {e}", path.display()))
}

/// Opens (creating, owner-only) a file for reading and writing without truncating it.
pub(crate) fn owner_only(path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// Creates the database file owner-only if it is not there yet, so that SQLite (which gives its
/// WAL and shared-memory files the database's permissions) never makes one anyone can read.
pub(crate) fn create_owner_only(db: &Path) -> Result<()> {
    if !db.exists() {
        owner_only(db).map_err(io(db))?;
    }
    Ok(())
}

/// Marks the database as in use by this process, waiting while a restore replaces it.
pub(crate) async fn hold_shared(db: &Path) -> Result<Holding> {
    let path = lock_path(db);
    let file = owner_only(&path).map_err(io(&path))?;
    let file = tokio::task::spawn_blocking(move || file.lock_shared().map(|()| file))
        .await
        .map_err(|e| StoreError::Conflict(e.to_string()))?
        .map_err(io(&path))?;
    Ok(Holding(file))
}

/// The database alone, or `None` while another process uses it.
pub(crate) fn take_alone(db: &Path) -> Result<Option<Holding>> {
    let path = lock_path(db);
    let file = owner_only(&path).map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Holding(file))),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(io(&path)(e)),
    }
}
