//! The first page after sign-in: a CSM's day ("Today") and a leader's overview of the book.
//! Each section is a short list or a chart with the action it calls for one click away.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, home_chart, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use rust_decimal::Decimal;
use sherpa_app::{ArrAtRisk, LeaderHome, Renewal, RenewalRisk, Today};
use sherpa_core::health::Colour;
use sherpa_core::{Currency, Money, Role};

/// Where "/" takes each role: a CSM (and anyone else who works accounts) to their day, a
/// leader to the book's overview, an admin to the system's, a viewer to the portfolio.
pub async fn home(Signed(c): Signed) -> axum::response::Response {
    match c.session.user.role {
        Role::Admin => Redirect::to("/system").into_response(),
        Role::Leader => Redirect::to("/overview").into_response(),
        Role::Viewer => Redirect::to("/portfolio").into_response(),
        _ => Redirect::to("/today").into_response(),
    }
}

struct TaskLine {
    id: String,
    title: String,
    account: String,
    account_id: String,
    due: String,
    urgent: bool,
    priority: String,
    reason: String,
}

struct RenewalLine {
    contract: String,
    account: String,
    account_id: String,
    end: String,
    days: i64,
    arr: String,
    colour: &'static str,
    chance: String,
    call: String,
    signed: bool,
}

struct MoveLine {
    account: String,
    account_id: String,
    from: &'static str,
    to: &'static str,
    worse: bool,
    arr: String,
    by_scoring: bool,
}

struct SlipLine {
    account: String,
    account_id: String,
    what: String,
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    nav: Nav,
    day: String,
    overdue: Vec<TaskLine>,
    due_today: Vec<TaskLine>,
    touches: Vec<TaskLine>,
    renewals: Vec<RenewalLine>,
    renewal_days: i64,
    moved: Vec<MoveLine>,
    slipping: Vec<SlipLine>,
    message: Option<String>,
    done: Option<super::tasks::DoneTask>,
}

#[derive(serde::Deserialize)]
pub struct HomeQuery {
    message: Option<String>,
    /// The task just done, which the day offers to undo.
    done: Option<String>,
}

fn task_line(t: sherpa_app::DayTask) -> TaskLine {
    TaskLine {
        id: t.task.id.to_string(),
        title: sherpa_core::title_beside_account(&t.task.fields.title, &t.account).to_string(),
        account: t.account,
        account_id: t.task.fields.account_id.to_string(),
        due: t
            .task
            .fields
            .due_on
            .map(|d| d.format("%a %d %b").to_string())
            .unwrap_or_default(),
        urgent: t.task.fields.priority.stands_out(),
        priority: t.task.fields.priority.to_string(),
        reason: t.task.fields.reason,
    }
}

fn colour_name(c: Option<Colour>) -> &'static str {
    c.map_or("none", |c| c.as_str())
}

fn chance(p: Option<Decimal>) -> String {
    p.map(|p| format!("{}%", (p * Decimal::from(100)).round()))
        .unwrap_or_default()
}

fn renewal_line(r: &Renewal) -> RenewalLine {
    let s = &r.stored;
    RenewalLine {
        contract: s.contract.to_string(),
        account: s.name.clone(),
        account_id: s.account.to_string(),
        end: s.end.format("%d %b %Y").to_string(),
        days: r.days_to_renewal,
        arr: format::money(&s.reporting_arr.unwrap_or(s.arr)),
        colour: colour_name(s.colour),
        chance: chance(r.probability),
        call: s
            .call
            .as_ref()
            .map(|c| c.call.words().to_string())
            .unwrap_or_default(),
        signed: s.signed,
    }
}

fn move_line(m: &sherpa_store::ColourMove) -> MoveLine {
    MoveLine {
        account: m.name.clone(),
        account_id: m.account.to_string(),
        from: colour_name(m.from),
        to: colour_name(m.to),
        worse: m.worse(),
        arr: format::money(&m.arr),
        by_scoring: m.by_scoring,
    }
}

