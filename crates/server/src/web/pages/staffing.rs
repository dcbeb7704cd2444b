//! The staffing page (seeds 002, 003): CSM time each tier's plan needs against the team, each
//! CSM's book against the benchmark, the top tier's what-ifs; leaders set the CSM hours and the
//! share of them for accounts (the plans themselves live in the config file).

use crate::AppState;
use crate::handlers::staffing::{StaffingDto, staffing_view};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render, staffing_chart};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_core::Actor;
use sherpa_core::prioritise::{StaffingBasis, parse_plan, plan_text};
use sherpa_store::StoreError;

#[derive(Template)]
#[template(path = "staffing.html")]
struct StaffingPage {
    nav: Nav,
    s: StaffingDto,
    capacity: String,
    books: String,
    over: usize,
    under: usize,
    problem: String,
    arr: String,
    acv: String,
    /// The plans as text boxes: (number, label, "name; hours; times a year" lines).
    plans: Vec<(String, String, String)>,
    top: String,
}

pub async fn show(
    State(st): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<crate::web::Outcome>,
) -> PageResult {
    let s = staffing_view(&st.store).await.map_err(|e| {
        crate::web::Failure::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("{e:?}"),
        )
    })?;
    let needed: Vec<(String, f64)> = s
        .tiers
        .iter()
        .filter(|t| t.tier.is_some())
        .map(|t| (t.label.clone(), t.fte))
        .collect();
    let rows: Vec<(String, f64, &str)> = s
        .books
        .iter()
        .map(|b| (b.name.clone(), b.arr_millions, b.load.as_str()))
        .collect();
    let books = staffing_chart::books(
        &rows,
        s.benchmark_by_arr.p25,
        s.benchmark_by_arr.p50,
        s.benchmark_by_arr.p75,
    );
    let currency = st.store.currency();
    let money = |amount: &str| {
        format::money(&sherpa_core::Money {
            amount: amount.parse().unwrap_or_default(),
            currency,
        })
    };
    let (arr, acv) = (money(&s.company_arr.amount), money(&s.average_acv.amount));
    let rules = st.store.prioritisation_rules().await?;
    let plans = ["1", "2", "3"]
        .iter()
        .map(|n| {
            let label = match rules.staffing.basis {
                StaffingBasis::Tier => format!("Tier {n}"),
                StaffingBasis::Segment => {
                    format!("{n}. {}", rules.pareto.name(n.parse().unwrap_or(1)))
                }
            };
            let text = plan_text(rules.staffing.plans.get(*n).map_or(&[][..], Vec::as_slice));
            (n.to_string(), label, text)
        })
        .collect::<Vec<_>>();
    let top = plans[0].1.clone();
    Ok(render(&StaffingPage {
        plans,
        top,
        arr,
        acv,
        nav: Nav::new(&c, "staffing"),
        capacity: staffing_chart::capacity(&needed, s.fte_needed, s.csms as f64),
        over: s.books.iter().filter(|b| b.load == "over").count(),
        under: s.books.iter().filter(|b| b.load == "under").count(),
        books,
        s,
        problem: p.problem,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct ParamsForm {
    hours_per_year: String,
    account_time_percent: String,
    #[serde(default)]
    basis: String,
    #[serde(default, rename = "plan.1")]
    plan1: Option<String>,
    #[serde(default, rename = "plan.2")]
    plan2: Option<String>,
    #[serde(default, rename = "plan.3")]
    plan3: Option<String>,
}

/// Sets the CSM hours a year and the share for accounts (leaders and admins).
pub async fn set_params(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<ParamsForm>,
) -> PageResult {
    let back = |problem: &str| {
        Ok(Redirect::to(&format!(
            "/staffing?problem={}",
            format::url_encode(problem)
        ))
        .into_response())
    };
    let (Ok(hours), Ok(share)) = (
        f.hours_per_year.trim().parse::<u32>(),
        f.account_time_percent
            .trim()
            .trim_end_matches('%')
            .parse::<u8>(),
    ) else {
        return back("hours a year and the share for accounts are whole numbers");
    };
    let mut rules = s.store.prioritisation_rules().await?;
    rules.staffing.hours_per_year = hours;
    rules.staffing.account_time_percent = share;
    match f.basis.as_str() {
        "" => {}
        "tier" => rules.staffing.basis = StaffingBasis::Tier,
        "segment" => rules.staffing.basis = StaffingBasis::Segment,
        other => return back(&format!("basis: \"{other}\" is not tier or segment")),
    }
    for (n, text) in [("1", &f.plan1), ("2", &f.plan2), ("3", &f.plan3)] {
        let Some(text) = text else { continue };
        match parse_plan(text) {
            Ok(plan) => {
                rules.staffing.plans.insert(n.to_string(), plan);
            }
            Err(e) => return back(&format!("plans.{n} {e}")),
        }
    }
    match s
        .store
        .set_prioritisation_rules(&Actor::user(c.session.user.id, "web"), &rules)
        .await
    {
        Ok(_) => Ok(Redirect::to("/staffing").into_response()),
        Err(StoreError::Invalid { field, message }) => back(&format!("{field}: {message}")),
        Err(e) => Err(e.into()),
    }
}
