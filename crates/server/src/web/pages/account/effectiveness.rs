//! Effectiveness on the account 360: the phase the customer stands in on its model's ladder,
//! what to do next (the next phase's unmet behaviours and the features that deliver them), each
//! behaviour at the baseline and now, and the phase history.

use super::{account_id, refused};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Failure, PageResult};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::{AccountEffectiveness, BehaviourView};
use sherpa_core::AccountId;
use sherpa_core::effectiveness::{Judged, value_in};

/// A rung of the ladder: its name, and whether the account reached it or stands on it.
pub(super) struct Rung {
    pub name: String,
    pub description: String,
    pub reached: bool,
    pub current: bool,
}

/// A behaviour as the page reads it.
pub(super) struct BehaviourLine {
    pub phase: String,
    /// The first behaviour of its phase (the table heads each phase).
    pub opens_phase: bool,
    pub name: String,
    pub measure: String,
    pub baseline: String,
    pub now: String,
    pub met: bool,
    /// "met", "not met" or "not measured".
    pub state: &'static str,
    /// "62nd percentile of 48", in the first peer group with enough peers, or empty.
    pub among_peers: String,
    /// The group that benchmark is in ("Healthcare").
    pub peer_group: String,
}

/// An unmet behaviour of the next phase, and the objective it would be on the success plan.
pub(super) struct NextStep {
    pub line: BehaviourLine,
    /// "from 2 to 5 people using Report Built by 01 Mar 2027".
    pub objective: String,
    pub on_plan: bool,
}

