//! The demo book's success plans: most Tier 1 and Tier 2 customers have one, started from the
//! template of their tier, with objectives whose recorded values tell different stories (on
//! track, slipping, far behind, reached), steps done and to do, and blockers that form the
//! pattern a leader should find: a missing integration holding back healthcare accounts, SSO
//! in financial services, and a scatter of the rest.

use super::{DemoAccount, DemoBook};
use crate::book::OwnerFunction;
use crate::plan::*;
use chrono::{Days, Months, NaiveDate};
use rand::Rng;
use rust_decimal::Decimal;

/// A demo plan: its content, dates and the values recorded on it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPlan {
    pub template: &'static str,
    pub content: PlanContent,
    pub started_on: NaiveDate,
    pub refreshed_on: NaiveDate,
    pub updated_on: NaiveDate,
    /// Objective key, day, value, source (entry or import), note.
    pub values: Vec<(String, NaiveDate, Decimal, &'static str, &'static str)>,
}

/// Where an objective's values are heading.
#[derive(Clone, Copy)]
enum Fate {
    OnTrack,
    Slipping,
    FarBehind,
    Reached,
}

const SUCCESS: &[&str] = &[
    "Month-end close in two days instead of five, without overtime",
    "Every regional team works from one source of truth by the summer",
    "Onboard new clients in a week, not a month",
    "Cut the manual reporting our analysts do every Friday",
    "Pass the next audit with no findings on our process",
];

const NOTES: &[&str] = &[
    "from the weekly ops review",
    "their finance lead's figure",
    "checked on the call",
    "",
];

fn c(csm: bool) -> Option<PlanOwner> {
    csm.then_some(PlanOwner::Function(OwnerFunction::Csm))
}

