//! The staffing charts as inline SVG: CSM time needed by tier against the team there is, and
//! each CSM's book in $M ARR against seed 003's benchmark band (25th to 75th percentile, with
//! the median marked).

use std::fmt::Write;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 60.0;

/// Two bars: needed CSMs stacked by tier, and the CSMs there are.
/// `total` is the needed CSMs as computed from hours (the tiers' figures are each rounded).
pub fn capacity(needed: &[(String, f64)], total: f64, available: f64) -> String {
    let top = total.max(available).max(1.0) * 1.1;
    let x = |v: f64| LEFT + v / top * (WIDTH - LEFT - RIGHT);
    let height = 130.0;
    let mut svg = format!(
        "<svg class=\"chart staffing\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"CSMs needed {total:.1} against {available:.0} available\">"
    );
    let mut start = 0.0;
    for (i, (label, v)) in needed.iter().enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"14\" width=\"{:.1}\" height=\"34\" class=\"band band{}\" stroke=\"#9aa3b2\"><title>{label}: {v:.1} CSMs</title></rect>",
            x(start),
            (x(start + v) - x(start)).max(0.0),
            (i + 1).min(3)
        );
        if x(start + v) - x(start) > 60.0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"36\" class=\"axis\" text-anchor=\"middle\">{label} {v:.1}</text>",
                (x(start) + x(start + v)) / 2.0
            );
        }
        start += v;
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"36\" class=\"label\" text-anchor=\"end\">Needed</text>\
         <text x=\"{:.1}\" y=\"36\" class=\"label\">{total:.1}</text>\
         <rect x=\"{LEFT}\" y=\"62\" width=\"{:.1}\" height=\"34\" class=\"{}\"/>\
         <text x=\"{:.1}\" y=\"84\" class=\"label\" text-anchor=\"end\">Available</text>\
         <text x=\"{:.1}\" y=\"84\" class=\"label\">{available:.0}</text>\
         <text x=\"{LEFT}\" y=\"120\" class=\"axis\">CSMs (full-time, at the share of time for accounts)</text>",
        LEFT - 8.0,
        x(total) + 6.0,
        x(available) - LEFT,
        if available >= total { "have" } else { "short" },
        LEFT - 8.0,
        x(available) + 6.0,
    );
    svg.push_str("</svg>");
    svg
}

/// One bar per CSM ($M ARR), over the benchmark band.
pub fn books(rows: &[(String, f64, &str)], p25: f64, p50: f64, p75: f64) -> String {
    let top = rows.iter().map(|r| r.1).fold(p75, f64::max).max(0.1) * 1.1;
    let row = 18.0;
    let height = 30.0 + row * rows.len() as f64 + 24.0;
    let x = |v: f64| LEFT + v / top * (WIDTH - LEFT - RIGHT);
    let bottom = 24.0 + row * rows.len() as f64;
    let mut svg = format!(
        "<svg class=\"chart staffing\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"ARR per CSM against the benchmark\">\
         <rect x=\"{:.1}\" y=\"20\" width=\"{:.1}\" height=\"{:.1}\" class=\"band band1\"><title>benchmark 25th to 75th percentile</title></rect>\
         <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"16\" y2=\"{bottom:.1}\" class=\"cut\"/>\
         <text x=\"{:.1}\" y=\"12\" class=\"axis\" text-anchor=\"middle\">median ${p50}M</text>",
        x(p25),
        x(p75) - x(p25),
        bottom - 20.0,
        x(p50),
        x(p50),
        x(p50),
    );
    for (i, (name, m, load)) in rows.iter().enumerate() {
        let y = 24.0 + row * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>\
             <rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"book {load}\"><title>{}: ${m:.1}M ({load})</title></rect>",
            LEFT - 6.0,
            y + row * 0.7,
            super::format::escape(name),
            (x(*m) - LEFT).max(1.0),
            row * 0.75,
            super::format::escape(name),
        );
    }
    for i in 0..=4 {
        let v = top / 1.1 * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">${v:.1}M</text>",
            x(v),
            bottom + 16.0
        );
    }
    svg.push_str("</svg>");
    svg
}
