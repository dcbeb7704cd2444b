//! `sherpa config export|import`: the configuration as a TOML file for version control.

use sherpa_app::{App, Caller};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum ConfigCommand {
    /// Write the configuration in force as TOML (to standard output without -o).
    Export {
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Load the configuration from a TOML file; sections left out keep their values. A bad file changes
    /// nothing and names its bad key.
    Import {
        /// The TOML file, as `config export` writes it.
        file: PathBuf,
        /// Check the file and say what would change, without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(db: &str, cmd: ConfigCommand) -> anyhow::Result<()> {
    let app = App::new(crate::open(db).await?);
    match cmd {
        ConfigCommand::Export { output } => {
            let text = app.export_config().await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, text)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    eprintln!("configuration written to {}", path.display());
                }
                None => print!("{text}"),
            }
        }
        ConfigCommand::Import { file, dry_run } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let outcome = app
                .import_config(&Caller::operator(), &text, dry_run)
                .await
                .map_err(|e| {
                    let why = match e {
                        sherpa_app::Error::Invalid { message, .. } => message,
                        e => e.to_string(),
                    };
                    anyhow::anyhow!("{}: {why}; nothing was changed", file.display())
                })?;
            let sections = if outcome.changed.is_empty() {
                "nothing".to_string()
            } else {
                outcome.changed.join(", ")
            };
            if dry_run {
                println!(
                    "{} is valid; importing it would change {sections}",
                    file.display()
                );
            } else if outcome.applied {
                println!("imported {}: changed {sections}", file.display());
            } else {
                println!(
                    "{} matches the rules in force: nothing changed",
                    file.display()
                );
            }
        }
    }
    Ok(())
}
