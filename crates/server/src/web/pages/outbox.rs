//! Low-touch automation on the Models page (admins and leaders): the outbox of automated
//! emails and webhook posts with their status, attempts and errors, a retry for a failed one,
//! and the dry-run preview of a moment's action ("who would receive what") before it is
//! switched on.

use crate::AppState;
use crate::outreach::Preview;
use crate::web::session::Signed;
use crate::web::{Failure, Nav, PageResult, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::PreviewMoment;
use sherpa_core::engagement::{Channel, Moment, SendStatus, role_words};
use sherpa_store::{OutboxCounts, SendQuery};

/// Sends the page lists.
const RECENT: i64 = 25;

pub struct SendLine {
    pub id: i64,
    pub account_id: String,
    pub account: String,
    pub moment: String,
    pub channel: String,
    /// The contact's name (or the webhook's host) and, for an email, the address.
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    /// In words: "sent", "dry run".
    pub status: String,
    pub attempts: i64,
    pub error: String,
    pub when: String,
    pub retry: bool,
}

pub struct OutboxView {
    pub counts: OutboxCounts,
    /// Whether this server has a mail server to send through.
    pub mail_server: bool,
    pub sends: Vec<SendLine>,
}

/// A moment's action in words for the models table: "task + email to champion, admin (dry
/// run)".
pub fn action_words(m: &Moment) -> String {
    let automation = automation_words(m);
    match (m.task, automation.is_empty()) {
        (true, true) => "task".into(),
        (true, false) => format!("task + {automation}"),
        (false, _) => automation,
    }
}

/// A moment's email and webhook in words: "email to champion, admin (dry run)".
pub fn automation_words(m: &Moment) -> String {
    let on = |live: bool| if live { "live" } else { "dry run" };
    let mut parts = Vec::new();
    if let Some(e) = &m.email {
        parts.push(format!(
            "email to {} ({})",
            role_words(&e.to, ", "),
            on(e.live)
        ));
    }
    if let Some(w) = &m.webhook {
        parts.push(format!(
            "{} to {} ({})",
            if w.slack { "Slack post" } else { "webhook" },
            w.destination(),
            on(w.live)
        ));
    }
    parts.join(" + ")
}

/// The link to a moment's preview, when it has an action to preview.
pub fn preview_link(model: &str, m: &Moment) -> Option<String> {
    (m.email.is_some() || m.webhook.is_some()).then(|| {
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("model", model)
            .append_pair("moment", &m.key)
            .finish();
        format!("/admin/engagement/preview?{q}")
    })
}

pub async fn outbox_view(s: &AppState) -> Result<OutboxView, Failure> {
    let sends = s
        .store
        .sends(&SendQuery {
            limit: RECENT,
            ..Default::default()
        })
        .await?;
    Ok(OutboxView {
        counts: s.store.outbox_counts().await?,
        mail_server: s.outreach.smtp_url.is_some(),
        sends: sends
            .into_iter()
            .map(|x| SendLine {
                id: x.id,
                account_id: x.account_id.to_string(),
                account: x.account_name,
                moment: x.moment,
                channel: x.channel.to_string(),
                to_name: x.recipient_name,
                to_address: match x.channel {
                    Channel::Email => x.recipient,
                    Channel::Webhook => String::new(),
                },
                subject: x.subject,
                status: x.status.as_str().replace('_', " "),
                attempts: x.attempts,
                error: x.last_error.unwrap_or_default(),
                when: x
                    .sent_at
                    .unwrap_or(x.created_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                retry: x.status == SendStatus::Failed && x.attempts > 0,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "models_preview.html")]
struct PreviewPage {
    nav: Nav,
    preview: Preview,
    mail_server: bool,
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    model: String,
    moment: String,
}

/// Who would receive what if the moment came now, for up to 50 of the model's accounts.
pub async fn preview(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<PreviewQuery>,
) -> PageResult {
    let cmd = PreviewMoment {
        model: q.model,
        moment: q.moment,
        config: None,
        limit: 50,
    };
    let preview = Preview::shown(s.app.preview_moment(&c.caller(), cmd).await?, &s.outreach);
    Ok(render(&PreviewPage {
        nav: Nav::new(&c, "models"),
        preview,
        mail_server: s.outreach.smtp_url.is_some(),
    })
    .into_response())
}

/// Sends a failed send again.
pub async fn retry(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<i64>,
) -> PageResult {
    s.app.retry_send(&c.caller(), id).await?;
    Ok(Redirect::to("/admin/engagement#outbox").into_response())
}
