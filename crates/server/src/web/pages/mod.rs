//! One module per page of the UI, and what their forms share: how a use case's refusal reads.

pub mod account;
pub mod admin;
pub mod adoption;
pub mod adoption_form;
pub mod audit;
pub mod backtest;
pub mod book;
pub mod cadence;
pub mod effectiveness;
pub mod effectiveness_form;
pub mod form_state;
pub mod health;
pub mod home;
pub mod import;
pub mod intake;
pub mod login;
pub mod me;
pub mod milestones_form;
pub mod model_rows;
pub mod models;
pub mod moments_form;
pub mod nine_box;
pub mod outbox;
pub mod plans;
pub mod playbook_form;
pub mod portfolio;
pub mod prioritisation;
pub mod reassignments;
pub mod revenue;
pub mod rules_form;
pub mod scorecard_form;
pub mod scorecards;
pub mod search;
pub mod segments;
pub mod staffing;
pub mod tasks;
pub mod team;
pub mod unsubscribe;

use crate::web::Failure;

/// What a refused use case tells the form: the rule in words ("tier: B1 sits between ..."). A
/// missing record, a denial or a database failure is a page of its own.
pub(crate) fn problem(e: sherpa_app::Error) -> Result<String, Failure> {
    match e {
        sherpa_app::Error::Invalid { .. } | sherpa_app::Error::Conflict(_) => Ok(e.to_string()),
        e => Err(e.into()),
    }
}

/// A whole number typed into a form field; the use case checks its range.
pub(crate) fn number(field: &str, text: &str) -> sherpa_app::Result<i64> {
    text.trim().parse().map_err(|_| {
        sherpa_app::Error::invalid(field, format!("\"{}\" is not a whole number", text.trim()))
    })
}
