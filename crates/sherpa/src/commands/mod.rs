//! One file per subcommand.

pub mod backup;
pub mod config;
pub mod demo;
pub mod erase;
pub mod export;
pub mod export_history;
pub mod field;
pub mod health;
pub mod import;
pub mod migrate;
pub mod rate;
pub mod report;
pub mod serve;
pub mod token;
pub mod user;

/// A progress bar on stderr for long work.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Writes a table as `format` (csv, json, xlsx, or table: aligned text) to `output` or
/// standard output; `kind` names the sheet and the rows in the message.
pub fn write_table(
    table: &sherpa_core::export::Table,
    format: &str,
    kind: &str,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let bytes = match format {
        "csv" => table.to_csv(),
        "json" => serde_json::to_vec_pretty(&table.to_json())?,
        "xlsx" => table.to_xlsx(kind).map_err(|e| anyhow::anyhow!(e))?,
        "table" => table.to_text().into_bytes(),
        other => anyhow::bail!("\"{other}\" is not a format; expected table, csv, json or xlsx"),
    };
    write_bytes(&bytes, table.rows.len(), kind, output)
}

/// Writes a report's bytes (a table's, or a spreadsheet of its own making) to `output` or
/// standard output.
pub fn write_bytes(
    bytes: &[u8],
    rows: usize,
    kind: &str,
    output: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use std::io::Write;
    match output {
        Some(p) => {
            std::fs::write(p, bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
            eprintln!("{rows} {kind} rows written to {}", p.display());
        }
        None => std::io::stdout().write_all(bytes)?,
    }
    Ok(())
}
