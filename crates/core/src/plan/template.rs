//! Plans as configuration: the dimensions blockers are classified in beyond the four every
//! book starts with, the shared library of blocker labels, and the templates an admin writes
//! per tier or segment: the "model customer" (its definition of success, typical value drivers,
//! objectives, steps and the blockers to watch for) that a CSM starts a plan from and edits.

use super::{
    Blocker, BlockerLabel, BlockerSeverity, BlockerStatus, Dimensions, Measure, Objective,
    PlanContent, PlanOwner, Step, UnitKind, ValueSource, key_of, label_key,
};
use crate::book::OwnerFunction;
use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlansConfig {
    /// Dimensions beyond People, Product, Services and Quality ("Network").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<String>,
    /// The shared names of common blockers, each in its dimension.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<BlockerLabel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<PlanTemplate>,
}

/// A model customer for a tier or segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanTemplate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The tiers it is meant for; none: every tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<u8>,
    /// The segments (by name) it is meant for; none: every segment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    /// How such a customer typically defines success; the CSM rewrites it in the customer's
    /// words.
    pub success: String,
    #[serde(default)]
    pub value_drivers: Vec<String>,
    #[serde(default)]
    pub objectives: Vec<TemplateObjective>,
    #[serde(default)]
    pub steps: Vec<TemplateStep>,
    /// Blockers such customers often meet: a checklist to look for, not raised until seen.
    #[serde(default)]
    pub watch_for: Vec<BlockerLabel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateObjective {
    pub title: String,
    pub kind: UnitKind,
    pub unit: String,
    #[serde(default)]
    pub source: ValueSource,
    /// The target date, this many months after the plan starts.
    pub months: u32,
    #[serde(default)]
    pub first_value: bool,
    #[serde(default)]
    pub owner: Option<PlanOwner>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateStep {
    pub title: String,
    #[serde(default)]
    pub owner: Option<PlanOwner>,
    /// Due this many days after the plan starts.
    pub due_days: u32,
}

/// What is wrong with the plans configuration, naming its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct PlansConfigError {
    pub key: String,
    pub message: String,
}

fn wrong(key: String, message: impl Into<String>) -> PlansConfigError {
    PlansConfigError {
        key,
        message: message.into(),
    }
}

impl PlansConfig {
    /// The dimensions blockers are classified in: the four, then the admin's.
    pub fn dimensions(&self) -> Dimensions {
        let mut d = Dimensions::default();
        for extra in &self.dimensions {
            // Checked by `check`; a duplicate is simply not added twice.
            let _ = d.add(extra);
        }
        d
    }

    pub fn template(&self, name: &str) -> Option<&PlanTemplate> {
        let key = label_key(name);
        self.templates.iter().find(|t| label_key(&t.name) == key)
    }

    pub fn check(&self) -> Result<(), PlansConfigError> {
        let mut dims = Dimensions::default();
        for (i, d) in self.dimensions.iter().enumerate() {
            dims.add(d)
                .map_err(|e| wrong(format!("dimensions[{i}]"), e.message))?;
        }
        for (i, l) in self.labels.iter().enumerate() {
            check_label(&dims, l).map_err(|(f, m)| wrong(format!("labels[{i}].{f}"), m))?;
            if self.labels[..i]
                .iter()
                .any(|o| label_key(&o.label) == label_key(&l.label))
            {
                return Err(wrong(
                    format!("labels[{i}].label"),
                    format!("\"{}\" is in the library already", l.label),
                ));
            }
        }
        for (i, t) in self.templates.iter().enumerate() {
            let at = |f: &str| format!("templates[{i}].{f}");
            if label_key(&t.name).is_empty() {
                return Err(wrong(at("name"), "name the template"));
            }
            if self.templates[..i]
                .iter()
                .any(|o| label_key(&o.name) == label_key(&t.name))
            {
                return Err(wrong(at("name"), "two templates share this name"));
            }
            if let Some(bad) = t.tiers.iter().find(|n| !(1..=3).contains(*n)) {
                return Err(wrong(
                    at("tiers"),
                    format!("{bad} is not a tier (1, 2 or 3)"),
                ));
            }
            if t.success.trim().is_empty() {
                return Err(wrong(
                    at("success"),
                    "say how such a customer defines success",
                ));
            }
            for (j, o) in t.objectives.iter().enumerate() {
                if o.title.trim().is_empty() || o.unit.trim().is_empty() {
                    return Err(wrong(
                        at(&format!("objectives[{j}]")),
                        "an objective needs a title and a unit",
                    ));
                }
                if o.months == 0 || o.months > 36 {
                    return Err(wrong(
                        at(&format!("objectives[{j}].months")),
                        "the target date is 1 to 36 months after the start",
                    ));
                }
                o.source.check().map_err(|e| {
                    wrong(
                        at(&format!("objectives[{j}].source.{}", e.field)),
                        e.message,
                    )
                })?;
            }
            if t.objectives.iter().filter(|o| o.first_value).count() > 1 {
                return Err(wrong(
                    at("objectives"),
                    "only one objective is the customer's first value",
                ));
            }
            for (j, s) in t.steps.iter().enumerate() {
                if s.title.trim().is_empty() {
                    return Err(wrong(
                        at(&format!("steps[{j}].title")),
                        "say what the step is",
                    ));
                }
            }
            for (j, l) in t.watch_for.iter().enumerate() {
                check_label(&dims, l)
                    .map_err(|(f, m)| wrong(at(&format!("watch_for[{j}].{f}")), m))?;
            }
        }
        Ok(())
    }
}

