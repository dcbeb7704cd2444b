//! Pareto segments (seed 002): the MRR curve with its suggested cut-offs, and applying them.

use super::accounts::MoneyDto;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use sherpa_core::{Currency, Money};
use sherpa_store::{ParetoView, SegmentApplication};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SegmentDto {
    /// 1 = the top revenue segment.
    pub number: u8,
    pub name: String,
    pub accounts: usize,
    /// 0..1.
    pub share_of_accounts: f64,
    /// 0..1.
    pub share_of_revenue: f64,
    /// The segment's total MRR.
    pub mrr: MoneyDto,
    /// The smallest MRR in the segment.
    pub floor_mrr: MoneyDto,
}

#[derive(Serialize, ToSchema)]
pub struct CurvePointDto {
    pub account_id: String,
    pub name: String,
    pub mrr: MoneyDto,
    /// Share of revenue held by this account and every larger one, 0..1.
    pub cumulative_share: f64,
    /// The segment today's cut puts it in.
    pub segment: u8,
    /// The segment applied now, if any.
    pub applied_segment: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct SegmentApplicationDto {
    pub shares: Vec<u8>,
    pub names: Vec<String>,
    pub floors: Vec<MoneyDto>,
    pub accounts: usize,
    pub applied_by: Option<String>,
    pub applied_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ParetoDto {
    /// The cumulative revenue shares (percent) the segments end at.
    pub shares: Vec<u8>,
    pub total_mrr: MoneyDto,
    /// The suggested segments of today's curve.
    pub segments: Vec<SegmentDto>,
    /// Every account with revenue, largest MRR first.
    pub curve: Vec<CurvePointDto>,
    /// Accounts with no revenue: off the curve, without a segment.
    pub accounts_without_revenue: usize,
    /// Accounts whose applied segment differs from today's suggestion.
    pub would_change: usize,
    pub last_applied: Option<SegmentApplicationDto>,
}

fn money(amount: rust_decimal::Decimal, currency: Currency) -> MoneyDto {
    Money { amount, currency }.into()
}

fn application_dto(a: SegmentApplication, currency: Currency) -> SegmentApplicationDto {
    SegmentApplicationDto {
        shares: a.shares,
        names: a.names,
        floors: a.floors.into_iter().map(|f| money(f, currency)).collect(),
        accounts: a.accounts,
        applied_by: a.by.user_id.map(|u| u.to_string()),
        applied_at: a.at,
    }
}

pub fn pareto_dto(v: ParetoView, currency: Currency) -> ParetoDto {
    ParetoDto {
        segments: v
            .curve
            .segments
            .iter()
            .map(|s| SegmentDto {
                number: s.number,
                name: v.settings.name(s.number),
                accounts: s.accounts,
                share_of_accounts: s.share_of_accounts,
                share_of_revenue: s.share_of_revenue,
                mrr: money(s.mrr, currency),
                floor_mrr: money(s.floor_mrr, currency),
            })
            .collect(),
        curve: v
            .curve
            .points
            .into_iter()
            .map(|p| CurvePointDto {
                account_id: p.key.id.to_string(),
                name: p.key.name,
                mrr: money(p.mrr, currency),
                cumulative_share: p.cumulative_share,
                segment: p.segment,
                applied_segment: p.key.applied,
            })
            .collect(),
        shares: v.settings.shares,
        total_mrr: money(v.curve.total_mrr, currency),
        accounts_without_revenue: v.without_revenue,
        would_change: v.would_change,
        last_applied: v.last_applied.map(|a| application_dto(a, currency)),
    }
}

/// The MRR curve of the book, largest account first, with the cumulative share of revenue and
/// the segments the configured shares suggest.
#[utoipa::path(get, path = "/api/v1/segments/pareto", tag = "prioritisation",
    responses((status = 200, description = "The MRR curve and suggested segments", body = ParetoDto)))]
pub async fn get_pareto(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<ParetoDto>, AppError> {
    let view = s.store.pareto().await?;
    Ok(Json(pareto_dto(view, s.store.currency())))
}

/// Applies today's suggested segments (admins and leaders): every account with revenue gets
/// its segment, usable in filters; the shares, names and floors are kept.
#[utoipa::path(post, path = "/api/v1/segments/pareto/apply", tag = "prioritisation",
    responses((status = 200, description = "The segments applied", body = SegmentApplicationDto)))]
pub async fn apply_pareto(
    State(s): State<AppState>,
    u: ApiUser,
) -> Result<Json<SegmentApplicationDto>, AppError> {
    let applied = s.app.apply_segments(&u.caller()).await?;
    Ok(Json(application_dto(applied, s.store.currency())))
}
