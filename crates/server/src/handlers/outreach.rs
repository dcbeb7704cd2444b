//! Low-touch automation over the API: the outbox of emails and webhook posts with their
//! status and errors, a retry of a failed one, the dry-run preview of a moment's action, and
//! an engine sweep on demand.

use super::health::account;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_core::engagement::{EngagementConfig, MergeMoment, SendStatus};
use sherpa_store::{Occasion, PlannedSend, Send, SendQuery};
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
    #[serde(alias = "account")]
    account_id: Option<String>,
    /// pending, sending, sent, failed, dry_run or skipped.
    status: Option<String>,
    /// At most this many, newest first (default 100, at most 1000).
    limit: Option<i64>,
}

/// The outbox, newest first: each automated email and webhook post with its status, attempts
/// and last error.
#[utoipa::path(get, path = "/api/v1/sends", tag = "engagement", params(ListSends),
    responses((status = 200, body = Vec<SendDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_sends(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListSends>,
) -> Result<Json<Vec<SendDto>>, AppError> {
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
    let q = SendQuery {
        account: p.account_id.as_deref().map(account).transpose()?,
        status,
        limit,
        ..Default::default()
    };
    let sends = s.store.sends(&q).await?;
    Ok(Json(
        sends
            .into_iter()
            .map(|x| send_dto(x, &s.outreach))
            .collect(),
    ))
}

/// Sends a failed send again (admins and leaders), after its address or receiver was fixed.
#[utoipa::path(post, path = "/api/v1/sends/{id}/retry", tag = "engagement",
    params(("id" = String, Path)),
    responses((status = 200, body = SendDto), (status = 409, body = crate::error::Problem)))]
pub async fn retry_send(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SendDto>, AppError> {
    u.require_manage()?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no send {id}")))?;
    if !s.store.retry_send(id).await? {
        return Err(AppError::Conflict(format!(
            "send {id} is not a failed send that can be sent again"
        )));
    }
    let found = s
        .store
        .sends(&SendQuery {
            ids: vec![id],
            limit: 1,
            ..Default::default()
        })
        .await?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no send {id}")))?;
    Ok(Json(send_dto(found, &s.outreach)))
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

#[derive(Serialize, ToSchema)]
pub struct PreviewSend {
    pub channel: String,
    pub recipient: String,
    pub recipient_name: String,
    pub subject: String,
    pub body: String,
    /// would_send (the action is live), dry_run (it is not), skipped or failed.
    pub outcome: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewAccount {
    pub account_id: String,
    pub account_name: String,
    pub sends: Vec<PreviewSend>,
}

#[derive(Serialize, ToSchema)]
pub struct Preview {
    pub model: String,
    pub moment: String,
    pub title: String,
    /// Whether any of its actions is switched on.
    pub live: bool,
    pub accounts: Vec<PreviewAccount>,
}

fn preview_send(p: PlannedSend, settings: &crate::outreach::Settings) -> PreviewSend {
    PreviewSend {
        channel: p.channel.as_str().into(),
        recipient: p
            .channel
            .shown_recipient(&p.recipient, &p.recipient_name)
            .into(),
        recipient_name: p.recipient_name,
        subject: p.subject,
        body: settings.body(&p.body, "preview"),
        outcome: match p.status {
            SendStatus::Pending => "would_send".into(),
            other => other.as_str().into(),
        },
        reason: p.error,
    }
}

/// Who would receive what if the moment came now, for the model's accounts: each letter
/// filled in, each skipped recipient with the reason. Nothing is sent or written.
#[utoipa::path(post, path = "/api/v1/engagement/preview", tag = "engagement",
    request_body = PreviewRequest,
    responses((status = 200, body = Preview), (status = 400, body = crate::error::Problem)))]
pub async fn preview(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(r): ApiJson<PreviewRequest>,
) -> Result<Json<Preview>, AppError> {
    u.require_manage()?;
    Ok(Json(
        preview_of(&s, &r.model, &r.moment, r.config, r.limit.unwrap_or(20)).await?,
    ))
}

/// The preview the API answers and the Models page shows.
pub async fn preview_of(
    s: &AppState,
    model: &str,
    moment: &str,
    config: Option<EngagementConfig>,
    limit: usize,
) -> Result<Preview, AppError> {
    if !(1..=200).contains(&limit) {
        return Err(AppError::bad("limit", "from 1 to 200"));
    }
    let config = match config {
        Some(c) => {
            c.check().map_err(|e| AppError::bad("config", e))?;
            c
        }
        None => s.store.engagement_config().await?,
    };
    let m = config
        .model(model)
        .ok_or_else(|| AppError::bad("model", format!("no model named {model:?}")))?;
    let mo =
        m.moments.iter().find(|x| x.key == moment).ok_or_else(|| {
            AppError::bad("moment", format!("{model:?} has no moment {moment:?}"))
        })?;
    if mo.email.is_none() && mo.webhook.is_none() {
        return Err(AppError::bad(
            "moment",
            format!("{moment:?} has no email or webhook to preview"),
        ));
    }
    let merge = MergeMoment::of(&m.name, mo, &mo.when.describe(), "preview");
    let mut accounts = Vec::new();
    for (id, name) in s.store.accounts_following(&config, model, limit).await? {
        let planned = s
            .store
            .plan_sends(&Occasion {
                account: id.0,
                merge: merge.clone(),
                email: mo.email.as_ref(),
                webhook: mo.webhook.as_ref(),
            })
            .await?;
        accounts.push(PreviewAccount {
            account_id: id.to_string(),
            account_name: name,
            sends: planned
                .into_iter()
                .map(|p| preview_send(p, &s.outreach))
                .collect(),
        });
    }
    Ok(Preview {
        model: m.name.clone(),
        moment: mo.key.clone(),
        title: mo.title.clone(),
        live: mo.email.as_ref().is_some_and(|e| e.live)
            || mo.webhook.as_ref().is_some_and(|w| w.live),
        accounts,
    })
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
    responses((status = 200, body = SweepDto)))]
pub async fn run_engagement(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<SweepDto>, AppError> {
    u.require_manage()?;
    let d = s.store.run_engagement().await?;
    Ok(Json(SweepDto {
        accounts: d.accounts,
        fired: d.fired,
        tasks_opened: d.tasks_opened,
        milestones_completed: d.milestones_completed,
        sends: d.sends,
    }))
}
