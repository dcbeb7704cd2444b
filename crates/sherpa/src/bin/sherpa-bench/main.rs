//! `sherpa-bench`: the benchmarks that drive a real server, kept out of the product's own
//! commands. Each reports its figures as ratios against a floor measured in the same run.
//!
//! ```sh
//! cargo run --release --bin sherpa-bench -- ingest --events 1000000
//! cargo run --release --bin sherpa-bench -- health --accounts 100000
//! ```

mod harness;
mod health;
mod ingest;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "sherpa-bench",
    about = "Benchmarks of Sherpa against a real server"
)]
enum Bench {
    /// Events per second through the Segment intake, and the store's floor.
    Ingest(ingest::IngestArgs),
    /// Health: a full re-score of the book against reading it, and how soon an event shows in
    /// its account's health under a steady ingest load.
    Health(health::HealthArgs),
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
            Bench::Ingest(a) => ingest::run(a).await,
            Bench::Health(a) => health::run(a).await,
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
