//! The 9-box in the API: placing an account for a quarter, and the quarter's book on the grid
//! with movement and where personal time went, by box and by tier.

use super::accounts::AccountDto;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use sherpa_app::{PlaceInNineBox, QuarterBoard};
use sherpa_core::prioritise::*;
use sherpa_core::*;
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

/// Places the account in the 9-box for a quarter (the account's owners, leaders, admins).
#[utoipa::path(put, path = "/api/v1/accounts/{id}/nine-box", tag = "prioritisation", params(("id" = String, Path)),
    request_body = PlacementBody,
    responses((status = 200, description = "The account", body = AccountDto)))]
pub async fn place_account(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PlacementBody>,
) -> Result<Json<AccountDto>, AppError> {
    let cmd = PlaceInNineBox {
        account: id
            .parse::<AccountId>()
            .map_err(|e| AppError::NotFound(e.0))?,
        quarter: body
            .quarter
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .map(PlaceInNineBox::quarter)
            .transpose()?,
        relationship: body.relationship,
        upsell: body.upsell,
        note: body.note.unwrap_or_default(),
    };
    Ok(Json(
        s.app.place_in_nine_box(&u.caller(), cmd).await?.into(),
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
    /// Personal touches the tier's cadence wanted per account in the quarter so far; null
    /// without a tier or a cadence.
    pub wanted_per_account: Option<u32>,
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

impl From<QuarterBoard> for NineBoxViewDto {
    fn from(q: QuarterBoard) -> Self {
        NineBoxViewDto {
            quarter: q.quarter.to_string(),
            previous_quarter: q.quarter.previous().to_string(),
            boxes: q
                .boxes
                .into_iter()
                .map(|b| BoxDto {
                    code: b.nine_box.code(),
                    label: b.label,
                    relationship: b.nine_box.relationship,
                    upsell: b.nine_box.upsell,
                    time_spent: time_dto(b.time_spent),
                    accounts: b
                        .accounts
                        .into_iter()
                        .map(|a| PlacedAccountDto {
                            id: a.entry.id.to_string(),
                            name: a.entry.name,
                            tier: a.entry.tier.map(Tier::get),
                            previous: a.entry.before.map(NineBox::code),
                            movement: a.movement.into(),
                            note: a.entry.note,
                            touches: a.entry.touches,
                        })
                        .collect(),
                })
                .collect(),
            by_tier: q
                .by_tier
                .into_iter()
                .map(|t| TierTimeDto {
                    tier: t.tier.map(Tier::get),
                    time_spent: time_dto(t.spent),
                    wanted_per_account: t.wanted_per_account,
                })
                .collect(),
            not_yet_placed: q.not_yet_placed,
        }
    }
}

/// The book on the 9-box for a quarter: each box's accounts with their move since the quarter
/// before, and personal touches by box and by tier.
#[utoipa::path(get, path = "/api/v1/nine-box", tag = "prioritisation", params(NineBoxParams),
    responses((status = 200, description = "The 9-box of the quarter", body = NineBoxViewDto)))]
pub async fn get_nine_box(
    State(s): State<AppState>,
    _u: ApiUser,
    ApiQuery(p): ApiQuery<NineBoxParams>,
) -> Result<Json<NineBoxViewDto>, AppError> {
    let q = match p.quarter.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(q) => PlaceInNineBox::quarter(q)?,
        None => Quarter::of(s.store.clock().today()),
    };
    Ok(Json(s.app.nine_box(q, None).await?.into()))
}
