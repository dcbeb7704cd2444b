//! Gradual reassignment: a leader proposes a schedule of account moves (a CSM's departure, or
//! an over-full book made smaller) and approves it; nothing moves until then.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sherpa_core::prioritise::ReassignmentKind;
use sherpa_core::{PersonRef, UserId};
use sherpa_store::{ReassignmentPlan, ReassignmentRequest, StoreError};
use std::str::FromStr;

/// Propose a schedule, with the team members named as people type them (an id or an email).
#[derive(Debug, Clone)]
pub struct ProposeReassignment {
    /// departure or rebalance.
    pub kind: String,
    /// The CSM whose accounts move.
    pub csm: String,
    /// Who may receive them.
    pub recipients: Vec<String>,
    /// The departure day, or the day the plan starts from; today when none.
    pub day: Option<NaiveDate>,
    /// For a rebalance: the ARR the book keeps.
    pub target_arr: Option<String>,
    pub reason: String,
}

impl App {
    /// Proposes a schedule of moves (leaders and admins).
    pub async fn propose_reassignment(
        &self,
        by: &Caller,
        cmd: ProposeReassignment,
    ) -> Result<ReassignmentPlan> {
        by.may(|u| u.may_manage_book())?;
        let kind = ReassignmentKind::parse(cmd.kind.trim())
            .ok_or_else(|| Error::invalid("kind", "departure or rebalance"))?;
        let mut recipients = Vec::new();
        for (i, r) in cmd.recipients.iter().enumerate() {
            recipients.push(self.team_member(&format!("recipients[{i}]"), r).await?);
        }
        let target_arr = match (kind, cmd.target_arr.as_deref().map(str::trim)) {
            (ReassignmentKind::Rebalance, None | Some("")) => {
                return Err(Error::invalid(
                    "target_arr",
                    "the ARR the book keeps, like 2500000",
                ));
            }
            (_, Some(t)) if !t.is_empty() => Decimal::from_str(t)
                .map_err(|_| Error::invalid("target_arr", "a decimal amount, like 2500000"))?,
            _ => Decimal::ZERO,
        };
        let request = ReassignmentRequest {
            kind,
            from: self.team_member("csm", &cmd.csm).await?,
            recipients,
            day: cmd.day.unwrap_or_else(|| self.store.clock().today()),
            target_arr,
            reason: cmd.reason,
        };
        Ok(self
            .store
            .propose_reassignment(&by.actor(), &request)
            .await?)
    }

    /// Approves a proposed plan (leaders and admins): each move happens on its day.
    pub async fn approve_reassignment(&self, by: &Caller, plan: i64) -> Result<ReassignmentPlan> {
        by.may(|u| u.may_manage_book())?;
        Ok(self.store.approve_reassignment(&by.actor(), plan).await?)
    }

    /// A team member named by id or email; one who does not exist is a refusal naming the field.
    pub async fn team_member(&self, field: &str, text: &str) -> Result<UserId> {
        let r = match text.trim().parse::<UserId>() {
            Ok(id) => PersonRef::Id(id),
            Err(_) => PersonRef::from_text(text)
                .map_err(|e| Error::invalid(field, e.0))?
                .ok_or_else(|| Error::invalid(field, "a user id or email"))?,
        };
        match self.store.find_person(&r).await {
            Err(StoreError::NotFound { .. }) => {
                Err(Error::invalid(field, format!("no team member {text:?}")))
            }
            // The store names its own field ("person"); the caller's form named this one.
            Err(StoreError::Invalid { message, .. }) => Err(Error::invalid(field, message)),
            other => Ok(other?),
        }
    }
}
