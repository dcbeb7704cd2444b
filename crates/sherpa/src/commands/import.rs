//! `sherpa import KIND FILE [--mapping FILE] [--dry-run]`: all or nothing; every bad row is
//! listed with its line, column and what was expected, and the exit code is non-zero.

use sherpa_core::Actor;
use sherpa_core::import::*;
use sherpa_store::StoreError;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// accounts, contacts, contracts, users or activities.
    pub kind: String,
    /// A CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX file.
    pub file: PathBuf,
    /// A TOML file mapping the file's headers to Sherpa's fields.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check everything and report, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
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

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
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
    let rows = read_sheet(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?
        .rows
        .len();
    let store = crate::open(db).await?;
    let bar = super::progress(rows as u64, "importing");
    let tick = |n: usize| bar.set_position(n as u64);
    let result = store
        .import_file(
            &Actor::system("import"),
            kind,
            &bytes,
            &mapping,
            args.dry_run,
            &tick,
        )
        .await;
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            let verb = if args.dry_run { "would be" } else { "were" };
            println!(
                "{rows} rows: {} created, {} updated, {} unchanged, {} rejected ({verb} written)",
                s.created, s.updated, s.unchanged, s.rejected
            );
            if !s.ignored_columns.is_empty() {
                println!("ignored columns: {}", s.ignored_columns.join(", "));
            }
            Ok(())
        }
        Err(StoreError::Rows(errors)) => {
            bar.abandon();
            Err(report_rows(&errors))
        }
        Err(StoreError::Invalid { message, .. }) => {
            bar.abandon();
            Err(anyhow::anyhow!("{}: {message}", args.file.display()))
        }
        Err(e) => Err(e.into()),
    }
}
