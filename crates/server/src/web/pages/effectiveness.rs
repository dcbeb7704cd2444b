//! Effectiveness across the book: for each model, how many accounts stand in each phase, in
//! all and by Pareto segment (a stacked bar a leader reads at a glance), how long accounts
//! took to move from each phase to the next, and the model itself, phase by phase.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, render};
use askama::Template;
use axum::extract::State;
use sherpa_core::effectiveness::phase_name;

/// One phase's share of a bar.
struct Slice {
    /// The shade, 0 (before the first phase) to the last phase.
    shade: usize,
    name: String,
    accounts: i64,
    /// Width in percent of the bar, as CSS reads it.
    width: String,
}

/// A row of the distribution: all accounts, or one segment.
struct Bar {
    label: String,
    total: i64,
    slices: Vec<Slice>,
}

struct Move {
    from: String,
    to: String,
    accounts: usize,
    median: String,
    middle: String,
}

struct PhaseLine {
    name: String,
    description: String,
    behaviours: Vec<String>,
}

struct ModelSection {
    name: String,
    /// Ends with a full stop.
    description: String,
    judged: i64,
    all: Bar,
    tiers: Vec<Bar>,
    /// Empty until a leader applied the Pareto cut.
    segments: Vec<Bar>,
    segmented: bool,
    /// The rules that give it ("rule 2: every account"), first match wins; empty when none.
    rule: String,
    phase_names: Vec<String>,
    moves: Vec<Move>,
    phases: Vec<PhaseLine>,
}

#[derive(Template)]
#[template(path = "effectiveness.html")]
struct EffectivenessPage {
    nav: Nav,
    models: Vec<ModelSection>,
}

fn bar(label: String, counts: &[i64], names: &[String]) -> Bar {
    let total: i64 = counts.iter().sum();
    Bar {
        label,
        total,
        slices: counts
            .iter()
            .enumerate()
            .map(|(shade, &accounts)| Slice {
                shade,
                name: names[shade].clone(),
                accounts,
                width: if total == 0 {
                    "0".into()
                } else {
                    format!("{:.2}", accounts as f64 * 100.0 / total as f64)
                },
            })
            .collect(),
    }
}

/// A description as a sentence: with its full stop.
fn sentence(text: &str) -> String {
    let t = text.trim();
    match t.chars().last() {
        None => String::new(),
        Some('.' | '!' | '?') => t.to_string(),
        Some(_) => format!("{t}."),
    }
}

fn days(n: i64) -> String {
    match n {
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    let overview = s.app.effectiveness_overview().await?;
    let config = s.app.effectiveness_config().await?;
    let models = overview
        .into_iter()
        .map(|o| {
            let m = &o.model;
            let names: Vec<String> = (0..=m.phases.len())
                .map(|p| phase_name(m, p).to_string())
                .collect();
            let all = bar("All accounts".into(), &o.phases, &names);
            let by = |rows: &[(Option<u8>, Vec<i64>)], what: &str, none: &str| -> Vec<Bar> {
                rows.iter()
                    .map(|(k, counts)| {
                        let label = k.map_or_else(|| none.to_string(), |k| format!("{what} {k}"));
                        bar(label, counts, &names)
                    })
                    .collect()
            };
            let tiers = by(&o.tiers, "Tier", "No tier yet");
            // Until a leader applies the Pareto cut, every account is "no segment": no rows.
            let segmented = o.segments.iter().any(|(s, _)| s.is_some());
            let segments = if segmented {
                by(&o.segments, "Segment", "No segment yet")
            } else {
                Vec::new()
            };
            let rule = config
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.then == m.name)
                .map(|(i, r)| format!("rule {}: {}", i + 1, r.when.describe()))
                .collect::<Vec<_>>()
                .join("; ");
            ModelSection {
                name: m.name.clone(),
                description: sentence(&m.description),
                rule,
                judged: all.total,
                all,
                tiers,
                segments,
                segmented,
                moves: o
                    .times
                    .iter()
                    .map(|t| Move {
                        from: names[t.from].clone(),
                        to: names[t.from + 1].clone(),
                        accounts: t.accounts,
                        median: days(t.median_days),
                        middle: format!("{} to {}", t.p25_days, days(t.p75_days)),
                    })
                    .collect(),
                phases: m
                    .phases
                    .iter()
                    .map(|p| PhaseLine {
                        name: p.name.clone(),
                        description: p.description.clone(),
                        behaviours: p.behaviours.iter().map(|b| b.describe()).collect(),
                    })
                    .collect(),
                phase_names: names,
            }
        })
        .collect();
    Ok(render(&EffectivenessPage {
        nav: Nav::new(&c, "effectiveness"),
        models,
    }))
}