fn check_label(dims: &Dimensions, l: &BlockerLabel) -> Result<(), (&'static str, String)> {
    if label_key(&l.label).is_empty() {
        return Err(("label", "write the label".into()));
    }
    dims.parse(&l.dimension)
        .map(|_| ())
        .map_err(|e| ("dimension", e.message))
}

impl PlanTemplate {
    /// Whether it is meant for an account of this tier and segment.
    pub fn fits(&self, tier: Option<u8>, segment: Option<&str>) -> bool {
        let tier_fits = self.tiers.is_empty() || tier.is_some_and(|t| self.tiers.contains(&t));
        let segment_fits = self.segments.is_empty()
            || segment.is_some_and(|s| self.segments.iter().any(|x| label_key(x) == label_key(s)));
        tier_fits && segment_fits
    }

    /// A first draft of a plan starting `today`: the objectives wait for their baseline and
    /// target (left equal, so the draft is refused until the CSM sets them with the customer).
    pub fn draft(&self, today: NaiveDate) -> PlanContent {
        PlanContent {
            success: self.success.clone(),
            value_drivers: self.value_drivers.clone(),
            objectives: self
                .objectives
                .iter()
                .map(|o| Objective {
                    key: key_of(&o.title),
                    title: o.title.clone(),
                    measure: Measure {
                        kind: o.kind,
                        unit: o.unit.clone(),
                        baseline: Decimal::ZERO,
                        baseline_on: today,
                        baseline_source: String::new(),
                        target: Decimal::ZERO,
                        target_on: today + Months::new(o.months),
                    },
                    source: o.source.clone(),
                    owner: o.owner.or(Some(PlanOwner::Function(OwnerFunction::Csm))),
                    first_value: o.first_value,
                })
                .collect(),
            steps: self
                .steps
                .iter()
                .map(|s| Step {
                    key: key_of(&s.title),
                    title: s.title.clone(),
                    owner: s.owner.or(Some(PlanOwner::Function(OwnerFunction::Csm))),
                    due_on: today.checked_add_days(Days::new(s.due_days.into())),
                    done: false,
                })
                .collect(),
            blockers: Vec::new(),
        }
    }

    /// A blocker from the watch list, raised today, for the page's "seen it" button.
    pub fn raise(&self, label: &BlockerLabel, today: NaiveDate) -> Blocker {
        Blocker {
            dimension: label.dimension.clone(),
            label: Some(label.label.clone()),
            summary: label.label.clone(),
            severity: BlockerSeverity::Medium,
            status: BlockerStatus::Open,
            owner: None,
            raised_on: today,
            resolved_on: None,
            resolution: None,
            internal: false,
        }
    }
}

