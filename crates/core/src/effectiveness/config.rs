//! Effectiveness models as configuration: the models, and the ordered first-match rules (the
//! same rules that pick scorecards and engagement models) that give each account one. CS ops
//! keeps them as the `[effectiveness]` part of the configuration file; a bad one names its key
//! and changes nothing.

use crate::assignment::{self, AccountFacts, AssignmentRule};
use crate::health::METRICS;
use serde::{Deserialize, Serialize};

/// Everything an admin sets about effectiveness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectivenessConfig {
    /// Which model judges an account: the first rule that holds; the last holds for every one.
    pub rules: Vec<AssignmentRule>,
    pub models: Vec<EffectivenessModel>,
}

/// A model: its phases, from the basics a customer needs to get any value to what the best
/// customers do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectivenessModel {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The share of a phase's behaviours (percent) an account must meet to reach it: 100, all.
    #[serde(default = "all")]
    pub met_percent: u8,
    /// Days an account is given to reach its next phase from the day it reached its own:
    /// the date of its improvement plan.
    #[serde(default = "phase_days")]
    pub phase_days: u32,
    pub phases: Vec<Phase>,
}

fn all() -> u8 {
    100
}

fn phase_days() -> u32 {
    super::DEFAULT_PHASE_DAYS
}

/// The longest time a model may give an account to reach its next phase: two years.
pub const MAX_PHASE_DAYS: u32 = 730;

/// One phase and the behaviours characteristic of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub behaviours: Vec<Behaviour>,
}

/// A behaviour, measured one of two ways: a `feature` of the catalogue used in the last 30
/// days by at least `users_at_least` people or `seats_percent_at_least` percent of the seats;
/// or a `metric` of the health catalogue at least `at_least` and/or at most `at_most`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_at_least: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats_percent_at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

/// The fewest and the most phases a model may have: "5 plus or minus 2".
pub const PHASES: std::ops::RangeInclusive<usize> = 3..=7;

/// A bad configuration: the key (`models[0].phases[2].behaviours[1].metric`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivenessError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for EffectivenessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

fn bad<T>(key: String, message: impl Into<String>) -> Result<T, EffectivenessError> {
    Err(EffectivenessError {
        key,
        message: message.into(),
    })
}

