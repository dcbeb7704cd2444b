//! The ARR-history chart of the account 360: ARR as a step line over time, drawn as inline SVG
//! (a chart this simple needs no charting library, and inline SVG needs no script).

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use sherpa_core::{ArrMovement, Money};
use std::fmt::Write;

pub(super) const WIDTH: f64 = 640.0;
pub(super) const HEIGHT: f64 = 200.0;
const LEFT: f64 = 72.0;
pub(super) const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
pub(super) const BOTTOM: f64 = 28.0;

/// A horizontal grid line at `y` across a chart whose plot starts at `left`, labelled in the
/// margin.
pub(super) fn grid_line(svg: &mut String, left: f64, y: f64, label: &str) {
    let _ = write!(
        svg,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
         <text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{label}</text>",
        WIDTH - RIGHT,
        left - 6.0,
        y + 4.0
    );
}

/// The first and last dates under the x axis, at their x.
pub(super) fn date_ends(svg: &mut String, ends: [(f64, NaiveDate); 2], format: &str) {
    for ((x, d), anchor) in ends.into_iter().zip(["start", "end"]) {
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"{anchor}\">{}</text>",
            HEIGHT - 8.0,
            d.format(format)
        );
    }
}

/// The chart up to today, or `None` when there is no history to draw. Movements after today
/// (a term that will end unless renewed) are not history yet and are left out.
pub fn arr_history(movements: &[ArrMovement], today: NaiveDate) -> Option<String> {
    let past: Vec<&ArrMovement> = movements.iter().filter(|m| m.on <= today).collect();
    let movements = past.as_slice();
    let first = movements.first()?;
    let start = first.on;
    let end = today.max(start + chrono::Days::new(30));
    let value = |m: &Money| m.amount.to_f64().unwrap_or(0.0);
    let top_value = movements
        .iter()
        .map(|m| value(&m.arr_after))
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.1;
    let span = (end - start).num_days().max(1) as f64;
    let x = |d: NaiveDate| LEFT + (d - start).num_days() as f64 / span * (WIDTH - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - v / top_value) * (HEIGHT - TOP - BOTTOM);
    let mut path = format!("M{:.1},{:.1}", x(start), y(0.0));
    for m in movements {
        let _ = write!(
            path,
            " L{:.1},{:.1} L{:.1},{:.1}",
            x(m.on),
            y(value(&m.arr_after) - value(&m.change)),
            x(m.on),
            y(value(&m.arr_after))
        );
    }
    let last = movements.last()?;
    let _ = write!(path, " L{:.1},{:.1}", x(end), y(value(&last.arr_after)));
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"ARR over time, now {}\">",
        super::format::money(&last.arr_after)
    );
    // Three grid lines with their values.
    for i in 0..=2 {
        let v = top_value / 1.1 * f64::from(i) / 2.0;
        let gy = y(v);
        let label = super::format::money(&Money {
            amount: rust_decimal::Decimal::from_f64_retain(v.round()).unwrap_or_default(),
            currency: last.arr_after.currency,
        });
        grid_line(&mut svg, LEFT, gy, &label);
    }
    date_ends(&mut svg, [(x(start), start), (x(end), end)], "%b %Y");
    let _ = write!(svg, "<path d=\"{path}\" class=\"line\"/>");
    for m in movements {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" class=\"dot\"><title>{}: {} ({})</title></circle>",
            x(m.on),
            y(value(&m.arr_after)),
            m.on,
            super::format::money(&m.arr_after),
            m.kind
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// Active users per day (bars) and seats in use (line) over a window, with the contracted seats
/// as a dashed line; `None` when there was no usage at all.
pub fn usage(
    days: &[sherpa_store::UsageDay],
    from: NaiveDate,
    to: NaiveDate,
    contracted: Option<i64>,
) -> Option<String> {
    if days.is_empty() {
        return None;
    }
    let span = (to - from).num_days().max(1) as f64;
    let top = days
        .iter()
        .map(|d| d.seats_in_use.max(d.active_users))
        .chain(contracted)
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.15;
    let x = |d: NaiveDate| LEFT + (d - from).num_days() as f64 / span * (WIDTH - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - v / top) * (HEIGHT - TOP - BOTTOM);
    let bar = ((WIDTH - LEFT - RIGHT) / (span + 1.0) * 0.7).max(1.0);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Active users per day and seats in use, {from} to {to}\">"
    );
    for i in 0..=2 {
        let v = (top / 1.15 * f64::from(i) / 2.0).round();
        grid_line(&mut svg, LEFT, y(v), &v.to_string());
    }
    date_ends(&mut svg, [(x(from), from), (x(to), to)], "%d %b");
    for d in days {
        let h = y(0.0) - y(d.active_users as f64);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" class=\"bar\"><title>{}: {} active users</title></rect>",
            x(d.day) - bar / 2.0,
            y(d.active_users as f64),
            d.day,
            d.active_users
        );
    }
    let points: Vec<String> = days
        .iter()
        .map(|d| format!("{:.1},{:.1}", x(d.day), y(d.seats_in_use as f64)))
        .collect();
    let _ = write!(
        svg,
        "<polyline points=\"{}\" class=\"line\"/>",
        points.join(" ")
    );
    if let Some(c) = contracted {
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\" class=\"limit\"><title>{c} contracted seats</title></line>",
            WIDTH - RIGHT,
            cy = y(c as f64)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::{ArrMovementKind, Currency};

    fn movement(on: &str, change: &str, after: &str) -> ArrMovement {
        ArrMovement {
            on: on.parse().unwrap(),
            kind: ArrMovementKind::New,
            change: Money::parse(change, Currency::USD).unwrap(),
            arr_after: Money::parse(after, Currency::USD).unwrap(),
        }
    }

    #[test]
    fn the_chart_shows_history_up_to_today_not_a_term_ending_next_month() {
        let today: NaiveDate = "2026-11-23".parse().unwrap();
        let history = [
            movement("2024-01-01", "10000", "10000"),
            movement("2025-01-01", "5000", "15000"),
            movement("2026-12-31", "-15000", "0"),
        ];
        let svg = arr_history(&history, today).unwrap();
        assert!(
            svg.contains("aria-label=\"ARR over time, now $15,000\""),
            "{svg}"
        );
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "the future drop is not drawn"
        );
        assert!(arr_history(&[], today).is_none());
        assert!(
            arr_history(&history[2..], today).is_none(),
            "nothing has happened yet"
        );
    }
}
