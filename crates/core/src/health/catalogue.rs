//! The metric catalogue: every metric a factor can score, computed from Sherpa's own data
//! (seed 003's factor list), with its group, unit and where it comes from; and the default
//! scorecards, which start simple as seed 003 advises.

use super::{Band, Factor, FactorGroup, Scorecard, ScoringRule, Thresholds};
use crate::assignment::{AssignmentRule, Condition};
use crate::book::Lifecycle;

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    pub key: &'static str,
    pub name: &'static str,
    pub group: FactorGroup,
    /// "%", "days", "months", "count", "score" or "yes/no" (1 or 0).
    pub unit: &'static str,
    /// Where the value comes from.
    pub source: &'static str,
}

const fn m(
    key: &'static str,
    name: &'static str,
    group: FactorGroup,
    unit: &'static str,
    source: &'static str,
) -> Metric {
    Metric {
        key,
        name,
        group,
        unit,
        source,
    }
}

use FactorGroup::*;

/// The catalogue.
pub const METRICS: &[Metric] = &[
    m(
        "dau_mau",
        "DAU/MAU",
        Engagement,
        "%",
        "usage rollups: active users per day over the last 30 days",
    ),
    m(
        "active_users_30d",
        "Active users (30 days)",
        Engagement,
        "count",
        "usage rollups",
    ),
    m(
        "seat_utilisation",
        "Seat utilisation",
        Engagement,
        "%",
        "users seen in 30 days over contracted seats",
    ),
    m(
        "usage_trend",
        "Usage trend",
        Engagement,
        "%",
        "events of the last 30 days against the 30 before",
    ),
    m(
        "feature_breadth",
        "Features used",
        Engagement,
        "%",
        "features used in 90 days over the feature catalogue",
    ),
    m(
        "high_value_features",
        "High-value features used",
        Engagement,
        "%",
        "features marked high-value, used in 90 days",
    ),
    m(
        "days_since_login",
        "Days since the last login",
        Engagement,
        "days",
        "the last event of any user",
    ),
    m(
        "users_trained",
        "Users trained",
        Configuration,
        "%",
        "current contacts who attended a training activity",
    ),
    m(
        "integrations",
        "Integrations",
        Configuration,
        "count",
        "features named like \"Integration\" used in 30 days, or the `integrations` account field",
    ),
    m(
        "time_to_first_value",
        "Time to first value",
        Configuration,
        "days",
        "customer since to the first use of a high-value feature",
    ),
    m(
        "business_review_days",
        "Days since a business review",
        Relationship,
        "days",
        "the last QBR or EBR activity",
    ),
    m(
        "success_plan",
        "Success plan in place",
        Relationship,
        "yes/no",
        "a live success plan updated within the month (1), else 0; measured once any account has a plan",
    ),
    m(
        "days_since_customer_reply",
        "Days since the customer replied",
        Relationship,
        "days",
        "the last activity with a contact attending",
    ),
    m(
        "executive_touch_90d",
        "Executive touched (90 days)",
        Relationship,
        "yes/no",
        "an activity with an economic buyer or executive",
    ),
    m(
        "champion_departed",
        "Champion or buyer departed",
        Relationship,
        "yes/no",
        "contacts with a departure date",
    ),
    m(
        "csm_pulse",
        "CSM pulse",
        Relationship,
        "score",
        "the CSM's green/yellow/red, until it expires",
    ),
    m(
        "nps_latest",
        "NPS (latest)",
        Satisfaction,
        "score",
        "surveys: the latest NPS answer, 0-10",
    ),
    m(
        "nps_trend",
        "NPS trend",
        Satisfaction,
        "score",
        "the latest NPS against the one before",
    ),
    m(
        "csat_latest",
        "CSAT (latest)",
        Satisfaction,
        "score",
        "surveys and tickets: 1-5",
    ),
    m(
        "ces_latest",
        "CES (latest)",
        Satisfaction,
        "score",
        "surveys: 1-7",
    ),
    m(
        "renew_intent",
        "Would renew today",
        Satisfaction,
        "score",
        "surveys: yes 1, unsure 0.5, no 0",
    ),
    m(
        "open_tickets",
        "Open tickets",
        Support,
        "count",
        "tickets not solved",
    ),
    m(
        "tickets_30d",
        "Tickets (30 days)",
        Support,
        "count",
        "tickets opened in 30 days",
    ),
    m(
        "resolution_days_avg",
        "Average resolution time",
        Support,
        "days",
        "tickets solved in 90 days",
    ),
    m(
        "resolution_days_max",
        "Longest resolution time",
        Support,
        "days",
        "tickets solved in 90 days",
    ),
    m(
        "escalations_90d",
        "Escalations (90 days)",
        Support,
        "count",
        "tickets escalated",
    ),
    m(
        "arr_trend",
        "ARR trend",
        Commercial,
        "%",
        "ARR now against a year ago",
    ),
    m(
        "tenure_days",
        "Tenure",
        Commercial,
        "days",
        "customer since",
    ),
    m(
        "term_months",
        "Term length",
        Commercial,
        "months",
        "the running contract term: 1 monthly, 12 annual, 24 or more multi-year",
    ),
    m(
        "days_to_term_end",
        "Days to the term's end",
        Commercial,
        "days",
        "the running contract term's last day",
    ),
    m(
        "auto_renews",
        "Renews automatically",
        Commercial,
        "yes/no",
        "the running contract term renews unless cancelled",
    ),
    m(
        "invoice_days_overdue",
        "Invoice days overdue",
        Commercial,
        "days",
        "an imported billing field",
    ),
];

