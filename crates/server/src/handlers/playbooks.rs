//! Health as configuration over the API (the scorecards, the rules that assign them, the
//! at-risk playbook; the same shape as the `[health]` part of `sherpa config export`) and the
//! at-risk playbooks opened for accounts that turned.

use super::tasks::TaskDto;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_core::AccountId;
use sherpa_core::health::HealthConfig;
use sherpa_store::AtRiskPlaybook;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SavedHealthConfig {
    /// What the save changed ("scorecard Default", "rules"); empty when nothing differed.
    pub changes: Vec<String>,
    /// The configuration in force.
    #[schema(value_type = Object)]
    pub config: HealthConfig,
}

/// The health configuration in force: `rules` (ordered, first match wins, the last without
/// conditions), `scorecards` (factors with a metric, a rule of bands or a linear scale, a
/// weight) and `at_risk_playbook` (colours and tasks).
#[utoipa::path(get, path = "/api/v1/health/config", tag = "health",
    responses((status = 200, body = Object)))]
pub async fn get_config(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<HealthConfig>, AppError> {
    Ok(Json(s.store.health_config().await?))
}

/// Replaces the health configuration (admins and leaders). A bad one is refused with its key
/// (`scorecards[0].factors[2].weight`) and changes nothing; one that scores differently
/// re-scores every account before it answers.
#[utoipa::path(put, path = "/api/v1/health/config", tag = "health",
    request_body(content = Object, description = "the whole configuration, as GET answers it"),
    responses((status = 200, body = SavedHealthConfig)))]
pub async fn set_config(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(config): ApiJson<HealthConfig>,
) -> Result<Json<SavedHealthConfig>, AppError> {
    u.require_manage()?;
    let changes = s.store.set_health_config(&u.actor(), &config).await?;
    Ok(Json(SavedHealthConfig {
        changes,
        config: s.store.health_config().await?,
    }))
}

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
    responses((status = 200, body = [PlaybookDto])))]
pub async fn list_playbooks(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<PlaybookDto>>, AppError> {
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
    request_body = ClosePlaybook, responses((status = 200, body = PlaybookDto)))]
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
