//! Accounts: list the book with filters, sort and cursor; get; create; patch (JSON Merge
//! Patch); bulk upsert by external id, all or nothing; ARR history.

use super::json::{MergePatch, date, parsed, text, whole};
use super::{ApiJson, ApiPath, ApiQuery, Page};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sherpa_core::*;
use sherpa_store::{AccountQuery, AccountSort, SortField};
use std::str::FromStr;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct MoneyDto {
    /// A decimal string, never a float: "12000.50".
    pub amount: String,
    /// ISO 4217.
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        MoneyDto {
            amount: m.fixed_amount(),
            currency: m.currency.code().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OwnersDto {
    pub csm: Option<String>,
    pub ae: Option<String>,
    pub customer_development: Option<String>,
    pub executive_sponsor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    pub id: String,
    pub external_id: Option<String>,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    /// ISO 3166-1 alpha-2 code (US, DE, GB); writes also take a name or an alpha-3 code.
    pub country: Option<String>,
    pub employees: Option<i64>,
    pub parent_id: Option<String>,
    /// onboarding, ongoing or churned.
    pub lifecycle: Option<String>,
    pub customer_since: Option<chrono::NaiveDate>,
    pub owners: OwnersDto,
    /// Custom field values by key.
    #[schema(value_type = Object)]
    pub custom: Value,
    /// The sum of the account's current contract terms.
    pub arr: MoneyDto,
    /// The end of the earliest current term.
    pub renewal_date: Option<chrono::NaiveDate>,
    /// A1 .. C3: potential size A/B/C by the potential value, likelihood for growth 1/2/3.
    pub grade: Option<String>,
    /// The potential value the grade was given from.
    pub potential_value: Option<MoneyDto>,
    /// 1, 2 or 3; null while ungraded or waiting for a tier decision.
    pub tier: Option<u8>,
    /// The grade sits between two tiers and no person has picked one yet.
    pub tier_decision_needed: bool,
    /// decision or override when a person set the tier; null when the grid did.
    pub tier_choice: Option<String>,
    pub tier_reason: Option<String>,
    /// The Pareto segment (1 = the top revenue segment) the leader last applied.
    pub segment: Option<u8>,
    /// The latest quarter's 9-box placement.
    pub nine_box: Option<AccountNineBoxDto>,
    /// The health score, 0-100, as last worked out; null before the first or without inputs.
    /// `GET /api/v1/accounts/{id}/health` explains it.
    pub health_score: Option<f64>,
    /// green, yellow, orange or red.
    pub health_colour: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AccountNineBoxDto {
    /// "2026-Q4".
    pub quarter: String,
    /// "3-3": relationship strength, then upsell opportunity.
    pub code: String,
    /// 1 (weak) .. 3 (strong).
    pub relationship: u8,
    /// 1 (small) .. 3 (large).
    pub upsell: u8,
}

impl From<Account> for AccountDto {
    fn from(a: Account) -> Self {
        let f = a.fields;
        let id = |u: Option<UserId>| u.map(|u| u.to_string());
        AccountDto {
            id: a.id.to_string(),
            external_id: f.external_id,
            name: f.name,
            domain: f.domain.map(|d| d.as_str().to_string()),
            industry: f.industry,
            country: f.country,
            employees: f.employees,
            parent_id: f.parent_id.map(|p| p.to_string()),
            lifecycle: f.lifecycle.map(|l| l.as_str().to_string()),
            customer_since: f.customer_since,
            owners: OwnersDto {
                csm: id(f.owners.csm),
                ae: id(f.owners.ae),
                customer_development: id(f.owners.customer_development),
                executive_sponsor: id(f.owners.executive_sponsor),
            },
            custom: custom_values_to_json(&f.custom),
            arr: a.arr.into(),
            renewal_date: a.renewal_date,
            grade: a.priority.grade.map(|g| g.to_string()),
            potential_value: a.priority.potential.map(Into::into),
            tier: a.priority.tier.map(|t| t.get()),
            tier_decision_needed: a.priority.tier_decision_needed,
            tier_choice: a
                .priority
                .tier_choice
                .as_ref()
                .map(|c| c.kind.as_str().to_string()),
            tier_reason: a.priority.tier_choice.map(|c| c.reason),
            segment: a.priority.segment,
            nine_box: a.priority.nine_box.map(|(quarter, b)| AccountNineBoxDto {
                quarter: quarter.to_string(),
                code: b.code(),
                relationship: b.relationship,
                upsell: b.upsell,
            }),
            health_score: a.health.map(|(s, _)| (s * 10.0).round() / 10.0),
            health_colour: a.health.map(|(_, c)| c.as_str().to_string()),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAccounts {
    /// Accounts where this team member (id or email) holds any owner function.
    owner: Option<String>,
    /// onboarding, ongoing or churned.
    lifecycle: Option<String>,
    /// A1 .. C3.
    grade: Option<String>,
    /// 1, 2 or 3.
    tier: Option<i64>,
    /// true: only accounts whose grade waits for a tier decision.
    tier_decision_needed: Option<bool>,
    /// A Pareto segment number (1 = the top revenue segment).
    segment: Option<i64>,
    /// A 9-box: relationship-upsell, like 3-3.
    nine_box: Option<String>,
    /// The health colour now: green, yellow, orange or red.
    health: Option<String>,
    industry: Option<String>,
    /// A country by ISO code or name: US, DEU, United Kingdom.
    country: Option<String>,
    /// Renewal date on or after this day.
    renewal_from: Option<String>,
    /// Renewal date on or before this day.
    renewal_to: Option<String>,
    /// Renewing within this many days from today.
    renewal_within_days: Option<i64>,
    /// Minimum ARR, a decimal like 10000.
    arr_min: Option<String>,
    arr_max: Option<String>,
    /// Text in the name, external id or domain.
    q: Option<String>,
    /// Find the account with this CRM id.
    external_id: Option<String>,
    /// A column, or -column for descending: name, arr, renewal_date, customer_since, employees,
    /// industry, country, lifecycle, created_at, grade, tier, segment, nine_box, health (the
    /// score), last_touch (the day of the last personal touch), csm (the CSM's name),
    /// plan_updated (the success plan's last update). Accounts without a value come last.
    sort: Option<String>,
    cursor: Option<String>,
    /// 1 to 500; default 50.
    limit: Option<i64>,
}

fn decimal(field: &str, s: &str) -> Result<Decimal, AppError> {
    Decimal::from_str(s.trim()).map_err(|_| {
        AppError::bad(
            field,
            format!("\"{s}\" is not a decimal number like 10000.50"),
        )
    })
}

fn day(field: &str, s: &str) -> Result<chrono::NaiveDate, AppError> {
    sherpa_core::text::parse_date(s)
        .ok_or_else(|| AppError::bad(field, format!("\"{s}\" is not a date like 2026-03-31")))
}

/// Lists accounts, filtered and sorted, a page at a time.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(ListAccounts),
    responses((status = 200, description = "A page of accounts", body = Page<AccountDto>), (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem)))]
pub async fn list_accounts(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<ListAccounts>,
) -> Result<Json<Page<AccountDto>>, AppError> {
    let today = s.store.clock().today();
    let owner = match p.owner.as_deref() {
        None => None,
        Some(o) if o.contains('@') => {
            let email = Email::parse(o).map_err(|e| AppError::bad("owner", e.0))?;
            Some(
                s.store
                    .user_by_email(&email)
                    .await?
                    .map(|u| u.id)
                    .unwrap_or(UserId(i64::MAX)),
            )
        }
        Some(o) => Some(
            o.parse::<UserId>()
                .map_err(|e| AppError::bad("owner", e.0))?,
        ),
    };
    let sort = match p.sort.as_deref() {
        None => AccountSort::default(),
        Some(s) => {
            let (name, descending) = s.strip_prefix('-').map(|n| (n, true)).unwrap_or((s, false));
            let field = SortField::parse(name).ok_or_else(|| {
                AppError::bad(
                    "sort",
                    format!(
                        "\"{name}\" is not sortable; use one of {}",
                        SortField::NAMES.join(", ")
                    ),
                )
            })?;
            AccountSort { field, descending }
        }
    };
    let mut renewal_to = p
        .renewal_to
        .as_deref()
        .map(|d| day("renewal_to", d))
        .transpose()?;
    let mut renewal_from = p
        .renewal_from
        .as_deref()
        .map(|d| day("renewal_from", d))
        .transpose()?;
    if let Some(days) = p.renewal_within_days {
        if !(0..=3650).contains(&days) {
            return Err(AppError::bad("renewal_within_days", "use 0 to 3650 days"));
        }
        let (from, to) = renewal_window(today, days);
        renewal_from = Some(renewal_from.map_or(from, |f| f.max(from)));
        renewal_to = Some(renewal_to.map_or(to, |t| t.min(to)));
    }
    let limit = super::json::page_limit(p.limit)?;
    let q = AccountQuery {
        owner,
        lifecycle: p
            .lifecycle
            .as_deref()
            .map(|l| {
                l.parse::<Lifecycle>()
                    .map_err(|e| AppError::bad("lifecycle", e.to_string()))
            })
            .transpose()?,
        grade: p
            .grade
            .as_deref()
            .map(|g| {
                g.parse::<sherpa_core::prioritise::Grade>()
                    .map_err(|e| AppError::bad("grade", e.to_string()))
            })
            .transpose()?,
        tier: p
            .tier
            .map(|t| {
                sherpa_core::prioritise::Tier::new(t)
                    .ok_or_else(|| AppError::bad("tier", "1, 2 or 3"))
            })
            .transpose()?,
        tier_decision_needed: p.tier_decision_needed.unwrap_or(false),
        segment: p
            .segment
            .map(|n| {
                u8::try_from(n)
                    .ok()
                    .filter(|n| (1..=10).contains(n))
                    .ok_or_else(|| AppError::bad("segment", "a segment number, 1 to 10"))
            })
            .transpose()?,
        nine_box: p
            .nine_box
            .as_deref()
            .map(|b| {
                sherpa_core::prioritise::NineBox::parse(b).ok_or_else(|| {
                    AppError::bad("nine_box", "relationship-upsell, each 1 to 3, like 3-3")
                })
            })
            .transpose()?,
        health: p
            .health
            .as_deref()
            .map(|c| {
                c.parse()
                    .map_err(|_| AppError::bad("health", "green, yellow, orange or red"))
            })
            .transpose()?,
        industry: p.industry,
        country: p
            .country
            .as_deref()
            .map(|c| sherpa_core::country_code(c).map_err(|e| AppError::bad("country", e.0)))
            .transpose()?,
        renewal_from,
        renewal_to,
        arr_min: p
            .arr_min
            .as_deref()
            .map(|a| decimal("arr_min", a))
            .transpose()?,
        arr_max: p
            .arr_max
            .as_deref()
            .map(|a| decimal("arr_max", a))
            .transpose()?,
        text: p.q,
        external_id: p.external_id,
        sort,
        cursor: p.cursor,
        limit,
    };
    let (accounts, next) = s.store.accounts(&q).await?;
    Ok(Json(Page {
        items: accounts.into_iter().map(AccountDto::from).collect(),
        next_cursor: next,
    }))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, description = "The account", body = AccountDto), (status = 404, body = crate::error::Problem)))]
pub async fn get_account(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AccountDto>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    Ok(Json(s.store.account(id).await?.into()))
}

const FIELDS: &[&str] = &[
    "external_id",
    "name",
    "domain",
    "industry",
    "country",
    "employees",
    "parent_id",
    "parent_external_id",
    "lifecycle",
    "customer_since",
    "owners",
    "custom",
];

fn person(v: &Value) -> Result<PersonRef, String> {
    let s = super::json::string(v)?;
    if let Ok(id) = s.parse::<UserId>() {
        return Ok(PersonRef::Id(id));
    }
    PersonRef::from_text(&s)
        .map_err(|e| e.0)?
        .ok_or_else(|| "expected a user id or email".to_string())
}

/// Reads an account patch from a JSON object (Merge Patch semantics).
pub fn account_patch(v: Value, defs: &[CustomFieldDef]) -> Result<AccountPatch, AppError> {
    let m = MergePatch::new(v, FIELDS)?;
    let mut p = AccountPatch {
        name: m.required("name", text(limits::NAME))?,
        external_id: m.field("external_id", text(limits::EXTERNAL_ID))?,
        domain: m.field("domain", |v| {
            Domain::parse(&super::json::string(v)?).map_err(|e| e.0)
        })?,
        industry: m.field("industry", text(limits::SHORT_TEXT))?,
        country: m.field("country", |v| {
            sherpa_core::country_code(&text(limits::SHORT_TEXT)(v)?).map_err(|e| e.0)
        })?,
        employees: m.field("employees", whole(limits::MAX_EMPLOYEES))?,
        parent: m.field("parent_id", |v| parsed::<AccountId>(v).map(AccountRef::Id))?,
        lifecycle: m.field("lifecycle", parsed::<Lifecycle>)?,
        customer_since: m.field("customer_since", date)?,
        ..Default::default()
    };
    if let Some(x) = m.field("parent_external_id", text(limits::EXTERNAL_ID))? {
        p.parent = Some(x.map(AccountRef::ExternalId));
    }
    if let Some(name) = &p.name
        && name.is_empty()
    {
        return Err(AppError::bad("name", "name is required"));
    }
    match m.0.get("owners") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let f = k
                    .parse::<OwnerFunction>()
                    .map_err(|e| AppError::bad(&format!("owners.{k}"), e.to_string()))?;
                let r = match v {
                    Value::Null => None,
                    v => Some(person(v).map_err(|e| AppError::bad(&format!("owners.{k}"), e))?),
                };
                p.owners.insert(f, r);
            }
        }
        Some(_) => {
            return Err(AppError::bad(
                "owners",
                "expected an object like {\"csm\": \"ana@example.com\"}",
            ));
        }
    }
    match m.0.get("custom") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let def = defs
                    .iter()
                    .find(|d| &d.key == k)
                    .ok_or_else(|| AppError::bad(&format!("custom.{k}"), "no such custom field"))?;
                let value = def
                    .from_json(v)
                    .map_err(|e| AppError::bad(&format!("custom.{k}"), e.0))?;
                p.custom.insert(k.clone(), value);
            }
        }
        Some(_) => {
            return Err(AppError::bad(
                "custom",
                "expected an object of custom field values",
            ));
        }
    }
    Ok(p)
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body(content = Object, description = "Account fields"),
    responses((status = 201, description = "The account, recorded", body = AccountDto), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<AccountDto>), AppError> {
    // Refused before the body is read, so a caller who may not learns nothing of it.
    u.require_manage()?;
    let patch = account_patch(body, &s.store.custom_fields().await?)?;
    let account = s.app.create_account(&u.caller(), &patch).await?;
    Ok((StatusCode::CREATED, Json(account.into())))
}

