//! The timeline: list an account's activities, log a new one.

use super::{ApiJson, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_app::LogActivity;
use sherpa_core::*;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: String,
    pub account_id: String,
    /// call, meeting, email, note, kickoff, training, qbr, ebr.
    pub kind: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub user_id: Option<String>,
    pub attendees: Vec<String>,
    pub summary: String,
}

impl From<Activity> for ActivityDto {
    fn from(a: Activity) -> Self {
        let f = a.fields;
        ActivityDto {
            id: a.id.to_string(),
            account_id: f.account_id.to_string(),
            kind: f.kind.as_str().into(),
            occurred_at: f.occurred_at,
            user_id: f.user_id.map(|u| u.to_string()),
            attendees: f.attendees.iter().map(|c| c.to_string()).collect(),
            summary: f.summary,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListActivities {
    /// The account whose timeline to read.
    account_id: String,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1 to 500; default 50.
    limit: Option<i64>,
}

/// A timeline position, opaque to clients: the time and id of the last activity shown.
fn encode_cursor(a: &Activity) -> String {
    let raw = format!(
        "{}|{}",
        sherpa_core::text::timestamp(a.fields.occurred_at),
        a.id
    );
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(c: &str) -> Result<(chrono::DateTime<chrono::Utc>, ActivityId), AppError> {
    let bad = || {
        AppError::bad(
            "cursor",
            "not a cursor from this list; start again without it",
        )
    };
    let bytes = (0..c.len())
        .step_by(2)
        .map(|i| c.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    Ok((
        sherpa_core::text::parse_timestamp(at).ok_or_else(bad)?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// An account's timeline, newest first.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ListActivities),
    responses((status = 200, description = "A page of activities", body = Page<ActivityDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_activities(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListActivities>,
) -> Result<Json<Page<ActivityDto>>, AppError> {
    let account = p
        .account_id
        .parse::<AccountId>()
        .map_err(|e| AppError::bad("account_id", e.0))?;
    let limit = super::json::page_limit(p.limit)?;
    let before = p.cursor.as_deref().map(decode_cursor).transpose()?;
    let items = s.store.timeline(account, before, limit + 1).await?;
    Ok(Json(Page::<ActivityDto>::from_records(
        items,
        limit,
        encode_cursor,
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    account_id: String,
    kind: String,
    /// RFC 3339; defaults to now.
    occurred_at: Option<String>,
    /// Emails of the account's contacts who took part.
    #[serde(default)]
    attendees: Vec<String>,
    #[serde(default)]
    summary: String,
}

/// Logs a call, meeting, email, note or review on an account's timeline, as the caller.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = NewActivity,
    responses((status = 201, description = "The activity, recorded", body = ActivityDto), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn log_activity(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewActivity>,
) -> Result<(StatusCode, Json<ActivityDto>), AppError> {
    u.require_write()?;
    let cmd = LogActivity {
        account: b
            .account_id
            .parse::<AccountId>()
            .map_err(|e| AppError::bad("account_id", e.0))?,
        kind: LogActivity::kind(&b.kind)?,
        occurred_at: b
            .occurred_at
            .map(|t| {
                sherpa_core::text::parse_timestamp(&t)
                    .ok_or_else(|| AppError::bad("occurred_at", format!("\"{t}\" is not RFC 3339")))
            })
            .transpose()?,
        attendees: b
            .attendees
            .iter()
            .map(|e| LogActivity::attendee(e))
            .collect::<Result<_, _>>()?,
        summary: b.summary,
    };
    let a = s.app.log_activity(&u.caller(), cmd).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}
