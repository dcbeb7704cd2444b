//! Effectiveness over the API: the models in force with how many accounts stand in each
//! phase, and one account's phase, behaviours, baseline, history and next steps.

use super::health::account;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
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
    pub phases: Vec<PhaseDto>,
    /// Accounts that reach none of its phases yet.
    pub accounts_before_first_phase: i64,
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
    let counts = s.app.phase_counts().await?;
    let count = |model: &str, phase: usize| {
        counts
            .iter()
            .find(|(m, p, _)| m == model && *p == phase)
            .map_or(0, |c| c.2)
    };
    let models = config
        .models
        .iter()
        .map(|m| ModelDto {
            name: m.name.clone(),
            description: m.description.clone(),
            met_percent: m.met_percent,
            accounts_before_first_phase: count(&m.name, 0),
            phases: m
                .phases
                .iter()
                .enumerate()
                .map(|(i, p)| PhaseDto {
                    phase: i + 1,
                    name: p.name.clone(),
                    description: p.description.clone(),
                    accounts: count(&m.name, i + 1),
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
        })
        .collect();
    Ok(ModelsDto { config, models })
}

/// The effectiveness models in force (3 to 7 phases each, every behaviour measured by a
/// feature's users or a health metric), the rules that give each account one, and how many
/// accounts stand in each phase.
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
