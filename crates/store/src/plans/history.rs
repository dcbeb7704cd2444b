//! Plans written with the history they already have, many at once: a book brought in whole
//! (the demo's) has hundreds of plans, each started on its day and reviewed since, and saving
//! them one version at a time was a statement per row and a transaction per version.

use super::PlanChange;
use crate::audit::{Entry, record_all};
use crate::bulk::insert_rows;
use crate::sql::{Arg, Args};
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::plan::PlanContent;
use sherpa_core::text::date;
use sherpa_core::*;

/// An account's plan as it stands after its versions: the content is every version's (a
/// review that kept the objectives saves the same content again).
#[derive(Debug, Clone)]
pub struct PlanHistory {
    pub account: AccountId,
    pub content: PlanContent,
    pub template: Option<String>,
    /// The versions in order, the first a start: what each did, in words, and its day.
    pub versions: Vec<(PlanChange, String, NaiveDate)>,
    /// The day the plan was last updated.
    pub updated_on: NaiveDate,
    /// Steps not done, each with the task it opens.
    pub open_steps: Vec<(String, TaskFields)>,
}

impl PlanHistory {
    /// The day the plan started and the day it was last refreshed (or started).
    fn rhythm(&self) -> (NaiveDate, NaiveDate) {
        let started = self.versions.first().map_or(self.updated_on, |v| v.2);
        let refreshed = self
            .versions
            .iter()
            .rev()
            .find(|v| v.0 != PlanChange::Update)
            .map_or(started, |v| v.2);
        (started, refreshed)
    }
}

impl Store {
    /// Writes plans of accounts that have none, with their versions, their open steps' tasks
    /// and the audit entries a save by save would have written, in one transaction; answers
    /// how many plans. An account that already has a plan refuses the whole batch.
    pub async fn save_plan_histories(&self, actor: &Actor, plans: &[PlanHistory]) -> Result<usize> {
        let now = self.now();
        let by = Arg::OptInt(actor.user_id.map(|u| u.0));
        let mut live = Vec::with_capacity(plans.len());
        let mut versions = Vec::new();
        let mut audit = Vec::new();
        // Each open step's task, tagged with the step it is.
        let mut tasks: Vec<((i64, &str), &TaskFields)> = Vec::new();
        for p in plans {
            let json = serde_json::to_string(&p.content).expect("plain data");
            let (started, refreshed) = p.rhythm();
            live.push(vec![
                Arg::Int(p.account.0),
                Arg::Int(p.versions.len() as i64),
                Arg::Text(json.clone()),
                Arg::OptText(p.template.clone()),
                Arg::Text(date(started)),
                Arg::Text(date(refreshed)),
                Arg::Text(date(p.updated_on)),
            ]);
            for (n, (change, changes, on)) in p.versions.iter().enumerate() {
                let version = n as i64 + 1;
                let changes = vec![changes.clone()];
                versions.push(vec![
                    Arg::Int(p.account.0),
                    Arg::Int(version),
                    Arg::Text(change.as_str().into()),
                    Arg::Text(json.clone()),
                    Arg::OptText(p.template.clone()),
                    Arg::Text(serde_json::to_string(&changes).expect("plain data")),
                    Arg::Text(date(*on)),
                    Arg::Text(now.clone()),
                    by.clone(),
                ]);
                audit.push(Entry {
                    action: change.as_str(),
                    entity: "success_plan",
                    entity_id: p.account.to_string(),
                    account_id: Some(p.account.0),
                    before: None,
                    after: Some(super::saved_json(p.account, version, &changes).to_string()),
                });
            }
            for (step, fields) in &p.open_steps {
                tasks.push(((p.account.0, step.as_str()), fields));
            }
        }
        let mut tx = self.write_tx().await?;
        let ids: Vec<AccountId> = plans.iter().map(|p| p.account).collect();
        // A few hundred ids a query: a book's worth would pass the engines' limit of bound
        // values.
        for part in ids.chunks(500) {
            let mut a = Args::default();
            let sql = format!(
                "SELECT account_id FROM success_plans WHERE account_id IN ({}) LIMIT 1",
                a.ids(part)
            );
            let existing: Option<(i64,)> = sqlx::query_as_with(&sql, a.into_arguments())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some((account,)) = existing {
                return Err(crate::StoreError::Conflict(format!(
                    "account {account} already has a success plan; plans with their history are written only for accounts without one"
                )));
            }
        }
        insert_rows(
            &mut tx,
            self.engine,
            "success_plans",
            &[
                "account_id",
                "version",
                "content",
                "template",
                "started_on",
                "refreshed_on",
                "updated_on",
            ],
            live,
        )
        .await?;
        insert_rows(
            &mut tx,
            self.engine,
            "success_plan_versions",
            &[
                "account_id",
                "version",
                "kind",
                "content",
                "template",
                "changes",
                "made_on",
                "made_at",
                "made_by",
            ],
            versions,
        )
        .await?;
        let opened = crate::tasks::open_many(&mut tx, self.engine, &now, actor, &tasks).await?;
        let links = opened.into_iter().map(|((account, step), task)| {
            vec![
                Arg::Int(account),
                Arg::Text(step.to_string()),
                Arg::Int(task),
            ]
        });
        insert_rows(
            &mut tx,
            self.engine,
            "plan_step_tasks",
            &["account_id", "step", "task_id"],
            links,
        )
        .await?;
        record_all(&mut tx, self.engine, &now, actor, audit).await?;
        tx.commit().await?;
        Ok(plans.len())
    }
}
