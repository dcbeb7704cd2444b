//! Success plans in the book: the live plan of each account with the dates its rhythm runs on,
//! every version ever saved (with what changed, in words), the objectives' values, the tasks
//! the steps opened, the status changes the engagement sweep saw, and the links shared with
//! customers. A save writes the version, the plan, the steps' tasks and the audit entry in
//! one transaction.

mod book;
mod history;
mod shares;
mod values;

pub use book::{NewTurn, PlanStanding, PlannedRow};
pub use history::PlanHistory;
pub use shares::{IssuedShare, SharedPlan};
pub use values::{NewObjectiveValue, ObjectiveValue};

use crate::audit::record;
use crate::rows::{day, parse, time};
use crate::{Result, Store, StoreError};
use sherpa_core::plan::{PlanContent, PlanDates, PlansConfig};
use sherpa_core::*;
use std::collections::{BTreeMap, HashMap};

/// What a saved version did to the plan's rhythm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanChange {
    /// The first version.
    Start,
    /// The monthly update: values, steps, blockers.
    Update,
    /// The quarterly refresh: the twelve months roll on from today.
    Refresh,
}

impl PlanChange {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanChange::Start => "start",
            PlanChange::Update => "update",
            PlanChange::Refresh => "refresh",
        }
    }
}

/// A version to save, with the tasks its steps open and close.
#[derive(Debug, Clone)]
pub struct PlanSave {
    pub account: AccountId,
    pub content: PlanContent,
    pub template: Option<String>,
    pub change: PlanChange,
    pub changes: Vec<String>,
    /// Steps without a task yet, each with the task it opens.
    pub open_steps: Vec<(String, TaskFields)>,
    /// Tasks of steps marked done on the plan.
    pub close_tasks: Vec<TaskId>,
}

/// An account's live plan.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPlan {
    pub account: AccountId,
    pub version: i64,
    pub content: PlanContent,
    pub template: Option<String>,
    pub started_on: chrono::NaiveDate,
    pub dates: PlanDates,
    /// Each objective's values, oldest first, by the objective's key.
    pub values: BTreeMap<String, Vec<ObjectiveValue>>,
    /// The task each step opened, and where it stands.
    pub step_tasks: HashMap<String, (TaskId, TaskStatus)>,
}

impl StoredPlan {
    /// Whether a step is done: on the plan, or its task was finished.
    pub fn step_done(&self, key: &str) -> bool {
        self.content.steps.iter().any(|s| s.key == key && s.done)
            || self
                .step_tasks
                .get(key)
                .is_some_and(|(_, s)| *s == TaskStatus::Done)
    }

    /// The latest value of an objective and its day.
    pub fn latest(&self, key: &str) -> Option<(rust_decimal::Decimal, chrono::NaiveDate)> {
        self.values
            .get(key)
            .and_then(|v| v.last())
            .map(|v| (v.value, v.on))
    }

    /// Where an objective stands on `today` from its values, and the first day a value
    /// reached its target.
    pub fn assess(
        &self,
        o: &sherpa_core::plan::Objective,
        today: chrono::NaiveDate,
    ) -> (sherpa_core::plan::Assessment, Option<chrono::NaiveDate>) {
        let values: Vec<_> = self
            .values
            .get(&o.key)
            .map(|v| v.iter().map(|v| (v.value, v.on)).collect())
            .unwrap_or_default();
        (
            o.measure.status(self.latest(&o.key), today),
            o.measure.achieved_on(&values),
        )
    }
}

/// A saved version.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanVersion {
    pub version: i64,
    pub kind: String,
    pub content: PlanContent,
    pub template: Option<String>,
    pub changes: Vec<String>,
    pub made_on: chrono::NaiveDate,
    pub made_at: chrono::DateTime<chrono::Utc>,
    pub made_by: Option<UserId>,
}

