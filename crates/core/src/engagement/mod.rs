//! The engagement engine's rules (seed 002's Customer Engagement Model, seed 000's execution
//! plans per tier): which model an account follows and why, its onboarding milestones, and the
//! ongoing moments that come due, each a task for the owner of the moment's function that says
//! why it exists. Pure: the store gathers each account's facts and fires each occurrence once.

pub mod analytics;
mod config;
mod defaults;
mod milestones;
mod moments;
mod outreach;

pub use config::*;
pub use defaults::default_engagement;
pub use milestones::*;
pub use moments::*;
pub use outreach::*;

use crate::book::{AccountId, OwnerFunction, Priority, TaskFields, TaskSource, UserId};
use crate::prioritise::PERSONAL_TOUCH;

/// The dedup key of a moment's task: one open task per moment per account.
pub fn task_key(moment: &str) -> String {
    format!("engagement:{moment}")
}

/// What a firing's task is about: a moment of the ongoing phase or a late milestone.
#[derive(Debug, Clone, Copy)]
pub struct Purpose<'a> {
    pub title: &'a str,
    pub owner: OwnerFunction,
    pub objective: &'a str,
    pub priority: Priority,
    /// The rule in words: "day 91 of each contract term", "milestone late".
    pub rule: &'a str,
    /// A tier cadence's personal touch: its task is the one a logged touch closes.
    pub touch: bool,
}

impl<'a> Purpose<'a> {
    pub fn of_moment(m: &'a Moment, rule: &'a str) -> Purpose<'a> {
        Purpose {
            title: &m.title,
            owner: m.owner,
            objective: &m.objective,
            priority: m.priority,
            rule,
            touch: m.when == Trigger::TierCadence,
        }
    }

    pub fn of_late(m: &'a Milestone, rule: &'a str) -> Purpose<'a> {
        Purpose {
            title: &m.title,
            owner: m.owner,
            objective: &m.objective,
            priority: Priority::High,
            rule,
            touch: false,
        }
    }
}

/// The task a firing opens for `owner` (the account's owner for the function, or its CSM).
pub fn task_for(
    account: AccountId,
    account_name: &str,
    model: &str,
    purpose: Purpose,
    firing: &Firing,
    owner: Option<UserId>,
) -> TaskFields {
    let late = firing.moment.starts_with("late_");
    TaskFields {
        account_id: account,
        // The account's name in the title: lists and calendars mix accounts.
        title: if late {
            format!("Late: {}: {account_name}", purpose.title)
        } else {
            format!("{}: {account_name}", purpose.title)
        },
        owner_id: owner,
        due_on: Some(firing.due_on),
        priority: purpose.priority,
        source: if purpose.touch {
            TaskSource::Cadence
        } else {
            TaskSource::Engagement
        },
        reason: format!(
            "{model}, moment \"{}\" ({}): {}. Objective: {}. Owner: {}.",
            firing.moment,
            purpose.rule,
            firing.why,
            purpose.objective,
            purpose.owner.as_str().replace('_', " ")
        ),
        dedup_key: Some(if purpose.touch {
            PERSONAL_TOUCH.to_string()
        } else {
            task_key(&firing.moment)
        }),
    }
}

/// The same task for one more person (an objective's owner when it slips): one open task
/// per moment per account and person.
pub fn task_also_for(task: &TaskFields, owner: UserId) -> TaskFields {
    TaskFields {
        owner_id: Some(owner),
        reason: format!("You own the objective. {}", task.reason),
        dedup_key: task
            .dedup_key
            .as_ref()
            .map(|k| format!("{k}:owner:{owner}")),
        ..task.clone()
    }
}

#[cfg(test)]
mod tests;
