//! Staffing and capacity (seeds 002, 003): the CSM time each tier's plan needs against the time
//! the team has, each CSM's book against the benchmark, and the top tier's what-ifs.

use super::accounts::MoneyDto;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sherpa_store::{AccountQuery, Store};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TierNeedDto {
    /// The tier or segment number (1, 2, 3), or null for accounts in none (no plan).
    pub tier: Option<u8>,
    /// "Tier 1", or a segment's name ("1. High touch").
    pub label: String,
    pub accounts: i64,
    pub arr: MoneyDto,
    /// The plan's hours per account a year.
    pub hours_per_account: String,
    pub hours: String,
    /// CSMs needed for the tier (full-time equivalents).
    pub fte: f64,
}

#[derive(Serialize, ToSchema)]
pub struct BenchmarkDto {
    pub band: String,
    /// $M ARR per CSM.
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CsmBookDto {
    pub user_id: String,
    pub name: String,
    pub accounts: i64,
    pub arr: MoneyDto,
    /// ARR in millions, as the benchmark counts it.
    pub arr_millions: f64,
    /// over, within or under the benchmark's 25th-75th percentile band (by company ARR).
    pub load: String,
}

#[derive(Serialize, ToSchema)]
pub struct TopTierOptionsDto {
    pub shortfall_hours: String,
    /// Shrink the tier: the Tier 1 accounts the team can serve as planned.
    pub staffable_accounts: u64,
    /// Lower the service level: the hours a Tier 1 account can get a year.
    pub hours_per_account_possible: String,
    /// Automate: the share of the Tier 1 plan automation must take over.
    pub automate_percent: String,
}

#[derive(Serialize, ToSchema)]
pub struct StaffingDto {
    /// tier or segment: what the plans, and `tiers`, are grouped by.
    pub basis: String,
    pub hours_per_year: u32,
    pub account_time_percent: u8,
    pub tiers: Vec<TierNeedDto>,
    pub fte_needed: f64,
    /// Active people whose function is CSM.
    pub csms: usize,
    pub company_arr: MoneyDto,
    /// Average ARR of a paying account.
    pub average_acv: MoneyDto,
    pub benchmark_by_arr: BenchmarkDto,
    pub benchmark_by_acv: BenchmarkDto,
    /// The CSMs the benchmark (by company ARR, at its median) says the book calls for.
    pub csms_by_benchmark: f64,
    pub books: Vec<CsmBookDto>,
    /// Seed 002's options when the top group (Tier 1 or segment 1) cannot be staffed; null
    /// when it can.
    pub top_tier: Option<TopTierOptionsDto>,
}

fn bench(b: Benchmark) -> BenchmarkDto {
    BenchmarkDto {
        band: b.band.into(),
        p25: b.p25,
        p50: b.p50,
        p75: b.p75,
    }
}

fn f(d: Decimal) -> f64 {
    (d.to_f64().unwrap_or(0.0) * 10.0).round() / 10.0
}

pub async fn staffing_view(store: &Store) -> Result<StaffingDto, AppError> {
    let rules = store.prioritisation_rules().await?;
    let settings = rules.staffing;
    let per_csm = settings.account_hours_per_csm();
    let book = store.book_by(settings.basis).await?;
    let label = |n: Option<u8>| match (settings.basis, n) {
        (StaffingBasis::Tier, None) => "no tier yet".to_string(),
        (StaffingBasis::Segment, None) => "no segment applied".to_string(),
        (StaffingBasis::Tier, Some(n)) => format!("Tier {n}"),
        (StaffingBasis::Segment, Some(n)) => format!("{n}. {}", rules.pareto.name(n)),
    };
    let currency = store.currency();
    let mut tiers = Vec::new();
    let (mut company_arr, mut needed, mut hours_other, mut top) = (
        Decimal::ZERO,
        Decimal::ZERO,
        Decimal::ZERO,
        (0u64, Decimal::ZERO),
    );
    for (tier, accounts, arr) in &book {
        company_arr += arr.amount;
        let per = tier.map_or(Decimal::ZERO, |t| settings.hours_for(t));
        let hours = per * Decimal::from(*accounts);
        needed += hours;
        match tier {
            Some(1) => top = (u64::try_from(*accounts).unwrap_or(0), per),
            _ => hours_other += hours,
        }
        tiers.push(TierNeedDto {
            tier: *tier,
            label: label(*tier),
            accounts: *accounts,
            arr: (*arr).into(),
            hours_per_account: per.normalize().to_string(),
            hours: hours.round_dp(0).to_string(),
            fte: f(hours / per_csm),
        });
    }
    let users = store.users().await?;
    let csms: Vec<&User> = users
        .iter()
        .filter(|u| u.active && u.function == Function::Csm)
        .collect();
    let ids: Vec<UserId> = csms.iter().map(|u| u.id).collect();
    let sizes = store.book_sizes(&ids).await?;
    // Paying accounts: a count, not the whole Pareto curve.
    let paying_only = AccountQuery {
        arr_min: Some(Decimal::new(1, 2)),
        ..Default::default()
    };
    let paying = store.account_totals(&paying_only).await?.0.max(1);
    let acv = (company_arr / Decimal::from(paying)).round_dp(0);
    let by_arr = benchmark_by_arr(company_arr);
    let million = Decimal::from(1_000_000);
    let mut books: Vec<CsmBookDto> = csms
        .iter()
        .map(|u| {
            let size = sizes.iter().find(|b| b.user_id == u.id);
            let arr = size.map_or(Money::zero(currency), |b| b.arr);
            let m = f(arr.amount / million * Decimal::from(10)) / 10.0;
            CsmBookDto {
                user_id: u.id.to_string(),
                name: u.name.clone(),
                accounts: size.map_or(0, |b| b.accounts),
                arr_millions: m,
                load: match load(m, &by_arr) {
                    Load::Over => "over",
                    Load::Within => "within",
                    Load::Under => "under",
                }
                .into(),
                arr: arr.into(),
            }
        })
        .collect();
    books.sort_by(|a, b| b.arr_millions.total_cmp(&a.arr_millions));
    let available = per_csm * Decimal::from(csms.len());
    let money = |amount| MoneyDto::from(Money { amount, currency });
    Ok(StaffingDto {
        basis: match settings.basis {
            StaffingBasis::Tier => "tier",
            StaffingBasis::Segment => "segment",
        }
        .into(),
        hours_per_year: settings.hours_per_year,
        account_time_percent: settings.account_time_percent,
        fte_needed: f(needed / per_csm),
        csms: csms.len(),
        company_arr: money(company_arr),
        average_acv: money(acv),
        csms_by_benchmark: f(company_arr
            / million
            / Decimal::try_from(by_arr.p50).unwrap_or(Decimal::ONE)),
        benchmark_by_arr: bench(by_arr),
        benchmark_by_acv: bench(benchmark_by_acv(acv)),
        books,
        top_tier: top_tier_options(available, hours_other, top.0, top.1).map(|o| {
            TopTierOptionsDto {
                shortfall_hours: o.shortfall_hours.to_string(),
                staffable_accounts: o.staffable_accounts,
                hours_per_account_possible: o.hours_per_account_possible.to_string(),
                automate_percent: o.automate_percent.to_string(),
            }
        }),
        tiers,
    })
}

/// Staffing and capacity: the CSM time each tier's engagement plan needs against the team's,
/// each CSM's book against seed 003's benchmark, and seed 002's options for an understaffed
/// top tier.
#[utoipa::path(get, path = "/api/v1/staffing", tag = "prioritisation",
    responses((status = 200, body = StaffingDto)))]
pub async fn get_staffing(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<StaffingDto>, AppError> {
    Ok(Json(staffing_view(&s.store).await?))
}
