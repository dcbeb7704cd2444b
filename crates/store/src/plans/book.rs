//! Plans across the book: the live plans with their accounts (for the patterns page and My
//! book), and each objective's changes of status, recorded the first time a sweep sees them:
//! the event the engagement models react to, and the day a first-value objective was reached.

use super::{PLAN_COLUMNS, PlanRow, StoredPlan};
use crate::rows::{day, parse};
use crate::sql::{BindIds, placeholders};
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::engagement::ObjectiveTurnFact;
use sherpa_core::plan::{ObjectiveStatus, PlanDates, PlanOwner};
use sherpa_core::*;
use std::collections::{BTreeMap, HashMap};

/// A live plan with what the book says of its account.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    pub plan: StoredPlan,
    pub name: String,
    /// In the reporting currency.
    pub arr: Money,
    pub tier: Option<u8>,
    /// The Pareto segment's position (0 the top).
    pub segment: Option<i64>,
    pub csm: Option<UserId>,
    pub csm_name: Option<String>,
    pub industry: Option<String>,
    pub customer_since: Option<NaiveDate>,
}

/// Where an account's plan stands, for lists.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStanding {
    pub dates: PlanDates,
    /// The statuses last recorded for its objectives, by key.
    pub statuses: BTreeMap<String, ObjectiveStatus>,
}

/// An objective's status as a sweep saw it change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTurn {
    pub account: AccountId,
    pub objective: String,
    pub title: String,
    pub status: ObjectiveStatus,
    pub from: Option<ObjectiveStatus>,
    pub on: NaiveDate,
    pub reason: String,
    pub first_value: bool,
    pub owner: Option<PlanOwner>,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    plan: PlanRow,
    name: String,
    arr_minor: i64,
    tier: Option<i64>,
    segment: Option<i64>,
    csm_id: Option<i64>,
    csm_name: Option<String>,
    industry: Option<String>,
    customer_since: Option<String>,
}

impl Row {
    fn account_id(&self) -> i64 {
        self.plan.account_id()
    }
}

