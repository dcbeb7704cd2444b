//! The account 360's health section: score, colour, every factor's value, points, weight and
//! contribution, what moved since the last snapshot, the trend; and the CSM's pulse form.

use super::{account_id, refused};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{PageResult, format, health_chart};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::SetPulse;
use sherpa_core::AccountId;
use sherpa_core::health::metric;
use sherpa_store::Store;

pub(super) struct FactorLine {
    pub name: String,
    pub group: &'static str,
    /// The raw value with its unit, or "missing".
    pub value: String,
    pub missing: bool,
    pub points: String,
    pub weight: String,
    pub contribution: String,
}

/// What the account page shows of the account's health.
pub(super) struct HealthSection {
    /// "72", or empty when no factor has an input.
    pub score: String,
    /// green, yellow, orange or red, or empty.
    pub colour: &'static str,
    pub scorecard: String,
    pub why: String,
    /// "78%" of the scorecard's weight rests on known inputs.
    pub coverage: String,
    /// What a score needs: "50% of its weight known, a usage input among them".
    pub needs: String,
    pub computed_at: String,
    pub factors: Vec<FactorLine>,
    pub changes: Vec<(String, bool)>,
    /// "since 16 Nov 2026", or empty.
    pub changes_since: String,
    pub chart: Option<String>,
    /// The CSM's pulse that counts today: colour, note, last day.
    pub pulse: Option<(&'static str, String, String)>,
    /// Whether the viewer may set the pulse (owners, their managers, admins).
    pub may_pulse: bool,
    pub pulse_max_days: i64,
    /// The open at-risk playbook, and those closed before, newest first.
    pub playbook: Option<super::playbook::PlaybookView>,
    pub closed_playbooks: Vec<super::playbook::PlaybookView>,
    pub outcomes: [(&'static str, &'static str); 4],
    /// The account churned: its health is history, no longer scored.
    pub churned: bool,
    /// When churned, its last score, colour and day.
    pub last_score: Option<(String, &'static str, String)>,
    /// When its latest colour change came from the scoring: from, to, day, and what changed.
    pub moved_by_scoring: Option<(&'static str, &'static str, String, String)>,
}

/// A metric's value as a person reads it.
fn shown(key: &str, v: f64) -> String {
    match metric(key).map(|m| m.unit) {
        Some("%") => format!("{v:.0}%"),
        Some("days") => format!("{v:.0} d"),
        Some("yes/no") => if v >= 0.5 { "yes" } else { "no" }.into(),
        _ if v.fract() == 0.0 => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

/// A colour as the page names it; no colour is "not enough data".
fn colour_word(c: Option<sherpa_core::health::Colour>) -> &'static str {
    c.map_or("not enough data", |c| c.as_str())
}

pub(super) async fn section(
    store: &Store,
    id: AccountId,
    may_pulse: bool,
) -> Result<HealthSection, crate::web::Failure> {
    let h = store.account_health(id).await?;
    let pulse = store.csm_pulse(id).await?.map(|p| {
        (
            p.colour.as_str(),
            p.note,
            p.expires_on.format("%d %b %Y").to_string(),
        )
    });
    let history = store.health_history(id).await?;
    let first = history.iter().map(|s| s.taken_at).min();
    let scoring_changes: Vec<chrono::NaiveDate> = match first {
        Some(first) => store
            .scoring_changes(first)
            .await?
            .iter()
            .map(|c| c.at.date_naive())
            .collect(),
        None => Vec::new(),
    };
    let (mut open, closed_playbooks): (Vec<_>, Vec<_>) = super::playbook::playbooks(store, id)
        .await?
        .into_iter()
        .partition(|p| p.open);
    let playbook = open.pop();
    // Rounded first, and + 0.0, so that no factor reads "-0.0".
    let one = |v: Option<f64>| {
        v.map(|v| format!("{:.1}", (v * 10.0).round() / 10.0 + 0.0))
            .unwrap_or_else(|| "–".into())
    };
    Ok(HealthSection {
        score: h
            .health
            .score
            .map(|s| format!("{s:.0}"))
            .unwrap_or_default(),
        colour: h.health.colour.map(|c| c.as_str()).unwrap_or_default(),
        coverage: format!("{:.0}%", h.health.coverage * 100.0),
        needs: format!(
            "{:.0}% of its weight known{}",
            h.thresholds.min_known_percent,
            if h.thresholds.needs_usage {
                ", a usage input among them"
            } else {
                ""
            }
        ),
        computed_at: format::time(h.computed_at),
        factors: h
            .health
            .factors
            .iter()
            .map(|f| FactorLine {
                name: f.name.clone(),
                group: f.group.as_str(),
                value: f
                    .value
                    .map(|v| shown(&f.metric, v))
                    .unwrap_or_else(|| "missing".into()),
                missing: f.value.is_none(),
                points: one(f.points),
                weight: format!("{}", f.weight),
                contribution: one(f.contribution),
            })
            .collect(),
        // A move that changed no points is noise here (the API still lists it).
        changes: h
            .changes
            .iter()
            .filter(|c| c.points.abs() >= 0.05)
            .map(|c| (c.text.clone(), c.points < 0.0))
            .collect(),
        changes_since: h
            .changes_since
            .map(|t| format!("since {}", t.format("%d %b %Y")))
            .unwrap_or_default(),
        chart: health_chart::trend(&history, &h.thresholds, &scoring_changes),
        pulse,
        may_pulse,
        pulse_max_days: sherpa_store::PULSE_MAX_DAYS,
        playbook,
        closed_playbooks,
        outcomes: super::playbook::OUTCOMES,
        scorecard: h.health.scorecard,
        why: h.why,
        churned: h.churned,
        moved_by_scoring: h.moved_by_scoring.map(|m| {
            (
                colour_word(m.from),
                colour_word(m.to),
                m.at.format("%d %b %Y").to_string(),
                m.change.map(|c| c.summary).unwrap_or_default(),
            )
        }),
        last_score: h.last_score.and_then(|s| {
            Some((
                format!("{:.0}", s.score?),
                s.colour.map(|c| c.as_str()).unwrap_or_default(),
                s.taken_at.format("%d %b %Y").to_string(),
            ))
        }),
    })
}

#[derive(Deserialize)]
pub struct PulseForm {
    colour: String,
    note: String,
    days: String,
}

/// The CSM's pulse form: back to the account's health when saved, the page with what was
/// wrong otherwise.
pub async fn set_pulse(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<PulseForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let result = async {
        let days = f.days.trim();
        let cmd = SetPulse {
            account: id,
            colour: SetPulse::colour(&f.colour)?,
            note: f.note,
            days: Some(days.parse().map_err(|_| {
                sherpa_app::Error::invalid(
                    "expires_in_days",
                    format!("\"{days}\" is not a whole number of days"),
                )
            })?),
        };
        s.app.set_pulse(&c.caller(), cmd).await
    }
    .await;
    let problem = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/accounts/{id}#health")).into_response()),
        Err(e) => crate::web::pages::problem(e)?,
    };
    refused(
        &s,
        &c,
        id,
        format!("The pulse was not set: {problem}. Nothing was changed."),
    )
    .await
}
