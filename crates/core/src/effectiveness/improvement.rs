//! The improvement plan: the next phase by a date, counted from the day the account reached
//! the phase it is in (its baseline, when it has not moved since), and each unmet behaviour of
//! the next phase as a candidate objective of the success plan: from where the account stands
//! today to the behaviour's threshold by that date, read by Sherpa from the same measure the
//! model judges it on.

use super::{Behaviour, EffectivenessModel};
use crate::health::METRICS;
use crate::plan::{Measure, Objective, UnitKind, ValueSource, key_of};
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

/// Days an account is given to reach its next phase when the model does not say.
pub const DEFAULT_PHASE_DAYS: u32 = 90;

impl EffectivenessModel {
    /// When an account that reached its phase on `reached_on` is due in the next one.
    pub fn next_phase_due(&self, reached_on: NaiveDate) -> NaiveDate {
        reached_on + Days::new(u64::from(self.phase_days))
    }
}

impl Behaviour {
    /// The value that meets the behaviour from where it stands: its floor when below it (or
    /// unmeasured), else its ceiling.
    pub fn target(&self, value: Option<f64>) -> f64 {
        let floor = self
            .users_at_least
            .map(f64::from)
            .or(self.seats_percent_at_least)
            .or(self.at_least);
        match (floor, self.at_most) {
            (Some(f), _) if value.is_none_or(|v| v < f) => f,
            (_, Some(c)) => c,
            (Some(f), None) => f,
            (None, None) => 0.0,
        }
    }

    /// Where its values come from on a success plan: the same measure the model reads.
    pub fn source(&self) -> ValueSource {
        match &self.feature {
            Some(feature) => ValueSource::Feature {
                feature: feature.clone(),
                share_of_seats: self.seats_percent_at_least.is_some(),
            },
            None => ValueSource::Metric {
                metric: self.metric.clone().unwrap_or_default(),
            },
        }
    }

    /// The customer's unit for it: "people using Report Built", "Seat utilisation (%)".
    fn objective_unit(&self) -> String {
        if let Some(feature) = &self.feature {
            return match self.seats_percent_at_least {
                Some(_) => format!("% of seats using {feature}"),
                None => format!("people using {feature}"),
            };
        }
        let metric = self.metric.as_deref().unwrap_or_default();
        match METRICS.iter().find(|m| m.key == metric) {
            Some(m) if m.unit.is_empty() => m.name.to_string(),
            Some(m) => format!("{} ({})", m.name, m.unit),
            None => metric.to_string(),
        }
    }

    /// The success-plan objective that meeting this behaviour is: from `value` (none when
    /// unmeasured: nothing yet) on `today` to the threshold by `by`.
    pub fn objective(&self, value: Option<f64>, today: NaiveDate, by: NaiveDate) -> Objective {
        let decimal = |x: f64| Decimal::try_from(x).unwrap_or_default().round_dp(1);
        Objective {
            key: key_of(&self.name),
            title: self.name.clone(),
            measure: Measure {
                kind: UnitKind::Other,
                unit: self.objective_unit(),
                baseline: decimal(value.unwrap_or(0.0)),
                baseline_on: today,
                baseline_source: "Sherpa's reading the day it was added".into(),
                target: decimal(self.target(value)),
                target_on: by.max(today + Days::new(1)),
            },
            source: self.source(),
            owner: None,
            first_value: false,
        }
    }
}
