//! Engagement models as configuration (seed 002's Customer Engagement Model, seed 000's
//! execution plans per tier): which model an account follows, by the ordered first-match rules
//! the scorecards use, and each model's onboarding milestones and ongoing moments. CS ops keeps
//! it in version control as the `[engagement]` part of the configuration file; a bad one names
//! its key and changes nothing.

use super::{EmailAction, WebhookAction};
use crate::assignment::{self, AssignmentRule};
use crate::book::{ActivityKind, OwnerFunction, Priority, RelationshipRole};
use crate::health::Colour;
use crate::plan::ObjectiveStatus;
use crate::prioritise::Recurrence;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementConfig {
    /// Which model an account follows: the first rule that holds; the last holds for all.
    pub rules: Vec<AssignmentRule>,
    pub models: Vec<EngagementModel>,
}

/// One way of engaging a kind of customer: an onboarding phase, then an ongoing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementModel {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The onboarding phase, in the order a customer is expected to pass them.
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// The ongoing phase: time-based and event-based moments.
    #[serde(default)]
    pub moments: Vec<Moment>,
}

/// An onboarding milestone, expected a number of days after the customer's first contract
/// started. A person completes it, or the signal named in `completed_by` does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub key: String,
    pub title: String,
    pub owner: OwnerFunction,
    pub objective: String,
    /// Expected this many days after the contract started.
    pub due_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<Completion>,
    /// Days late before an escalation task opens (seed 002: "if your customers haven't
    /// created x accounts in y weeks, that should trigger proactive engagement").
    #[serde(default = "escalation_grace")]
    pub escalate_after_days: u32,
}

fn escalation_grace() -> u32 {
    3
}

/// What completes a milestone without a person saying so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// The first event from any of the account's users (access activated, first login).
    FirstLogin,
    /// The first time a high-value feature is used (time to first value).
    FirstValue,
    /// The first tracked event with this name ("Report Created").
    Event(String),
    /// An activity of this kind logged with the customer (a kickoff, a training).
    Activity(ActivityKind),
    /// This many users active in 30 days ("x accounts in y weeks").
    ActiveUsers(u32),
}

impl Completion {
    pub fn describe(&self) -> String {
        match self {
            Completion::FirstLogin => "the first login".into(),
            Completion::FirstValue => "the first use of a high-value feature".into(),
            Completion::Event(e) => format!("the first {e:?} event"),
            Completion::Activity(k) => format!("a {k} logged"),
            Completion::ActiveUsers(n) => format!("{n} users active in 30 days"),
        }
    }
}

/// A moment of the ongoing phase: when it comes, a task opens for the owner, and its email or
/// webhook, if it has one, goes out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moment {
    pub key: String,
    pub title: String,
    pub owner: OwnerFunction,
    pub objective: String,
    pub when: Trigger,
    /// Days from the moment to the task's due date.
    #[serde(default = "moment_due")]
    pub due_in_days: u32,
    #[serde(default = "normal")]
    pub priority: Priority,
    /// Whether the moment opens a task for its owner; seed 000's Tier 3 touches are automated
    /// and need none.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub task: bool,
    /// Low-touch automation: an email to the account's contacts in given roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailAction>,
    /// Low-touch automation: a post to a webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookAction>,
    /// The activities that fulfil the moment: one of these kinds logged in its period (or
    /// since it came) means it does not fire, and logging one closes its open task. A
    /// business review logged this quarter answers the quarter's QBR.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answered_by: Vec<ActivityKind>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn moment_due() -> u32 {
    7
}

fn normal() -> Priority {
    Priority::Normal
}

/// When a moment comes. Time-based: `every`, `contract_day`, `renewal_in_days`; the rest are
/// event-based (seed 002).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Each period of an RFC 5545 rule ("FREQ=MONTHLY;INTERVAL=3" for a QBR each quarter).
    Every(String),
    /// Each period of the account's tier cadence (seed 001, set with the prioritisation rules)
    /// without a personal touch logged in it.
    TierCadence,
    /// This many days after the customer's first contract started: its age (seed 000).
    CustomerDay(u32),
    /// This many days into each contract term (seed 000: "a check-in in Q2").
    ContractDay(u32),
    /// This many days before the running term ends.
    RenewalInDays(u32),
    /// This many days (or fewer) before the running term ends, and nobody has made the call
    /// on its renewal (commit, likely, at risk or lost) nor signed the next term.
    RenewalWithoutCall(u32),
    /// A ticket opened at high or urgent severity.
    HighSeverityTicket,
    /// A product release an admin recorded.
    ProductRelease,
    /// A contact holding one of these roles departed.
    Departed(Vec<RelationshipRole>),
    /// A survey answer at or under a threshold, or an intent not to renew.
    PoorSurvey(PoorSurvey),
    /// No ticket opened for this many days (a quiet customer may be a disengaged one).
    NoTicketsForDays(u32),
    /// Nobody used the product for this many days, after someone had: an inactive customer.
    InactiveForDays(u32),
    /// Events in the last 7 days down this many percent from the 7 days before.
    UsageDownPercent(u32),
    /// Seat utilisation under this percent.
    SeatUtilisationBelow(u32),
    /// The health score turned to one of these colours.
    HealthTurned(Vec<Colour>),
    /// A quarter since the success plan was last refreshed (seed 004's quarterly refresh).
    PlanRefresh,
    /// A month with nothing on the success plan moving (seed 004's monthly update).
    PlanUpdate,
    /// An objective of the success plan turned to one of these statuses.
    ObjectiveTurned(Vec<ObjectiveStatus>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoorSurvey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nps_at_most: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_at_most: Option<i64>,
    #[serde(default)]
    pub would_not_renew: bool,
}

