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
use std::collections::HashMap;

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

/// One CSM's book against the benchmark and against their time.
#[derive(Debug, Clone)]
pub struct CsmBook {
    pub user: UserId,
    pub name: String,
    pub accounts: i64,
    pub arr: Money,
    /// ARR in millions to two places, as the benchmark counts it.
    pub arr_millions: Decimal,
    /// Hours a year the plans of the book's accounts need.
    pub plan_hours: Decimal,
    /// Those hours as a share of the CSM's time for accounts, in percent.
    pub time_percent: Decimal,
    /// ARR against the benchmark's band.
    pub load_by_arr: Load,
    /// Plan hours against the CSM's time.
    pub load_by_hours: Load,
    /// Over when either is, room only when both have.
    pub load: Load,
}

#[derive(Debug, Clone)]
pub struct Staffing {
    pub settings: StaffingSettings,
    pub groups: Vec<GroupNeed>,
    pub csms_needed: Decimal,
    /// Active people whose function is CSM.
    pub csms: usize,
    /// Pooled digital queues: they hold accounts (whose plan hours count in the need above)
    /// but are not people, so they are neither counted as CSMs nor set against the benchmark.
    pub pools: Vec<CsmBook>,
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
        let book = store.book_by_csm(settings.basis).await?;
        let mut groups: Vec<GroupNeed> = Vec::new();
        let mut plan_hours: HashMap<UserId, Decimal> = HashMap::new();
        for b in &book {
            let per = b.group.map_or(Decimal::ZERO, |t| settings.hours_for(t));
            let hours = per * Decimal::from(b.accounts);
            if let Some(csm) = b.csm {
                *plan_hours.entry(csm).or_default() += hours;
            }
            match groups.last_mut() {
                Some(g) if g.group == b.group => {
                    g.accounts += b.accounts;
                    g.arr.amount += b.arr.amount;
                    g.hours += hours;
                }
                _ => groups.push(GroupNeed {
                    group: b.group,
                    label: label(b.group),
                    accounts: b.accounts,
                    arr: b.arr,
                    hours_per_account: per,
                    hours,
                    csms: Decimal::ZERO,
                }),
            }
        }
        // Tier 1 first, accounts in no group last, the same on both engines.
        groups.sort_by_key(|g| (g.group.is_none(), g.group));
        for g in &mut groups {
            g.csms = g.hours / per_csm;
        }
        let company_arr: Decimal = groups.iter().map(|g| g.arr.amount).sum();
        let needed: Decimal = groups.iter().map(|g| g.hours).sum();
        let top = groups
            .iter()
            .find(|g| g.group == Some(1))
            .map_or((0, Decimal::ZERO), |g| {
                (u64::try_from(g.accounts).unwrap_or(0), g.hours_per_account)
            });
        let hours_other: Decimal = groups
            .iter()
            .filter(|g| g.group != Some(1))
            .map(|g| g.hours)
            .sum();
        let users = store.users().await?;
        let holders: Vec<&User> = users
            .iter()
            .filter(|u| u.active && u.function.serves_accounts())
            .collect();
        let ids: Vec<UserId> = holders.iter().map(|u| u.id).collect();
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
        let (mut pools, mut books) = (Vec::new(), Vec::new());
        for u in &holders {
            let size = sizes.iter().find(|b| b.user_id == u.id);
            let arr = size.map_or(Money::zero(currency), |b| b.arr);
            let arr_millions = (arr.amount / million)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            let hours = plan_hours.get(&u.id).copied().unwrap_or_default();
            let load_by_arr = load(arr_millions.to_f64().unwrap_or(0.0), &by_arr);
            let load_by_hours = hours_load(hours, per_csm);
            let book = CsmBook {
                user: u.id,
                name: u.name.clone(),
                accounts: size.map_or(0, |b| b.accounts),
                arr,
                arr_millions,
                plan_hours: hours,
                time_percent: (hours * Decimal::ONE_HUNDRED / per_csm).round_dp(0),
                load_by_arr,
                load_by_hours,
                load: book_load(load_by_arr, load_by_hours),
            };
            // A pool's book is shown apart: it is not a person.
            if u.function == Function::DigitalPool {
                pools.push(book);
            } else {
                books.push(book);
            }
        }
        books.sort_by_key(|b| std::cmp::Reverse(b.arr_millions));
        let csms = books.len();
        let available = per_csm * Decimal::from(csms);
        Ok(Staffing {
            csms_needed: needed / per_csm,
            csms,
            pools,
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
