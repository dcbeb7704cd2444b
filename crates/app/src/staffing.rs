//! Staffing and capacity, as the leader reads it on the page and through the API: the CSM time
//! each tier's (or segment's) plan needs against the time the team has, each CSM's book of
//! business against the benchmark for the company's size, and the options when the top tier
//! cannot be staffed. The arithmetic is in decimals; the doors round for display.

use crate::{App, Result};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use sherpa_core::prioritise::*;
use sherpa_core::{Function, Money, User, UserId};
use sherpa_store::AccountQuery;

/// One tier's (or segment's) need.
#[derive(Debug, Clone)]
pub struct GroupNeed {
    /// The tier or segment number, or none for accounts in neither (no plan).
    pub group: Option<u8>,
    /// "Tier 1", or a segment's name ("1. High touch").
    pub label: String,
    pub accounts: i64,
    pub arr: Money,
    /// The plan's hours per account a year.
    pub hours_per_account: Decimal,
    pub hours: Decimal,
    /// Full-time CSMs the group needs, at the share of their time for accounts.
    pub csms: Decimal,
}

/// One CSM's book against the benchmark.
#[derive(Debug, Clone)]
pub struct CsmBook {
    pub user: UserId,
    pub name: String,
    pub accounts: i64,
    pub arr: Money,
    /// ARR in millions to two places, as the benchmark counts it.
    pub arr_millions: Decimal,
    pub load: Load,
}

#[derive(Debug, Clone)]
pub struct Staffing {
    pub settings: StaffingSettings,
    pub groups: Vec<GroupNeed>,
    pub csms_needed: Decimal,
    /// Active people whose function is CSM.
    pub csms: usize,
    pub company_arr: Money,
    /// The average ARR of a paying account.
    pub average_acv: Money,
    pub benchmark_by_arr: Benchmark,
    pub benchmark_by_acv: Benchmark,
    /// The CSMs the benchmark (by company ARR, at its median) says the book calls for.
    pub csms_by_benchmark: Decimal,
    /// Largest book first.
    pub books: Vec<CsmBook>,
    /// The options when the top group (Tier 1 or segment 1) cannot be staffed; none when it can.
    pub top_tier: Option<TopTierOptions>,
}

/// A count of CSMs or hours to one decimal place, as people read it ("35.1", "36").
pub fn tenths(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

impl App {
    /// Staffing and capacity of the book as it stands.
    pub async fn staffing(&self) -> Result<Staffing> {
        let store = &self.store;
        let rules = store.prioritisation_rules().await?;
        let settings = rules.staffing.clone();
        let per_csm = settings.account_hours_per_csm();
        let currency = store.currency();
        let label = |n: Option<u8>| match (settings.basis, n) {
            (StaffingBasis::Tier, None) => "no tier yet".to_string(),
            (StaffingBasis::Segment, None) => "no segment applied".to_string(),
            (StaffingBasis::Tier, Some(n)) => format!("Tier {n}"),
            (StaffingBasis::Segment, Some(n)) => format!("{n}. {}", rules.pareto.name(n)),
        };
        let mut groups = Vec::new();
        let (mut company_arr, mut needed, mut hours_other) =
            (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let mut top = (0u64, Decimal::ZERO);
        for (group, accounts, arr) in store.book_by(settings.basis).await? {
            company_arr += arr.amount;
            let per = group.map_or(Decimal::ZERO, |t| settings.hours_for(t));
            let hours = per * Decimal::from(accounts);
            needed += hours;
            match group {
                Some(1) => top = (u64::try_from(accounts).unwrap_or(0), per),
                _ => hours_other += hours,
            }
            groups.push(GroupNeed {
                group,
                label: label(group),
                accounts,
                arr,
                hours_per_account: per,
                hours,
                csms: hours / per_csm,
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
        let mut books: Vec<CsmBook> = csms
            .iter()
            .map(|u| {
                let size = sizes.iter().find(|b| b.user_id == u.id);
                let arr = size.map_or(Money::zero(currency), |b| b.arr);
                let arr_millions = (arr.amount / million)
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                CsmBook {
                    user: u.id,
                    name: u.name.clone(),
                    accounts: size.map_or(0, |b| b.accounts),
                    arr,
                    load: load(arr_millions.to_f64().unwrap_or(0.0), &by_arr),
                    arr_millions,
                }
            })
            .collect();
        books.sort_by_key(|b| std::cmp::Reverse(b.arr_millions));
        let available = per_csm * Decimal::from(csms.len());
        Ok(Staffing {
            csms_needed: needed / per_csm,
            csms: csms.len(),
            company_arr: Money {
                amount: company_arr,
                currency,
            },
            average_acv: Money {
                amount: acv,
                currency,
            },
            csms_by_benchmark: company_arr
                / million
                / Decimal::try_from(by_arr.p50).unwrap_or(Decimal::ONE),
            benchmark_by_arr: by_arr,
            benchmark_by_acv: benchmark_by_acv(acv),
            books,
            top_tier: top_tier_options(available, hours_other, top.0, top.1),
            groups,
            settings,
        })
    }
}
