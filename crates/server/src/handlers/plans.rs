//! Success plans over the API: an account's plan (read, saved as an update or the quarterly
//! refresh), its versions, an objective's values, a draft from a template, links shared with
//! the customer, and the patterns across all plans.

use super::Page;
use super::health::account;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sherpa_app::{PlanPatterns, PlanView, RecordValue, SavePlan};
use sherpa_core::plan::{GroupBy, PlanContent};
use sherpa_core::{AccountId, Money};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ValueDto {
    /// A decimal, as text.
    pub value: String,
    pub on: chrono::NaiveDate,
    pub note: String,
    /// entry, import, metric, event or feature.
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct ObjectiveDto {
    pub key: String,
    /// on_track, at_risk, off_track, achieved or missed.
    pub status: String,
    /// Percent of the way from baseline to target come so far.
    pub progress_percent: String,
    /// Percent of the way the straight path from baseline to target has come by today.
    pub expected_percent: String,
    pub reason: String,
    /// Where its values come from, in words.
    pub source: String,
    pub owner: Option<String>,
    pub achieved_on: Option<chrono::NaiveDate>,
    pub values: Vec<ValueDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanStepDto {
    pub key: String,
    /// Done on the plan or through its task.
    pub done: bool,
    pub task_id: Option<String>,
    pub owner: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    pub account_id: String,
    pub version: i64,
    pub template: Option<String>,
    pub started_on: chrono::NaiveDate,
    pub refreshed_on: chrono::NaiveDate,
    pub updated_on: chrono::NaiveDate,
    pub refresh_due_on: chrono::NaiveDate,
    pub update_due_on: chrono::NaiveDate,
    /// The twelve rolling months end here.
    pub covers_until: chrono::NaiveDate,
    /// Updated within its month: the health metric "success plan in place".
    pub in_place: bool,
    /// The version's content, as PUT takes it: success, value_drivers, objectives, steps,
    /// blockers.
    #[schema(value_type = Object)]
    pub content: PlanContent,
    pub objectives: Vec<ObjectiveDto>,
    pub steps: Vec<PlanStepDto>,
}

fn percent(share: Decimal) -> String {
    (share * Decimal::ONE_HUNDRED).round().to_string()
}

pub(crate) fn plan_dto(p: PlanView) -> PlanDto {
    PlanDto {
        account_id: p.account.to_string(),
        version: p.version,
        template: p.template,
        started_on: p.started_on,
        refreshed_on: p.refreshed_on,
        updated_on: p.updated_on,
        refresh_due_on: p.refresh_due_on,
        update_due_on: p.update_due_on,
        covers_until: p.covers_until,
        in_place: p.in_place,
        content: p.content,
        objectives: p
            .objectives
            .into_iter()
            .map(|o| ObjectiveDto {
                key: o.key,
                status: o.assessment.status.to_string(),
                progress_percent: percent(o.assessment.progress),
                expected_percent: percent(o.assessment.expected),
                reason: o.assessment.reason,
                source: o.source,
                owner: o.owner,
                achieved_on: o.achieved_on,
                values: o
                    .values
                    .into_iter()
                    .map(|v| ValueDto {
                        value: v.value.normalize().to_string(),
                        on: v.on,
                        note: v.note,
                        source: v.source,
                    })
                    .collect(),
            })
            .collect(),
        steps: p
            .steps
            .into_iter()
            .map(|s| PlanStepDto {
                key: s.key,
                done: s.done,
                task_id: s.task.map(|t| t.to_string()),
                owner: s.owner,
            })
            .collect(),
    }
}

/// The account's live success plan, each objective with its status and the reason; 404 when
/// it has none yet.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/plan", tag = "plans",
    params(("id" = String, Path)),
    responses((status = 200, description = "The success plan", body = PlanDto), (status = 404, body = crate::error::Problem)))]
