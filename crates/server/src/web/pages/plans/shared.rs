//! The customer's view of their plan, through the read-only link: signed out, no navigation,
//! without internal blockers or the team's notes, and clean on paper (print or save as PDF
//! from the browser). An unknown, expired or revoked link is a plain 404.

use super::{PlanBody, body};
use crate::AppState;
use crate::web::{Failure, PageResult, render};
use askama::Template;
use axum::extract::{Path, State};
use sherpa_core::AccountId;

#[derive(Template)]
#[template(path = "plan_shared.html")]
struct SharedPage {
    account_name: String,
    p: PlanBody,
    account: AccountId,
    csrf: String,
    recording: bool,
    today: String,
}

pub async fn show(State(s): State<AppState>, Path(secret): Path<String>) -> PageResult {
    let Some(shared) = s.app.shared_plan(&secret).await? else {
        return Err(Failure::not_found(
            "this link is not one we know, or it expired or was revoked; ask your customer success manager for a new one",
        ));
    };
    let today = s.store.clock().today();
    let plan = shared.plan;
    Ok(render(&SharedPage {
        account_name: plan.account_name.clone(),
        p: body(&plan, today),
        account: plan.account,
        csrf: String::new(),
        recording: false,
        today: today.to_string(),
    }))
}
