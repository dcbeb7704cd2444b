//! `sherpa-bench demo`: `sherpa demo --no-serve` into a fresh database, run as the real command
//! in a process of its own, against the floor measured in the same run: the database it made
//! copied once, one `CREATE TABLE ... AS SELECT` a table (the same rows written by the engine's
//! fastest path, without the work of telling the story).
//!
//! ```sh
//! cargo build --release --bins && target/release/sherpa-bench demo --accounts 2000
//! ```

use crate::harness::{bench_url, drop_bench_schema, run_measured, table_row};
use sherpa_core::SystemClock;
use sherpa_store::Engine;
use std::time::Instant;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Accounts in the demo book.
    #[arg(long, default_value_t = 2_000)]
    pub accounts: usize,
    /// A PostgreSQL database to use instead of a temporary SQLite file (a schema is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

/// The target for a book of `accounts`: 5 s for 2,000, 30 s for 100,000, in proportion between.
fn target_secs(accounts: usize) -> f64 {
    if accounts <= 2_000 {
        5.0
    } else {
        5.0 + 25.0 * ((accounts - 2_000) as f64 / 98_000.0).min(1.0)
    }
}

pub async fn run(a: DemoArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = bench_url(&a.postgres, &dir, "demo").await?;
    let sherpa = std::env::current_exe()?
        .parent()
        .map(|d| d.join("sherpa"))
        .ok_or_else(|| anyhow::anyhow!("no directory for the sherpa binary"))?;
    let accounts = a.accounts.to_string();
    let (peak_mb, secs, out) = run_measured(std::process::Command::new(&sherpa).args([
        "--db",
        &url,
        "demo",
        "--accounts",
        &accounts,
        "--no-serve",
    ]))?;
    for line in out.lines().filter(|l| l.contains(" in ")) {
        println!("  {line}");
    }
    let store = sherpa_store::Store::open(&url, std::sync::Arc::new(SystemClock)).await?;
    let engine = store.engine();
    let (rows, floor) = copy_every_table(&store).await?;
    store.close().await;
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "demo").await?;
    }
    println!(
        "engine {}: sherpa demo --accounts {} in {secs:.1} s, peak memory {peak_mb:.0} MB; floor (its {rows} rows copied once) {floor:.1} s; ratio {:.1}",
        engine.name(),
        a.accounts,
        secs / floor
    );
    table_row(
        engine.name(),
        &format!("sherpa demo --accounts {}", a.accounts),
        &format!("{secs:.1} s, {peak_mb:.0} MB"),
        &format!("<= {:.0} s", target_secs(a.accounts)),
        &format!("{floor:.1} s"),
        Some(secs / floor),
    );
    Ok(())
}

/// Copies every table of the database once; answers the rows copied and the seconds taken.
async fn copy_every_table(store: &sherpa_store::Store) -> anyhow::Result<(i64, f64)> {
    let list = match store.engine() {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'"
        }
        Engine::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE '\\_sqlx%'"
        }
    };
    let tables: Vec<(String,)> = sqlx::query_as(list).fetch_all(store.pool()).await?;
    let mut rows = 0;
    let started = Instant::now();
    for (t,) in &tables {
        let copied = sqlx::query(&format!("CREATE TABLE floor_{t} AS SELECT * FROM \"{t}\""))
            .execute(store.pool())
            .await?;
        rows += copied.rows_affected() as i64;
    }
    let secs = started.elapsed().as_secs_f64();
    if rows == 0 {
        // SQLite does not count the rows of a CREATE TABLE AS: count what was copied.
        for (t,) in &tables {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM floor_{t}"))
                .fetch_one(store.pool())
                .await?;
            rows += n;
        }
    }
    Ok((rows, secs))
}
