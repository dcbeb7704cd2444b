//! MEDDICC for renewals: each element of a renewal's qualification rated green, yellow or red
//! with a note; Decision process and Decision criteria can be switched off (a renewal often
//! has neither); the completeness of a qualification is its rated share of the elements in
//! use. What the book already knows (the plan's objectives and the score, the relationship
//! map, the competitors mentioned) is offered beside each element, and a missing or departed
//! economic buyer or champion is flagged.

use crate::book::vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

vocabulary!(
    /// An element of MEDDICC.
    Element, "MEDDICC element" {
        Metrics => "metrics",
        EconomicBuyer => "economic_buyer",
        DecisionProcess => "decision_process",
        DecisionCriteria => "decision_criteria",
        IdentifiedPain => "identified_pain",
        Champion => "champion",
        Competition => "competition",
    }
);

impl Element {
    pub fn label(self) -> &'static str {
        match self {
            Element::Metrics => "Metrics",
            Element::EconomicBuyer => "Economic buyer",
            Element::DecisionProcess => "Decision process",
            Element::DecisionCriteria => "Decision criteria",
            Element::IdentifiedPain => "Identified pain",
            Element::Champion => "Champion",
            Element::Competition => "Competition",
        }
    }

    /// What the element asks, in a CSM's words.
    pub fn question(self) -> &'static str {
        match self {
            Element::Metrics => {
                "Is the value delivered against the KPIs the customer bought for clear to them?"
            }
            Element::EconomicBuyer => "Does the person who signs know us, and agree the value?",
            Element::DecisionProcess => {
                "Do we know the steps, people and dates to a signed renewal?"
            }
            Element::DecisionCriteria => "Do we know what the renewal will be judged on?",
            Element::IdentifiedPain => "Is the pain we solve still felt, and still ours to solve?",
            Element::Champion => "Is someone inside selling the renewal for us?",
            Element::Competition => "Who else is in the account, and how strong are they?",
        }
    }
}

vocabulary!(
    /// How an element stands.
    Rating, "rating" {
        Green => "green",
        Yellow => "yellow" | "amber",
        Red => "red",
    }
);

/// The longest note an element keeps.
pub const NOTE_MAX: usize = 2_000;

/// One element as rated.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A renewal's qualification.
pub type Qualification = BTreeMap<Element, Entry>;

/// Which elements a team uses (configuration as code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeddiccSwitches {
    #[serde(default = "on")]
    pub decision_process: bool,
    #[serde(default = "on")]
    pub decision_criteria: bool,
}

fn on() -> bool {
    true
}

impl Default for MeddiccSwitches {
    fn default() -> Self {
        MeddiccSwitches {
            decision_process: true,
            decision_criteria: true,
        }
    }
}

impl MeddiccSwitches {
    /// The elements in use, in MEDDICC's order.
    pub fn elements(&self) -> Vec<Element> {
        Element::ALL
            .iter()
            .copied()
            .filter(|e| match e {
                Element::DecisionProcess => self.decision_process,
                Element::DecisionCriteria => self.decision_criteria,
                _ => true,
            })
            .collect()
    }

    /// How many elements in use are rated, of how many.
    pub fn completeness(&self, q: &Qualification) -> (usize, usize) {
        let used = self.elements();
        let rated = used
            .iter()
            .filter(|e| q.get(e).is_some_and(|x| x.rating.is_some()))
            .count();
        (rated, used.len())
    }

    /// Checks a qualification: only elements in use, notes within the limit. The error names
    /// the element.
    pub fn check(&self, q: &Qualification) -> Result<(), (String, String)> {
        let used = self.elements();
        for (e, entry) in q {
            if !used.contains(e) {
                return Err((
                    e.as_str().into(),
                    format!("{} is switched off for this book", e.label()),
                ));
            }
            if entry.note.chars().count() > NOTE_MAX {
                return Err((
                    format!("{}.note", e.as_str()),
                    format!("at most {NOTE_MAX} characters"),
                ));
            }
        }
        Ok(())
    }
}

/// A person of the relationship map as MEDDICC reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapPerson {
    pub name: String,
    pub departed: bool,
}

/// The flag on a role of the relationship map: none named, or all of them gone.
pub fn role_flag(role: &str, people: &[MapPerson]) -> Option<String> {
    if people.is_empty() {
        return Some(format!("no {role} on the relationship map"));
    }
    if people.iter().all(|p| p.departed) {
        let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
        return Some(format!("the {role} has left ({})", names.join(", ")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness_counts_the_elements_in_use_and_a_switched_off_one_is_refused() {
        let mut q = Qualification::new();
        q.insert(
            Element::Champion,
            Entry {
                rating: Some(Rating::Green),
                note: "Head of ops sells it inside".into(),
            },
        );
        q.insert(Element::Metrics, Entry::default());
        let all = MeddiccSwitches::default();
        assert_eq!(all.completeness(&q), (1, 7));
        let lean = MeddiccSwitches {
            decision_process: false,
            decision_criteria: false,
        };
        assert_eq!(lean.completeness(&q), (1, 5));
        q.insert(Element::DecisionProcess, Entry::default());
        assert_eq!(lean.check(&q).unwrap_err().0, "decision_process");
        assert!(all.check(&q).is_ok());
    }

    #[test]
    fn a_missing_or_departed_buyer_is_flagged() {
        let gone = MapPerson {
            name: "Ada".into(),
            departed: true,
        };
        assert_eq!(
            role_flag("economic buyer", &[]).unwrap(),
            "no economic buyer on the relationship map"
        );
        assert!(
            role_flag("champion", std::slice::from_ref(&gone))
                .unwrap()
                .contains("Ada")
        );
        let here = MapPerson {
            name: "Bo".into(),
            departed: false,
        };
        assert_eq!(role_flag("champion", &[gone, here]), None);
    }
}
