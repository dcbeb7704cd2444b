//! The engagement engine over the API: its configuration as code, the model an account follows
//! and its onboarding, milestones marked done by a person, and product releases.

use super::Page;
use super::health::account;
use super::{ApiJson, ApiPath};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_app::RecordRelease;
use sherpa_core::engagement::{EngagementConfig, analytics};
use sherpa_store::{AccountEngagement, ProductRelease};
use utoipa::ToSchema;

/// The engagement configuration in force: `rules` (ordered, first match: `when` tier, segment,
/// lifecycle; `then` a model) and `models`, each with `milestones` (onboarding) and `moments`
/// (ongoing: `when` is `every` an RRULE, `customer_day`, `contract_day`, `renewal_in_days`,
/// or an event).
#[utoipa::path(get, path = "/api/v1/engagement/config", operation_id = "get_engagement_config", tag = "engagement",
    responses((status = 200, description = "The engagement configuration in force", body = Object)))]
pub async fn get_config(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<EngagementConfig>, AppError> {
    Ok(Json(s.store.engagement_config().await?))
}

#[derive(Serialize, ToSchema)]
pub struct SavedEngagementConfig {
    /// Whether it differed from the configuration in force (and was saved as a new version).
    pub saved: bool,
    #[schema(value_type = Object)]
    pub config: EngagementConfig,
}

/// Replaces the engagement configuration (admins and leaders). A bad one is refused with its
/// key (`models[1].moments[2].when`) and changes nothing.
#[utoipa::path(put, path = "/api/v1/engagement/config", operation_id = "set_engagement_config", tag = "engagement",
    request_body(content = Object, description = "the whole configuration, as GET answers it"),
    responses((status = 200, description = "The engagement configuration in force", body = SavedEngagementConfig)))]
