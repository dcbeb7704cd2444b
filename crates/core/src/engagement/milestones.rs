//! Onboarding progress (seed 002): each milestone's expected day from the contract start, the
//! day it was completed and how, and the escalation a late one opens. The time between
//! consecutive milestones feeds the onboarding analytics.

use super::config::{Completion, EngagementModel, Milestone};
use super::moments::{CATCH_UP_DAYS, Firing};
use crate::book::{ActivityKind, Lifecycle, OwnerFunction};
use chrono::{Days, NaiveDate};
use std::collections::HashMap;

/// A kickoff or a training may be held a little before the contract starts.
pub const EARLY_DAYS: u64 = 30;

/// What can complete milestones without a person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    pub first_login: Option<NaiveDate>,
    pub first_value: Option<NaiveDate>,
    /// The first day of each tracked event name the milestones ask about.
    pub first_events: HashMap<String, NaiveDate>,
    /// Activities with the customer by kind and day.
    pub activities: Vec<(ActivityKind, NaiveDate)>,
    /// Users active in the 30 days up to today.
    pub active_users: u32,
}

/// A completion already recorded (by a person or by an earlier sweep): it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub on: NaiveDate,
    pub how: String,
}

/// A milestone of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneState {
    pub key: String,
    pub title: String,
    pub owner: OwnerFunction,
    pub objective: String,
    pub expected_on: NaiveDate,
    pub completed: Option<Recorded>,
}

impl MilestoneState {
    /// Days past the expected day while not completed.
    pub fn days_late(&self, today: NaiveDate) -> Option<i64> {
        let late = (today - self.expected_on).num_days();
        (self.completed.is_none() && late > 0).then_some(late)
    }
}

fn detect(c: &Completion, s: &Signals, since: NaiveDate, today: NaiveDate) -> Option<Recorded> {
    let early = since
        .checked_sub_days(Days::new(EARLY_DAYS))
        .unwrap_or(since);
    let (on, how) = match c {
        Completion::FirstLogin => (s.first_login?, "first login".to_string()),
        Completion::FirstValue => (
            s.first_value?,
            "first use of a high-value feature".to_string(),
        ),
        Completion::Event(name) => (*s.first_events.get(name)?, format!("first {name:?} event")),
        Completion::Activity(kind) => {
            let on = s
                .activities
                .iter()
                .filter(|(k, d)| k == kind && *d >= early)
                .map(|(_, d)| *d)
                .min()?;
            (on, format!("{kind} logged"))
        }
        // Seen today: the day the count was reached is not kept by the rollups.
        Completion::ActiveUsers(n) if s.active_users >= *n => {
            (today, format!("{} users active in 30 days", s.active_users))
        }
        Completion::ActiveUsers(_) => return None,
    };
    Some(Recorded {
        on: on.max(early),
        how,
    })
}

/// The account's milestones as of today: the recorded completions, then what the signals
/// complete.
pub fn progress(
    model: &EngagementModel,
    since: NaiveDate,
    signals: &Signals,
    recorded: &HashMap<String, Recorded>,
    today: NaiveDate,
) -> Vec<MilestoneState> {
    model
        .milestones
        .iter()
        .map(|m| MilestoneState {
            key: m.key.clone(),
            title: m.title.clone(),
            owner: m.owner,
            objective: m.objective.clone(),
            expected_on: since
                .checked_add_days(Days::new(m.due_days.into()))
                .unwrap_or(since),
            completed: recorded.get(&m.key).cloned().or_else(|| {
                m.completed_by
                    .as_ref()
                    .and_then(|c| detect(c, signals, since, today))
            }),
        })
        .collect()
}

/// The last day of onboarding that starts `since`: the last milestone's expected day and the
/// time its escalation may still fire (a customer does not stay in onboarding for ever).
pub fn onboarding_ends(model: &EngagementModel, since: NaiveDate) -> NaiveDate {
    let days = model
        .milestones
        .iter()
        .map(|m| {
            u64::from(m.due_days) + u64::from(m.escalate_after_days) + 1 + CATCH_UP_DAYS as u64
        })
        .max()
        .unwrap_or(0);
    since.checked_add_days(Days::new(days)).unwrap_or(since)
}

/// Whether the account is past onboarding: churned, every milestone done, or its onboarding
/// ended (an imported book of mature customers is past it). Past onboarding, a milestone not
/// done is history, not debt. An "ongoing" stage does not end onboarding by itself: CRMs call
/// a customer signed yesterday a customer.
pub fn onboarded(
    model: &EngagementModel,
    states: &[MilestoneState],
    lifecycle: Option<Lifecycle>,
    since: NaiveDate,
    today: NaiveDate,
) -> bool {
    lifecycle == Some(Lifecycle::Churned)
        || states.iter().all(|s| s.completed.is_some())
        || today > onboarding_ends(model, since)
}

/// The escalation task of each milestone late by more than its grace: once per onboarding,
/// within the catch-up week after the grace ran out. Only for accounts in onboarding.
pub fn escalations<'a>(
    model: &'a EngagementModel,
    states: &[MilestoneState],
    since: NaiveDate,
    today: NaiveDate,
) -> Vec<(Firing, &'a Milestone)> {
    let mut out = Vec::new();
    for (m, s) in model.milestones.iter().zip(states) {
        let Some(late) = s.days_late(today) else {
            continue;
        };
        // Late past its grace, and not by so much that it is history (a book imported with
        // customers years past onboarding escalates nothing).
        let grace = i64::from(m.escalate_after_days);
        if late <= grace || late > grace + 1 + CATCH_UP_DAYS {
            continue;
        }
        let waiting = m
            .completed_by
            .as_ref()
            .map_or("a person to mark it done".to_string(), Completion::describe);
        out.push((
            Firing {
                moment: escalation_key(&m.key),
                occurrence: format!("onboarding:{since}"),
                due_on: today.checked_add_days(Days::new(2)).unwrap_or(today),
                why: format!(
                    "\"{}\" was expected by {} (day {} of onboarding) and is {late} days late; \
                     waiting for {waiting}",
                    m.title, s.expected_on, m.due_days
                ),
            },
            m,
        ));
    }
    out
}

/// The key an escalation of milestone `key` fires under.
pub fn escalation_key(key: &str) -> String {
    format!("late_{key}")
}
