//! The leader's health page: the book's colours over time, and the accounts that changed colour
//! this week.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, health_chart, render};
use askama::Template;
use axum::extract::State;
use sherpa_core::AccountId;
use sherpa_store::ColourMove;

/// How far back the page draws the book's colours.
const DISTRIBUTION_DAYS: u64 = 90;

struct MoveLine {
    id: AccountId,
    name: String,
    arr: String,
    from: &'static str,
    to: &'static str,
    score: String,
    worse: bool,
    /// The scoring moved it, not the account's data.
    by_scoring: bool,
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    nav: Nav,
    chart: Option<String>,
    /// Today's count of each colour, in the chart's order: label, class, count.
    today: Vec<(&'static str, &'static str, i64)>,
    since: String,
    moves: Vec<MoveLine>,
    worse: usize,
    /// Scoring changes of the last week: day and what changed; and how many moves they made.
    scoring_changes: Vec<(String, String)>,
    by_scoring: usize,
}

fn colour_name(c: Option<sherpa_core::health::Colour>) -> &'static str {
    c.map(|c| c.as_str()).unwrap_or("none")
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    let today = s.store.clock().today();
    let days = s
        .store
        .health_distribution(today - chrono::Days::new(DISTRIBUTION_DAYS))
        .await?;
    let (base, moves) = s
        .store
        .colour_moves_since(today - chrono::Days::new(7))
        .await?;
    let latest = days.last().map(|d| d.counts).unwrap_or_default();
    let from = (today - chrono::Days::new(DISTRIBUTION_DAYS))
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let changes = s.store.scoring_changes(from).await?;
    let week_ago = s.store.clock().now() - chrono::Duration::days(7);
    let moves: Vec<MoveLine> = moves
        .iter()
        .map(|m: &ColourMove| MoveLine {
            id: m.account,
            name: m.name.clone(),
            arr: format::money(&m.arr),
            from: colour_name(m.from),
            to: colour_name(m.to),
            score: m.score.map(|s| format!("{s:.0}")).unwrap_or_default(),
            worse: m.worse(),
            by_scoring: m.by_scoring,
        })
        .collect();
    Ok(render(&HealthPage {
        nav: Nav::new(&c, "portfolio"),
        chart: health_chart::distribution(
            &days,
            &changes
                .iter()
                .map(|c| c.at.date_naive())
                .collect::<Vec<_>>(),
        ),
        scoring_changes: changes
            .iter()
            .filter(|c| c.at >= week_ago)
            .map(|c| (c.at.format("%d %b %Y").to_string(), c.summary.clone()))
            .collect(),
        by_scoring: moves.iter().filter(|m| m.by_scoring).count(),
        today: [
            ("green", "green"),
            ("yellow", "yellow"),
            ("orange", "orange"),
            ("red", "red"),
            ("not enough data", "none"),
        ]
        .into_iter()
        .zip(latest)
        .map(|((label, class), n)| (label, class, n))
        .collect(),
        since: base
            .map(|d| d.format("%d %b %Y").to_string())
            .unwrap_or_default(),
        worse: moves.iter().filter(|m| m.worse).count(),
        moves,
    }))
}
