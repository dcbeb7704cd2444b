//! Staffing and capacity (seeds 002, 003): each tier's engagement plan in hours a year, times
//! its accounts, against the CSMs' time for accounts; each CSM's book of business against seed
//! 003's benchmark of $M ARR per CSM; and, when the top tier cannot be staffed, seed 002's three
//! options as what-ifs: shrink the tier, lower its service level, or automate.

use super::Tier;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One activity of a tier's engagement plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanActivity {
    pub name: String,
    /// Hours of CSM time each time.
    pub hours: Decimal,
    pub per_year: u32,
}

/// What the plans are keyed by: each account's tier, or the Pareto segment the leader applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffingBasis {
    #[default]
    Tier,
    Segment,
}

/// The staffing parameters an admin sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffingSettings {
    /// Plans per tier (default) or per Pareto segment.
    #[serde(default)]
    pub basis: StaffingBasis,
    /// Working hours of one CSM in a year.
    pub hours_per_year: u32,
    /// The share of a CSM's time available for accounts (the rest: meetings, training...).
    pub account_time_percent: u8,
    /// By tier ("1", "2", "3").
    pub plans: BTreeMap<String, Vec<PlanActivity>>,
}

fn plan(items: &[(&str, i64, u32)]) -> Vec<PlanActivity> {
    items
        .iter()
        .map(|(name, tenths, per_year)| PlanActivity {
            name: name.to_string(),
            hours: Decimal::new(*tenths, 1),
            per_year: *per_year,
        })
        .collect()
}

