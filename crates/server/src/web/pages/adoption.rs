//! The adoption matrix as a heat map: accounts (most whitespace first) by the product's features
//! grouped into functions, filtered by CSM, tier, segment and industry, a page at a time; and
//! the same matrix as a coloured spreadsheet.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use sherpa_core::Function;
use sherpa_core::adoption::Cell;

/// Rows a page shows.
const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct Params {
    #[serde(default)]
    csm: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    cursor: String,
}

/// A cell as the heat map draws it.
struct HeatCell {
    /// The class that colours it: used-1 (least) to used-5 (most), unused, not-bought, unknown.
    class: String,
    /// What it shows: the share of seats, or nothing.
    text: String,
    /// What it says in words, for a tooltip and a screen reader.
    title: String,
}

struct HeatRow {
    id: String,
    name: String,
    tier: String,
    grade: String,
    health: String,
    whitespace: String,
    cells: Vec<HeatCell>,
}

#[derive(Template)]
#[template(path = "adoption.html")]
struct AdoptionPage {
    nav: Nav,
    p: Params,
    csms: Vec<(String, String)>,
    /// Function names with how many feature columns each spans.
    functions: Vec<(String, usize)>,
    features: Vec<String>,
    rows: Vec<HeatRow>,
    total: i64,
    next: Option<String>,
    /// The filters as a query string, for the next page and the download.
    filters: String,
}

/// The shade of a used cell by the share of seats that used it (by people when seats are not
/// known): five steps.
fn shade(share: Option<f64>, users: u32) -> u8 {
    let s = share.unwrap_or(f64::from(users.min(20)) * 5.0);
    match s {
        s if s < 10.0 => 1,
        s if s < 25.0 => 2,
        s if s < 50.0 => 3,
        s if s < 75.0 => 4,
        _ => 5,
    }
}

fn heat(feature: &str, c: &Cell) -> HeatCell {
    let (class, text, title) = match c {
        Cell::Used { users, share } => (
            format!("used-{}", shade(*share, *users)),
            share.map(|s| format!("{s:.0}")).unwrap_or_default(),
            match share {
                Some(s) => format!("{feature}: {users} people, {s:.0}% of the seats, in 30 days"),
                None => format!("{feature}: {users} people in 30 days"),
            },
        ),
        Cell::Unused => (
            "unused".into(),
            String::new(),
            format!("{feature}: paid for, nobody used it in 30 days"),
        ),
        Cell::NotEntitled => (
            "not-bought".into(),
            String::new(),
            format!("{feature}: not part of what it bought"),
        ),
        Cell::Unknown => (
            "unknown".into(),
            String::new(),
            format!("{feature}: no usage data"),
        ),
    };
    HeatCell { class, text, title }
}

/// The filters of a request, checked as the API checks them.
fn query(p: &Params, limit: i64) -> Result<sherpa_store::MatrixQuery, Failure> {
    let number = |field: &str, v: &str| {
        (!v.is_empty())
            .then(|| {
                v.parse::<u8>()
                    .map_err(|_| Failure::bad(format!("{field}: \"{v}\" is not a number")))
            })
            .transpose()
    };
    sherpa_app::matrix_query(
        Some(p.csm.as_str()),
        number("tier", &p.tier)?,
        number("segment", &p.segment)?,
        Some(p.industry.clone()),
        Some(p.cursor.as_str()),
        limit,
    )
    .map_err(|(field, why)| Failure::bad(format!("{field}: {why}")))
}

fn filters(p: &Params) -> String {
    format::query(&[
        ("csm", p.csm.as_str()),
        ("tier", p.tier.as_str()),
        ("segment", p.segment.as_str()),
        ("industry", p.industry.as_str()),
    ])
}

/// The CSMs a leader can filter by: id and name.
async fn csms(s: &AppState) -> Result<Vec<(String, String)>, Failure> {
    Ok(s.store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.function == Function::Csm && u.active)
        .map(|u| (u.id.to_string(), u.name))
        .collect())
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let q = query(&p, PAGE)?;
    let m = s.app.adoption_matrix(&c.caller(), &q).await?;
    let csms = csms(&s).await?;
    let mut functions: Vec<(String, usize)> = Vec::new();
    for col in &m.columns {
        match functions.last_mut() {
            Some((f, n)) if *f == col.function => *n += 1,
            _ => functions.push((col.function.clone(), 1)),
        }
    }
    let next = m.next_cursor();
    let rows = m
        .rows
        .iter()
        .map(|(a, cells)| HeatRow {
            id: a.id.to_string(),
            name: a.name.clone(),
            tier: a.tier.map(|t| t.to_string()).unwrap_or_default(),
            grade: a.grade.clone().unwrap_or_default(),
            health: a.health.clone().unwrap_or_default(),
            whitespace: a.whitespace.map(|w| w.to_string()).unwrap_or_default(),
            cells: m
                .columns
                .iter()
                .zip(cells)
                .map(|(col, cell)| heat(&col.feature, cell))
                .collect(),
        })
        .collect();
    Ok(render(&AdoptionPage {
        nav: Nav::new(&c, "adoption"),
        csms,
        features: m.columns.iter().map(|c| c.feature.clone()).collect(),
        functions,
        rows,
        total: m.total,
        next,
        filters: filters(&p),
        p,
    }))
}

/// The whole matrix of the filters as a spreadsheet coloured like the page.
pub async fn export(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let q = query(&p, 5_000)?;
    let bytes = s.app.adoption_sheet(&c.caller(), &q).await?.xlsx()?;
    let day = s.store.clock().today();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"sherpa-adoption-{}.xlsx\"",
                    day.format("%Y-%m-%d")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
