//! Grades and tiers (seeds 000, 001): grade an account, decide or override its tier, read the
//! history of both, and read or set the rules (grade bounds, tier grid).

use super::accounts::{AccountDto, MoneyDto};
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sherpa_app::{ChooseTier, GradeAccount};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sherpa_store::PrioritisationRules;
use std::collections::BTreeMap;
use std::str::FromStr;
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
    /// 1, 2 or 3; null goes back to the grid.
    pub tier: Option<i64>,
    /// decision (for a grade between two tiers) or override (against the grid). Default:
    /// decision when the grade sits between two tiers, override otherwise.
    pub kind: Option<String>,
    pub reason: Option<String>,
}

fn account_id(id: &str) -> Result<AccountId, AppError> {
    id.parse::<AccountId>().map_err(|e| AppError::NotFound(e.0))
}

/// Grades the account; its tier follows through the grid.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/grade", tag = "prioritisation", params(("id" = String, Path)),
    request_body = GradeBody,
    responses((status = 200, body = AccountDto)))]
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
    responses((status = 200, body = AccountDto)))]
pub async fn choose_tier(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TierBody>,
) -> Result<Json<AccountDto>, AppError> {
    let cmd = ChooseTier {
        account: account_id(&id)?,
        tier: body.tier.map(ChooseTier::tier).transpose()?,
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
    responses((status = 200, body = PriorityHistoryDto)))]
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

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeBoundsDto {
    /// A above this potential value (a decimal string).
    pub a_above: String,
    /// B from this value up to `a_above`; C below it.
    pub b_from: String,
}

/// The prioritisation rules: the configuration CS ops keeps as code (`sherpa config`). On a
/// PUT, a section left out keeps its value.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PrioritisationDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_bounds: Option<GradeBoundsDto>,
    /// Each grade's cell: "1", "2", "3", or "1-2" / "2-3" for a cell between two tiers that
    /// needs a person's decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_grid: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pareto: Option<ParetoSettingsDto>,
    /// The name of each 9-box by "relationship-upsell" ("3-3" = "Heavily invest").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nine_box_labels: Option<BTreeMap<String, String>>,
    /// Each tier's cadence as an RFC 5545 RRULE ("FREQ=WEEKLY;INTERVAL=2"), and the time zone
    /// its periods start in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cadences: Option<CadencesDto>,
    /// CSM hours a year, the share of them for accounts, and each tier's engagement plan
    /// (activities with hours and times a year).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub staffing: Option<StaffingSettings>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadencesDto {
    /// An IANA time zone ("Europe/Berlin") or "UTC".
    pub time_zone: String,
    /// By tier ("1", "2", "3").
    pub rules: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParetoSettingsDto {
    /// Cumulative revenue shares in percent where segments end, rising (default 45, 75).
    pub shares: Vec<u8>,
    /// One name per segment: one more than the shares.
    pub names: Vec<String>,
}

impl From<PrioritisationRules> for PrioritisationDto {
    fn from(r: PrioritisationRules) -> Self {
        PrioritisationDto {
            grade_bounds: Some(GradeBoundsDto {
                a_above: r.bounds.a_above.to_string(),
                b_from: r.bounds.b_from.to_string(),
            }),
            tier_grid: Some(
                r.grid
                    .cells()
                    .map(|(g, c)| (g.to_string(), c.code()))
                    .collect(),
            ),
            pareto: Some(ParetoSettingsDto {
                shares: r.pareto.shares,
                names: r.pareto.names,
            }),
            nine_box_labels: Some(r.nine_box_labels.entries().clone()),
            cadences: Some(CadencesDto {
                time_zone: r.cadences.time_zone,
                rules: r.cadences.rules,
            }),
            staffing: Some(r.staffing),
        }
    }
}

impl PrioritisationDto {
    /// The rules with the given sections in place of the current ones; a bad value names its
    /// key (`tier_grid.B1`, `pareto.shares`).
    pub fn into_rules(
        self,
        mut rules: PrioritisationRules,
    ) -> Result<PrioritisationRules, AppError> {
        if let Some(b) = self.grade_bounds {
            let amount = |field: &str, v: &str| {
                Decimal::from_str(v.trim())
                    .map_err(|_| AppError::bad(field, "a decimal amount, like 50000"))
            };
            rules.bounds = GradeBounds::new(
                amount("grade_bounds.a_above", &b.a_above)?,
                amount("grade_bounds.b_from", &b.b_from)?,
            )
            .map_err(|e| AppError::bad("grade_bounds", e.to_string()))?;
        }
        if let Some(cells) = self.tier_grid {
            let mut grid = TierGrid::default();
            let mut seen = std::collections::BTreeSet::new();
            for (grade, cell) in &cells {
                let field = format!("tier_grid.{grade}");
                let g: Grade = grade
                    .parse()
                    .map_err(|e: GradeError| AppError::bad(&field, e.to_string()))?;
                let c = TierCell::parse(cell).ok_or_else(|| {
                    AppError::bad(
                        &field,
                        format!("\"{cell}\" is not a cell; expected 1, 2, 3, 1-2 or 2-3"),
                    )
                })?;
                grid.set(g, c);
                seen.insert(g);
            }
            if seen.len() != 9 {
                return Err(AppError::bad(
                    "tier_grid",
                    "give a cell for each of the nine grades A1 .. C3",
                ));
            }
            rules.grid = grid;
        }
        if let Some(p) = self.pareto {
            rules.pareto = sherpa_core::pareto::ParetoSettings::new(p.shares, p.names)
                .map_err(|e| AppError::bad("pareto", e.to_string()))?;
        }
        if let Some(labels) = self.nine_box_labels {
            rules.nine_box_labels = NineBoxLabels::new(labels).map_err(|e| {
                let field = match &e {
                    NineBoxError::Code(c) | NineBoxError::Label(c) => {
                        format!("nine_box_labels.{c}")
                    }
                    NineBoxError::Rating { .. } => "nine_box_labels".to_string(),
                };
                AppError::bad(&field, e.to_string())
            })?;
        }
        if let Some(c) = self.cadences {
            let settings = CadenceSettings {
                time_zone: c.time_zone,
                rules: c.rules,
            };
            settings
                .cadences()
                .map_err(|(key, e)| AppError::bad(&key, e.to_string()))?;
            rules.cadences = settings;
        }
        if let Some(st) = self.staffing {
            st.check()
                .map_err(|e| AppError::bad("staffing", e.to_string()))?;
            rules.staffing = st;
        }
        Ok(rules)
    }
}

/// The prioritisation rules: grade bounds, tier grid, Pareto shares, 9-box labels.
#[utoipa::path(get, path = "/api/v1/prioritisation", tag = "prioritisation",
    responses((status = 200, body = PrioritisationDto)))]
pub async fn get_prioritisation(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<PrioritisationDto>, AppError> {
    Ok(Json(s.store.prioritisation_rules().await?.into()))
}

/// Sets prioritisation rules (admins and leaders); sections left out keep their values. Graded
/// accounts follow a new grid at once; a grid gives every grade a cell.
#[utoipa::path(put, path = "/api/v1/prioritisation", tag = "prioritisation",
    request_body = PrioritisationDto,
    responses((status = 200, body = PrioritisationDto)))]
pub async fn set_prioritisation(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(body): ApiJson<PrioritisationDto>,
) -> Result<Json<PrioritisationDto>, AppError> {
    u.require_manage()?;
    let rules = body.into_rules(s.store.prioritisation_rules().await?)?;
    Ok(Json(
        s.store
            .set_prioritisation_rules(&u.actor(), &rules)
            .await?
            .into(),
    ))
}
