//! The Pareto page (seed 002): the book's MRR curve with the suggested segments, their share of
//! customers and revenue and their floor MRR; leaders set the cut-off shares and apply the
//! segments, which become an account field. Exportable as CSV or Excel.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Nav, PageResult, format, render, segments_chart};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::{ParetoConfig, PrioritisationConfig};
use sherpa_core::Money;
use sherpa_core::export::{Column, Table};

struct SegmentLine {
    number: u8,
    name: String,
    accounts: usize,
    share_of_accounts: String,
    share_of_revenue: String,
    mrr: String,
    floor: String,
    /// What the shares and money columns sort by.
    revenue_share: f64,
    mrr_amount: rust_decimal::Decimal,
    floor_amount: rust_decimal::Decimal,
}

/// The columns the segments table sorts by.
const SORTS: [&str; 6] = [
    "segment",
    "customers",
    "customer_share",
    "revenue_share",
    "mrr",
    "floor",
];

#[derive(Template)]
#[template(path = "segments.html")]
struct SegmentsPage {
    nav: Nav,
    chart: Option<String>,
    segments: Vec<SegmentLine>,
    customers: usize,
    total_mrr: String,
    without_revenue: usize,
    would_change: usize,
    applied: String,
    shares: String,
    names: String,
    saved: bool,
    problem: String,
    sort: String,
}

impl SegmentsPage {
    fn sort_link(&self, field: &str) -> String {
        format!(
            "?{}#seg-h",
            format::query(&[("sort", &format::next_sort(&self.sort, field))])
        )
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "segment")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SegmentsQuery {
    saved: String,
    problem: String,
    /// A column of the segments table, `-` first for descending.
    sort: String,
}

fn pct(f: f64) -> String {
    format!("{:.1}%", f * 100.0)
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<SegmentsQuery>,
) -> PageResult {
    let view = s.store.pareto().await?;
    let currency = s.store.currency();
    let m = |amount| format::money(&Money { amount, currency });
    let applied = match &view.last_applied {
        None => String::new(),
        Some(a) => {
            let by = match a.by.user_id {
                Some(u) => s.store.user(u).await.map(|u| u.name).unwrap_or_default(),
                None => a.by.via.clone(),
            };
            format!(
                "Applied {} by {by}: cut at {} of revenue, to {} accounts.",
                format::time(a.at),
                a.shares
                    .iter()
                    .map(|s| format!("{s}%"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                a.accounts
            )
        }
    };
    let mut segments: Vec<SegmentLine> = view
        .curve
        .segments
        .iter()
        .map(|x| SegmentLine {
            number: x.number,
            name: view.settings.name(x.number),
            accounts: x.accounts,
            share_of_accounts: pct(x.share_of_accounts),
            share_of_revenue: pct(x.share_of_revenue),
            mrr: m(x.mrr),
            floor: m(x.floor_mrr),
            revenue_share: x.share_of_revenue,
            mrr_amount: x.mrr,
            floor_amount: x.floor_mrr,
        })
        .collect();
    // Shares of customers follow customers, so one key serves both columns.
    sort_rows(&mut segments, &p.sort, &SORTS, |x, field| match field {
        "segment" => Some(Key::number(x.number)),
        "customers" | "customer_share" => Some(Key::number(x.accounts as u64)),
        "revenue_share" => rust_decimal::Decimal::try_from(x.revenue_share)
            .ok()
            .map(Key::Number),
        "mrr" => Some(Key::Number(x.mrr_amount)),
        _ => Some(Key::Number(x.floor_amount)),
    })?;
    Ok(render(&SegmentsPage {
        nav: Nav::new(&c, "segments"),
        chart: segments_chart::pareto(&view.curve, &view.settings.names, currency),
        segments,
        customers: view.curve.points.len(),
        total_mrr: m(view.curve.total_mrr),
        without_revenue: view.without_revenue,
        would_change: view.would_change,
        applied,
        shares: view
            .settings
            .shares
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        names: view.settings.names.join(", "),
        saved: !p.saved.is_empty(),
        problem: p.problem,
        sort: p.sort,
    })
    .into_response())
}

/// Applies today's segments (leaders and admins).
pub async fn apply(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    s.app.apply_segments(&c.caller()).await?;
    Ok(Redirect::to("/segments?saved=applied").into_response())
}

#[derive(Deserialize)]
pub struct SettingsForm {
    /// "45, 75".
    shares: String,
    /// "High touch, Hybrid, Automated".
    names: String,
}

/// Sets the cut-off shares and segment names (leaders and admins).
pub async fn settings(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<SettingsForm>,
) -> PageResult {
    let back = |problem: &str| {
        Ok(Redirect::to(&format!(
            "/segments?problem={}",
            format::url_encode(problem)
        ))
        .into_response())
    };
    let shares = f
        .shares
        .split(',')
        .map(|x| x.trim().trim_end_matches('%').trim())
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<u8>()
                .map_err(|_| format!("pareto.shares: \"{x}\" is not a whole percent"))
        })
        .collect::<Result<Vec<u8>, String>>();
    let shares = match shares {
        Ok(s) => s,
        Err(problem) => return back(&problem),
    };
    let config = PrioritisationConfig {
        pareto: Some(ParetoConfig {
            shares,
            names: f.names.split(',').map(|n| n.trim().to_string()).collect(),
        }),
        ..Default::default()
    };
    match s.app.set_prioritisation(&c.caller(), config).await {
        Ok(_) => Ok(Redirect::to("/segments?saved=settings").into_response()),
        Err(e @ sherpa_app::Error::Invalid { .. }) => back(&e.to_string()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ExportParams {
    #[serde(default = "csv")]
    format: String,
}

fn csv() -> String {
    "csv".into()
}

/// The curve as a file: one row per account, largest MRR first.
pub async fn export(
    State(s): State<AppState>,
    Signed(_c): Signed,
    Query(e): Query<ExportParams>,
) -> PageResult {
    let view = s.store.pareto().await?;
    let mut table = Table::new(&[
        "Rank",
        "Account",
        "Account id",
        "MRR",
        "Currency",
        "Cumulative share of revenue",
        "Suggested segment",
        "Applied segment",
    ])
    .with(Column::Whole, &["Rank"])
    .with(Column::Money, &["MRR"])
    .with(Column::Text, &["Account id"]);
    let currency = s.store.currency();
    for (i, p) in view.curve.points.iter().enumerate() {
        table.rows.push(vec![
            (i + 1).to_string(),
            p.key.name.clone(),
            p.key.id.to_string(),
            p.mrr.to_string(),
            currency.to_string(),
            format!("{:.4}", p.cumulative_share),
            view.settings.name(p.segment),
            p.key
                .applied
                .map(|a| view.settings.name(a))
                .unwrap_or_default(),
        ]);
    }
    crate::web::download(&table, &e.format, "Pareto", s.store.clock().today())
}
