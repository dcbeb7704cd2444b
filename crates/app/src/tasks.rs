//! Working a task: finish it with an outcome, snooze it, hand it to someone else, or change its
//! fields as a whole (the API's merge patch). Opening one by hand.

use crate::{App, Caller, Error, Result};
use chrono::Days;
use sherpa_core::{
    AccountId, Priority, Task, TaskChange, TaskFields, TaskId, TaskSource, TaskStatus, UserId,
    required_text,
};

/// How long a task can be snoozed at once, in days.
pub const SNOOZE_DAYS: std::ops::RangeInclusive<u64> = 1..=90;

/// One thing a person does with a task from their list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskAction {
    /// Done, with what came of it.
    Done { outcome: Option<String> },
    /// Due again this many days after its due day (or today, when that has passed).
    Snooze { days: u64 },
    /// Handed to another person.
    Reassign { to: UserId },
    /// Open again, its outcome cleared: the undo of a Done pressed by mistake.
    Reopen,
}

#[derive(Debug, Clone)]
pub struct WorkTask {
    pub task: TaskId,
    pub action: TaskAction,
}

/// The same action on many tasks at once, from a person's list.
#[derive(Debug, Clone)]
pub struct WorkTasks {
    pub tasks: Vec<TaskId>,
    pub action: TaskAction,
}

/// How many tasks one bulk action takes: a list's worth.
pub const BULK_TASKS: usize = 200;

/// Open a task by hand on an account.
#[derive(Debug, Clone)]
pub struct OpenTask {
    pub account: AccountId,
    pub title: String,
    /// The caller when not given.
    pub owner: Option<UserId>,
    pub due_on: Option<chrono::NaiveDate>,
    pub priority: Option<Priority>,
    /// Why the task exists; "Opened by NAME" when not given.
    pub reason: Option<String>,
}

impl App {
    /// Does one thing with a task from a person's list.
    pub async fn work_task(&self, by: &Caller, cmd: WorkTask) -> Result<Task> {
        let task = self.store.task(cmd.task).await?;
        let change = self.change_for(&task, cmd.action)?;
        self.apply_task_change(by, &task, change).await
    }

    /// Does one thing with many tasks. Every task is checked first (that it exists, that the
    /// person may work it, that the action fits it); one refused refuses them all, and
    /// nothing is changed.
    pub async fn work_tasks(&self, by: &Caller, cmd: WorkTasks) -> Result<Vec<Task>> {
        if cmd.tasks.is_empty() {
            return Err(Error::invalid("tasks", "choose at least one task"));
        }
        if cmd.tasks.len() > BULK_TASKS {
            return Err(Error::invalid(
                "tasks",
                format!(
                    "{} tasks at once is more than {BULK_TASKS}; work them in parts",
                    cmd.tasks.len()
                ),
            ));
        }
        if let TaskAction::Reassign { to } = cmd.action {
            self.task_owner(to).await?;
        }
        let mut planned = Vec::new();
        for id in &cmd.tasks {
            let task = self.store.task(*id).await?;
            by.may(|u| u.may_change_task(&task))?;
            let change = self.change_for(&task, cmd.action.clone())?;
            planned.push((task, change));
        }
        let mut done = Vec::new();
        for (task, change) in planned {
            done.push(
                self.store
                    .update_task(&by.actor(), task.id, &change)
                    .await?,
            );
        }
        Ok(done)
    }

    /// The change an action makes to a task.
    fn change_for(&self, task: &Task, action: TaskAction) -> Result<TaskChange> {
        Ok(match action {
            TaskAction::Done { outcome } => TaskChange {
                status: Some(TaskStatus::Done),
                outcome: Some(
                    outcome
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty()),
                ),
                ..Default::default()
            },
            TaskAction::Snooze { days } => {
                if !SNOOZE_DAYS.contains(&days) {
                    return Err(Error::invalid(
                        "days",
                        format!(
                            "{days} days is not a snooze; choose {} to {} days",
                            SNOOZE_DAYS.start(),
                            SNOOZE_DAYS.end()
                        ),
                    ));
                }
                let today = self.store.clock().today();
                let from = task.fields.due_on.unwrap_or(today).max(today);
                TaskChange {
                    due_on: Some(Some(from + Days::new(days))),
                    ..Default::default()
                }
            }
            TaskAction::Reassign { to } => TaskChange {
                owner: Some(Some(to)),
                ..Default::default()
            },
            TaskAction::Reopen => TaskChange {
                status: Some(TaskStatus::Open),
                outcome: Some(None),
                ..Default::default()
            },
        })
    }

    /// Changes a task's status, outcome, owner, due day or priority; a new owner must be
    /// someone who can work it.
    pub async fn change_task(&self, by: &Caller, id: TaskId, change: TaskChange) -> Result<Task> {
        let task = self.store.task(id).await?;
        self.apply_task_change(by, &task, change).await
    }

    async fn apply_task_change(
        &self,
        by: &Caller,
        task: &Task,
        change: TaskChange,
    ) -> Result<Task> {
        by.may(|u| u.may_change_task(task))?;
        if let Some(Some(owner)) = change.owner {
            self.task_owner(owner).await?;
        }
        Ok(self
            .store
            .update_task(&by.actor(), task.id, &change)
            .await?)
    }

    /// Opens a task by hand, for the caller unless another owner is named.
    pub async fn open_task(&self, by: &Caller, cmd: OpenTask) -> Result<Task> {
        let account = self.store.account(cmd.account).await?;
        by.may(|u| u.may_open_task(&account.fields.owners))?;
        let title =
            required_text("title", &cmd.title, 300).map_err(|e| Error::invalid("title", e.0))?;
        let owner = match cmd.owner {
            Some(o) => self.task_owner(o).await?,
            None => by.person()?.id,
        };
        let fields = TaskFields {
            account_id: cmd.account,
            title,
            owner_id: Some(owner),
            due_on: cmd.due_on,
            priority: cmd.priority.unwrap_or(Priority::Normal),
            source: TaskSource::Manual,
            reason: cmd
                .reason
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| match by.person() {
                    Ok(u) => format!("Opened by {}", u.name),
                    Err(_) => "Opened from the command line".into(),
                }),
            dedup_key: None,
        };
        let (task, _) = self.store.open_task(&by.actor(), &fields).await?;
        Ok(task)
    }

    /// The person a task is handed to, when they can work it.
    async fn task_owner(&self, id: UserId) -> Result<UserId> {
        let user = match self.store.user(id).await {
            Err(sherpa_store::StoreError::NotFound { .. }) => {
                return Err(Error::invalid("owner_id", format!("no team member {id}")));
            }
            other => other?,
        };
        user.may_own_tasks()
            .map_err(|d| Error::invalid("owner_id", d.0))?;
        Ok(id)
    }
}
