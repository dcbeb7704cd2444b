//! Success plans: reading an account's plan with each objective's status and why, saving a
//! version (an update, or the quarterly refresh), starting one from a template, and the
//! configuration (dimensions, the label library, templates). The account's owners, whatever
//! their function, and leaders edit a plan; everyone signed in reads it.
//!
//! A save checks the whole plan (the first wrong field named by its path), opens a task for
//! each step that has none, closes the tasks of steps marked done, and lets the engagement
//! engine see the account at once: an objective that slipped notifies its owner within the
//! second, not at the next sweep.

mod config;
mod demo;
mod patterns;
mod shares;
mod values;

pub use patterns::{PatternAccount, PlanPatterns};
pub use shares::SharedPlanView;
pub use values::RecordValue;

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::plan::{Assessment, PlanContent, PlanOwner, PlansConfig, Step};
use sherpa_core::*;
use sherpa_store::{ObjectiveValue, PlanChange, PlanSave, PlanVersion, StoredPlan};
use std::collections::HashMap;

/// One objective as the plan page and the API show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveView {
    pub key: String,
    pub assessment: Assessment,
    pub values: Vec<ObjectiveValue>,
    /// Where its values come from, in words.
    pub source: String,
    pub owner: Option<String>,
    pub achieved_on: Option<NaiveDate>,
}

/// One step: done on the plan or through its task.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub key: String,
    pub done: bool,
    pub task: Option<TaskId>,
    pub owner: Option<String>,
}

/// An account's live plan, read.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanView {
    pub account: AccountId,
    pub account_name: String,
    pub version: i64,
    pub template: Option<String>,
    pub started_on: NaiveDate,
    /// The version's content, with each step's done read through its task too.
    pub content: PlanContent,
    pub objectives: Vec<ObjectiveView>,
    pub steps: Vec<StepView>,
    /// Names of blockers' owners, in the order of the content's blockers.
    pub blocker_owners: Vec<Option<String>>,
    pub refreshed_on: NaiveDate,
    pub updated_on: NaiveDate,
    pub refresh_due_on: NaiveDate,
    pub update_due_on: NaiveDate,
    pub covers_until: NaiveDate,
    /// Updated within its month: the health metric "success plan in place".
    pub in_place: bool,
    pub may_edit: bool,
}

/// Save a version of an account's plan.
#[derive(Debug, Clone)]
pub struct SavePlan {
    pub account: AccountId,
    pub content: PlanContent,
    /// The template it was started from (a new plan) or keeps.
    pub template: Option<String>,
    /// The quarterly refresh (the twelve months roll on) rather than an update.
    pub refresh: bool,
}

impl App {
    /// The account's live plan, or `None` when it has none yet.
    pub async fn plan(&self, by: &Caller, account: AccountId) -> Result<Option<PlanView>> {
        let acc = self.store.account(account).await?;
        let Some(plan) = self.store.plan(account).await? else {
            return Ok(None);
        };
        let may_edit = by.may(|u| u.may_edit_plan(&acc.fields.owners)).is_ok();
        Ok(Some(self.plan_view(&acc, plan, may_edit).await?))
    }

    pub(crate) async fn plan_view(
        &self,
        acc: &Account,
        plan: StoredPlan,
        may_edit: bool,
    ) -> Result<PlanView> {
        let today = self.store.clock().today();
        let c = &plan.content;
        let named: Vec<UserId> = c
            .objectives
            .iter()
            .map(|o| o.owner)
            .chain(c.steps.iter().map(|s| s.owner))
            .chain(c.blockers.iter().map(|b| b.owner))
            .filter_map(|o| o?.user(&acc.fields.owners))
            .collect();
        let names = self.store.user_names(&named).await?;
        let mut objectives = Vec::new();
        for o in &plan.content.objectives {
            let (assessment, achieved_on) = plan.assess(o, today);
            objectives.push(ObjectiveView {
                key: o.key.clone(),
                assessment,
                achieved_on,
                values: plan.values.get(&o.key).cloned().unwrap_or_default(),
                source: o.source.describe(),
                owner: self.owner_name(acc, &names, o.owner).await?,
            });
        }
        let mut content = plan.content.clone();
        let mut steps = Vec::new();
        for s in &mut content.steps {
            s.done = plan.step_done(&s.key);
            steps.push(StepView {
                key: s.key.clone(),
                done: s.done,
                task: plan.step_tasks.get(&s.key).map(|(t, _)| *t),
                owner: self.owner_name(acc, &names, s.owner).await?,
            });
        }
        let mut blocker_owners = Vec::new();
        for b in &content.blockers {
            blocker_owners.push(self.owner_name(acc, &names, b.owner).await?);
        }
        let d = plan.dates;
        Ok(PlanView {
            account: acc.id,
            account_name: acc.fields.name.clone(),
            version: plan.version,
            template: plan.template.clone(),
            started_on: plan.started_on,
            content,
            objectives,
            steps,
            blocker_owners,
            refreshed_on: d.refreshed_on,
            updated_on: d.updated_on,
            refresh_due_on: d.refresh_due_on(),
            update_due_on: d.update_due_on(),
            covers_until: d.covers_until(),
            in_place: d.in_place(today),
            may_edit,
        })
    }