impl Trigger {
    /// Whether it is put on a calendar (seed 002's time-based moments).
    pub fn is_time_based(&self) -> bool {
        matches!(
            self,
            Trigger::Every(_)
                | Trigger::TierCadence
                | Trigger::CustomerDay(_)
                | Trigger::ContractDay(_)
                | Trigger::RenewalInDays(_)
                | Trigger::PlanRefresh
                | Trigger::PlanUpdate
        )
    }

    /// In words, for the page that lists a model's moments and for task reasons.
    pub fn describe(&self) -> String {
        match self {
            Trigger::Every(rule) => match Recurrence::new(rule, "UTC") {
                Ok(r) => r.describe(),
                Err(_) => rule.clone(),
            },
            Trigger::TierCadence => {
                "each period of the tier's cadence without a personal touch".into()
            }
            Trigger::CustomerDay(d) => format!("day {d} as a customer"),
            Trigger::ContractDay(d) => format!("day {d} of each contract term"),
            Trigger::RenewalInDays(d) => format!("{d} days before renewal"),
            Trigger::RenewalWithoutCall(d) => {
                format!("{d} days or less before renewal with no call made on it")
            }
            Trigger::HighSeverityTicket => "a high or urgent ticket".into(),
            Trigger::ProductRelease => "a product release".into(),
            Trigger::Departed(roles) => format!("a departed {}", role_words(roles, " or ")),
            Trigger::PoorSurvey(p) => {
                let mut parts = Vec::new();
                if let Some(n) = p.nps_at_most {
                    parts.push(format!("NPS {n} or less"));
                }
                if let Some(c) = p.csat_at_most {
                    parts.push(format!("CSAT {c} or less"));
                }
                if p.would_not_renew {
                    parts.push("would not renew".into());
                }
                format!("a survey answer of {}", parts.join(", "))
            }
            Trigger::NoTicketsForDays(d) => format!("no ticket for {d} days"),
            Trigger::InactiveForDays(d) => format!("no use of the product for {d} days"),
            Trigger::UsageDownPercent(p) => format!("usage down {p}% week over week"),
            Trigger::SeatUtilisationBelow(p) => format!("seat utilisation under {p}%"),
            Trigger::HealthTurned(colours) => format!(
                "health turned {}",
                colours
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Trigger::PlanRefresh => "a quarter since the success plan was refreshed".into(),
            Trigger::PlanUpdate => "a month with no update to the success plan".into(),
            Trigger::ObjectiveTurned(statuses) => format!(
                "a success plan objective turned {}",
                statuses
                    .iter()
                    .map(|s| s.as_str().replace('_', " "))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }
    }
}

/// Relationship roles in words: "champion or economic buyer".
pub fn role_words(roles: &[RelationshipRole], joiner: &str) -> String {
    roles
        .iter()
        .map(|r| r.as_str().replace('_', " "))
        .collect::<Vec<_>>()
        .join(joiner)
}

/// The longest wait a milestone or moment may name, in days.
pub const MAX_DAYS: u32 = 3 * 365;

impl EngagementConfig {
    pub fn model(&self, name: &str) -> Option<&EngagementModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// Checks the whole configuration; the error starts with the key that is wrong
    /// ("models[1].moments[2].when: ...").
    pub fn check(&self) -> Result<(), String> {
        let mut names: Vec<&str> = Vec::new();
        for (i, m) in self.models.iter().enumerate() {
            let at = format!("models[{i}]");
            if m.name.trim().is_empty() {
                return Err(format!("{at}.name: a model needs a name"));
            }
            if names.contains(&m.name.as_str()) {
                return Err(format!("{at}.name: a second model named {:?}", m.name));
            }
            names.push(&m.name);
            m.check(&at)?;
        }
        assignment::check(&self.rules, &names)
    }
}

impl EngagementModel {
    fn check(&self, at: &str) -> Result<(), String> {
        let mut keys: Vec<&str> = Vec::new();
        let key = |k: &'static str, i: usize, key: &str| -> Result<(), String> {
            let ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(format!(
                    "{at}.{k}[{i}].key: {key:?} is not a key (lower-case letters, digits and _)"
                ));
            }
            Ok(())
        };
        for (i, s) in self.milestones.iter().enumerate() {
            key("milestones", i, &s.key)?;
            if keys.contains(&s.key.as_str()) {
                return Err(format!("{at}.milestones[{i}].key: {:?} twice", s.key));
            }
            keys.push(&s.key);
            if s.title.trim().is_empty() {
                return Err(format!(
                    "{at}.milestones[{i}].title: a milestone needs a title"
                ));
            }
            for (field, days) in [
                ("due_days", s.due_days),
                ("escalate_after_days", s.escalate_after_days),
            ] {
                if days > MAX_DAYS {
                    return Err(format!(
                        "{at}.milestones[{i}].{field}: {days} days is more than {MAX_DAYS}"
                    ));
                }
            }
            if let Some(Completion::Event(e)) = &s.completed_by
                && e.trim().is_empty()
            {
                return Err(format!("{at}.milestones[{i}].completed_by: name the event"));
            }
        }
        for (i, m) in self.moments.iter().enumerate() {
            key("moments", i, &m.key)?;
            if m.key.starts_with("late_") {
                return Err(format!(
                    "{at}.moments[{i}].key: \"late_\" starts the keys of late milestones"
                ));
            }
            if keys.contains(&m.key.as_str()) {
                return Err(format!("{at}.moments[{i}].key: {:?} twice", m.key));
            }
            keys.push(&m.key);
            if m.title.trim().is_empty() {
                return Err(format!("{at}.moments[{i}].title: a moment needs a title"));
            }
            if m.due_in_days > MAX_DAYS {
                return Err(format!(
                    "{at}.moments[{i}].due_in_days: at most {MAX_DAYS} days"
                ));
            }
            m.when
                .check()
                .map_err(|e| format!("{at}.moments[{i}].when: {e}"))?;
            if !m.task && m.email.is_none() && m.webhook.is_none() {
                return Err(format!(
                    "{at}.moments[{i}].task: a moment without a task needs an email or a webhook"
                ));
            }
            if let Some(e) = &m.email {
                e.check()
                    .map_err(|e| format!("{at}.moments[{i}].email.{e}"))?;
            }
            if let Some(w) = &m.webhook {
                w.check()
                    .map_err(|e| format!("{at}.moments[{i}].webhook.{e}"))?;
            }
        }
        Ok(())
    }
}