impl Behaviour {
    /// Checks the behaviour at `key`: one way to measure it, with a threshold that fits.
    fn check(&self, key: &str) -> Result<(), EffectivenessError> {
        if self.name.trim().is_empty() {
            return bad(format!("{key}.name"), "a behaviour needs a name");
        }
        match (&self.feature, &self.metric) {
            (Some(_), Some(_)) => bad(
                format!("{key}.metric"),
                "a behaviour is measured by a feature or a metric, not both",
            ),
            (None, None) => bad(
                format!("{key}.feature"),
                "say how it is measured: a feature (with users_at_least or \
                 seats_percent_at_least) or a metric (with at_least or at_most)",
            ),
            (Some(feature), None) => {
                if feature.trim().is_empty() {
                    return bad(format!("{key}.feature"), "name the feature");
                }
                if self.at_least.is_some() || self.at_most.is_some() {
                    return bad(
                        format!("{key}.at_least"),
                        "a feature is met by users_at_least or seats_percent_at_least",
                    );
                }
                match (self.users_at_least, self.seats_percent_at_least) {
                    (Some(_), Some(_)) => bad(
                        format!("{key}.seats_percent_at_least"),
                        "users_at_least or seats_percent_at_least, not both",
                    ),
                    (None, None) => bad(
                        format!("{key}.users_at_least"),
                        "how many users (users_at_least) or what share of seats \
                         (seats_percent_at_least) must use it",
                    ),
                    (Some(0), None) => bad(format!("{key}.users_at_least"), "at least 1"),
                    (None, Some(p)) if !(p > 0.0 && p <= 100.0) => bad(
                        format!("{key}.seats_percent_at_least"),
                        "a percentage above 0, at most 100",
                    ),
                    _ => Ok(()),
                }
            }
            (None, Some(metric)) => {
                if !METRICS.iter().any(|m| m.key == metric) {
                    return bad(
                        format!("{key}.metric"),
                        format!("no metric {metric:?} in the catalogue"),
                    );
                }
                if self.users_at_least.is_some() || self.seats_percent_at_least.is_some() {
                    return bad(
                        format!("{key}.users_at_least"),
                        "a metric is met by at_least or at_most",
                    );
                }
                match (self.at_least, self.at_most) {
                    (None, None) => {
                        bad(format!("{key}.at_least"), "give at_least, at_most or both")
                    }
                    (Some(l), _) if !l.is_finite() => bad(format!("{key}.at_least"), "a number"),
                    (_, Some(m)) if !m.is_finite() => bad(format!("{key}.at_most"), "a number"),
                    (Some(l), Some(m)) if l > m => bad(
                        format!("{key}.at_most"),
                        format!("{m} is below at_least {l}: nothing could meet it"),
                    ),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The feature a behaviour asks for, if it is measured by one.
    pub fn feature(&self) -> Option<&str> {
        self.feature.as_deref()
    }

    /// In words: "Report Built used by at least 5 people in 30 days", "Seat utilisation at
    /// least 60%".
    pub fn describe(&self) -> String {
        if let Some(feature) = &self.feature {
            return match (self.users_at_least, self.seats_percent_at_least) {
                (Some(1), _) => format!("{feature} used by someone in the last 30 days"),
                (Some(n), _) => {
                    format!("{feature} used by at least {n} people in the last 30 days")
                }
                (None, Some(p)) => {
                    format!(
                        "{feature} used by at least {} of the seats in the last 30 days",
                        percent(p)
                    )
                }
                (None, None) => format!("{feature} used in the last 30 days"),
            };
        }
        let metric = self.metric.as_deref().unwrap_or_default();
        let (name, unit) = METRICS
            .iter()
            .find(|m| m.key == metric)
            .map_or((metric, ""), |m| (m.name, m.unit));
        let v = |x: f64| value_in(unit, x);
        match (self.at_least, self.at_most) {
            (Some(l), Some(m)) => format!("{name} between {} and {}", v(l), v(m)),
            (Some(l), None) => format!("{name} at least {}", v(l)),
            (None, Some(m)) => format!("{name} at most {}", v(m)),
            (None, None) => name.to_string(),
        }
    }

    /// The unit the behaviour's value is in: "people", "% of seats", or the metric's.
    pub fn unit(&self) -> &'static str {
        match (&self.feature, self.seats_percent_at_least) {
            (Some(_), Some(_)) => "% of seats",
            (Some(_), None) => "people",
            _ => {
                let metric = self.metric.as_deref().unwrap_or_default();
                METRICS
                    .iter()
                    .find(|m| m.key == metric)
                    .map_or("", |m| m.unit)
            }
        }
    }
}

/// A percentage without a needless decimal: "25%", "12.5%".
fn percent(p: f64) -> String {
    format!("{}%", trim(p))
}

fn trim(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// A threshold in its metric's unit: "60%", "7 days", "1" (yes), "8".
pub fn value_in(unit: &str, x: f64) -> String {
    match unit {
        "%" => percent(x),
        "days" | "months" => format!("{} {unit}", trim(x)),
        "yes/no" if x >= 1.0 => "yes".into(),
        "yes/no" => "no".into(),
        _ => trim(x),
    }
}

impl EffectivenessModel {
    fn check(&self, key: &str) -> Result<(), EffectivenessError> {
        if self.name.trim().is_empty() {
            return bad(format!("{key}.name"), "a model needs a name");
        }
        if !PHASES.contains(&self.phases.len()) {
            return bad(
                format!("{key}.phases"),
                format!(
                    "{} to {} phases (five, give or take two); this has {}",
                    PHASES.start(),
                    PHASES.end(),
                    self.phases.len()
                ),
            );
        }
        if !(1..=100).contains(&self.met_percent) {
            return bad(
                format!("{key}.met_percent"),
                "the share of a phase's behaviours that reaches it: 1 to 100 percent",
            );
        }
        if !(1..=MAX_PHASE_DAYS).contains(&self.phase_days) {
            return bad(
                format!("{key}.phase_days"),
                format!(
                    "days to reach the next phase: 1 to {MAX_PHASE_DAYS}; this is {}",
                    self.phase_days
                ),
            );
        }
        for (i, p) in self.phases.iter().enumerate() {
            let at = format!("{key}.phases[{i}]");
            if p.name.trim().is_empty() {
                return bad(format!("{at}.name"), "a phase needs a name");
            }
            if self.phases[..i].iter().any(|q| q.name == p.name) {
                return bad(
                    format!("{at}.name"),
                    format!("two phases are named {:?}", p.name),
                );
            }
            if p.behaviours.is_empty() {
                return bad(
                    format!("{at}.behaviours"),
                    "a phase is known by its behaviours: give at least one",
                );
            }
            for (j, b) in p.behaviours.iter().enumerate() {
                b.check(&format!("{at}.behaviours[{j}]"))?;
            }
        }
        Ok(())
    }

    /// The features its behaviours ask for, each once.
    pub fn features(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self
            .phases
            .iter()
            .flat_map(|p| &p.behaviours)
            .filter_map(Behaviour::feature)
        {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }
}

impl EffectivenessConfig {
    /// Checks everything; the error names the key.
    pub fn check(&self) -> Result<(), EffectivenessError> {
        if self.models.is_empty() {
            return bad("models".into(), "give at least one model");
        }
        for (i, m) in self.models.iter().enumerate() {
            m.check(&format!("models[{i}]"))?;
            if self.models[..i].iter().any(|o| o.name == m.name) {
                return bad(
                    format!("models[{i}].name"),
                    format!("two models are named {:?}", m.name),
                );
            }
        }
        let names: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
        assignment::check(&self.rules, &names).map_err(|message| {
            let (key, message) = message.split_once(": ").unwrap_or(("rules", &message));
            EffectivenessError {
                key: key.into(),
                message: message.into(),
            }
        })
    }

    pub fn model(&self, name: &str) -> Option<&EffectivenessModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The model an account follows: the first rule that holds.
    pub fn model_for(&self, facts: &AccountFacts) -> Option<&EffectivenessModel> {
        assignment::first_match(&self.rules, facts).and_then(|(_, r)| self.model(&r.then))
    }

    /// The features any model asks for, each once: the ones whose users are counted.
    pub fn features(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self.models.iter().flat_map(EffectivenessModel::features) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }
}
