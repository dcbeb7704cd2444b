//! Tasks: calls to action with an owner and a due date, each saying why it exists.

use super::enums::vocabulary;
use super::{AccountId, TaskId, UserId};
use chrono::{DateTime, NaiveDate, Utc};

vocabulary!(
    TaskStatus, "task status" {
        Open => "open",
        Done => "done",
        Cancelled => "cancelled" | "canceled",
    }
);

vocabulary!(
    Priority, "priority" {
        Low => "low",
        Normal => "normal" | "medium",
        High => "high",
        Urgent => "urgent",
    }
);

vocabulary!(
    /// What opened a task; later issues add cadences, health and engagement moments.
    TaskSource, "task source" {
        Manual => "manual",
        Cadence => "cadence",
        Grading => "grading",
        Health => "health",
        Engagement => "engagement",
        Plan => "plan",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub fields: TaskFields,
    pub status: TaskStatus,
    pub outcome: Option<String>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFields {
    pub account_id: AccountId,
    pub title: String,
    pub owner_id: Option<UserId>,
    pub due_on: Option<NaiveDate>,
    pub priority: Priority,
    pub source: TaskSource,
    /// Why the task exists, in words a CSM understands.
    pub reason: String,
    /// The rule's key: while a task with this key is open for the account, the rule opens no other.
    pub dedup_key: Option<String>,
}

/// A change to a task (Merge Patch semantics: `None` leaves a field as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChange {
    pub status: Option<TaskStatus>,
    pub outcome: Option<Option<String>>,
    pub owner: Option<Option<UserId>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub priority: Option<Priority>,
}