/// A plan as stored, before its values and steps' tasks are read.
#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    account_id: i64,
    version: i64,
    content: String,
    template: Option<String>,
    started_on: String,
    refreshed_on: String,
    updated_on: String,
}

/// The columns of a `PlanRow`, from `success_plans` named `p`.
pub(crate) const PLAN_COLUMNS: &str =
    "p.account_id, p.version, p.content, p.template, p.started_on, p.refreshed_on, p.updated_on";

impl PlanRow {
    pub(crate) fn account_id(&self) -> i64 {
        self.account_id
    }

    /// The plan with its values (by objective) and its steps' tasks.
    pub(crate) fn into_plan(
        self,
        values: Vec<ObjectiveValue>,
        step_tasks: HashMap<String, (TaskId, TaskStatus)>,
    ) -> Result<StoredPlan> {
        let mut by_key: BTreeMap<String, Vec<ObjectiveValue>> = BTreeMap::new();
        for v in values {
            by_key.entry(v.objective.clone()).or_default().push(v);
        }
        Ok(StoredPlan {
            account: AccountId(self.account_id),
            version: self.version,
            content: content("content", &self.content)?,
            template: self.template,
            started_on: day("started_on", &self.started_on)?,
            dates: PlanDates {
                refreshed_on: day("refreshed_on", &self.refreshed_on)?,
                updated_on: day("updated_on", &self.updated_on)?,
            },
            values: by_key,
            step_tasks,
        })
    }
}

/// What the audit shows of a saved version.
fn saved_json(account: AccountId, version: i64, changes: &[String]) -> serde_json::Value {
    serde_json::json!({"account_id": account.0, "version": version, "changes": changes})
}

pub(crate) fn content(column: &str, json: &str) -> Result<PlanContent> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Db(sqlx::Error::Decode(format!("{column}: {e}").into())))
}

