//! The customer's voice: support tickets from the help desk and survey answers (NPS, CSAT, CES,
//! and "if your contract ended today, would you renew?").

use super::enums::vocabulary;
use super::{AccountId, ContactId, Invalid, SurveyId, TicketId};
use chrono::{DateTime, NaiveDate, Utc};

vocabulary!(
    /// How bad a ticket is; help desks call it priority or severity.
    Severity, "ticket severity" {
        Low => "low" | "p4" | "minor",
        // Intercom marks a conversation "priority" or "not priority".
        Normal => "normal" | "p3" | "medium" | "moderate" | "not_priority",
        High => "high" | "p2" | "major" | "priority",
        Urgent => "urgent" | "p1" | "critical" | "blocker",
    }
);

vocabulary!(
    TicketStatus, "ticket status" {
        New => "new",
        Open => "open" | "in_progress" | "active",
        // Freshdesk's waiting statuses; Intercom snoozes.
        Pending => "pending" | "waiting" | "snoozed" | "waiting_on_customer" | "waiting_on_third_party",
        OnHold => "on_hold" | "hold",
        Solved => "solved" | "resolved",
        Closed => "closed",
    }
);

impl TicketStatus {
    /// Still waiting on someone.
    pub fn is_open(&self) -> bool {
        !matches!(self, TicketStatus::Solved | TicketStatus::Closed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: TicketId,
    pub fields: TicketFields,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFields {
    pub account_id: AccountId,
    /// The help desk's id; a re-import updates the ticket.
    pub external_id: Option<String>,
    pub subject: String,
    pub opened_at: DateTime<Utc>,
    pub severity: Severity,
    pub status: TicketStatus,
    pub resolved_at: Option<DateTime<Utc>>,
    pub escalated: bool,
    /// The requester's satisfaction, 1 to 5.
    pub csat: Option<i64>,
}

impl TicketFields {
    /// Names the first field that contradicts the others.
    pub fn check(&self) -> Result<(), Invalid> {
        if let Some(r) = self.resolved_at
            && r < self.opened_at
        {
            return Err(Invalid(
                "resolved_at: a ticket cannot be resolved before it was opened".into(),
            ));
        }
        if let Some(c) = self.csat
            && !(1..=5).contains(&c)
        {
            return Err(Invalid(format!(
                "csat: {c} is not a satisfaction score from 1 to 5"
            )));
        }
        Ok(())
    }

    /// How long it took to resolve, for resolved tickets.
    pub fn resolution(&self) -> Option<chrono::Duration> {
        self.resolved_at.map(|r| r - self.opened_at)
    }
}

vocabulary!(
    SurveyKind, "survey" {
        Nps => "nps" | "net_promoter_score",
        Csat => "csat" | "satisfaction",
        Ces => "ces" | "effort" | "customer_effort_score",
        RenewIntent => "renew_intent" | "renewal_intent" | "would_renew",
    }
);

impl SurveyKind {
    /// The scores the survey allows; `None` for the yes/no/unsure renewal question.
    pub fn scale(&self) -> Option<(i64, i64)> {
        match self {
            SurveyKind::Nps => Some((0, 10)),
            SurveyKind::Csat => Some((1, 5)),
            SurveyKind::Ces => Some((1, 7)),
            SurveyKind::RenewIntent => None,
        }
    }
}

vocabulary!(
    /// "If your contract ended today, would you renew?"
    RenewIntent, "renewal intent" {
        Yes => "yes" | "y" | "true",
        No => "no" | "n" | "false",
        Unsure => "unsure" | "maybe" | "not_sure" | "dont_know",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub id: SurveyId,
    pub fields: SurveyFields,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyFields {
    pub account_id: AccountId,
    pub contact_id: Option<ContactId>,
    /// The survey tool's response id; a re-import updates the answer.
    pub external_id: Option<String>,
    pub kind: SurveyKind,
    pub score: Option<i64>,
    pub intent: Option<RenewIntent>,
    pub comment: Option<String>,
    pub answered_on: NaiveDate,
}

impl SurveyFields {
    /// A score on the survey's scale, or the renewal answer for the renewal question.
    pub fn check(&self) -> Result<(), Invalid> {
        match (self.kind.scale(), self.score, self.intent) {
            (Some((lo, hi)), Some(s), _) if (lo..=hi).contains(&s) => Ok(()),
            (Some((lo, hi)), Some(s), _) => Err(Invalid(format!(
                "score: {s} is outside the {} scale of {lo} to {hi}",
                self.kind
            ))),
            (Some((lo, hi)), None, _) => Err(Invalid(format!(
                "score: a {} answer needs a score from {lo} to {hi}",
                self.kind
            ))),
            (None, _, Some(_)) => Ok(()),
            (None, _, None) => Err(Invalid(
                "answer: the renewal question needs yes, no or unsure".into(),
            )),
        }
    }
}

/// Net Promoter Score of a set of 0-10 answers: % promoters (9-10) minus % detractors (0-6).
pub fn nps(scores: &[i64]) -> Option<i64> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as i64;
    let promoters = scores.iter().filter(|s| **s >= 9).count() as i64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as i64;
    Some(((promoters - detractors) * 100 + n / 2).div_euclid(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_must_fit_their_scale() {
        let mut s = SurveyFields {
            account_id: AccountId(1),
            contact_id: None,
            external_id: None,
            kind: SurveyKind::Nps,
            score: Some(11),
            intent: None,
            comment: None,
            answered_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        };
        assert!(s.check().unwrap_err().0.contains("0 to 10"));
        s.score = Some(10);
        assert!(s.check().is_ok());
        s.kind = SurveyKind::RenewIntent;
        s.score = None;
        assert!(s.check().unwrap_err().0.contains("yes, no or unsure"));
        assert_eq!(
            "Don't know"
                .replace('\'', "")
                .parse::<RenewIntent>()
                .unwrap(),
            RenewIntent::Unsure
        );
        assert_eq!("P1".parse::<Severity>().unwrap(), Severity::Urgent);
    }

    #[test]
    fn nps_is_promoters_minus_detractors() {
        assert_eq!(nps(&[10, 9, 8, 3]), Some(25));
        assert_eq!(nps(&[0, 0]), Some(-100));
        assert_eq!(nps(&[]), None);
    }
}
