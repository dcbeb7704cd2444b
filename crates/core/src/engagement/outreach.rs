//! Low-touch automation (seed 000's Tier 3 "automated touches", seed 002's automation for the
//! long tail): a moment's email to the contacts holding given relationship roles, and its
//! webhook post (plain JSON or a Slack-compatible body). Templates are filled from the
//! account, the contact, the account's metrics and the moment; an action stays a dry run,
//! recorded but not delivered, until CS ops switches it on after the preview.

use crate::book::{RelationshipRole, vocabulary};
use crate::health::METRICS;
use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

vocabulary!(
    /// Where a send stands: pending (a first try or a retry due), sending (claimed), sent,
    /// failed (given up), a dry run (the action is not switched on), skipped (unsubscribed,
    /// no address, no contact in the role).
    SendStatus, "send status" {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        DryRun => "dry_run",
        Skipped => "skipped",
    }
);

vocabulary!(
    Channel, "channel" {
        Email => "email",
        Webhook => "webhook",
    }
);

/// An email from a template to the account's contacts holding any of `to`'s roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailAction {
    pub to: Vec<RelationshipRole>,
    /// A template: `{{ account.name }}`, `{{ contact.first_name }}`, `{{ metrics.seat_utilisation }}`.
    pub subject: String,
    pub body: String,
    /// Off, each send is recorded as a dry run and nothing is delivered.
    #[serde(default)]
    pub live: bool,
}

/// A JSON post about the moment to a URL (a chat channel, an automation tool).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookAction {
    /// Where to post. A URL that is itself a secret (Slack's are) belongs in `url_env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The name of an environment variable of `sherpa serve` that holds the URL: the secret
    /// then stays out of the configuration, the database and every page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// The name of an environment variable of `sherpa serve` that holds this webhook's signing
    /// secret: each post then carries `Sherpa-Signature` (see [`signature`]) so that the
    /// receiver can tell it came from this Sherpa, unchanged and recently.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// Post Slack's incoming-webhook body (`{"text": ...}`) rather than Sherpa's JSON.
    #[serde(default)]
    pub slack: bool,
    /// A template for the message's text; the moment's title, account and reason by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default)]
    pub live: bool,
}

/// How a send record names a URL kept in the environment: the sender resolves it.
pub const ENV_TARGET: &str = "env:";

/// What a template can say about the account.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeAccount {
    pub id: i64,
    pub name: String,
    pub external_id: Option<String>,
    pub tier: Option<i64>,
    pub segment: Option<String>,
    /// In the book's currency, as the decimal it is kept as.
    pub arr: Option<String>,
    pub renewal_date: Option<String>,
    /// Days since the first contract started.
    pub customer_day: Option<i64>,
    pub health_score: Option<f64>,
    pub health_colour: Option<String>,
    pub csm_name: Option<String>,
    pub csm_email: Option<String>,
}

/// The contact a letter is addressed to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeContact {
    pub id: i64,
    pub name: String,
    pub first_name: String,
    pub email: String,
    pub title: Option<String>,
    pub roles: Vec<String>,
}

/// The moment a send comes from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MergeMoment {
    pub model: String,
    pub key: String,
    pub title: String,
    pub objective: String,
    /// The rule in words and the values that fired it.
    pub rule: String,
    pub why: String,
}

impl MergeMoment {
    pub fn of(model: &str, m: &super::Moment, rule: &str, why: &str) -> MergeMoment {
        MergeMoment {
            model: model.into(),
            key: m.key.clone(),
            title: m.title.clone(),
            objective: m.objective.clone(),
            rule: rule.into(),
            why: why.into(),
        }
    }
}

/// Everything a template is filled from.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Merge {
    pub account: MergeAccount,
    pub contact: Option<MergeContact>,
    /// The account's health metrics by catalogue key.
    pub metrics: BTreeMap<String, f64>,
    pub moment: MergeMoment,
    /// Where the contact stops these emails.
    pub unsubscribe_url: String,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Letter {
    pub subject: String,
    pub body: String,
}

/// Fills `template` from `merge`; a field the data lacks is an error that names it, never a
/// blank in a customer's inbox.
pub fn render(template: &str, merge: &Merge) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.render_str(template, merge).map_err(describe)
}

fn describe(e: minijinja::Error) -> String {
    let mut s = e.to_string();
    if let Some(d) = e.detail()
        && !s.contains(d)
    {
        s = format!("{s}: {d}");
    }
    s
}

impl EmailAction {
    pub fn letter(&self, merge: &Merge) -> Result<Letter, String> {
        Ok(Letter {
            subject: render(&self.subject, merge)
                .map_err(|e| format!("subject: {e}"))?
                .trim()
                .replace(['\r', '\n'], " "),
            body: render(&self.body, merge).map_err(|e| format!("body: {e}"))?,
        })
    }

