//! The renewal pipeline page: every term ending within a window, soonest first, with the date
//! to beat (the notice date), its colour, ARR, and the call; the account's owners make the call
//! in the row. ARR totals by call above the list; exported as XLSX.

use super::super::problem;
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Failure, Nav, PageResult, download, format, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use rust_decimal::Decimal;
use serde::Deserialize;
use sherpa_app::{MakeCall, Renewal, RenewalPipeline};
use sherpa_core::health::Colour;
use sherpa_core::revenue::{CALL_DUE_DAYS, RenewalCall};
use sherpa_core::{ContractId, Money};

/// The most rows the page lists; the export has them all.
const SHOWN: usize = 200;

const WINDOWS: [(i64, &str); 4] = [
    (90, "90 days"),
    (180, "6 months"),
    (365, "A year"),
    (730, "Two years"),
];

struct Line {
    contract: ContractId,
    account: String,
    account_id: String,
    csm: String,
    arr: String,
    end: String,
    days: i64,
    deadline: String,
    /// "late" when the notice date has passed or comes within 30 days.
    deadline_class: &'static str,
    deadline_note: String,
    auto_renew: &'static str,
    colour: String,
    /// The modelled chance of renewal, in percent ("–" when the table has none).
    probability: String,
    call: Option<String>,
    call_title: String,
    may_call: bool,
    signed: bool,
    /// "3 of 7": MEDDICC elements rated.
    meddicc: String,
    /// The renewal is near enough that a call is expected (the escalation's window).
    call_due: bool,
}

struct CallTotal {
    name: &'static str,
    count: usize,
    arr: String,
}

#[derive(Template)]
#[template(path = "renewals.html")]
struct RenewalsPage {
    nav: Nav,
    within: i64,
    /// "mine" or "all".
    book: &'static str,
    /// Renewals in the window beyond the rows shown.
    more: usize,
    count: usize,
    windows: Vec<(i64, &'static str)>,
    lines: Vec<Line>,
    totals: Vec<CallTotal>,
    total_arr: String,
    calls: Vec<(&'static str, &'static str)>,
    message: Option<(bool, String)>,
    /// The column the pipeline is sorted by, `-` first for descending; empty: by end.
    sort: String,
}

impl RenewalsPage {
    /// A column header's link: sorts by it, the other way round when already so.
    fn sort_link(&self, field: &str) -> String {
        format!(
            "/revenue/renewals?within_days={}&book={}&sort={}",
            self.within,
            self.book,
            format::next_sort(&self.sort, field)
        )
    }

    /// `aria-sort` of a column header.
    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "ends")
    }
}

/// The columns the pipeline sorts by.
const SORTS: [&str; 10] = [
    "account",
    "csm",
    "arr",
    "ends",
    "deadline",
    "auto_renew",
    "health",
    "chance",
    "meddicc",
    "call",
];

/// Orders the pipeline by a column; equal rows keep their order (by end). Health ascending is
/// the weakest first; a renewal without a value comes last either way.
fn sort_renewals(renewals: &mut [Renewal], sort: &str) -> Result<(), Failure> {
    sort_rows(renewals, sort, &SORTS, |r, field| {
        let s = &r.stored;
        match field {
            "account" => Some(Key::text(&s.name)),
            "csm" => s.csm_name.as_deref().map(Key::text),
            "arr" => Some(Key::number(s.reporting_arr.unwrap_or(s.arr).amount)),
            "ends" => Some(Key::number(s.end.num_days_from_ce())),
            "deadline" => Some(Key::number(r.deadline.num_days_from_ce())),
            "auto_renew" => s.auto_renew.map(|a| Key::number(u8::from(a))),
            "health" => s.colour.map(|c| {
                Key::number(match c {
                    Colour::Red => 0,
                    Colour::Orange => 1,
                    Colour::Yellow => 2,
                    Colour::Green => 3,
                })
            }),
            "chance" => r.probability.map(Key::Number),
            "meddicc" => Some(Key::number(r.meddicc.0)),
            _ => s.call.as_ref().map(|c| Key::text(c.call.as_str())),
        }
    })
}

#[derive(Deserialize)]
pub struct Params {
    within_days: Option<i64>,
    book: Option<String>,
    format: Option<String>,
    sort: Option<String>,
}

fn line(r: &Renewal) -> Line {
    let s = &r.stored;
    let arr = s.reporting_arr.unwrap_or(s.arr);
    let d = r.days_to_deadline;
    let deadline_class = if d <= 30 { "late" } else { "" };
    let deadline_note = match (r.notice_date.is_some(), d < 0) {
        (true, true) => format!("notice was due {} days ago", -d),
        (true, false) => format!("notice due in {d} days"),
        (false, _) => "no notice period: the end".to_string(),
    };
    Line {
        contract: s.contract,
        account: s.name.clone(),
        account_id: s.account.to_string(),
        csm: s.csm_name.clone().unwrap_or_else(|| "–".into()),
        arr: format::money(&arr),
        end: format::date(Some(s.end)),
        days: r.days_to_renewal,
        deadline: format::date(Some(r.deadline)),
        deadline_class,
        deadline_note,
        meddicc: format!("{} of {}", r.meddicc.0, r.meddicc.1),
        probability: r
            .probability
            .map(|p| format!("{}%", (p * rust_decimal::Decimal::ONE_HUNDRED).round_dp(0)))
            .unwrap_or_else(|| "–".into()),
        call_due: r.days_to_renewal <= i64::from(CALL_DUE_DAYS),
        auto_renew: match s.auto_renew {
            Some(true) => "yes",
            Some(false) => "no",
            None => "–",
        },
        colour: s.colour.map(|c| c.as_str().to_string()).unwrap_or_default(),
        call: s.call.as_ref().map(|c| c.call.as_str().to_string()),
        call_title: s
            .call
            .as_ref()
            .map(|c| {
                format!(
                    "{} by {} on {}{}",
                    c.call.words(),
                    c.by.as_deref().unwrap_or("an operator"),
                    format::date(Some(c.made_at.date_naive())),
                    if c.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", c.note)
                    }
                )
            })
            .unwrap_or_default(),
        may_call: r.may_call && !s.signed,
        signed: s.signed,
    }
}

