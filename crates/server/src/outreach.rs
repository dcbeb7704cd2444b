//! The sender of low-touch automation: claims the outbox's due sends, delivers emails over
//! SMTP and webhook posts over HTTP, and records each outcome. Delivery is at-least-once: a
//! send is marked sent after the server accepted it, so a crash between the two sends it again
//! under the same Message-ID, which the receiver (and the record) can tell.

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Serialize;
use sherpa_core::engagement::{Channel, ENV_TARGET, SIGNATURE_HEADER, SendStatus, signature};
use sherpa_store::{PlannedSend, Send, Store, UNSUBSCRIBE_MARK};
use std::time::Duration;
use utoipa::ToSchema;

/// How the outbox reaches the world; from `sherpa serve`'s flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `smtp://host:25`, `smtp://user@host:587?tls=required`, `smtps://host:465`; none holds
    /// emails back (webhooks still go).
    pub smtp_url: Option<String>,
    /// Taken from the environment, never from a flag or a file: it is a secret.
    pub smtp_password: Option<String>,
    pub mail_from: String,
    /// The address customers reach this server at, for unsubscribe links.
    pub public_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            smtp_url: None,
            smtp_password: None,
            mail_from: "Sherpa <sherpa@localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl Settings {
    /// The link that stops automated email to the recipient of `message_id`.
    pub fn unsubscribe_url(&self, message_id: &str) -> String {
        format!(
            "{}/unsubscribe/{message_id}",
            self.public_url.trim_end_matches('/')
        )
    }

    /// A send's body as the recipient reads it.
    pub fn body(&self, send_body: &str, message_id: &str) -> String {
        send_body.replace(UNSUBSCRIBE_MARK, &self.unsubscribe_url(message_id))
    }
}

/// Sends claimed at a time.
const BATCH: i64 = 20;

/// A failed delivery: retried unless `for_good` (a refused address, a 4xx from a webhook).
struct Failure {
    error: String,
    for_good: bool,
}

impl Failure {
    fn retry(error: impl std::fmt::Display) -> Self {
        Failure {
            error: error.to_string(),
            for_good: false,
        }
    }
    fn for_good(error: impl std::fmt::Display) -> Self {
        Failure {
            error: error.to_string(),
            for_good: true,
        }
    }
}

pub struct Sender {
    store: Store,
    settings: Settings,
    mailer: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    http: reqwest::Client,
    name: String,
}

/// RFC 2369's List-Unsubscribe: mail clients show an unsubscribe button for it.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + std::marker::Send + Sync>> {
        Ok(ListUnsubscribe(
            s.trim_matches(|c| c == '<' || c == '>').to_string(),
        ))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// RFC 8058's one-click unsubscribe: mail providers that show the button POST
