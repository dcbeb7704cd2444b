//! The 9-box of seed 001 as inline SVG: relationship strength across, upsell opportunity up,
//! each box with its name, its number of accounts, how many moved in or up since the quarter
//! before, and the personal touches per account it got.

use std::fmt::Write;

const SIZE: f64 = 600.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 44.0;
const CELL: f64 = (SIZE - LEFT - 8.0) / 3.0;

/// One box as the chart shows it.
pub struct BoxFigure {
    pub relationship: u8,
    pub upsell: u8,
    pub label: String,
    pub accounts: u32,
    pub up: u32,
    pub down: u32,
    pub touches_per_account: f64,
}

pub fn nine_box(boxes: &[BoxFigure], quarter: &str) -> String {
    let height = 8.0 + CELL * 3.0 + BOTTOM;
    let mut svg = format!(
        "<svg class=\"chart ninebox\" viewBox=\"0 0 {SIZE} {height}\" role=\"img\" aria-label=\"9-box for {quarter}: relationship strength across, upsell opportunity up\">"
    );
    for b in boxes {
        let x = LEFT + f64::from(b.relationship - 1) * CELL;
        let y = 8.0 + f64::from(3 - b.upsell) * CELL;
        let class = match (b.relationship, b.upsell) {
            (3, 3) => "cell invest",
            (1, 1) => "cell rescue",
            _ => "cell",
        };
        let (cx, label) = (x + CELL / 2.0, super::format::escape(&b.label));
        let _ = write!(
            svg,
            "<g class=\"box\" data-box=\"{}-{}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{CELL:.1}\" height=\"{CELL:.1}\" class=\"{class}\"/>\
             <text x=\"{cx:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\">{label}</text>\
             <text x=\"{cx:.1}\" y=\"{:.1}\" class=\"count\" text-anchor=\"middle\">{}</text>\
             <text x=\"{cx:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">accounts</text>",
            b.relationship,
            b.upsell,
            y + 24.0,
            y + CELL / 2.0 + 6.0,
            b.accounts,
            y + CELL / 2.0 + 22.0,
        );
        if b.up + b.down > 0 {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\"><tspan class=\"up\">▲ {} better</tspan>  <tspan class=\"down\">▼ {} worse</tspan></text>",
                y + CELL - 30.0,
                b.up,
                b.down
            );
        }
        if b.accounts > 0 {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{:.1} touches per account</text>",
                y + CELL - 12.0,
                b.touches_per_account
            );
        }
        svg.push_str("</g>");
    }
    for (i, word) in ["weak", "medium", "strong"].iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{word}</text>",
            LEFT + CELL * (i as f64 + 0.5),
            8.0 + CELL * 3.0 + 16.0
        );
        let y = 8.0 + CELL * (2.0 - i as f64 + 0.5);
        let small = ["small", "medium", "large"][i];
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{y:.1}\" class=\"axis\" text-anchor=\"middle\" transform=\"rotate(-90 {:.1} {y:.1})\">{small}</text>",
            LEFT - 12.0,
            LEFT - 12.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\">Relationship strength →</text>\
         <text x=\"16\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 16 {:.1})\">Upsell opportunity →</text>",
        LEFT + CELL * 1.5,
        height - 6.0,
        8.0 + CELL * 1.5,
        8.0 + CELL * 1.5
    );
    svg.push_str("</svg>");
    svg
}
