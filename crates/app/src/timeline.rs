//! The timeline: a person logs a call, meeting, email, note or review on an account.

use crate::{App, Caller, Error, Result, parse_field};
use chrono::{DateTime, Utc};
use sherpa_core::book::limits;
use sherpa_core::{
    AccountId, AccountRef, Activity, ActivityInput, ActivityKind, Email, PersonRef, required_text,
};

/// Log an activity on an account's timeline, as the caller.
#[derive(Debug, Clone)]
pub struct LogActivity {
    pub account: AccountId,
    pub kind: ActivityKind,
    /// When it happened; now when not given.
    pub occurred_at: Option<DateTime<Utc>>,
    /// The account's contacts who took part.
    pub attendees: Vec<Email>,
    /// What happened: required, so the timeline tells the next person something.
    pub summary: String,
}

impl LogActivity {
    pub fn kind(text: &str) -> Result<ActivityKind> {
        parse_field("kind", text)
    }

    pub fn attendee(text: &str) -> Result<Email> {
        Email::parse(text).map_err(|e| Error::invalid("attendees", e.0))
    }
}

impl App {
    /// Logs the activity; a personal touch answers the account's open touch task.
    pub async fn log_activity(&self, by: &Caller, cmd: LogActivity) -> Result<Activity> {
        let account = self.store.account(cmd.account).await?;
        let person = by.person()?;
        by.may(|u| u.may_log_activity(&account.fields.owners))?;
        if cmd.kind == ActivityKind::Automated {
            return Err(Error::invalid(
                "kind",
                "automated entries are written by the outbox when it sends; log a call, meeting, email, note, kickoff, training or review",
            ));
        }
        let summary = required_text("summary", &cmd.summary, limits::LONG_TEXT)
            .map_err(|e| Error::invalid("summary", e.0))?;
        let input = ActivityInput {
            account: AccountRef::Id(cmd.account),
            external_id: None,
            kind: cmd.kind,
            occurred_at: cmd.occurred_at.unwrap_or_else(|| self.store.clock().now()),
            by: Some(PersonRef::Id(person.id)),
            attendees: cmd.attendees,
            summary,
        };
        Ok(self.store.log_activity(&by.actor(), &input).await?)
    }
}
