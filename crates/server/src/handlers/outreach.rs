//! Low-touch automation over the API: the outbox of emails and webhook posts with their
//! status and errors, a retry of a failed one, the dry-run preview of a moment's action, and
//! an engine sweep on demand.

use super::health::account;
use super::{ApiJson, ApiPath, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::outreach::Preview;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_app::PreviewMoment;
use sherpa_core::engagement::{EngagementConfig, SendStatus};
use sherpa_store::{Send, SendQuery};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct SendDto {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub model: String,
    pub moment: String,
    /// email or webhook.
    pub channel: String,
    pub contact_id: Option<String>,
    /// The address; for a webhook, only its scheme and host (its path may be a secret).
    pub recipient: String,
    pub recipient_name: String,
    /// Stable across retries.
    pub message_id: String,
    pub subject: String,
    pub body: String,
    /// pending, sending, sent, failed, dry_run or skipped.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn send_dto(s: Send, settings: &crate::outreach::Settings) -> SendDto {
    SendDto {
        id: s.id.to_string(),
        account_id: s.account_id.to_string(),
        account_name: s.account_name,
        model: s.model,
        moment: s.moment,
        channel: s.channel.as_str().into(),
        contact_id: s.contact_id.map(|c| c.to_string()),
        recipient: s
            .channel
            .shown_recipient(&s.recipient, &s.recipient_name)
            .into(),
        recipient_name: s.recipient_name,
        body: settings.body(&s.body, &s.message_id),
        message_id: s.message_id,
        subject: s.subject,
        status: s.status.as_str().into(),
        attempts: s.attempts,
        last_error: s.last_error,
        next_attempt_at: s.next_attempt_at,
        created_at: s.created_at,
        sent_at: s.sent_at,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListSends {
    account_id: Option<String>,
    /// pending, sending, sent, failed, dry_run or skipped.
    status: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<i64>,
}

/// The outbox, newest first: each automated email and webhook post with its status, attempts
/// and last error.
#[utoipa::path(get, path = "/api/v1/sends", tag = "engagement", params(ListSends),
    responses((status = 200, description = "The sends", body = Page<SendDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_sends(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListSends>,
) -> Result<Json<Page<SendDto>>, AppError> {
    let status = p
        .status
        .as_deref()
        .map(str::parse::<SendStatus>)
        .transpose()
        .map_err(|e| AppError::bad("status", e.to_string()))?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad("limit", "from 1 to 1000"));
    }
    let before = p
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                AppError::bad("cursor", format!("\"{c}\" is not a cursor of this list"))
            })
        })
        .transpose()?;
    let q = SendQuery {
        account: p.account_id.as_deref().map(account).transpose()?,
        status,
        before,
        // One more than asked, to know whether another page follows.
        limit: limit + 1,
        ..Default::default()
    };
    let mut sends = s.store.sends(&q).await?;
    let more = sends.len() as i64 > limit;
    sends.truncate(limit as usize);
    let next_cursor = more
        .then(|| sends.last().map(|x| x.id.to_string()))
        .flatten();
    Ok(Json(Page {
        items: sends
            .into_iter()
            .map(|x| send_dto(x, &s.outreach))
            .collect(),
        next_cursor,
    }))
}

/// Sends a failed send again (admins and leaders), after its address or receiver was fixed.
#[utoipa::path(post, path = "/api/v1/sends/{id}/retry", tag = "engagement",
    params(("id" = String, Path)),
    responses((status = 200, description = "The send", body = SendDto), (status = 409, body = crate::error::Problem)))]
pub async fn retry_send(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SendDto>, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no send {id}")))?;
    let sent = s.app.retry_send(&u.caller(), id).await?;
    Ok(Json(send_dto(sent, &s.outreach)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The model's name.
    pub model: String,
    /// The moment's key.
    pub moment: String,
    /// A configuration to preview before saving it; the one in force when left out.
    #[schema(value_type = Option<Object>)]
    pub config: Option<EngagementConfig>,
    /// How many of the model's accounts to preview (default 20, at most 200).
    pub limit: Option<usize>,
}

/// Who would receive what if the moment came now, for the model's accounts: each letter
/// filled in, each skipped recipient with the reason. Nothing is sent or written.
#[utoipa::path(post, path = "/api/v1/engagement/preview", operation_id = "preview_engagement", tag = "engagement",
    request_body = PreviewRequest,
    responses((status = 200, description = "The preview of each recipient and letter", body = crate::outreach::Preview), (status = 400, body = crate::error::Problem)))]
pub async fn preview(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(r): ApiJson<PreviewRequest>,
) -> Result<Json<Preview>, AppError> {
    let cmd = PreviewMoment {
        model: r.model,
        moment: r.moment,
        config: r.config,
        limit: r.limit.unwrap_or(20),
    };
    let preview = s.app.preview_moment(&u.caller(), cmd).await?;
    Ok(Json(Preview::shown(preview, &s.outreach)))
}

#[derive(Serialize, ToSchema)]
pub struct SweepDto {
    pub accounts: usize,
    pub fired: usize,
    pub tasks_opened: usize,
    pub milestones_completed: usize,
    pub sends: usize,
}

/// Runs the engagement engine over the book now (admins and leaders), as its 10-minute job
/// does: after a configuration change, or to see a switched-on action go out.
#[utoipa::path(post, path = "/api/v1/engagement/run", tag = "engagement",
    responses((status = 200, description = "The result of the engagement run", body = SweepDto)))]
pub async fn run_engagement(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<SweepDto>, AppError> {
    let d = s.app.run_engagement(&u.caller()).await?;
    Ok(Json(SweepDto {
        accounts: d.accounts,
        fired: d.fired,
        tasks_opened: d.tasks_opened,
        milestones_completed: d.milestones_completed,
        sends: d.sends,
    }))
}
