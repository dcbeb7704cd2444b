//! The patterns across all plans, for a CS leader: which blockers hold back the most ARR, by
//! dimension, label, segment, tier, CSM or industry, each figure with its accounts; the common
//! blockers this quarter against the last; how objectives end by template and unit; the
//! median time to target and to first value. Exported as XLSX, one row per group and account.

use crate::AppState;
use crate::web::plans_chart::{Bar, arr_at_stake};
use crate::web::session::Signed;
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Failure, Nav, PageResult, download, format, render};
use askama::Template;
use axum::extract::{Query, State};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use sherpa_app::PlanPatterns;
use sherpa_core::export::{Column, Table};
use sherpa_core::plan::GroupBy;
use sherpa_core::{AccountId, Money};

/// The groupings a leader can pick.
const GROUPINGS: [(&str, &str); 6] = [
    ("dimension", "Dimension"),
    ("label", "Blocker"),
    ("segment", "Segment"),
    ("tier", "Tier"),
    ("csm", "CSM"),
    ("industry", "Industry"),
];

struct AccountLink {
    id: AccountId,
    name: String,
    arr: String,
}

struct GroupLine {
    name: String,
    blockers: usize,
    arr: String,
    arr_amount: Decimal,
    accounts: Vec<AccountLink>,
}

struct CommonLine {
    name: String,
    dimension: String,
    this_quarter: usize,
    last_quarter: usize,
    /// "up", "down" or "same".
    trend: &'static str,
    arr: String,
    arr_amount: Decimal,
    accounts: Vec<AccountLink>,
}

struct OutcomeLine {
    template: String,
    kind: String,
    achieved: usize,
    missed: usize,
    running: usize,
    median: String,
    median_days: Option<i64>,
    achieved_accounts: Vec<AccountLink>,
    missed_accounts: Vec<AccountLink>,
}

#[derive(Template)]
#[template(path = "plan_patterns.html")]
struct PatternsPage {
    nav: Nav,
    group_by: String,
    groupings: Vec<(&'static str, &'static str)>,
    plans: usize,
    chart: Option<String>,
    groups: Vec<GroupLine>,
    this_quarter: String,
    last_quarter: String,
    common: Vec<CommonLine>,
    outcomes: Vec<OutcomeLine>,
    first_value: String,
    /// The column one of the tables is sorted by (`-` first: descending); empty: as read.
    sort: String,
}

/// The columns of each table; a column's name says which table it sorts.
const GROUP_SORTS: [&str; 4] = ["group", "blockers", "accounts", "arr"];
const COMMON_SORTS: [&str; 6] = [
    "blocker",
    "dimension",
    "this_quarter",
    "last_quarter",
    "open",
    "open_arr",
];
const OUTCOME_SORTS: [&str; 6] = [
    "template", "unit", "achieved", "missed", "running", "median",
];

impl PatternsPage {
    fn sort_link(&self, field: &str) -> String {
        format!(
            "?{}",
            format::query(&[
                ("group_by", self.group_by.as_str()),
                ("sort", &format::next_sort(&self.sort, field))
            ])
        )
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "")
    }

    /// Sorts the table that has the column `sort` names; a column no table has is refused.
    fn sort_tables(&mut self) -> Result<(), Failure> {
        let field = self.sort.trim_start_matches('-');
        let sort = self.sort.clone();
        if field.is_empty() {
            return Ok(());
        }
        let n = |v: usize| Some(Key::number(v as i64));
        if GROUP_SORTS.contains(&field) {
            sort_rows(&mut self.groups, &sort, &GROUP_SORTS, |g, f| match f {
                "group" => Some(Key::text(&g.name)),
                "blockers" => n(g.blockers),
                "accounts" => n(g.accounts.len()),
                _ => Some(Key::Number(g.arr_amount)),
            })
        } else if COMMON_SORTS.contains(&field) {
            sort_rows(&mut self.common, &sort, &COMMON_SORTS, |x, f| match f {
                "blocker" => Some(Key::text(&x.name)),
                "dimension" => Some(Key::text(&x.dimension)),
                "this_quarter" => n(x.this_quarter),
                "last_quarter" => n(x.last_quarter),
                "open" => n(x.accounts.len()),
                _ => Some(Key::Number(x.arr_amount)),
            })
        } else if OUTCOME_SORTS.contains(&field) {
            sort_rows(&mut self.outcomes, &sort, &OUTCOME_SORTS, |o, f| match f {
                "template" => Some(Key::text(&o.template)),
                "unit" => Some(Key::text(&o.kind)),
                "achieved" => n(o.achieved),
                "missed" => n(o.missed),
                "running" => n(o.running),
                _ => o.median_days.map(Key::number),
            })
        } else {
            let all: Vec<&str> = GROUP_SORTS
                .iter()
                .chain(&COMMON_SORTS)
                .chain(&OUTCOME_SORTS)
                .copied()
                .collect();
            Err(Failure::bad(format!(
                "sort: \"{field}\" is not a column; expected one of {}",
                all.join(", ")
            )))
        }
    }
}