    pub(super) fn check(&self) -> Result<(), String> {
        if self.to.is_empty() {
            return Err("to: name the relationship roles to write to".into());
        }
        if self.subject.trim().is_empty() {
            return Err("subject: an email needs a subject".into());
        }
        self.letter(&Merge::sample()).map(|_| ())
    }
}

impl WebhookAction {
    /// The body to post: Slack's `{"text"}`, or Sherpa's JSON with the same text in it.
    pub fn body(&self, merge: &Merge) -> Result<serde_json::Value, String> {
        let text = match &self.text {
            Some(t) => render(t, merge).map_err(|e| format!("text: {e}"))?,
            None => format!(
                "{}: {} ({}). {}",
                merge.moment.title, merge.account.name, merge.moment.rule, merge.moment.why
            ),
        };
        if self.slack {
            return Ok(serde_json::json!({ "text": text }));
        }
        Ok(serde_json::json!({
            "type": "engagement.moment",
            "text": text,
            "account": merge.account,
            "moment": merge.moment,
            "metrics": merge.metrics,
        }))
    }

    /// What a send record keeps: the URL, or `env:NAME` for one the sender looks up.
    pub fn target(&self) -> String {
        match (&self.url, &self.url_env) {
            (Some(url), _) => url.clone(),
            (None, Some(name)) => format!("{ENV_TARGET}{name}"),
            (None, None) => String::new(),
        }
    }

    /// Where a post goes, for pages and the timeline: the URL without its path (webhook paths
    /// carry secrets, Slack's do), or the environment variable's name.
    pub fn destination(&self) -> String {
        destination(&self.target())
    }

    pub(super) fn check(&self) -> Result<(), String> {
        match (&self.url, &self.url_env) {
            (Some(url), None) => {
                let ok = ["http://", "https://"]
                    .iter()
                    .any(|p| url.starts_with(p) && url.len() > p.len());
                if !ok {
                    return Err("url: an http:// or https:// address".into());
                }
            }
            (None, Some(name)) => env_name("url_env", name)?,
            _ => return Err("url: give url or url_env, one of them".into()),
        }
        if let Some(name) = &self.secret_env {
            env_name("secret_env", name)?;
        }
        self.body(&Merge::sample()).map(|_| ())
    }
}

fn env_name(key: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key}: {name:?} is not an environment variable's name (A-Z, 0-9, _)"
        ))
    }
}

/// The header a signed post carries.
pub const SIGNATURE_HEADER: &str = "Sherpa-Signature";

