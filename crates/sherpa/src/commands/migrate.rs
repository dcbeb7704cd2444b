//! `sherpa migrate`: apply the embedded migrations of the database's engine.

pub async fn run(db: &str) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    println!(
        "{} database at {} is up to date",
        store.engine().name(),
        store.display_url()
    );
    Ok(())
}
