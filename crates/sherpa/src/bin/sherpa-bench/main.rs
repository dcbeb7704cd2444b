//! `sherpa-bench`: the benchmarks that drive a real server, kept out of the product's own
//! commands. Each reports its figures as ratios against a floor measured in the same run.
//!
//! ```sh
//! cargo build --release --bins && target/release/sherpa-bench demo --accounts 2000
//! cargo run --release --bin sherpa-bench -- ingest --events 1000000
//! cargo run --release --bin sherpa-bench -- health --accounts 100000
//! cargo run --release --bin sherpa-bench -- effectiveness --accounts 100000
//! cargo run --release --bin sherpa-bench -- import-events --megabytes 1024
//! cargo run --release --bin sherpa-bench -- import-accounts --rows 100000
//! cargo run --release --bin sherpa-bench -- revenue --accounts 100000
//! cargo build --release --bins && target/release/sherpa-bench pages --accounts 100000
//! cargo build --release --bins && target/release/sherpa-bench soak --minutes 5
//! ```

mod demo;
mod effectiveness;
mod harness;
mod health;
mod import_accounts;
mod import_events;
mod ingest;
mod pages;
mod revenue;
mod soak;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "sherpa-bench",
    about = "Benchmarks of Sherpa against a real server"
)]
enum Bench {
    /// `sherpa demo` into a fresh database, against copying the database it made once.
    Demo(demo::DemoArgs),
    /// Phases, whitespace and adoption-matrix pages of a large book, against a full health
    /// recompute of the same accounts.
    Effectiveness(effectiveness::EffectivenessArgs),
    /// Events per second through the Segment intake, and the store's floor.
    Ingest(ingest::IngestArgs),
    /// Health: a full re-score of the book against reading it, and how soon an event shows in
    /// its account's health under a steady ingest load.
    Health(health::HealthArgs),
    /// `sherpa import events` on a large file: events per second against reading and parsing
    /// it, and the command's peak memory.
    ImportEvents(import_events::ImportEventsArgs),
    /// `sherpa import accounts` on a CRM export of 100,000 accounts, then again unchanged,
    /// against reading and checking the file.
    ImportAccounts(import_accounts::ImportAccountsArgs),
    /// The lists and pages a team waits on, 32 clients at once over HTTP against a separate
    /// `sherpa serve`, with the server's memory.
    Pages(pages::PagesArgs),
    /// Retention and the renewal pipeline over three years of contract terms, against a plain
    /// SQL aggregate over the same rows.
    Revenue(revenue::RevenueArgs),
    /// Pages, intake and jobs at once for minutes, against a separate `sherpa serve`: errors,
    /// p99 latencies and the server's memory growth.
    Soak(soak::SoakArgs),
}

fn main() -> std::process::ExitCode {
    sherpa_server::outreach::install_tls();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SHERPA_LOG")
                .unwrap_or_else(|_| "warn,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let bench = Bench::parse();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result = runtime.block_on(async move {
        match bench {
            Bench::Demo(a) => demo::run(a).await,
            Bench::Effectiveness(a) => effectiveness::run(a).await,
            Bench::Ingest(a) => ingest::run(a).await,
            Bench::Health(a) => health::run(a).await,
            Bench::ImportEvents(a) => import_events::run(a).await,
            Bench::ImportAccounts(a) => import_accounts::run(a).await,
            Bench::Pages(a) => pages::run(a).await,
            Bench::Revenue(a) => revenue::run(a).await,
            Bench::Soak(a) => soak::run(a).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Bench::command().debug_assert();
    }
}
