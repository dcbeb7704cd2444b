//! The patterns page's chart as inline SVG: the ARR each group of open blockers puts at stake,
//! one horizontal bar per group, most first, with the accounts behind it.

use super::format;
use std::fmt::Write;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 220.0;
const RIGHT: f64 = 150.0;
const ROW: f64 = 28.0;

/// One bar: the group's name, its ARR (a plain number for the scale), the ARR in words and
/// how many accounts.
pub struct Bar {
    pub name: String,
    pub value: f64,
    pub label: String,
    pub accounts: usize,
}

pub fn arr_at_stake(bars: &[Bar]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let top = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(1.0);
    let height = ROW * bars.len() as f64 + 12.0;
    let mut svg = format!(
        "<svg class=\"chart plans\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"ARR at stake by group of open blockers\">"
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 6.0 + ROW * i as f64;
        let w = (b.value / top * (WIDTH - LEFT - RIGHT)).max(2.0);
        let name = format::escape(&b.name);
        let short: String = name.chars().take(32).collect();
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"end\">{short}</text>\
             <rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" class=\"bar\">\
             <title>{name}: {} across {} accounts</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\">{} · {} accounts</text>",
            LEFT - 8.0,
            y + 15.0,
            ROW - 8.0,
            format::escape(&b.label),
            b.accounts,
            LEFT + w + 6.0,
            y + 15.0,
            format::escape(&b.label),
            b.accounts,
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}
