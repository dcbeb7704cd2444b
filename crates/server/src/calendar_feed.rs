//! The private calendar feed (ICS, RFC 5545) a person subscribes to from Google, Outlook or
//! Apple calendars: their open tasks with a due date as all-day events (personal touches,
//! gradings, the rest), and one repeating event per tier they hold accounts in, following the
//! tier's cadence.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use sherpa_core::prioritise::Cadence;
use sherpa_core::{Task, TaskSource};

/// One tier's reminder: its cadence and how many of the person's accounts follow it.
pub struct TierReminder {
    pub cadence: Cadence,
    pub accounts: i64,
}

/// The feed as text. `base` is the server's address, for links back to the accounts.
pub fn feed(
    owner: &str,
    tasks: &[Task],
    reminders: &[TierReminder],
    base: &str,
    now: DateTime<Utc>,
) -> String {
    let mut cal = Calendar::new();
    cal.name(&format!("Sherpa: {owner}"));
    cal.description("Personal-touch reminders by tier cadence and open Sherpa tasks");
    for t in tasks {
        let Some(due) = t.fields.due_on else { continue };
        let kind = match t.fields.source {
            TaskSource::Cadence => "personal touch",
            TaskSource::Grading => "grading",
            _ => "task",
        };
        cal.push(
            Event::new()
                .uid(&format!("task-{}@sherpa", t.id))
                .timestamp(now)
                .summary(&t.fields.title)
                .description(&format!(
                    "{} ({kind}, {} priority)",
                    t.fields.reason, t.fields.priority
                ))
                .url(&format!("{base}/accounts/{}", t.fields.account_id))
                .all_day(due)
                .done(),
        );
    }
    for r in reminders.iter().filter(|r| r.accounts > 0) {
        let Some(period) = r.cadence.period_at(now) else {
            continue;
        };
        let first = r.cadence.local_day(period.start);
        cal.push(
            Event::new()
                .uid(&format!("cadence-{}@sherpa", r.cadence.tier.get()))
                .timestamp(now)
                .summary(&format!(
                    "{} personal touches: {} accounts",
                    r.cadence.tier, r.accounts
                ))
                .description(&format!(
                    "The tier's cadence: each {} account gets a {} personal touch. Your book: {base}/book?tier={}",
                    r.cadence.tier,
                    r.cadence.describe(),
                    r.cadence.tier.get()
                ))
                .all_day(first)
                .add_property("RRULE", r.cadence.recurrence.rule.as_str())
                .done(),
        );
    }
    cal.done().to_string()
}
