//! `sherpa import KIND FILE [--mapping FILE] [--dry-run]`: all or nothing; every bad row is
//! listed with its line, column and what was expected, and the exit code is non-zero.

use sherpa_app::{Caller, ImportSheet};
use sherpa_core::import::*;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// accounts, contacts, contracts, users, activities, tickets, surveys, objective-values
    /// (figures the customer reported for their success plan objectives) or events.
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
    /// Accounts, contacts and contract terms: list every record Sherpa holds that the file
    /// does not have (the report names the first 10). Nothing is ever deleted by an import.
    #[arg(long)]
    pub list_missing: bool,
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

/// A file read through a progress bar: each read moves it by the bytes read.
struct Counted {
    file: std::fs::File,
    bar: indicatif::ProgressBar,
}

impl std::io::Read for Counted {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(out)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Event history (newline-delimited Segment JSON or CSV), streamed: every line checked first;
/// if any is wrong nothing is stored. A re-run adds nothing twice (messages are deduplicated on
/// their id). Progress is the share of the file read, checking and then storing.
async fn import_events(db: &str, args: &Args) -> anyhow::Result<()> {
    let path = args.file.clone();
    let size = std::fs::metadata(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?
        .len();
    let bar = super::progress(size, "checking");
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    let passes = std::sync::atomic::AtomicUsize::new(0);
    let reading = bar.clone();
    let open = move || {
        let pass = passes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        reading.set_position(0);
        reading.set_message(if pass == 0 { "checking" } else { "storing" });
        Ok(Counted {
            file: std::fs::File::open(&path)?,
            bar: reading.clone(),
        })
    };
    let app = crate::app(db).await?;
    let started = std::time::Instant::now();
    let result = app
        .import_events(&Caller::operator(), open, args.dry_run)
        .await;
    bar.finish_and_clear();
    let done = match result {
        Ok(done) => done,
        Err(sherpa_app::Error::Rows(errors)) => return Err(report_rows(&errors)),
        Err(e) => return Err(e.into()),
    };
    if args.dry_run {
        println!("{} events are valid (nothing was written)", done.messages);
        return Ok(());
    }
    let seconds = started.elapsed().as_secs_f64().max(1e-3);
    println!(
        "{} events: {} stored, {} already there, {} without an account yet ({} attached since); \
         usage rolled up and health worked out again for {}; {:.0} events/s",
        done.messages,
        done.stored.accepted,
        done.stored.duplicates,
        done.stored.unmapped,
        done.attached,
        match done.scored {
            1 => "1 account".to_string(),
            n => format!("{n} accounts"),
        },
        done.messages as f64 / seconds
    );
    Ok(())
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    if args.kind == "events" {
        return import_events(db, &args).await;
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
    let bar = super::progress(rows as u64, "checking");
    // Checking the whole file comes before the first row is saved: the estimate starts from
    // the first saved row, or it would count the checking time against every row still to go.
    let saving = std::sync::atomic::AtomicBool::new(false);
    let tick = |n: usize| {
        if n > 0 && !saving.swap(true, std::sync::atomic::Ordering::Relaxed) {
            bar.set_message("importing");
            bar.reset_eta();
        }
        bar.set_position(n as u64);
    };
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
            for w in [
                s.left_out_words(kind),
                s.assumed_annual_words(),
                s.footer_words(),
                s.unknown_owners_words(),
            ]
            .into_iter()
            .flatten()
            {
                println!("{w}");
            }
            if let Some(w) = s.not_in_file_words(kind) {
                println!("{w}");
                let shown = if args.list_missing { usize::MAX } else { 10 };
                for h in s.not_in_file.iter().take(shown) {
                    match &h.external_id {
                        Some(x) => println!("  {} (external id {x}, Sherpa id {})", h.name, h.id),
                        None => println!("  {} (Sherpa id {})", h.name, h.id),
                    }
                }
                if s.not_in_file.len() > shown {
                    println!(
                        "  ... and {} more (--list-missing lists them all)",
                        s.not_in_file.len() - shown
                    );
                }
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
