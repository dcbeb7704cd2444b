//! Revenue over the API: retention per period (each figure with its numerator, denominator and
//! definition), grouped as asked, and the cohort table.

use super::ApiQuery;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sherpa_app::{RetentionQuery, RetentionReport};
use sherpa_core::revenue::{Cohort, DEFINITIONS, Grain, Ratio, Retention};
use sherpa_core::{Currency, Money};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetentionParams {
    /// month (default), quarter, year or week.
    pub grain: Option<String>,
    /// The first period is the one holding this day (default: a year of months, two years of
    /// quarters, three years).
    pub from: Option<chrono::NaiveDate>,
    /// The last period is the one holding this day (default and latest: today).
    pub to: Option<chrono::NaiveDate>,
    /// segment, tier, csm, industry or cohort (customer-since period).
    pub group_by: Option<String>,
}

/// A ratio a person can check.
#[derive(Serialize, ToSchema)]
pub struct RatioDto {
    /// numerator / denominator, as a decimal to 4 places; null when the denominator is zero.
    pub value: Option<String>,
    /// A decimal as text, without trailing zeros: an amount or a count of accounts.
    pub numerator: String,
    pub denominator: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChurnReasonDto {
    pub reason: String,
    #[schema(value_type = Object)]
    pub mrr: Money,
}

/// The retention figures of a period or of a group in it; amounts are MRR.
#[derive(Serialize, ToSchema)]
pub struct RetentionFiguresDto {
    pub accounts_at_start: usize,
    pub accounts_churned: usize,
    #[schema(value_type = Object)]
    pub start_mrr: Money,
    #[schema(value_type = Object)]
    pub churned_mrr: Money,
    #[schema(value_type = Object)]
    pub expansion_mrr: Money,
    #[schema(value_type = Object)]
    pub contraction_mrr: Money,
    /// End MRR of the accounts paying at the start.
    #[schema(value_type = Object)]
    pub retained_end_mrr: Money,
    pub logo_churn: RatioDto,
    pub gross_mrr_churn: RatioDto,
    pub nrr: RatioDto,
    pub grr: RatioDto,
    pub expansion: RatioDto,
    pub contraction: RatioDto,
    pub churn_by_reason: Vec<ChurnReasonDto>,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionGroupDto {
    pub name: String,
    pub figures: RetentionFiguresDto,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionPeriodDto {
    pub label: String,
    pub start: chrono::NaiveDate,
    /// The day the end is read on: the first day after the period, or today while it runs.
    pub end: chrono::NaiveDate,
    /// Still running: the end is read today.
    pub to_date: bool,
    pub total: RetentionFiguresDto,
    pub groups: Vec<RetentionGroupDto>,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionCohortCellDto {
    /// Periods since the cohort joined (0 = the end of its joining period).
    pub age: usize,
    #[schema(value_type = Object)]
    pub mrr: Money,
    pub accounts: usize,
    /// MRR against the cohort's MRR at age 0.
    pub revenue_retained: RatioDto,
    pub logos_retained: RatioDto,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionCohortDto {
    pub label: String,
    pub start: chrono::NaiveDate,
    pub accounts: usize,
    #[schema(value_type = Object)]
    pub base_mrr: Money,
    pub cells: Vec<RetentionCohortCellDto>,
}

#[derive(Serialize, ToSchema)]
pub struct DefinitionDto {
    pub figure: String,
    pub definition: String,
}

#[derive(Serialize, ToSchema)]
pub struct RetentionDto {
    pub grain: String,
    pub group_by: Option<String>,
    pub currency: String,
    /// Terms left out because their currency has no exchange rate.
    pub unconverted_terms: i64,
    pub definitions: Vec<DefinitionDto>,
    pub reading: String,
    pub periods: Vec<RetentionPeriodDto>,
    pub cohorts: Vec<RetentionCohortDto>,
}

fn ratio(r: Ratio) -> RatioDto {
    RatioDto {
        value: r.value().map(|v| v.round_dp(4).to_string()),
        numerator: r.numerator.normalize().to_string(),
        denominator: r.denominator.normalize().to_string(),
    }
}

fn figures(r: &Retention, currency: Currency) -> RetentionFiguresDto {
    let money = |amount: Decimal| Money { amount, currency };
    RetentionFiguresDto {
        accounts_at_start: r.accounts_at_start,
        accounts_churned: r.accounts_churned,
        start_mrr: money(r.start_mrr),
        churned_mrr: money(r.churned_mrr),
        expansion_mrr: money(r.expansion_mrr),
        contraction_mrr: money(r.contraction_mrr),
        retained_end_mrr: money(r.retained_end_mrr),
        logo_churn: ratio(r.logo_churn()),
        gross_mrr_churn: ratio(r.gross_mrr_churn()),
        nrr: ratio(r.nrr()),
        grr: ratio(r.grr()),
        expansion: ratio(r.expansion()),
        contraction: ratio(r.contraction()),
        churn_by_reason: r
            .churn_by_reason
            .iter()
            .map(|(reason, mrr)| ChurnReasonDto {
                reason: reason.clone(),
                mrr: money(*mrr),
            })
            .collect(),
    }
}

fn cohort(c: &Cohort, grain: Grain, currency: Currency) -> RetentionCohortDto {
    RetentionCohortDto {
        label: grain.label(c.start),
        start: c.start,
        accounts: c.accounts,
        base_mrr: Money {
            amount: c.base_mrr,
            currency,
        },
        cells: c
            .cells
            .iter()
            .enumerate()
            .map(|(age, (mrr, accounts))| RetentionCohortCellDto {
                age,
                mrr: Money {
                    amount: *mrr,
                    currency,
                },
                accounts: *accounts,
                revenue_retained: ratio(Ratio {
                    numerator: *mrr,
                    denominator: c.base_mrr,
                }),
                logos_retained: ratio(Ratio {
                    numerator: (*accounts).into(),
                    denominator: c.accounts.into(),
                }),
            })
            .collect(),
    }
}

/// The report as the API (and the JSON report) shows it.
pub fn retention_dto(r: &RetentionReport) -> RetentionDto {
    RetentionDto {
        grain: r.grain.to_string(),
        group_by: r.group_by.map(|g| g.as_str().to_string()),
        currency: r.currency.code().to_string(),
        unconverted_terms: r.unconverted_terms,
        definitions: DEFINITIONS
            .iter()
            .map(|(figure, definition)| DefinitionDto {
                figure: figure.to_string(),
                definition: definition.to_string(),
            })
            .collect(),
        reading: sherpa_core::revenue::READING.to_string(),
        periods: r
            .periods
            .iter()
            .map(|p| RetentionPeriodDto {
                label: p.period.label.clone(),
                start: p.period.start,
                end: p.retention.end,
                to_date: p.to_date,
                total: figures(&p.retention.total, r.currency),
                groups: p
                    .retention
                    .groups
                    .iter()
                    .map(|(name, g)| RetentionGroupDto {
                        name: name.clone(),
                        figures: figures(g, r.currency),
                    })
                    .collect(),
            })
            .collect(),
        cohorts: r
            .cohorts
            .iter()
            .map(|c| cohort(c, r.grain, r.currency))
            .collect(),
    }
}

/// Retention per period: logo churn, gross MRR churn, NRR, GRR, expansion and contraction,
/// each with its numerator, denominator and definition; churned MRR by the recorded reason;
/// grouped by segment, tier, CSM, industry or customer-since cohort; and the cohort table.
#[utoipa::path(get, path = "/api/v1/revenue/retention", tag = "revenue", params(RetentionParams),
    responses((status = 200, description = "The retention figures", body = RetentionDto), (status = 400, body = crate::error::Problem)))]
pub async fn retention(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<RetentionParams>,
) -> Result<Json<RetentionDto>, AppError> {
    let query = RetentionQuery::parse(q.grain.as_deref(), q.from, q.to, q.group_by.as_deref())?;
    let report = s.app.retention(&u.caller(), &query).await?;
    Ok(Json(retention_dto(&report)))
}
