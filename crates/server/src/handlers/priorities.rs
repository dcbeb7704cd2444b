//! Grades and tiers (seeds 000, 001): grade an account, decide or override its tier, read the
//! history of both, and read or set the rules (grade bounds, tier grid).

use super::accounts::{AccountDto, MoneyDto};
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_app::{ChooseTier, GradeAccount, PrioritisationConfig};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct GradeBody {
    /// How big the account could be, a decimal in the book's currency ("120000"). The
    /// account's ARR is its floor.
    pub potential_value: String,
    /// Likelihood for growth: 1 (likely), 2 or 3 (major barriers).
    pub growth: i64,
    /// at_close, first_30_days or state_change.
    pub moment: String,
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TierBody {
    /// 1, 2 or 3; null goes back to the grid. Required: a body without it is refused rather
    /// than read as "back to the grid".
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, required = true)]
    pub tier: Option<Option<i64>>,
    /// decision (for a grade between two tiers) or override (against the grid). Default:
    /// decision when the grade sits between two tiers, override otherwise.
    pub kind: Option<String>,
    pub reason: Option<String>,
}

/// A field that was sent, null or not; `None` when it was left out.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

fn account_id(id: &str) -> Result<AccountId, AppError> {
    id.parse::<AccountId>().map_err(|e| AppError::NotFound(e.0))
}

/// Grades the account; its tier follows through the grid.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/grade", tag = "prioritisation", params(("id" = String, Path)),
    request_body = GradeBody,
    responses((status = 200, description = "The account", body = AccountDto)))]
pub async fn grade_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<GradeBody>,
) -> Result<Json<AccountDto>, AppError> {
    let cmd = GradeAccount {
        account: account_id(&id)?,
        potential: GradeAccount::potential_value(&body.potential_value)?,
        growth: GradeAccount::growth(body.growth)?,
        moment: GradeAccount::moment(&body.moment)?,
        reason: body.reason,
    };
    Ok(Json(s.app.grade_account(&u.caller(), cmd).await?.into()))
}

/// Decides the tier of a grade between two tiers, overrides the grid with a reason, or (tier
/// null) goes back to the grid.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/tier", tag = "prioritisation", params(("id" = String, Path)),
    request_body = TierBody,
    responses((status = 200, description = "The account", body = AccountDto)))]
pub async fn choose_tier(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TierBody>,
) -> Result<Json<AccountDto>, AppError> {
    let cmd = ChooseTier {
        account: account_id(&id)?,
        tier: body
            .tier
            .ok_or_else(|| {
                AppError::bad(
                    "tier",
                    "tier is required: 1, 2 or 3, or null to follow the grid",
                )
            })?
            .map(ChooseTier::tier)
            .transpose()?,
        kind: body.kind.as_deref().map(ChooseTier::kind).transpose()?,
        reason: body.reason.unwrap_or_default(),
    };
    Ok(Json(s.app.choose_tier(&u.caller(), cmd).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct GradingDto {
    pub grade: String,
    pub potential_value: MoneyDto,
    /// The ARR when graded: the floor of the potential.
    pub arr: MoneyDto,
    /// at_close, first_30_days or state_change.
    pub moment: String,
    pub reason: String,
    /// The user who graded, if a person did.
    pub by: Option<String>,
    pub via: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct TierChangeDto {
    pub tier: Option<u8>,
    pub tier_decision_needed: bool,
    /// decision, override, or null (the grid).
    pub choice: Option<String>,
    pub reason: String,
    pub by: Option<String>,
    pub via: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PriorityHistoryDto {
    /// Newest first.
    pub gradings: Vec<GradingDto>,
    /// Newest first.
    pub tier_changes: Vec<TierChangeDto>,
}

/// Every grading of the account and every change of its tier, with who, when and why.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/priority-history", tag = "prioritisation", params(("id" = String, Path)),
    responses((status = 200, description = "The gradings and tier changes", body = PriorityHistoryDto)))]
pub async fn priority_history(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PriorityHistoryDto>, AppError> {
    let id = account_id(&id)?;
    s.store.account(id).await?;
    let by = |a: &Actor| a.user_id.map(|u| u.to_string());
    let gradings = s
        .store
        .gradings(id)
        .await?
        .into_iter()
        .map(|g| GradingDto {
            grade: g.grade.to_string(),
            potential_value: g.potential.into(),
            arr: g.arr.into(),
            moment: g.moment.as_str().into(),
            by: by(&g.by),
            via: g.by.via,
            reason: g.reason,
            at: g.at,
        })
        .collect();
    let tier_changes = s
        .store
        .tier_changes(id)
        .await?
        .into_iter()
        .map(|c| TierChangeDto {
            tier: c.tier.map(Tier::get),
            tier_decision_needed: c.decision_needed,
            choice: c.choice.map(|k| k.as_str().to_string()),
            by: by(&c.by),
            via: c.by.via,
            reason: c.reason,
            at: c.at,
        })
        .collect();
    Ok(Json(PriorityHistoryDto {
        gradings,
        tier_changes,
    }))
}

/// The prioritisation rules: grade bounds, tier grid, Pareto shares, 9-box labels.
#[utoipa::path(get, path = "/api/v1/prioritisation", tag = "prioritisation",
    responses((status = 200, description = "The prioritisation rules in force", body = PrioritisationConfig)))]
pub async fn get_prioritisation(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<PrioritisationConfig>, AppError> {
    Ok(Json(s.store.prioritisation_rules().await?.into()))
}

/// Sets prioritisation rules (admins and leaders); sections left out keep their values. Graded
/// accounts follow a new grid at once; a grid gives every grade a cell.
#[utoipa::path(put, path = "/api/v1/prioritisation", tag = "prioritisation",
    request_body = PrioritisationConfig,
    responses((status = 200, description = "The prioritisation rules in force", body = PrioritisationConfig)))]
pub async fn set_prioritisation(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(body): ApiJson<PrioritisationConfig>,
) -> Result<Json<PrioritisationConfig>, AppError> {
    Ok(Json(
        s.app.set_prioritisation(&u.caller(), body).await?.into(),
    ))
}