pub async fn set_config(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(config): ApiJson<EngagementConfig>,
) -> Result<Json<SavedEngagementConfig>, AppError> {
    let saved = s.app.save_engagement_config(&u.caller(), &config).await?;
    Ok(Json(SavedEngagementConfig {
        saved,
        config: s.store.engagement_config().await?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    pub key: String,
    pub title: String,
    /// csm, ae, customer_development or executive_sponsor.
    pub owner: String,
    pub objective: String,
    pub expected_on: chrono::NaiveDate,
    pub completed_on: Option<chrono::NaiveDate>,
    /// What completed it: "first login", "kickoff logged", "marked done by ...".
    pub completed_how: Option<String>,
    /// Days past the expected day while not completed, during onboarding.
    pub days_late: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FiredDto {
    pub moment: String,
    pub occurrence: String,
    pub fired_on: chrono::NaiveDate,
    pub why: String,
    pub task_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EngagementDto {
    /// The model the account follows.
    pub model: String,
    /// Which rule assigned it: "rule 2: tier 2".
    pub why: String,
    pub customer_since: Option<chrono::NaiveDate>,
    /// Whether the onboarding phase is over.
    pub onboarded: bool,
    /// onboarding, ongoing or churned (no moment fires for a churned account); null before
    /// the account is a customer.
    pub phase: Option<String>,
    pub milestones: Vec<MilestoneDto>,
    /// Moments fired for the account, newest first.
    pub fired: Vec<FiredDto>,
}

fn dto(e: AccountEngagement, today: chrono::NaiveDate) -> EngagementDto {
    EngagementDto {
        model: e.model.clone(),
        why: e.why.clone(),
        customer_since: e.customer_since,
        onboarded: e.onboarded,
        phase: e.phase().map(|p| p.as_str().into()),
        milestones: e
            .milestones
            .iter()
            .cloned()
            .map(|m| MilestoneDto {
                days_late: e.days_late(&m, today),
                key: m.key,
                title: m.title,
                owner: m.owner.as_str().into(),
                objective: m.objective,
                expected_on: m.expected_on,
                completed_on: m.completed.as_ref().map(|c| c.on),
                completed_how: m.completed.map(|c| c.how),
            })
            .collect(),
        fired: e
            .fired
            .iter()
            .cloned()
            .map(|f| FiredDto {
                moment: f.moment,
                occurrence: f.occurrence,
                fired_on: f.fired_on,
                why: f.why,
                task_id: f.task.map(|t| t.to_string()),
            })
            .collect(),
    }
}

/// The engagement model the account follows and why, its milestones with expected and actual
/// days, and the moments fired for it.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/engagement", tag = "engagement",
    params(("id" = String, Path)), responses((status = 200, description = "The engagement of the account", body = EngagementDto)))]
pub async fn get_engagement(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EngagementDto>, AppError> {
    let id = account(&id)?;
    let today = s.store.clock().today();
    Ok(Json(dto(s.store.account_engagement(id).await?, today)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteMilestone {
    /// The day it was done; today when left out.
    pub completed_on: Option<chrono::NaiveDate>,
}

/// Marks an onboarding milestone done (the account's owners, their managers and admins).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/milestones/{key}", tag = "engagement",
    params(("id" = String, Path), ("key" = String, Path)), request_body = CompleteMilestone,
    responses((status = 200, description = "The engagement of the account", body = EngagementDto), (status = 409, body = crate::error::Problem)))]
pub async fn complete_milestone(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, key)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<CompleteMilestone>,
) -> Result<Json<EngagementDto>, AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let cmd = sherpa_app::CompleteMilestone {
        account: id,
        milestone: key,
        on: b.completed_on,
    };
    s.app.complete_milestone(&u.caller(), cmd).await?;
    let today = s.store.clock().today();
    Ok(Json(dto(s.store.account_engagement(id).await?, today)))
}

#[derive(Serialize, ToSchema)]
pub struct ReleaseDto {
    pub id: String,
    pub name: String,
    pub released_on: chrono::NaiveDate,
    pub notes: String,
}

impl From<ProductRelease> for ReleaseDto {
    fn from(r: ProductRelease) -> Self {
        ReleaseDto {
            id: r.id.to_string(),
            name: r.name,
            released_on: r.released_on,
            notes: r.notes,
        }
    }
}

/// Product releases, newest first.
#[utoipa::path(get, path = "/api/v1/releases", tag = "engagement",
    responses((status = 200, description = "The releases", body = Page<ReleaseDto>)))]
pub async fn list_releases(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<Page<ReleaseDto>>, AppError> {
    Ok(Json(
        s.store
            .releases()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelease {
    pub name: String,
    /// Today when left out.
    pub released_on: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub notes: String,
}

/// Records a product release (admins and leaders): the accounts whose model reacts to one get
/// their moment at the next sweep.
#[utoipa::path(post, path = "/api/v1/releases", tag = "engagement", request_body = NewRelease,
    responses((status = 201, description = "The release, recorded", body = ReleaseDto), (status = 400, body = crate::error::Problem)))]
pub async fn record_release(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewRelease>,
) -> Result<(StatusCode, Json<ReleaseDto>), AppError> {
    let cmd = RecordRelease {
        name: b.name,
        released_on: b.released_on,
        notes: b.notes,
    };
    let r = s.app.record_release(&u.caller(), cmd).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

#[derive(Serialize, ToSchema)]
pub struct StepDto {
    /// The milestone before (`contract_start` for the first) and the one reached.
    pub from: String,
    pub to: String,
    pub accounts: usize,
    pub median_days: f64,
    pub p90_days: f64,
}

#[derive(Serialize, ToSchema)]
pub struct SpreadDto {
    pub accounts: usize,
    pub median_days: f64,
    pub p90_days: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CohortDto {
    /// The quarter its customers started: "2026-Q3".
    pub cohort: String,
    pub accounts: usize,
    pub steps: Vec<StepDto>,
    /// Days from the contract start to first value.
    pub time_to_first_value: Option<SpreadDto>,
}

#[derive(Serialize, ToSchema)]
pub struct SegmentValueDto {
    /// The Pareto segment; null for accounts not segmented.
    pub segment: Option<u8>,
    pub time_to_first_value: SpreadDto,
}

#[derive(Serialize, ToSchema)]
pub struct OnboardingAnalyticsDto {
    pub accounts: usize,
    pub steps: Vec<StepDto>,
    /// The step with the longest median among those of at least 5 accounts: the candidate
    /// systemic delay.
    pub slowest: Option<StepDto>,
    pub cohorts: Vec<CohortDto>,
    pub time_to_first_value_by_segment: Vec<SegmentValueDto>,
}

fn step(s: analytics::Step) -> StepDto {
    StepDto {
        from: s.from,
        to: s.to,
        accounts: s.accounts,
        median_days: s.median_days,
        p90_days: s.p90_days,
    }
}

fn spread(s: analytics::Spread) -> SpreadDto {
    SpreadDto {
        accounts: s.accounts,
        median_days: s.median_days,
        p90_days: s.p90_days,
    }
}

/// Onboarding analytics: the days between consecutive milestones overall and by
/// cohort (median, p90), the slowest step, and time to first value by cohort and segment.
#[utoipa::path(get, path = "/api/v1/onboarding/analytics", tag = "engagement",
    responses((status = 200, description = "The onboarding analytics", body = OnboardingAnalyticsDto)))]
pub async fn onboarding_analytics(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<OnboardingAnalyticsDto>, AppError> {
    let a = s.store.onboarding_analytics().await?;
    Ok(Json(OnboardingAnalyticsDto {
        accounts: a.accounts,
        steps: a.steps.into_iter().map(step).collect(),
        slowest: a.slowest.map(step),
        cohorts: a
            .cohorts
            .into_iter()
            .map(|c| CohortDto {
                cohort: c.cohort,
                accounts: c.accounts,
                steps: c.steps.into_iter().map(step).collect(),
                time_to_first_value: c.first_value.map(spread),
            })
            .collect(),
        time_to_first_value_by_segment: a
            .first_value_by_segment
            .into_iter()
            .map(|(segment, s)| SegmentValueDto {
                segment,
                time_to_first_value: spread(s),
            })
            .collect(),
    }))
}