/// `List-Unsubscribe=One-Click` to the link, which unsubscribes without a page to confirm on.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + std::marker::Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// Makes ring (the TLS crypto sqlx already uses) the process's provider, which every HTTP
/// client needs before it is built: reqwest's own default would add a second crypto library
/// that needs cmake to build. Idempotent.
pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Sender {
    pub fn new(store: Store, settings: Settings) -> anyhow::Result<Self> {
        install_tls();
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("--mail-from {:?}: {e}", settings.mail_from))?;
        let mailer = match &settings.smtp_url {
            Some(url) => {
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
                    .timeout(Some(Duration::from_secs(20)));
                if let Some(p) = &settings.smtp_password {
                    let user = url
                        .split_once("://")
                        .and_then(|(_, rest)| rest.split_once('@'))
                        .map(|(user, _)| user.split(':').next().unwrap_or(user).to_string())
                        .unwrap_or_default();
                    b = b.credentials(lettre::transport::smtp::authentication::Credentials::new(
                        user,
                        p.clone(),
                    ));
                }
                Some(b.build())
            }
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Sherpa/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender {
            store,
            settings,
            mailer,
            from,
            http,
            name: format!("sender-{}-{}", std::process::id(), rand::random::<u32>()),
        })
    }

    pub async fn run(self) {
        loop {
            match self.tick().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    /// Delivers what is due now; answers how many it tried. Tests call this to drain the outbox.
    pub async fn tick(&self) -> anyhow::Result<usize> {
        let channels: &[Channel] = if self.mailer.is_some() {
            &[Channel::Email, Channel::Webhook]
        } else {
            &[Channel::Webhook]
        };
        let due = self.store.claim_sends(&self.name, channels, BATCH).await?;
        for send in &due {
            match self.deliver(send).await {
                Ok(()) => {
                    self.store.send_delivered(send, &self.name).await?;
                }
                Err(f) => {
                    let status = self
                        .store
                        .send_failed(send, &self.name, &f.error, f.for_good)
                        .await?;
                    tracing::warn!(send = send.id, channel = %send.channel, attempts = send.attempts,
                        failed_for_good = (status == SendStatus::Failed), error = %f.error, "send failed");
                }
            }
        }
        Ok(due.len())
    }

    async fn deliver(&self, send: &Send) -> Result<(), Failure> {
        match send.channel {
            Channel::Email => self.email(send).await,
            Channel::Webhook => self.post(send).await,
        }
    }

    async fn email(&self, send: &Send) -> Result<(), Failure> {
        let Some(mailer) = &self.mailer else {
            return Err(Failure::retry("no mail server configured (--smtp-url)"));
        };
        let address = send
            .recipient
            .parse()
            .map_err(|e| Failure::for_good(format!("address {:?}: {e}", send.recipient)))?;
        let to = Mailbox::new(
            Some(send.recipient_name.clone()).filter(|n| !n.is_empty()),
            address,
        );
        let domain = self.from.email.domain().to_string();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&send.subject)
            .message_id(Some(format!("<{}@{domain}>", send.message_id)))
            .header(ListUnsubscribe(
                self.settings.unsubscribe_url(&send.message_id),
            ))
            .header(ListUnsubscribePost)
            .header(ContentType::TEXT_PLAIN)
            .body(self.settings.body(&send.body, &send.message_id))
            .map_err(Failure::for_good)?;
        match mailer.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::for_good(e)),
            Err(e) => Err(Failure::retry(e)),
        }
    }

    async fn post(&self, send: &Send) -> Result<(), Failure> {
        let url = match send.recipient.strip_prefix(ENV_TARGET) {
            // Read at each post: setting the variable and restarting fixes a failed send.
            Some(name) => std::env::var(name).map_err(|_| {
                Failure::retry(format!(
                    "the environment variable {name} that holds the webhook's URL is not set on this server"
                ))
            })?,
            None => send.recipient.clone(),
        };
        let mut post = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("x-sherpa-message-id", &send.message_id);
        if let Some(name) = &send.signing_env {
            // Read at each post, like the URL; signed at the moment of sending, so that the
            // timestamp is the post's own, retries included.
            let secret = std::env::var(name).map_err(|_| {
                Failure::retry(format!(
                    "the environment variable {name} that holds the webhook's signing secret is not set on this server"
                ))
            })?;
            let now = chrono::Utc::now().timestamp();
            post = post.header(
                SIGNATURE_HEADER,
                signature(secret.as_bytes(), now, &send.body),
            );
        }
        let answer = post
            .body(send.body.clone())
            .send()
            .await
            // The error's text names the URL, whose path may be a secret: say only where.
            .map_err(|e| {
                Failure::retry(format!(
                    "post to {} failed: {}",
                    send.recipient_name,
                    e.without_url()
                ))
            })?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let error = format!("{} answered {status}", send.recipient_name);
        // A 4xx will not change by itself, except a timeout or a rate limit.
        if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
            Err(Failure::for_good(error))
        } else {
            Err(Failure::retry(error))
        }
    }
}

// What a preview shows of each planned send, the same on the API and the Models page: the
// recipient as it may be shown (never a webhook's secret path) and the body with its
// unsubscribe link.

#[derive(Serialize, ToSchema)]
pub struct PreviewSend {
    pub channel: String,
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body: String,
    /// would_send (the action is live), dry_run (it is not), skipped or failed.
    pub outcome: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewAccount {
    pub account_id: String,
    pub account_name: String,
    pub sends: Vec<PreviewSend>,
}

#[derive(Serialize, ToSchema)]
pub struct Preview {
    pub model: String,
    pub moment: String,
    pub title: String,
    /// Whether any of its actions is switched on.
    pub live: bool,
    pub accounts: Vec<PreviewAccount>,
}

fn preview_send(p: PlannedSend, settings: &Settings) -> PreviewSend {
    PreviewSend {
        channel: p.channel.as_str().into(),
        recipient: p
            .channel
            .shown_recipient(&p.recipient, &p.recipient_name)
            .into(),
        recipient_name: p.recipient_name,
        subject: p.subject,
        body: settings.body(&p.body, "preview"),
        outcome: match p.status {
            SendStatus::Pending => "would_send".into(),
            other => other.as_str().into(),
        },
        reason: p.error,
    }
}

impl Preview {
    pub fn shown(p: sherpa_app::MomentPreview, settings: &Settings) -> Preview {
        Preview {
            model: p.model,
            moment: p.moment,
            title: p.title,
            live: p.live,
            accounts: p
                .accounts
                .into_iter()
                .map(|(id, name, sends)| PreviewAccount {
                    account_id: id.to_string(),
                    account_name: name,
                    sends: sends
                        .into_iter()
                        .map(|x| preview_send(x, settings))
                        .collect(),
                })
                .collect(),
        }
    }
}