    /// Who an owner is, in words: "Dana Reyes (CSM)", a contact's name, or the function when
    /// nobody holds it; `names` holds the team members the plan names, read once.
    async fn owner_name(
        &self,
        acc: &Account,
        names: &HashMap<UserId, String>,
        owner: Option<PlanOwner>,
    ) -> Result<Option<String>> {
        let name = |u: UserId| {
            names
                .get(&u)
                .cloned()
                .unwrap_or_else(|| format!("user {u}"))
        };
        Ok(match owner {
            None => None,
            Some(PlanOwner::User(u)) => Some(name(u)),
            Some(PlanOwner::Contact(c)) => {
                let c = self.store.contact(c).await?;
                Some(format!("{} (customer)", c.fields.name))
            }
            Some(PlanOwner::Function(f)) => {
                let label = function_label(f);
                match acc.fields.owners.get(f) {
                    Some(u) => Some(format!("{} ({label})", name(u))),
                    None => Some(format!("the {label} (none assigned)")),
                }
            }
        })
    }

    /// Every version of the account's plan, newest first, with what each changed.
    pub async fn plan_versions(
        &self,
        _by: &Caller,
        account: AccountId,
    ) -> Result<Vec<PlanVersion>> {
        self.store.account(account).await?;
        Ok(self.store.plan_versions(account).await?)
    }

    /// The plans configuration in force.
    pub async fn plans_config(&self) -> Result<PlansConfig> {
        Ok(self.store.plans_config().await?)
    }