fn grouping(raw: Option<&str>) -> Result<GroupBy, Failure> {
    raw.unwrap_or("dimension")
        .parse()
        .map_err(|m: String| Failure::bad(format!("group_by: {m}")))
}

#[derive(Deserialize)]
pub struct Params {
    group_by: Option<String>,
    #[serde(default)]
    sort: String,
}

fn links(p: &PlanPatterns, ids: &[AccountId]) -> Vec<AccountLink> {
    ids.iter()
        .filter_map(|id| {
            p.accounts.get(id).map(|a| AccountLink {
                id: *id,
                name: a.name.clone(),
                arr: format::money(&a.arr),
            })
        })
        .collect()
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<Params>,
) -> PageResult {
    let by = grouping(q.group_by.as_deref())?;
    let p = s.app.plan_patterns(&c.caller(), by).await?;
    let money = |amount: Decimal| {
        format::money(&Money {
            amount,
            currency: p.currency,
        })
    };
    let pat = &p.patterns;
    let bars: Vec<Bar> = pat
        .groups
        .iter()
        .take(12)
        .map(|g| Bar {
            name: g.name.clone(),
            value: g.arr.to_f64().unwrap_or(0.0),
            label: money(g.arr),
            accounts: g.accounts.len(),
        })
        .collect();
    let mut page = PatternsPage {
        nav: Nav::new(&c, "patterns"),
        group_by: q.group_by.unwrap_or_else(|| "dimension".into()),
        groupings: GROUPINGS.to_vec(),
        plans: pat.plans,
        chart: arr_at_stake(&bars),
        groups: pat
            .groups
            .iter()
            .map(|g| GroupLine {
                name: g.name.clone(),
                blockers: g.blockers,
                arr: money(g.arr),
                arr_amount: g.arr,
                accounts: links(&p, &g.accounts),
            })
            .collect(),
        this_quarter: format::date(Some(pat.this_quarter)),
        last_quarter: format::date(Some(pat.last_quarter)),
        common: pat
            .common
            .iter()
            .take(15)
            .map(|x| CommonLine {
                name: x.name.clone(),
                dimension: x.dimension.clone(),
                this_quarter: x.this_quarter,
                last_quarter: x.last_quarter,
                trend: match x.this_quarter.cmp(&x.last_quarter) {
                    std::cmp::Ordering::Greater => "up",
                    std::cmp::Ordering::Less => "down",
                    std::cmp::Ordering::Equal => "same",
                },
                arr: money(x.arr),
                arr_amount: x.arr,
                accounts: links(&p, &x.open_accounts),
            })
            .collect(),
        outcomes: pat
            .outcomes
            .iter()
            .map(|o| OutcomeLine {
                template: o.template.clone(),
                kind: o.kind.as_str().replace('_', " "),
                achieved: o.achieved,
                missed: o.missed,
                running: o.running,
                median: o
                    .median_days_to_target
                    .map(|d| format!("{d} days"))
                    .unwrap_or_else(|| "–".into()),
                median_days: o.median_days_to_target,
                achieved_accounts: links(&p, &o.achieved_accounts),
                missed_accounts: links(&p, &o.missed_accounts),
            })
            .collect(),
        first_value: match pat.median_days_to_first_value {
            Some(d) => format!(
                "{d} days (median over the {} plans whose first-value objective was reached)",
                pat.first_value_accounts
            ),
            None => "no plan has reached its first-value objective yet".into(),
        },
        sort: q.sort.trim().to_string(),
    };
    page.sort_tables()?;
    Ok(render(&page))
}

/// The open blockers by group, one row per group and account, as XLSX or CSV.
pub async fn export(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<ExportParams>,
) -> PageResult {
    let by = grouping(q.group_by.as_deref())?;
    let p = s.app.plan_patterns(&c.caller(), by).await?;
    let mut t = Table::new(&[
        "Grouped by",
        "Group",
        "Open blockers in the group",
        "Group ARR at stake",
        "Account",
        "Sherpa id",
        "Account ARR",
        "CSM",
        "Currency",
    ])
    .with(Column::Whole, &["Open blockers in the group"])
    .with(Column::Money, &["Group ARR at stake", "Account ARR"])
    .with(Column::Text, &["Sherpa id"]);
    let grouping = q.group_by.clone().unwrap_or_else(|| "dimension".into());
    for g in &p.patterns.groups {
        for id in &g.accounts {
            let Some(a) = p.accounts.get(id) else {
                continue;
            };
            t.rows.push(vec![
                grouping.clone(),
                g.name.clone(),
                g.blockers.to_string(),
                g.arr.normalize().to_string(),
                a.name.clone(),
                id.to_string(),
                a.arr.amount.normalize().to_string(),
                a.csm.clone().unwrap_or_default(),
                p.currency.code().to_string(),
            ]);
        }
    }
    download(
        &t,
        q.format.as_deref().unwrap_or("xlsx"),
        "plan-patterns",
        s.store.clock().today(),
    )
}

#[derive(Deserialize)]
pub struct ExportParams {
    group_by: Option<String>,
    format: Option<String>,
}
