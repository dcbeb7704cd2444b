//! The adoption matrix over the API: accounts by features and offerings with what each cell
//! holds, its configuration (functions and entitlements), and one account's whitespace with the
//! healthy peers it could learn from and the task to introduce them.

use super::health::account;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sherpa_app::Whitespace;
use sherpa_core::adoption::{AdoptionConfig, Cell};
use sherpa_core::{AccountId, Money};
use utoipa::ToSchema;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatrixParams {
    /// The CSM's user id.
    pub csm: Option<String>,
    /// 1, 2 or 3.
    pub tier: Option<u8>,
    /// The Pareto segment, 1 to 10.
    pub segment: Option<u8>,
    pub industry: Option<String>,
    /// From `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// 1 to 500; default 50.
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ColumnDto {
    pub feature: String,
    pub function: String,
    /// The offerings that entitle it; empty: every offering.
    pub products: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CellDto {
    /// used, unused (paid for, not used in 30 days), not_entitled or unknown (no usage known).
    pub state: String,
    /// People who used it in 30 days (used only).
    pub users: Option<u32>,
    /// Their share of the seats, percent, when the seats are known (used only).
    pub share: Option<f64>,
}

impl From<Cell> for CellDto {
    fn from(c: Cell) -> Self {
        let (users, share) = match c {
            Cell::Used { users, share } => (Some(users), share.map(|s| (s * 10.0).round() / 10.0)),
            _ => (None, None),
        };
        CellDto {
            state: c.state().into(),
            users,
            share,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MatrixRowDto {
    pub account_id: String,
    pub name: String,
    pub tier: Option<u8>,
    pub grade: Option<String>,
    pub csm_id: Option<String>,
    pub industry: Option<String>,
    pub segment: Option<u8>,
    pub health_colour: Option<String>,
    /// The offerings of its terms running today.
    pub offerings: Vec<String>,
    /// Features it pays for and nobody used in 30 days; null while its usage is not known.
    pub whitespace: Option<i64>,
    /// One per column, in the columns' order.
    pub cells: Vec<CellDto>,
}

#[derive(Serialize, ToSchema)]
pub struct MatrixDto {
    pub columns: Vec<ColumnDto>,
    pub items: Vec<MatrixRowDto>,
    /// Accounts the filters match.
    pub total: i64,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// The adoption matrix: accounts (most whitespace first) by the catalogue's features grouped
/// into functions. Each cell: used (with the people and share of seats in 30 days), unused
/// (paid for and not used), not_entitled, or unknown (the account's usage never arrived).
#[utoipa::path(get, path = "/api/v1/adoption/matrix", tag = "adoption", params(MatrixParams),
    responses((status = 200, description = "A page of the matrix", body = MatrixDto)))]
pub async fn get_matrix(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(p): ApiQuery<MatrixParams>,
) -> Result<Json<MatrixDto>, AppError> {
    let q = sherpa_app::matrix_query(
        p.csm.as_deref(),
        p.tier,
        p.segment,
        p.industry,
        p.cursor.as_deref(),
        super::json::page_limit(p.limit)?,
    )
    .map_err(|(field, why)| AppError::bad(field, why))?;
    let m = s.app.adoption_matrix(&u.caller(), &q).await?;
    let next_cursor = m.next_cursor();
    Ok(Json(MatrixDto {
        columns: m
            .columns
            .into_iter()
            .map(|c| ColumnDto {
                feature: c.feature,
                function: c.function,
                products: c.products,
            })
            .collect(),
        items: m
            .rows
            .into_iter()
            .map(|(a, cells)| MatrixRowDto {
                account_id: a.id.to_string(),
                name: a.name,
                tier: a.tier,
                grade: a.grade,
                csm_id: a.csm.map(|u| u.to_string()),
                industry: a.industry,
                segment: a.segment,
                health_colour: a.health,
                offerings: a.owned,
                whitespace: a.whitespace,
                cells: cells.into_iter().map(Into::into).collect(),
            })
            .collect(),
        total: m.total,
        next_cursor,
    }))
}

/// Which offerings entitle which features, and the functions the features serve.
#[utoipa::path(get, path = "/api/v1/adoption/config", operation_id = "get_adoption_config", tag = "adoption",
    responses((status = 200, description = "The adoption configuration", body = Object)))]
pub async fn get_config(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<AdoptionConfig>, AppError> {
    Ok(Json(s.app.adoption_config().await?))
}

/// Replaces the adoption configuration (leaders and admins): `features`, each with its
/// `function` and the `products` (offerings) that entitle it (none: every offering). A feature
/// the catalogue does not know is refused by its key; whitespace is worked out again.
#[utoipa::path(put, path = "/api/v1/adoption/config", operation_id = "set_adoption_config", tag = "adoption",
    request_body(content = Object, description = "the configuration"),
    responses((status = 200, description = "The adoption configuration in force", body = Object)))]
pub async fn set_config(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(config): ApiJson<AdoptionConfig>,
) -> Result<Json<AdoptionConfig>, AppError> {
    s.app.set_adoption_config(&u.caller(), &config).await?;
    Ok(Json(s.app.adoption_config().await?))
}

#[derive(Serialize, ToSchema)]
pub struct UpsellDto {
    pub offering: String,
    /// The features it would add to what the account bought.
    pub adds: Vec<String>,
    /// Like accounts, and how many of them own it.
    pub like_accounts: usize,
    pub owning: usize,
    /// The ARR of the like accounts that own it.
    pub owning_arr: super::accounts::MoneyDto,
}

#[derive(Serialize, ToSchema)]
pub struct PeerDto {
    pub account_id: String,
    pub name: String,
    pub users: u32,
    pub share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReengageDto {
    pub feature: String,
    pub function: String,
    /// Healthy like accounts that use it heavily, most first: accounts to ask, not contacts.
    pub peers: Vec<PeerDto>,
}

#[derive(Serialize, ToSchema)]
pub struct WhitespaceDto {
    /// Whether the account's usage is known; without it nothing is said about its features.
    pub usage_known: bool,
    /// What "like accounts" means here.
    pub like: String,
    /// Features it pays for and nobody used in 30 days, with peers that use them.
    pub reengage: Vec<ReengageDto>,
    /// Offerings like accounts own and it does not, that would add features to what it bought.
    pub upsell: Vec<UpsellDto>,
}

pub(crate) fn whitespace_dto(w: Whitespace, currency: sherpa_core::Currency) -> WhitespaceDto {
    let mut peers = w.peers;
    WhitespaceDto {
        usage_known: w.usage_known,
        like: w.like,
        reengage: w
            .reengage
            .into_iter()
            .map(|c| {
                let found = peers
                    .iter()
                    .position(|(f, _)| *f == c.feature)
                    .map(|i| peers.swap_remove(i).1)
                    .unwrap_or_default();
                ReengageDto {
                    feature: c.feature,
                    function: c.function,
                    peers: found
                        .into_iter()
                        .map(|p| PeerDto {
                            account_id: p.id.to_string(),
                            name: p.name,
                            users: p.users,
                            share: p.share.map(|s| s.round()),
                        })
                        .collect(),
                }
            })
            .collect(),
        upsell: w
            .upsell
            .into_iter()
            .map(|u| UpsellDto {
                adds: u.adds,
                offering: u.offering,
                like_accounts: u.like,
                owning: u.owning,
                owning_arr: Money::from_minor_units(u.owning_arr_minor, currency).into(),
            })
            .collect(),
    }
}

/// The account's whitespace: features it pays for and does not use, with the healthy like
/// accounts (same industry or segment) that use them most; and the offerings like accounts own
/// that it does not, with their ARR.
#[utoipa::path(get, path = "/api/v1/accounts/{id}/whitespace", tag = "adoption", params(("id" = String, Path)),
    responses((status = 200, description = "The account's whitespace", body = WhitespaceDto)))]
pub async fn get_whitespace(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WhitespaceDto>, AppError> {
    let id = account(&id)?;
    let currency = s.store.account(id).await?.arr.currency;
    let w = s.app.whitespace(&u.caller(), id).await?;
    Ok(Json(whitespace_dto(w, currency)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroductionRequest {
    /// A feature the account pays for and does not use.
    pub feature: String,
    /// A peer suggested for it in the account's whitespace.
    pub peer_account_id: String,
}

/// Opens a task for the account's CSM to introduce it to a suggested peer on a feature (the
/// account's owners, their managers and admins): once while open.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/whitespace/introductions", tag = "adoption", params(("id" = String, Path)),
    request_body = IntroductionRequest,
    responses((status = 201, description = "The task", body = super::tasks::TaskDto)))]
pub async fn introduce(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<IntroductionRequest>,
) -> Result<(StatusCode, Json<super::tasks::TaskDto>), AppError> {
    let id = account(&id)?;
    let peer = r
        .peer_account_id
        .parse::<AccountId>()
        .map_err(|e| AppError::bad("peer_account_id", e.0))?;
    let task = s
        .app
        .introduce_peer(&u.caller(), id, &r.feature, peer)
        .await?;
    Ok((StatusCode::CREATED, Json(task.into())))
}
