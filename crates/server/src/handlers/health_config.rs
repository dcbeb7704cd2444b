//! Health as configuration over the API: the scorecards, the rules that assign them and the
//! at-risk playbook, in the same shape as the `[health]` part of `sherpa config export`.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sherpa_core::health::HealthConfig;
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
#[utoipa::path(get, path = "/api/v1/health/config", operation_id = "get_health_config", tag = "health",
    responses((status = 200, description = "The health configuration in force", body = Object)))]
pub async fn get_config(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<HealthConfig>, AppError> {
    Ok(Json(s.store.health_config().await?))
}

/// Replaces the health configuration (admins and leaders). A bad one is refused with its key
/// (`scorecards[0].factors[2].weight`) and changes nothing; one that scores differently
/// re-scores every account before it answers.
#[utoipa::path(put, path = "/api/v1/health/config", operation_id = "set_health_config", tag = "health",
    request_body(content = Object, description = "the whole configuration, as GET answers it"),
    responses((status = 200, description = "The health configuration in force", body = SavedHealthConfig)))]
pub async fn set_config(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(config): ApiJson<HealthConfig>,
) -> Result<Json<SavedHealthConfig>, AppError> {
    let saved = s.app.save_health_config(&u.caller(), &config).await?;
    Ok(Json(SavedHealthConfig {
        changes: saved.changes,
        config: s.store.health_config().await?,
    }))
}