impl Store {
    /// Saves a new version of an account's plan (the first starts it).
    pub async fn save_plan(&self, actor: &Actor, save: PlanSave) -> Result<StoredPlan> {
        let now = self.now();
        let today = text::date(self.clock().today());
        let json = serde_json::to_string(&save.content).expect("plain data");
        let mut tx = self.write_tx().await?;
        let current: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM success_plans WHERE account_id = $1")
                .bind(save.account.0)
                .fetch_optional(&mut *tx)
                .await?;
        let version = current.map_or(1, |(v,)| v + 1);
        match (current, save.change) {
            (None, _) => {
                sqlx::query(
                    "INSERT INTO success_plans (account_id, version, content, template, started_on, \
                     refreshed_on, updated_on) VALUES ($1, $2, $3, $4, $5, $5, $5)",
                )
                .bind(save.account.0)
                .bind(version)
                .bind(&json)
                .bind(save.template.as_deref())
                .bind(&today)
                .execute(&mut *tx)
                .await?;
            }
            (Some(_), change) => {
                let refreshed = if change == PlanChange::Refresh {
                    "refreshed_on = $4,"
                } else {
                    ""
                };
                sqlx::query(&format!(
                    "UPDATE success_plans SET version = $1, content = $2, template = $3, {refreshed} \
                     updated_on = $4 WHERE account_id = $5"
                ))
                .bind(version)
                .bind(&json)
                .bind(save.template.as_deref())
                .bind(&today)
                .bind(save.account.0)
                .execute(&mut *tx)
                .await?;
            }
        }
        let kind = if current.is_none() {
            PlanChange::Start
        } else {
            save.change
        };
        sqlx::query(
            "INSERT INTO success_plan_versions (account_id, version, kind, content, template, changes, \
             made_on, made_at, made_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(save.account.0)
        .bind(version)
        .bind(kind.as_str())
        .bind(&json)
        .bind(save.template.as_deref())
        .bind(serde_json::to_string(&save.changes).expect("plain data"))
        .bind(&today)
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            StoreError::unique(e, || {
                "the plan changed while you edited it; reload it and save again".into()
            })
        })?;
        for (step, fields) in &save.open_steps {
            if let Some(task) = crate::tasks::open_in(&mut tx, &now, actor, fields).await? {
                sqlx::query(
                    "INSERT INTO plan_step_tasks (account_id, step, task_id) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(save.account.0)
                .bind(step)
                .bind(task)
                .execute(&mut *tx)
                .await?;
            }
        }
        for task in &save.close_tasks {
            let open: Option<(i64,)> =
                sqlx::query_as("SELECT id FROM tasks WHERE id = $1 AND status = 'open'")
                    .bind(task.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if open.is_some() {
                crate::tasks::close_done(
                    &mut tx,
                    &now,
                    actor,
                    task.0,
                    save.account,
                    "step done on the success plan",
                )
                .await?;
            }
        }
        record(
            &mut tx,
            &now,
            actor,
            kind.as_str(),
            "success_plan",
            save.account,
            None,
            Some(&saved_json(save.account, version, &save.changes)),
        )
        .await?;
        tx.commit().await?;
        self.plan(save.account)
            .await?
            .ok_or_else(|| StoreError::not_found("success plan", save.account))
    }

    /// An account's live plan, with its values and its steps' tasks.
    pub async fn plan(&self, account: AccountId) -> Result<Option<StoredPlan>> {
        let row: Option<PlanRow> = sqlx::query_as(&format!(
            "SELECT {PLAN_COLUMNS} FROM success_plans p WHERE p.account_id = $1"
        ))
        .bind(account.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let tasks: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT p.step, t.id, t.status FROM plan_step_tasks p JOIN tasks t ON t.id = p.task_id \
             WHERE p.account_id = $1",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        let step_tasks = tasks
            .into_iter()
            .map(|(step, id, status)| Ok((step, (TaskId(id), parse("status", &status)?))))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(row.into_plan(
            self.objective_values(account).await?,
            step_tasks,
        )?))
    }

    /// The live plan's content alone (no values, no step tasks): what a page that only names
    /// its objectives needs. `None` when the account has no plan.
    pub async fn plan_content(&self, account: AccountId) -> Result<Option<PlanContent>> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT content FROM success_plans WHERE account_id = $1")
                .bind(account.0)
                .fetch_optional(&self.pool)
                .await?;
        text.map(|t| content("content", &t)).transpose()
    }

    /// Every version of an account's plan, newest first.
    pub async fn plan_versions(&self, account: AccountId) -> Result<Vec<PlanVersion>> {
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
            Option<i64>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT version, kind, content, template, changes, made_on, made_at, made_by \
             FROM success_plan_versions WHERE account_id = $1 ORDER BY version DESC",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(version, kind, c, template, changes, on, at, by)| {
                Ok(PlanVersion {
                    version,
                    kind,
                    content: content("content", &c)?,
                    template,
                    changes: serde_json::from_str(&changes).unwrap_or_default(),
                    made_on: day("made_on", &on)?,
                    made_at: time("made_at", &at)?,
                    made_by: by.map(UserId),
                })
            })
            .collect()
    }

    /// The plans configuration in force: the last saved, else the built-in one.
    pub async fn plans_config(&self) -> Result<PlansConfig> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT config FROM plans_config_versions ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        match row {
            None => Ok(PlansConfig::default()),
            Some((json,)) => serde_json::from_str(&json).map_err(|e| {
                StoreError::Db(sqlx::Error::Decode(format!("plans config: {e}").into()))
            }),
        }
    }

    /// Saves a plans configuration, checked by the caller.
    pub async fn set_plans_config(&self, actor: &Actor, config: &PlansConfig) -> Result<()> {
        let now = self.now();
        let json = serde_json::to_string(config).expect("plain data");
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO plans_config_versions (config, saved_at, saved_by) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(&json)
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .fetch_one(&mut *tx)
        .await?;
        record(
            &mut tx,
            &now,
            actor,
            "update",
            "plans_config",
            id,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
