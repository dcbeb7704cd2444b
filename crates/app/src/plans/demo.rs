//! The demo book's success plans, saved the way a CSM's are (steps open their tasks), with
//! their recorded values and the dates they started, were refreshed and last updated.

use super::{PLAN_STARTED, step_task};
use crate::{App, Result};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use sherpa_store::{NewObjectiveValue, PlanChange, PlanHistory};

impl App {
    /// Saves the plan of every demo account that has one, with its versions and values, in
    /// one write; answers how many. Follow-ups (the measured values, the engagement sweep)
    /// are the caller's, once for the whole book.
    pub async fn load_demo_plans(&self, book: &DemoBook) -> Result<usize> {
        let actor = Actor::system("demo");
        let mut plans = Vec::new();
        let mut values = Vec::new();
        for i in 0..book.accounts {
            let demo = book.account(i);
            let Some(plan) = book.plan(&demo) else {
                continue;
            };
            let id = AccountId(i as i64 + 1);
            let owners = demo.owners();
            let open_steps = plan
                .content
                .steps
                .iter()
                .filter(|s| !s.done)
                .map(|s| (s.key.clone(), step_task(id, &demo.fields.name, &owners, s)))
                .collect();
            let mut versions = vec![(PlanChange::Start, PLAN_STARTED.into(), plan.started_on)];
            // Reviewed with the customer each quarter since: a refresh version of its own.
            if plan.refreshed_on > plan.started_on {
                versions.push((
                    PlanChange::Refresh,
                    "reviewed with the customer: objectives kept".into(),
                    plan.refreshed_on,
                ));
            }
            values.extend(plan.values.iter().map(|(key, on, value, source, note)| {
                NewObjectiveValue {
                    account: id,
                    objective: key.clone(),
                    value: *value,
                    on: *on,
                    note: note.to_string(),
                    source,
                }
            }));
            plans.push(PlanHistory {
                account: id,
                content: plan.content,
                template: Some(plan.template.to_string()),
                versions,
                updated_on: plan.updated_on,
                open_steps,
            });
        }
        // The values first: recording one marks its plan updated today, and each plan's last
        // update is the day its history says.
        self.store.record_objective_values(&actor, &values).await?;
        Ok(self.store.save_plan_histories(&actor, &plans).await?)
    }
}
