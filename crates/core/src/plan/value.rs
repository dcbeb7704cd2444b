//! Where an objective's current value comes from: a person's entry, figures the customer
//! reported (imported from a file), a metric of the health catalogue, or a count or sum of a
//! product event over a window ("invoices sent per week"), or the people using a feature. The
//! last three are read by Sherpa itself, so progress needs nobody to type it in.

use crate::health::{METRICS, metric as catalogue_metric};
use serde::{Deserialize, Serialize};

/// The longest window an event-based value may count over, in days.
pub const MAX_WINDOW_DAYS: u32 = 366;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum ValueSource {
    /// A person records each value, with its date and a note.
    #[default]
    Entry,
    /// Customer-reported figures, imported from a file.
    Import,
    /// A metric of the health catalogue, read as the health refresh last computed it.
    Metric { metric: String },
    /// The events of this name in the last `window_days`: counted, or the named property
    /// summed.
    Event {
        event: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        property: Option<String>,
        window_days: u32,
    },
    /// The people who used a feature of the catalogue in the last 30 days, or their share of
    /// the seats under contract (percent), as the health refresh last counted them.
    Feature {
        feature: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        share_of_seats: bool,
    },
}

/// What is wrong with a value source, naming the field under `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub field: &'static str,
    pub message: String,
}

impl ValueSource {
    /// Whether Sherpa reads the value itself (no person records it).
    pub fn is_measured(&self) -> bool {
        matches!(
            self,
            ValueSource::Metric { .. } | ValueSource::Event { .. } | ValueSource::Feature { .. }
        )
    }

    pub fn check(&self) -> Result<(), SourceError> {
        let bad = |field, message: String| Err(SourceError { field, message });
        match self {
            ValueSource::Entry | ValueSource::Import => Ok(()),
            ValueSource::Metric { metric: key } => match catalogue_metric(key) {
                Some(_) => Ok(()),
                None => bad(
                    "metric",
                    format!(
                        "\"{key}\" is not a metric of the catalogue; use one of {}",
                        METRICS.iter().map(|m| m.key).collect::<Vec<_>>().join(", ")
                    ),
                ),
            },
            ValueSource::Event {
                event,
                property,
                window_days,
            } => {
                if event.trim().is_empty() {
                    return bad("event", "name the product event to count".into());
                }
                if property.as_deref().is_some_and(|p| p.trim().is_empty()) {
                    return bad(
                        "property",
                        "name the property to sum, or leave it out to count".into(),
                    );
                }
                if !(1..=MAX_WINDOW_DAYS).contains(window_days) {
                    return bad(
                        "window_days",
                        format!("{window_days} is not a window; use 1 to {MAX_WINDOW_DAYS} days"),
                    );
                }
                Ok(())
            }
            ValueSource::Feature { feature, .. } if feature.trim().is_empty() => {
                bad("feature", "name the feature of the catalogue".into())
            }
            ValueSource::Feature { .. } => Ok(()),
        }
    }

    /// In words, for the plan page.
    pub fn describe(&self) -> String {
        match self {
            ValueSource::Entry => "recorded by the team".into(),
            ValueSource::Import => "reported by the customer (imported)".into(),
            ValueSource::Metric { metric: key } => match catalogue_metric(key) {
                Some(m) => format!("read from the metric \"{}\"", m.name),
                None => format!("read from the metric {key}"),
            },
            ValueSource::Event {
                event,
                property: None,
                window_days,
            } => format!("\"{event}\" events counted over {window_days} days"),
            ValueSource::Event {
                event,
                property: Some(p),
                window_days,
            } => format!("{p} of \"{event}\" events summed over {window_days} days"),
            ValueSource::Feature {
                feature,
                share_of_seats: false,
            } => format!("people who used \"{feature}\" in the last 30 days"),
            ValueSource::Feature {
                feature,
                share_of_seats: true,
            } => format!("share of seats (%) that used \"{feature}\" in the last 30 days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_refused_by_the_field_that_is_wrong() {
        let metric = |m: &str| ValueSource::Metric { metric: m.into() };
        assert!(metric("active_users_30d").check().is_ok());
        assert_eq!(metric("happiness").check().unwrap_err().field, "metric");
        let event = |e: &str, w| ValueSource::Event {
            event: e.into(),
            property: None,
            window_days: w,
        };
        assert!(event("Invoice Sent", 7).check().is_ok());
        assert_eq!(event(" ", 7).check().unwrap_err().field, "event");
        assert_eq!(
            event("Invoice Sent", 0).check().unwrap_err().field,
            "window_days"
        );
        let json: ValueSource =
            serde_json::from_str(r#"{"from":"event","event":"Invoice Sent","window_days":7}"#)
                .unwrap();
        assert_eq!(json, event("Invoice Sent", 7));
        assert!(serde_json::from_str::<ValueSource>(r#"{"from":"guess"}"#).is_err());
    }
}
