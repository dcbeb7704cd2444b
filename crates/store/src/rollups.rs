//! The usage rollups (`usage_days`, `usage_user_months`, `usage_names`) as readers see them.
//! The SQLite intake adds up the rollups of many transactions in memory and writes them every
//! two seconds, so a read of usage must settle them first. A [`Rollups`] is the proof that
//! this was done: only [`Store::rollups`] makes one, it settles on the way, and every reader
//! of the rollup tables runs its statements on the pool it carries. A reader that forgot
//! cannot be written: it would have no pool to read usage from.

use crate::{Result, Store};
use sqlx::AnyPool;

/// The rollups, settled: the pool to read them on.
#[derive(Clone, Copy)]
pub(crate) struct Rollups<'a> {
    pool: &'a AnyPool,
}

impl<'a> Rollups<'a> {
    /// The pool to read usage (and what is read with it) on.
    pub fn pool(&self) -> &'a AnyPool {
        self.pool
    }
}

impl Store {
    /// Brings the rollups up to date with every stored event, and answers them for reading.
    pub(crate) async fn rollups(&self) -> Result<Rollups<'_>> {
        self.settle_usage().await?;
        Ok(Rollups { pool: &self.pool })
    }

    /// The rollups as written, up to two seconds behind on SQLite: only for readers of
    /// complete weeks and of first days, which the held seconds cannot change or can only
    /// bring forward to the next pass. The engagement sweep runs every second after changes
    /// under ingest load; settling there took the write lock each time for nothing it reads.
    pub(crate) fn rollups_as_written(&self) -> Rollups<'_> {
        Rollups { pool: &self.pool }
    }
}
