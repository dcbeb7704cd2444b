//! The health back-test page (seed 003: check the score against what really happened): the
//! verdict, churn and calibration by colour, lift by decile, each factor's own power, and the
//! weights a logistic regression suggests, which change the live scorecard only when a person
//! with the right to configure it presses "Use these weights".

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, backtest_chart, format, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::{ApplyWeights, BacktestState};
use sherpa_core::health::{Auc, Backtest};
use sherpa_store::BACKTEST_MAX_HORIZON_DAYS;
use std::collections::HashMap;

struct ColourLine {
    colour: &'static str,
    terms: usize,
    renewed: usize,
    contracted: usize,
    churned: usize,
    actual: String,
    interval: String,
    predicted: String,
}

struct FactorLine {
    name: String,
    in_scorecard: bool,
    known: usize,
    coverage: String,
    auc: String,
    p: String,
    direction: &'static str,
    /// Beyond chance after the correction.
    signal: bool,
}

struct HorizonLine {
    days: u32,
    terms: usize,
    auc: String,
    verdict: &'static str,
}

struct WeightLine {
    metric: String,
    name: String,
    now: String,
    suggested: String,
    /// False: not fitted, either too rarely known (kept as it is) or constant (dropped).
    fitted: bool,
    /// The suggestion keeps the weight as it is.
    kept: bool,
    /// "up", "down" or "".
    moved: &'static str,
}

/// The suggestion's figures: the scorecard, terms and accounts, folds, AUC as it is and as
/// suggested (mean ± spread across folds).
struct SuggestionLine {
    scorecard: String,
    terms: usize,
    accounts: usize,
    folds: usize,
    now: String,
    suggested: String,
}

#[derive(Template)]
#[template(path = "backtest.html")]
struct BacktestPage {
    nav: Nav,
    horizon_days: u32,
    max_horizon: u32,
    computed_at: String,
    terms: usize,
    unscored: usize,
    at_start: usize,
    left_out: usize,
    auc: String,
    interval: String,
    /// "good", "chance" or "bad".
    verdict_class: &'static str,
    verdict: String,
    horizons: Vec<HorizonLine>,
    unused: Vec<String>,
    colours: Vec<ColourLine>,
    chart: Option<String>,
    factors: Vec<FactorLine>,
    judged: usize,
    suggestion: Option<SuggestionLine>,
    /// Whether the suggestion beats the live scorecard beyond its spread, and why (or why not).
    offered: bool,
    why: String,
    weights: Vec<WeightLine>,
    may_apply: bool,
    applied: String,
    problem: String,
}

/// While the job computes it.
#[derive(Template)]
#[template(path = "backtest_computing.html")]
struct ComputingPage {
    nav: Nav,
    horizon_days: u32,
    /// The address the page reloads: the same horizon, the recompute asked for and what was
    /// just done (so that it is still said when the result arrives).
    again: String,
    applied: String,
    problem: String,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn auc_interval(a: &Option<Auc>) -> String {
    a.map_or("–".into(), |a| {
        format!("{:.2} ({:.2} to {:.2})", a.value, a.low, a.high)
    })
}

fn auc_class(a: &Option<Auc>) -> &'static str {
    match a {
        Some(a) if a.beats_chance() && a.value > 0.5 => "good",
        Some(a) if a.beats_chance() => "bad",
        _ => "chance",
    }
}

#[derive(Deserialize)]
pub struct Params {
    horizon_days: Option<String>,
    #[serde(default)]
    applied: String,
    #[serde(default)]
    problem: String,
    /// A recompute was asked for at this time (Unix seconds): an older result is not shown.
    since: Option<i64>,
}