/// A CSM's day.
pub async fn today(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let t: Today = s.app.today(&c.caller()).await?;
    let slipping = t
        .slipping
        .into_iter()
        .map(|p| {
            let mut what: Vec<String> = p
                .objectives
                .iter()
                .map(|(title, status)| format!("{title}: {}", status.as_str().replace('_', " ")))
                .collect();
            if let Some(d) = p.rhythm_due {
                what.push(format!("update due since {}", d.format("%d %b")));
            }
            SlipLine {
                account: p.name,
                account_id: p.account.to_string(),
                what: what.join("; "),
            }
        })
        .collect();
    Ok(render(&TodayPage {
        nav: Nav::new(&c, "today"),
        day: t.today.format("%A %d %B").to_string(),
        overdue: t.overdue.into_iter().map(task_line).collect(),
        due_today: t.due_today.into_iter().map(task_line).collect(),
        touches: t.touches.into_iter().map(task_line).collect(),
        renewals: t.renewals.iter().map(renewal_line).collect(),
        renewal_days: sherpa_app::TODAY_RENEWAL_DAYS,
        moved: t.moved.iter().map(move_line).collect(),
        slipping,
        message: q.message,
        done: super::tasks::done_task(&s, q.done.as_deref(), "today".into()).await,
    }))
}

struct MixLine {
    colour: &'static str,
    label: &'static str,
    accounts: i64,
    arr: String,
    share: String,
}

struct RiskLine {
    label: String,
    renewals: usize,
    arr: String,
    at_risk: String,
    at_risk_count: usize,
    expected: String,
    unmodelled: usize,
}

struct LoadLine {
    id: String,
    name: String,
    open: i64,
    overdue: i64,
    due_this_week: i64,
    overdue_touches: i64,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    nav: Nav,
    day: String,
    accounts: i64,
    arr: String,
    mix: Vec<MixLine>,
    mix_chart: Option<String>,
    horizon: RiskLine,
    /// The colours counted at risk, in words: "orange or red".
    at_risk: String,
    /// ARR the renewal probabilities expect to be lost.
    expected_loss: String,
    months: Vec<RiskLine>,
    months_chart: Option<String>,
    owners: Vec<RiskLine>,
    moved_since: String,
    worse: usize,
    better: usize,
    moved: Vec<MoveLine>,
    loads: Vec<LoadLine>,
    trend_chart: Option<String>,
    /// ARR by colour at past quarters' ends and now: label, what it was read from, the bar,
    /// the share at risk.
    quarters: Vec<QuarterLine>,
}

struct QuarterLine {
    label: String,
    note: String,
    chart: Option<String>,
    at_risk: String,
    /// Whether any ARR was at risk: the share is marked then.
    risky: bool,
    /// How the quarter's renewals came out, and the team's tasks over it (past quarters).
    renewals: Option<String>,
    load: Option<String>,
}

/// A past quarter's renewals in words: "12 due, $340,000: 91% renewed, $30,000 lost (2
/// customers left)".
fn renewals_words(r: &sherpa_core::revenue::RenewalOutcome, currency: Currency) -> String {
    if r.renewals == 0 {
        return "No renewal fell due.".into();
    }
    let money = |amount| format::money(&Money { amount, currency });
    let left = match r.churned {
        0 => String::new(),
        1 => " (1 customer left)".into(),
        n => format!(" ({n} customers left)"),
    };
    format!(
        "{} renewal{} due, {}: {}% renewed, {} lost{left}",
        r.renewals,
        if r.renewals == 1 { "" } else { "s" },
        money(r.due),
        r.renewed_percent().unwrap_or_default(),
        money(r.lost),
    )
}