/// The metric of a key.
pub fn metric(key: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.key == key)
}

fn linear(key: &str, zero: f64, full: f64, weight: f64) -> Factor {
    let m = metric(key).expect("a catalogue metric");
    Factor {
        metric: key.into(),
        name: m.name.into(),
        group: m.group,
        rule: ScoringRule::Linear { zero, full },
        weight,
    }
}

fn bands(key: &str, bands: &[(f64, f64)], weight: f64) -> Factor {
    Factor {
        rule: ScoringRule::Bands {
            bands: bands
                .iter()
                .map(|(from, points)| Band {
                    from: *from,
                    points: *points,
                })
                .collect(),
        },
        ..linear(key, 0.0, 1.0, weight)
    }
}

/// The default scorecard for accounts past onboarding. Usage carries most of the weight and is
/// enough on its own to score (its factors hold over half of it), because usage is what every
/// book has: how widely the seats are used, how often (DAU/MAU), how much of the product
/// (breadth), how recently, the trend when there is a whole earlier window to compare, and how
/// long the account has been a customer (young accounts churn most). The customer's voice,
/// support and relationship count when they are connected; without them they are missing,
/// never a constant "0 open tickets" that cannot tell one account from another.
pub fn default_scorecard() -> Scorecard {
    Scorecard {
        name: "Default".into(),
        factors: vec![
            linear("seat_utilisation", 20.0, 85.0, 2.0),
            linear("dau_mau", 5.0, 40.0, 2.0),
            linear("feature_breadth", 10.0, 60.0, 2.0),
            linear("days_since_login", 30.0, 2.0, 2.0),
            linear("usage_trend", -40.0, 10.0, 1.0),
            linear("tenure_days", 60.0, 730.0, 2.0),
            bands("nps_latest", &[(0.0, 0.0), (7.0, 60.0), (9.0, 100.0)], 1.0),
            linear("renew_intent", 0.0, 1.0, 1.0),
            linear("open_tickets", 8.0, 0.0, 1.0),
            linear("escalations_90d", 3.0, 0.0, 1.0),
            linear("days_since_customer_reply", 90.0, 14.0, 1.0),
            bands("champion_departed", &[(0.0, 100.0), (1.0, 0.0)], 0.5),
            // The CSM's own judgement (seed 003): counted only while a pulse is set.
            linear("csm_pulse", 0.0, 100.0, 1.5),
        ],
        thresholds: Thresholds::default(),
    }
}

/// Onboarding accounts are judged by adoption and early contact, not by mature usage.
pub fn onboarding_scorecard() -> Scorecard {
    Scorecard {
        name: "Onboarding".into(),
        factors: vec![
            linear("active_users_30d", 0.0, 10.0, 3.0),
            linear("days_since_login", 14.0, 1.0, 2.0),
            linear("users_trained", 0.0, 60.0, 1.0),
            linear("days_since_customer_reply", 30.0, 7.0, 2.0),
            linear("open_tickets", 6.0, 0.0, 1.0),
        ],
        thresholds: Thresholds::default(),
    }
}

