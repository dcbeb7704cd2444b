//! The patterns across all plans: which blockers hold back the most accounts and the most ARR
//! (by dimension, label, segment, tier or CSM), which grew this quarter against the last, and
//! how objectives end by template and unit. This is the move from fixing one account "now" to
//! fixing a product or service gap "forever": each figure keeps the accounts behind it.

use super::{BlockerStatus, ObjectiveStatus, PlanContent, UnitKind, label_key};
use crate::book::AccountId;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// One account's live plan, as the patterns read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAccount {
    pub account: AccountId,
    pub name: String,
    /// Its ARR in the reporting currency.
    pub arr: Decimal,
    pub segment: Option<String>,
    pub tier: Option<u8>,
    pub csm: Option<String>,
    pub industry: Option<String>,
    /// The template the plan was started from.
    pub template: Option<String>,
    pub content: PlanContent,
    /// Each objective's status today and the day it reached its target.
    pub objectives: Vec<(String, ObjectiveStatus, Option<NaiveDate>)>,
    /// The day the first-value objective was reached.
    pub first_value_on: Option<NaiveDate>,
    pub customer_since: Option<NaiveDate>,
}

/// What open blockers are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Dimension,
    Label,
    Segment,
    Tier,
    Csm,
    Industry,
}

impl std::str::FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim() {
            "dimension" => GroupBy::Dimension,
            "label" => GroupBy::Label,
            "segment" => GroupBy::Segment,
            "tier" => GroupBy::Tier,
            "csm" => GroupBy::Csm,
            "industry" => GroupBy::Industry,
            other => {
                return Err(format!(
                    "\"{other}\" is not a grouping; use dimension, label, segment, tier, csm or \
                     industry"
                ));
            }
        })
    }
}

/// Open blockers of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockerGroup {
    pub name: String,
    pub blockers: usize,
    /// The accounts with at least one, most ARR first.
    pub accounts: Vec<AccountId>,
    /// Their ARR: what the group puts at stake.
    pub arr: Decimal,
}

/// A blocker named the same on several accounts, this quarter against the last.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonBlocker {
    pub name: String,
    pub dimension: String,
    /// Accounts where it stood at some time in the quarter.
    pub this_quarter: usize,
    pub last_quarter: usize,
    /// Accounts where it stands now, and their ARR.
    pub open_accounts: Vec<AccountId>,
    pub arr: Decimal,
}

/// How objectives ended, for one template and kind of unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveOutcomes {
    pub template: String,
    pub kind: UnitKind,
    pub achieved: usize,
    pub missed: usize,
    /// On track, at risk or off track.
    pub running: usize,
    /// From the baseline's date to the day the target was reached, for those achieved.
    pub median_days_to_target: Option<i64>,
    pub achieved_accounts: Vec<AccountId>,
    pub missed_accounts: Vec<AccountId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Patterns {
    pub plans: usize,
    pub groups: Vec<BlockerGroup>,
    pub common: Vec<CommonBlocker>,
    pub outcomes: Vec<ObjectiveOutcomes>,
    /// Customer since to the first-value objective reached, over the plans that have one.
    pub median_days_to_first_value: Option<i64>,
    pub first_value_accounts: usize,
    /// The quarter `common` counts (its first day) and the one before.
    pub this_quarter: NaiveDate,
    pub last_quarter: NaiveDate,
}

fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

/// Accounts by ARR, most first, then by id.
fn by_arr(
    set: &BTreeSet<AccountId>,
    plans: &BTreeMap<AccountId, &PlannedAccount>,
) -> Vec<AccountId> {
    let mut v: Vec<AccountId> = set.iter().copied().collect();
    v.sort_by(|a, b| plans[b].arr.cmp(&plans[a].arr).then(a.cmp(b)));
    v
}

fn arr_of(set: &BTreeSet<AccountId>, plans: &BTreeMap<AccountId, &PlannedAccount>) -> Decimal {
    set.iter().map(|a| plans[a].arr).sum()
}

