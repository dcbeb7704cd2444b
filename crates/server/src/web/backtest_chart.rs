//! The back-test's lift chart as inline SVG: the churn rate of each tenth of the scored terms,
//! lowest scores first, against the whole sample's rate. A score that warns of churn draws
//! tall bars on the left and none on the right.

use super::chart::{BOTTOM, HEIGHT, RIGHT, WIDTH, grid_line};
use sherpa_core::health::Decile;
use std::fmt::Write;

const LEFT: f64 = 44.0;
const TOP: f64 = 14.0;

/// `None` without deciles (fewer than ten scored terms).
pub fn lift(deciles: &[Decile], overall: f64) -> Option<String> {
    if deciles.is_empty() {
        return None;
    }
    let top = deciles
        .iter()
        .map(|d| d.churn_rate)
        .fold(overall, f64::max)
        .max(0.01);
    // A round top: the next 10% above the highest rate.
    let top = ((top * 10.0).ceil() / 10.0).min(1.0);
    let y = |rate: f64| TOP + (1.0 - rate / top) * (HEIGHT - TOP - BOTTOM);
    let slot = (WIDTH - LEFT - RIGHT) / deciles.len() as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Churn rate by score decile, lowest scores first: {:.0}% in the first, {:.0}% overall\">",
        deciles[0].churn_rate * 100.0,
        overall * 100.0
    );
    for rate in [0.0, top / 2.0, top] {
        grid_line(&mut svg, LEFT, y(rate), &format!("{:.0}%", rate * 100.0));
    }
    for (i, d) in deciles.iter().enumerate() {
        let x = LEFT + i as f64 * slot + slot * 0.15;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"{}\"><title>Scores {:.0} to {:.0}: {} terms, {:.0}% churned, lift {:.1}</title></rect>\
             <text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            y(d.churn_rate),
            slot * 0.7,
            y(0.0) - y(d.churn_rate),
            if d.lift > 1.0 { "short" } else { "bar" },
            d.score_from,
            d.score_to,
            d.n,
            d.churn_rate * 100.0,
            d.lift,
            x + slot * 0.35,
            HEIGHT - 8.0,
            i + 1
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"key\" stroke-dasharray=\"5 4\"/>",
        WIDTH - RIGHT,
        y(overall),
        y(overall)
    );
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_per_decile_the_risky_ones_marked() {
        let d = |rate: f64, lift: f64| Decile {
            n: 10,
            score_from: 0.0,
            score_to: 10.0,
            churn_rate: rate,
            lift,
        };
        let svg = lift(&[d(0.5, 5.0), d(0.0, 0.0)], 0.1).unwrap();
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(svg.matches("class=\"short\"").count(), 1);
        assert!(svg.contains("50% in the first, 10% overall"));
        assert!(lift(&[], 0.1).is_none());
    }
}