pub async fn get_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PlanDto>, AppError> {
    let id = account(&id)?;
    match s.app.plan(&u.caller(), id).await? {
        Some(p) => Ok(Json(plan_dto(p))),
        None => Err(AppError::NotFound(format!(
            "account {id} has no success plan yet; PUT one, or start from a template"
        ))),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutPlan {
    /// success, value_drivers, objectives (key, title, measure {kind, unit, baseline,
    /// baseline_on, baseline_source, target, target_on}, source {from: entry | import |
    /// metric + metric | event + event, property, window_days}, owner, first_value), steps
    /// (key, title, owner, due_on, done) and blockers (dimension, label, summary, severity,
    /// status, owner, raised_on, resolved_on, resolution, internal).
    #[schema(value_type = Object)]
    pub content: PlanContent,
    /// The template the plan starts from.
    pub template: Option<String>,
    /// The quarterly refresh (the twelve months roll on from today) rather than an update.
    #[serde(default)]
    pub refresh: bool,
}

/// Saves a new version of the account's plan (its owners and leaders). A bad plan is
/// refused with the first wrong field by its path (`content.objectives[1].measure.target`)
/// and changes nothing.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/plan", tag = "plans",
    params(("id" = String, Path)), request_body = PutPlan,
    responses((status = 200, description = "The success plan", body = PlanDto), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn put_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PutPlan>,
) -> Result<Json<PlanDto>, AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let saved = s
        .app
        .save_plan(
            &u.caller(),
            SavePlan {
                account: id,
                content: b.content,
                template: b.template,
                refresh: b.refresh,
            },
        )
        .await
        .map_err(in_content)?;
    Ok(Json(plan_dto(saved)))
}

/// A plan's field path as the request names it (under `content`).
fn in_content(e: sherpa_app::Error) -> sherpa_app::Error {
    match e {
        sherpa_app::Error::Invalid { field, message } if field != "template" => {
            sherpa_app::Error::Invalid {
                field: format!("content.{field}"),
                message,
            }
        }
        other => other,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersionDto {
    pub version: i64,
    /// start, update or refresh.
    pub kind: String,
    pub made_on: chrono::NaiveDate,
    pub made_at: chrono::DateTime<chrono::Utc>,
    pub made_by: Option<String>,
    /// What it changed from the version before, in words.
    pub changes: Vec<String>,
    pub template: Option<String>,
    #[schema(value_type = Object)]
    pub content: PlanContent,
}

/// Every version of the account's plan, newest first, with what each changed.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/plan/versions", tag = "plans",
    params(("id" = String, Path)), responses((status = 200, description = "The plan versions", body = Page<PlanVersionDto>)))]
pub async fn plan_versions(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<PlanVersionDto>>, AppError> {
    let id = account(&id)?;
    let versions = s.app.plan_versions(&u.caller(), id).await?;
    Ok(Json(
        versions
            .into_iter()
            .map(|v| PlanVersionDto {
                version: v.version,
                kind: v.kind,
                made_on: v.made_on,
                made_at: v.made_at,
                made_by: v.made_by.map(|u| u.to_string()),
                changes: v.changes,
                template: v.template,
                content: v.content,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewValue {
    /// A decimal, as text or a number.
    #[schema(value_type = String)]
    pub value: Decimal,
    /// The day it was measured; today when left out.
    pub on: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub note: String,
}

/// Records a value of an objective (the account's owners and leaders): on or after its
/// baseline's date, not in the future, for an objective whose values a person records.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/plan/objectives/{key}/values", tag = "plans",
    params(("id" = String, Path), ("key" = String, Path)), request_body = NewValue,
    responses((status = 201, description = "The success plan, recorded", body = PlanDto), (status = 400, body = crate::error::Problem)))]
pub async fn record_value(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, key)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<NewValue>,
) -> Result<(StatusCode, Json<PlanDto>), AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let caller = u.caller();
    s.app
        .record_objective_value(
            &caller,
            RecordValue {
                account: id,
                objective: key,
                value: b.value,
                on: b.on,
                note: b.note,
            },
        )
        .await?;
    let plan = s
        .app
        .plan(&caller, id)
        .await?
        .ok_or_else(|| AppError::NotFound("the plan".into()))?;
    Ok((StatusCode::CREATED, Json(plan_dto(plan))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DraftQuery {
    /// The template's name.
    pub template: String,
}

/// A first draft of the account's plan from a template, to edit and PUT: its objectives
/// wait for their baselines and targets. Nothing is saved.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/plan/draft", tag = "plans",
    params(("id" = String, Path), DraftQuery),
    responses((status = 200, description = "The draft plan content, not saved", body = Object), (status = 400, body = crate::error::Problem)))]
pub async fn draft_plan(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DraftQuery>,
) -> Result<Json<PlanContent>, AppError> {
    let id = account(&id)?;
    Ok(Json(s.app.draft_plan(id, &q.template).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// How long the link works, 1 to 365 days.
    pub days: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    pub id: String,
    pub expires_on: chrono::NaiveDate,
    /// The link's path, with its secret: shown once.
    pub path: Option<String>,
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Issues a read-only link to the account's plan for the customer (owners and leaders). The
/// secret is in the answer once and stored only as a hash.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/plan/shares", tag = "plans",
    params(("id" = String, Path)), request_body = NewShare,
    responses((status = 201, description = "The plan link, recorded", body = ShareDto), (status = 400, body = crate::error::Problem)))]
pub async fn share_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewShare>,
) -> Result<(StatusCode, Json<ShareDto>), AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let issued = s.app.share_plan(&u.caller(), id, b.days).await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareDto {
            id: issued.id.to_string(),
            expires_on: issued.expires_on,
            path: Some(format!("/shared/plans/{}", issued.secret)),
            created_at: None,
        }),
    ))
}

