//! The reassignment page (seed 003): plan a CSM's departure or shrink an over-full book, see the
//! proposed schedule (each account's day and new CSM, with what each CSM receives), approve it.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use serde::Deserialize;
use sherpa_app::ProposeReassignment;
use sherpa_core::UserId;
use sherpa_store::received;
use std::collections::HashMap;

struct MoveLine {
    account_id: String,
    account: String,
    arr: String,
    arr_amount: rust_decimal::Decimal,
    to: String,
    on: String,
    on_day: chrono::NaiveDate,
    status: String,
}

/// The columns a plan's schedule sorts by.
const SORTS: [&str; 5] = ["on", "account", "arr", "to", "status"];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReassignmentsQuery {
    problem: String,
    /// The column each schedule is sorted by (`-` first: descending); empty: by day.
    sort: String,
}

struct PlanView {
    id: i64,
    title: String,
    status: String,
    reason: String,
    moves: Vec<MoveLine>,
    /// "Alex Baker: 12 accounts, $1.2M".
    receivers: Vec<String>,
}

#[derive(Template)]
#[template(path = "reassignments.html")]
struct ReassignmentsPage {
    nav: Nav,
    csms: Vec<(UserId, String)>,
    plans: Vec<PlanView>,
    problem: String,
    today: String,
    sort: String,
}

impl ReassignmentsPage {
    fn sort_link(&self, field: &str) -> String {
        format!(
            "?{}",
            format::query(&[("sort", &format::next_sort(&self.sort, field))])
        )
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "on")
    }
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<ReassignmentsQuery>,
) -> PageResult {
    let users = s.store.users().await?;
    let names: HashMap<UserId, String> = users.iter().map(|u| (u.id, u.name.clone())).collect();
    let name = |u: UserId| names.get(&u).cloned().unwrap_or_else(|| u.to_string());
    let csms = users
        .iter()
        .filter(|u| u.active && u.function.serves_accounts())
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let currency = s.store.currency();
    let mut plans: Vec<PlanView> = s
        .store
        .reassignments()
        .await?
        .into_iter()
        .map(|plan| {
            let mut receivers: Vec<(UserId, (usize, rust_decimal::Decimal))> =
                received(&plan).into_iter().collect();
            receivers.sort_by_key(|r| std::cmp::Reverse(r.1.1));
            PlanView {
                id: plan.id,
                title: format!(
                    "{} of {}",
                    match plan.kind {
                        sherpa_core::prioritise::ReassignmentKind::Departure => "Departure",
                        sherpa_core::prioritise::ReassignmentKind::Rebalance => "Rebalance",
                    },
                    name(plan.from)
                ),
                status: plan.status.clone(),
                reason: plan.reason.clone(),
                receivers: receivers
                    .into_iter()
                    .map(|(u, (n, arr))| {
                        format!(
                            "{}: {n} accounts, {}",
                            name(u),
                            format::money(&sherpa_core::Money {
                                amount: arr,
                                currency
                            })
                        )
                    })
                    .collect(),
                moves: plan
                    .moves
                    .iter()
                    .map(|m| MoveLine {
                        account_id: m.account.to_string(),
                        account: m.account_name.clone(),
                        arr: format::money(&m.arr),
                        arr_amount: m.arr.amount,
                        to: name(m.to),
                        on: format::date(Some(m.on)),
                        on_day: m.on,
                        status: m.status.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    for plan in &mut plans {
        sort_rows(&mut plan.moves, &p.sort, &SORTS, |m, field| match field {
            "on" => Some(Key::number(i64::from(m.on_day.num_days_from_ce()))),
            "account" => Some(Key::text(&m.account)),
            "arr" => Some(Key::Number(m.arr_amount)),
            "to" => Some(Key::text(&m.to)),
            _ => Some(Key::text(&m.status)),
        })?;
    }
    Ok(render(&ReassignmentsPage {
        nav: Nav::new(&c, "reassignments"),
        csms,
        plans,
        problem: p.problem,
        today: s.store.clock().today().to_string(),
        sort: p.sort,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct PlanForm {
    kind: String,
    csm: String,
    /// Several values: the form's multi-select.
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    day: String,
    #[serde(default)]
    target_arr: String,
    reason: String,
}

fn back(problem: &str) -> PageResult {
    Ok(Redirect::to(&format!(
        "/reassignments?problem={}",
        format::url_encode(problem)
    ))
    .into_response())
}

/// Proposes a plan (leaders and admins).
pub async fn propose(
    State(s): State<AppState>,
    Signed(c): Signed,
    body: axum::body::Bytes,
) -> PageResult {
    let f: PlanForm = match plan_form(&body) {
        Ok(f) => f,
        Err(e) => return back(&e),
    };
    let day = match f.day.trim() {
        "" => None,
        d => match d.parse() {
            Ok(d) => Some(d),
            Err(_) => return back("day: a date like 2026-12-31"),
        },
    };
    let cmd = ProposeReassignment {
        kind: f.kind,
        csm: f.csm,
        recipients: f.recipients,
        day,
        target_arr: Some(f.target_arr).filter(|t| !t.trim().is_empty()),
        reason: f.reason,
    };
    match s.app.propose_reassignment(&c.caller(), cmd).await {
        Ok(_) => Ok(Redirect::to("/reassignments").into_response()),
        Err(e @ sherpa_app::Error::Invalid { .. }) => back(&e.to_string()),
        Err(e) => Err(e.into()),
    }
}

/// Reads a form whose `recipients` may repeat.
fn plan_form(bytes: &[u8]) -> Result<PlanForm, String> {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut recipients = Vec::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        if k == "recipients" {
            recipients.push(v.into_owned());
        } else {
            map.insert(k.into_owned(), v.into_owned());
        }
    }
    let get = |k: &str| map.get(k).cloned().unwrap_or_default();
    Ok(PlanForm {
        kind: get("kind"),
        csm: get("csm"),
        recipients,
        day: get("day"),
        target_arr: get("target_arr"),
        reason: get("reason"),
    })
}

pub async fn approve(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<i64>,
) -> PageResult {
    match s.app.approve_reassignment(&c.caller(), id).await {
        Ok(_) => Ok(Redirect::to("/reassignments").into_response()),
        Err(sherpa_app::Error::Conflict(m)) => back(&m),
        Err(e) => Err(e.into()),
    }
}