impl Default for StaffingSettings {
    /// Seed 001's cadences as the touches, with the reviews and plans of seeds 000 and 003.
    fn default() -> Self {
        let plans = [
            (
                "1",
                plan(&[
                    ("Weekly personal touch", 5, 52),
                    ("Quarterly business review", 40, 4),
                    ("Growth plan update", 20, 4),
                ]),
            ),
            (
                "2",
                plan(&[
                    ("Bi-weekly personal touch", 5, 26),
                    ("Business review", 30, 2),
                ]),
            ),
            (
                "3",
                plan(&[("Monthly personal touch", 3, 12), ("Annual review", 10, 1)]),
            ),
        ];
        StaffingSettings {
            basis: StaffingBasis::Tier,
            hours_per_year: 1_800,
            account_time_percent: 70,
            plans: plans.into_iter().map(|(t, p)| (t.to_string(), p)).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffingError {
    #[error("hours_per_year must be 100 to 4000 (got {0})")]
    Hours(u32),
    #[error("account_time_percent must be 1 to 100 (got {0})")]
    Share(u8),
    #[error("plans.{0}: not a tier or segment number (1, 2 or 3)")]
    Tier(String),
    #[error(
        "plans.{tier}: activity {name:?} needs a name, 0 to 200 hours and 0 to 366 times a year"
    )]
    Activity { tier: String, name: String },
}

impl StaffingSettings {
    pub fn check(&self) -> Result<(), StaffingError> {
        if !(100..=4_000).contains(&self.hours_per_year) {
            return Err(StaffingError::Hours(self.hours_per_year));
        }
        if !(1..=100).contains(&self.account_time_percent) {
            return Err(StaffingError::Share(self.account_time_percent));
        }
        for (tier, activities) in &self.plans {
            if tier.parse::<i64>().ok().and_then(Tier::new).is_none() {
                return Err(StaffingError::Tier(tier.clone()));
            }
            for a in activities {
                let ok = !a.name.trim().is_empty()
                    && a.hours >= Decimal::ZERO
                    && a.hours <= Decimal::from(200)
                    && a.per_year <= 366;
                if !ok {
                    return Err(StaffingError::Activity {
                        tier: tier.clone(),
                        name: a.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Hours of CSM time an account of the tier takes in a year.
    pub fn hours_per_account(&self, tier: Tier) -> Decimal {
        self.hours_for(tier.get())
    }

    /// Hours of CSM time an account of group `n` (a tier or a segment number) takes in a year.
    pub fn hours_for(&self, n: u8) -> Decimal {
        self.plans
            .get(&n.to_string())
            .into_iter()
            .flatten()
            .map(|a| a.hours * Decimal::from(a.per_year))
            .sum()
    }

    /// Hours one CSM has for accounts in a year.
    pub fn account_hours_per_csm(&self) -> Decimal {
        Decimal::from(self.hours_per_year) * Decimal::from(self.account_time_percent)
            / Decimal::ONE_HUNDRED
    }
}

/// Reads a plan written one activity per line, "name; hours; times a year" (the staffing
/// page's text box). The error names the line.
pub fn parse_plan(text: &str) -> Result<Vec<PlanActivity>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || {
            format!(
                "line {}: write \"name; hours; times a year\", like \"Business review; 3; 2\"",
                i + 1
            )
        };
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        let [name, hours, per_year] = parts[..] else {
            return Err(bad());
        };
        out.push(PlanActivity {
            name: name.to_string(),
            hours: hours.parse().map_err(|_| bad())?,
            per_year: per_year.parse().map_err(|_| bad())?,
        });
    }
    Ok(out)
}

/// A plan as the staffing page's text box shows it.
pub fn plan_text(plan: &[PlanActivity]) -> String {
    plan.iter()
        .map(|a| format!("{}; {}; {}", a.name, a.hours.normalize(), a.per_year))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A benchmark row: $M ARR per CSM at the 25th, 50th and 75th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Benchmark {
    pub band: &'static str,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
}

/// Seed 003's benchmark by average contract value (ACV).
pub fn benchmark_by_acv(acv: Decimal) -> Benchmark {
    let (band, p25, p50, p75) = if acv < Decimal::from(25_000) {
        ("Transactional (< $25K)", 1.8, 3.8, 7.8)
    } else if acv <= Decimal::from(75_000) {
        ("Solution ($25K to $75K)", 1.0, 1.6, 3.2)
    } else {
        ("Consultative (> $75K)", 2.0, 3.2, 5.7)
    };
    Benchmark {
        band,
        p25,
        p50,
        p75,
    }
}

/// Seed 003's benchmark by the company's ARR.
pub fn benchmark_by_arr(arr: Decimal) -> Benchmark {
    let m = Decimal::from(1_000_000);
    let (band, p25, p50, p75) = if arr <= m * Decimal::from(10) {
        ("$0 to $10M ARR", 1.4, 2.0, 2.8)
    } else if arr <= m * Decimal::from(20) {
        ("$10M to $20M ARR", 1.2, 2.3, 4.5)
    } else if arr <= m * Decimal::from(50) {
        ("$20M to $50M ARR", 2.2, 3.3, 5.9)
    } else if arr <= m * Decimal::from(100) {
        ("$50M to $100M ARR", 2.4, 5.1, 8.6)
    } else {
        ("Over $100M ARR", 4.5, 9.0, 24.8)
    };
    Benchmark {
        band,
        p25,
        p50,
        p75,
    }
}

/// Where a CSM's book stands against a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Load {
    /// More ARR than the 75th percentile: over capacity.
    Over,
    Within,
    /// Less than the 25th percentile: room for more.
    Under,
}

impl Load {
    /// over, within or under the benchmark's band.
    pub fn as_str(self) -> &'static str {
        match self {
            Load::Over => "over",
            Load::Within => "within",
            Load::Under => "under",
        }
    }
}

pub fn load(arr_millions: f64, b: &Benchmark) -> Load {
    if arr_millions > b.p75 {
        Load::Over
    } else if arr_millions < b.p25 {
        Load::Under
    } else {
        Load::Within
    }
}

/// Where the hours a CSM's book needs (its accounts' plans) stand against their time for
/// accounts: over past all of it; room while three quarters or less of it is planned.
pub fn hours_load(plan_hours: Decimal, available: Decimal) -> Load {
    if plan_hours > available {
        Load::Over
    } else if plan_hours * Decimal::from(4) <= available * Decimal::from(3) {
        Load::Under
    } else {
        Load::Within
    }
}

/// A book is over capacity when its ARR or its plans' hours is, and has room only when both
/// have: a CSM whose 25 Tier 1 accounts fill their week has no room, however small their ARR.
pub fn book_load(by_arr: Load, by_hours: Load) -> Load {
    match (by_arr, by_hours) {
        (Load::Over, _) | (_, Load::Over) => Load::Over,
        (Load::Under, Load::Under) => Load::Under,
        _ => Load::Within,
    }
}

/// Seed 002's three options when the top tier needs more CSM time than there is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopTierOptions {
    /// Hours the top tier needs beyond what is left for it.
    pub shortfall_hours: Decimal,
    /// 1. Shrink the tier to the accounts the team can serve as planned.
    pub staffable_accounts: u64,
    /// 2. Lower the service level: the hours a top-tier account can get.
    pub hours_per_account_possible: Decimal,
    /// 3. Automate: the hours of the plan that automation must take over (as a share).
    pub automate_percent: Decimal,
}

/// The options when the top tier (Tier 1) cannot be staffed after the other tiers' needs, or
/// `None` when it can.
pub fn top_tier_options(
    available_hours: Decimal,
    other_tiers_hours: Decimal,
    top_accounts: u64,
    top_hours_per_account: Decimal,
) -> Option<TopTierOptions> {
    let need = top_hours_per_account * Decimal::from(top_accounts);
    let left = (available_hours - other_tiers_hours).max(Decimal::ZERO);
    if need <= left || top_accounts == 0 || top_hours_per_account.is_zero() {
        return None;
    }
    let staffable = (left / top_hours_per_account).floor();
    Some(TopTierOptions {
        shortfall_hours: (need - left).round_dp(0),
        staffable_accounts: staffable.to_u64().unwrap_or(0),
        hours_per_account_possible: (left / Decimal::from(top_accounts)).round_dp(1),
        automate_percent: ((need - left) * Decimal::ONE_HUNDRED / need).round_dp(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_book_has_room_only_when_both_its_arr_and_its_hours_have() {
        let available = Decimal::from(1_260);
        // 25 Tier 1 accounts at 50 hours: 1,250 of 1,260 hours, nearly full.
        let full = hours_load(Decimal::from(1_250), available);
        assert_eq!(full, Load::Within);
        assert_eq!(book_load(Load::Under, full), Load::Within);
        assert_eq!(hours_load(Decimal::from(1_300), available), Load::Over);
        assert_eq!(book_load(Load::Under, Load::Over), Load::Over);
        assert_eq!(book_load(Load::Over, Load::Under), Load::Over);
        assert_eq!(hours_load(Decimal::from(945), available), Load::Under);
        assert_eq!(hours_load(Decimal::from(946), available), Load::Within);
        assert_eq!(book_load(Load::Under, Load::Under), Load::Under);
    }

    #[test]
    fn the_default_plans_cost_hours_per_account_by_tier() {
        let s = StaffingSettings::default();
        assert_eq!(s.hours_per_account(Tier::ONE), Decimal::from(50));
        assert_eq!(s.hours_per_account(Tier::TWO), Decimal::from(19));
        assert_eq!(s.hours_per_account(Tier::THREE), Decimal::new(46, 1));
        assert_eq!(s.account_hours_per_csm(), Decimal::from(1_260));
        assert!(s.check().is_ok());
    }

    #[test]
    fn the_benchmark_bands_meet_at_their_edges() {
        assert_eq!(benchmark_by_acv(Decimal::from(24_999)).p50, 3.8);
        assert_eq!(benchmark_by_acv(Decimal::from(25_000)).p50, 1.6);
        assert_eq!(benchmark_by_acv(Decimal::from(75_001)).p50, 3.2);
        assert_eq!(
            benchmark_by_arr(Decimal::from(10_000_000)).band,
            "$0 to $10M ARR"
        );
        assert_eq!(benchmark_by_arr(Decimal::from(45_000_000)).p75, 5.9);
        assert_eq!(benchmark_by_arr(Decimal::from(200_000_000)).p50, 9.0);
        let b = benchmark_by_arr(Decimal::from(45_000_000));
        assert_eq!(load(6.0, &b), Load::Over);
        assert_eq!(load(2.2, &b), Load::Within);
        assert_eq!(load(2.1, &b), Load::Under);
    }

    #[test]
    fn an_understaffed_top_tier_gets_three_options() {
        // 1,000 hours for accounts, 400 of them for tiers 2 and 3, 20 Tier 1 accounts at 50 h.
        let o = top_tier_options(
            Decimal::from(1_000),
            Decimal::from(400),
            20,
            Decimal::from(50),
        )
        .unwrap();
        assert_eq!(o.shortfall_hours, Decimal::from(400));
        assert_eq!(o.staffable_accounts, 12);
        assert_eq!(o.hours_per_account_possible, Decimal::from(30));
        assert_eq!(o.automate_percent, Decimal::from(40));
        assert!(
            top_tier_options(
                Decimal::from(2_000),
                Decimal::from(400),
                20,
                Decimal::from(50)
            )
            .is_none()
        );
    }

    #[test]
    fn a_plan_reads_from_lines_and_back() {
        let plan = parse_plan("Weekly touch; 0.5; 52\n\nBusiness review; 3; 2").unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[0].hours, Decimal::new(5, 1));
        assert_eq!(parse_plan(&plan_text(&plan)).unwrap(), plan);
        assert!(
            parse_plan("Review; three; 2")
                .unwrap_err()
                .starts_with("line 1")
        );
        assert!(
            parse_plan("ok; 1; 1\nmissing a part; 2")
                .unwrap_err()
                .starts_with("line 2")
        );
    }

    #[test]
    fn bad_parameters_say_which() {
        let s = StaffingSettings {
            account_time_percent: 0,
            ..Default::default()
        };
        assert_eq!(s.check(), Err(StaffingError::Share(0)));
        let mut s = StaffingSettings::default();
        s.plans.insert("4".into(), vec![]);
        assert_eq!(s.check(), Err(StaffingError::Tier("4".into())));
    }
}