/// The `Sherpa-Signature` of a post: `t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC keyed
/// by the webhook's secret over `"<t>.<body>"`. A receiver recomputes it over the raw body,
/// compares in constant time and refuses a `t` more than five minutes from its own clock, so
/// that a captured post cannot be replayed later.
pub fn signature(secret: &[u8], timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// `https://hooks.example.com/services/T0/B0/secret` → `https://hooks.example.com`;
/// `env:SLACK_URL` → `$SLACK_URL`.
pub fn destination(url: &str) -> String {
    if let Some(name) = url.strip_prefix(ENV_TARGET) {
        return format!("${name}");
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in the authority are secrets too.
    let host = host.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

impl Channel {
    /// Where a send goes as pages and the API show it: the address of an email; for a webhook,
    /// its destination (`recipient_name`), never the URL, whose path may be a secret.
    pub fn shown_recipient<'a>(&self, recipient: &'a str, recipient_name: &'a str) -> &'a str {
        match self {
            Channel::Email => recipient,
            Channel::Webhook => recipient_name,
        }
    }

    /// The addressee in words for the timeline: "Jane Doe <jane@acme.test>", or the webhook's
    /// destination.
    pub fn addressee(&self, recipient: &str, recipient_name: &str) -> String {
        match self {
            Channel::Email if !recipient_name.is_empty() => {
                format!("{recipient_name} <{recipient}>")
            }
            _ => self.shown_recipient(recipient, recipient_name).to_string(),
        }
    }
}

/// A contact's first name, for "Hi {{ contact.first_name }}".
pub fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_string()
}

impl Merge {
    /// Every field present: what a template is checked against when the configuration is
    /// saved, so that a misspelt field is refused then rather than at the first send.
    pub fn sample() -> Merge {
        Merge {
            account: MergeAccount {
                id: 1,
                name: "Acme".into(),
                external_id: Some("ACME".into()),
                tier: Some(3),
                segment: Some("long tail".into()),
                arr: Some("12000.00".into()),
                renewal_date: Some("2027-06-30".into()),
                customer_day: Some(30),
                health_score: Some(72.0),
                health_colour: Some("green".into()),
                csm_name: Some("Casey Morgan".into()),
                csm_email: Some("casey@example.com".into()),
            },
            contact: Some(MergeContact {
                id: 1,
                name: "Jane Doe".into(),
                first_name: "Jane".into(),
                email: "jane@example.com".into(),
                title: Some("Head of Operations".into()),
                roles: vec!["champion".into()],
            }),
            metrics: METRICS.iter().map(|m| (m.key.to_string(), 1.0)).collect(),
            moment: MergeMoment {
                model: "Tier 3: automated".into(),
                key: "day_30".into(),
                title: "Thirty days in".into(),
                objective: "Adoption".into(),
                rule: "day 30 as a customer".into(),
                why: "day 30".into(),
            },
            unsubscribe_url: "https://sherpa.example.com/unsubscribe?t=x".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(subject: &str, body: &str) -> EmailAction {
        EmailAction {
            to: vec![RelationshipRole::Champion],
            subject: subject.into(),
            body: body.into(),
            live: false,
        }
    }

    #[test]
    fn a_letter_is_filled_from_the_account_contact_and_metrics() {
        let mut m = Merge::sample();
        m.metrics.insert("active_users_30d".into(), 14.0);
        let l = email(
            "{{ account.name }}: your first {{ account.customer_day }} days",
            "Hi {{ contact.first_name }}, {{ metrics.active_users_30d }} of your people used it.",
        )
        .letter(&m)
        .unwrap();
        assert_eq!(l.subject, "Acme: your first 30 days");
        assert_eq!(l.body, "Hi Jane, 14.0 of your people used it.");
    }

    #[test]
    fn a_misspelt_field_is_refused_with_its_name() {
        let e = email("Hi", "{{ contact.frist_name }}").check().unwrap_err();
        assert!(e.starts_with("body:"), "{e}");
        assert!(e.contains("undefined"), "{e}");
        let e = email("{{ account.name", "x").check().unwrap_err();
        assert!(e.starts_with("subject:"), "{e}");
    }

    #[test]
    fn a_metric_the_account_lacks_fails_the_letter_rather_than_leaving_a_blank() {
        let mut m = Merge::sample();
        m.metrics.clear();
        let e = email("x", "{{ metrics.seat_utilisation }}")
            .letter(&m)
            .unwrap_err();
        assert!(e.contains("undefined"), "{e}");
    }

    #[test]
    fn a_subject_stays_on_one_line() {
        let mut m = Merge::sample();
        m.account.name = "Acme\r\nBcc: all@example.com".into();
        let l = email("{{ account.name }}", "x").letter(&m).unwrap();
        assert!(!l.subject.contains('\n') && !l.subject.contains('\r'));
    }

    #[test]
    fn slack_gets_its_text_body_and_others_the_full_json() {
        let hook = |slack| WebhookAction {
            url: Some("https://hooks.example.com/services/T0/B0/secret".into()),
            url_env: None,
            secret_env: None,
            slack,
            text: None,
            live: true,
        };
        let m = Merge::sample();
        let slack = hook(true).body(&m).unwrap();
        assert_eq!(
            slack.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["text"]
        );
        assert!(slack["text"].as_str().unwrap().contains("Acme"));
        let full = hook(false).body(&m).unwrap();
        assert_eq!(full["account"]["name"], "Acme");
        assert_eq!(full["moment"]["key"], "day_30");
        assert_eq!(hook(true).destination(), "https://hooks.example.com");
        assert_eq!(destination("http://u:p@h:8080/x?y"), "http://h:8080");
        let env = WebhookAction {
            url: None,
            url_env: Some("SLACK_CS_CHANNEL".into()),
            ..hook(true)
        };
        env.check().unwrap();
        assert_eq!(env.target(), "env:SLACK_CS_CHANNEL");
        assert_eq!(env.destination(), "$SLACK_CS_CHANNEL");
        let both = WebhookAction {
            url: Some("https://x".into()),
            ..env.clone()
        };
        assert!(
            both.check()
                .unwrap_err()
                .starts_with("url: give url or url_env")
        );
        let bad = WebhookAction {
            url_env: Some("slack url".into()),
            ..env
        };
        assert!(bad.check().unwrap_err().starts_with("url_env:"));
        let unsigned = WebhookAction {
            secret_env: Some("hook secret".into()),
            ..hook(true)
        };
        assert!(unsigned.check().unwrap_err().starts_with("secret_env:"));
    }

    #[test]
    fn a_signature_is_the_hmac_of_the_timestamp_and_the_body() {
        // The same as Python's hmac.new(b"whsec", b"1767225600.{\"text\":\"hi\"}", "sha256").
        assert_eq!(
            signature(b"whsec", 1_767_225_600, r#"{"text":"hi"}"#),
            "t=1767225600,v1=fc9307a3ed0485af8ad8e5b21967fa949931396bec49bda65fd638c0301637c4"
        );
        assert_ne!(
            signature(b"whsec", 1_767_225_601, r#"{"text":"hi"}"#),
            signature(b"whsec", 1_767_225_600, r#"{"text":"hi"}"#),
            "the timestamp is signed"
        );
    }
}
