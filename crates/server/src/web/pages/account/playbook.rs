//! The at-risk playbook on the account 360 (seed 003): the open one with its tasks, their
//! owners and due dates, and a form to close it with its outcome; the ones closed before.

use super::{account_id, refused};
use crate::AppState;
use crate::web::PageResult;
use crate::web::session::Signed;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::ClosePlaybook;
use sherpa_core::health::PlaybookOutcome;
use sherpa_core::{AccountId, TaskStatus};
use sherpa_store::Store;

pub(super) struct PlaybookTaskLine {
    pub title: String,
    pub owner: String,
    pub due: String,
    pub status: &'static str,
    pub overdue: bool,
}

pub(super) struct PlaybookView {
    pub id: i64,
    /// "Turned red from yellow on 21 Nov 2026 (score 31)".
    pub opened: String,
    pub colour: &'static str,
    pub open: bool,
    /// "recovered: exec call fixed it", for a closed one.
    pub outcome: String,
    pub tasks: Vec<PlaybookTaskLine>,
}

/// The outcomes a person may close a playbook with: value and label.
pub(super) const OUTCOMES: [(&str, &str); 4] = [
    ("recovered", "Recovered"),
    ("still_at_risk", "Still at risk"),
    ("churned", "Churned"),
    ("false_alarm", "False alarm"),
];

/// The account's playbooks, newest first (the open one, if any, is the first).
pub(super) async fn playbooks(
    store: &Store,
    id: AccountId,
) -> Result<Vec<PlaybookView>, crate::web::Failure> {
    let today = store.clock().today();
    let users = store.users().await?;
    let name = |u: Option<sherpa_core::UserId>| {
        u.and_then(|u| users.iter().find(|x| x.id == u))
            .map_or_else(|| "nobody".to_string(), |x| x.name.clone())
    };
    Ok(store
        .account_playbooks(id)
        .await?
        .into_iter()
        .map(|p| PlaybookView {
            id: p.id,
            opened: format!(
                "Turned {}{} on {}{}",
                p.colour.as_str(),
                p.from_colour
                    .map(|c| format!(" from {}", c.as_str()))
                    .unwrap_or_default(),
                p.opened_at.format("%d %b %Y"),
                p.score
                    .map(|s| format!(" (score {s:.0})"))
                    .unwrap_or_default()
            ),
            colour: p.colour.as_str(),
            open: p.closed_at.is_none(),
            outcome: match (p.outcome, p.note.as_deref()) {
                (Some(o), Some(n)) if !n.is_empty() => format!("{}: {n}", label(o)),
                (Some(o), _) => label(o).to_string(),
                (None, _) => String::new(),
            },
            tasks: p
                .tasks
                .iter()
                .map(|t| PlaybookTaskLine {
                    title: t.fields.title.clone(),
                    owner: name(t.fields.owner_id),
                    due: t
                        .fields
                        .due_on
                        .map(|d| d.format("%d %b").to_string())
                        .unwrap_or_default(),
                    status: t.status.as_str(),
                    overdue: t.status == TaskStatus::Open
                        && t.fields.due_on.is_some_and(|d| d < today),
                })
                .collect(),
        })
        .collect())
}

fn label(o: PlaybookOutcome) -> &'static str {
    OUTCOMES
        .iter()
        .find(|(v, _)| *v == o.as_str())
        .map_or("closed", |(_, l)| l)
}

#[derive(Deserialize)]
pub struct CloseForm {
    outcome: String,
    #[serde(default)]
    note: String,
}

/// Closes the account's playbook with its outcome; back to the account's health.
pub async fn close(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path((id, playbook)): Path<(String, String)>,
    Form(f): Form<CloseForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let playbook: i64 = playbook
        .parse()
        .map_err(|_| crate::web::Failure::not_found(format!("no playbook {playbook}")))?;
    let result = async {
        let cmd = ClosePlaybook {
            playbook,
            on_account: Some(id),
            outcome: ClosePlaybook::outcome(&f.outcome)?,
            note: f.note,
        };
        s.app.close_playbook(&c.caller(), cmd).await
    }
    .await;
    let problem = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/accounts/{id}#playbook")).into_response()),
        Err(e) => crate::web::pages::problem(e)?,
    };
    refused(
        &s,
        &c,
        id,
        format!("The playbook was not closed: {problem}. Nothing was changed."),
    )
    .await
}
