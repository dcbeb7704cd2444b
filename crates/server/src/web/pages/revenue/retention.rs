//! The retention page, for a CS leader: NRR, GRR, logo and MRR churn per month, quarter or
//! year with the definitions written out and each ratio's parts on hover; grouped by segment,
//! tier, CSM, industry or cohort; churn by its recorded reason; the cohort table and its
//! retention curve. Exported as XLSX, one row per period and group.

use crate::AppState;
use crate::web::revenue_chart::{Series, Unit, lines};
use crate::web::session::Signed;
use crate::web::{Failure, Nav, PageResult, download, format, render};
use askama::Template;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use sherpa_app::{RetentionQuery, RetentionReport};
use sherpa_core::revenue::{DEFINITIONS, READING, Ratio, Retention};
use sherpa_core::{Currency, Money};
use std::collections::BTreeMap;

const GRAINS: [(&str, &str); 3] = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")];
const GROUPINGS: [(&str, &str); 6] = [
    ("", "Whole book"),
    ("segment", "Segment"),
    ("tier", "Tier"),
    ("csm", "CSM"),
    ("industry", "Industry"),
    ("cohort", "Cohort"),
];
/// The cohorts the curve draws: the most recent ones.
const CURVE_COHORTS: usize = 8;

/// A ratio as shown, with its parts for the hover.
struct Cell {
    text: String,
    title: String,
}

fn percent(r: &Ratio) -> Option<f64> {
    r.value().and_then(|v| (v * Decimal::from(100)).to_f64())
}

fn cell(r: &Ratio, parts: impl Fn(Decimal) -> String) -> Cell {
    match r.value() {
        Some(v) => Cell {
            text: format!("{:.1}%", (v * Decimal::from(100)).round_dp(1)),
            title: format!("{} / {}", parts(r.numerator), parts(r.denominator)),
        },
        None => Cell {
            text: "–".into(),
            title: "nothing to divide by".into(),
        },
    }
}

struct PeriodLine {
    label: String,
    to_date: bool,
    accounts: usize,
    churned: usize,
    start_mrr: String,
    churned_mrr: String,
    contraction: String,
    expansion: String,
    logo_churn: Cell,
    gross_churn: Cell,
    grr: Cell,
    nrr: Cell,
}

struct GroupLine {
    name: String,
    nrr: Vec<Cell>,
}

struct ReasonLine {
    reason: String,
    mrr: String,
    share: String,
}

struct CohortLine {
    label: String,
    accounts: usize,
    base: String,
    /// Revenue retained per age, with a shade from 0 (kept less than 70%) to 4 (grew).
    cells: Vec<(Cell, u8)>,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    nav: Nav,
    grain: String,
    group_by: String,
    from: String,
    to: String,
    grains: Vec<(&'static str, &'static str)>,
    groupings: Vec<(&'static str, &'static str)>,
    chart: Option<String>,
    periods: Vec<PeriodLine>,
    group_labels: Vec<String>,
    groups: Vec<GroupLine>,
    reasons: Vec<ReasonLine>,
    churned_total: String,
    cohorts: Vec<CohortLine>,
    max_age: usize,
    curve: Option<String>,
    /// The cohorts the curve draws, in its colour order.
    curve_names: Vec<String>,
    definitions: Vec<(&'static str, &'static str)>,
    reading: &'static str,
    unconverted: i64,
}

#[derive(Deserialize)]
pub struct Params {
    grain: Option<String>,
    group_by: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

impl Params {
    fn query(&self) -> Result<RetentionQuery, Failure> {
        let day = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, Failure> {
            v.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse().map_err(|_| {
                        Failure::bad(format!("{field}: {s:?} is not a date (YYYY-MM-DD)"))
                    })
                })
                .transpose()
        };
        Ok(RetentionQuery::parse(
            self.grain.as_deref(),
            day("from", &self.from)?,
            day("to", &self.to)?,
            self.group_by.as_deref(),
        )?)
    }
}

fn money(amount: Decimal, currency: Currency) -> String {
    format::money(&Money { amount, currency })
}

fn shade(v: Option<Decimal>) -> u8 {
    match v.and_then(|v| v.to_f64()) {
        Some(v) if v > 1.0 => 4,
        Some(v) if v >= 0.95 => 3,
        Some(v) if v >= 0.85 => 2,
        Some(v) if v >= 0.70 => 1,
        _ => 0,
    }
}

fn period_line(label: String, to_date: bool, r: &Retention, c: Currency) -> PeriodLine {
    let m = |a: Decimal| money(a, c);
    PeriodLine {
        label,
        to_date,
        accounts: r.accounts_at_start,
        churned: r.accounts_churned,
        start_mrr: m(r.start_mrr),
        churned_mrr: m(r.churned_mrr),
        contraction: m(r.contraction_mrr),
        expansion: m(r.expansion_mrr),
        logo_churn: cell(&r.logo_churn(), |d| d.normalize().to_string()),
        gross_churn: cell(&r.gross_mrr_churn(), m),
        grr: cell(&r.grr(), m),
        nrr: cell(&r.nrr(), m),
    }
}

