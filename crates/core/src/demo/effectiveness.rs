//! The demo product's effectiveness model: its phases mapped to the product's own features,
//! as CS ops would map theirs (the built-in model judges on the health metrics alone).

use super::FEATURES;
use crate::assignment::{AssignmentRule, Condition};
use crate::effectiveness::*;

/// The demo's model name.
pub const DEMO_MODEL: &str = "Analytics effectiveness";

/// From dashboards to planning with the product's data: a healthy team shares and automates,
/// a growing one plans with forecasts; a declining one stays with its reports.
pub fn demo_model() -> EffectivenessModel {
    let f = |i: usize| FEATURES[i];
    EffectivenessModel {
        name: DEMO_MODEL.into(),
        description: "How far a customer's team has taken its analytics with the product".into(),
        met_percent: 100,
        phase_days: DEFAULT_PHASE_DAYS,
        phases: vec![
            phase(
                "Reporting",
                "The team starts its day on the dashboards and builds its own reports",
                vec![
                    on_feature_seats("Dashboards in daily use", f(0), 30.0),
                    on_feature_users("Reports built by the team", f(1), 2),
                ],
            ),
            phase(
                "Sharing insight",
                "Reports reach the people who act on them, without asking",
                vec![
                    on_feature_users("Reports shared across the team", f(2), 3),
                    on_feature_users("Data exported to where it is used", f(3), 2),
                    on_feature_users("Alerts set on what matters", f(4), 1),
                ],
            ),
            phase(
                "Connected",
                "The product is wired into the customer's systems and runs on its own",
                vec![
                    on_feature_users("An integration connected", f(5), 1),
                    on_feature_users("Workflows automated", f(6), 2),
                    on_metric(
                        "Half the seats in use",
                        "seat_utilisation",
                        Some(50.0),
                        None,
                    ),
                ],
            ),
            phase(
                "Planning with data",
                "What the best customers do: plan ahead with forecasts and decide in the product",
                vec![
                    on_feature_users("Forecasts run by the planners", f(10), 3),
                    on_feature_seats("Decisions discussed in comments", f(7), 20.0),
                    on_feature_users("The API in use", f(9), 1),
                ],
            ),
        ],
    }
}

/// The demo's configuration: its model for every account, the built-in one kept beside it.
pub fn demo_effectiveness() -> EffectivenessConfig {
    EffectivenessConfig {
        rules: vec![AssignmentRule {
            when: Condition::default(),
            then: DEMO_MODEL.into(),
        }],
        models: vec![demo_model(), default_model()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_model_is_valid_and_names_the_products_features() {
        let c = demo_effectiveness();
        c.check().unwrap();
        for feature in c.features() {
            assert!(FEATURES.contains(&feature), "{feature}");
        }
    }
}