impl Trigger {
    fn check(&self) -> Result<(), String> {
        match self {
            Trigger::Every(rule) => Recurrence::new(rule, "UTC")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Trigger::CustomerDay(d)
            | Trigger::ContractDay(d)
            | Trigger::RenewalInDays(d)
            | Trigger::RenewalWithoutCall(d)
            | Trigger::NoTicketsForDays(d)
            | Trigger::InactiveForDays(d)
                if *d > MAX_DAYS =>
            {
                Err(format!("at most {MAX_DAYS} days"))
            }
            Trigger::UsageDownPercent(p) if !(1..=100).contains(p) => {
                Err("a percentage from 1 to 100".into())
            }
            Trigger::SeatUtilisationBelow(p) if !(1..=100).contains(p) => {
                Err("a percentage from 1 to 100".into())
            }
            Trigger::Departed(roles) if roles.is_empty() => {
                Err("name the roles whose departure counts".into())
            }
            Trigger::HealthTurned(colours) if colours.is_empty() => Err("name the colours".into()),
            Trigger::ObjectiveTurned(s) if s.is_empty() => Err("name the statuses".into()),
            Trigger::PoorSurvey(p)
                if p.nps_at_most.is_none() && p.csat_at_most.is_none() && !p.would_not_renew =>
            {
                Err("name at least one of nps_at_most, csat_at_most, would_not_renew".into())
            }
            Trigger::PoorSurvey(p) if p.nps_at_most.is_some_and(|n| !(0..=10).contains(&n)) => {
                Err("nps_at_most: 0 to 10".into())
            }
            Trigger::PoorSurvey(p) if p.csat_at_most.is_some_and(|n| !(1..=5).contains(&n)) => {
                Err("csat_at_most: 1 to 5".into())
            }
            _ => Ok(()),
        }
    }
}
