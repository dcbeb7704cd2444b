//! Usage data out: an account's daily rollups, the stored raw events in ingest order, and the
//! intake's status for the admin.

use super::{ApiPath, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sherpa_core::AccountId;
use utoipa::{IntoParams, ToSchema};

/// One UTC day of an account's usage.
#[derive(Serialize, ToSchema)]
pub struct UsageDayDto {
    pub day: NaiveDate,
    /// Track, page and screen messages.
    pub events: i64,
    pub page_views: i64,
    pub active_users: i64,
    /// Distinct users seen in the 30 days up to this day.
    pub seats_in_use: i64,
    /// Distinct product features used (event names through the feature catalog).
    pub features_used: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageRange {
    /// First day (default: 90 days before `to`).
    from: Option<NaiveDate>,
    /// Last day (default: today).
    to: Option<NaiveDate>,
}

/// The account's daily usage rollups, days with usage only.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/usage", tag = "usage", params(("id" = String, Path), UsageRange),
    responses((status = 200, description = "The days of usage", body = Page<UsageDayDto>), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn account_usage(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(r): ApiQuery<UsageRange>,
) -> Result<Json<Page<UsageDayDto>>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    s.store.account(id).await?;
    let to = r.to.unwrap_or_else(|| s.store.clock().today());
    let from = r.from.unwrap_or(to - chrono::Days::new(89));
    if from > to {
        return Err(AppError::bad("from", "from is after to"));
    }
    if (to - from).num_days() > 3660 {
        return Err(AppError::bad("from", "ask for at most ten years at a time"));
    }
    let days = s.store.usage(id, from, to).await?;
    Ok(Json(
        days.into_iter()
            .map(|d| UsageDayDto {
                day: d.day,
                events: d.events,
                page_views: d.page_views,
                active_users: d.active_users,
                seats_in_use: d.seats_in_use,
                features_used: d.features_used,
            })
            .collect(),
    ))
}

/// A stored Segment message.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    /// Ingest order.
    pub id: String,
    #[serde(rename = "messageId")]
    pub message_id: String,
    pub kind: String,
    pub account_id: Option<String>,
    pub group_id: Option<String>,
    pub user: String,
    pub name: Option<String>,
    /// When it happened, corrected for the sender's clock skew.
    pub occurred_at: String,
    pub received_at: String,
    /// The message as received (with its batch's context).
    pub message: serde_json::Value,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only this account's events.
    account_id: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Stored events in ingest order (admins: raw events may hold personal data).
#[utoipa::path(get, path = "/api/v1/events", tag = "usage", params(EventQuery),
    responses((status = 200, description = "A page of events", body = Page<EventDto>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn list_events(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Json<Page<EventDto>>, AppError> {
    u.allowed(u.user().may_read_raw_events())?;
    let account = q
        .account_id
        .as_deref()
        .map(|a| {
            a.parse::<AccountId>()
                .map_err(|e| AppError::bad("account_id", e.0))
        })
        .transpose()?;
    let after = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(a) => a
            .parse::<i64>()
            .ok()
            .filter(|a| *a >= 0)
            .ok_or_else(|| AppError::bad("cursor", "not a cursor from this list"))?,
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad("limit", "between 1 and 1000"));
    }
    let events = s.store.events(account, after, limit + 1).await?;
    let more = events.len() as i64 > limit;
    let items: Vec<EventDto> = events
        .into_iter()
        .take(limit as usize)
        .map(|e| EventDto {
            id: e.id.to_string(),
            message_id: e.message_id,
            kind: e.kind,
            account_id: e.account_id.map(|a| a.to_string()),
            group_id: e.group_id,
            user: e.user_key,
            name: e.name,
            occurred_at: sherpa_core::text::timestamp(e.occurred_at),
            received_at: sherpa_core::text::timestamp(e.received_at),
            message: serde_json::from_str(&e.body).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    let next_cursor = if more {
        items.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
pub struct RejectionDto {
    pub at: String,
    pub code: String,
    pub reason: String,
    /// The start of the refused body.
    pub sample: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnmappedGroupDto {
    pub group_id: String,
    pub events: i64,
}

#[derive(Serialize, ToSchema)]
pub struct IntakeStatusDto {
    pub accepted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    /// Stored events without an account now.
    pub unmapped: i64,
    pub last_rejections: Vec<RejectionDto>,
    /// Group ids no account carries yet: add the account (with that external id) and its
    /// events attach.
    pub unmapped_groups: Vec<UnmappedGroupDto>,
}

/// Counts of accepted, duplicate, rejected and unmapped messages, with the latest rejections
/// (admin).
#[utoipa::path(get, path = "/api/v1/intake/status", tag = "usage",
    responses((status = 200, description = "The intake counts", body = IntakeStatusDto), (status = 403, body = crate::error::Problem)))]
pub async fn intake_status(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<IntakeStatusDto>, AppError> {
    u.allowed(u.user().may_administer())?;
    let st = s.store.intake_status().await?;
    Ok(Json(IntakeStatusDto {
        accepted: st.accepted,
        duplicates: st.duplicates,
        rejected: st.rejected,
        unmapped: st.unmapped,
        last_rejections: st
            .last_rejections
            .into_iter()
            .map(|(at, code, reason, sample)| RejectionDto {
                at: sherpa_core::text::timestamp(at),
                code,
                reason,
                sample,
            })
            .collect(),
        unmapped_groups: st
            .unmapped_groups
            .into_iter()
            .map(|(group_id, events)| UnmappedGroupDto { group_id, events })
            .collect(),
    }))
}
