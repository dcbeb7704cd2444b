//! `sherpa serve`: the HTTP server with graceful shutdown.

use std::net::SocketAddr;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SHERPA_BIND")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub outreach: Outreach,
}

/// Where automated emails and webhooks go (low-touch automation).
#[derive(clap::Args, Clone)]
pub struct Outreach {
    /// Mail server for automated emails: smtp://host:25, smtp://user@host:587?tls=required,
    /// smtps://user@host:465. Its password comes from SHERPA_SMTP_PASSWORD. Without one,
    /// emails wait in the outbox; webhooks still go.
    #[arg(long, env = "SHERPA_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of automated emails.
    #[arg(
        long,
        env = "SHERPA_MAIL_FROM",
        default_value = "Sherpa <sherpa@localhost>"
    )]
    pub mail_from: String,
    /// The address customers reach this server at, for unsubscribe links (default: the bind
    /// address).
    #[arg(long, env = "SHERPA_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl Outreach {
    pub fn settings(&self, bind: SocketAddr) -> sherpa_server::outreach::Settings {
        sherpa_server::outreach::Settings {
            smtp_url: self.smtp_url.clone(),
            smtp_password: std::env::var("SHERPA_SMTP_PASSWORD").ok(),
            mail_from: self.mail_from.clone(),
            public_url: self
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{bind}")),
        }
    }
}

pub async fn run(db: &str, args: Args) -> anyhow::Result<()> {
    let store = crate::open(db).await?;
    println!(
        "Sherpa on {} ({}), listening on http://{}",
        store.display_url(),
        store.engine().name(),
        args.bind
    );
    sherpa_server::serve(store, args.bind, args.outreach.settings(args.bind)).await
}