/// A past quarter's team load in words.
fn load_words(l: Option<&sherpa_store::PastLoad>) -> String {
    match l {
        None => "No task had been opened in Sherpa by then.".into(),
        Some(l) => {
            let each = match l.owners {
                0 => String::new(),
                1 => " held by one person".into(),
                n => format!(" across {n} people (about {} each)", (l.open + n / 2) / n),
            };
            let tasks = if l.open == 1 { "task" } else { "tasks" };
            let overdue = match &l.at_end {
                Some(s) => format!(
                    ", {} overdue ({} of them personal touches, recorded {})",
                    s.overdue,
                    s.overdue_touches,
                    crate::web::format::time(s.taken_at)
                ),
                None => " (how many were overdue was not recorded then)".into(),
            };
            format!(
                "{} {tasks} open at its end{each}{overdue}; {} done in it",
                l.open, l.done
            )
        }
    }
}

/// A quarter's mix as the overview shows it.
fn quarter_line(
    label: String,
    note: String,
    mix: &[sherpa_app::ColourShare],
    at_risk: &[Colour],
) -> QuarterLine {
    let arr = ArrAtRisk::of(mix, at_risk);
    QuarterLine {
        chart: crate::web::home_chart::arr_mix(&format!("{label}: ARR by health colour"), mix),
        label,
        note,
        at_risk: match arr.percent() {
            None => String::new(),
            Some(_) if arr.at_risk.is_zero() => "none at risk".into(),
            Some(p) if p < Decimal::ONE => "under 1% at risk".into(),
            Some(p) => format!("{p}% at risk"),
        },
        risky: !arr.at_risk.is_zero(),
        renewals: None,
        load: None,
    }
}

fn risk_line(label: String, r: &RenewalRisk, currency: Currency) -> RiskLine {
    let money = |amount| format::money(&Money { amount, currency });
    RiskLine {
        label,
        renewals: r.renewals,
        arr: money(r.arr),
        at_risk: money(r.at_risk),
        at_risk_count: r.at_risk_count,
        expected: money(r.expected),
        unmodelled: r.unmodelled,
    }
}

/// How many lines a home's list shows before "the other ..." (the rest are a click away; the
/// health page has every colour change).
const LISTED: usize = 8;

/// A leader's overview of the book.
pub async fn overview(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    let h: LeaderHome = s.app.leader_home(&c.caller()).await?;
    let total: Decimal = h.mix.iter().map(|m| m.arr.amount).sum();
    let mix = h
        .mix
        .iter()
        .map(|m| MixLine {
            colour: colour_name(m.colour),
            label: m.colour.map_or("not scored", |c| c.as_str()),
            accounts: m.accounts,
            arr: format::money(&m.arr),
            share: if total > Decimal::ZERO {
                format!("{}%", (m.arr.amount * Decimal::from(100) / total).round())
            } else {
                String::new()
            },
        })
        .collect();
    let worse = h.moved.iter().filter(|m| m.worse()).count();
    Ok(render(&OverviewPage {
        nav: Nav::new(&c, "overview"),
        day: h.today.format("%A %d %B %Y").to_string(),
        accounts: h.accounts,
        arr: format::money(&h.arr),
        mix_chart: home_chart::arr_mix("ARR by health colour", &h.mix),
        mix,
        horizon: risk_line("Next two quarters".into(), &h.horizon, h.currency),
        at_risk: h
            .at_risk_colours
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        expected_loss: format::money(&Money {
            amount: h.horizon.arr - h.horizon.expected,
            currency: h.currency,
        }),
        months_chart: home_chart::renewals_by_month(&h.months, h.currency),
        months: h
            .months
            .iter()
            .map(|(m, r)| risk_line(m.format("%B %Y").to_string(), r, h.currency))
            .collect(),
        owners: h
            .owners
            .iter()
            .map(|(name, r)| {
                risk_line(
                    name.clone().unwrap_or_else(|| "No CSM".into()),
                    r,
                    h.currency,
                )
            })
            .collect(),
        moved_since: h
            .moved_since
            .map(|d| d.format("%d %b").to_string())
            .unwrap_or_default(),
        worse,
        better: h.moved.len() - worse,
        moved: h.moved.iter().take(LISTED).map(move_line).collect(),
        loads: h
            .loads
            .into_iter()
            .map(|l| LoadLine {
                id: l.owner.to_string(),
                name: l.name,
                open: l.open,
                overdue: l.overdue,
                due_this_week: l.due_this_week,
                overdue_touches: l.overdue_touches,
            })
            .collect(),
        trend_chart: crate::web::health_chart::distribution(&h.trend, &[]),
        quarters: h
            .quarters
            .iter()
            .map(|q| {
                let total = ArrAtRisk::of(&q.mix, &[]).total;
                let mut line = quarter_line(
                    q.label.clone(),
                    format!(
                        "end {} · {} ARR, colours of {}",
                        q.end.format("%d %b"),
                        format::money(&Money {
                            amount: total,
                            currency: h.currency
                        }),
                        q.read_on.format("%d %b")
                    ),
                    &q.mix,
                    &h.at_risk_colours,
                );
                line.renewals = Some(renewals_words(&q.renewals, h.currency));
                line.load = Some(load_words(q.load.as_ref()));
                line
            })
            .chain([quarter_line(
                "Now".into(),
                format!("{} ARR", format::money(&h.arr)),
                &h.mix,
                &h.at_risk_colours,
            )])
            .collect(),
    }))
}

