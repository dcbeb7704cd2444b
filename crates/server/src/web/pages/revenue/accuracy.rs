//! The forecast's accuracy, for a CS leader: for 3 and 12 months ahead, how far past forecasts
//! of revenue retention were from what happened, in words and as a chart of forecast against
//! actual per month they were made, next to what a team that knows its book aims for. While the
//! job judges them, the page says so and refreshes.

use crate::AppState;
use crate::web::revenue_chart::{Series, Unit, lines};
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, download, format, render};
use askama::Template;
use axum::extract::{Query, State};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use sherpa_app::{AccuracyState, accuracy_table};
use sherpa_core::Money;
use sherpa_core::revenue::BENCHMARK_POINTS;

struct PointLine {
    as_of: String,
    renewals: usize,
    forecast: String,
    actual: String,
    error: String,
    off: bool,
    forecast_churned: String,
    actual_churned: String,
}

struct HorizonView {
    months: u32,
    words: String,
    chart: Option<String>,
    points: Vec<PointLine>,
}

#[derive(Template)]
#[template(path = "accuracy.html")]
struct AccuracyPage {
    nav: Nav,
    computing: bool,
    computed_at: String,
    horizons: Vec<HorizonView>,
}

#[derive(Deserialize)]
pub struct Params {
    format: Option<String>,
}

fn pct(v: Option<Decimal>) -> String {
    v.map(|v| format!("{}%", (v * Decimal::ONE_HUNDRED).round_dp(1)))
        .unwrap_or_else(|| "–".into())
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    let nav = Nav::new(&c, "forecast");
    let page = match s.app.forecast_accuracy(&c.caller()).await? {
        AccuracyState::Computing => AccuracyPage {
            nav,
            computing: true,
            computed_at: String::new(),
            horizons: Vec::new(),
        },
        AccuracyState::Ready {
            computed_at,
            currency,
            horizons,
        } => AccuracyPage {
            nav,
            computing: false,
            computed_at: computed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            horizons: horizons
                .iter()
                .map(|h| {
                    let labels: Vec<String> = h
                        .points
                        .iter()
                        .map(|p| p.as_of.format("%b %Y").to_string())
                        .collect();
                    let line = |name: &str,
                                f: &dyn Fn(
                        &sherpa_core::revenue::AccuracyPoint,
                    ) -> Option<Decimal>| Series {
                        name: name.into(),
                        points: h
                            .points
                            .iter()
                            .map(|p| f(p).and_then(|v| (v * Decimal::ONE_HUNDRED).to_f64()))
                            .collect(),
                        dashed: name == "Forecast",
                    };
                    let money = |amount: Decimal| {
                        format::money(&Money {
                            amount: amount.round_dp(0),
                            currency,
                        })
                    };
                    HorizonView {
                        months: h.months,
                        words: h.words(),
                        chart: lines(
                            &format!(
                                "Revenue retention forecast {} months ahead against what happened",
                                h.months
                            ),
                            &labels,
                            &[
                                line("Forecast", &|p| p.forecast.retention()),
                                line("Actual", &|p| p.actual.retention()),
                            ],
                            Unit::Percent,
                        ),
                        points: h
                            .points
                            .iter()
                            .map(|p| {
                                let e = p.retention_error();
                                PointLine {
                                    as_of: p.as_of.to_string(),
                                    renewals: p.actual.renewals,
                                    forecast: pct(p.forecast.retention()),
                                    actual: pct(p.actual.retention()),
                                    error: e
                                        .map(|e| format!("{:+} pts", e.round_dp(1)))
                                        .unwrap_or_else(|| "–".into()),
                                    off: e.is_some_and(|e| e.abs() > BENCHMARK_POINTS),
                                    forecast_churned: money(p.forecast.churned),
                                    actual_churned: money(p.actual.churned),
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
        },
    };
    Ok(render(&page))
}

/// Every past forecast judged, as XLSX or CSV.
pub async fn export(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<Params>,
) -> PageResult {
    let (currency, horizons) = match s.app.forecast_accuracy(&c.caller()).await? {
        AccuracyState::Ready {
            currency, horizons, ..
        } => (currency, horizons),
        AccuracyState::Computing => (s.store.currency(), Vec::new()),
    };
    download(
        &accuracy_table(&horizons, currency),
        p.format.as_deref().unwrap_or("xlsx"),
        "forecast-accuracy",
        s.store.clock().today(),
    )
}
