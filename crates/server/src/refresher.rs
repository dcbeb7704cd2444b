//! The health refresher inside `serve`: recomputes the health of every account a write marked
//! (see `sherpa_store::HealthWatch`), within a second of the write. It gathers the marks of a
//! short moment into one batch, so that a burst of events costs one pass, not one per event.
//! The same accounts then go to the engagement engine, at most once a second and in a task of
//! its own (so that it never holds up a health pass), so that an event-based moment (a poor
//! survey, an urgent ticket, a turn to red) opens its task within about a second instead of
//! at the next sweep of the book.

use sherpa_app::{App, Caller};
use sherpa_core::AccountId;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// How often changed accounts go to the engagement engine.
const ENGAGEMENT_EVERY: Duration = Duration::from_secs(1);

/// How long marks gather before a pass: short beside the one-second promise, long enough
/// that a stream of events is refreshed in batches.
const GATHER: Duration = Duration::from_millis(50);

/// Runs until the task is dropped. First re-scores every account from its kept metrics (and
/// marks those never computed), then waits for marks.
pub async fn run(app: App) {
    if let Err(e) = app.rescore_book(&Caller::operator(), false).await {
        tracing::warn!(error = %e, "re-scoring health on start failed");
    }
    let (changed, to_engage) = tokio::sync::mpsc::unbounded_channel();
    let engagement = tokio::spawn(engage(app.clone(), to_engage));
    // Dropping this task (the server stopping) stops the engagement task with it.
    let _stop = AbortOnDrop(engagement);
    loop {
        app.store().health_watch().changed().await;
        let marked = Instant::now();
        tokio::time::sleep(GATHER).await;
        match app.refresh_marked_health().await {
            Ok(pass) => {
                metrics::histogram!("sherpa_health_refresh_seconds")
                    .record(marked.elapsed().as_secs_f64());
                metrics::counter!("sherpa_health_refreshed_accounts_total")
                    .increment(pass.refreshed.len() as u64);
                if pass.done.colour_changes > 0 {
                    tracing::info!(
                        accounts = pass.done.accounts,
                        colour_changes = pass.done.colour_changes,
                        "health refreshed"
                    );
                }
                if !pass.refreshed.is_empty() {
                    let _ = changed.send(pass.refreshed);
                }
            }
            Err(e) => {
                // The marks are kept: the next pass tries again.
                tracing::warn!(error = %e, "refreshing health failed");
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
async fn engage(app: App, mut changed: tokio::sync::mpsc::UnboundedReceiver<Vec<AccountId>>) {
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
        app.engage(&ids).await;
    }
}