struct SourceLine {
    source: &'static str,
    last: String,
    ago: String,
    /// Nothing for a week: worth a look.
    stale: bool,
}

#[derive(Template)]
#[template(path = "system.html")]
struct SystemPage {
    nav: Nav,
    sources: Vec<SourceLine>,
    intake: sherpa_store::IntakeStatus,
    rejections: Vec<(String, String, String)>,
    accepted_hour: i64,
    rejected_hour: i64,
    jobs: sherpa_store::JobQueue,
    job_lag: String,
    outbox: sherpa_store::OutboxCounts,
    roles: Vec<(String, usize)>,
    inactive: usize,
}

/// How long ago, in the largest whole unit: "3 minutes", "2 days".
fn ago(d: chrono::Duration) -> String {
    let (n, unit) = if d.num_days() > 0 {
        (d.num_days(), "day")
    } else if d.num_hours() > 0 {
        (d.num_hours(), "hour")
    } else {
        (d.num_minutes().max(0), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// How many of the latest refusals the home shows; the intake page has them all.
const REJECTIONS_SHOWN: usize = 3;

/// An admin's home: is data arriving, are the jobs and the outbox keeping up, who has access.
pub async fn system(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    let h = s.app.admin_home(&c.caller()).await?;
    let sources = h
        .sources
        .iter()
        .map(|x| SourceLine {
            source: x.source,
            last: x.last.map(format::time).unwrap_or_else(|| "never".into()),
            ago: x.last.map(|t| ago(h.now - t)).unwrap_or_default(),
            stale: x
                .last
                .is_some_and(|t| h.now - t > chrono::Duration::days(7)),
        })
        .collect();
    Ok(render(&SystemPage {
        nav: Nav::new(&c, "system"),
        sources,
        rejections: h
            .intake
            .last_rejections
            .iter()
            .take(REJECTIONS_SHOWN)
            .map(|(at, code, reason, _)| (format::time(*at), code.clone(), reason.clone()))
            .collect(),
        intake: h.intake,
        accepted_hour: h.last_hour.0,
        rejected_hour: h.last_hour.1,
        job_lag: ago(h.jobs.lag),
        jobs: h.jobs,
        outbox: h.outbox,
        roles: h
            .roles
            .into_iter()
            .map(|(r, n)| {
                let word = match r {
                    Role::Admin => "admin",
                    Role::Leader => "leader",
                    Role::Csm => "CSM",
                    Role::Sales => "seller",
                    Role::Viewer => "viewer",
                };
                (format!("{word}{}", if n == 1 { "" } else { "s" }), n)
            })
            .collect(),
        inactive: h.inactive,
    }))
}
