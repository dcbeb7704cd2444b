//! SQLite's write-ahead log is copied back into the database by a background task rather than
//! by whichever connection commits when the log passes its threshold. The copy (and its fsync)
//! was a fifth of the event intake's time; on its own task it runs on the other core while the
//! writer goes on appending.

use sqlx::AnyPool;
use std::time::Duration;

/// How often the log is copied back.
const EVERY: Duration = Duration::from_millis(250);
/// Log frames (pages) past which the copy waits for a pause in the writes so that the log
/// starts again from its beginning. A copy that runs beside the writers never finds the log
/// wholly copied when the next write begins, and SQLite only rewinds the log then: under a
/// steady stream of events it grew past 2 GB, and every page read searched it.
const MAX_FRAMES: i64 = 8_192;

/// Starts the task; it stops when the pool is closed.
pub(crate) fn start(pool: AnyPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(e) = copy_back(&pool).await {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "copying the SQLite log back failed; will retry");
            }
        }
    });
}

async fn copy_back(pool: &AnyPool) -> sqlx::Result<()> {
    // (busy, frames in the log, frames copied)
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    if frames > MAX_FRAMES {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(pool)
            .await?;
    }
    Ok(())
}
