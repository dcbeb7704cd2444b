//! Low-touch automation (admins and leaders): the outbox of automated emails and webhook posts
//! with their status, attempts and errors (its latest on the Models page, the whole of it on
//! its own page, filtered by status, sorted and paged), a retry for a failed one, and the
//! dry-run preview of a moment's action ("who would receive what") before it is switched on.

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
use sherpa_store::{OutboxCounts, SendColumn, SendOrder, SendQuery};
use std::collections::HashMap;

/// Sends the Models page lists.
const RECENT: i64 = 10;
/// Sends a page of the outbox lists.
const PAGE: usize = 50;

/// The outbox's columns, by which it sorts.
const COLUMNS: [(&str, &str, SendColumn); 7] = [
    ("when", "When", SendColumn::When),
    ("account", "Account", SendColumn::Account),
    ("moment", "Moment and subject", SendColumn::Moment),
    ("to", "To", SendColumn::To),
    ("status", "Status", SendColumn::Status),
    ("tries", "Tries", SendColumn::Attempts),
    ("error", "Last error", SendColumn::Error),
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OutboxQuery {
    /// pending, sent, failed, dry_run or skipped; all when empty.
    status: String,
    /// A column, `-` first for descending; the newest first when empty.
    sort: String,
    /// Sends skipped: where the page starts.
    skip: String,
}

impl OutboxQuery {
    /// A link to the outbox with this filter and order, and `changes` made to them (a page
    /// starts at the first send unless `skip` is among them).
    fn link(&self, changes: &[(&str, &str)]) -> String {
        crate::web::format::link_with(&[("status", &self.status), ("sort", &self.sort)], changes)
    }

    fn order(&self) -> Result<SendOrder, Failure> {
        let names = COLUMNS.map(|c| c.0);
        Ok(
            match crate::web::sorting::column(self.sort.trim(), &names)? {
                None => SendOrder::default(),
                Some((field, descending)) => SendOrder {
                    column: COLUMNS
                        .iter()
                        .find(|c| c.0 == field)
                        .map_or(SendColumn::When, |c| c.2),
                    descending,
                },
            },
        )
    }
}

/// A column's header: its words and, on the outbox's own page, the link that sorts by it.
pub struct Header {
    pub label: &'static str,
    pub href: Option<String>,
    pub aria_sort: &'static str,
}

/// A status the outbox filters by, with its count and link.
pub struct StatusFilter {
    pub words: &'static str,
    pub count: i64,
    pub href: String,
    pub current: bool,
}

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
    pub headers: Vec<Header>,
    /// On the outbox's own page: the statuses to filter by, and the pages beside this one.
    pub statuses: Vec<StatusFilter>,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The sends listed from and to, and how many the filter holds ("51–100 of 340").
    pub showing: String,
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

/// The latest sends, for the Models page.
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
        sends: {
            let titles = moment_titles(s).await?;
            sends.into_iter().map(|x| send_line(x, &titles)).collect()
        },
        headers: COLUMNS
            .iter()
            .map(|c| Header {
                label: c.1,
                href: None,
                aria_sort: "none",
            })
            .collect(),
        statuses: Vec::new(),
        previous: None,
        next: None,
        showing: String::new(),
    })
}

/// Each model's moments by their titles, keyed by model name and moment key: a send names its
/// moment as people wrote it, not by its key.
async fn moment_titles(s: &AppState) -> Result<HashMap<(String, String), String>, Failure> {
    Ok(s.store
        .engagement_config()
        .await?
        .models
        .into_iter()
        .flat_map(|m| {
            m.moments
                .into_iter()
                .map(move |x| ((m.name.clone(), x.key), x.title))
        })
        .collect())
}

fn send_line(x: sherpa_store::Send, titles: &HashMap<(String, String), String>) -> SendLine {
    SendLine {
        id: x.id,
        account_id: x.account_id.to_string(),
        account: x.account_name,
        // A moment since removed from its model is shown by its key.
        moment: titles
            .get(&(x.model.clone(), x.moment.clone()))
            .cloned()
            .unwrap_or(x.moment),
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
    }
}

#[derive(Template)]
#[template(path = "outbox_page.html")]
struct OutboxPage {
    nav: Nav,
    outbox: OutboxView,
}

/// The whole outbox: filtered by status, sorted by any column, a page at a time.
pub async fn list(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<OutboxQuery>,
) -> PageResult {
    let status = match q.status.trim() {
        "" => None,
        st => Some(
            st.parse::<SendStatus>()
                .map_err(|e| Failure::bad(format!("status: {e}")))?,
        ),
    };
    let skip = match q.skip.trim() {
        "" => 0,
        n => n
            .parse::<usize>()
            .map_err(|_| Failure::bad(format!("skip: \"{n}\" is not a count")))?,
    };
    let mut sends = s
        .store
        .sends(&SendQuery {
            status,
            order: q.order()?,
            offset: skip as i64,
            // One more than a page, to know whether another follows.
            limit: PAGE as i64 + 1,
            ..Default::default()
        })
        .await?;
    let more = sends.len() > PAGE;
    sends.truncate(PAGE);
    let counts = s.store.outbox_counts().await?;
    let statuses: Vec<StatusFilter> = [
        (
            "",
            "all",
            counts.pending + counts.sent + counts.failed + counts.dry_run + counts.skipped,
        ),
        ("pending", "pending", counts.pending),
        ("sent", "sent", counts.sent),
        ("failed", "failed", counts.failed),
        ("dry_run", "dry runs", counts.dry_run),
        ("skipped", "skipped", counts.skipped),
    ]
    .into_iter()
    .map(|(value, words, count)| StatusFilter {
        // "1 dry run", "2 dry runs".
        words: if count == 1 {
            words.trim_end_matches('s')
        } else {
            words
        },
        count,
        href: q.link(&[("status", value)]),
        current: q.status.trim() == value,
    })
    .collect();
    let total = statuses
        .iter()
        .find(|f| f.current)
        .map(|f| f.count)
        .unwrap_or_default();
    let showing = match sends.len() {
        0 => String::new(),
        n => format!("{}–{} of {total}", skip + 1, skip + n),
    };
    let headers = COLUMNS
        .iter()
        .map(|c| Header {
            label: c.1,
            href: Some(q.link(&[(
                "sort",
                &crate::web::format::next_sort_newest_first(&q.sort, c.0, "when"),
            )])),
            aria_sort: crate::web::format::aria_sort_newest_first(&q.sort, c.0, "when"),
        })
        .collect();
    let outbox = OutboxView {
        counts,
        mail_server: s.outreach.smtp_url.is_some(),
        sends: {
            let titles = moment_titles(&s).await?;
            sends.into_iter().map(|x| send_line(x, &titles)).collect()
        },
        headers,
        statuses,
        previous: (skip > 0).then(|| q.link(&[("skip", &skip.saturating_sub(PAGE).to_string())])),
        next: more.then(|| q.link(&[("skip", &(skip + PAGE).to_string())])),
        showing,
    };
    Ok(render(&OutboxPage {
        nav: Nav::new(&c, "models"),
        outbox,
    })
    .into_response())
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RetryForm {
    /// "sends" when pressed on the outbox's own page, which it returns to.
    back: String,
}

/// Sends a failed send again, and returns to the page it was pressed on.
pub async fn retry(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<RetryForm>,
) -> PageResult {
    s.app.retry_send(&c.caller(), id).await?;
    let back = if f.back == "sends" {
        "/admin/engagement/sends?status=failed"
    } else {
        "/admin/engagement#outbox"
    };
    Ok(Redirect::to(back).into_response())
}