/// The patterns across `plans` as of `today`, open blockers grouped by `group_by`.
pub fn patterns(plans: &[PlannedAccount], group_by: GroupBy, today: NaiveDate) -> Patterns {
    let index: BTreeMap<AccountId, &PlannedAccount> =
        plans.iter().map(|p| (p.account, p)).collect();
    let unset = |v: Option<&str>| v.unwrap_or("(none)").to_string();
    let mut groups: BTreeMap<String, (usize, BTreeSet<AccountId>)> = BTreeMap::new();
    for p in plans {
        for b in p
            .content
            .blockers
            .iter()
            .filter(|b| b.status == BlockerStatus::Open)
        {
            let name = match group_by {
                GroupBy::Dimension => b.dimension.clone(),
                GroupBy::Label => b.name().to_string(),
                GroupBy::Segment => unset(p.segment.as_deref()),
                GroupBy::Tier => p.tier.map_or("(none)".into(), |t| format!("Tier {t}")),
                GroupBy::Csm => unset(p.csm.as_deref()),
                GroupBy::Industry => unset(p.industry.as_deref()),
            };
            // Labels group case-insensitively, under the first spelling met.
            let key = if group_by == GroupBy::Label {
                groups
                    .keys()
                    .find(|k| label_key(k) == label_key(&name))
                    .cloned()
                    .unwrap_or(name)
            } else {
                name
            };
            let g = groups.entry(key).or_default();
            g.0 += 1;
            g.1.insert(p.account);
        }
    }
    let mut groups: Vec<BlockerGroup> = groups
        .into_iter()
        .map(|(name, (blockers, set))| BlockerGroup {
            name,
            blockers,
            arr: arr_of(&set, &index),
            accounts: by_arr(&set, &index),
        })
        .collect();
    groups.sort_by(|a, b| {
        b.arr
            .cmp(&a.arr)
            .then(b.accounts.len().cmp(&a.accounts.len()))
            .then(a.name.cmp(&b.name))
    });

    let this_quarter = quarter_start(today);
    let last_quarter = this_quarter - Months::new(3);
    let last_end = this_quarter.pred_opt().unwrap_or(this_quarter);
    struct Tally {
        name: String,
        dimension: String,
        this: BTreeSet<AccountId>,
        last: BTreeSet<AccountId>,
        open: BTreeSet<AccountId>,
    }
    let mut common: BTreeMap<String, Tally> = BTreeMap::new();
    for p in plans {
        for b in &p.content.blockers {
            let t = common.entry(label_key(b.name())).or_insert_with(|| Tally {
                name: b.name().to_string(),
                dimension: b.dimension.clone(),
                this: BTreeSet::new(),
                last: BTreeSet::new(),
                open: BTreeSet::new(),
            });
            if b.stood_between(this_quarter, today) {
                t.this.insert(p.account);
            }
            if b.stood_between(last_quarter, last_end) {
                t.last.insert(p.account);
            }
            if b.status == BlockerStatus::Open {
                t.open.insert(p.account);
            }
        }
    }
    let mut common: Vec<CommonBlocker> = common
        .into_values()
        .filter(|t| !t.this.is_empty() || !t.last.is_empty())
        .map(|t| CommonBlocker {
            arr: arr_of(&t.open, &index),
            open_accounts: by_arr(&t.open, &index),
            name: t.name,
            dimension: t.dimension,
            this_quarter: t.this.len(),
            last_quarter: t.last.len(),
        })
        .collect();
    common.sort_by(|a, b| {
        b.this_quarter
            .cmp(&a.this_quarter)
            .then(b.arr.cmp(&a.arr))
            .then(a.name.cmp(&b.name))
    });

    let mut outcomes: BTreeMap<(String, UnitKind), (ObjectiveOutcomes, Vec<i64>)> = BTreeMap::new();
    for p in plans {
        let template = p.template.clone().unwrap_or_else(|| "(no template)".into());
        for o in &p.content.objectives {
            let Some((_, status, reached)) = p.objectives.iter().find(|(k, ..)| *k == o.key) else {
                continue;
            };
            let (out, days) = outcomes
                .entry((template.clone(), o.measure.kind))
                .or_insert_with(|| {
                    (
                        ObjectiveOutcomes {
                            template: template.clone(),
                            kind: o.measure.kind,
                            achieved: 0,
                            missed: 0,
                            running: 0,
                            median_days_to_target: None,
                            achieved_accounts: Vec::new(),
                            missed_accounts: Vec::new(),
                        },
                        Vec::new(),
                    )
                });
            match status {
                ObjectiveStatus::Achieved => {
                    out.achieved += 1;
                    out.achieved_accounts.push(p.account);
                    if let Some(on) = reached {
                        days.push((*on - o.measure.baseline_on).num_days().max(0));
                    }
                }
                ObjectiveStatus::Missed => {
                    out.missed += 1;
                    out.missed_accounts.push(p.account);
                }
                _ => out.running += 1,
            }
        }
    }
    let outcomes = outcomes
        .into_values()
        .map(|(mut o, days)| {
            o.median_days_to_target = median(days);
            o.achieved_accounts.dedup();
            o.missed_accounts.dedup();
            o
        })
        .collect();
    let first: Vec<i64> = plans
        .iter()
        .filter_map(|p| Some((p.first_value_on? - p.customer_since?).num_days().max(0)))
        .collect();
    Patterns {
        plans: plans.len(),
        groups,
        common,
        outcomes,
        first_value_accounts: first.len(),
        median_days_to_first_value: median(first),
        this_quarter,
        last_quarter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Blocker, BlockerSeverity};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn blocker(dimension: &str, label: &str, raised: &str, resolved: Option<&str>) -> Blocker {
        Blocker {
            dimension: dimension.into(),
            label: Some(label.into()),
            summary: format!("{label} here"),
            severity: BlockerSeverity::High,
            status: if resolved.is_some() {
                BlockerStatus::Resolved
            } else {
                BlockerStatus::Open
            },
            owner: None,
            raised_on: day(raised),
            resolved_on: resolved.map(day),
            resolution: resolved.map(|_| "fixed".into()),
            internal: false,
        }
    }

    fn account(id: i64, arr: i64, industry: &str, blockers: Vec<Blocker>) -> PlannedAccount {
        PlannedAccount {
            account: AccountId(id),
            name: format!("A{id}"),
            arr: arr.into(),
            segment: None,
            tier: Some(1),
            csm: Some("Dana".into()),
            industry: Some(industry.into()),
            template: None,
            content: PlanContent {
                success: "x".into(),
                blockers,
                ..Default::default()
            },
            objectives: Vec::new(),
            first_value_on: None,
            customer_since: None,
        }
    }

    #[test]
    fn the_blocker_holding_back_the_most_arr_comes_first_with_its_accounts() {
        let plans = vec![
            account(
                1,
                100,
                "Retail",
                vec![blocker("Product", "SSO not configured", "2026-10-05", None)],
            ),
            account(
                2,
                300,
                "Retail",
                vec![
                    blocker("Product", "sso not-configured", "2026-07-10", None),
                    blocker("People", "Champion left", "2026-08-01", None),
                ],
            ),
            account(
                3,
                50,
                "Banking",
                vec![blocker(
                    "Services",
                    "Training not done",
                    "2026-07-01",
                    Some("2026-08-01"),
                )],
            ),
        ];
        let today = day("2026-11-15");
        let p = patterns(&plans, GroupBy::Label, today);
        assert_eq!(p.groups[0].name, "SSO not configured");
        assert_eq!(p.groups[0].accounts, vec![AccountId(2), AccountId(1)]);
        assert_eq!(p.groups[0].arr, Decimal::from(400));
        assert_eq!(p.groups.len(), 2, "resolved blockers hold nothing back");
        let by_dim = patterns(&plans, GroupBy::Dimension, today);
        assert_eq!(by_dim.groups[0].name, "Product");
        assert_eq!(by_dim.groups[0].blockers, 2);
        let sso = &p.common[0];
        assert_eq!((sso.this_quarter, sso.last_quarter), (2, 1));
        let training = p
            .common
            .iter()
            .find(|c| c.name == "Training not done")
            .unwrap();
        assert_eq!((training.this_quarter, training.last_quarter), (0, 1));
        assert!(training.open_accounts.is_empty());
        let industry = patterns(&plans, GroupBy::Industry, today);
        assert_eq!(industry.groups[0].name, "Retail");
        assert_eq!(industry.groups[0].blockers, 3);
    }

    #[test]
    fn medians_count_days_from_baseline_to_target_and_to_first_value() {
        assert_eq!(median(vec![30, 10, 20]), Some(20));
        assert_eq!(median(vec![10, 20]), Some(15));
        assert_eq!(median(vec![]), None);
        assert_eq!(quarter_start(day("2026-11-15")), day("2026-10-01"));
        let mut a = account(1, 10, "Retail", vec![]);
        a.customer_since = Some(day("2026-01-01"));
        a.first_value_on = Some(day("2026-02-15"));
        let p = patterns(&[a], GroupBy::Csm, day("2026-11-15"));
        assert_eq!(p.median_days_to_first_value, Some(45));
        assert_eq!(p.first_value_accounts, 1);
    }
}
