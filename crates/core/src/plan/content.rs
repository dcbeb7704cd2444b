//! What a version of a plan says: success in the customer's words, the value drivers, the
//! objectives, the steps and the blockers; the check that names the first wrong field by its
//! path, and what changed from one version to the next, in words.

use super::{
    Blocker, BlockerLabel, BlockerStatus, Dimensions, Measure, PlanOwner, ValueSource, label_key,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    /// Stable within the plan across versions, so values and changes follow it.
    pub key: String,
    pub title: String,
    pub measure: Measure,
    /// Where its current value comes from.
    #[serde(default)]
    pub source: ValueSource,
    #[serde(default)]
    pub owner: Option<PlanOwner>,
    /// Reaching it is the customer's first value (the onboarding milestone).
    #[serde(default)]
    pub first_value: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub owner: Option<PlanOwner>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanContent {
    /// Success as the customer defines it, in their words.
    pub success: String,
    #[serde(default)]
    pub value_drivers: Vec<String>,
    #[serde(default)]
    pub objectives: Vec<Objective>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub blockers: Vec<Blocker>,
}

/// The longest key of an objective or a step.
const MAX_KEY: usize = 60;

/// The first wrong field of a plan, by its path (`objectives[1].target`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PlanError {
    pub field: String,
    pub message: String,
}

fn at(field: String, message: impl Into<String>) -> PlanError {
    PlanError {
        field,
        message: message.into(),
    }
}

/// A key from a title: lower-case words joined by dashes ("Cut the close" -> "cut-the-close").
pub fn key_of(title: &str) -> String {
    let key = super::label_key(title).replace(' ', "-");
    key.chars().take(MAX_KEY).collect()
}

