//! Staffing and capacity in the API: the CSM time each tier's plan needs against the time
//! the team has, each CSM's book against the benchmark, and the top tier's what-ifs.

use super::accounts::MoneyDto;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use sherpa_app::Staffing;
use sherpa_core::prioritise::*;
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
    /// Hours a year the plans of the book's accounts need.
    pub plan_hours: String,
    /// Those hours as a share of the CSM's time for accounts, in percent.
    pub time_percent: String,
    /// over, within or under the benchmark's 25th-75th percentile band (by company ARR).
    pub load_by_arr: String,
    /// over (more than all of the CSM's time), within, or under (three quarters or less).
    pub load_by_hours: String,
    /// over when either is; under (room for more) only when both are.
    pub load: String,
}

impl From<sherpa_app::CsmBook> for CsmBookDto {
    fn from(b: sherpa_app::CsmBook) -> Self {
        CsmBookDto {
            user_id: b.user.to_string(),
            name: b.name,
            accounts: b.accounts,
            arr: b.arr.into(),
            arr_millions: b.arr_millions.to_f64().unwrap_or(0.0),
            plan_hours: b.plan_hours.round_dp(0).to_string(),
            time_percent: b.time_percent.to_string(),
            load_by_arr: b.load_by_arr.as_str().into(),
            load_by_hours: b.load_by_hours.as_str().into(),
            load: b.load.as_str().into(),
        }
    }
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
    /// Pooled digital queues: they hold accounts, whose plan hours count in `fte_needed`, but
    /// are not people, so they are not in `csms` nor set against the benchmark.
    pub pools: Vec<CsmBookDto>,
    pub company_arr: MoneyDto,
    /// Average ARR of a paying account.
    pub average_acv: MoneyDto,
    pub benchmark_by_arr: BenchmarkDto,
    pub benchmark_by_acv: BenchmarkDto,
    /// The CSMs the benchmark (by company ARR, at its median) says the book calls for.
    pub csms_by_benchmark: f64,
    pub books: Vec<CsmBookDto>,
    /// The options when the top group (Tier 1 or segment 1) cannot be staffed; null
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

/// A figure to one decimal place, as the API has always given it.
fn tenths(d: Decimal) -> f64 {
    sherpa_app::tenths(d).to_f64().unwrap_or(0.0)
}

impl From<Staffing> for StaffingDto {
    fn from(s: Staffing) -> Self {
        StaffingDto {
            basis: match s.settings.basis {
                StaffingBasis::Tier => "tier",
                StaffingBasis::Segment => "segment",
            }
            .into(),
            hours_per_year: s.settings.hours_per_year,
            account_time_percent: s.settings.account_time_percent,
            tiers: s
                .groups
                .into_iter()
                .map(|g| TierNeedDto {
                    tier: g.group,
                    label: g.label,
                    accounts: g.accounts,
                    arr: g.arr.into(),
                    hours_per_account: g.hours_per_account.normalize().to_string(),
                    hours: g.hours.round_dp(0).to_string(),
                    fte: tenths(g.csms),
                })
                .collect(),
            fte_needed: tenths(s.csms_needed),
            csms: s.csms,
            company_arr: s.company_arr.into(),
            average_acv: s.average_acv.into(),
            benchmark_by_arr: bench(s.benchmark_by_arr),
            benchmark_by_acv: bench(s.benchmark_by_acv),
            csms_by_benchmark: tenths(s.csms_by_benchmark),
            pools: s.pools.into_iter().map(Into::into).collect(),
            books: s.books.into_iter().map(Into::into).collect(),
            top_tier: s.top_tier.map(|o| TopTierOptionsDto {
                shortfall_hours: o.shortfall_hours.to_string(),
                staffable_accounts: o.staffable_accounts,
                hours_per_account_possible: o.hours_per_account_possible.to_string(),
                automate_percent: o.automate_percent.to_string(),
            }),
        }
    }
}

/// Staffing and capacity: the CSM time each tier's engagement plan needs against the team's,
/// each CSM's book against the benchmark, and the options for an understaffed top tier.
#[utoipa::path(get, path = "/api/v1/staffing", tag = "prioritisation",
    responses((status = 200, description = "The staffing and capacity", body = StaffingDto)))]
pub async fn get_staffing(
    State(s): State<AppState>,
    _u: ApiUser,
) -> Result<Json<StaffingDto>, AppError> {
    Ok(Json(s.app.staffing().await?.into()))
}
