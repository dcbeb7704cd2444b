//! Revenue charts as inline SVG: percentages over periods as lines, one per series (NRR, GRR
//! and logo retention per period; the retention curve of each cohort over its age), and the
//! forecast's plan, re-plans and actuals.

use super::chart::{BOTTOM, HEIGHT, RIGHT, WIDTH, grid_line};
use std::fmt::Write;

const LEFT: f64 = 48.0;
const TOP: f64 = 12.0;

/// How many series have a colour of their own (`s0`..`s7` in the stylesheet).
pub const COLOURS: usize = 8;

/// One line: a value per x position (missing where there is nothing to draw).
pub struct Series {
    pub name: String,
    pub points: Vec<Option<f64>>,
    /// Drawn dashed: a plan or a benchmark rather than what happened.
    pub dashed: bool,
}

/// Lines over `x_labels`, values formatted by `unit` ("%" or a currency sign before); `None`
/// when no series has a point.
pub fn lines(label: &str, x_labels: &[String], series: &[Series], unit: Unit) -> Option<String> {
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().copied())
        .collect();
    if values.is_empty() || x_labels.is_empty() {
        return None;
    }
    let (lo, hi) = unit.range(&values);
    let n = x_labels.len();
    let step = (WIDTH - LEFT - RIGHT) / (n.max(2) - 1) as f64;
    let x = |i: usize| LEFT + i as f64 * step;
    let y = |v: f64| TOP + (1.0 - (v - lo) / (hi - lo)) * (HEIGHT - TOP - BOTTOM);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        super::format::escape(label)
    );
    for v in unit.ticks(lo, hi) {
        grid_line(&mut svg, LEFT, y(v), &unit.show(v));
    }
    // Every label when they fit, else about eight of them.
    let every = n.div_ceil(8).max(1);
    for (i, l) in x_labels.iter().enumerate() {
        // The last label always; another only where it does not crowd the last.
        if (i % every == 0 && n - 1 - i >= every) || i == n - 1 {
            let anchor = match i {
                0 if n > 1 => "start",
                _ if i == n - 1 && n > 1 => "end",
                _ => "middle",
            };
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"{anchor}\">{}</text>",
                x(i),
                HEIGHT - 8.0,
                super::format::escape(l)
            );
        }
    }
    for (k, s) in series.iter().enumerate() {
        let class = format!("s{}", k % COLOURS);
        let dash = if s.dashed { " dashed" } else { "" };
        // A break where a point is missing.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, p) in s.points.iter().enumerate() {
            match p {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(i),
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            "<path d=\"{}\" class=\"serie {class}{dash}\"/>",
            path.trim_end()
        );
        for (i, p) in s.points.iter().enumerate() {
            if let Some(v) = p {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" class=\"pt {class}\"><title>{}, {}: {}</title></circle>",
                    x(i),
                    y(*v),
                    super::format::escape(&s.name),
                    super::format::escape(&x_labels[i]),
                    unit.show(*v)
                );
            }
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// What the values are.
#[derive(Clone, Copy)]
pub enum Unit {
    Percent,
    /// Amounts, labelled in thousands or millions.
    Money,
}

impl Unit {
    /// The y range: percentages around 100 with some air; amounts from zero.
    fn range(self, values: &[f64]) -> (f64, f64) {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        match self {
            Unit::Percent => {
                let lo = ((min.min(80.0) - 5.0) / 10.0).floor() * 10.0;
                let hi = ((max.max(100.0) + 5.0) / 10.0).ceil() * 10.0;
                (lo.max(0.0), hi)
            }
            Unit::Money => {
                let hi = if max > 0.0 { max * 1.1 } else { 1.0 };
                (min.min(0.0), hi)
            }
        }
    }

    /// Grid lines: round percentages (every 10 or 20 points), or quarters of the amount range.
    fn ticks(self, lo: f64, hi: f64) -> Vec<f64> {
        match self {
            Unit::Percent => {
                let step = if hi - lo > 60.0 { 20.0 } else { 10.0 };
                let mut v = (lo / step).ceil() * step;
                let mut out = Vec::new();
                while v <= hi + 1e-9 {
                    out.push(v);
                    v += step;
                }
                out
            }
            Unit::Money => (0..=4)
                .map(|i| lo + (hi - lo) * f64::from(i) / 4.0)
                .collect(),
        }
    }

    fn show(self, v: f64) -> String {
        match self {
            Unit::Percent => format!("{v:.0}%"),
            Unit::Money if v.abs() >= 1e6 => format!("{:.1}M", v / 1e6),
            Unit::Money if v.abs() >= 1e3 => format!("{:.0}k", v / 1e3),
            Unit::Money => format!("{v:.0}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_where_a_value_is_missing_and_name_each_point() {
        let labels: Vec<String> = ["Jan", "Feb", "Mar"].map(String::from).to_vec();
        let svg = lines(
            "NRR by month",
            &labels,
            &[Series {
                name: "NRR".into(),
                points: vec![Some(101.0), None, Some(97.5)],
                dashed: false,
            }],
            Unit::Percent,
        )
        .unwrap();
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(
            svg.contains("NRR, Mar: 98%") || svg.contains("NRR, Mar: 97%"),
            "{svg}"
        );
        let path = svg
            .split("<path d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(path.matches('M').count(), 2, "two pieces: {path}");
        assert!(lines("x", &labels, &[], Unit::Percent).is_none());
    }
}
