//! Account health (seed 003), explained: the score, its colour, the scorecard and the rule that
//! chose it, and each factor's raw value, points, weight and contribution.

use super::Page;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_app::{BacktestState, SetPulse};
use sherpa_core::AccountId;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct FactorDto {
    pub metric: String,
    pub name: String,
    pub group: String,
    /// The raw value; null when the input is missing (the factor then leaves the weights).
    pub value: Option<f64>,
    pub points: Option<f64>,
    pub weight: f64,
    pub contribution: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct HealthDto {
    /// 0-100; null when no factor has an input.
    pub score: Option<f64>,
    /// green, yellow, orange or red.
    pub colour: Option<String>,
    pub scorecard: String,
    /// Which assignment rule chose the scorecard.
    pub why: String,
    /// The share of the scorecard's weight whose inputs are known, 0..1.
    pub coverage: f64,
    pub factors: Vec<FactorDto>,
    /// When the metrics were last worked out from the book (within a second of any change).
    pub computed_at: chrono::DateTime<chrono::Utc>,
    /// What moved since the latest snapshot with other metric values, largest first.
    pub changes: Vec<ChangeDto>,
    /// When that snapshot was taken; null when there is none.
    pub changes_since: Option<chrono::DateTime<chrono::Utc>>,
    /// The CSM's pulse that counts today (the csm_pulse factor), if any.
    pub pulse: Option<PulseDto>,
    /// The account churned: it is no longer scored (score, colour and factors are empty).
    pub churned: bool,
    /// When churned, the last score its history holds.
    pub last_score: Option<SnapshotDto>,
    /// When its latest colour change (in the last 30 days) came from a change of the
    /// scorecards or their rules, not from the account's data.
    pub moved_by_scoring: Option<ScoringMoveDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoringMoveDto {
    pub at: chrono::DateTime<chrono::Utc>,
    pub from_colour: Option<String>,
    pub colour: Option<String>,
    /// What the scoring change was ("scorecard Default, rules").
    pub change: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PulseDto {
    /// green, yellow or red.
    pub colour: String,
    pub note: String,
    pub set_at: chrono::DateTime<chrono::Utc>,
    /// The last day it counts.
    pub expires_on: chrono::NaiveDate,
}

impl From<sherpa_store::CsmPulse> for PulseDto {
    fn from(p: sherpa_store::CsmPulse) -> Self {
        PulseDto {
            colour: p.colour.as_str().to_string(),
            note: p.note,
            set_at: p.set_at,
            expires_on: p.expires_on,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPulse {
    /// green, yellow or red.
    pub colour: String,
    /// Why: what the CSM knows that the data does not show.
    pub note: String,
    /// Days it counts for, 1 to 180 (default 30).
    pub expires_in_days: Option<i64>,
}

/// Sets the CSM's pulse of the account: green, yellow or red with a note, counted by the
/// health score until it expires. The account's owners, their managers and admins may.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/pulse", tag = "health", params(("id" = String, Path)),
    request_body = NewPulse, responses((status = 201, description = "The pulse, recorded", body = PulseDto)))]
pub async fn set_pulse(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewPulse>,
) -> Result<(StatusCode, Json<PulseDto>), AppError> {
    u.require_write()?;
    let cmd = SetPulse {
        account: account(&id)?,
        colour: SetPulse::colour(&b.colour)?,
        note: b.note,
        days: b.expires_in_days,
    };
    let pulse = s.app.set_pulse(&u.caller(), cmd).await?;
    Ok((StatusCode::CREATED, Json(pulse.into())))
}

#[derive(Serialize, ToSchema)]
pub struct ChangeDto {
    pub metric: String,
    /// The change of the factor's contribution to the score.
    pub points: f64,
    /// "Seat utilisation fell from 82 to 41: -20.5 points".
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct SnapshotDto {
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub score: Option<f64>,
    pub colour: Option<String>,
    /// The colour it changed from (colour changes only).
    pub from_colour: Option<String>,
    pub scorecard: String,
    /// daily, colour_change (the account's data moved it) or scorecard_change (a change of
    /// the scorecards or their rules moved it).
    pub reason: String,
}

impl From<sherpa_store::HealthSnapshot> for SnapshotDto {
    fn from(h: sherpa_store::HealthSnapshot) -> Self {
        SnapshotDto {
            taken_at: h.taken_at,
            score: h.score,
            colour: h.colour.map(|c| c.as_str().to_string()),
            from_colour: h.from_colour.map(|c| c.as_str().to_string()),
            scorecard: h.scorecard,
            reason: h.reason,
        }
    }
}

pub(crate) fn account(id: &str) -> Result<AccountId, AppError> {
    id.parse::<AccountId>().map_err(|e| AppError::NotFound(e.0))
}

/// The account's health snapshots, newest first: one a day and one at each colour change.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/health/history", tag = "health", params(("id" = String, Path)),
    responses((status = 200, description = "The health snapshots", body = Page<SnapshotDto>)))]
pub async fn get_history(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<SnapshotDto>>, AppError> {
    let id = account(&id)?;
    s.store.account(id).await?;
    Ok(Json(
        s.store
            .health_history(id)
            .await?
            .into_iter()
            .map(SnapshotDto::from)
            .collect(),
    ))
}

/// The account's health now, factor by factor, and what moved since the latest snapshot.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/health", tag = "health", params(("id" = String, Path)),
    responses((status = 200, description = "The health of the account", body = HealthDto)))]
pub async fn get_health(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HealthDto>, AppError> {
    let id = account(&id)?;
    let h = s.store.account_health(id).await?;
    let pulse = s.store.csm_pulse(id).await?.map(Into::into);
    Ok(Json(HealthDto {
        pulse,
        churned: h.churned,
        last_score: h.last_score.map(Into::into),
        moved_by_scoring: h.moved_by_scoring.map(|m| ScoringMoveDto {
            at: m.at,
            from_colour: m.from.map(|c| c.as_str().to_string()),
            colour: m.to.map(|c| c.as_str().to_string()),
            change: m.change.map(|c| c.summary),
        }),
        score: h.health.score,
        colour: h.health.colour.map(|c| c.as_str().to_string()),
        scorecard: h.health.scorecard,
        why: h.why,
        coverage: (h.health.coverage * 1000.0).round() / 1000.0,
        factors: h
            .health
            .factors
            .into_iter()
            .map(|f| FactorDto {
                metric: f.metric,
                name: f.name,
                group: f.group.as_str().to_string(),
                value: f.value.map(|v| (v * 100.0).round() / 100.0),
                points: f.points.map(|v| (v * 10.0).round() / 10.0),
                weight: f.weight,
                contribution: f.contribution.map(|v| (v * 10.0).round() / 10.0),
            })
            .collect(),
        computed_at: h.computed_at,
        changes_since: h.changes_since,
        changes: h
            .changes
            .into_iter()
            .map(|c| ChangeDto {
                metric: c.metric,
                points: c.points,
                text: c.text,
            })
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BacktestParams {
    /// Days before each term's end to score the account as of (default 90, at most 730).
    pub horizon_days: Option<u32>,
}

/// The health back-test as last computed for the configuration in force: every contract term
/// with a known outcome, the account scored as of `horizon_days` before it ended (never before
/// the term began) from what was dated then; the AUC with its 95% interval clustered by
/// account and a verdict, the AUC at 7, 30 and 90 days, renewal by colour (actual and
/// predicted), lift by decile, every catalogue metric's AUC and direction (Holm-corrected),
/// and suggested weights cross-validated by account (applied only by a PUT of the
/// configuration). A job computes it: 200 with `computed_at` when ready, 202 with
/// `status: computing` while it is being computed (ask again in a few seconds).
#[utoipa::path(get, path = "/api/v1/health/backtest", tag = "health", params(BacktestParams),
    responses((status = 200, description = "The back-test, with `computed_at`", body = Object), (status = 202, description = "Being computed (`status: computing`): ask again in a few seconds", body = Object)))]
pub async fn get_backtest(
    State(s): State<AppState>,
    u: ApiUser,
    super::ApiQuery(p): super::ApiQuery<BacktestParams>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let horizon = p.horizon_days.unwrap_or(90);
    match s.app.health_backtest(&u.caller(), horizon).await? {
        BacktestState::Ready(stored) => {
            let mut body =
                serde_json::to_value(&stored.backtest).map_err(|e| AppError::Internal(e.into()))?;
            body["computed_at"] = serde_json::json!(stored.computed_at);
            Ok((StatusCode::OK, Json(body)))
        }
        BacktestState::Computing { horizon_days } => Ok((
            StatusCode::ACCEPTED,
            Json(serde_json::json!({
                "status": "computing",
                "horizon_days": horizon_days,
                "message": "The back-test is being computed for the scorecards in force; ask again in a few seconds.",
            })),
        )),
    }
}

/// Asks for the back-test at `horizon_days` to be computed again now (at most once a minute
/// per horizon): new outcomes or history since it was last computed.
#[utoipa::path(post, path = "/api/v1/health/backtest/recompute", tag = "health", params(BacktestParams),
    responses((status = 202, description = "Asked for: the back-test job computes it", body = Object)))]
pub async fn recompute_backtest(
    State(s): State<AppState>,
    u: ApiUser,
    super::ApiQuery(p): super::ApiQuery<BacktestParams>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let horizon = p.horizon_days.unwrap_or(90);
    s.app.recompute_backtest(&u.caller(), horizon).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "status": "computing", "horizon_days": horizon })),
    ))
}
