//! The health refresher inside `serve`: recomputes the health of every account a write marked
//! (see `sherpa_store::HealthWatch`), within a second of the write. It gathers the marks of a
//! short moment into one batch, so that a burst of events costs one pass, not one per event.

use sherpa_store::Store;
use std::time::Duration;

/// How long marks gather before a pass: short beside the one-second promise, long enough
/// that a stream of events is refreshed in batches.
const GATHER: Duration = Duration::from_millis(50);

/// Runs until the task is dropped. First re-scores every account from its kept metrics (and
/// marks those never computed), then waits for marks.
pub async fn run(store: Store) {
    if let Err(e) = store.recompute_health().await {
        tracing::warn!(error = %e, "re-scoring health on start failed");
    }
    loop {
        store.health_watch().changed().await;
        tokio::time::sleep(GATHER).await;
        let dirty = store.health_watch().take();
        let ids: Vec<_> = dirty.accounts.iter().copied().collect();
        let done = async {
            if dirty.all {
                return store.rebuild_health().await;
            }
            let mut done = store.refresh_health(&ids).await?;
            if dirty.rescore {
                done = store.recompute_health().await?;
            }
            Ok(done)
        }
        .await;
        store.health_watch().finish(&dirty);
        match done {
            Ok(d) if d.colour_changes > 0 => {
                tracing::info!(
                    accounts = d.accounts,
                    colour_changes = d.colour_changes,
                    "health refreshed"
                );
            }
            Ok(_) => {}
            Err(e) => {
                // Keep the marks: the next pass tries again.
                tracing::warn!(error = %e, accounts = ids.len(), "refreshing health failed");
                store.health_watch().mark(ids);
                if dirty.all {
                    store.health_watch().mark_all();
                }
                if dirty.rescore {
                    store.health_watch().mark_rescore();
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
