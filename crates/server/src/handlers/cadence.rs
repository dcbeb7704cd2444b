//! Each person's private calendar feed (the tier cadences as recurring reminders in their own
//! calendar): issuing and revoking it; and the overdue personal touches per person.

use super::Page;
use crate::auth::ApiUser;
use crate::calendar_feed::{base_url, feed_url};
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use sherpa_core::*;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CalendarFeedDto {
    /// The secret feed address: shown only when issued (it is kept as a hash), else null.
    pub url: Option<String>,
    /// When the live feed was issued; null when there is none.
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
    pub message: String,
}

/// Your calendar feed: issues one and gives its secret URL when you have none; otherwise says
/// when it was issued (the URL was shown then: POST issues a new one, DELETE revokes).
#[utoipa::path(get, path = "/api/v1/me/calendar", tag = "prioritisation",
    responses((status = 200, description = "The calendar feed", body = CalendarFeedDto)))]
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
    let issued = s.app.issue_calendar_feed(&u.caller()).await?;
    Ok(Json(CalendarFeedDto {
        url: Some(feed_url(&base_url(headers), &issued.secret)),
        issued_at: Some(issued.created_at),
        message: "subscribe to this URL from your calendar; keep it private: anyone with it reads your tasks"
            .into(),
    }))
}

/// Issues you a new calendar feed URL; the old one stops working.
#[utoipa::path(post, path = "/api/v1/me/calendar", tag = "prioritisation",
    responses((status = 200, description = "The calendar feed", body = CalendarFeedDto)))]
pub async fn reissue_calendar(
    State(s): State<AppState>,
    u: ApiUser,
    headers: HeaderMap,
) -> Result<Json<CalendarFeedDto>, AppError> {
    issue(&s, &u, &headers).await
}

/// Revokes your calendar feed: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/me/calendar", tag = "prioritisation",
    responses((status = 204, description = "Done; nothing to return")))]
pub async fn revoke_calendar(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<StatusCode, AppError> {
    s.app.revoke_calendar_feed(&u.caller()).await?;
    Ok(StatusCode::NO_CONTENT)
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

/// Overdue personal touches per person, most first (against each tier's cadence).
#[utoipa::path(get, path = "/api/v1/touches/overdue", tag = "prioritisation",
    responses((status = 200, description = "The overdue touches of each person", body = Page<OverdueTouchesDto>)))]
pub async fn overdue_touches(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<Page<OverdueTouchesDto>>, AppError> {
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