/// The account's links that still work.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/plan/shares", tag = "plans",
    params(("id" = String, Path)), responses((status = 200, description = "The plan links", body = Page<ShareDto>)))]
pub async fn list_shares(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<ShareDto>>, AppError> {
    let id = account(&id)?;
    let shares = s.app.plan_shares(&u.caller(), id).await?;
    Ok(Json(
        shares
            .into_iter()
            .map(|x| ShareDto {
                id: x.id.to_string(),
                expires_on: x.expires_on,
                path: None,
                created_at: Some(x.created_at),
            })
            .collect(),
    ))
}

/// Revokes a link: it answers 404 from now on.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/plan/shares/{share}", tag = "plans",
    params(("id" = String, Path), ("share" = String, Path)),
    responses((status = 204, description = "Done; nothing to return"), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_share(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath((id, share)): ApiPath<(String, String)>,
) -> Result<StatusCode, AppError> {
    u.require_write()?;
    let id = account(&id)?;
    let share: i64 = share
        .parse()
        .map_err(|_| AppError::NotFound(format!("plan link {share} not found")))?;
    s.app.revoke_plan_share(&u.caller(), id, share).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PatternsQuery {
    /// dimension (default), label, segment, tier, csm or industry.
    pub group_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountRefDto {
    pub id: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub arr: Money,
}

#[derive(Serialize, ToSchema)]
pub struct BlockerGroupDto {
    pub name: String,
    pub blockers: usize,
    /// The ARR of the accounts with at least one: what the group puts at stake.
    #[schema(value_type = Object)]
    pub arr: Money,
    pub accounts: Vec<AccountRefDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CommonBlockerDto {
    pub name: String,
    pub dimension: String,
    /// Accounts where it stood at some time this quarter, and last quarter.
    pub this_quarter: usize,
    pub last_quarter: usize,
    #[schema(value_type = Object)]
    pub arr: Money,
    /// Accounts where it stands now.
    pub accounts: Vec<AccountRefDto>,
}

#[derive(Serialize, ToSchema)]
pub struct OutcomeDto {
    pub template: String,
    pub unit_kind: String,
    pub achieved: usize,
    pub missed: usize,
    pub running: usize,
    pub median_days_to_target: Option<i64>,
    pub achieved_accounts: Vec<AccountRefDto>,
    pub missed_accounts: Vec<AccountRefDto>,
}

#[derive(Serialize, ToSchema)]
pub struct PatternsDto {
    pub plans: usize,
    pub group_by: String,
    pub groups: Vec<BlockerGroupDto>,
    /// The quarter counted (its first day) and the one before.
    pub this_quarter: chrono::NaiveDate,
    pub last_quarter: chrono::NaiveDate,
    pub common: Vec<CommonBlockerDto>,
    pub outcomes: Vec<OutcomeDto>,
    /// Customer since to the first-value objective reached, over the plans that reached it.
    pub median_days_to_first_value: Option<i64>,
    pub first_value_accounts: usize,
}

fn group_by(raw: Option<&str>) -> Result<GroupBy, AppError> {
    raw.unwrap_or("dimension")
        .parse()
        .map_err(|message| AppError::bad("group_by", message))
}

fn refs(p: &PlanPatterns, ids: &[AccountId]) -> Vec<AccountRefDto> {
    ids.iter()
        .filter_map(|id| {
            p.accounts.get(id).map(|a| AccountRefDto {
                id: id.to_string(),
                name: a.name.clone(),
                arr: a.arr,
            })
        })
        .collect()
}

/// The patterns across every live plan: open blockers by dimension, label, segment, tier, CSM
/// or industry with their accounts and the ARR at stake; the common blockers this quarter
/// against the last; objectives achieved and missed by template and unit; the median time to
/// target and to first value.
#[utoipa::path(get, path = "/api/v1/plans/patterns", operation_id = "plan_patterns", tag = "plans", params(PatternsQuery),
    responses((status = 200, description = "The patterns across live plans", body = PatternsDto), (status = 400, body = crate::error::Problem)))]
pub async fn patterns(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<PatternsQuery>,
) -> Result<Json<PatternsDto>, AppError> {
    let by = group_by(q.group_by.as_deref())?;
    let p = s.app.plan_patterns(&u.caller(), by).await?;
    // Sums of amounts in the reporting currency's minor units: exact as they are.
    let money = |amount: Decimal| Money {
        amount,
        currency: p.currency,
    };
    Ok(Json(PatternsDto {
        plans: p.patterns.plans,
        group_by: q.group_by.unwrap_or_else(|| "dimension".into()),
        groups: p
            .patterns
            .groups
            .iter()
            .map(|g| BlockerGroupDto {
                name: g.name.clone(),
                blockers: g.blockers,
                arr: money(g.arr),
                accounts: refs(&p, &g.accounts),
            })
            .collect(),
        this_quarter: p.patterns.this_quarter,
        last_quarter: p.patterns.last_quarter,
        common: p
            .patterns
            .common
            .iter()
            .map(|c| CommonBlockerDto {
                name: c.name.clone(),
                dimension: c.dimension.clone(),
                this_quarter: c.this_quarter,
                last_quarter: c.last_quarter,
                arr: money(c.arr),
                accounts: refs(&p, &c.open_accounts),
            })
            .collect(),
        outcomes: p
            .patterns
            .outcomes
            .iter()
            .map(|o| OutcomeDto {
                template: o.template.clone(),
                unit_kind: o.kind.to_string(),
                achieved: o.achieved,
                missed: o.missed,
                running: o.running,
                median_days_to_target: o.median_days_to_target,
                achieved_accounts: refs(&p, &o.achieved_accounts),
                missed_accounts: refs(&p, &o.missed_accounts),
            })
            .collect(),
        median_days_to_first_value: p.patterns.median_days_to_first_value,
        first_value_accounts: p.patterns.first_value_accounts,
    }))
}

/// The plans configuration in force: `dimensions` (beyond People, Product, Services and
/// Quality), `labels` (the shared names of common blockers, each in its dimension) and
/// `templates` (model customers by tier or segment: how they define success, value drivers,
/// objectives with units and months, steps with due days, blockers to watch for).
#[utoipa::path(get, path = "/api/v1/plans/config", operation_id = "get_plans_config", tag = "plans",
    responses((status = 200, description = "The plans configuration in force", body = Object)))]
pub async fn get_config(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<sherpa_core::plan::PlansConfig>, AppError> {
    Ok(Json(s.app.plans_config().await?))
}

#[derive(Serialize, ToSchema)]
pub struct SavedPlansConfig {
    /// Whether it differed from the configuration in force (and was saved as a new version).
    pub saved: bool,
    #[schema(value_type = Object)]
    pub config: sherpa_core::plan::PlansConfig,
}

/// Replaces the plans configuration (admins and leaders). A bad one is refused with its key
/// (`templates[1].steps[0].due_days`) and changes nothing. Plans already started keep what
/// their template gave them.
#[utoipa::path(put, path = "/api/v1/plans/config", operation_id = "set_plans_config", tag = "plans",
    request_body(content = Object, description = "the whole configuration, as GET answers it"),
    responses((status = 200, description = "The plans configuration in force", body = SavedPlansConfig)))]
pub async fn set_config(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(config): ApiJson<sherpa_core::plan::PlansConfig>,
) -> Result<Json<SavedPlansConfig>, AppError> {
    let saved = s.app.save_plans_config(&u.caller(), &config).await?;
    Ok(Json(SavedPlansConfig {
        saved,
        config: s.app.plans_config().await?,
    }))
}
