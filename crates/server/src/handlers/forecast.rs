//! The forecast over the API: the waterfall of a series (plan, every re-plan, actual and
//! forecast per period, variance and why, each colour's prediction against what happened, the
//! probability table), locking a plan, re-planning, saying why a period differed, and how
//! accurate past forecasts were.

use super::{ApiJson, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sherpa_app::{AccuracyState, PlanRequest, Waterfall, parse_forecast_grain, parse_series};
use sherpa_core::revenue::{BENCHMARK_POINTS, Calibration, HorizonAccuracy, colour_key};
use sherpa_core::{Currency, Money};
use sherpa_store::PlanRecord;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaterfallQuery {
    /// renewals (default), nrr, grr, logo_churn or expansion.
    pub series: Option<String>,
    /// month (default), week or quarter.
    pub grain: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ForecastPlanDto {
    pub id: i64,
    /// A re-plan names the plan it revises.
    pub plan_id: Option<i64>,
    pub made_at: chrono::DateTime<chrono::Utc>,
    pub by: Option<String>,
    pub note: String,
}

impl From<&PlanRecord> for ForecastPlanDto {
    fn from(p: &PlanRecord) -> ForecastPlanDto {
        ForecastPlanDto {
            id: p.id,
            plan_id: p.plan_id,
            made_at: p.made_at,
            by: p.by.clone(),
            note: p.note.clone(),
        }
    }
}

/// Values by measure, each a decimal as text: for renewals ARR in the reporting currency
/// (due, renewed, churned, contracted, expansion, undecided); for a tracked figure its value
/// in percent.
type Measures = BTreeMap<String, String>;

fn measures(m: &BTreeMap<String, Decimal>) -> Measures {
    m.iter()
        .map(|(k, v)| (k.clone(), v.normalize().to_string()))
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct WhyDto {
    pub why: String,
    pub by: Option<String>,
    pub written_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct WaterfallPeriodDto {
    pub label: String,
    pub start: chrono::NaiveDate,
    /// The first day after the period.
    pub next: chrono::NaiveDate,
    /// It has ended: its actual is recorded once and frozen.
    pub closed: bool,
    #[schema(value_type = Option<Object>)]
    pub plan: Option<Measures>,
    /// Per re-plan (in the order of `replans`): its values, or null when it does not cover the
    /// period.
    #[schema(value_type = Vec<Option<Object>>)]
    pub replans: Vec<Option<Measures>>,
    /// For closed periods: what the recorded outcomes say.
    #[schema(value_type = Option<Object>)]
    pub actual: Option<Measures>,
    /// The actual is recorded and will not change. Until then (terms still waiting for their
    /// outcome, up to 30 days after the period) it is the actual so far.
    pub actual_frozen: bool,
    /// For periods still open: what is expected now.
    #[schema(value_type = Option<Object>)]
    pub forecast: Option<Measures>,
    /// Actual minus plan on the headline measure.
    pub variance: Option<String>,
    pub why: Option<WhyDto>,
    /// Closed, different from the plan, and nobody has said why yet.
    pub why_needed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ColourCheckDto {
    /// green, yellow, orange, red or unscored.
    pub colour: String,
    pub decided: usize,
    /// The churns the plan expected of them (the sum of their chances of churning).
    pub predicted_churns: String,
    pub churned: usize,
    pub undecided: usize,
    pub words: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProbabilityCellDto {
    /// green, yellow, orange, red or unscored (no score: not enough data).
    pub colour: String,
    /// Months to renewal: 0-1, 1-3, 3-6 or 6-12.
    pub months: String,
    /// Back-tested terms in the cell and how many renewed.
    pub terms: u32,
    pub renewed: u32,
    /// What the terms say, leaning on the colour's rate when they are few (0 to 1).
    pub learned: Option<String>,
    /// What a leader set, when they did.
    pub edited: Option<String>,
    /// What the forecast uses.
    pub probability: Option<String>,
}

pub(crate) fn cells(t: &Calibration) -> Vec<ProbabilityCellDto> {
    t.cells
        .iter()
        .map(|c| ProbabilityCellDto {
            colour: colour_key(c.colour).into(),
            months: c.band.key().into(),
            terms: c.count.terms,
            renewed: c.count.renewed,
            learned: c.learned.map(|p| p.normalize().to_string()),
            edited: c.edited.map(|p| p.normalize().to_string()),
            probability: c.probability().map(|p| p.normalize().to_string()),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct WaterfallDto {
    pub series: String,
    pub label: String,
    pub grain: String,
    pub today: chrono::NaiveDate,
    pub currency: String,
    /// The measure plan and actual are compared on.
    pub headline: String,
    pub plan: Option<ForecastPlanDto>,
    /// Every re-plan of the plan, oldest first.
    pub replans: Vec<ForecastPlanDto>,
    pub periods: Vec<WaterfallPeriodDto>,
    /// Per colour: the churn the plan expected of its renewals in closed periods, and what
    /// happened.
    pub colour_checks: Vec<ColourCheckDto>,
    /// The renewal probability table (colour x months to renewal).
    pub probabilities: Vec<ProbabilityCellDto>,
    /// When the table was learned from the back-test; null while it is being computed.
    pub learned_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Terms left out for want of an exchange rate.
    pub unconverted_terms: i64,
}

pub(crate) fn waterfall_dto(w: &Waterfall) -> WaterfallDto {
    WaterfallDto {
        series: w.series.as_str().into(),
        label: w.series.label().into(),
        grain: w.grain.as_str().into(),
        today: w.today,
        currency: w.currency.code().into(),
        headline: w.series.headline().into(),
        plan: w.plan.as_ref().map(ForecastPlanDto::from),
        replans: w.replans.iter().map(ForecastPlanDto::from).collect(),
        periods: w
            .periods
            .iter()
            .map(|p| WaterfallPeriodDto {
                label: p.period.label.clone(),
                start: p.period.start,
                next: p.period.next,
                closed: p.closed,
                plan: p.plan.as_ref().map(measures),
                replans: p.replans.iter().map(|r| r.as_ref().map(measures)).collect(),
                actual: p.actual.as_ref().map(measures),
                actual_frozen: p.frozen,
                forecast: p.forecast.as_ref().map(measures),
                variance: p.variance.map(|v| v.normalize().to_string()),
                why: p.why.as_ref().map(|n| WhyDto {
                    why: n.why.clone(),
                    by: n.by.clone(),
                    written_at: n.written_at,
                }),
                why_needed: p.why_needed(),
            })
            .collect(),
        colour_checks: w
            .colour_checks
            .iter()
            .map(|c| ColourCheckDto {
                colour: colour_key(c.colour).into(),
                decided: c.decided,
                predicted_churns: c.predicted_churns.round_dp(2).normalize().to_string(),
                churned: c.churned,
                undecided: c.undecided,
                words: c.words(),
            })
            .collect(),
        probabilities: cells(&w.basis.table),
        learned_at: w.basis.learned_at,
        unconverted_terms: w.basis.unconverted_terms,
    }
}

/// The waterfall of a series: plan, every re-plan, actual and forecast per period.
#[utoipa::path(get, path = "/api/v1/forecast/waterfall", operation_id = "forecast_waterfall", tag = "forecast",
    params(WaterfallQuery),
    responses((status = 200, description = "The waterfall of the series", body = WaterfallDto), (status = 400, body = crate::error::Problem)))]
pub async fn waterfall(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<WaterfallQuery>,
) -> Result<Json<WaterfallDto>, AppError> {
    let series = parse_series(q.series.as_deref())?;
    let grain = parse_forecast_grain(q.grain.as_deref())?;
    let w = s.app.waterfall(&u.caller(), series, grain).await?;
    Ok(Json(waterfall_dto(&w)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetDto {
    /// The first day of the period.
    pub period: chrono::NaiveDate,
    /// The target, in percent, as a decimal.
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForecastPlan {
    /// renewals (default), nrr, grr, logo_churn or expansion.
    pub series: Option<String>,
    /// month (default), week or quarter.
    pub grain: Option<String>,
    #[serde(default)]
    pub note: String,
    /// For nrr, grr, logo_churn and expansion: a target for each period, in percent. The renewals plan is the
    /// forecast and takes none.
    #[serde(default)]
    pub targets: Vec<TargetDto>,
}

fn request(b: NewForecastPlan) -> Result<PlanRequest, AppError> {
    let series = parse_series(b.series.as_deref())?;
    let grain = parse_forecast_grain(b.grain.as_deref())?;
    let mut targets = BTreeMap::new();
    for (i, t) in b.targets.into_iter().enumerate() {
        if targets.insert(grain.start_of(t.period), t.value).is_some() {
            return Err(AppError::bad(
                &format!("targets[{i}].period"),
                format!("{} is set twice", t.period),
            ));
        }
    }
    Ok(PlanRequest {
        series,
        grain,
        note: b.note,
        targets,
    })
}

/// Locks the plan of a series for the year of periods from the current one (leaders).
#[utoipa::path(post, path = "/api/v1/forecast/plans", tag = "forecast",
    request_body = NewForecastPlan,
    responses((status = 201, description = "The waterfall of the series, recorded", body = WaterfallDto), (status = 400, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn lock_plan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewForecastPlan>,
) -> Result<(StatusCode, Json<WaterfallDto>), AppError> {
    keep_plan(&s, &u, b, false).await
}

/// Locks a plan or makes a re-plan, and answers the waterfall with it.
async fn keep_plan(
    s: &AppState,
    u: &ApiUser,
    b: NewForecastPlan,
    replan: bool,
) -> Result<(StatusCode, Json<WaterfallDto>), AppError> {
    u.require_write()?;
    let req = request(b)?;
    let (series, grain) = (req.series, req.grain);
    if replan {
        s.app.replan(&u.caller(), req).await?;
    } else {
        s.app.lock_plan(&u.caller(), req).await?;
    }
    let w = s.app.waterfall(&u.caller(), series, grain).await?;
    Ok((StatusCode::CREATED, Json(waterfall_dto(&w))))
}

/// Re-plans the locked plan's open periods: a new dated snapshot (leaders).
#[utoipa::path(post, path = "/api/v1/forecast/replans", tag = "forecast",
    request_body = NewForecastPlan,
    responses((status = 201, description = "The waterfall of the series, recorded", body = WaterfallDto), (status = 400, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn replan(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewForecastPlan>,
) -> Result<(StatusCode, Json<WaterfallDto>), AppError> {
    keep_plan(&s, &u, b, true).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVariance {
    /// renewals (default), nrr, grr, logo_churn or expansion.
    pub series: Option<String>,
    /// month (default), week or quarter.
    pub grain: Option<String>,
    /// A day of the closed period.
    pub period: chrono::NaiveDate,
    pub why: String,
}

/// Says why a closed period differed from the plan (leaders; every note is kept).
#[utoipa::path(put, path = "/api/v1/forecast/variances", tag = "forecast",
    request_body = NewVariance,
    responses((status = 200, description = "The waterfall of the series", body = WaterfallDto), (status = 400, body = crate::error::Problem)))]
pub async fn explain_variance(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<NewVariance>,
) -> Result<Json<WaterfallDto>, AppError> {
    u.require_write()?;
    let series = parse_series(b.series.as_deref())?;
    let grain = parse_forecast_grain(b.grain.as_deref())?;
    s.app
        .explain_variance(&u.caller(), series, grain, b.period, &b.why)
        .await?;
    let w = s.app.waterfall(&u.caller(), series, grain).await?;
    Ok(Json(waterfall_dto(&w)))
}

#[derive(Serialize, ToSchema)]
pub struct AccuracyPointDto {
    /// The day the forecast was made as of.
    pub as_of: chrono::NaiveDate,
    pub renewals: usize,
    /// Revenue retention of the renewals, forecast and actual (0 to 1).
    pub forecast_retention: Option<String>,
    pub actual_retention: Option<String>,
    #[schema(value_type = Object)]
    pub forecast_churned: Money,
    #[schema(value_type = Object)]
    pub actual_churned: Money,
}

#[derive(Serialize, ToSchema)]
pub struct HorizonAccuracyDto {
    pub months: u32,
    /// In plain words.
    pub words: String,
    pub forecasts: usize,
    pub renewals: usize,
    /// Mean absolute error of revenue retention, in percentage points.
    pub mean_error_points: Option<String>,
    /// The absolute errors of the middle 80% of the forecasts.
    pub error_from_points: Option<String>,
    pub error_to_points: Option<String>,
    /// Mean signed error: above zero, the forecast was too hopeful.
    pub bias_points: Option<String>,
    pub within_benchmark: usize,
    /// Churned ARR missed, as a share of what churned.
    pub churn_error_share: Option<String>,
    pub points: Vec<AccuracyPointDto>,
}

#[derive(Serialize, ToSchema)]
pub struct AccuracyDto {
    /// The forecasts are being judged; ask again shortly.
    pub computing: bool,
    pub computed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What a team that knows its book aims for after a year, in points.
    pub benchmark_points: String,
    pub horizons: Vec<HorizonAccuracyDto>,
}

fn point(v: Option<Decimal>) -> Option<String> {
    v.map(|v| v.round_dp(2).normalize().to_string())
}

fn horizon_dto(h: &HorizonAccuracy, currency: Currency) -> HorizonAccuracyDto {
    let money = |amount: Decimal| Money {
        amount: amount.round_dp(currency.minor_digits()),
        currency,
    };
    HorizonAccuracyDto {
        months: h.months,
        words: h.words(),
        forecasts: h.points.len(),
        renewals: h.renewals,
        mean_error_points: point(h.mean_error),
        error_from_points: point(h.error_range.map(|r| r.0)),
        error_to_points: point(h.error_range.map(|r| r.1)),
        bias_points: point(h.bias),
        within_benchmark: h.within_benchmark,
        churn_error_share: h
            .churn_error_share
            .map(|s| s.round_dp(4).normalize().to_string()),
        points: h
            .points
            .iter()
            .map(|p| AccuracyPointDto {
                as_of: p.as_of,
                renewals: p.actual.renewals,
                forecast_retention: p.forecast.retention().map(|v| v.round_dp(4).to_string()),
                actual_retention: p.actual.retention().map(|v| v.round_dp(4).to_string()),
                forecast_churned: money(p.forecast.churned),
                actual_churned: money(p.actual.churned),
            })
            .collect(),
    }
}

/// How accurate the renewal forecast has been, judged as of each past month from what was
/// known then; 202 while it is being computed.
#[utoipa::path(get, path = "/api/v1/forecast/accuracy", operation_id = "forecast_accuracy", tag = "forecast",
    responses((status = 200, description = "The forecast accuracy", body = AccuracyDto), (status = 202, description = "Being computed: ask again in a few seconds", body = AccuracyDto)))]
pub async fn accuracy(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<(StatusCode, Json<AccuracyDto>), AppError> {
    let (status, computed_at, horizons) = match s.app.forecast_accuracy(&u.caller()).await? {
        AccuracyState::Ready {
            computed_at,
            currency,
            horizons,
        } => (
            StatusCode::OK,
            Some(computed_at),
            horizons.iter().map(|h| horizon_dto(h, currency)).collect(),
        ),
        AccuracyState::Computing => (StatusCode::ACCEPTED, None, Vec::new()),
    };
    Ok((
        status,
        Json(AccuracyDto {
            computing: computed_at.is_none(),
            computed_at,
            benchmark_points: BENCHMARK_POINTS.to_string(),
            horizons,
        }),
    ))
}
