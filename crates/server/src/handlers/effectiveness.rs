//! Effectiveness over the API: the models in force with how many accounts stand in each
//! phase, and one account's phase, behaviours, baseline, history and next steps.

use super::health::account;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_app::{AccountEffectiveness, BehaviourView};
use sherpa_core::effectiveness::{EffectivenessConfig, Judged, phase_name};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct BehaviourDto {
    pub name: String,
    /// How it is measured, in words: "Report Built used by at least 3 people in the last 30
    /// days".
    pub measure: String,
    pub feature: Option<String>,
    pub metric: Option<String>,
    pub unit: String,
}

#[derive(Serialize, ToSchema)]
pub struct PhaseDto {
    /// 1 for the first phase.
    pub phase: usize,
    pub name: String,
    pub description: String,
    pub behaviours: Vec<BehaviourDto>,
    /// Accounts judged to stand in it now.
    pub accounts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ModelDto {
    pub name: String,
    pub description: String,
    /// The share of a phase's behaviours (percent) that reaches it.
    pub met_percent: u8,
    /// Days an account is given to reach its next phase from reaching its own.
    pub phase_days: u32,
    pub phases: Vec<PhaseDto>,
    /// Accounts that reach none of its phases yet.
    pub accounts_before_first_phase: i64,
    /// The accounts in each phase by tier.
    pub tiers: Vec<TierPhasesDto>,
    /// The accounts in each phase by Pareto segment.
    pub segments: Vec<SegmentPhasesDto>,
    /// How long accounts took from each phase to the next.
    pub phase_times: Vec<PhaseTimeDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TierPhasesDto {
    /// The tier; null for accounts without one.
    pub tier: Option<u8>,
    /// Accounts in each phase, from before the first (index 0) to the last.
    pub accounts: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SegmentPhasesDto {
    /// The Pareto segment; null for accounts without one.
    pub segment: Option<u8>,
    /// Accounts in each phase, from before the first (index 0) to the last.
    pub accounts: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PhaseTimeDto {
    /// 0 is before the first phase; the move is to `from_phase + 1`.
    pub from_phase: usize,
    pub to_phase: usize,
    /// Accounts whose history shows the move, on days known at both ends.
    pub accounts: usize,
    pub median_days: i64,
    pub p25_days: i64,
    pub p75_days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ModelsDto {
    /// The configuration as code (`rules`, `models`), as PUT takes it.
    #[schema(value_type = Object)]
    pub config: EffectivenessConfig,
    pub models: Vec<ModelDto>,
}

async fn models(s: &AppState) -> Result<ModelsDto, AppError> {
    let config = s.app.effectiveness_config().await?;
    let models = s
        .app
        .effectiveness_overview()
        .await?
        .into_iter()
        .map(|o| {
            let m = &o.model;
            ModelDto {
                name: m.name.clone(),
                description: m.description.clone(),
                met_percent: m.met_percent,
                phase_days: m.phase_days,
                accounts_before_first_phase: o.phases[0],
                phases: m
                    .phases
                    .iter()
                    .enumerate()
                    .map(|(i, p)| PhaseDto {
                        phase: i + 1,
                        name: p.name.clone(),
                        description: p.description.clone(),
                        accounts: o.phases[i + 1],
                        behaviours: p
                            .behaviours
                            .iter()
                            .map(|b| BehaviourDto {
                                name: b.name.clone(),
                                measure: b.describe(),
                                feature: b.feature.clone(),
                                metric: b.metric.clone(),
                                unit: b.unit().into(),
                            })
                            .collect(),
                    })
                    .collect(),
                tiers: o
                    .tiers
                    .iter()
                    .map(|(tier, accounts)| TierPhasesDto {
                        tier: *tier,
                        accounts: accounts.clone(),
                    })
                    .collect(),
                segments: o
                    .segments
                    .iter()
                    .map(|(segment, accounts)| SegmentPhasesDto {
                        segment: *segment,
                        accounts: accounts.clone(),
                    })
                    .collect(),
                phase_times: o
                    .times
                    .iter()
                    .map(|t| PhaseTimeDto {
                        from_phase: t.from,
                        to_phase: t.from + 1,
                        accounts: t.accounts,
                        median_days: t.median_days,
                        p25_days: t.p25_days,
                        p75_days: t.p75_days,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(ModelsDto { config, models })
}

/// The effectiveness models in force (3 to 7 phases each, every behaviour measured by a
/// feature's users or a health metric), the rules that give each account one, how many
/// accounts stand in each phase (in all and by segment), and how long accounts took to move
/// from each phase to the next.
#[utoipa::path(get, path = "/api/v1/effectiveness/models", tag = "effectiveness",
    responses((status = 200, description = "The models and the accounts in each phase", body = ModelsDto)))]
pub async fn get_models(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<ModelsDto>, AppError> {
    Ok(Json(models(&s).await?))
}

/// Replaces the effectiveness configuration (admins and leaders): `rules` and `models` as GET
/// answers them under `config`. A bad key or a feature the catalogue does not know is refused
/// by name and changes nothing; every account is judged again at once, and a phase the change
/// moves is recorded as the model's doing, not the customer's.
#[utoipa::path(put, path = "/api/v1/effectiveness/models", tag = "effectiveness",
    request_body(content = Object, description = "the configuration: rules and models"),
    responses((status = 200, description = "The models in force and the accounts in each phase", body = ModelsDto)))]
pub async fn set_models(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(config): ApiJson<EffectivenessConfig>,
) -> Result<Json<ModelsDto>, AppError> {
    s.app.set_effectiveness_config(&u.caller(), &config).await?;
    Ok(Json(models(&s).await?))
}

#[derive(Serialize, ToSchema)]
pub struct JudgedDto {
    /// The value measured (users, a share of seats or the metric); null when it could not be.
    pub value: Option<f64>,
    pub met: bool,
}

impl From<Judged> for JudgedDto {
    fn from(j: Judged) -> Self {
        JudgedDto {
            value: j.value.map(|v| (v * 100.0).round() / 100.0),
            met: j.met,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountBehaviourDto {
    pub phase: usize,
    pub phase_name: String,
    #[serde(flatten)]
    pub behaviour: BehaviourDto,
    /// As judged now; null before the account was first judged.
    pub now: Option<JudgedDto>,
    /// As judged at the baseline.
    pub baseline: Option<JudgedDto>,
    /// Where its value falls among like companies, one per peer group of the account (as
    /// `peer_groups`); null where fewer than 5 peers have a value, so that no one customer's
    /// figure can be read off.
    pub benchmarks: Vec<Option<PeerBenchmarkDto>>,
}

#[derive(Serialize, ToSchema)]
pub struct PeerBenchmarkDto {
    /// 0 to 100: the share of peers below the account's value (ties count half).
    pub percentile: f64,
    pub peers: usize,
    pub median: f64,
}

#[derive(Serialize, ToSchema)]
pub struct PeerGroupDto {
    /// industry, segment or size.
    pub kind: String,
    pub name: String,
    /// Accounts of the group judged by the same model, the account aside.
    pub accounts: usize,
}

impl From<BehaviourView> for AccountBehaviourDto {
    fn from(b: BehaviourView) -> Self {
        AccountBehaviourDto {
            phase: b.phase,
            phase_name: b.phase_name,
            behaviour: BehaviourDto {
                name: b.name,
                measure: b.measure,
                feature: b.feature,
                metric: b.metric,
                unit: b.unit.into(),
            },
            now: b.now.map(Into::into),
            baseline: b.baseline.map(Into::into),
            benchmarks: b
                .benchmarks
                .into_iter()
                .map(|o| {
                    o.map(|b| PeerBenchmarkDto {
                        percentile: b.percentile.round(),
                        peers: b.peers,
                        median: (b.median * 100.0).round() / 100.0,
                    })
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PhaseRecordDto {
    pub on: chrono::NaiveDate,
    pub phase: usize,
    pub phase_name: String,
    /// baseline (the first judgement by the model), change (the customer's data moved it) or
    /// model_change (the models or their rules changed).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct NextStepsDto {
    /// The phase to reach next and its name.
    pub phase: usize,
    pub phase_name: String,
    /// Its behaviours not met yet, with the features that deliver them.
    pub behaviours: Vec<AccountBehaviourDto>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountEffectivenessDto {
    pub model: String,
    /// It churned: its effectiveness is history (see `history`), no longer judged.
    pub churned: bool,
    /// 0 before the first phase is reached, else 1 for the first; null until first judged
    /// (its health metrics are not worked out yet) or once the account churned.
    pub phase: Option<usize>,
    pub phase_name: Option<String>,
    pub phases: usize,
    pub assessed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub behaviours: Vec<AccountBehaviourDto>,
    /// The like companies each behaviour's benchmark compares with: its industry, its
    /// segment, its size band.
    pub peer_groups: Vec<PeerGroupDto>,
    pub baseline: Option<PhaseRecordDto>,
    /// The baseline, then each change of phase, oldest first.
    pub history: Vec<PhaseRecordDto>,
    /// Null at the last phase.
    pub next_steps: Option<NextStepsDto>,
    /// The next phase by a date and the success-plan objective each unmet behaviour becomes;
    /// null before the first judgement, once churned, or at the last phase.
    pub improvement: Option<ImprovementDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ImprovementDto {
    pub phase: usize,
    pub phase_name: String,
    /// The day the account reached the phase it stands in (its baseline's, if it never moved).
    pub reached_on: chrono::NaiveDate,
    /// The model's `phase_days` after `reached_on`; past when overdue.
    pub due_on: chrono::NaiveDate,
    pub overdue: bool,
    pub objectives: Vec<CandidateDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateDto {
    /// The unmet behaviour; POST its name to `.../effectiveness/objectives` to add it.
    pub behaviour: String,
    /// The objective it becomes: from today's value to the behaviour's threshold, read by
    /// Sherpa from the measure the model judges.
    #[schema(value_type = Object)]
    pub objective: sherpa_core::plan::Objective,
    /// The success plan has it already.
    pub on_plan: bool,
}

impl From<AccountEffectiveness> for AccountEffectivenessDto {
    fn from(e: AccountEffectiveness) -> Self {
        let record = |r: &sherpa_store::PhaseRecord| PhaseRecordDto {
            on: r.on,
            phase: r.phase,
            phase_name: phase_name(&e.model, r.phase).to_string(),
            reason: r.why.as_str().into(),
        };
        AccountEffectivenessDto {
            model: e.model.name.clone(),
            churned: e.churned,
            phase: e.phase(),
            phase_name: e.phase().map(|p| e.phase_name(p).to_string()),
            phases: e.model.phases.len(),
            assessed_at: e.now.as_ref().map(|k| k.assessed_at),
            behaviours: e.behaviours().into_iter().map(Into::into).collect(),
            peer_groups: e
                .groups
                .iter()
                .map(|g| PeerGroupDto {
                    kind: g.kind.into(),
                    name: g.name.clone(),
                    accounts: g.accounts,
                })
                .collect(),
            baseline: e.baseline.as_ref().map(record),
            history: e.history.iter().map(record).collect(),
            improvement: e.improvement().map(|i| ImprovementDto {
                phase: i.phase,
                phase_name: e.phase_name(i.phase).to_string(),
                reached_on: i.reached_on,
                due_on: i.due_on,
                overdue: i.overdue(e.today),
                objectives: i
                    .candidates
                    .into_iter()
                    .map(|c| CandidateDto {
                        behaviour: c.behaviour.name,
                        objective: c.objective,
                        on_plan: c.on_plan,
                    })
                    .collect(),
            }),
            next_steps: e.next_steps().map(|(phase, unmet)| NextStepsDto {
                phase,
                phase_name: e.phase_name(phase).to_string(),
                behaviours: unmet.into_iter().map(Into::into).collect(),
            }),
        }
    }
}

/// The account's effectiveness: its phase on the model its rule gives it, every behaviour
/// with the value measured now and at the baseline (the first judgement by the model), its
/// phase history, and what to do next (the next phase's unmet behaviours).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/effectiveness", tag = "effectiveness", params(("id" = String, Path)),
    responses((status = 200, description = "The account's effectiveness", body = AccountEffectivenessDto)))]
pub async fn get_account_effectiveness(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AccountEffectivenessDto>, AppError> {
    let id = account(&id)?;
    let e = s.app.account_effectiveness(&u.caller(), id).await?;
    Ok(Json(e.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementObjectiveRequest {
    /// An unmet behaviour of the account's next phase, by name.
    pub behaviour: String,
}

/// Adds an unmet behaviour of the account's next phase to its success plan as an objective,
/// from today's value to the behaviour's threshold by the next phase's date (whoever may edit
/// the plan). 409 when the account has no plan yet or the plan has the objective already.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/effectiveness/objectives", tag = "effectiveness", params(("id" = String, Path)),
    request_body = ImprovementObjectiveRequest,
    responses((status = 201, description = "The success plan, with the objective", body = super::plans::PlanDto)))]
pub async fn add_objective(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<ImprovementObjectiveRequest>,
) -> Result<(StatusCode, Json<super::plans::PlanDto>), AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let plan = s
        .app
        .add_improvement_objective(&u.caller(), id, &r.behaviour)
        .await?;
    Ok((StatusCode::CREATED, Json(super::plans::plan_dto(plan))))
}
