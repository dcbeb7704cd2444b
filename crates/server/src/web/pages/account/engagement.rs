//! The engagement engine on the account 360 (seeds 000 and 002): the model the account follows
//! and which rule chose it, its onboarding milestones (expected, done and how, late), its open
//! tasks with why each exists, and the moments fired for it; a form to mark a milestone done.

use super::{account_id, contact_id, refused};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Failure, PageResult, format};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::CompleteMilestone;
use sherpa_core::{AccountId, Lifecycle, TaskStatus};
use sherpa_store::{Store, TaskQuery};

pub(super) struct MilestoneLine {
    pub key: String,
    pub title: String,
    pub owner: String,
    pub objective: String,
    pub expected: String,
    /// "18 Jan 2026 (kickoff logged)", or empty.
    pub done: String,
    /// "4 days late" while in onboarding, or empty.
    pub late: String,
}

pub(super) struct TaskLine {
    pub title: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub priority: String,
    pub reason: String,
}

pub(super) struct FiredLine {
    pub on: String,
    pub moment: String,
    pub why: String,
}

pub(super) struct EngagementSection {
    pub model: String,
    pub why: String,
    /// "Onboarding", "Ongoing" or "Not a customer yet".
    pub phase: &'static str,
    pub milestones: Vec<MilestoneLine>,
    pub tasks: Vec<TaskLine>,
    pub fired: Vec<FiredLine>,
    /// Whether the viewer may mark milestones done: during onboarding only.
    pub may_complete: bool,
    /// What a milestone not done reads: "not yet" during onboarding, "not recorded" after.
    pub not_done: &'static str,
    pub today: String,
}

/// The section of account `id`; `may_complete` when the viewer may mark milestones done.
pub(super) async fn section(
    store: &Store,
    id: AccountId,
    may_complete: bool,
) -> Result<EngagementSection, Failure> {
    let today = store.clock().today();
    let e = store.account_engagement(id).await?;
    let users = store.users().await?;
    let name = |u: Option<sherpa_core::UserId>| {
        u.and_then(|u| users.iter().find(|x| x.id == u))
            .map_or_else(|| "nobody".to_string(), |x| x.name.clone())
    };
    let tasks = store
        .tasks(&TaskQuery {
            account: Some(id),
            status: Some(TaskStatus::Open),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let mut tasks: Vec<_> = tasks.into_iter().collect();
    tasks.sort_by_key(|t| t.fields.due_on);
    let in_onboarding = e.in_onboarding();
    Ok(EngagementSection {
        phase: match e.phase() {
            None => "Not a customer yet",
            Some(Lifecycle::Onboarding) => "Onboarding",
            Some(Lifecycle::Ongoing) => "Ongoing",
            Some(Lifecycle::Churned) => "Churned: no moment fires, nothing is owed",
        },
        model: e.model.clone(),
        why: e.why.clone(),
        milestones: e
            .milestones
            .iter()
            .map(|m| MilestoneLine {
                key: m.key.clone(),
                title: m.title.clone(),
                owner: m.owner.as_str().replace('_', " "),
                objective: m.objective.clone(),
                expected: m.expected_on.format("%d %b %Y").to_string(),
                done: m
                    .completed
                    .as_ref()
                    .map(|c| format!("{} ({})", c.on.format("%d %b %Y"), c.how))
                    .unwrap_or_default(),
                late: e
                    .days_late(m, today)
                    .map(|d| format!("{d} days late"))
                    .unwrap_or_default(),
            })
            .collect(),
        tasks: tasks
            .into_iter()
            .map(|t| TaskLine {
                owner: name(t.fields.owner_id),
                due: t
                    .fields
                    .due_on
                    .map(|d| d.format("%d %b").to_string())
                    .unwrap_or_default(),
                overdue: t.fields.due_on.is_some_and(|d| d < today),
                priority: t.fields.priority.to_string(),
                title: t.fields.title,
                reason: t.fields.reason,
            })
            .collect(),
        fired: e
            .fired
            .into_iter()
            .take(10)
            .map(|f| FiredLine {
                on: format::date(Some(f.fired_on)),
                moment: f.moment.replace('_', " "),
                why: f.why,
            })
            .collect(),
        may_complete: may_complete && in_onboarding,
        not_done: if in_onboarding {
            "not yet"
        } else {
            "not recorded"
        },
        today: today.to_string(),
    })
}

#[derive(Deserialize)]
pub struct CompleteForm {
    completed_on: chrono::NaiveDate,
}

/// Marks a milestone done on the day given; back to the account's engagement section.
pub async fn complete(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path((id, key)): Path<(String, String)>,
    Form(f): Form<CompleteForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let cmd = CompleteMilestone {
        account: id,
        milestone: key,
        on: Some(f.completed_on),
    };
    let problem = match s.app.complete_milestone(&c.caller(), cmd).await {
        Ok(()) => return Ok(Redirect::to(&format!("/accounts/{id}#engagement")).into_response()),
        Err(e) => crate::web::pages::problem(e)?,
    };
    refused(
        &s,
        &c,
        id,
        format!("The milestone was not marked done: {problem}. Nothing was changed."),
    )
    .await
}

#[derive(Deserialize)]
pub struct ConsentForm {
    stop: bool,
    /// Lifting an unsubscribe: the person's word (admins only).
    #[serde(default)]
    reason: String,
}

/// Stops a contact's automated emails (they asked on a call): the same list the unsubscribe
/// link writes to; or, for an admin with the person's word, lifts their unsubscribe.
pub async fn email_consent(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path((id, contact)): Path<(String, String)>,
    Form(f): Form<ConsentForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let contact = contact_id(&contact)?;
    if f.stop {
        s.app
            .stop_contact_emails(&c.caller(), contact, Some(id))
            .await?;
    } else {
        s.app
            .lift_unsubscribe(&c.caller(), contact, Some(id), &f.reason)
            .await?;
    }
    Ok(Redirect::to(&format!("/accounts/{id}#map-h")).into_response())
}