impl DemoBook {
    /// The account's plan, if it has one.
    pub fn plan(&self, a: &DemoAccount) -> Option<DemoPlan> {
        let tier = a.grading.as_ref().and_then(|g| g.tier())?.get();
        let since = a.fields.customer_since?;
        let age = (self.today - since).num_days();
        if tier > 2 || age < 30 || a.fields.lifecycle == Some(crate::book::Lifecycle::Churned) {
            return None;
        }
        let mut rng = self.rng(a.index, 0x706c_616e);
        // Most, not all: some CSMs have not written theirs yet.
        if rng.random_bool(0.12) {
            return None;
        }
        let today = self.today;
        // A young customer's plan began with its onboarding; an older one's when its CSM
        // wrote it, some months ago.
        let started_on = if age < 300 {
            since + Days::new(rng.random_range(0..14))
        } else {
            today - Days::new(rng.random_range(45..300))
        };
        let onboarding_plan = (started_on - since).num_days() <= 60;
        // Refreshed each quarter since it started; one in six let the last refresh slip.
        let quarters = (today - started_on).num_days() / 91;
        let skipped = i64::from(rng.random_bool(1.0 / 6.0) && quarters > 0);
        let refreshed_on = started_on + Months::new(3 * (quarters - skipped).max(0) as u32);
        let stale = rng.random_bool(0.15);
        let fate = |rng: &mut rand_chacha::ChaCha8Rng| match rng.random_range(0..20) {
            0..=10 => Fate::OnTrack,
            11..=14 => Fate::Slipping,
            15..=17 => Fate::FarBehind,
            _ => Fate::Reached,
        };
        let industry = a.fields.industry.clone().unwrap_or_default();
        let mut objectives = Vec::new();
        let mut values = Vec::new();
        let seats = a
            .contracts
            .iter()
            .filter_map(|t| t.seats)
            .max()
            .unwrap_or(10);
        let mut measured = |key: &str,
                            title: &str,
                            kind: UnitKind,
                            unit: &str,
                            baseline: i64,
                            target: i64,
                            months: u32,
                            source: ValueSource,
                            first_value: bool,
                            fate: Option<Fate>,
                            rng: &mut rand_chacha::ChaCha8Rng| {
            let measure = Measure {
                kind,
                unit: unit.into(),
                baseline: baseline.into(),
                baseline_on: started_on,
                baseline_source: "agreed at the kickoff".into(),
                target: target.into(),
                target_on: started_on + Months::new(months),
            };
            if let Some(fate) = fate {
                let recorded = if source == ValueSource::Import {
                    "import"
                } else {
                    "entry"
                };
                let mut on = started_on + Days::new(30);
                let last = if stale {
                    today - Days::new(rng.random_range(35..60))
                } else {
                    today - Days::new(rng.random_range(1..20))
                }
                .max(started_on + Days::new(1));
                while on <= last {
                    let expected = measure.expected(on);
                    let pace = match fate {
                        Fate::OnTrack => Decimal::new(rng.random_range(102..118), 2),
                        Fate::Slipping => Decimal::new(rng.random_range(62..78), 2),
                        Fate::FarBehind => Decimal::new(rng.random_range(20..45), 2),
                        Fate::Reached => Decimal::new(rng.random_range(150..190), 2),
                    };
                    let share = (expected * pace).min(Decimal::new(110, 2));
                    let v = measure.baseline + (measure.target - measure.baseline) * share;
                    // Large figures (money) in whole units, small ones (hours) to a tenth.
                    let places = if measure.baseline.abs().max(measure.target.abs())
                        > Decimal::ONE_HUNDRED
                    {
                        0
                    } else {
                        1
                    };
                    values.push((
                        key.to_string(),
                        on,
                        v.round_dp(places),
                        recorded,
                        NOTES[rng.random_range(0..NOTES.len())],
                    ));
                    on = on + Days::new(30);
                }
                values.push((
                    key.to_string(),
                    last,
                    values.last().map_or(
                        measure.baseline,
                        |v: &(String, NaiveDate, Decimal, &str, &str)| v.2,
                    ),
                    recorded,
                    "",
                ));
                values.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
            }
            objectives.push(Objective {
                key: key.into(),
                title: title.into(),
                measure,
                source,
                owner: c(true),
                first_value,
            });
        };
        let template = if tier == 1 {
            let monthly = (a
                .contracts
                .first()
                .map_or(Decimal::from(2_000), |t| t.arr.amount)
                / Decimal::from(12))
            .round();
            let cost = (monthly * Decimal::from(rng.random_range(3..6))).round();
            let cost = i64::try_from(cost.mantissa()).unwrap_or(10_000).max(1_000);
            let f = fate(&mut rng);
            measured(
                "cost-of-the-process",
                "Cost of the process",
                UnitKind::Cost,
                "USD a month",
                cost,
                cost * 7 / 10,
                12,
                ValueSource::Import,
                false,
                Some(f),
                &mut rng,
            );
            let f = fate(&mut rng);
            measured(
                "hours-saved-a-week",
                "Hours saved a week",
                UnitKind::TimeSaved,
                "hours saved a week",
                rng.random_range(0..4),
                rng.random_range(20..40),
                6,
                ValueSource::Entry,
                onboarding_plan,
                Some(f),
                &mut rng,
            );
            "Strategic account"
        } else {
            let f = fate(&mut rng);
            measured(
                "first-result-delivered",
                "First result delivered",
                UnitKind::TimeSaved,
                "hours saved a week",
                0,
                rng.random_range(6..15),
                4,
                ValueSource::Entry,
                onboarding_plan,
                Some(f),
                &mut rng,
            );
            "Onboarding to first value"
        };
        // Read by Sherpa from the product's own data: seven in ten seats bought in use.
        measured(
            "weekly-active-users",
            "Weekly active users",
            UnitKind::Other,
            "active users in 30 days",
            1,
            (seats * 7 / 10).max(3),
            6,
            ValueSource::Metric {
                metric: "active_users_30d".into(),
            },
            false,
            None,
            &mut rng,
        );
        let steps = vec![
            Step {
                key: "kickoff".into(),
                title: "Kickoff with the champion and the economic buyer".into(),
                owner: c(true),
                due_on: Some(started_on + Days::new(7)),
                done: true,
            },
            Step {
                key: "admin-training".into(),
                title: "Admin training".into(),
                owner: c(true),
                due_on: Some(started_on + Days::new(21)),
                done: rng.random_bool(0.8),
            },
            Step {
                key: "business-review".into(),
                title: "Business review of the first results".into(),
                owner: c(true),
                due_on: Some(refreshed_on + Months::new(3) - Days::new(7)),
                done: false,
            },
        ];
        let mut blockers = Vec::new();
        let mut raise = |dimension: &str,
                         label: Option<&str>,
                         summary: &str,
                         severity: BlockerSeverity,
                         internal: bool,
                         rng: &mut rand_chacha::ChaCha8Rng| {
            let raised_on = started_on
                + Days::new(rng.random_range(0..=(today - started_on).num_days().max(0) as u64));
            let resolved = rng.random_bool(0.25);
            let resolved_on =
                resolved.then(|| (raised_on + Days::new(rng.random_range(7..60))).min(today));
            blockers.push(Blocker {
                dimension: dimension.into(),
                label: label.map(String::from),
                summary: summary.into(),
                severity,
                status: if resolved {
                    BlockerStatus::Resolved
                } else {
                    BlockerStatus::Open
                },
                owner: c(true),
                raised_on,
                resolved_on,
                resolution: resolved.then(|| "worked around with the customer's IT".to_string()),
                internal,
            });
        };
        // The pattern: one product gap holds back one industry.
        if industry == "Healthcare" && rng.random_bool(0.8) {
            raise(
                "Product",
                Some("Missing integration"),
                "No connector to their EHR system: records are keyed twice",
                BlockerSeverity::High,
                false,
                &mut rng,
            );
        }
        if industry == "Financial Services" && rng.random_bool(0.55) {
            raise(
                "Product",
                Some("SSO not configured"),
                "Security will not approve a rollout without SAML SSO",
                BlockerSeverity::High,
                false,
                &mut rng,
            );
        }
        let scatter: [(&str, &str, &str, BlockerSeverity, bool); 6] = [
            (
                "People",
                "No executive sponsor",
                "Nobody above the project lead owns the outcome",
                BlockerSeverity::Medium,
                true,
            ),
            (
                "People",
                "Champion left",
                "Our champion moved to another team",
                BlockerSeverity::High,
                false,
            ),
            (
                "Services",
                "Training not done",
                "Half the team skipped the admin training",
                BlockerSeverity::Low,
                false,
            ),
            (
                "Product",
                "Reporting gap",
                "Their board pack needs a report we do not have",
                BlockerSeverity::Medium,
                false,
            ),
            (
                "Quality",
                "Data quality issues",
                "Duplicate records from the legacy import",
                BlockerSeverity::Medium,
                false,
            ),
            (
                "Services",
                "Onboarding delayed",
                "Their data migration slipped a month",
                BlockerSeverity::Medium,
                false,
            ),
        ];
        for (dimension, label, summary, severity, internal) in scatter {
            if rng.random_bool(0.035) {
                raise(
                    dimension,
                    Some(label),
                    summary,
                    severity,
                    internal,
                    &mut rng,
                );
            }
        }
        let updated_on = values
            .iter()
            .map(|v| v.1)
            .max()
            .unwrap_or(refreshed_on)
            .max(refreshed_on);
        Some(DemoPlan {
            template,
            content: PlanContent {
                success: SUCCESS[rng.random_range(0..SUCCESS.len())].into(),
                value_drivers: vec!["Time saved".into(), "Fewer errors".into()],
                objectives,
                steps,
                blockers,
            },
            started_on,
            refreshed_on,
            updated_on,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_tier_1_and_2_customers_have_a_plan_that_checks_with_a_visible_pattern() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        let book = DemoBook::new(2_000, 42, today);
        let (mut eligible, mut plans, mut health_integration, mut health) = (0, 0, 0, 0);
        for i in 0..2_000 {
            let a = book.account(i);
            let tier = a.grading.as_ref().and_then(|g| g.tier()).map(|t| t.get());
            let Some(p) = book.plan(&a) else {
                if matches!(tier, Some(1 | 2))
                    && a.fields.lifecycle != Some(crate::book::Lifecycle::Churned)
                    && (today - a.fields.customer_since.unwrap()).num_days() >= 30
                {
                    eligible += 1;
                }
                continue;
            };
            eligible += 1;
            plans += 1;
            assert!(
                p.content.check(&Dimensions::default()).is_ok(),
                "{:?}",
                p.content.check(&Dimensions::default())
            );
            assert!(p.values.iter().all(|v| v.1 <= today && v.1 >= p.started_on));
            if a.fields.industry.as_deref() == Some("Healthcare") {
                health += 1;
                health_integration += usize::from(
                    p.content
                        .blockers
                        .iter()
                        .any(|b| b.label.as_deref() == Some("Missing integration")),
                );
            }
        }
        assert!(plans * 10 >= eligible * 8, "{plans} of {eligible}");
        assert!(
            health_integration * 2 > health,
            "{health_integration} of {health}"
        );
    }
}
