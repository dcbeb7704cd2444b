//! The Pareto chart of seed 002 as inline SVG: each account's MRR in descending order (the grey
//! area, left axis), the cumulative share of revenue (the blue line, right axis), and each
//! segment shaded with its share of customers, share of revenue and floor MRR.

use rust_decimal::prelude::ToPrimitive;
use sherpa_core::prioritise::segments::Pareto;
use sherpa_core::{Currency, Money};
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 56.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 40.0;
/// At most this many points are drawn: a 100,000-account book stays a light page.
const POINTS: usize = 800;

fn money(v: f64, currency: Currency) -> String {
    super::format::money(&Money {
        amount: rust_decimal::Decimal::from_f64_retain(v.round()).unwrap_or_default(),
        currency,
    })
}

/// The chart, or `None` when no account has revenue.
pub fn pareto<K>(p: &Pareto<K>, names: &[String], currency: Currency) -> Option<String> {
    let n = p.points.len();
    let top_mrr = p.points.first()?.mrr.to_f64().unwrap_or(0.0).max(1.0) * 1.05;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |rank: f64| LEFT + rank / n as f64 * plot_w;
    let y_mrr = |v: f64| TOP + (1.0 - v / top_mrr) * plot_h;
    let y_share = |s: f64| TOP + (1.0 - s) * plot_h;
    let mut svg = format!(
        "<svg class=\"chart pareto\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"Pareto chart: MRR of {n} accounts in descending order with the cumulative share of revenue\">"
    );
    // Segments: shaded bands with their figures above the plot.
    let mut start = 0usize;
    for s in &p.segments {
        let (x0, x1) = (x(start as f64), x((start + s.accounts) as f64));
        let name = names
            .get(usize::from(s.number) - 1)
            .cloned()
            .unwrap_or_else(|| format!("Segment {}", s.number));
        let _ = write!(
            svg,
            "<rect x=\"{x0:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h}\" class=\"band band{}\"/>",
            (x1 - x0).max(0.5),
            s.number.min(3)
        );
        // A legend entry per segment above the plot (bands can be too narrow to hold their
        // figures), and the segment's number at the top of its band.
        let slot = plot_w / p.segments.len() as f64;
        let lx = LEFT + slot * f64::from(s.number - 1);
        let _ = write!(
            svg,
            "<rect x=\"{lx:.1}\" y=\"6\" width=\"12\" height=\"12\" class=\"band band{band} key\"/>\
             <text x=\"{:.1}\" y=\"16\" class=\"label\">{}. {}</text>\
             <text x=\"{lx:.1}\" y=\"32\" class=\"axis\">{:.0}% customers · {:.0}% revenue · floor {} MRR</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\">{}</text>",
            lx + 18.0,
            s.number,
            super::format::escape(&name),
            s.share_of_accounts * 100.0,
            s.share_of_revenue * 100.0,
            money(s.floor_mrr.to_f64().unwrap_or(0.0), currency),
            (x0 + x1) / 2.0,
            TOP + 16.0,
            s.number,
            band = s.number.min(3),
        );
        if start + s.accounts < n {
            let _ = write!(
                svg,
                "<line x1=\"{x1:.1}\" x2=\"{x1:.1}\" y1=\"{TOP}\" y2=\"{}\" class=\"cut\"/>",
                TOP + plot_h
            );
        }
        start += s.accounts;
    }
    // Grid and axes: MRR on the left, share of revenue on the right, share of customers below.
    for i in 0..=4 {
        let f = f64::from(i) / 4.0;
        let gy = y_share(f);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{gy:.1}\" y2=\"{gy:.1}\" class=\"grid\"/>\
             <text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>\
             <text x=\"{}\" y=\"{:.1}\" class=\"axis share\" text-anchor=\"start\">{:.0}%</text>\
             <text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{:.0}%</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0,
            money(top_mrr / 1.05 * f, currency),
            WIDTH - RIGHT + 6.0,
            gy + 4.0,
            f * 100.0,
            x(f * n as f64),
            HEIGHT - BOTTOM + 16.0,
            f * 100.0,
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">share of customers, largest MRR first</text>",
        LEFT + plot_w / 2.0,
        HEIGHT - 6.0
    );
    // The MRR area and the cumulative line, one point per bucket of accounts.
    let step = n.div_ceil(POINTS).max(1);
    let mut area = format!("M{:.1},{:.1}", x(0.0), y_mrr(0.0));
    let mut line = format!("M{:.1},{:.1}", x(0.0), y_share(0.0));
    for (b, chunk) in p.points.chunks(step).enumerate() {
        let (from, to) = ((b * step) as f64, (b * step + chunk.len()) as f64);
        let top = chunk[0].mrr.to_f64().unwrap_or(0.0);
        let _ = write!(
            area,
            " L{:.1},{:.1} L{:.1},{:.1}",
            x(from),
            y_mrr(top),
            x(to),
            y_mrr(chunk[chunk.len() - 1].mrr.to_f64().unwrap_or(0.0))
        );
        let last = chunk[chunk.len() - 1].cumulative_share;
        let _ = write!(line, " L{:.1},{:.1}", x(to), y_share(last));
    }
    let _ = write!(area, " L{:.1},{:.1} Z", x(n as f64), y_mrr(0.0));
    let _ = write!(
        svg,
        "<path d=\"{area}\" class=\"mrr\"><title>MRR per account, largest first</title></path>\
         <path d=\"{line}\" class=\"line\"><title>Cumulative share of revenue</title></path>"
    );
    svg.push_str("</svg>");
    Some(svg)
}
