//! `sherpa`: the one binary. Each subcommand lives in its own file under `commands/` and has a
//! `run()`; errors print one clear line and exit non-zero.

mod commands;

/// mimalloc rather than the system allocator: the intake allocates each message on the threads
/// that parse requests and frees it on the one that stores them, and glibc's allocator made
/// those threads wait on each other's locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use sherpa_core::{AheadClock, SystemClock};
use sherpa_store::{DEFAULT_URL, Store};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "sherpa",
    version,
    about = "Sherpa: the open-source customer success platform"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH (embedded, the default) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, global = true, env = "SHERPA_DB", default_value = DEFAULT_URL, hide_env_values = true)]
    db: String,
    /// Run as if today were this many days later: to try period ends (a forecast's actuals,
    /// renewals falling due) on a demo book. Never on a real one: records are dated ahead too.
    #[arg(long, global = true, env = "SHERPA_DAYS_AHEAD", default_value_t = 0)]
    days_ahead: u32,
    /// How the log on standard error is written: text (coloured only on a terminal) or json,
    /// one object per line for a log collector.
    #[arg(long, global = true, env = "SHERPA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// The log on standard error: `SHERPA_LOG` filters it; colour codes only when a person reads
/// it on a terminal, never into a file or a journal.
fn start_log(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHERPA_LOG")
        .unwrap_or_else(|_| "info,sqlx=error,tower_http=warn".into());
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => log.json().flatten_event(true).init(),
        LogFormat::Text => log.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

/// The days the clock runs ahead, set once from the command line.
static DAYS_AHEAD: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

#[derive(Subcommand)]
enum Command {
    /// Serve the REST API, health and metrics endpoints, and background jobs.
    Serve(commands::serve::Args),
    /// Fill a fresh database with a realistic demo book, then serve it.
    Demo(commands::demo::Args),
    /// Apply the database migrations.
    Migrate,
    /// Import accounts, contacts, contracts, users, activities, tickets, surveys, objective
    /// values or events from CSV or XLSX.
    Import(commands::import::Args),
    /// Export accounts, contacts or contracts (to edit and import back), or tasks, activities,
    /// health history, usage rollups or the audit log, as CSV, JSON or XLSX.
    Export(commands::export::Args),
    /// Computed figures (retention, renewals, waterfall, accuracy) as a table, CSV, JSON or XLSX.
    Report(commands::report::Args),
    /// Define and list custom account fields.
    #[command(subcommand)]
    Field(commands::field::FieldCommand),
    /// Export or import the configuration (prioritisation, scorecards, engagement models, plans,
    /// revenue settings) as a TOML file: configuration as code.
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Exchange rates into the reporting currency.
    #[command(subcommand)]
    Rate(commands::rate::RateCommand),
    /// Manage team members.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Erase a person at their request (what Sherpa holds that names them).
    #[command(subcommand)]
    Erase(commands::erase::EraseCommand),
    /// Manage API and ingest tokens.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// Write a consistent snapshot of the database (SQLite) to FILE.
    Backup(commands::backup::Args),
    /// Replace the database by a backup FILE (stop the server first).
    Restore(commands::backup::Args),
    /// Health scores: re-score every account.
    #[command(subcommand)]
    Health(commands::health::HealthCommand),
}

/// The use cases over the database named on the command line.
pub async fn app(db: &str) -> anyhow::Result<sherpa_app::App> {
    Ok(sherpa_app::App::new(open(db).await?))
}

/// Opens and migrates the database named on the command line.
pub async fn open(db: &str) -> anyhow::Result<Store> {
    let clock: Arc<dyn sherpa_core::Clock> = match DAYS_AHEAD.get().copied().unwrap_or(0) {
        0 => Arc::new(SystemClock),
        days => Arc::new(AheadClock(chrono::Duration::days(days.into()))),
    };
    Store::open(db, clock)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

fn main() -> std::process::ExitCode {
    sherpa_server::outreach::install_tls();
    let cli = Cli::parse();
    start_log(cli.log_format);
    let _ = DAYS_AHEAD.set(cli.days_ahead);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(a) => commands::serve::run(&cli.db, a).await,
            Command::Demo(a) => commands::demo::run(&cli.db, a).await,
            Command::Migrate => commands::migrate::run(&cli.db).await,
            Command::Import(a) => commands::import::run(&cli.db, a).await,
            Command::Export(a) => commands::export::run(&cli.db, a).await,
            Command::Report(a) => commands::report::run(&cli.db, a).await,
            Command::Field(c) => commands::field::run(&cli.db, c).await,
            Command::Rate(c) => commands::rate::run(&cli.db, c).await,
            Command::Config(c) => commands::config::run(&cli.db, c).await,
            Command::User(c) => commands::user::run(&cli.db, c).await,
            Command::Erase(c) => commands::erase::run(&cli.db, c).await,
            Command::Token(c) => commands::token::run(&cli.db, c).await,
            Command::Backup(a) => commands::backup::backup(&cli.db, a).await,
            Command::Restore(a) => commands::backup::restore(&cli.db, a).await,
            Command::Health(c) => commands::health::run(&cli.db, c).await,
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
        super::Cli::command().debug_assert();
    }

    /// What `--help` leaves unexplained: commands without a line and arguments without help.
    fn undescribed(c: &clap::Command, path: &str, out: &mut Vec<String>) {
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            if a.get_help().is_none() && id != "help" && id != "version" {
                out.push(format!("{path} {id}"));
            }
        }
        for s in c.get_subcommands().filter(|s| s.get_name() != "help") {
            let here = format!("{path} {}", s.get_name());
            if s.get_about().is_none() {
                out.push(here.clone());
            }
            undescribed(s, &here, out);
        }
    }

    #[test]
    fn every_command_and_option_says_what_it_is() {
        use clap::CommandFactory;
        let mut missing = Vec::new();
        undescribed(&super::Cli::command(), "sherpa", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }
}
