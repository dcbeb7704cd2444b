//! `sherpa serve`: the HTTP server with graceful shutdown.

use std::net::SocketAddr;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SHERPA_BIND")]
    pub bind: SocketAddr,
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    println!(
        "Sherpa on {} ({}), listening on http://{}",
        store.display_url(),
        store.engine().name(),
        args.bind
    );
    sherpa_server::serve(store, args.bind).await
}
