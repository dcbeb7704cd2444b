//! The forecast page, for a CS leader: the waterfall of a series (plan, every re-plan, the
//! forecast of open periods and the actual of closed ones, in one table and one chart), the
//! variance of each closed period with its why, each colour's prediction against what
//! happened, and the renewal probability table it rests on. Leaders lock, re-plan and explain
//! here; everyone reads. Exported as XLSX.

use super::super::problem;
use crate::AppState;
use crate::web::revenue_chart::{Series, Unit, lines};
use crate::web::session::Signed;
use crate::web::{Failure, Nav, PageResult, download, format, render};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use sherpa_app::{PlanRequest, Waterfall, parse_forecast_grain, parse_series};
use sherpa_core::Money;
use sherpa_core::revenue::{Band, COLOUR_KEYS, Series as Tracked, colour_key};
use std::collections::{BTreeMap, HashMap};

const GRAINS: [(&str, &str); 3] = [("week", "Week"), ("month", "Month"), ("quarter", "Quarter")];

/// One line of the table: a period.
struct Line {
    label: String,
    start: String,
    /// "forecast" (or "open" for a tracked figure), "actual so far" or "actual".
    status: &'static str,
    due: String,
    plan: String,
    plan_churned: String,
    replans: Vec<String>,
    /// The actual of a closed period, the forecast of an open one.
    now: String,
    now_churned: String,
    now_changes: String,
    variance: String,
    /// The variance is against the plan (red when below it).
    below: bool,
    why: Option<String>,
    why_needed: bool,
}

/// A feature of the catalogue, for the form that picks the strategic ones.
struct FeatureChoice {
    name: String,
    high_value: bool,
    picked: bool,
}

