//! Each person's private calendar feed (seed 001's "add them into your calendar as a recurring
//! reminder"): issuing, revoking and serving it; and the overdue personal touches per person.

use crate::auth::ApiUser;
use crate::calendar_feed::{TierReminder, feed};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sherpa_core::*;
use sherpa_store::{AccountQuery, Store, TaskQuery};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CalendarFeedDto {
    /// The secret feed address: shown only when issued (it is kept as a hash), else null.
    pub url: Option<String>,
    /// When the live feed was issued; null when there is none.
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
    pub message: String,
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

/// Your calendar feed: issues one and gives its secret URL when you have none; otherwise says
/// when it was issued (the URL was shown then: POST issues a new one, DELETE revokes).
#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "prioritisation",
    responses((status = 200, body = CalendarFeedDto)))]
pub async fn get_calendar(
    State(s): State<AppState>,
    u: ApiUser,
    headers: HeaderMap,
) -> Result<Json<CalendarFeedDto>, AppError> {
    match s.store.calendar_feed_issued(u.user().id).await? {
        Some(at) => Ok(Json(CalendarFeedDto {
            url: None,
            issued_at: Some(at),
            message: "your feed is live; its secret URL was shown when it was issued. POST this address to \
                      issue a new one (the old one stops working), DELETE to revoke it."
                .into(),
        })),
        None => issue(&s, &u, &headers).await,
    }
}

async fn issue(
    s: &AppState,
    u: &ApiUser,
    headers: &HeaderMap,
) -> Result<Json<CalendarFeedDto>, AppError> {
    let issued = s.store.issue_calendar_feed(&u.actor(), u.user().id).await?;
    Ok(Json(CalendarFeedDto {
        url: Some(feed_url(&base_url(headers), &issued.secret)),
        issued_at: Some(issued.created_at),
        message: "subscribe to this URL from your calendar; keep it private: anyone with it reads your tasks"
            .into(),
    }))
}

/// Issues you a new calendar feed URL; the old one stops working.
#[utoipa::path(post, path = "/api/v1/me/calendar", tag = "prioritisation",
    responses((status = 200, body = CalendarFeedDto)))]
pub async fn reissue_calendar(
    State(s): State<AppState>,
    u: ApiUser,
    headers: HeaderMap,
) -> Result<Json<CalendarFeedDto>, AppError> {
    issue(&s, &u, &headers).await
}

/// Revokes your calendar feed: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/me/calendar", tag = "prioritisation",
    responses((status = 204)))]
pub async fn revoke_calendar(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<StatusCode, AppError> {
    s.store
        .revoke_calendar_feed(&u.actor(), u.user().id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
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

#[derive(Serialize, ToSchema)]
pub struct OverdueTouchesDto {
    /// The owner's id, or null for accounts without a CSM.
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    /// Personal touches past their period.
    pub overdue: i64,
    pub oldest_due: chrono::NaiveDate,
}

/// Overdue personal touches per person, most first (seed 001's cadence).
#[utoipa::path(get, path = "/api/v1/touches/overdue", tag = "prioritisation",
    responses((status = 200, body = [OverdueTouchesDto])))]
pub async fn overdue_touches(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<Vec<OverdueTouchesDto>>, AppError> {
    let rows = s.store.overdue_touches().await?;
    let ids: Vec<UserId> = rows.iter().filter_map(|r| r.owner).collect();
    let names = s.store.user_names(&ids).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| OverdueTouchesDto {
                owner_id: r.owner.map(|o| o.to_string()),
                owner_name: r.owner.and_then(|o| names.get(&o).cloned()),
                overdue: r.count,
                oldest_due: r.oldest_due,
            })
            .collect(),
    ))
}