fn horizon(text: Option<&str>) -> Result<u32, crate::web::Failure> {
    match text.map(str::trim) {
        None | Some("") => Ok(90),
        Some(h) => h.parse().map_err(|_| {
            crate::web::Failure::bad_request(format!(
                "horizon_days: \"{h}\" is not a whole number of days"
            ))
        }),
    }
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let horizon_days = horizon(p.horizon_days.as_deref())?;
    let stored = match s.app.health_backtest(&c.caller(), horizon_days).await? {
        BacktestState::Ready(stored)
            if p.since.is_none_or(|t| stored.computed_at.timestamp() >= t) =>
        {
            stored
        }
        _ => {
            let since = p.since.map(|t| t.to_string()).unwrap_or_default();
            let pairs = [
                ("horizon_days", horizon_days.to_string()),
                ("since", since),
                ("applied", p.applied.clone()),
                ("problem", p.problem.clone()),
            ];
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            return Ok(render(&ComputingPage {
                nav: Nav::new(&c, "portfolio"),
                horizon_days,
                again: format!("/portfolio/health/backtest?{}", format::query(&pairs)),
                applied: p.applied,
                problem: p.problem,
            })
            .into_response());
        }
    };
    let b: &Backtest = &stored.backtest;
    let overall = b
        .auc
        .map(|a| a.churned as f64 / (a.churned + a.renewed) as f64)
        .unwrap_or(0.0);
    let weights = b
        .suggestion
        .iter()
        .flat_map(|s| &s.weights)
        .map(|w| WeightLine {
            metric: w.metric.clone(),
            name: w.name.clone(),
            now: format!("{}", w.now),
            suggested: if w.suggested > 0.0 {
                format!("{}", w.suggested)
            } else {
                "drop".into()
            },
            fitted: w.fitted,
            kept: w.suggested == w.now,
            moved: if w.suggested > w.now {
                "up"
            } else if w.suggested < w.now {
                "down"
            } else {
                ""
            },
        })
        .collect();
    Ok(render(&BacktestPage {
        nav: Nav::new(&c, "portfolio"),
        horizon_days,
        max_horizon: BACKTEST_MAX_HORIZON_DAYS,
        computed_at: format::time(stored.computed_at),
        terms: b.terms,
        unscored: b.unscored,
        at_start: b.at_start,
        left_out: b.left_out,
        auc: b.auc.map_or("–".into(), |a| format!("{:.2}", a.value)),
        interval: b
            .auc
            .map(|a| format!("{:.2} to {:.2}", a.low, a.high))
            .unwrap_or_default(),
        verdict_class: auc_class(&b.auc),
        verdict: b.verdict.clone(),
        horizons: b
            .horizons
            .iter()
            .map(|h| HorizonLine {
                days: h.days,
                terms: h.terms,
                auc: auc_interval(&h.auc),
                verdict: match auc_class(&h.auc) {
                    "good" => "warns of churn",
                    "bad" => "points the wrong way",
                    _ if h.auc.is_some_and(|a| !a.enough()) => "too few to judge",
                    _ => "no better than chance",
                },
            })
            .collect(),
        unused: b
            .unused_signals()
            .map(|f| {
                format!(
                    "{} (AUC {:.2}, {})",
                    f.name,
                    f.auc.map_or(0.5, |a| a.value),
                    f.direction
                )
            })
            .collect(),
        colours: b
            .by_colour
            .iter()
            .map(|r| ColourLine {
                colour: r.colour.as_str(),
                terms: r.terms,
                renewed: r.renewed,
                contracted: r.contracted,
                churned: r.churned,
                actual: r.actual.map_or("–".into(), |a| pct(a.value)),
                interval: r.actual.map_or(String::new(), |a| {
                    format!("{} to {}", pct(a.low), pct(a.high))
                }),
                predicted: r.predicted.map_or("–".into(), pct),
            })
            .collect(),
        chart: backtest_chart::lift(&b.deciles, overall),
        judged: b.factors.iter().filter(|f| f.p_adjusted.is_some()).count(),
        factors: b
            .factors
            .iter()
            .map(|f| FactorLine {
                name: f.name.clone(),
                in_scorecard: f.in_scorecard,
                known: f.known,
                coverage: pct(f.coverage),
                auc: auc_interval(&f.auc),
                p: f.p_adjusted.map_or("–".into(), |p| {
                    if p < 0.001 {
                        "< 0.001".into()
                    } else {
                        format!("{p:.3}")
                    }
                }),
                direction: f.direction.as_str(),
                signal: f.signal(),
            })
            .collect(),
        offered: b.suggestion.as_ref().is_some_and(|s| s.offered),
        why: b
            .suggestion
            .as_ref()
            .map(|s| s.why.clone())
            .unwrap_or_default(),
        suggestion: b.suggestion.as_ref().map(|s| SuggestionLine {
            scorecard: s.scorecard.clone(),
            terms: s.terms,
            accounts: s.accounts,
            folds: s.gain.map_or(0, |g| g.folds),
            now: s.current.map_or("–".into(), |a| a.text()),
            suggested: s.suggested.map_or("–".into(), |a| a.text()),
        }),
        weights,
        may_apply: c.session.user.may_manage_book().is_ok(),
        applied: p.applied,
        problem: p.problem,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct RecomputeForm {
    horizon_days: Option<String>,
}

/// Asks for the back-test to be computed again (new outcomes or history since), and comes
/// back to it while it is.
pub async fn recompute(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<RecomputeForm>,
) -> PageResult {
    let horizon_days = horizon(f.horizon_days.as_deref())?;
    s.app.recompute_backtest(&c.caller(), horizon_days).await?;
    let asked = s.store.clock().now().timestamp();
    Ok(Redirect::to(&format!(
        "/portfolio/health/backtest?horizon_days={horizon_days}&since={asked}"
    ))
    .into_response())
}

/// Puts the weights the person saw into the live scorecard: the form carries them, so what is
/// saved is what was shown, not a new fit. A dropped factor leaves the scorecard.
pub async fn apply(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let back = |key: &str, message: &str| {
        Ok(Redirect::to(&format!(
            "/portfolio/health/backtest?{key}={}",
            format::url_encode(message)
        ))
        .into_response())
    };
    let name = f.get("scorecard").cloned().unwrap_or_default();
    let mut weights = Vec::new();
    for (key, value) in &f {
        let Some(metric) = key.strip_prefix("weight.") else {
            continue;
        };
        match ApplyWeights::weight(key, value) {
            Ok(w) => weights.push((metric.to_string(), w)),
            Err(e) => return back("problem", &super::problem(e)?),
        }
    }
    let cmd = ApplyWeights {
        scorecard: name.clone(),
        weights,
    };
    match s.app.apply_weights(&c.caller(), cmd).await {
        Ok(change) if change.changes.is_empty() => {
            back("applied", "The scorecard already has these weights.")
        }
        Ok(_) => back(
            "applied",
            &format!(
                "{name} now has the suggested weights; every account was re-scored. The version before is kept on the Scorecards page."
            ),
        ),
        Err(e) => back("problem", &super::problem(e)?),
    }
}