impl Default for PlansConfig {
    /// What a new book starts with: the four dimensions, a small library of the blockers most
    /// teams meet, and two templates.
    fn default() -> Self {
        let label = |label: &str, dimension: &str| BlockerLabel {
            label: label.into(),
            dimension: dimension.into(),
        };
        let csm = Some(PlanOwner::Function(OwnerFunction::Csm));
        PlansConfig {
            dimensions: Vec::new(),
            labels: vec![
                label("No executive sponsor", "People"),
                label("Champion left", "People"),
                label("SSO not configured", "Product"),
                label("Missing integration", "Product"),
                label("Reporting gap", "Product"),
                label("Onboarding delayed", "Services"),
                label("Training not done", "Services"),
                label("Data quality issues", "Quality"),
                label("Performance problems", "Quality"),
            ],
            templates: vec![
                PlanTemplate {
                    name: "Onboarding to first value".into(),
                    description: "For every new customer: live, first value, habits.".into(),
                    tiers: Vec::new(),
                    segments: Vec::new(),
                    success: "The team works in the product every week and reached the first \
                              result they bought it for"
                        .into(),
                    value_drivers: vec!["Time saved".into(), "Fewer errors".into()],
                    objectives: vec![
                        TemplateObjective {
                            title: "Weekly active users".into(),
                            kind: UnitKind::Other,
                            unit: "active users in 30 days".into(),
                            source: ValueSource::Metric {
                                metric: "active_users_30d".into(),
                            },
                            months: 3,
                            first_value: false,
                            owner: csm,
                        },
                        TemplateObjective {
                            title: "First result delivered".into(),
                            kind: UnitKind::TimeSaved,
                            unit: "hours saved a week".into(),
                            source: ValueSource::Entry,
                            months: 2,
                            first_value: true,
                            owner: csm,
                        },
                    ],
                    steps: vec![
                        TemplateStep {
                            title: "Kickoff with the champion and the economic buyer".into(),
                            owner: csm,
                            due_days: 7,
                        },
                        TemplateStep {
                            title: "Admin training".into(),
                            owner: csm,
                            due_days: 21,
                        },
                    ],
                    watch_for: vec![
                        label("SSO not configured", "Product"),
                        label("Training not done", "Services"),
                    ],
                },
                PlanTemplate {
                    name: "Strategic account".into(),
                    description: "Tier 1: business outcomes the executive sponsor signs off."
                        .into(),
                    tiers: vec![1],
                    segments: Vec::new(),
                    success: "A measurable business outcome their executive reports upwards".into(),
                    value_drivers: vec!["Revenue".into(), "Cost".into()],
                    objectives: vec![TemplateObjective {
                        title: "Cost of the process".into(),
                        kind: UnitKind::Cost,
                        unit: "USD a month".into(),
                        source: ValueSource::Import,
                        months: 12,
                        first_value: false,
                        owner: csm,
                    }],
                    steps: vec![TemplateStep {
                        title: "Executive business review".into(),
                        owner: csm,
                        due_days: 90,
                    }],
                    watch_for: vec![label("No executive sponsor", "People")],
                },
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_holds_and_a_bad_one_names_its_key() {
        assert!(PlansConfig::default().check().is_ok());
        let mut c = PlansConfig::default();
        c.labels.push(BlockerLabel {
            label: "VPN rules".into(),
            dimension: "Network".into(),
        });
        assert_eq!(c.check().unwrap_err().key, "labels[9].dimension");
        c.dimensions.push("Network".into());
        assert!(c.check().is_ok());
        assert_eq!(c.dimensions().parse("network").unwrap(), "Network");
        c.templates[1].tiers = vec![4];
        assert_eq!(c.check().unwrap_err().key, "templates[1].tiers");
    }

    #[test]
    fn a_draft_waits_for_its_baselines_and_targets() {
        let c = PlansConfig::default();
        let t = c.template("onboarding to FIRST value").unwrap();
        assert!(t.fits(Some(3), None));
        assert!(!c.templates[1].fits(Some(2), None));
        let today: NaiveDate = "2026-03-01".parse().unwrap();
        let draft = t.draft(today);
        assert_eq!(draft.objectives[1].key, "first-result-delivered");
        assert_eq!(
            draft.objectives[1].measure.target_on,
            "2026-05-01".parse::<NaiveDate>().unwrap()
        );
        let e = draft.check(&c.dimensions()).unwrap_err();
        assert_eq!(e.field, "objectives[0].measure.target");
    }
}
