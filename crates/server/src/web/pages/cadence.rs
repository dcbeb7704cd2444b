//! "My calendar": the person's private feed of personal-touch reminders and tasks, to subscribe
//! to from Google, Outlook or Apple calendars. The secret address is shown once, when issued;
//! issuing a new one or revoking retires the old.

use crate::AppState;
use crate::calendar_feed::{base_url, feed_url};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;

#[derive(Template)]
#[template(path = "cadence.html")]
struct CalendarPage {
    nav: Nav,
    /// When the live feed was issued, or empty.
    issued: String,
    /// The address, right after it was issued.
    url: String,
    revoked: bool,
    overdue: i64,
}

async fn page(
    s: &AppState,
    c: &crate::web::session::Current,
    url: String,
    revoked: bool,
) -> PageResult {
    let me = c.session.user.id;
    let issued = s
        .store
        .calendar_feed_issued(me)
        .await?
        .map(format::time)
        .unwrap_or_default();
    let overdue = s
        .store
        .overdue_touches()
        .await?
        .into_iter()
        .find(|o| o.owner == Some(me))
        .map_or(0, |o| o.count);
    Ok(render(&CalendarPage {
        nav: Nav::new(c, "calendar"),
        issued,
        url,
        revoked,
        overdue,
    })
    .into_response())
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    page(&s, &c, String::new(), false).await
}

/// Issues a new feed and shows its address once.
pub async fn issue(State(s): State<AppState>, Signed(c): Signed, headers: HeaderMap) -> PageResult {
    let issued = s.app.issue_calendar_feed(&c.caller()).await?;
    page(&s, &c, feed_url(&base_url(&headers), &issued.secret), false).await
}

pub async fn revoke(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    s.app.revoke_calendar_feed(&c.caller()).await?;
    page(&s, &c, String::new(), true).await
}
