//! The health refresher inside `serve`: recomputes the health of every account a write marked
//! (see `sherpa_store::HealthWatch`), within a second of the write. It gathers the marks of a
//! short moment into one batch, so that a burst of events costs one pass, not one per event.
//! The same accounts then go to the engagement engine, at most once a second and in a task of
//! its own (so that it never holds up a health pass), so that an event-based moment (a poor
//! survey, an urgent ticket, a turn to red) opens its task within about a second instead of
//! at the next sweep of the book.

use sherpa_core::AccountId;
use sherpa_store::Store;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How often changed accounts go to the engagement engine.
const ENGAGEMENT_EVERY: Duration = Duration::from_secs(1);

/// How long marks gather before a pass: short beside the one-second promise, long enough
/// that a stream of events is refreshed in batches.
const GATHER: Duration = Duration::from_millis(50);

/// Runs until the task is dropped. First re-scores every account from its kept metrics (and
/// marks those never computed), then waits for marks.
pub async fn run(store: Store) {
    if let Err(e) = store.recompute_health().await {
        tracing::warn!(error = %e, "re-scoring health on start failed");
    }
    let (changed, to_engage) = tokio::sync::mpsc::unbounded_channel();
    let engagement = tokio::spawn(engage(store.clone(), to_engage));
    // Dropping this task (the server stopping) stops the engagement task with it.
    let _stop = AbortOnDrop(engagement);
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
        if done.is_ok() && !dirty.all {
            let _ = changed.send(ids.clone());
        }
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

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Hands the accounts health passes refreshed to the engagement engine, gathered for up to
/// [`ENGAGEMENT_EVERY`] at a time.
async fn engage(store: Store, mut changed: tokio::sync::mpsc::UnboundedReceiver<Vec<AccountId>>) {
    let mut pending: HashSet<AccountId> = HashSet::new();
    while let Some(ids) = changed.recv().await {
        pending.extend(ids);
        let started = Instant::now();
        // Gather what else arrives within the second, then sweep it all at once.
        while let Ok(Some(more)) = tokio::time::timeout(
            ENGAGEMENT_EVERY.saturating_sub(started.elapsed()),
            changed.recv(),
        )
        .await
        {
            pending.extend(more);
        }
        let ids: Vec<AccountId> = pending.drain().collect();
        if let Err(e) = store.run_engagement_for(&ids).await {
            // The sweep of the whole book, every few minutes, catches them up.
            tracing::warn!(error = %e, accounts = ids.len(), "engagement moments of changed accounts");
        }
    }
}
