//! A leader's home as inline SVG: the book's ARR split by health colour as one bar, and the
//! renewals of the coming months as bars of ARR with the part on accounts at risk.

use super::chart::{BOTTOM, HEIGHT, RIGHT, WIDTH, grid_line};
use super::format;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sherpa_app::{ColourShare, RenewalRisk};
use sherpa_core::{Currency, Money};
use std::fmt::Write;

const LEFT: f64 = 72.0;
const TOP: f64 = 12.0;

fn value(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The class of a colour's part (the stylesheet's `stack` colours).
fn class(c: Option<sherpa_core::health::Colour>) -> &'static str {
    c.map_or("none", |c| c.as_str())
}

/// The ARR of each colour as one bar split in proportion, named `name` for a screen reader
/// ("ARR by health colour"); `None` when the book has no ARR.
pub fn arr_mix(name: &str, mix: &[ColourShare]) -> Option<String> {
    let total: f64 = mix.iter().map(|s| value(s.arr.amount)).sum();
    if total <= 0.0 {
        return None;
    }
    let (width, height) = (WIDTH, 44.0);
    let mut svg = format!(
        "<svg class=\"chart mix\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}: {}\">",
        format::escape(name),
        mix.iter()
            .map(|s| format!(
                "{} {}",
                s.colour.map_or("not scored", |c| c.as_str()),
                format::money(&s.arr)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut x = 0.0;
    for s in mix {
        let share = value(s.arr.amount) / total;
        if share <= 0.0 {
            continue;
        }
        let w = share * width;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"4\" width=\"{w:.1}\" height=\"36\" class=\"stack {}\"><title>{}: {} ({:.0}%) across {} accounts</title></rect>",
            class(s.colour),
            s.colour.map_or("not scored", |c| c.as_str()),
            format::money(&s.arr),
            share * 100.0,
            s.accounts
        );
        if w > 60.0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"27\" class=\"inbar\">{:.0}%</text>",
                x + 8.0,
                share * 100.0
            );
        }
        x += w;
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// A money amount short enough for an axis: "$1.2M", "$350k".
fn short(amount: f64, currency: Currency) -> String {
    let sign = match currency.code() {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    if amount >= 1_000_000.0 {
        format!("{sign}{:.1}M", amount / 1_000_000.0)
    } else if amount >= 1_000.0 {
        format!("{sign}{:.0}k", amount / 1_000.0)
    } else {
        format!("{sign}{amount:.0}")
    }
}

/// Each month's renewing ARR as a bar, its part on accounts at risk drawn over it in red,
/// and the ARR expected to renew as a tick; `None` when nothing renews.
pub fn renewals_by_month(
    months: &[(NaiveDate, RenewalRisk)],
    currency: Currency,
) -> Option<String> {
    let top = months.iter().map(|(_, r)| value(r.arr)).fold(0.0, f64::max);
    if top <= 0.0 {
        return None;
    }
    let top = top * 1.1;
    let inner = WIDTH - LEFT - RIGHT;
    let slot = inner / months.len() as f64;
    let bar = (slot * 0.6).min(60.0);
    let y = |v: f64| TOP + (1.0 - v / top) * (HEIGHT - TOP - BOTTOM);
    let mut svg = format!(
        "<svg class=\"chart renewals\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"ARR renewing by month, with the part on accounts at risk\">"
    );
    for f in [0.0, 0.5, 1.0] {
        grid_line(
            &mut svg,
            LEFT,
            y(top / 1.1 * f),
            &short(top / 1.1 * f, currency),
        );
    }
    for (i, (month, r)) in months.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let money = |amount| format::money(&Money { amount, currency });
        let when = month.format("%B %Y");
        // A bar from the axis up to `amount`, of `class`, that says `what`.
        let mut column = |amount: Decimal, class: &str, what: String| {
            let top = y(value(amount));
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" class=\"{class}\"><title>{when}: {what}</title></rect>",
                y(0.0) - top,
            );
        };
        column(
            r.arr,
            "bar",
            format!("{} renewals, {}", r.renewals, money(r.arr)),
        );
        if r.at_risk > Decimal::ZERO {
            column(
                r.at_risk,
                "risk",
                format!("{} on accounts at risk", money(r.at_risk)),
            );
        }
        if r.renewals > 0 {
            let _ = write!(
                svg,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ey:.1}\" y2=\"{ey:.1}\" class=\"expected\"><title>{when}: {} expected to renew</title></line>",
                x - 3.0,
                x + bar + 3.0,
                money(r.expected),
                ey = y(value(r.expected)),
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
            x + bar / 2.0,
            HEIGHT - 8.0,
            month.format("%b")
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::health::Colour;

    fn share(colour: Option<Colour>, arr: i64) -> ColourShare {
        ColourShare {
            colour,
            accounts: 1,
            arr: Money::from_minor_units(arr * 100, Currency::USD),
        }
    }

    #[test]
    fn the_mix_splits_the_bar_by_arr_not_by_accounts() {
        let svg = arr_mix(
            "ARR by health colour",
            &[
                share(Some(Colour::Green), 750),
                share(Some(Colour::Red), 250),
                share(None, 0),
            ],
        )
        .unwrap();
        assert!(
            svg.contains("width=\"480.0\" height=\"36\" class=\"stack green\""),
            "{svg}"
        );
        assert!(svg.contains("red: $250 (25%)"), "{svg}");
        assert!(!svg.contains("stack none"), "an empty part is not drawn");
        assert!(arr_mix("ARR by health colour", &[share(None, 0)]).is_none());
    }

    #[test]
    fn a_month_shows_its_arr_the_part_at_risk_and_what_is_expected() {
        let m = |s: &str| s.parse::<NaiveDate>().unwrap();
        let risky = RenewalRisk {
            renewals: 2,
            arr: Decimal::from(1000),
            at_risk: Decimal::from(400),
            at_risk_count: 1,
            expected: Decimal::from(700),
            unmodelled: 0,
        };
        let svg = renewals_by_month(
            &[
                (m("2026-12-01"), risky),
                (m("2027-01-01"), RenewalRisk::default()),
            ],
            Currency::USD,
        )
        .unwrap();
        assert!(svg.contains("December 2026: 2 renewals, $1,000"), "{svg}");
        assert!(svg.contains("$400 on accounts at risk"), "{svg}");
        assert!(svg.contains("$700 expected to renew"), "{svg}");
        assert_eq!(
            svg.matches("class=\"risk\"").count(),
            1,
            "an empty month has no risk"
        );
        assert!(svg.contains(">Jan<"), "an empty month is on the axis");
    }
}
