//! `sherpa backup FILE` and `sherpa restore FILE`.

use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The snapshot file (written by backup, read by restore).
    pub file: PathBuf,
}

pub async fn backup(db: &str, args: Args) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    let bytes = store.backup(&args.file).await?;
    println!(
        "backed up {} to {} ({} bytes)",
        store.display_url(),
        args.file.display(),
        bytes
    );
    Ok(())
}

pub async fn restore(db: &str, args: Args) -> anyhow::Result<()> {
    sherpa_store::restore_sqlite(db, &args.file).await?;
    println!("restored {} from {}", db, args.file.display());
    Ok(())
}