    /// The templates meant for an account first (by its tier and segment), then the others.
    pub async fn plan_templates_for(&self, account: AccountId) -> Result<Vec<(String, bool)>> {
        let acc = self.store.account(account).await?;
        let config = self.store.plans_config().await?;
        let segment = self
            .segment_name(acc.priority.segment.map(i64::from))
            .await?;
        let tier = acc.priority.tier.map(|t| t.get());
        let mut out: Vec<(String, bool)> = config
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.fits(tier, segment.as_deref())))
            .collect();
        out.sort_by_key(|(_, fits)| !*fits);
        Ok(out)
    }

    /// A Pareto segment's name by its position.
    pub(crate) async fn segment_name(&self, segment: Option<i64>) -> Result<Option<String>> {
        let Some(i) = segment else { return Ok(None) };
        let names = self.store.prioritisation_rules().await?.pareto.names;
        Ok(usize::try_from(i).ok().and_then(|i| names.get(i).cloned()))
    }

    /// A first draft from a template, for the editor: nothing is saved until the CSM sets the
    /// baselines and targets with the customer.
    pub async fn draft_plan(&self, account: AccountId, template: &str) -> Result<PlanContent> {
        self.store.account(account).await?;
        let config = self.store.plans_config().await?;
        let t = config.template(template).ok_or_else(|| {
            Error::invalid(
                "template",
                format!(
                    "\"{template}\" is not a template; use one of: {}",
                    config
                        .templates
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        Ok(t.draft(self.store.clock().today()))
    }

    /// Saves a version of an account's plan: its owners and leaders.
    pub async fn save_plan(&self, by: &Caller, cmd: SavePlan) -> Result<PlanView> {
        let acc = self.store.account(cmd.account).await?;
        by.may(|u| u.may_edit_plan(&acc.fields.owners))?;
        let config = self.store.plans_config().await?;
        let dimensions = config.dimensions();
        let mut content = cmd.content;
        content.settle(&dimensions, &config.labels);
        content
            .check(&dimensions)
            .map_err(|e| Error::invalid(&e.field, e.message))?;
        if let Some(t) = &cmd.template
            && config.template(t).is_none()
        {
            return Err(Error::invalid(
                "template",
                format!("\"{t}\" is not a template of the configuration"),
            ));
        }
        self.check_owners(&acc, &content).await?;
        self.check_features(&content).await?;
        let current = self.store.plan(cmd.account).await?;
        let changes = match &current {
            None => vec![PLAN_STARTED.to_string()],
            Some(p) => content.changes_since(&p.content),
        };
        let template = cmd
            .template
            .or_else(|| current.as_ref().and_then(|p| p.template.clone()));
        let mut open_steps = Vec::new();
        let mut close_tasks = Vec::new();
        for s in &content.steps {
            let task = current
                .as_ref()
                .and_then(|p| p.step_tasks.get(&s.key).copied());
            match (s.done, task) {
                (false, None) => open_steps.push((
                    s.key.clone(),
                    step_task(acc.id, &acc.fields.name, &acc.fields.owners, s),
                )),
                (true, Some((id, TaskStatus::Open))) => close_tasks.push(id),
                _ => {}
            }
        }
        let change = match (&current, cmd.refresh) {
            (None, _) => PlanChange::Start,
            (Some(_), true) => PlanChange::Refresh,
            (Some(_), false) => PlanChange::Update,
        };
        let saved = self
            .store
            .save_plan(
                &by.actor(),
                PlanSave {
                    account: cmd.account,
                    content,
                    template,
                    change,
                    changes,
                    open_steps,
                    close_tasks,
                },
            )
            .await?;
        self.read_measured_values(&saved).await;
        self.engage(&[cmd.account]).await;
        let plan = self
            .store
            .plan(cmd.account)
            .await?
            .ok_or_else(|| Error::NotFound("the plan just saved".into()))?;
        self.plan_view(&acc, plan, true).await
    }

    /// A feature an objective reads must be in the catalogue: else nothing would ever be read.
    async fn check_features(&self, content: &PlanContent) -> Result<()> {
        let mut named =
            content
                .objectives
                .iter()
                .enumerate()
                .filter_map(|(i, o)| match &o.source {
                    sherpa_core::plan::ValueSource::Feature { feature, .. } => Some((i, feature)),
                    _ => None,
                });
        let Some(first) = named.next() else {
            return Ok(());
        };
        let known = self.strategic_features().await?.catalogue;
        for (i, feature) in std::iter::once(first).chain(named) {
            if !known.contains_key(feature) {
                return Err(Error::invalid(
                    &format!("objectives[{i}].source.feature"),
                    format!(
                        "\"{feature}\" is not a feature of the catalogue (see Usage: features)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Owners must be someone: an active team member, a contact of this account.
    async fn check_owners(&self, acc: &Account, content: &PlanContent) -> Result<()> {
        let owners = content
            .objectives
            .iter()
            .enumerate()
            .map(|(i, o)| (format!("objectives[{i}].owner"), o.owner))
            .chain(
                content
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("steps[{i}].owner"), s.owner)),
            )
            .chain(
                content
                    .blockers
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (format!("blockers[{i}].owner"), b.owner)),
            );
        for (field, owner) in owners {
            match owner {
                Some(PlanOwner::User(u)) => match self.store.user(u).await {
                    Ok(user) if user.active => {}
                    Ok(user) => {
                        return Err(Error::invalid(
                            &field,
                            format!("{} is no longer active", user.name),
                        ));
                    }
                    Err(_) => {
                        return Err(Error::invalid(&field, format!("no team member has id {u}")));
                    }
                },
                Some(PlanOwner::Contact(c)) => {
                    let theirs = self
                        .store
                        .contact(c)
                        .await
                        .ok()
                        .is_some_and(|c| c.fields.account_id == Some(acc.id));
                    if !theirs {
                        return Err(Error::invalid(
                            &field,
                            format!("contact {c} is not a contact of {}", acc.fields.name),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads the values Sherpa measures itself (catalogue metrics, product events) for one
    /// plan, once a day each; a failure waits for the daily reading.
    async fn read_measured_values(&self, plan: &StoredPlan) {
        if let Err(e) = self.measure_plan(plan).await {
            tracing::warn!(error = %e, "reading a plan's measured values; the daily job reads them");
        }
    }
}

fn function_label(f: OwnerFunction) -> &'static str {
    match f {
        OwnerFunction::Csm => "CSM",
        OwnerFunction::Ae => "AE",
        OwnerFunction::CustomerDevelopment => "Customer Development",
        OwnerFunction::ExecutiveSponsor => "executive sponsor",
    }
}

/// What a plan's first version did, in words.
pub(crate) const PLAN_STARTED: &str = "plan started";

/// The task a step opens: for its owner, or the CSM when the step is the customer's.
pub(crate) fn step_task(account: AccountId, name: &str, owners: &Owners, s: &Step) -> TaskFields {
    let owner = s.owner.and_then(|o| o.user(owners)).or(owners.csm);
    let whose = match s.owner {
        Some(PlanOwner::Contact(_)) => "; the customer owns it: follow it up with them",
        _ => "",
    };
    TaskFields {
        account_id: account,
        title: format!("Plan step: {}", s.title),
        owner_id: owner,
        due_on: s.due_on,
        priority: Priority::Normal,
        source: TaskSource::Plan,
        reason: format!(
            "a step of the success plan of {name}{whose}; finishing this task marks the step done"
        ),
        dedup_key: Some(format!("plan-step:{}", s.key)),
    }
}