fn page(nav: Nav, p: &Params, r: &RetentionReport) -> RetentionPage {
    let c = r.currency;
    let labels: Vec<String> = r.periods.iter().map(|p| p.period.label.clone()).collect();
    let series = |name: &str, f: &dyn Fn(&Retention) -> Option<f64>| Series {
        name: name.into(),
        points: r.periods.iter().map(|p| f(&p.retention.total)).collect(),
        dashed: false,
    };
    let chart = lines(
        "Net and gross revenue retention and logo retention by period",
        &labels,
        &[
            series("NRR", &|t| percent(&t.nrr())),
            series("GRR", &|t| percent(&t.grr())),
            series("Logos kept", &|t| {
                percent(&t.logo_churn()).map(|v| 100.0 - v)
            }),
        ],
        Unit::Percent,
    );
    let mut names: Vec<&String> = r
        .periods
        .iter()
        .flat_map(|p| p.retention.groups.keys())
        .collect();
    names.sort();
    names.dedup();
    let groups = names
        .into_iter()
        .map(|name| GroupLine {
            name: name.clone(),
            nrr: r
                .periods
                .iter()
                .map(|p| match p.retention.groups.get(name) {
                    Some(g) => cell(&g.nrr(), |a| money(a, c)),
                    None => Cell {
                        text: "–".into(),
                        title: "no paying account at the start".into(),
                    },
                })
                .collect(),
        })
        .collect();
    let mut reasons: BTreeMap<&str, Decimal> = BTreeMap::new();
    for p in &r.periods {
        for (reason, mrr) in &p.retention.total.churn_by_reason {
            *reasons.entry(reason).or_default() += mrr;
        }
    }
    let churned: Decimal = reasons.values().sum();
    let mut reasons: Vec<(&str, Decimal)> = reasons.into_iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
    let max_age = r.cohorts.iter().map(|c| c.cells.len()).max().unwrap_or(0);
    let recent = r.cohorts.len().saturating_sub(CURVE_COHORTS);
    let curve = lines(
        "Revenue retained by each cohort, by periods since it joined",
        &(0..max_age).map(|a| a.to_string()).collect::<Vec<_>>(),
        &r.cohorts[recent..]
            .iter()
            .map(|co| Series {
                name: r.grain.label(co.start),
                points: (0..max_age)
                    .map(|a| {
                        co.cells.get(a).and_then(|(m, _)| {
                            percent(&Ratio {
                                numerator: *m,
                                denominator: co.base_mrr,
                            })
                        })
                    })
                    .collect(),
                dashed: false,
            })
            .collect::<Vec<_>>(),
        Unit::Percent,
    );
    RetentionPage {
        nav,
        grain: r.grain.to_string(),
        group_by: r
            .group_by
            .map(|g| g.as_str().to_string())
            .unwrap_or_default(),
        from: p.from.clone().unwrap_or_default(),
        to: p.to.clone().unwrap_or_default(),
        grains: GRAINS.to_vec(),
        groupings: GROUPINGS.to_vec(),
        chart,
        periods: r
            .periods
            .iter()
            .map(|p| period_line(p.period.label.clone(), p.to_date, &p.retention.total, c))
            .collect(),
        group_labels: labels,
        groups,
        reasons: reasons
            .into_iter()
            .map(|(reason, mrr)| ReasonLine {
                reason: reason.to_string(),
                mrr: money(mrr, c),
                share: cell(
                    &Ratio {
                        numerator: mrr,
                        denominator: churned,
                    },
                    |a| money(a, c),
                )
                .text,
            })
            .collect(),
        churned_total: money(churned, c),
        cohorts: r
            .cohorts
            .iter()
            .map(|co| CohortLine {
                label: r.grain.label(co.start),
                accounts: co.accounts,
                base: money(co.base_mrr, c),
                cells: co
                    .cells
                    .iter()
                    .map(|(m, n)| {
                        let ratio = Ratio {
                            numerator: *m,
                            denominator: co.base_mrr,
                        };
                        let mut shown = cell(&ratio, |a| money(a, c));
                        shown.title = format!("{}; {n} of {} accounts", shown.title, co.accounts);
                        (shown, shade(ratio.value()))
                    })
                    .collect(),
            })
            .collect(),
        max_age,
        curve,
        curve_names: r.cohorts[recent..]
            .iter()
            .map(|co| r.grain.label(co.start))
            .collect(),
        definitions: DEFINITIONS.to_vec(),
        reading: READING,
        unconverted: r.unconverted_terms,
    }
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let report = s.app.retention(&c.caller(), &p.query()?).await?;
    Ok(render(&page(Nav::new(&c, "revenue"), &p, &report)))
}

/// One row per period (and group when grouped), every figure with its parts, as XLSX or CSV.
pub async fn export(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let r = s.app.retention(&c.caller(), &p.query()?).await?;
    download(
        &r.table(),
        p.format.as_deref().unwrap_or("xlsx"),
        "retention",
        s.store.clock().today(),
    )
}
