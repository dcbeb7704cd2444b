//! `sherpa health recompute`: re-scores every account from its kept metrics by the scorecard
//! its rule assigns now (what a scorecard change runs), or with `--rebuild` first works every
//! account's metrics out again from the book.

use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum HealthCommand {
    /// Re-score every account; say how many moved and changed colour.
    Recompute {
        /// Work the metrics out again from usage, tickets, surveys, activities, contacts and
        /// contracts first (what the daily job does), instead of re-scoring the kept ones.
        #[arg(long)]
        rebuild: bool,
    },
}

pub async fn run(db: &str, cmd: HealthCommand) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    match cmd {
        HealthCommand::Recompute { rebuild } => {
            let started = Instant::now();
            let done = if rebuild {
                store.rebuild_health().await?
            } else {
                store.recompute_health().await?
            };
            // Accounts whose metrics were never worked out: now, not at the next serve.
            let never_computed = store.health_watch().take();
            let ids: Vec<_> = never_computed.accounts.iter().copied().collect();
            let never = ids.len();
            if never > 0 {
                store.refresh_health(&ids).await?;
            }
            store.health_watch().finish(&never_computed);
            println!(
                "{} accounts scored in {} ms: {} moved, {} changed colour{}",
                done.accounts,
                started.elapsed().as_millis(),
                done.moved,
                done.colour_changes,
                if never > 0 {
                    format!("; {never} had no metrics yet and were computed from the book")
                } else {
                    String::new()
                }
            );
        }
    }
    store.close().await;
    Ok(())
}