struct ProbabilityRow {
    colour: &'static str,
    cells: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage {
    nav: Nav,
    series: &'static str,
    series_choices: Vec<(&'static str, &'static str)>,
    forecast_series: bool,
    /// What a target is in: "%" or "NPS".
    target_unit: &'static str,
    grain: String,
    grains: Vec<(&'static str, &'static str)>,
    plan: Option<String>,
    replans: Vec<String>,
    whys_needed: Vec<String>,
    chart: Option<String>,
    legend: Vec<String>,
    lines: Vec<Line>,
    /// Periods a lock (all) or a re-plan (open) sets targets for: start and label.
    lock_periods: Vec<(String, String)>,
    replan_periods: Vec<(String, String)>,
    colour_checks: Vec<String>,
    bands: Vec<&'static str>,
    /// Each band's key and words, for the form that sets a cell.
    band_keys: Vec<(&'static str, &'static str)>,
    probabilities: Vec<ProbabilityRow>,
    learned: Option<String>,
    relearning: bool,
    /// The adoption series: what it counts, in words, and the catalogue to pick from.
    adoption: Option<(String, Vec<FeatureChoice>)>,
    message: Option<(bool, String)>,
}

#[derive(Deserialize)]
pub struct Params {
    series: Option<String>,
    grain: Option<String>,
    format: Option<String>,
}

fn amount(w: &Waterfall, v: Option<Decimal>) -> String {
    match v {
        None => String::new(),
        Some(v) if w.series.is_forecast() => format::money(&Money {
            amount: v.round_dp(0),
            currency: w.currency,
        }),
        Some(v) if w.series == Tracked::Nps => v.round_dp(1).to_string(),
        Some(v) => format!("{}%", v.round_dp(1)),
    }
}

fn get(m: &Option<BTreeMap<String, Decimal>>, k: &str) -> Option<Decimal> {
    m.as_ref().and_then(|m| m.get(k).copied())
}

fn page(nav: Nav, w: &Waterfall, message: Option<(bool, String)>) -> ForecastPage {
    let head = w.series.headline();
    let labels: Vec<String> = w.periods.iter().map(|p| p.period.label.clone()).collect();
    let points = |f: &dyn Fn(&sherpa_app::WaterfallPeriod) -> Option<Decimal>| -> Vec<Option<f64>> {
        w.periods
            .iter()
            .map(|p| f(p).and_then(|v| v.to_f64()))
            .collect()
    };
    let mut series = vec![Series {
        name: "Plan".into(),
        points: points(&|p| get(&p.plan, head)),
        dashed: true,
    }];
    for (i, _) in w.replans.iter().enumerate() {
        series.push(Series {
            name: format!("Re-plan {}", i + 1),
            points: points(&|p| p.replans[i].as_ref().and_then(|m| m.get(head).copied())),
            dashed: true,
        });
    }
    series.push(Series {
        name: "Forecast".into(),
        points: points(&|p| get(&p.forecast, head)),
        dashed: false,
    });
    series.push(Series {
        name: "Actual".into(),
        points: points(&|p| get(&p.actual, head)),
        dashed: false,
    });
    let legend = series.iter().map(|s| s.name.clone()).collect();
    let unit = if w.series.is_forecast() {
        Unit::Money
    } else {
        Unit::Percent
    };
    let chart = lines(
        &format!(
            "{} by {}: plan, re-plans, forecast and actual",
            w.series.label(),
            w.grain
        ),
        &labels,
        &series,
        unit,
    );
    let a = |v| amount(w, v);
    let period_lines = w
        .periods
        .iter()
        .map(|p| {
            let now = if p.closed { &p.actual } else { &p.forecast };
            let changes = match (get(now, "contracted"), get(now, "expansion")) {
                (Some(c), Some(e)) if !(c.is_zero() && e.is_zero()) => {
                    format!("−{} / +{}", a(Some(c)), a(Some(e)))
                }
                _ => String::new(),
            };
            Line {
                label: p.period.label.clone(),
                start: p.period.start.to_string(),
                status: match (p.closed, p.frozen) {
                    // A tracked figure has a target, not a forecast, until its period ends.
                    (false, _) if w.series.is_forecast() => "forecast",
                    (false, _) => "open",
                    (true, false) => "actual so far",
                    (true, true) => "actual",
                },
                due: a(get(now, "due").or(get(&p.plan, "due"))),
                plan: a(get(&p.plan, head)),
                plan_churned: a(get(&p.plan, "churned")),
                replans: p
                    .replans
                    .iter()
                    .map(|r| a(r.as_ref().and_then(|m| m.get(head).copied())))
                    .collect(),
                now: a(get(now, head)),
                now_churned: a(get(now, "churned")),
                now_changes: changes,
                variance: p
                    .variance
                    .map(|v| {
                        let shown = a(Some(v.abs()));
                        if v.is_sign_negative() && !v.is_zero() {
                            format!("−{shown}")
                        } else {
                            format!("+{shown}")
                        }
                    })
                    .unwrap_or_default(),
                below: p.variance.is_some_and(|v| v < Decimal::ZERO),
                why: p.why.as_ref().map(|n| {
                    format!(
                        "{} ({})",
                        n.why,
                        n.by.clone().unwrap_or_else(|| "system".into())
                    )
                }),
                why_needed: p.why_needed(),
            }
        })
        .collect();
    let made = |r: &sherpa_store::PlanRecord, what: &str| {
        let mut s = format!(
            "{what} on {} by {}",
            r.made_at.date_naive(),
            r.by.clone().unwrap_or_else(|| "an API token".into())
        );
        if !r.note.is_empty() {
            s.push_str(&format!(": “{}”", r.note));
        }
        s
    };
    let pct = |v: Decimal| format!("{}%", (v * Decimal::ONE_HUNDRED).round_dp(0));
    ForecastPage {
        series: w.series.as_str(),
        series_choices: Tracked::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        forecast_series: w.series.is_forecast(),
        target_unit: if w.series == Tracked::Nps { "NPS" } else { "%" },
        grain: w.grain.to_string(),
        grains: GRAINS.to_vec(),
        plan: w.plan.as_ref().map(|p| made(p, "Locked")),
        replans: w
            .replans
            .iter()
            .enumerate()
            .map(|(i, r)| made(r, &format!("Re-plan {}", i + 1)))
            .collect(),
        whys_needed: w.whys_needed(),
        chart,
        legend,
        lines: period_lines,
        lock_periods: w
            .periods
            .iter()
            .map(|p| (p.period.start.to_string(), p.period.label.clone()))
            .collect(),
        replan_periods: w
            .periods
            .iter()
            .filter(|p| !p.closed)
            .map(|p| (p.period.start.to_string(), p.period.label.clone()))
            .collect(),
        colour_checks: w.colour_checks.iter().map(|c| c.words()).collect(),
        bands: Band::ALL.iter().map(|b| b.label()).collect(),
        band_keys: Band::ALL.iter().map(|b| (b.key(), b.label())).collect(),
        probabilities: COLOUR_KEYS
            .iter()
            .map(|c| ProbabilityRow {
                colour: colour_key(*c),
                cells: Band::ALL
                    .iter()
                    .map(|b| match w.basis.table.cell(*c, *b) {
                        Some(cell) => {
                            let shown = cell.probability().map(pct).unwrap_or("–".into());
                            let mut title = format!(
                                "{} of {} back-tested renewals renewed",
                                cell.count.renewed, cell.count.terms
                            );
                            let mut shown = shown;
                            if cell.edited.is_some() {
                                shown.push_str(" (set)");
                                let learned = cell.learned.map(pct).unwrap_or("none".into());
                                title = format!("set by a leader; learned {learned}; {title}");
                            }
                            (shown, title)
                        }
                        None => ("–".into(), String::new()),
                    })
                    .collect(),
            })
            .collect(),
        learned: w
            .basis
            .learned_at
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        relearning: w.basis.relearning,
        adoption: w.adoption.as_ref().map(|a| {
            let choices = a
                .catalogue
                .iter()
                .map(|(name, high)| FeatureChoice {
                    picked: a.picked.contains(name),
                    name: name.clone(),
                    high_value: *high,
                })
                .collect();
            (a.words(), choices)
        }),
        message,
        nav,
    }
}

impl Params {
    fn chosen(&self) -> Result<(Tracked, sherpa_core::revenue::Grain), Failure> {
        Ok((
            parse_series(self.series.as_deref())?,
            parse_forecast_grain(self.grain.as_deref())?,
        ))
    }
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let (series, grain) = p.chosen()?;
    let w = s.app.waterfall(&c.caller(), series, grain).await?;
    Ok(render(&page(Nav::new(&c, "forecast"), &w, None)))
}

/// The waterfall as XLSX or CSV: one row per period and line.
pub async fn export(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let (series, grain) = p.chosen()?;
    let w = s.app.waterfall(&c.caller(), series, grain).await?;
    download(
        &w.table(),
        p.format.as_deref().unwrap_or("xlsx"),
        &format!("forecast-{}", series.as_str()),
        w.today,
    )
}

/// A lock, a re-plan or a why, as the page's forms send them (targets as `target.<start>`).
#[derive(Deserialize)]
pub struct PlanForm {
    series: Option<String>,
    grain: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    period: Option<String>,
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl PlanForm {
    fn request(&self) -> sherpa_app::Result<PlanRequest> {
        let mut targets = BTreeMap::new();
        for (k, v) in &self.rest {
            let Some(day) = k.strip_prefix("target.") else {
                continue;
            };
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let day: NaiveDate = day.parse().map_err(|_| {
                sherpa_app::Error::invalid("targets", format!("{day} is not a day"))
            })?;
            let value: Decimal = v.parse().map_err(|_| {
                sherpa_app::Error::invalid("targets", format!("{day}: \"{v}\" is not a number"))
            })?;
            targets.insert(day, value);
        }
        Ok(PlanRequest {
            series: parse_series(self.series.as_deref())?,
            grain: parse_forecast_grain(self.grain.as_deref())?,
            note: self.note.clone(),
            targets,
        })
    }
}

enum Action {
    Lock,
    Replan,
    Why,
    Probability,
    StrategicFeatures,
}

async fn act(
    s: &AppState,
    c: &crate::web::session::Current,
    f: PlanForm,
    action: Action,
) -> PageResult {
    if !Nav::new(c, "revenue").manages() {
        return Err(Failure::forbidden(
            "only leaders and admins lock, re-plan and explain the forecast",
        ));
    }
    let series = parse_series(f.series.as_deref())?;
    let grain = parse_forecast_grain(f.grain.as_deref())?;
    let done = match action {
        Action::Lock => match f.request() {
            Ok(r) => s.app.lock_plan(&c.caller(), r).await.map(|_| ()),
            Err(e) => Err(e),
        },
        Action::Replan => match f.request() {
            Ok(r) => s.app.replan(&c.caller(), r).await.map(|_| ()),
            Err(e) => Err(e),
        },
        Action::Why => match f.period.as_deref().map(str::parse::<NaiveDate>) {
            Some(Ok(day)) => {
                s.app
                    .explain_variance(&c.caller(), series, grain, day, &f.note)
                    .await
            }
            _ => Err(sherpa_app::Error::invalid("period", "name the period")),
        },
        Action::StrategicFeatures => {
            let mut picked: Vec<String> = f
                .rest
                .keys()
                .filter_map(|k| k.strip_prefix("feature."))
                .map(str::to_string)
                .collect();
            picked.sort();
            s.app.set_strategic_features(&c.caller(), &picked).await
        }
        Action::Probability => {
            let field = |k: &str| f.rest.get(k).map(|v| v.trim()).unwrap_or_default();
            let percent = match field("renewal_percent") {
                "" => Ok(None),
                v => v.parse::<Decimal>().map(Some).map_err(|_| {
                    sherpa_app::Error::invalid(
                        "renewal_percent",
                        format!("\"{v}\" is not a number from 0 to 100"),
                    )
                }),
            };
            match percent {
                Ok(p) => {
                    s.app
                        .set_renewal_probability(&c.caller(), field("colour"), field("months"), p)
                        .await
                }
                Err(e) => Err(e),
            }
        }
    };
    let here = format!(
        "/revenue/forecast?series={}&grain={}",
        series.as_str(),
        grain.as_str()
    );
    match done {
        Ok(()) => Ok(Redirect::to(&here).into_response()),
        Err(e) => {
            let p = problem(e)?;
            let w = s.app.waterfall(&c.caller(), series, grain).await?;
            let mut resp = render(&page(
                Nav::new(c, "forecast"),
                &w,
                Some((false, format!("Nothing was saved: {p}."))),
            ));
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(resp)
        }
    }
}

/// The page's forms: `plans` (lock), `replans`, `variances` (a why), `probabilities` (a cell
/// set by hand) and `strategic-features`.
pub async fn form(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(action): Path<String>,
    Form(f): Form<PlanForm>,
) -> PageResult {
    let action = match action.as_str() {
        "plans" => Action::Lock,
        "replans" => Action::Replan,
        "variances" => Action::Why,
        "probabilities" => Action::Probability,
        "strategic-features" => Action::StrategicFeatures,
        _ => return Err(Failure::not_found("no such form on the forecast page")),
    };
    act(&s, &c, f, action).await
}