impl Store {
    /// The live plans of accounts that are not churned (of `only`, when given), by account.
    pub async fn planned_rows(&self, only: Option<&[AccountId]>) -> Result<Vec<PlannedRow>> {
        // None of no accounts (and `IN ()` is no statement on PostgreSQL).
        if only.is_some_and(<[AccountId]>::is_empty) {
            return Ok(Vec::new());
        }
        let ids = only.unwrap_or_default();
        let filter = match only {
            Some(ids) => format!("AND a.id IN ({})", placeholders(0, ids.len())),
            None => String::new(),
        };
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {PLAN_COLUMNS}, a.name, a.arr_minor, a.tier, a.segment, a.csm_id, u.name AS csm_name, \
             a.industry, a.customer_since FROM success_plans p JOIN accounts a ON a.id = p.account_id \
             LEFT JOIN users u ON u.id = a.csm_id \
             WHERE (a.lifecycle IS NULL OR a.lifecycle <> 'churned') {filter} ORDER BY a.id"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        let accounts: Vec<AccountId> = rows.iter().map(|r| AccountId(r.account_id())).collect();
        let mut values = self.objective_values_of(&accounts).await?;
        let mut tasks: HashMap<AccountId, HashMap<String, (TaskId, TaskStatus)>> = HashMap::new();
        for part in accounts.chunks(500) {
            let found: Vec<(i64, String, i64, String)> = sqlx::query_as(&format!(
                "SELECT p.account_id, p.step, t.id, t.status FROM plan_step_tasks p \
                 JOIN tasks t ON t.id = p.task_id WHERE p.account_id IN ({})",
                placeholders(0, part.len())
            ))
            .bind_ids(part)
            .fetch_all(&self.pool)
            .await?;
            for (account, step, id, status) in found {
                tasks
                    .entry(AccountId(account))
                    .or_default()
                    .insert(step, (TaskId(id), parse("status", &status)?));
            }
        }
        let currency = self.currency();
        rows.into_iter()
            .map(|r| {
                let account = AccountId(r.account_id());
                Ok(PlannedRow {
                    plan: r.plan.into_plan(
                        values.remove(&account).unwrap_or_default(),
                        tasks.remove(&account).unwrap_or_default(),
                    )?,
                    name: r.name,
                    arr: Money::from_minor_units(r.arr_minor, currency),
                    tier: r.tier.and_then(|t| u8::try_from(t).ok()),
                    segment: r.segment,
                    csm: r.csm_id.map(UserId),
                    csm_name: r.csm_name,
                    industry: r.industry,
                    customer_since: r
                        .customer_since
                        .as_deref()
                        .map(|d| day("customer_since", d))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// The plan dates and last recorded objective statuses of `ids` that have a plan.
    pub async fn plan_standings(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, PlanStanding>> {
        let mut out = HashMap::new();
        for part in ids.chunks(500) {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
                "SELECT account_id, refreshed_on, updated_on FROM success_plans \
                 WHERE account_id IN ({})",
                placeholders(0, part.len())
            ))
            .bind_ids(part)
            .fetch_all(&self.pool)
            .await?;
            for (a, refreshed, updated) in rows {
                out.insert(
                    AccountId(a),
                    PlanStanding {
                        dates: PlanDates {
                            refreshed_on: day("refreshed_on", &refreshed)?,
                            updated_on: day("updated_on", &updated)?,
                        },
                        statuses: BTreeMap::new(),
                    },
                );
            }
        }
        for ((account, key), status) in self.last_objective_statuses(ids).await? {
            if let Some(s) = out.get_mut(&account) {
                s.statuses.insert(key, status);
            }
        }
        Ok(out)
    }

    /// Each objective's last recorded status.
    pub async fn last_objective_statuses(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<(AccountId, String), ObjectiveStatus>> {
        let mut out = HashMap::new();
        for part in ids.chunks(500) {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(&format!(
                "SELECT t.account_id, t.objective, t.status FROM objective_turns t \
                 WHERE t.account_id IN ({}) AND t.id = (SELECT MAX(l.id) FROM objective_turns l \
                 WHERE l.account_id = t.account_id AND l.objective = t.objective)",
                placeholders(0, part.len())
            ))
            .bind_ids(part)
            .fetch_all(&self.pool)
            .await?;
            for (a, key, status) in rows {
                out.insert((AccountId(a), key), parse("status", &status)?);
            }
        }
        Ok(out)
    }

    /// Works out each live objective's status today and records those that changed since the
    /// last sweep (a new objective's first status counts as a change); answers how many.
    pub async fn turn_objectives(&self, ids: &[AccountId], today: NaiveDate) -> Result<usize> {
        let rows = self.planned_rows(Some(ids)).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let last = self.last_objective_statuses(ids).await?;
        let mut turns = Vec::new();
        for r in &rows {
            let p = &r.plan;
            for o in &p.content.objectives {
                let (a, reached) = p.assess(o, today);
                let from = last.get(&(p.account, o.key.clone())).copied();
                if from == Some(a.status) {
                    continue;
                }
                // Reached: on the day the value reached the target, not the day it was seen.
                let on = match a.status {
                    ObjectiveStatus::Achieved => reached.unwrap_or(today),
                    _ => today,
                };
                turns.push(NewTurn {
                    account: p.account,
                    objective: o.key.clone(),
                    title: o.title.clone(),
                    status: a.status,
                    from,
                    on,
                    reason: a.reason,
                    first_value: o.first_value,
                    owner: o.owner,
                });
            }
        }
        self.record_objective_turns(&turns).await?;
        Ok(turns.len())
    }

    /// Records objectives' changes of status.
    pub async fn record_objective_turns(&self, turns: &[NewTurn]) -> Result<()> {
        if turns.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for t in turns {
            sqlx::query(
                "INSERT INTO objective_turns (account_id, objective, title, status, from_status, \
                 turned_on, reason, first_value, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(t.account.0)
            .bind(&t.objective)
            .bind(&t.title)
            .bind(t.status.as_str())
            .bind(t.from.map(|s| s.as_str()))
            .bind(text::date(t.on))
            .bind(&t.reason)
            .bind(i64::from(t.first_value))
            .bind(t.owner.map(|o| o.to_string()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Objective turns of `ids` on or after `since`, for the engagement sweep.
    pub(crate) async fn objective_turn_facts(
        &self,
        ids: &[AccountId],
        since: NaiveDate,
    ) -> Result<HashMap<i64, Vec<ObjectiveTurnFact>>> {
        type TurnRow = (i64, i64, String, String, String, String, Option<String>);
        let rows: Vec<TurnRow> = sqlx::query_as(&format!(
            "SELECT id, account_id, title, status, turned_on, reason, owner FROM objective_turns \
             WHERE account_id IN ({}) AND turned_on >= ${} ORDER BY id",
            placeholders(0, ids.len()),
            ids.len() + 1
        ))
        .bind_ids(ids)
        .bind(text::date(since))
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, Vec<ObjectiveTurnFact>> = HashMap::new();
        for (id, account, title, status, on, reason, owner) in rows {
            out.entry(account).or_default().push(ObjectiveTurnFact {
                id,
                title,
                on: day("turned_on", &on)?,
                to: parse("status", &status)?,
                reason,
                owner: owner.as_deref().and_then(|o| o.parse().ok()),
            });
        }
        Ok(out)
    }

    /// The day each account's first-value objective was reached, where one was.
    pub async fn first_value_objectives(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<i64, NaiveDate>> {
        let mut out = HashMap::new();
        for part in ids.chunks(500) {
            let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
                "SELECT account_id, MIN(turned_on) FROM objective_turns WHERE account_id IN ({}) \
                 AND status = 'achieved' AND first_value = 1 GROUP BY account_id",
                placeholders(0, part.len())
            ))
            .bind_ids(part)
            .fetch_all(&self.pool)
            .await?;
            for (a, on) in rows {
                if let Some(on) = on {
                    out.insert(a, day("turned_on", &on)?);
                }
            }
        }
        Ok(out)
    }
}