pub(super) struct EffectivenessSection {
    pub model: String,
    /// "Sharing insight (phase 2 of 4)", or empty before the first judgement.
    pub standing: String,
    pub churned: bool,
    pub ladder: Vec<Rung>,
    /// The next phase's name and its unmet behaviours; empty name at the last phase.
    pub next: String,
    /// "by 01 Mar 2027, 90 days after it reached Adopting (01 Dec 2026)", or empty.
    pub due: String,
    pub overdue: bool,
    pub next_steps: Vec<NextStep>,
    /// It has a success plan the unmet behaviours can be added to.
    pub has_plan: bool,
    /// "14 Sep 2026: Not started" — the baseline, or empty.
    pub baseline: String,
    pub behaviours: Vec<BehaviourLine>,
    /// The like companies it is compared with, in words.
    pub peers: String,
    /// Date, phase name, why.
    pub history: Vec<(String, String, &'static str)>,
}

/// A value in the behaviour's unit: "5 people", "25%", "7 days".
fn value(unit: &str, j: Option<Judged>) -> String {
    match (j.and_then(|j| j.value), unit) {
        (None, _) => "–".into(),
        (Some(v), "people") => match v.round() as i64 {
            1 => "1 person".into(),
            n => format!("{n} people"),
        },
        (Some(v), "% of seats") => value_in("%", (v * 10.0).round() / 10.0),
        (Some(v), unit) => value_in(unit, (v * 10.0).round() / 10.0),
    }
}

/// "1st", "22nd", "63rd", "11th".
fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn line(b: BehaviourView, groups: &[sherpa_app::PeerGroup]) -> BehaviourLine {
    let met = b.now.is_some_and(|j| j.met);
    let first = b
        .benchmarks
        .iter()
        .zip(groups)
        .find_map(|(m, g)| m.map(|m| (m, g)));
    BehaviourLine {
        opens_phase: false,
        phase: b.phase_name,
        name: b.name,
        measure: b.measure,
        baseline: value(b.unit, b.baseline),
        now: value(b.unit, b.now),
        met,
        state: match b.now {
            Some(Judged { met: true, .. }) => "met",
            Some(Judged { value: Some(_), .. }) => "not met",
            _ => "not measured",
        },
        among_peers: first
            .map(|(m, _)| {
                format!(
                    "{} percentile of {}",
                    ordinal(m.percentile.round() as i64),
                    m.peers
                )
            })
            .unwrap_or_default(),
        peer_group: first.map(|(_, g)| g.name.clone()).unwrap_or_default(),
    }
}

/// The section of account `id`.
pub(super) async fn section(
    s: &AppState,
    caller: &sherpa_app::Caller,
    id: AccountId,
) -> Result<EffectivenessSection, Failure> {
    let e: AccountEffectiveness = s.app.account_effectiveness(caller, id).await?;
    let phase = e.phase();
    let standing = phase
        .map(|p| match p {
            0 => format!(
                "{} (before phase 1 of {})",
                e.phase_name(0),
                e.model.phases.len()
            ),
            p => format!(
                "{} (phase {p} of {})",
                e.phase_name(p),
                e.model.phases.len()
            ),
        })
        .unwrap_or_default();
    let ladder = e
        .model
        .phases
        .iter()
        .enumerate()
        .map(|(i, p)| Rung {
            name: p.name.clone(),
            description: p.description.clone(),
            reached: phase.is_some_and(|n| n > i),
            current: phase == Some(i + 1),
        })
        .collect();
    let improvement = e.improvement();
    let (next, due, next_steps) = match &improvement {
        Some(i) => (
            e.phase_name(i.phase).to_string(),
            format!(
                "by {}, {} days after it reached {} ({})",
                i.due_on.format("%d %b %Y"),
                e.model.phase_days,
                e.phase_name(i.phase - 1),
                i.reached_on.format("%d %b %Y")
            ),
            i.candidates
                .iter()
                .map(|c| {
                    let m = &c.objective.measure;
                    NextStep {
                        line: line(c.behaviour.clone(), &e.groups),
                        objective: format!(
                            "from {} to {} {} by {}",
                            m.baseline.normalize(),
                            m.target.normalize(),
                            m.unit,
                            m.target_on.format("%d %b %Y")
                        ),
                        on_plan: c.on_plan,
                    }
                })
                .collect(),
        ),
        None => (String::new(), String::new(), Vec::new()),
    };
    let baseline = e
        .baseline
        .as_ref()
        .map(|b| format!("{}: {}", b.on.format("%d %b %Y"), e.phase_name(b.phase)))
        .unwrap_or_default();
    let history = e
        .history
        .iter()
        .rev()
        .map(|r| {
            (
                r.on.format("%d %b %Y").to_string(),
                e.phase_name(r.phase).to_string(),
                match r.why {
                    sherpa_store::PhaseMove::Baseline => "baseline",
                    sherpa_store::PhaseMove::ByData => "the customer's use moved it",
                    sherpa_store::PhaseMove::ByModel => "the model changed",
                },
            )
        })
        .collect();
    Ok(EffectivenessSection {
        model: e.model.name.clone(),
        standing,
        churned: e.churned,
        ladder,
        next,
        due,
        overdue: improvement.is_some_and(|i| i.overdue(e.today)),
        next_steps,
        has_plan: e.plan_objectives.is_some(),
        baseline,
        behaviours: {
            let mut lines: Vec<BehaviourLine> = e
                .behaviours()
                .into_iter()
                .map(|b| line(b, &e.groups))
                .collect();
            for i in 0..lines.len() {
                lines[i].opens_phase = i == 0 || lines[i - 1].phase != lines[i].phase;
            }
            lines
        },
        peers: e
            .groups
            .iter()
            .map(|g| format!("{} ({} accounts)", g.name, g.accounts))
            .collect::<Vec<_>>()
            .join(", "),
        history,
    })
}

#[derive(Deserialize)]
pub struct ObjectiveForm {
    behaviour: String,
}

/// Adds an unmet behaviour of the next phase to the success plan; back to the section.
pub async fn add_objective(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<ObjectiveForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let problem = match s
        .app
        .add_improvement_objective(&c.caller(), id, &f.behaviour)
        .await
    {
        Ok(_) => return Ok(Redirect::to(&format!("/accounts/{id}#effectiveness")).into_response()),
        Err(e) => crate::web::pages::problem(e)?,
    };
    refused(
        &s,
        &c,
        id,
        format!("The objective was not added: {problem}. Nothing was changed."),
    )
    .await
}
