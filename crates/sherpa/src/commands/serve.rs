//! `sherpa serve`: the HTTP server with graceful shutdown.

use std::net::SocketAddr;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SHERPA_BIND")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub outreach: Outreach,
    #[command(flatten)]
    pub proxies: Proxies,
}

/// The reverse proxies in front of Sherpa.
#[derive(clap::Args, Clone)]
pub struct Proxies {
    /// A proxy (address or CIDR, repeatable or comma-separated) whose X-Forwarded-For,
    /// X-Forwarded-Proto and Forwarded headers are believed: the client's address for the
    /// sign-in throttle, and HTTPS for the Secure cookie and HSTS. From any other peer those
    /// headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SHERPA_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxy: Vec<String>,
}

impl Proxies {
    pub fn trusted(&self) -> anyhow::Result<sherpa_server::forwarded::TrustedProxies> {
        sherpa_server::forwarded::TrustedProxies::parse(&self.trusted_proxy)
            .map_err(|e| anyhow::anyhow!(e))
    }
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
    // A mistyped proxy is refused before anything is opened.
    let trusted = args.proxies.trusted()?;
    let store = crate::open(db).await?;
    println!(
        "Sherpa on {} ({}), listening on http://{}",
        store.display_url(),
        store.engine().name(),
        args.bind
    );
    sherpa_server::serve(store, args.bind, args.outreach.settings(args.bind), trusted).await
}
