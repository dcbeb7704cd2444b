//! The demo book's success plans, saved the way a CSM's are (steps open their tasks), with
//! their recorded values and the dates they started, were refreshed and last updated.

use super::step_task;
use crate::{App, Result};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use sherpa_store::{NewObjectiveValue, PlanChange, PlanSave};

impl App {
    /// Saves the plan of every demo account that has one; answers how many. Follow-ups (the
    /// measured values, the engagement sweep) are the caller's, once for the whole book.
    pub async fn load_demo_plans(&self, book: &DemoBook) -> Result<usize> {
        let actor = Actor::system("demo");
        let mut n = 0;
        for i in 0..book.accounts {
            let demo = book.account(i);
            let Some(plan) = book.plan(&demo) else {
                continue;
            };
            let id = AccountId(i as i64 + 1);
            let acc = self.store.account(id).await?;
            let open_steps = plan
                .content
                .steps
                .iter()
                .filter(|s| !s.done)
                .map(|s| (s.key.clone(), step_task(&acc, s)))
                .collect();
            let version = |change, changes: &str, open_steps| PlanSave {
                account: id,
                content: plan.content.clone(),
                template: Some(plan.template.to_string()),
                change,
                changes: vec![changes.to_string()],
                open_steps,
                close_tasks: Vec::new(),
            };
            let first = version(PlanChange::Start, "plan started", open_steps);
            self.store.save_plan(&actor, first).await?;
            // Reviewed with the customer each quarter since: a refresh version of its own.
            if plan.refreshed_on > plan.started_on {
                let refresh = version(
                    PlanChange::Refresh,
                    "reviewed with the customer: objectives kept",
                    Vec::new(),
                );
                self.store.save_plan(&actor, refresh).await?;
            }
            let values: Vec<NewObjectiveValue> = plan
                .values
                .iter()
                .map(|(key, on, value, source, note)| NewObjectiveValue {
                    account: id,
                    objective: key.clone(),
                    value: *value,
                    on: *on,
                    note: note.to_string(),
                    source,
                })
                .collect();
            self.store.record_objective_values(&actor, &values).await?;
            self.store
                .set_plan_dates(id, plan.started_on, plan.refreshed_on, plan.updated_on)
                .await?;
            n += 1;
        }
        Ok(n)
    }
}