/// Onboarding accounts get the onboarding scorecard; every other account the default.
pub fn default_rules() -> Vec<AssignmentRule> {
    vec![
        AssignmentRule {
            when: Condition {
                lifecycle: Some(Lifecycle::Onboarding),
                ..Default::default()
            },
            then: "Onboarding".into(),
        },
        AssignmentRule {
            when: Condition::default(),
            then: "Default".into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::{AccountFacts, check, first_match};

    #[test]
    fn the_catalogue_has_one_entry_per_key_and_covers_seed_003s_groups() {
        let mut keys: Vec<&str> = METRICS.iter().map(|m| m.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), METRICS.len());
        for g in FactorGroup::ALL {
            assert!(METRICS.iter().any(|m| m.group == *g), "{g:?}");
        }
    }

    #[test]
    fn the_default_scorecards_are_valid_and_use_catalogue_metrics_only() {
        for card in [default_scorecard(), onboarding_scorecard()] {
            card.check().unwrap();
            assert!(card.factors.iter().all(|f| metric(&f.metric).is_some()));
        }
        check(&default_rules(), &["Default", "Onboarding"]).unwrap();
        let new = AccountFacts {
            lifecycle: Some(Lifecycle::Onboarding),
            ..Default::default()
        };
        assert_eq!(
            first_match(&default_rules(), &new).unwrap().1.then,
            "Onboarding"
        );
    }

    #[test]
    fn the_default_scorecard_tells_a_thriving_account_from_a_churning_one() {
        let card = default_scorecard();
        let thriving = card.score(|m| match m {
            "seat_utilisation" => Some(90.0),
            "dau_mau" => Some(45.0),
            "feature_breadth" => Some(65.0),
            "days_since_login" => Some(1.0),
            "usage_trend" => Some(5.0),
            "tenure_days" => Some(800.0),
            "nps_latest" => Some(9.0),
            "renew_intent" => Some(1.0),
            "open_tickets" | "escalations_90d" | "champion_departed" => Some(0.0),
            "days_since_customer_reply" => Some(5.0),
            _ => None,
        });
        let churning = card.score(|m| match m {
            "seat_utilisation" => Some(25.0),
            "dau_mau" => Some(6.0),
            "feature_breadth" => Some(12.0),
            "days_since_login" => Some(20.0),
            "usage_trend" => Some(-50.0),
            "tenure_days" => Some(200.0),
            "nps_latest" => Some(3.0),
            "open_tickets" => Some(9.0),
            "escalations_90d" => Some(2.0),
            "champion_departed" => Some(1.0),
            "days_since_customer_reply" => Some(120.0),
            _ => None,
        });
        assert_eq!(
            thriving.colour,
            Some(super::super::Colour::Green),
            "{thriving:?}"
        );
        assert_eq!(
            churning.colour,
            Some(super::super::Colour::Red),
            "{churning:?}"
        );
        let renew = card
            .factors
            .iter()
            .position(|f| f.metric == "renew_intent")
            .unwrap();
        assert_eq!(
            churning.factors[renew].value, None,
            "no renewal survey: missing, not zero"
        );
    }

    #[test]
    fn usage_alone_is_enough_to_score_and_it_ranks_a_fading_account_below_a_sticky_one() {
        let card = default_scorecard();
        // A book with usage and contracts only: no seats, no tickets, no surveys, no contacts.
        let sticky = card.score(|m| match m {
            "dau_mau" => Some(35.0),
            "feature_breadth" => Some(50.0),
            "days_since_login" => Some(1.0),
            "usage_trend" => Some(0.0),
            "tenure_days" => Some(700.0),
            _ => None,
        });
        let fading = card.score(|m| match m {
            "dau_mau" => Some(8.0),
            "feature_breadth" => Some(15.0),
            "days_since_login" => Some(12.0),
            "usage_trend" => Some(-35.0),
            "tenure_days" => Some(150.0),
            _ => None,
        });
        let (Some(s), Some(f)) = (sticky.score, fading.score) else {
            panic!("usage alone must score: {sticky:?} {fading:?}");
        };
        assert!(s > 80.0 && f < 30.0, "sticky {s}, fading {f}");
    }
}
