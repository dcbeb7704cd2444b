//! `sherpa-bench import-events`: `sherpa import events` on a large newline-delimited Segment
//! file, run as the real command in a process of its own, against the floor measured in the
//! same run (reading and parsing the same file once, as its check pass does, in this process).
//! Reports events per second, the ratio to the floor, and the command's peak memory, which
//! must not grow with the file.
//!
//! ```sh
//! cargo run --release --bin sherpa-bench -- import-events --megabytes 1024
//! ```

use crate::harness::{
    Shape, add_accounts, bench_database, drop_bench_schema, message, run_measured,
};
use sherpa_core::intake::EventStream;
use std::io::Write;
use std::time::Instant;

#[derive(clap::Args)]
pub struct ImportEventsArgs {
    /// The size of the file to import.
    #[arg(long, default_value_t = 1024)]
    pub megabytes: u64,
    #[arg(long, default_value_t = 1_000)]
    pub accounts: usize,
    /// The days the events happened on: the last 90 by default, as a back-fill's.
    #[arg(long, default_value_t = 90)]
    pub days: u64,
    /// A PostgreSQL database to use instead of a temporary SQLite file (a schema is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

pub async fn run(a: ImportEventsArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = bench_database(&a.postgres, &dir, "import").await?;
    add_accounts(&store, a.accounts).await?;
    let url = match &a.postgres {
        None => format!("sqlite://{}/import.db", dir.path().display()),
        Some(base) => {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!(
                "{base}{sep}options=-c%20search_path%3D{},public",
                crate::harness::bench_schema("import")
            )
        }
    };
    store.close().await;

    // The file: Segment messages, one a line, until it reaches the size asked for.
    let path = dir.path().join("events.ndjson");
    let shape = Shape {
        accounts: a.accounts,
        days: a.days.max(1),
        sequential_ids: false,
        demo_ids: false,
    };
    let today = chrono::Utc::now().date_naive();
    let target = a.megabytes * 1024 * 1024;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let (mut written, mut events, mut line) = (0u64, 0usize, String::with_capacity(512));
    while written < target {
        line.clear();
        message(&mut line, events, shape, today);
        line.push('\n');
        file.write_all(line.as_bytes())?;
        written += line.len() as u64;
        events += 1;
    }
    file.flush()?;
    drop(file);
    println!(
        "engine {}: a file of {:.0} MB, {events} events over {} accounts and {} days",
        if a.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        written as f64 / 1048576.0,
        a.accounts,
        a.days
    );

    // The floor: reading and parsing the file once, nothing stored.
    let started = Instant::now();
    let reader = std::io::BufReader::new(std::fs::File::open(&path)?);
    let parsed = EventStream::new(reader, chrono::Utc::now())
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .filter(Result::is_ok)
        .count();
    let floor_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        parsed == events,
        "the floor parsed {parsed} of {events} events"
    );
    println!(
        "floor (read and parse once):  {:>10.0} events/s ({floor_secs:.1} s)",
        events as f64 / floor_secs
    );

    let sherpa = std::env::current_exe()?
        .parent()
        .map(|d| d.join("sherpa"))
        .ok_or_else(|| anyhow::anyhow!("no directory for the sherpa binary"))?;
    let (peak_mb, secs, out) = run_measured(
        std::process::Command::new(&sherpa)
            .args(["--db", &url, "import", "events"])
            .arg(&path),
    )?;
    print!("{out}");
    println!(
        "sherpa import events:         {:>10.0} events/s ({secs:.1} s), peak memory {peak_mb:.0} MB",
        events as f64 / secs
    );
    println!("ratio import / floor: {:.2}", secs / floor_secs);
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "import").await?;
    }
    Ok(())
}
