//! Contract terms: list (by account), get, create.

use super::accounts::MoneyDto;
use super::json::ListRecords;
use super::json::{MergePatch, boolean, date, parsed, text, whole};
use super::{ApiJson, ApiPath, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use sherpa_core::*;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ContractDto {
    pub id: String,
    pub account_id: String,
    pub external_id: Option<String>,
    pub products: Vec<String>,
    pub arr: MoneyDto,
    pub seats: Option<i64>,
    pub start_date: chrono::NaiveDate,
    /// The last day of the term: the renewal date.
    pub end_date: chrono::NaiveDate,
    pub status: String,
    pub outcome: Option<String>,
    pub churn_reason: Option<String>,
    pub terms: Option<String>,
    /// Whether the term renews by itself unless the customer cancels; null when not known.
    pub auto_renew: Option<bool>,
    /// Days before the end by which notice of cancellation must be given; null when not set.
    pub notice_days: Option<i64>,
    /// The last day to give notice (end_date minus notice_days): the date the team must beat.
    pub notice_date: Option<chrono::NaiveDate>,
}

impl From<Contract> for ContractDto {
    fn from(c: Contract) -> Self {
        let f = c.fields;
        let notice_date = f.notice_date();
        ContractDto {
            id: c.id.to_string(),
            account_id: f.account_id.to_string(),
            external_id: f.external_id,
            products: f.products,
            arr: f.arr.into(),
            seats: f.seats,
            start_date: f.start_date,
            end_date: f.end_date,
            status: f.status.as_str().into(),
            outcome: f.outcome.map(|o| o.as_str().into()),
            churn_reason: f.churn_reason,
            terms: f.terms,
            auto_renew: f.auto_renew,
            notice_days: f.notice_days,
            notice_date,
        }
    }
}

/// Lists contract terms in id order.
#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", params(ListRecords),
    responses((status = 200, description = "A page of contract terms", body = Page<ContractDto>), (status = 400, body = crate::error::Problem)))]
pub async fn list_contracts(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListRecords>,
) -> Result<Json<Page<ContractDto>>, AppError> {
    let (q, limit) = p.query()?;
    let items = s.store.contracts(&q).await?;
    Ok(Json(Page::<ContractDto>::from_records(items, limit, |c| {
        c.id.to_string()
    })))
}

/// One contract term.
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts", params(("id" = String, Path)),
    responses((status = 200, description = "The contract term", body = ContractDto), (status = 404, body = crate::error::Problem)))]
pub async fn get_contract(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ContractDto>, AppError> {
    let id = id
        .parse::<ContractId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    Ok(Json(s.store.contract(id).await?.into()))
}

/// Adds a contract term; the account's ARR and renewal date follow.
#[utoipa::path(post, path = "/api/v1/contracts", tag = "contracts", request_body(content = Object),
    responses((status = 201, description = "The contract term, recorded", body = ContractDto), (status = 400, body = crate::error::Problem)))]
pub async fn create_contract(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ContractDto>), AppError> {
    let patch = contract_patch(body)?;
    let c = s.app.add_contract(&u.caller(), &patch).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Changes a contract term (JSON Merge Patch): record its outcome when it ends, fix its dates.
#[utoipa::path(patch, path = "/api/v1/contracts/{id}", tag = "contracts", params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The contract term", body = ContractDto)))]
pub async fn update_contract(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<ContractDto>, AppError> {
    let id = id
        .parse::<ContractId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    let patch = contract_patch(body)?;
    Ok(Json(
        s.app.change_contract(&u.caller(), id, &patch).await?.into(),
    ))
}

/// Reads a contract term's fields (Merge Patch semantics); the account by id or CRM id.
pub fn contract_patch(body: Value) -> Result<ContractPatch, AppError> {
    let m = MergePatch::new(
        body,
        &[
            "account_id",
            "account_external_id",
            "external_id",
            "products",
            "arr",
            "seats",
            "start_date",
            "end_date",
            "status",
            "outcome",
            "churn_reason",
            "terms",
            "auto_renew",
            "notice_days",
        ],
    )?;
    let account = match (
        m.required("account_id", parsed::<AccountId>)?,
        m.required("account_external_id", text(limits::EXTERNAL_ID))?,
    ) {
        (Some(id), _) => Some(AccountRef::Id(id)),
        (None, Some(x)) => Some(AccountRef::ExternalId(x)),
        (None, None) => None,
    };
    Ok(ContractPatch {
        account,
        external_id: m.field("external_id", text(limits::EXTERNAL_ID))?,
        products: m
            .field("products", |v| {
                v.as_array()
                    .ok_or("expected a list of product names")?
                    .iter()
                    .map(super::json::string)
                    .collect::<Result<Vec<_>, _>>()
            })?
            .map(Option::unwrap_or_default),
        arr: m.required("arr", |v| {
            serde_json::from_value::<Money>(v.clone()).map_err(|e| {
                format!("expected {{\"amount\": \"12000.00\", \"currency\": \"USD\"}}: {e}")
            })
        })?,
        seats: m.field("seats", whole(100_000_000))?,
        start_date: m.required("start_date", date)?,
        end_date: m.required("end_date", date)?,
        status: m.field("status", parsed::<ContractStatus>)?,
        outcome: m.field("outcome", parsed::<Outcome>)?,
        churn_reason: m.field("churn_reason", text(limits::LONG_TEXT))?,
        terms: m.field("terms", text(limits::LONG_TEXT))?,
        auto_renew: m.field("auto_renew", boolean)?,
        notice_days: m.field("notice_days", whole(limits::MAX_NOTICE_DAYS))?,
    })
}
