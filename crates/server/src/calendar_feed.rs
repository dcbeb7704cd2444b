//! The private calendar feed (ICS, RFC 5545) a person subscribes to from Google, Outlook or
//! Apple calendars: their open tasks with a due date as all-day events (personal touches,
//! gradings, the rest), and one repeating event per tier they hold accounts in, following the
//! tier's cadence.

use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use sherpa_core::prioritise::Cadence;
use sherpa_core::{Task, TaskSource};
use sherpa_core::{TaskStatus, User};
use sherpa_store::{AccountQuery, Store, TaskQuery};

/// One tier's reminder: its cadence and how many of the person's accounts follow it.
pub struct TierReminder {
    pub cadence: Cadence,
    pub accounts: i64,
}

/// The feed as text. `base` is the server's address, for links back to the accounts.
pub fn feed(
    owner: &str,
    tasks: &[Task],
    reminders: &[TierReminder],
    base: &str,
    now: DateTime<Utc>,
) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("Sherpa: {owner}"));
    cal.description("Personal-touch reminders by tier cadence and open Sherpa tasks");
    for t in tasks {
        let Some(due) = t.fields.due_on else { continue };
        let kind = match t.fields.source {
            TaskSource::Cadence => "personal touch",
            TaskSource::Grading => "grading",
            _ => "task",
        };
        cal.push(
            Event::new()
                .uid(&format!("task-{}@sherpa", t.id))
                .timestamp(now)
                .summary(&t.fields.title)
                .description(&format!(
                    "{} ({kind}, {} priority)",
                    t.fields.reason, t.fields.priority
                ))
                .url(&format!("{base}/accounts/{}", t.fields.account_id))
                .starts(due)
                .ends(day_after(due))
                .done(),
        );
    }
    for r in reminders.iter().filter(|r| r.accounts > 0) {
        let Some(period) = r.cadence.period_at(now) else {
            continue;
        };
        let first = r.cadence.local_day(period.start);
        cal.push(
            Event::new()
                .uid(&format!("cadence-{}@sherpa", r.cadence.tier.get()))
                .timestamp(now)
                .summary(&format!(
                    "{} personal touches: {} account{}",
                    r.cadence.tier,
                    r.accounts,
                    if r.accounts == 1 { "" } else { "s" }
                ))
                .description(&format!(
                    "The tier's cadence: each {} account gets a personal touch {}. Your book: {base}/book?tier={}",
                    r.cadence.tier,
                    r.cadence.describe(),
                    r.cadence.tier.get()
                ))
                .starts(first)
                .ends(day_after(first))
                .add_property("RRULE", r.cadence.recurrence.rule.as_str())
                .done(),
        );
    }
    cal.done().to_string()
}

/// An all-day event's end: RFC 5545's DTEND is the day after (a DTEND equal to DTSTART is an
/// event of no length, which some calendars drop).
fn day_after(day: chrono::NaiveDate) -> chrono::NaiveDate {
    day.succ_opt().unwrap_or(day)
}

/// The server's address as the caller reached it.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The feed address of a secret.
pub fn feed_url(base: &str, secret: &str) -> String {
    format!("{base}/calendar/{secret}.ics")
}

/// The feed of a person: their open tasks and their tiers' cadences.
pub async fn calendar_for(store: &Store, user: &User, base: &str) -> Result<String, AppError> {
    let mut tasks = Vec::new();
    let mut q = TaskQuery {
        owner: Some(user.id),
        status: Some(TaskStatus::Open),
        limit: 500,
        ..Default::default()
    };
    loop {
        let page = store.tasks(&q).await?;
        let more = page.len() as i64 == q.limit;
        q.after = page.last().map(|t| t.id);
        tasks.extend(page);
        if !more {
            break;
        }
    }
    let mut reminders = Vec::new();
    for cadence in store
        .prioritisation_rules()
        .await?
        .cadences
        .cadences()
        .map_err(|(key, e)| AppError::bad(&key, e.to_string()))?
    {
        let q = AccountQuery {
            owner: Some(user.id),
            tier: Some(cadence.tier),
            ..Default::default()
        };
        let (accounts, _) = store.account_totals(&q).await?;
        reminders.push(TierReminder { cadence, accounts });
    }
    Ok(feed(
        &user.name,
        &tasks,
        &reminders,
        base,
        store.clock().now(),
    ))
}

/// The feed at its secret address (no other sign-in: calendars cannot sign in).
pub async fn serve_feed(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let Some(user) = s.store.calendar_feed_owner(secret).await? else {
        return Err(AppError::NotFound("no such calendar".into()));
    };
    let body = calendar_for(&s.store, &user, &base_url(&headers)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}