/// Changes an account (JSON Merge Patch: a field left out is unchanged, null clears it).
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The account", body = AccountDto), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Json<AccountDto>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let body: Value = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest {
        field: None,
        message: format!("invalid JSON: {e}"),
    })?;
    let patch = account_patch(body, &s.store.custom_fields().await?)?;
    Ok(Json(
        s.app.edit_account(&u.caller(), id, &patch).await?.into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ArrMovementDto {
    pub on: chrono::NaiveDate,
    /// new, expansion, contraction or churn.
    pub kind: String,
    pub change: MoneyDto,
    pub arr_after: MoneyDto,
}

/// The account's ARR history, from its contract terms.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/arr-history", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, description = "The ARR movements", body = Page<ArrMovementDto>), (status = 404, body = crate::error::Problem)))]
pub async fn arr_history(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<ArrMovementDto>>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    s.store.account(id).await?;
    let h = s.store.arr_history(id).await?;
    Ok(Json(
        h.into_iter()
            .map(|m| ArrMovementDto {
                on: m.on,
                kind: m.kind.as_str().into(),
                change: m.change.into(),
                arr_after: m.arr_after.into(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteReason {
    /// Why: a customer's erasure request, a duplicate, a test account (audited; at most 500
    /// characters).
    reason: Option<String>,
}

/// What deleting an account took with it.
#[derive(Serialize, ToSchema)]
pub struct AccountDeleted {
    pub id: String,
    pub name: String,
    pub contacts: u64,
    pub contract_terms: u64,
    /// Raw usage events.
    pub events: u64,
    /// Subsidiaries that now have no parent.
    pub subsidiaries: u64,
}

/// Deletes an account and everything that hangs off it (admins): contacts, contract terms,
/// activities, tasks, tickets, surveys, health, plans and usage. Its contacts' copies in the
/// audit log are erased; the log keeps the account's own entries and this deletion with its
/// `reason`. Subsidiaries stay, without a parent. It cannot be undone.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path), DeleteReason),
    responses((status = 200, description = "What was deleted", body = AccountDeleted), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeleteReason>,
) -> Result<Json<AccountDeleted>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let reason = q.reason.unwrap_or_default();
    let done = s.app.delete_account(&u.caller(), id, &reason).await?;
    Ok(Json(AccountDeleted {
        id: id.to_string(),
        name: done.name,
        contacts: done.contacts,
        contract_terms: done.terms,
        events: done.events,
        subsidiaries: done.subsidiaries,
    }))
}

/// Accounts whose owner function moves to one team member.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountsReassignment {
    /// The accounts (at most 500); one that does not exist, or that the caller may not edit,
    /// refuses them all.
    pub account_ids: Vec<String>,
    /// csm, ae, customer_development or executive_sponsor.
    pub function: String,
    /// The team member who takes them, by id or email.
    pub to: String,
}

/// How many accounts changed owner.
#[derive(Serialize, ToSchema)]
pub struct AccountsReassigned {
    pub accounts: usize,
}

/// Gives many accounts' CSM (or another owner function) to one team member at once: the same
/// change as ticking accounts in the portfolio. All change in one transaction, or none; each
/// change is audited on its account.
#[utoipa::path(post, path = "/api/v1/accounts/reassign", tag = "accounts", request_body = AccountsReassignment,
    responses((status = 200, description = "How many accounts changed owner", body = AccountsReassigned),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn reassign_accounts(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<AccountsReassignment>,
) -> Result<Json<AccountsReassigned>, AppError> {
    let accounts = b
        .account_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            id.parse::<AccountId>()
                .map_err(|e| AppError::bad(&format!("account_ids[{i}]"), e.0))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let moved = s
        .app
        .reassign_accounts(
            &u.caller(),
            sherpa_app::ReassignAccounts {
                accounts,
                function: b.function,
                to: b.to,
            },
        )
        .await?;
    Ok(Json(AccountsReassigned {
        accounts: moved.accounts,
    }))
}
