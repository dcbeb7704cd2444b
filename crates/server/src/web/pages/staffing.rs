//! The staffing page (seeds 002, 003): CSM time each tier's plan needs against the team, each
//! CSM's book against the benchmark, the top tier's what-ifs; leaders set the CSM hours and the
//! share of them for accounts (the plans themselves live in the config file).

use crate::AppState;
use crate::web::session::Signed;
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Failure, Nav, PageResult, format, render, staffing_chart};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use sherpa_app::{PrioritisationConfig, Staffing, tenths};
use sherpa_core::prioritise::Load;
use sherpa_core::prioritise::{StaffingBasis, parse_plan, plan_text};

/// A tier's (or segment's) row: its need in words and figures.
struct GroupLine {
    label: String,
    accounts: i64,
    hours_per_account: String,
    hours: String,
    fte: String,
}

/// A CSM's (or a pool's) book: its ARR and the hours its plans need of their time.
struct BookLine {
    name: String,
    accounts: i64,
    arr: String,
    plan_hours: String,
    time_percent: String,
    /// "over capacity", "at capacity" or "room for more", and its class.
    load: &'static str,
    class: &'static str,
}

impl BookLine {
    fn of(b: &sherpa_app::CsmBook) -> Self {
        let (load, class) = match b.load {
            Load::Over => ("over capacity", "over"),
            Load::Within => ("at capacity", "within"),
            Load::Under => ("room for more", "under"),
        };
        BookLine {
            name: b.name.clone(),
            accounts: b.accounts,
            arr: format::money(&b.arr),
            plan_hours: b.plan_hours.round_dp(0).to_string(),
            time_percent: b.time_percent.to_string(),
            load,
            class,
        }
    }
}

#[derive(Template)]
#[template(path = "staffing.html")]
struct StaffingPage {
    nav: Nav,
    s: Staffing,
    /// "tier" or "segment".
    basis: &'static str,
    tiers: Vec<GroupLine>,
    fte_needed: String,
    csms_by_benchmark: String,
    understaffed: bool,
    capacity: String,
    books: String,
    book_lines: Vec<BookLine>,
    pools: Vec<BookLine>,
    over: usize,
    under: usize,
    problem: String,
    /// The column the books are sorted by (`-` first: descending); empty: as the team is.
    sort: String,
    arr: String,
    acv: String,
    /// The plans as text boxes: (number, label, "name; hours; times a year" lines).
    plans: Vec<(String, String, String)>,
    top: String,
}

/// What the staffing page's address carries: a refusal to show, and the books' sort.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffingQuery {
    problem: String,
    sort: String,
}

/// The columns the books sort by.
const SORTS: [&str; 6] = ["csm", "accounts", "arr", "plan_hours", "time", "capacity"];

/// The books' lines, sorted by a column (capacity ascending: room for more first).
fn book_lines(books: &[sherpa_app::CsmBook], sort: &str) -> Result<Vec<BookLine>, Failure> {
    let mut books: Vec<&sherpa_app::CsmBook> = books.iter().collect();
    sort_rows(&mut books, sort, &SORTS, |b, field| {
        Some(match field {
            "csm" => Key::text(&b.name),
            "accounts" => Key::number(b.accounts),
            "arr" => Key::Number(b.arr.amount),
            "plan_hours" => Key::Number(b.plan_hours),
            "time" => Key::Number(b.time_percent),
            _ => Key::number(match b.load {
                Load::Under => 0,
                Load::Within => 1,
                Load::Over => 2,
            }),
        })
    })?;
    Ok(books.into_iter().map(BookLine::of).collect())
}

impl StaffingPage {
    fn sort_link(&self, field: &str) -> String {
        format!(
            "?{}#books",
            format::query(&[("sort", &format::next_sort(&self.sort, field))])
        )
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "")
    }
}

pub async fn show(
    State(st): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<StaffingQuery>,
) -> PageResult {
    let s = st.app.staffing().await?;
    let lines = book_lines(&s.books, &p.sort)?;
    let f64_of = |d: Decimal| d.to_f64().unwrap_or(0.0);
    let needed: Vec<(String, f64)> = s
        .groups
        .iter()
        .filter(|g| g.group.is_some())
        .map(|g| (g.label.clone(), f64_of(tenths(g.csms))))
        .collect();
    let rows: Vec<(String, f64, &str)> = s
        .books
        .iter()
        .map(|b| (b.name.clone(), f64_of(b.arr_millions), b.load.as_str()))
        .collect();
    let books = staffing_chart::books(
        &rows,
        s.benchmark_by_arr.p25,
        s.benchmark_by_arr.p50,
        s.benchmark_by_arr.p75,
    );
    let (arr, acv) = (format::money(&s.company_arr), format::money(&s.average_acv));
    let tiers = s
        .groups
        .iter()
        .map(|g| GroupLine {
            label: g.label.clone(),
            accounts: g.accounts,
            hours_per_account: g.hours_per_account.normalize().to_string(),
            hours: g.hours.round_dp(0).to_string(),
            fte: tenths(g.csms).to_string(),
        })
        .collect();
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
        capacity: staffing_chart::capacity(&needed, f64_of(tenths(s.csms_needed)), s.csms as f64),
        over: s.books.iter().filter(|b| b.load == Load::Over).count(),
        under: s.books.iter().filter(|b| b.load == Load::Under).count(),
        books,
        book_lines: lines,
        pools: s.pools.iter().map(BookLine::of).collect(),
        basis: match s.settings.basis {
            StaffingBasis::Tier => "tier",
            StaffingBasis::Segment => "segment",
        },
        tiers,
        fte_needed: tenths(s.csms_needed).to_string(),
        csms_by_benchmark: tenths(s.csms_by_benchmark).to_string(),
        understaffed: tenths(s.csms_needed) > Decimal::from(s.csms),
        s,
        problem: p.problem,
        sort: p.sort,
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
    let mut staffing = s.store.prioritisation_rules().await?.staffing;
    staffing.hours_per_year = hours;
    staffing.account_time_percent = share;
    match f.basis.as_str() {
        "" => {}
        "tier" => staffing.basis = StaffingBasis::Tier,
        "segment" => staffing.basis = StaffingBasis::Segment,
        other => return back(&format!("basis: \"{other}\" is not tier or segment")),
    }
    for (n, text) in [("1", &f.plan1), ("2", &f.plan2), ("3", &f.plan3)] {
        let Some(text) = text else { continue };
        match parse_plan(text) {
            Ok(plan) => {
                staffing.plans.insert(n.to_string(), plan);
            }
            Err(e) => return back(&format!("plans.{n} {e}")),
        }
    }
    let config = PrioritisationConfig {
        staffing: Some(staffing),
        ..Default::default()
    };
    match s.app.set_prioritisation(&c.caller(), config).await {
        Ok(_) => Ok(Redirect::to("/staffing").into_response()),
        Err(e @ sherpa_app::Error::Invalid { .. }) => back(&e.to_string()),
        Err(e) => Err(e.into()),
    }
}
