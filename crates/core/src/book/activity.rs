//! Activities: the account timeline of calls, meetings, emails, notes and reviews.

use super::enums::vocabulary;
use super::{AccountId, ActivityId, ContactId, UserId};
use chrono::{DateTime, Utc};

vocabulary!(
    ActivityKind, "activity kind" {
        Call => "call",
        Meeting => "meeting",
        Email => "email",
        Note => "note",
        Kickoff => "kickoff",
        Training => "training",
        Qbr => "qbr" | "business_review",
        Ebr => "ebr" | "executive_business_review",
        // Last: the log form offers every kind before it.
        Automated => "automated",
    }
);

impl ActivityKind {
    /// A personal touch with the customer (seed 001's cadence): a note is not one, nor an
    /// automated email.
    pub fn is_personal_touch(&self) -> bool {
        !matches!(self, ActivityKind::Note | ActivityKind::Automated)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: ActivityId,
    pub fields: ActivityFields,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFields {
    pub account_id: AccountId,
    pub external_id: Option<String>,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub attendees: Vec<ContactId>,
    pub summary: String,
}
