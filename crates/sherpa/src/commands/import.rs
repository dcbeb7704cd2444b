//! `sherpa import KIND FILE [--mapping FILE] [--dry-run]`: all or nothing; every bad row is
//! listed with its line, column and what was expected, and the exit code is non-zero.

use sherpa_app::{Caller, ImportSheet};
use sherpa_core::import::*;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// accounts, contacts, contracts, users, activities, tickets, surveys or events.
    pub kind: String,
    /// A CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX file.
    pub file: PathBuf,
    /// A TOML file mapping the file's headers to Sherpa's fields.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check everything and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Contract terms: leave the outcome of ended terms empty instead of working it out from
    /// the term that followed (renewed, expanded, contracted; churned when none followed).
    #[arg(long)]
    pub no_derive_outcomes: bool,
}

fn report_rows(errors: &[RowError]) -> anyhow::Error {
    for e in errors.iter().take(200) {
        eprintln!("  {e}");
    }
    if errors.len() > 200 {
        eprintln!("  ... and {} more", errors.len() - 200);
    }
    anyhow::anyhow!("{} rows rejected; nothing was imported", errors.len())
}

/// Event history (newline-delimited Segment JSON or CSV): every line checked first; if any is
/// wrong nothing is stored. Stored in slices of 10,000; a re-run adds nothing twice (messages
/// are deduplicated on their id).
async fn import_events(db: &str, args: &Args, bytes: &[u8]) -> anyhow::Result<()> {
    let messages = sherpa_core::intake::read_event_file(bytes, chrono::Utc::now())
        .map_err(|errors| report_rows(&errors))?;
    if args.dry_run {
        println!("{} events are valid (nothing was written)", messages.len());
        return Ok(());
    }
    let store = crate::open(db).await?;
    let bar = super::progress(messages.len() as u64, "events");
    let mut total = sherpa_store::IngestOutcome::default();
    for (i, slice) in messages.chunks(10_000).enumerate() {
        let o = store.ingest(slice.to_vec(), chrono::Utc::now()).await?;
        total.accepted += o.accepted;
        total.duplicates += o.duplicates;
        total.unmapped += o.unmapped;
        bar.set_position(((i + 1) * 10_000).min(messages.len()) as u64);
    }
    bar.finish_and_clear();
    let attached = store.attach_unmapped().await?;
    println!(
        "{} events: {} stored, {} already there, {} without an account yet ({attached} attached since)",
        messages.len(),
        total.accepted,
        total.duplicates,
        total.unmapped
    );
    Ok(())
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    if args.kind == "events" {
        let bytes = std::fs::read(&args.file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
        return import_events(db, &args, &bytes).await;
    }
    let kind: ImportKind = args.kind.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let bytes = std::fs::read(&args.file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let mapping = match &args.mapping {
        Some(p) => Mapping::from_toml(
            &std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        )
        .map_err(|e| anyhow::anyhow!(e))?,
        None => Mapping::default(),
    };
    let mapping = Mapping {
        derive_outcomes: Some(!args.no_derive_outcomes && mapping.derive_outcomes.unwrap_or(true)),
        ..mapping
    };
    let rows = read_sheet(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?
        .rows
        .len();
    let app = crate::app(db).await?;
    let bar = super::progress(rows as u64, "importing");
    let tick = |n: usize| bar.set_position(n as u64);
    let cmd = ImportSheet {
        kind,
        bytes: &bytes,
        mapping: &mapping,
        dry_run: args.dry_run,
    };
    let result = app.import_sheet(&Caller::operator(), cmd, &tick).await;
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            let verb = if args.dry_run { "would be" } else { "were" };
            println!(
                "{rows} rows: {} created, {} updated, {} unchanged, {} rejected ({verb} written)",
                s.created, s.updated, s.unchanged, s.rejected
            );
            if !s.arr_after.is_empty() {
                println!("ARR per account once these terms are in, largest first:");
                for a in s.arr_after.iter().take(20) {
                    println!("  {:<40} {}", a.account, a.arr);
                }
                if s.arr_after.len() > 20 {
                    println!("  ... and {} more accounts", s.arr_after.len() - 20);
                }
            }
            if s.outcomes_derived > 0 {
                println!(
                    "{} ended terms without an outcome {verb} given one from the term that followed (renewed, expanded, contracted, or churned when none followed); --no-derive-outcomes leaves them empty",
                    s.outcomes_derived
                );
            }
            if !s.ignored_columns.is_empty() {
                println!("ignored columns: {}", s.ignored_columns.join(", "));
            }
            Ok(())
        }
        Err(sherpa_app::Error::Rows(errors)) => {
            bar.abandon();
            Err(report_rows(&errors))
        }
        Err(sherpa_app::Error::Invalid { message, .. }) => {
            bar.abandon();
            Err(anyhow::anyhow!("{}: {message}", args.file.display()))
        }
        Err(e) => Err(e.into()),
    }
}
