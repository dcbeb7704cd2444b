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

impl Priority {
    /// Urgent and high tasks stand out in a person's lists.
    pub fn stands_out(self) -> bool {
        matches!(self, Priority::Urgent | Priority::High)
    }
}

/// A task's title where its account is shown beside it: without the account's name that
/// engagement tasks end with (they name it for calendars that mix accounts).
pub fn title_beside_account<'a>(title: &'a str, account: &str) -> &'a str {
    title
        .strip_suffix(account)
        .and_then(|t| t.strip_suffix(": "))
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(title)
}

#[cfg(test)]
mod title_tests {
    use super::*;

    #[test]
    fn a_title_drops_only_its_own_accounts_name() {
        assert_eq!(
            title_beside_account("Kickoff call: Acme", "Acme"),
            "Kickoff call"
        );
        assert_eq!(title_beside_account("Call Acme", "Acme"), "Call Acme");
        assert_eq!(
            title_beside_account("Kickoff: Acme", "Beta"),
            "Kickoff: Acme"
        );
        assert_eq!(title_beside_account(": Acme", "Acme"), ": Acme");
    }
}