impl PlanContent {
    /// Tidies what a person typed: trimmed text, missing keys made from titles, dimensions
    /// spelled as the book spells them, a label of the shared library spelled as the library
    /// does (and, when no dimension was chosen, in the library's dimension). Run before
    /// `check`.
    pub fn settle(&mut self, dimensions: &Dimensions, library: &[BlockerLabel]) {
        self.success = self.success.trim().to_string();
        self.value_drivers = self
            .value_drivers
            .iter()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        for o in &mut self.objectives {
            o.title = o.title.trim().to_string();
            o.measure.unit = o.measure.unit.trim().to_string();
            if o.key.trim().is_empty() {
                o.key = key_of(&o.title);
            }
        }
        for s in &mut self.steps {
            s.title = s.title.trim().to_string();
            if s.key.trim().is_empty() {
                s.key = key_of(&s.title);
            }
        }
        for b in &mut self.blockers {
            b.summary = b.summary.trim().to_string();
            b.label = b
                .label
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from);
            let known = b
                .label
                .as_deref()
                .and_then(|l| library.iter().find(|x| label_key(&x.label) == label_key(l)));
            if let Some(k) = known {
                b.label = Some(k.label.clone());
                if b.dimension.trim().is_empty() {
                    b.dimension = k.dimension.clone();
                }
            }
            if let Some(d) = dimensions.find(&b.dimension) {
                b.dimension = d.to_string();
            }
        }
    }

    pub fn check(&self, dimensions: &Dimensions) -> Result<(), PlanError> {
        if self.success.trim().is_empty() {
            return Err(at(
                "success".into(),
                "write down how the customer defines success, in their words",
            ));
        }
        let mut firsts = 0;
        for (i, o) in self.objectives.iter().enumerate() {
            if o.title.trim().is_empty() {
                return Err(at(format!("objectives[{i}].title"), "name the objective"));
            }
            o.measure
                .check()
                .map_err(|e| at(format!("objectives[{i}].measure.{}", e.field), e.message))?;
            o.source
                .check()
                .map_err(|e| at(format!("objectives[{i}].source.{}", e.field), e.message))?;
            if o.key.is_empty() || o.key.chars().count() > MAX_KEY {
                return Err(at(
                    format!("objectives[{i}].key"),
                    format!("a key is 1 to {MAX_KEY} characters"),
                ));
            }
            if self.objectives[..i].iter().any(|p| p.key == o.key) {
                return Err(at(
                    format!("objectives[{i}].key"),
                    "two objectives share this key",
                ));
            }
            firsts += usize::from(o.first_value);
        }
        if firsts > 1 {
            return Err(at(
                "objectives".into(),
                "only one objective is the customer's first value",
            ));
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.title.trim().is_empty() {
                return Err(at(format!("steps[{i}].title"), "say what the step is"));
            }
            if self.steps[..i].iter().any(|p| p.key == s.key) {
                return Err(at(format!("steps[{i}].key"), "two steps share this key"));
            }
        }
        for (i, b) in self.blockers.iter().enumerate() {
            b.check(dimensions)
                .map_err(|e| at(format!("blockers[{i}].{}", e.field), e.message))?;
        }
        Ok(())
    }

    /// What changed from `before` to this version, one line each, for the page that shows a
    /// refresh.
    pub fn changes_since(&self, before: &PlanContent) -> Vec<String> {
        let mut out = Vec::new();
        if self.success.trim() != before.success.trim() {
            out.push("success redefined".to_string());
        }
        for d in &self.value_drivers {
            if !before.value_drivers.contains(d) {
                out.push(format!("value driver added: {d}"));
            }
        }
        for d in &before.value_drivers {
            if !self.value_drivers.contains(d) {
                out.push(format!("value driver dropped: {d}"));
            }
        }
        for o in &self.objectives {
            match before.objectives.iter().find(|b| b.key == o.key) {
                None => out.push(format!("objective added: {}", o.title)),
                Some(b) => {
                    let (m, was) = (&o.measure, &b.measure);
                    if m.target != was.target || m.target_on != was.target_on {
                        out.push(format!(
                            "objective \"{}\": target {} {} by {} (was {} by {})",
                            o.title,
                            m.target.normalize(),
                            m.unit,
                            m.target_on,
                            was.target.normalize(),
                            was.target_on
                        ));
                    }
                }
            }
        }
        for b in &before.objectives {
            if !self.objectives.iter().any(|o| o.key == b.key) {
                out.push(format!("objective dropped: {}", b.title));
            }
        }
        for s in &self.steps {
            match before.steps.iter().find(|b| b.key == s.key) {
                None => out.push(format!("step added: {}", s.title)),
                Some(b) if s.done && !b.done => out.push(format!("step done: {}", s.title)),
                Some(_) => {}
            }
        }
        let opened = |b: &Blocker| b.status == BlockerStatus::Open;
        for b in &self.blockers {
            let same = before.blockers.iter().find(|p| p.summary == b.summary);
            match same {
                None => out.push(format!("blocker raised ({}): {}", b.dimension, b.summary)),
                Some(p) if opened(p) && !opened(b) => {
                    out.push(format!("blocker resolved ({}): {}", b.dimension, b.summary))
                }
                Some(_) => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::OwnerFunction;
    use crate::plan::{BlockerSeverity, UnitKind};

    fn objective(key: &str, target: i64) -> Objective {
        Objective {
            key: key.into(),
            title: format!("Objective {key}"),
            measure: Measure {
                kind: UnitKind::TimeSaved,
                unit: "hours saved a week".into(),
                baseline: 2.into(),
                baseline_on: "2026-01-01".parse().unwrap(),
                baseline_source: String::new(),
                target: target.into(),
                target_on: "2026-11-01".parse().unwrap(),
            },
            source: ValueSource::Entry,
            owner: Some(PlanOwner::Function(OwnerFunction::Csm)),
            first_value: false,
        }
    }

    fn plan() -> PlanContent {
        PlanContent {
            success: "Month-end close in two days, not five".into(),
            value_drivers: vec!["finance team time".into()],
            objectives: vec![objective("close", 12)],
            steps: vec![Step {
                key: "sso".into(),
                title: "Set up SSO".into(),
                owner: None,
                due_on: None,
                done: false,
            }],
            blockers: vec![Blocker {
                dimension: "Product".into(),
                label: Some("SSO not configured".into()),
                summary: "No SSO yet".into(),
                severity: BlockerSeverity::High,
                status: BlockerStatus::Open,
                owner: None,
                raised_on: "2026-02-01".parse().unwrap(),
                resolved_on: None,
                resolution: None,
                internal: false,
            }],
        }
    }

    #[test]
    fn the_first_wrong_field_is_named_by_its_path() {
        let d = Dimensions::default();
        assert!(plan().check(&d).is_ok());
        let mut p = plan();
        p.objectives.push(objective("more", 2));
        assert_eq!(
            p.check(&d).unwrap_err().field,
            "objectives[1].measure.target"
        );
        let mut p = plan();
        p.objectives[0].source = ValueSource::Metric {
            metric: "luck".into(),
        };
        assert_eq!(
            p.check(&d).unwrap_err().field,
            "objectives[0].source.metric"
        );
        let mut p = plan();
        p.blockers[0].dimension = "Weather".into();
        assert_eq!(p.check(&d).unwrap_err().field, "blockers[0].dimension");
        let mut p = plan();
        p.success = " ".into();
        assert_eq!(p.check(&d).unwrap_err().field, "success");
        let mut p = plan();
        p.objectives.push(objective("close", 20));
        assert_eq!(p.check(&d).unwrap_err().field, "objectives[1].key");
        let mut p = plan();
        p.objectives.push(objective("other", 20));
        p.objectives[0].first_value = true;
        p.objectives[1].first_value = true;
        assert_eq!(p.check(&d).unwrap_err().field, "objectives");
    }

    #[test]
    fn a_label_of_the_library_is_spelled_as_the_library_does_and_brings_its_dimension() {
        let library = [BlockerLabel {
            label: "SSO not configured".into(),
            dimension: "Product".into(),
        }];
        let mut p = plan();
        p.blockers[0].dimension = " ".into();
        p.blockers[0].label = Some("sso  not-configured".into());
        p.settle(&Dimensions::default(), &library);
        assert_eq!(p.blockers[0].label.as_deref(), Some("SSO not configured"));
        assert_eq!(p.blockers[0].dimension, "Product");
        let mut p = plan();
        p.blockers[0].dimension = "people".into();
        p.settle(&Dimensions::default(), &library);
        assert_eq!(
            p.blockers[0].dimension, "People",
            "a chosen dimension stands"
        );
    }

    #[test]
    fn a_refresh_says_what_changed_in_words() {
        let before = plan();
        let mut after = plan();
        after.objectives[0].measure.target = 15.into();
        after.objectives.push(objective("audit", 8));
        after.steps[0].done = true;
        after.blockers[0].status = BlockerStatus::Resolved;
        after.blockers[0].resolution = Some("SAML live".into());
        after.blockers[0].resolved_on = Some("2026-03-01".parse().unwrap());
        after.value_drivers = vec!["audit readiness".into()];
        assert_eq!(
            after.changes_since(&before),
            vec![
                "value driver added: audit readiness",
                "value driver dropped: finance team time",
                "objective \"Objective close\": target 15 hours saved a week by 2026-11-01 (was 12 by 2026-11-01)",
                "objective added: Objective audit",
                "step done: Set up SSO",
                "blocker resolved (Product): No SSO yet",
            ]
        );
        assert!(plan().changes_since(&plan()).is_empty());
    }
}
