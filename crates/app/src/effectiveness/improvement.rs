//! The improvement plan on an account's effectiveness: its next phase by a date (the model's
//! days from the day it reached its own), and each unmet behaviour of that phase as a candidate
//! objective that its CSM adds to the success plan with one press. The objective is read by
//! Sherpa from the measure the model judges, so the plan shows progress nobody has to type in.

use super::{AccountEffectiveness, BehaviourView};
use crate::plans::SavePlan;
use crate::{App, Caller, Error, PlanView, Result};
use chrono::{Days, NaiveDate};
use sherpa_core::AccountId;
use sherpa_core::plan::Objective;

/// The next phase, when it is due, and what reaching it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    /// The next phase (1 for the first).
    pub phase: usize,
    /// The day the account reached the phase it stands in (or its baseline's day).
    pub reached_on: NaiveDate,
    /// The model's date for the next phase; past when it is overdue.
    pub due_on: NaiveDate,
    pub candidates: Vec<Candidate>,
}

impl Improvement {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.due_on < today
    }
}

/// An unmet behaviour of the next phase and the objective it becomes on the success plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub behaviour: BehaviourView,
    pub objective: Objective,
    /// The plan has an objective of that key already.
    pub on_plan: bool,
}

impl AccountEffectiveness {
    /// The improvement plan; none before the first judgement, once churned, or in the last
    /// phase. An overdue date is not carried into new objectives: they get the model's days
    /// again from today, so none starts off track.
    pub fn improvement(&self) -> Option<Improvement> {
        if self.churned {
            return None;
        }
        let now = self.now.as_ref()?;
        let (phase, _) = now.assessment.next_steps()?;
        let reached_on = self.history.last().map_or(self.today, |r| r.on);
        let due_on = self.model.next_phase_due(reached_on);
        let by = if due_on > self.today {
            due_on
        } else {
            self.today + Days::new(u64::from(self.model.phase_days))
        };
        let behaviours = &self.model.phases[phase - 1].behaviours;
        let candidates = self
            .behaviours()
            .into_iter()
            .filter(|b| b.phase == phase)
            .zip(behaviours)
            .filter(|(view, _)| !view.now.is_some_and(|j| j.met))
            .map(|(view, behaviour)| {
                let objective = behaviour.objective(view.now.and_then(|j| j.value), self.today, by);
                Candidate {
                    on_plan: self
                        .plan_objectives
                        .as_ref()
                        .is_some_and(|keys| keys.contains(&objective.key)),
                    behaviour: view,
                    objective,
                }
            })
            .collect();
        Some(Improvement {
            phase,
            reached_on,
            due_on,
            candidates,
        })
    }
}

impl App {
    /// Adds an unmet behaviour of the account's next phase to its success plan as an
    /// objective (a new version of the plan): whoever may edit the plan. Refused, naming why,
    /// when the account has no plan yet, the behaviour is not one of the next phase's unmet
    /// ones, or the plan has it already.
    pub async fn add_improvement_objective(
        &self,
        by: &Caller,
        id: AccountId,
        behaviour: &str,
    ) -> Result<PlanView> {
        let account = self.store.account(id).await?;
        by.may(|u| u.may_edit_plan(&account.fields.owners))?;
        let e = self.account_effectiveness(by, id).await?;
        let Some(improvement) = e.improvement() else {
            return Err(Error::Conflict(
                "the account has no next phase to reach: it is not judged yet, churned, or \
                 stands in the last phase"
                    .into(),
            ));
        };
        let next = e.phase_name(improvement.phase).to_string();
        let Some(candidate) = improvement
            .candidates
            .iter()
            .find(|c| c.behaviour.name == behaviour)
        else {
            let names: Vec<String> = improvement
                .candidates
                .iter()
                .map(|c| format!("\"{}\"", c.behaviour.name))
                .collect();
            return Err(Error::invalid(
                "behaviour",
                format!(
                    "\"{behaviour}\" is not an unmet behaviour of the next phase, {next}; \
                     use one of {}",
                    names.join(", ")
                ),
            ));
        };
        if candidate.on_plan {
            return Err(Error::Conflict(format!(
                "the success plan has the objective \"{}\" already",
                candidate.objective.key
            )));
        }
        let Some(plan) = self.store.plan(id).await? else {
            return Err(Error::Conflict(
                "the account has no success plan yet: start one (success in the customer's \
                 words), then add the objective"
                    .into(),
            ));
        };
        let mut content = plan.content;
        content.objectives.push(candidate.objective.clone());
        self.save_plan(
            by,
            SavePlan {
                account: id,
                content,
                template: None,
                refresh: false,
            },
        )
        .await
    }
}
