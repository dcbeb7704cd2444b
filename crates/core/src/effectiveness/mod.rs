//! The effectiveness model: phases a customer moves through as it gets better at what it does
//! with the product (3 to 7, "5 plus or minus 2"), each marked by behaviours that are measured,
//! never guessed: a feature used by enough of the customer's people, or a metric of the health
//! catalogue (usage, configuration, or what the customer told us in a survey) past a threshold.
//! An account's phase is the highest phase whose behaviours it meets. Customers are shown
//! "effectiveness", never "maturity": nobody likes to hear they are immature.

mod benchmark;
mod config;
mod defaults;
mod improvement;
mod transitions;

pub use benchmark::*;
pub use config::*;
pub use defaults::*;
pub use improvement::*;
pub use transitions::*;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who used each feature in the last 30 days, as the rollups keep it, and the seats the
/// running contract terms give: what a feature behaviour is measured on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureUse {
    /// Seats of the terms running today, when the contracts say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<i64>,
    /// Distinct users of each feature (as the catalogue names it) in the 30 days up to today;
    /// a feature nobody used is absent.
    #[serde(default)]
    pub users: BTreeMap<String, u32>,
}

impl FeatureUse {
    /// Users of a feature in 30 days: none when nobody used it.
    pub fn users_of(&self, feature: &str) -> u32 {
        self.users.get(feature).copied().unwrap_or(0)
    }

    /// The share of seats (percent) that used a feature, when seats are known.
    pub fn seat_share(&self, feature: &str) -> Option<f64> {
        self.seats
            .filter(|s| *s > 0)
            .map(|s| f64::from(self.users_of(feature)) * 100.0 / s as f64)
    }
}

/// An account's feature use from its health inputs: none until its usage reached Sherpa and
/// its users were counted.
pub fn feature_use(i: &crate::health::AccountInputs) -> Option<FeatureUse> {
    let users = i
        .feature_users
        .as_ref()
        .filter(|_| i.last_usage.is_some())?;
    Some(FeatureUse {
        seats: i.seats,
        users: users.clone(),
    })
}

/// What an account's behaviours are measured on: its health metrics (the catalogue's keys)
/// and, when its product usage is connected, who used which feature.
pub struct Measures<'a> {
    pub metric: &'a dyn Fn(&str) -> Option<f64>,
    /// `None` when no usage of the account ever reached Sherpa: then feature use is not
    /// known, not zero.
    pub features: Option<&'a FeatureUse>,
}

/// One behaviour judged: the value it was measured at (none when unmeasured) and whether it
/// is met. An unmeasured behaviour is not met, and says so.
///
/// Kept as `[value, met]` with the value to two decimals: a book's phases are rewritten as
/// its customers move, and the short form is a third of `{"value": .., "met": ..}`, which is
/// still read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judged {
    pub value: Option<f64>,
    pub met: bool,
}

impl Serialize for Judged {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value = self.value.map(|v| (v * 100.0).round() / 100.0);
        (value, self.met).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Judged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JudgedVisitor)
    }
}

struct JudgedVisitor;

impl<'de> serde::de::Visitor<'de> for JudgedVisitor {
    type Value = Judged;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("[value, met] or {\"value\": .., \"met\": ..}")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Judged, A::Error> {
        let missing = || serde::de::Error::custom("a judged behaviour needs its value and met");
        Ok(Judged {
            value: seq.next_element()?.ok_or_else(missing)?,
            met: seq.next_element()?.ok_or_else(missing)?,
        })
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Judged, A::Error> {
        let mut j = Judged {
            value: None,
            met: false,
        };
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            match key.as_ref() {
                "value" => j.value = map.next_value()?,
                "met" => j.met = map.next_value()?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(j)
    }
}

/// An account judged by a model: its phase (0 before the first phase is reached, else 1 for
/// the first) and each phase's behaviours, in the model's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub model: String,
    pub phase: usize,
    pub behaviours: Vec<Vec<Judged>>,
}

impl Behaviour {
    /// The behaviour's measured value: users or a share of seats of a feature, or a metric.
    pub fn measure(&self, m: &Measures) -> Option<f64> {
        match &self.feature {
            Some(feature) => {
                let used = m.features?;
                match self.seats_percent_at_least {
                    Some(_) => used.seat_share(feature),
                    None => Some(f64::from(used.users_of(feature))),
                }
            }
            None => self.metric.as_deref().and_then(|k| (m.metric)(k)),
        }
    }

    /// Whether a measured value meets the behaviour.
    pub fn meets(&self, value: f64) -> bool {
        let floor = self
            .users_at_least
            .map(f64::from)
            .or(self.seats_percent_at_least)
            .or(self.at_least);
        floor.is_none_or(|f| value >= f - 1e-9) && self.at_most.is_none_or(|c| value <= c + 1e-9)
    }

    pub fn judge(&self, m: &Measures) -> Judged {
        let value = self.measure(m);
        Judged {
            value,
            met: value.is_some_and(|v| self.meets(v)),
        }
    }
}

impl EffectivenessModel {
    /// Whether a phase's behaviours, judged, reach it: all of them, or the model's share.
    pub fn reached(&self, judged: &[Judged]) -> bool {
        if judged.is_empty() {
            return false;
        }
        let met = judged.iter().filter(|j| j.met).count();
        met * 100 >= usize::from(self.met_percent) * judged.len()
    }

    /// The account's phase and every behaviour judged.
    pub fn assess(&self, m: &Measures) -> Assessment {
        let behaviours: Vec<Vec<Judged>> = self
            .phases
            .iter()
            .map(|p| p.behaviours.iter().map(|b| b.judge(m)).collect())
            .collect();
        let phase = behaviours
            .iter()
            .rposition(|judged| self.reached(judged))
            .map_or(0, |i| i + 1);
        Assessment {
            model: self.name.clone(),
            phase,
            behaviours,
        }
    }
}

impl Assessment {
    /// The phase's name, or what an account before the first phase is called.
    pub fn phase_name<'m>(&self, model: &'m EffectivenessModel) -> &'m str {
        phase_name(model, self.phase)
    }

    /// The next phase (1-based) and its unmet behaviours (their places in it): what to do next.
    /// None at the last phase.
    pub fn next_steps(&self) -> Option<(usize, Vec<usize>)> {
        let next = self.behaviours.get(self.phase)?;
        Some((
            self.phase + 1,
            next.iter()
                .enumerate()
                .filter(|(_, j)| !j.met)
                .map(|(i, _)| i)
                .collect(),
        ))
    }
}

/// A phase's name by its number; 0 is before the first.
pub fn phase_name(model: &EffectivenessModel, phase: usize) -> &str {
    match phase.checked_sub(1).and_then(|i| model.phases.get(i)) {
        Some(p) => &p.name,
        None => BEFORE_FIRST_PHASE,
    }
}

/// What an account is called before it reaches a model's first phase.
pub const BEFORE_FIRST_PHASE: &str = "Not started";

#[cfg(test)]
mod tests;