fn totals(p: &RenewalPipeline) -> (Vec<CallTotal>, String) {
    let money = |amount: Decimal| {
        format::money(&Money {
            amount,
            currency: p.currency,
        })
    };
    let arr = |r: &Renewal| r.stored.reporting_arr.map(|m| m.amount).unwrap_or_default();
    let mut out: Vec<CallTotal> = RenewalCall::ALL
        .iter()
        .map(|c| {
            let of: Vec<&Renewal> = p
                .renewals
                .iter()
                .filter(|r| !r.stored.signed && r.stored.call.as_ref().map(|x| x.call) == Some(*c))
                .collect();
            CallTotal {
                name: c.words(),
                count: of.len(),
                arr: money(of.iter().map(|r| arr(r)).sum()),
            }
        })
        .collect();
    let none: Vec<&Renewal> = p
        .renewals
        .iter()
        .filter(|r| !r.stored.signed && r.stored.call.is_none())
        .collect();
    out.push(CallTotal {
        name: "no call yet",
        count: none.len(),
        arr: money(none.iter().map(|r| arr(r)).sum()),
    });
    let signed: Vec<&Renewal> = p.renewals.iter().filter(|r| r.stored.signed).collect();
    out.push(CallTotal {
        name: "next term signed",
        count: signed.len(),
        arr: money(signed.iter().map(|r| arr(r)).sum()),
    });
    (out, money(p.renewals.iter().map(arr).sum()))
}

/// Whose renewals: the caller's own accounts by default for those who own accounts (CSMs and
/// Sales), the whole book for the others.
fn book(c: &Current, raw: Option<&str>) -> Result<bool, Failure> {
    match raw {
        Some("mine") => Ok(true),
        Some("all") => Ok(false),
        Some(other) => Err(Failure::bad(format!(
            "book: \"{other}\" is not a choice; expected mine or all"
        ))),
        None => Ok(matches!(
            c.session.user.role,
            sherpa_core::Role::Csm | sherpa_core::Role::Sales
        )),
    }
}

async fn page(
    s: &AppState,
    c: &Current,
    within: Option<i64>,
    raw_book: Option<&str>,
    message: Option<(bool, String)>,
    sort: &str,
) -> PageResult {
    let mine = book(c, raw_book)?;
    let mut p = s.app.renewals(&c.caller(), within, mine).await?;
    sort_renewals(&mut p.renewals, sort)?;
    let (totals, total_arr) = totals(&p);
    Ok(render(&RenewalsPage {
        nav: Nav::new(c, "renewals"),
        within: p.within_days,
        book: if mine { "mine" } else { "all" },
        more: p.renewals.len().saturating_sub(SHOWN),
        count: p.renewals.len(),
        windows: WINDOWS.to_vec(),
        lines: p.renewals.iter().take(SHOWN).map(line).collect(),
        totals,
        total_arr,
        calls: RenewalCall::ALL
            .iter()
            .map(|c| (c.as_str(), c.words()))
            .collect(),
        message,
        sort: sort.to_string(),
    }))
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<Params>,
) -> PageResult {
    page(
        &s,
        &c,
        q.within_days,
        q.book.as_deref(),
        None,
        q.sort.as_deref().unwrap_or(""),
    )
    .await
}

#[derive(Deserialize)]
pub struct CallForm {
    #[serde(default)]
    call: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    within_days: Option<i64>,
    #[serde(default)]
    book: Option<String>,
}

/// Makes the call on a renewal; back to the pipeline, or the pipeline with what was wrong.
pub async fn make_call(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<CallForm>,
) -> PageResult {
    let contract: ContractId = id
        .parse()
        .map_err(|_| Failure::not_found(format!("no renewal {id}")))?;
    // Who may call is checked first: a refusal is a 403 whatever the form says.
    let current = s.app.renewal_of(&c.caller(), contract).await?;
    if !current.may_call {
        return Err(Failure::forbidden(
            "only the account's owners and leaders make the call on its renewal",
        ));
    }
    let outcome = match f.call.parse::<RenewalCall>() {
        Err(e) => Err(sherpa_app::Error::invalid("call", e.to_string())),
        Ok(call) => s
            .app
            .make_renewal_call(
                &c.caller(),
                MakeCall {
                    contract,
                    call,
                    note: f.note,
                },
            )
            .await
            .map(|_| ()),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!(
            "/revenue/renewals?within_days={}&book={}#renewal-{contract}",
            f.within_days.unwrap_or(365),
            if book(&c, f.book.as_deref())? {
                "mine"
            } else {
                "all"
            }
        ))
        .into_response()),
        Err(e) => {
            let p = problem(e)?;
            let mut resp = page(
                &s,
                &c,
                f.within_days,
                f.book.as_deref(),
                Some((
                    false,
                    format!("The call was not recorded: {p}. Nothing was changed."),
                )),
                "",
            )
            .await?;
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(resp)
        }
    }
}

/// The pipeline as XLSX or CSV: one row per renewal, dates as dates, amounts as numbers.
pub async fn export(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<Params>,
) -> PageResult {
    let mine = book(&c, q.book.as_deref())?;
    let p = s.app.renewals(&c.caller(), q.within_days, mine).await?;
    download(
        &p.table(),
        q.format.as_deref().unwrap_or("xlsx"),
        "renewals",
        p.today,
    )
}
