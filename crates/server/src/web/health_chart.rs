//! Health charts as inline SVG: an account's score over time on the colour bands of its
//! thresholds, and the book's colour distribution day by day as stacked bars.

use super::chart::{BOTTOM, HEIGHT, RIGHT, WIDTH, date_ends, grid_line};
use chrono::NaiveDate;
use sherpa_core::health::{Colour, Thresholds};
use sherpa_store::{ColourDay, HealthSnapshot};
use std::fmt::Write;

// Scores need a narrower margin than money.
const LEFT: f64 = 40.0;
const TOP: f64 = 12.0;

/// The colours of the stacked bars, in [`ColourDay::counts`] order.
const SLOTS: [(&str, &str); 5] = [
    ("green", "green"),
    ("yellow", "yellow"),
    ("orange", "orange"),
    ("red", "red"),
    ("none", "not enough data"),
];

fn y_score(v: f64) -> f64 {
    TOP + (1.0 - v / 100.0) * (HEIGHT - TOP - BOTTOM)
}

/// The account's score over its snapshots (oldest first here), on the bands of `t`; `None`
/// when fewer than two snapshots have a score.
pub fn trend(
    snapshots: &[HealthSnapshot],
    t: &Thresholds,
    scoring_changes: &[NaiveDate],
) -> Option<String> {
    let mut points: Vec<(NaiveDate, f64, Option<Colour>)> = snapshots
        .iter()
        .filter_map(|s| Some((s.taken_at.date_naive(), s.score?, s.colour)))
        .collect();
    points.sort_by_key(|p| p.0);
    if points.len() < 2 {
        return None;
    }
    let (from, to) = (points[0].0, points[points.len() - 1].0);
    let span = (to - from).num_days().max(1) as f64;
    let x = |d: NaiveDate| LEFT + (d - from).num_days() as f64 / span * (WIDTH - LEFT - RIGHT);
    let last = points[points.len() - 1];
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Health score from {from} to {to}, now {:.0}\">",
        last.1
    );
    for (lo, hi, class) in [
        (t.green, 100.0, "green"),
        (t.yellow, t.green, "yellow"),
        (t.orange, t.yellow, "orange"),
        (0.0, t.orange, "red"),
    ] {
        let _ = write!(
            svg,
            "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"band {class}\"/>",
            y_score(hi),
            WIDTH - LEFT - RIGHT,
            y_score(lo) - y_score(hi)
        );
    }
    for v in [0.0, 50.0, 100.0] {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{v}</text>",
            LEFT - 6.0,
            y_score(v) + 4.0
        );
    }
    date_ends(&mut svg, [(x(from), from), (x(to), to)], "%d %b");
    scoring_marks(&mut svg, scoring_changes, (from, to), x);
    let line: Vec<String> = points
        .iter()
        .map(|(d, v, _)| format!("{:.1},{:.1}", x(*d), y_score(*v)))
        .collect();
    let _ = write!(
        svg,
        "<polyline points=\"{}\" class=\"line\"/>",
        line.join(" ")
    );
    for (d, v, c) in &points {
        let colour = c.map_or("none", |c| c.as_str());
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" class=\"dot {colour}\"><title>{d}: {v:.0} ({colour})</title></circle>",
            x(*d),
            y_score(*v)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// A dashed line at each day the scoring changed within `(from, to)`, labelled, so that a
/// move on that day reads as the scorecard's, not the customer's.
fn scoring_marks(
    svg: &mut String,
    days: &[NaiveDate],
    (from, to): (NaiveDate, NaiveDate),
    x: impl Fn(NaiveDate) -> f64,
) {
    for d in days.iter().filter(|d| **d >= from && **d <= to) {
        let at = x(*d);
        // The label reads leftward near the right edge, so it stays inside the chart.
        let anchor = if at > WIDTH / 2.0 { "end" } else { "start" };
        let nudge = if at > WIDTH / 2.0 { -4.0 } else { 4.0 };
        let _ = write!(
            svg,
            "<line x1=\"{at:.1}\" x2=\"{at:.1}\" y1=\"{TOP}\" y2=\"{:.1}\" class=\"scoring-change\"><title>{d}: the scorecards changed</title></line>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"{anchor}\">scorecard changed {}</text>",
            HEIGHT - BOTTOM,
            at + nudge,
            TOP + 10.0,
            d.format("%d %b")
        );
    }
}

/// The book's colours day by day as stacked bars (share of accounts); `None` without days.
pub fn distribution(days: &[ColourDay], scoring_changes: &[NaiveDate]) -> Option<String> {
    let (first, last) = (days.first()?, days.last()?);
    let (from, to) = (first.day, last.day);
    let span = (to - from).num_days().max(1) as f64;
    let inner = WIDTH - LEFT - RIGHT;
    let bar = (inner / (days.len() as f64 + 1.0) * 0.8).clamp(2.0, 40.0);
    let x = |d: NaiveDate| LEFT + bar / 2.0 + (d - from).num_days() as f64 / span * (inner - bar);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Accounts by health colour from {from} to {to}\">"
    );
    for v in [0.0, 50.0, 100.0] {
        grid_line(&mut svg, LEFT, y_score(v), &format!("{v}%"));
    }
    date_ends(&mut svg, [(x(from), from), (x(to), to)], "%d %b");
    for d in days {
        let total = d.counts.iter().sum::<i64>().max(1) as f64;
        let mut below = 0.0;
        for (n, (class, label)) in d.counts.iter().zip(SLOTS).rev() {
            if *n == 0 {
                continue;
            }
            let share = *n as f64 * 100.0 / total;
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" class=\"stack {class}\"><title>{}: {n} {label} ({share:.0}%)</title></rect>",
                x(d.day) - bar / 2.0,
                y_score(below + share),
                y_score(below) - y_score(below + share),
                d.day
            );
            below += share;
        }
    }
    scoring_marks(&mut svg, scoring_changes, (from, to), x);
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(day: &str, score: f64, colour: Colour) -> HealthSnapshot {
        HealthSnapshot {
            taken_at: format!("{day}T12:00:00Z").parse().unwrap(),
            score: Some(score),
            colour: Some(colour),
            from_colour: None,
            scorecard: "Default".into(),
            reason: "daily".into(),
        }
    }

    #[test]
    fn the_trend_draws_each_snapshot_in_its_colour_and_says_the_latest_score() {
        let svg = trend(
            &[
                snap("2026-11-20", 40.0, Colour::Orange),
                snap("2026-11-01", 80.0, Colour::Green),
            ],
            &Thresholds::default(),
            &[
                "2026-11-10".parse().unwrap(),
                // Before the chart's first day: not drawn.
                "2026-10-01".parse().unwrap(),
            ],
        )
        .unwrap();
        assert!(svg.contains("now 40"), "{svg}");
        assert!(svg.contains("class=\"dot green\"") && svg.contains("class=\"dot orange\""));
        assert_eq!(svg.matches("class=\"scoring-change\"").count(), 1, "{svg}");
        assert!(svg.contains("scorecard changed 10 Nov"), "{svg}");
        assert!(
            trend(
                &[snap("2026-11-20", 40.0, Colour::Orange)],
                &Thresholds::default(),
                &[]
            )
            .is_none()
        );
    }

    #[test]
    fn the_distribution_stacks_shares_that_fill_the_height() {
        let day = ColourDay {
            day: "2026-11-23".parse().unwrap(),
            counts: [3, 1, 0, 0, 0],
        };
        let svg = distribution(&[day], &[]).unwrap();
        assert!(
            svg.contains("3 green (75%)") && svg.contains("1 yellow (25%)"),
            "{svg}"
        );
        assert!(!svg.contains("orange ("), "no empty segments");
    }
}
