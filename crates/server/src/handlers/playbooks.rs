//! The at-risk playbooks opened for accounts that turned, over the API: listing them and
//! closing one with its outcome.

use super::Page;
use super::tasks::TaskDto;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_core::AccountId;
use sherpa_store::AtRiskPlaybook;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PlaybookDto {
    pub id: String,
    pub account_id: String,
    pub opened_at: chrono::DateTime<chrono::Utc>,
    /// The colour the account turned to, and from which.
    pub colour: String,
    pub from_colour: Option<String>,
    pub score: Option<f64>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// recovered, still_at_risk, churned or false_alarm.
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub tasks: Vec<TaskDto>,
}

impl From<AtRiskPlaybook> for PlaybookDto {
    fn from(p: AtRiskPlaybook) -> Self {
        PlaybookDto {
            id: p.id.to_string(),
            account_id: p.account_id.to_string(),
            opened_at: p.opened_at,
            colour: p.colour.as_str().into(),
            from_colour: p.from_colour.map(|c| c.as_str().into()),
            score: p.score,
            closed_at: p.closed_at,
            outcome: p.outcome.map(|o| o.as_str().into()),
            note: p.note,
            tasks: p.tasks.into_iter().map(Into::into).collect(),
        }
    }
}

/// The account's at-risk playbooks with their tasks, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/playbooks", tag = "health", params(("id" = String, Path)),
    responses((status = 200, description = "The playbooks", body = Page<PlaybookDto>)))]
pub async fn list_playbooks(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<PlaybookDto>>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    s.store.account(id).await?;
    Ok(Json(
        s.store
            .account_playbooks(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePlaybook {
    /// recovered, still_at_risk, churned or false_alarm.
    pub outcome: String,
    /// What was done and learnt.
    #[serde(default)]
    pub note: String,
}

/// Closes an open playbook with its outcome; its tasks still open are cancelled. The account's
/// owners, their managers and admins may.
#[utoipa::path(post, path = "/api/v1/playbooks/{id}/close", tag = "health", params(("id" = String, Path)),
    request_body = ClosePlaybook, responses((status = 200, description = "The playbook", body = PlaybookDto)))]
pub async fn close_playbook(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<ClosePlaybook>,
) -> Result<Json<PlaybookDto>, AppError> {
    u.require_write()?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no playbook {id:?}")))?;
    let cmd = sherpa_app::ClosePlaybook {
        playbook: id,
        on_account: None,
        outcome: sherpa_app::ClosePlaybook::outcome(&b.outcome)?,
        note: b.note,
    };
    Ok(Json(s.app.close_playbook(&u.caller(), cmd).await?.into()))
}
