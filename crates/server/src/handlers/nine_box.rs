//! The 9-box (seed 001): placing an account for a quarter, and the quarter's book on the grid
//! with movement and where personal time went, by box and by tier.

use super::accounts::AccountDto;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sherpa_store::NineBoxView;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
pub struct PlacementBody {
    /// "2026-Q4"; default the current quarter.
    pub quarter: Option<String>,
    /// Relationship strength: 1 (at risk) .. 3 (strong).
    pub relationship: i64,
    /// Upsell opportunity: 1 (small) .. 3 (large).
    pub upsell: i64,
    pub note: Option<String>,
}

fn quarter(s: Option<&str>, today: chrono::NaiveDate) -> Result<Quarter, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Quarter::of(today)),
        Some(q) => q
            .parse()
            .map_err(|e: QuarterError| AppError::bad("quarter", e.to_string())),
    }
}

/// Places the account in the 9-box for a quarter (the account's owners, leaders, admins).
#[utoipa::path(put, path = "/api/v1/accounts/{id}/nine-box", tag = "prioritisation", params(("id" = String, Path)),
    request_body = PlacementBody,
    responses((status = 200, body = AccountDto)))]
pub async fn place_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PlacementBody>,
) -> Result<Json<AccountDto>, AppError> {
    let id = id
        .parse::<AccountId>()
        .map_err(|e| AppError::NotFound(e.0))?;
    let account = s.store.account(id).await?;
    u.require_grade(&account)?;
    let q = quarter(body.quarter.as_deref(), s.store.clock().today())?;
    let b = NineBox::new(body.relationship, body.upsell).map_err(|e| match e {
        NineBoxError::Rating { field, .. } => AppError::bad(field, e.to_string()),
        other => AppError::bad("nine_box", other.to_string()),
    })?;
    let note = body.note.unwrap_or_default();
    Ok(Json(
        s.store
            .place_in_nine_box(&u.actor(), id, q, b, &note)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NineBoxParams {
    /// "2026-Q4"; default the current quarter.
    quarter: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PlacedAccountDto {
    pub id: String,
    pub name: String,
    pub tier: Option<u8>,
    /// The box the quarter before ("1-1"), if placed then.
    pub previous: Option<String>,
    /// up, down, sideways, same or new.
    pub movement: String,
    pub note: String,
    /// Personal activities (calls, meetings, emails, reviews; not notes) in the quarter.
    pub touches: u32,
}

#[derive(Serialize, ToSchema)]
pub struct TimeSpentDto {
    pub accounts: u32,
    pub touches: u32,
    pub touches_per_account: f64,
}

#[derive(Serialize, ToSchema)]
pub struct BoxDto {
    /// "3-3": relationship strength, then upsell opportunity.
    pub code: String,
    pub label: String,
    pub relationship: u8,
    pub upsell: u8,
    pub time_spent: TimeSpentDto,
    pub accounts: Vec<PlacedAccountDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TierTimeDto {
    /// 1, 2, 3, or null for accounts without a tier.
    pub tier: Option<u8>,
    pub time_spent: TimeSpentDto,
}

#[derive(Serialize, ToSchema)]
pub struct NineBoxViewDto {
    pub quarter: String,
    pub previous_quarter: String,
    /// The nine boxes, lower left ("1-1") first, row by row.
    pub boxes: Vec<BoxDto>,
    /// Where time was wanted (tier) against where it went (touches per account).
    pub by_tier: Vec<TierTimeDto>,
    /// Accounts placed the quarter before and not yet this quarter.
    pub not_yet_placed: usize,
}

fn time_dto(t: TimeSpent) -> TimeSpentDto {
    TimeSpentDto {
        accounts: t.accounts,
        touches: t.touches,
        touches_per_account: t.per_account(),
    }
}

/// One word for an account's move since the quarter before.
pub fn movement(now: NineBox, before: Option<NineBox>) -> &'static str {
    match before {
        None => "new",
        Some(b) if b == now => "same",
        Some(b) => match NineBox::movement(b, now) {
            1.. => "up",
            0 => "sideways",
            _ => "down",
        },
    }
}

pub fn nine_box_dto(v: NineBoxView) -> NineBoxViewDto {
    let by_box = time_spent(v.entries.iter().map(|e| (e.nine_box, e.touches)));
    let by_tier = time_spent(v.entries.iter().map(|e| (e.tier, e.touches)));
    NineBoxViewDto {
        quarter: v.quarter.to_string(),
        previous_quarter: v.quarter.previous().to_string(),
        boxes: NineBox::all()
            .map(|b| BoxDto {
                code: b.code(),
                label: v.labels.label(b).to_string(),
                relationship: b.relationship,
                upsell: b.upsell,
                time_spent: time_dto(by_box.get(&b).copied().unwrap_or_default()),
                accounts: v
                    .entries
                    .iter()
                    .filter(|e| e.nine_box == b)
                    .map(|e| PlacedAccountDto {
                        id: e.id.to_string(),
                        name: e.name.clone(),
                        tier: e.tier.map(Tier::get),
                        previous: e.before.map(NineBox::code),
                        movement: movement(e.nine_box, e.before).into(),
                        note: e.note.clone(),
                        touches: e.touches,
                    })
                    .collect(),
            })
            .collect(),
        by_tier: by_tier
            .into_iter()
            .map(|(tier, t)| TierTimeDto {
                tier: tier.map(Tier::get),
                time_spent: time_dto(t),
            })
            .collect(),
        not_yet_placed: v.not_yet_placed,
    }
}

/// The book on the 9-box for a quarter: each box's accounts with their move since the quarter
/// before, and personal touches by box and by tier.
#[utoipa::path(get, path = "/api/v1/nine-box", tag = "prioritisation", params(NineBoxParams),
    responses((status = 200, body = NineBoxViewDto)))]
pub async fn get_nine_box(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<NineBoxParams>,
) -> Result<Json<NineBoxViewDto>, AppError> {
    let q = quarter(p.quarter.as_deref(), s.store.clock().today())?;
    Ok(Json(nine_box_dto(s.store.nine_box(q).await?)))
}
