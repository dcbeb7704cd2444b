//! Data intake (admins): messages per minute, the latest rejected messages and why, group ids
//! no account carries yet, the ingest tokens, raw-event retention and the feature catalog.

use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use sherpa_app::MapFeature;
use sherpa_store::{IntakeStatus, TokenInfo};
use std::fmt::Write as _;

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    nav: Nav,
    status: IntakeStatus,
    rejections: Vec<(String, String, String, String)>,
    minutes_chart: String,
    last_hour: i64,
    tokens: Vec<TokenInfo>,
    retention_days: i64,
    features: Vec<(String, String, bool)>,
    message: Option<String>,
    ok: bool,
}

/// Bars of accepted messages per minute over the last hour (rejected ones in red).
fn minutes_chart(rows: &[(String, i64, i64)], now: chrono::DateTime<chrono::Utc>) -> String {
    // As wide as the card it fills, so that its labels keep the page's size.
    let (w, h, left, bottom) = (1240.0_f64, 150.0_f64, 64.0_f64, 20.0_f64);
    let top = rows.iter().map(|(_, a, r)| a + r).max().unwrap_or(0).max(1) as f64;
    let start = now - chrono::Duration::minutes(59);
    let slot = (w - left - 8.0) / 60.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Messages per minute, last hour\">\
         <text x=\"{}\" y=\"14\" class=\"axis\" text-anchor=\"end\">{top}</text>\
         <text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">0</text>",
        left - 6.0,
        left - 6.0,
        h - bottom
    );
    for (minute, accepted, rejected) in rows {
        let Ok(t) = chrono::NaiveDateTime::parse_from_str(minute, "%Y-%m-%dT%H:%M") else {
            continue;
        };
        let i = (t.and_utc() - start).num_minutes();
        if !(0..60).contains(&i) {
            continue;
        }
        let x = left + i as f64 * slot;
        let scale = |n: i64| n as f64 / top * (h - bottom - 8.0);
        let (ha, hr) = (scale(*accepted), scale(*rejected));
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{ha:.1}\" class=\"bar\"><title>{minute}: {accepted} accepted, {rejected} rejected</title></rect>",
            h - bottom - ha,
            slot * 0.8
        );
        if *rejected > 0 {
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hr:.1}\" fill=\"#b42318\"/>",
                h - bottom - ha - hr,
                slot * 0.8
            );
        }
    }
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{}\" class=\"axis\">{}</text><text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">now</text></svg>",
        h - 4.0,
        start.format("%H:%M UTC"),
        w - 8.0,
        h - 4.0
    );
    svg
}

async fn page(s: &AppState, c: &Current, outcome: Option<Result<String, String>>) -> PageResult {
    let now = s.store.clock().now();
    let status = s.store.intake_status().await?;
    let minutes = s
        .store
        .intake_minutes(now - chrono::Duration::minutes(59))
        .await?;
    let tokens = s
        .store
        .tokens(None)
        .await?
        .into_iter()
        .filter(|t| t.scope == "ingest" && !t.revoked)
        .collect();
    let ok = outcome.as_ref().is_none_or(|o| o.is_ok());
    let mut resp = render(&IntakePage {
        nav: Nav::new(c, "intake"),
        rejections: status
            .last_rejections
            .iter()
            .map(|(at, code, reason, sample)| {
                (
                    format::time(*at),
                    code.clone(),
                    reason.clone(),
                    sample.clone(),
                )
            })
            .collect(),
        last_hour: minutes.iter().map(|(_, a, _)| a).sum(),
        minutes_chart: minutes_chart(&minutes, now),
        status,
        tokens,
        retention_days: s.store.event_retention_days().await?,
        features: s.store.feature_catalog().await?,
        message: outcome.map(|o| o.unwrap_or_else(|e| e)),
        ok,
    });
    if !ok {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    page(&s, &c, None).await
}

#[derive(Deserialize)]
pub struct Retention {
    days: String,
}

pub async fn set_retention(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<Retention>,
) -> PageResult {
    let set = async {
        let days = super::number("retention", &f.days)?;
        s.app.set_event_retention(&c.caller(), days).await?;
        Ok(days)
    }
    .await;
    let outcome = match set {
        Ok(days) => Ok(format!(
            "Raw events are now kept {days} days; daily rollups are kept forever."
        )),
        Err(e) => Err(super::problem(e)?),
    };
    page(&s, &c, Some(outcome)).await
}

#[derive(Deserialize)]
pub struct Feature {
    event: String,
    feature: String,
    #[serde(default)]
    high_value: Option<String>,
}

pub async fn set_feature(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<Feature>,
) -> PageResult {
    let cmd = MapFeature {
        event: f.event.clone(),
        feature: f.feature.clone(),
        high_value: f.high_value.is_some(),
    };
    let outcome = match s.app.map_feature(&c.caller(), cmd).await {
        Ok(()) => Ok(format!(
            "\"{}\" now counts as the feature \"{}\".",
            f.event.trim(),
            f.feature.trim()
        )),
        Err(e) => Err(super::problem(e)?),
    };
    page(&s, &c, Some(outcome)).await
}
