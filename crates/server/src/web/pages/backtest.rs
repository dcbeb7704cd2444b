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
use sherpa_app::ApplyWeights;
use sherpa_core::health::{Auc, Backtest};
use sherpa_store::{BACKTEST_MAX_HORIZON_DAYS, StoreError};
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
    known: usize,
    auc: String,
    direction: &'static str,
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

#[derive(Template)]
#[template(path = "backtest.html")]
struct BacktestPage {
    nav: Nav,
    horizon_days: u32,
    max_horizon: u32,
    terms: usize,
    unscored: usize,
    auc: String,
    interval: String,
    /// "good", "chance" or "bad".
    verdict_class: &'static str,
    verdict: String,
    colours: Vec<ColourLine>,
    chart: Option<String>,
    factors: Vec<FactorLine>,
    suggestion: Option<(String, usize, usize, String, String)>,
    /// Whether the suggestion beats the live scorecard beyond its spread, and why (or why not).
    offered: bool,
    why: String,
    weights: Vec<WeightLine>,
    may_apply: bool,
    applied: String,
    problem: String,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn auc_text(a: &Option<Auc>) -> String {
    a.map_or("–".into(), |a| format!("{:.2}", a.value))
}

#[derive(Deserialize)]
pub struct Params {
    horizon_days: Option<String>,
    #[serde(default)]
    applied: String,
    #[serde(default)]
    problem: String,
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let horizon_days = match p.horizon_days.as_deref().map(str::trim) {
        None | Some("") => 90,
        Some(h) => h.parse().map_err(|_| {
            crate::web::Failure::bad_request(format!(
                "horizon_days: \"{h}\" is not a whole number of days"
            ))
        })?,
    };
    let b: Backtest = match s.store.health_backtest(horizon_days).await {
        Ok(b) => b,
        Err(StoreError::Invalid { field, message }) => {
            return Err(crate::web::Failure::bad_request(format!(
                "{field}: {message}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
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
        terms: b.terms,
        unscored: b.unscored,
        auc: auc_text(&b.auc),
        interval: b
            .auc
            .map(|a| format!("{:.2} to {:.2}", a.low, a.high))
            .unwrap_or_default(),
        verdict_class: match b.auc {
            Some(a) if a.beats_chance() && a.value > 0.5 => "good",
            Some(a) if a.beats_chance() => "bad",
            _ => "chance",
        },
        verdict: b.verdict.clone(),
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
        factors: b
            .factors
            .iter()
            .map(|f| FactorLine {
                name: f.name.clone(),
                known: f.known,
                auc: f.auc.map_or("–".into(), |a| {
                    format!("{:.2} ({:.2} to {:.2})", a.value, a.low, a.high)
                }),
                direction: f.direction,
            })
            .collect(),
        offered: b.suggestion.as_ref().is_some_and(|s| s.offered),
        why: b
            .suggestion
            .as_ref()
            .map(|s| s.why.clone())
            .unwrap_or_default(),
        suggestion: b.suggestion.as_ref().map(|s| {
            (
                s.scorecard.clone(),
                s.train_terms,
                s.test_terms,
                auc_text(&s.current_auc),
                auc_text(&s.suggested_auc),
            )
        }),
        weights,
        may_apply: c.session.user.may_manage_book().is_ok(),
        applied: p.applied,
        problem: p.problem,
    })
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
