//! Onboarding analytics (seed 002): "measure the time that it takes each customer to progress
//! from one [moment] to the other ... determine whether there are any systemic delays". The
//! days between consecutive completed milestones, per step and per cohort (the quarter the
//! customer started), the slowest step as the candidate systemic delay, and time to first
//! value by cohort and by segment.

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// The start of the onboarding, as a step's "from".
pub const CONTRACT_START: &str = "contract_start";

/// The milestone that is the customer's first value.
pub const FIRST_VALUE: &str = "first_value";

/// Steps with fewer accounts than this are shown but not called the slowest.
pub const MIN_ACCOUNTS_FOR_SLOWEST: usize = 5;

/// One customer's onboarding: its milestones completed, in its model's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Onboarding {
    pub since: NaiveDate,
    pub segment: Option<u8>,
    /// (milestone key, completed on), in the model's order; missing ones left out.
    pub completed: Vec<(String, NaiveDate)>,
}

/// Days between two consecutive milestones over the accounts that reached both.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub from: String,
    pub to: String,
    pub accounts: usize,
    pub median_days: f64,
    pub p90_days: f64,
}

/// Days from the contract start to first value over some accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub accounts: usize,
    pub median_days: f64,
    pub p90_days: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// "2026-Q3": the quarter its customers started.
    pub cohort: String,
    pub accounts: usize,
    pub steps: Vec<Step>,
    pub first_value: Option<Spread>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnboardingAnalytics {
    pub accounts: usize,
    pub steps: Vec<Step>,
    /// The step with the longest median among those with enough accounts.
    pub slowest: Option<Step>,
    pub cohorts: Vec<Cohort>,
    /// By Pareto segment (None: not segmented).
    pub first_value_by_segment: Vec<(Option<u8>, Spread)>,
}

/// The nearest-rank percentile of sorted values.
fn rank(sorted: &[i64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64
}

fn spread(mut days: Vec<i64>) -> Option<Spread> {
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    Some(Spread {
        accounts: days.len(),
        median_days: rank(&days, 0.5),
        p90_days: rank(&days, 0.9),
    })
}

/// The steps of some onboardings, in the order they first appear.
fn steps<'a>(all: impl Iterator<Item = &'a Onboarding>) -> Vec<Step> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut days: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for o in all {
        let mut from = (CONTRACT_START.to_string(), o.since);
        for (key, on) in &o.completed {
            let step = (from.0.clone(), key.clone());
            if !days.contains_key(&step) {
                order.push(step.clone());
            }
            // Done out of order (a login before the kickoff) counts as no wait, not a negative one.
            days.entry(step)
                .or_default()
                .push((*on - from.1).num_days().max(0));
            from = (key.clone(), (*on).max(from.1));
        }
    }
    order
        .into_iter()
        .filter_map(|step| {
            let s = spread(days.remove(&step)?)?;
            Some(Step {
                from: step.0,
                to: step.1,
                accounts: s.accounts,
                median_days: s.median_days,
                p90_days: s.p90_days,
            })
        })
        .collect()
}

fn first_value<'a>(all: impl Iterator<Item = &'a Onboarding>) -> Option<Spread> {
    spread(
        all.filter_map(|o| {
            let (_, on) = o.completed.iter().find(|(k, _)| k == FIRST_VALUE)?;
            Some((*on - o.since).num_days().max(0))
        })
        .collect(),
    )
}

fn quarter(d: NaiveDate) -> String {
    format!("{}-Q{}", d.year(), d.month0() / 3 + 1)
}

pub fn analyse(onboardings: &[Onboarding]) -> OnboardingAnalytics {
    let all = steps(onboardings.iter());
    let slowest = all
        .iter()
        .filter(|s| s.accounts >= MIN_ACCOUNTS_FOR_SLOWEST)
        .max_by(|a, b| a.median_days.total_cmp(&b.median_days))
        .cloned();
    let mut by_cohort: BTreeMap<String, Vec<&Onboarding>> = BTreeMap::new();
    let mut by_segment: BTreeMap<Option<u8>, Vec<&Onboarding>> = BTreeMap::new();
    for o in onboardings {
        by_cohort.entry(quarter(o.since)).or_default().push(o);
        by_segment.entry(o.segment).or_default().push(o);
    }
    OnboardingAnalytics {
        accounts: onboardings.len(),
        steps: all,
        slowest,
        cohorts: by_cohort
            .into_iter()
            .rev()
            .map(|(cohort, os)| Cohort {
                cohort,
                accounts: os.len(),
                steps: steps(os.iter().copied()),
                first_value: first_value(os.iter().copied()),
            })
            .collect(),
        first_value_by_segment: by_segment
            .into_iter()
            .filter_map(|(segment, os)| Some((segment, first_value(os.iter().copied())?)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn onboarding(since: &str, segment: u8, done: &[(&str, &str)]) -> Onboarding {
        Onboarding {
            since: d(since),
            segment: Some(segment),
            completed: done.iter().map(|(k, on)| (k.to_string(), d(on))).collect(),
        }
    }

    #[test]
    fn steps_measure_the_days_between_consecutive_milestones_and_name_the_slowest() {
        let mut all = Vec::new();
        for i in 0..6 {
            // Kickoff after 3 days, then training 20 + i days later: training is the delay.
            let kickoff = d("2026-07-01") + chrono::Days::new(3);
            let training = kickoff + chrono::Days::new(20 + i);
            all.push(Onboarding {
                since: d("2026-07-01"),
                segment: Some(2),
                completed: vec![
                    ("kickoff".into(), kickoff),
                    ("initial_training".into(), training),
                ],
            });
        }
        // One from another quarter that reached first value, the kickoff done before the start.
        all.push(onboarding(
            "2026-10-05",
            1,
            &[("kickoff", "2026-10-01"), ("first_value", "2026-11-04")],
        ));
        let a = analyse(&all);
        assert_eq!(a.accounts, 7);
        let kick = &a.steps[0];
        assert_eq!(
            (kick.from.as_str(), kick.to.as_str(), kick.accounts),
            ("contract_start", "kickoff", 7)
        );
        assert_eq!(
            kick.median_days, 3.0,
            "a kickoff before the start counts as none"
        );
        let training = a.steps.iter().find(|s| s.to == "initial_training").unwrap();
        assert_eq!((training.median_days, training.p90_days), (22.0, 25.0));
        assert_eq!(a.slowest.as_ref().unwrap().to, "initial_training");
        assert_eq!(
            a.cohorts
                .iter()
                .map(|c| (c.cohort.as_str(), c.accounts))
                .collect::<Vec<_>>(),
            [("2026-Q4", 1), ("2026-Q3", 6)]
        );
        assert_eq!(a.cohorts[0].first_value.as_ref().unwrap().median_days, 30.0);
        assert_eq!(
            a.first_value_by_segment.len(),
            1,
            "only segment 1 reached first value"
        );
        assert_eq!(a.first_value_by_segment[0].0, Some(1));
    }

    #[test]
    fn a_step_with_few_accounts_is_never_called_the_slowest() {
        let a = analyse(&[onboarding("2026-07-01", 1, &[("kickoff", "2026-09-01")])]);
        assert_eq!(a.steps.len(), 1);
        assert!(a.slowest.is_none());
    }
}
