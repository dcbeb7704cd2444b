//! The renewal pipeline over the API: every term ending within a window with its date to
//! beat, colour and call; the CSM's call made, and every call made on a renewal.

use super::Page;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_app::{MakeCall, Renewal};
use sherpa_core::revenue::RenewalCall;
use sherpa_core::{ContractId, Money};
use sherpa_store::CallMade;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PipelineQuery {
    /// Terms ending within this many days of today (default 365, at most 1095).
    pub within_days: Option<i64>,
    /// Only the renewals of the accounts the caller owns.
    #[serde(default)]
    pub mine: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CallDto {
    /// commit, likely, at_risk or lost.
    pub call: String,
    pub note: String,
    pub by: Option<String>,
    pub made_at: chrono::DateTime<chrono::Utc>,
}

impl From<&CallMade> for CallDto {
    fn from(c: &CallMade) -> CallDto {
        CallDto {
            call: c.call.as_str().into(),
            note: c.note.clone(),
            by: c.by.clone(),
            made_at: c.made_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RenewalDto {
    pub contract_id: String,
    pub account_id: String,
    pub account_name: String,
    pub csm: Option<String>,
    /// As the contract states it.
    #[schema(value_type = Object)]
    pub arr: Money,
    /// In the reporting currency; null when the contract's currency has no exchange rate.
    #[schema(value_type = Object)]
    pub reporting_arr: Option<Money>,
    /// The term's last day.
    pub end_date: chrono::NaiveDate,
    pub days_to_renewal: i64,
    pub notice_days: Option<i64>,
    /// The last day to give notice of cancellation.
    pub notice_date: Option<chrono::NaiveDate>,
    /// What the team must beat: the notice date when there is one, else the end.
    pub deadline: chrono::NaiveDate,
    pub days_to_deadline: i64,
    pub auto_renew: Option<bool>,
    /// green, yellow, orange or red; null when the account has no score.
    pub health_colour: Option<String>,
    pub health_score: Option<f64>,
    /// The modelled chance it renews (0 to 1): the probability table's figure for its colour
    /// and months to renewal; null when the table has none.
    pub renewal_probability: Option<String>,
    /// The latest call; null when nobody has made one.
    pub call: Option<CallDto>,
    /// The next term is already signed.
    pub signed: bool,
    /// MEDDICC elements rated, of those in use.
    pub meddicc_rated: usize,
    pub meddicc_of: usize,
}

pub(super) fn dto(r: &Renewal) -> RenewalDto {
    let s = &r.stored;
    RenewalDto {
        contract_id: s.contract.to_string(),
        account_id: s.account.to_string(),
        account_name: s.name.clone(),
        csm: s.csm_name.clone(),
        arr: s.arr,
        reporting_arr: s.reporting_arr,
        end_date: s.end,
        days_to_renewal: r.days_to_renewal,
        notice_days: s.notice_days,
        notice_date: r.notice_date,
        deadline: r.deadline,
        days_to_deadline: r.days_to_deadline,
        auto_renew: s.auto_renew,
        health_colour: s.colour.map(|c| c.as_str().into()),
        health_score: s.score.map(|v| (v * 10.0).round() / 10.0),
        renewal_probability: r.probability.map(|p| p.normalize().to_string()),
        call: s.call.as_ref().map(CallDto::from),
        signed: s.signed,
        meddicc_rated: r.meddicc.0,
        meddicc_of: r.meddicc.1,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PipelineDto {
    pub today: chrono::NaiveDate,
    pub within_days: i64,
    pub currency: String,
    pub renewals: Vec<RenewalDto>,
}

/// Every contract term ending within `within_days` with no outcome yet, soonest first.
#[utoipa::path(get, path = "/api/v1/renewals", operation_id = "renewal_pipeline", tag = "renewals", params(PipelineQuery),
    responses((status = 200, description = "The renewal pipeline", body = PipelineDto), (status = 400, body = crate::error::Problem)))]
pub async fn pipeline(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<PipelineQuery>,
) -> Result<Json<PipelineDto>, AppError> {
    let p = s.app.renewals(&u.caller(), q.within_days, q.mine).await?;
    Ok(Json(PipelineDto {
        today: p.today,
        within_days: p.within_days,
        currency: p.currency.code().into(),
        renewals: p.renewals.iter().map(dto).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    /// commit, likely, at_risk or lost.
    pub call: String,
    #[serde(default)]
    pub note: String,
}

fn contract(id: &str) -> Result<ContractId, AppError> {
    id.parse::<ContractId>()
        .map_err(|e| AppError::NotFound(e.0))
}

/// Makes the call on a renewal (the account's owners and leaders); every call is kept.
#[utoipa::path(put, path = "/api/v1/renewals/{contract_id}/call", operation_id = "make_renewal_call", tag = "renewals",
    params(("contract_id" = String, Path)), request_body = NewCall,
    responses((status = 200, description = "The renewal with its latest call", body = RenewalDto), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn make_call(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewCall>,
) -> Result<Json<RenewalDto>, AppError> {
    u.require_write()?;
    let contract = contract(&id)?;
    let call = b
        .call
        .parse::<RenewalCall>()
        .map_err(|e| AppError::bad("call", e.to_string()))?;
    let r = s
        .app
        .make_renewal_call(
            &u.caller(),
            MakeCall {
                contract,
                call,
                note: b.note,
            },
        )
        .await?;
    Ok(Json(dto(&r)))
}

/// Every call made on a renewal, the latest first.
#[utoipa::path(get, path = "/api/v1/renewals/{contract_id}/call", operation_id = "renewal_calls", tag = "renewals",
    params(("contract_id" = String, Path)),
    responses((status = 200, description = "The renewal calls", body = Page<CallDto>), (status = 404, body = crate::error::Problem)))]
pub async fn calls(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<CallDto>>, AppError> {
    let calls = s.app.renewal_calls(&u.caller(), contract(&id)?).await?;
    Ok(Json(calls.iter().map(CallDto::from).collect()))
}
