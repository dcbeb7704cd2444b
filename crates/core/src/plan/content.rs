//! What a version of a plan says: success in the customer's words, the value drivers, the
//! objectives, the steps and the blockers; the check that names the first wrong field by its
//! path, and what changed from one version to the next, in words.

use super::{Blocker, BlockerStatus, Dimensions, Measure};
use crate::book::{ContactId, OwnerFunction, UserId};
use chrono::NaiveDate;

/// Who owns an objective or a step: a person on our side, a contact at the customer, or an
/// owner function of the account (its CSM, its AE...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOwner {
    User(UserId),
    Contact(ContactId),
    Function(OwnerFunction),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objective {
    /// Stable within the plan across versions, so values and changes follow it.
    pub key: String,
    pub title: String,
    pub measure: Measure,
    pub owner: Option<PlanOwner>,
    /// Reaching it is the customer's first value (the onboarding milestone).
    pub first_value: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub key: String,
    pub title: String,
    pub owner: Option<PlanOwner>,
    pub due_on: Option<NaiveDate>,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanContent {
    /// Success as the customer defines it, in their words.
    pub success: String,
    pub value_drivers: Vec<String>,
    pub objectives: Vec<Objective>,
    pub steps: Vec<Step>,
    pub blockers: Vec<Blocker>,
}

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

impl PlanContent {
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
                .map_err(|e| at(format!("objectives[{i}].{}", e.field), e.message))?;
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
                target: target.into(),
                target_on: "2026-11-01".parse().unwrap(),
            },
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
        assert_eq!(p.check(&d).unwrap_err().field, "objectives[1].target");
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
    fn a_refresh_says_what_changed_in_words() {
        let before = plan();
        let mut after = plan();
        after.objectives[0].measure.target = 15.into();
        after.objectives.push(objective("audit", 8));
        after.steps[0].done = true;
        after.blockers[0].status = BlockerStatus::Resolved;
        after.blockers[0].resolution = Some("SAML live".into());
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
