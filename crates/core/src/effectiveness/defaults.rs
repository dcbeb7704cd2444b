//! The model Sherpa ships with: four phases on the health catalogue's own metrics, so that it
//! judges any book from the day its usage arrives, before CS ops maps phases to the product's
//! features (as the demo does for its product).

use super::{Behaviour, DEFAULT_PHASE_DAYS, EffectivenessConfig, EffectivenessModel, Phase};
use crate::assignment::{AssignmentRule, Condition};

/// A behaviour on a catalogue metric with a floor and/or a ceiling.
pub fn on_metric(
    name: &str,
    metric: &str,
    at_least: Option<f64>,
    at_most: Option<f64>,
) -> Behaviour {
    Behaviour {
        name: name.into(),
        metric: Some(metric.into()),
        at_least,
        at_most,
        ..Behaviour::default()
    }
}

/// A behaviour on a feature: used by at least `users` people in 30 days.
pub fn on_feature_users(name: &str, feature: &str, users: u32) -> Behaviour {
    Behaviour {
        name: name.into(),
        feature: Some(feature.into()),
        users_at_least: Some(users),
        ..Behaviour::default()
    }
}

/// A behaviour on a feature: used by at least `percent` of the seats in 30 days.
pub fn on_feature_seats(name: &str, feature: &str, percent: f64) -> Behaviour {
    Behaviour {
        name: name.into(),
        feature: Some(feature.into()),
        seats_percent_at_least: Some(percent),
        ..Behaviour::default()
    }
}

pub fn phase(name: &str, description: &str, behaviours: Vec<Behaviour>) -> Phase {
    Phase {
        name: name.into(),
        description: description.into(),
        behaviours,
    }
}

/// The built-in model's name.
pub const DEFAULT_MODEL: &str = "Product effectiveness";

/// From a team that logs in to one that uses the product's value broadly and every day.
pub fn default_model() -> EffectivenessModel {
    EffectivenessModel {
        name: DEFAULT_MODEL.into(),
        description: "How well a customer uses the product, from its usage alone".into(),
        met_percent: 100,
        phase_days: DEFAULT_PHASE_DAYS,
        phases: vec![
            phase(
                "Live",
                "The product is in use: people log in and come back",
                vec![
                    on_metric("A few people use it", "active_users_30d", Some(3.0), None),
                    on_metric(
                        "Someone used it this week",
                        "days_since_login",
                        None,
                        Some(7.0),
                    ),
                ],
            ),
            phase(
                "Adopting",
                "The team has taken it up beyond the first users and the first features",
                vec![
                    on_metric(
                        "Two in five seats in use",
                        "seat_utilisation",
                        Some(40.0),
                        None,
                    ),
                    on_metric(
                        "A third of the features in use",
                        "feature_breadth",
                        Some(30.0),
                        None,
                    ),
                ],
            ),
            phase(
                "Getting value",
                "It uses what the product is bought for, and uses it often",
                vec![
                    on_metric(
                        "Half the high-value features in use",
                        "high_value_features",
                        Some(50.0),
                        None,
                    ),
                    on_metric(
                        "People use it most working days",
                        "dau_mau",
                        Some(20.0),
                        None,
                    ),
                ],
            ),
            phase(
                "Leading",
                "What the best customers do: most seats, most features, all of the value",
                vec![
                    on_metric(
                        "Seven in ten seats in use",
                        "seat_utilisation",
                        Some(70.0),
                        None,
                    ),
                    on_metric("Most features in use", "feature_breadth", Some(60.0), None),
                    on_metric(
                        "Every high-value feature in use",
                        "high_value_features",
                        Some(100.0),
                        None,
                    ),
                ],
            ),
        ],
    }
}

impl Default for EffectivenessConfig {
    fn default() -> Self {
        EffectivenessConfig {
            rules: vec![AssignmentRule {
                when: Condition::default(),
                then: DEFAULT_MODEL.into(),
            }],
            models: vec![default_model()],
        }
    }
}
