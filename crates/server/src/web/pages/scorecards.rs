//! The health settings page (admins and leaders): the rules that pick each account's
//! scorecard, every scorecard's factors in words, the at-risk playbook, the versions saved
//! before, and an editor for all of it as TOML (the `[health]` part of `sherpa config
//! export`). A save goes through the same checks as `PUT /api/v1/health/config`; a bad one
//! names its line or key and changes nothing.

use super::form_state::{Fields, FormState};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;
use sherpa_app::config::{health_toml, parse_health};
use sherpa_core::health::{Colour, Playbook};
use sherpa_core::health::{HealthConfig, METRICS, Scorecard, ScoringRule, metric};
use sherpa_core::{OwnerFunction, Priority};

pub(super) struct RuleLine {
    pub n: usize,
    pub when: String,
    pub then: String,
}

/// An ordered first-match rule list in words.
pub(super) fn rule_lines(rules: &[sherpa_core::assignment::AssignmentRule]) -> Vec<RuleLine> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| RuleLine {
            n: i + 1,
            when: r.when.describe(),
            then: r.then.clone(),
        })
        .collect()
}

struct FactorLine {
    /// Its place in the scorecard, for the form's fields.
    i: usize,
    /// Whether its points are bands (else 0 at one value, 100 at another).
    banded: bool,
    unit: &'static str,
    name: String,
    metric: String,
    group: &'static str,
    rule: String,
    weight: String,
    /// Its share of the scorecard's weight.
    share: String,
}

struct CardView {
    /// Its place among the scorecards: the form's address.
    index: usize,
    /// Its form, which the template reads through the card.
    state: FormState,
    name: String,
    /// "green from 75, yellow from 55, orange from 35".
    thresholds: String,
    accounts: i64,
    factors: Vec<FactorLine>,
}

pub(super) struct VersionLine {
    pub saved_at: String,
    pub by: String,
    pub summary: String,
}

/// Saved configuration versions in words, newest first.
pub(super) fn version_lines<T>(
    versions: Vec<sherpa_store::ConfigVersion<T>>,
    users: &[sherpa_core::User],
) -> Vec<VersionLine> {
    versions
        .into_iter()
        .map(|v| VersionLine {
            saved_at: format::time(v.saved_at),
            by: match v.saved_by.and_then(|u| users.iter().find(|x| x.id == u)) {
                Some(u) => u.name.clone(),
                None if v.builtin => "Sherpa's release".into(),
                None => "the command line".into(),
            },
            summary: v.summary,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "scorecards.html")]
pub(super) struct ScorecardsPage {
    nav: Nav,
    rules: Vec<RuleLine>,
    cards: Vec<CardView>,
    playbook_colours: String,
    /// Title, owner function, due in days, priority.
    playbook_tasks: Vec<(String, &'static str, u32, &'static str)>,
    /// The rules' form: in force, or as typed with what its save did.
    pub(super) rules_form: super::rules_form::RulesForm,
    /// The playbook's form: in force, or as typed with what its save did.
    pub(super) playbook: FormState,
    /// The form's task rows: "t0", "t1", ... and "new".
    playbook_rows: Vec<String>,
    playbook_colours_offered: Vec<&'static str>,
    /// Value and label of each owner function a task can go to.
    owner_functions: Vec<(&'static str, &'static str)>,
    priorities: Vec<&'static str>,
    versions: Vec<VersionLine>,
    /// The editor's text: the configuration in force, or what was sent back with a problem.
    text: String,
    /// What a check or a save found: (good, message).
    outcome: Option<(bool, String)>,
    metrics: Vec<(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )>,
}

impl std::ops::Deref for CardView {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

/// A scorecard form's preview or save: its card, whether it went well, the message, and the
/// field a refusal concerns.
pub(super) type CardOutcome = (
    usize,
    bool,
    String,
    Option<(String, crate::web::FieldError)>,
);

/// The page answered with `status`.
pub(super) fn render_page(
    p: ScorecardsPage,
    status: axum::http::StatusCode,
) -> axum::response::Response {
    crate::web::render_status(&p, status)
}

pub(super) async fn page(
    s: &AppState,
    c: &crate::web::session::Current,
    text: Option<String>,
    outcome: Option<(bool, String)>,
    typed: Option<(usize, Fields)>,
    card_outcome: Option<CardOutcome>,
) -> Result<ScorecardsPage, crate::web::Failure> {
    let config: HealthConfig = s.store.health_config().await?;
    let counts = s.store.scorecard_counts().await?;
    let users = s.store.users().await?;
    let cards = config
        .scorecards
        .iter()
        .enumerate()
        .map(|(index, card)| {
            let total: f64 = card.factors.iter().map(|f| f.weight).sum();
            let t = card.thresholds;
            let form = match &typed {
                Some((n, fields)) if *n == index => fields.clone(),
                _ => fields_of(card),
            };
            let (outcome, error) = match &card_outcome {
                Some((n, good, message, error)) if *n == index => {
                    (Some((*good, message.clone())), error.clone())
                }
                _ => (None, None),
            };
            CardView {
                index,
                state: FormState {
                    form,
                    outcome,
                    error,
                },
                name: card.name.clone(),
                thresholds: format!(
                    "green from {}, yellow from {}, orange from {}, red below",
                    t.green, t.yellow, t.orange
                ),
                accounts: counts
                    .iter()
                    .find(|(n, _)| *n == card.name)
                    .map_or(0, |(_, k)| *k),
                factors: card
                    .factors
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FactorLine {
                        i,
                        banded: matches!(f.rule, sherpa_core::health::ScoringRule::Bands { .. }),
                        unit: metric(&f.metric).map_or("", |m| m.unit),
                        name: f.name.clone(),
                        metric: f.metric.clone(),
                        group: f.group.as_str(),
                        rule: format!(
                            "{}{}",
                            f.rule.describe(),
                            metric(&f.metric)
                                .map(|m| format!(" ({})", m.unit))
                                .unwrap_or_default()
                        ),
                        weight: format!("{}", f.weight),
                        share: format!("{:.0}%", f.weight / total * 100.0),
                    })
                    .collect(),
            }
        })
        .collect();
    let versions = version_lines(s.store.health_config_versions().await?, &users);
    Ok(ScorecardsPage {
        nav: Nav::new(c, "scorecards"),
        rules: rule_lines(&config.rules),
        cards,
        playbook_colours: config
            .at_risk_playbook
            .colours
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        playbook_tasks: config
            .at_risk_playbook
            .tasks
            .iter()
            .map(|t| {
                (
                    t.title.clone(),
                    t.owner.as_str(),
                    t.due_in_days,
                    t.priority.as_str(),
                )
            })
            .collect(),
        rules_form: super::rules_form::RulesForm::of(
            "/admin/health/rules",
            &config.rules,
            config.scorecards.iter().map(|c| c.name.clone()).collect(),
        ),
        playbook: FormState {
            form: playbook_fields(&config.at_risk_playbook),
            ..FormState::default()
        },
        playbook_rows: (0..config.at_risk_playbook.tasks.len())
            .map(|i| format!("t{i}"))
            .chain(["new".to_string()])
            .collect(),
        playbook_colours_offered: PLAYBOOK_COLOURS.iter().map(|c| c.as_str()).collect(),
        owner_functions: crate::web::format::owner_functions(),
        priorities: sherpa_core::Priority::ALL
            .iter()
            .map(|p| p.as_str())
            .collect(),
        versions,
        text: text.unwrap_or_else(|| health_toml(&config)),
        outcome,
        metrics: METRICS
            .iter()
            .map(|m| (m.key, m.name, m.group.as_str(), m.unit, m.source))
            .collect(),
    })
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    Ok(render(&page(&s, &c, None, None, None, None).await?).into_response())
}

/// A configuration editor's form (this page's and the engagement models').
#[derive(Deserialize)]
pub struct EditForm {
    pub(super) text: String,
    /// "check" only checks; "save" saves.
    pub(super) action: String,
}

/// Checks or saves the editor's text; a problem keeps the text on the page with what was
/// wrong.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<EditForm>,
) -> PageResult {
    let config = match parse_health(&f.text) {
        Ok(config) => config,
        Err(e) => {
            let message = format!("{e}. Nothing was changed.");
            let mut resp =
                render(&page(&s, &c, Some(f.text), Some((false, message)), None, None).await?);
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(resp);
        }
    };
    let caller = c.caller();
    let checked = if f.action == "check" {
        s.app.check_health_config(&caller, &config).await
    } else {
        s.app.save_health_config(&caller, &config).await
    };
    let outcome = match checked {
        Ok(change) if change.changes.is_empty() => {
            "It matches the configuration in force: nothing to change.".to_string()
        }
        Ok(change) if f.action == "check" => format!(
            "Valid. Saving it would change {}{}. {}",
            change.changes.join(", "),
            if change.rescores {
                " and re-score every account"
            } else {
                ""
            },
            change.moves_in_words()
        )
        .trim_end()
        .to_string(),
        Ok(change) => format!(
            "Saved: {}. Every account's score follows it now.",
            change.changes.join(", ")
        ),
        Err(e) => {
            let message = format!("{}. Nothing was changed.", super::problem(e)?);
            let mut resp =
                render(&page(&s, &c, Some(f.text), Some((false, message)), None, None).await?);
            *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(resp);
        }
    };
    let keep = (f.action == "check").then_some(f.text);
    Ok(render(&page(&s, &c, keep, Some((true, outcome)), None, None).await?).into_response())
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The form's fields for a scorecard as it stands.
pub(super) fn fields_of(card: &Scorecard) -> Fields {
    let mut f = Fields::new();
    f.insert("green".into(), number(card.thresholds.green));
    f.insert("yellow".into(), number(card.thresholds.yellow));
    f.insert("orange".into(), number(card.thresholds.orange));
    for (i, factor) in card.factors.iter().enumerate() {
        f.insert(format!("f{i}.weight"), number(factor.weight));
        match &factor.rule {
            ScoringRule::Linear { zero, full } => {
                f.insert(format!("f{i}.zero"), number(*zero));
                f.insert(format!("f{i}.full"), number(*full));
            }
            ScoringRule::Bands { bands } => {
                let text: Vec<String> = bands
                    .iter()
                    .map(|b| format!("{}: {}", number(b.from), number(b.points)))
                    .collect();
                f.insert(format!("f{i}.bands"), text.join("; "));
            }
        }
    }
    f
}

/// Saves the rules that pick each account's scorecard from their form.
pub async fn save_rules(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<Fields>,
) -> PageResult {
    let mut config: HealthConfig = s.store.health_config().await?;
    let (rows, read) = super::rules_form::read(config.rules.len(), &f);
    let outcome = match read {
        Err(e) => Err(e),
        Ok(rules) => {
            config.rules = rules;
            match s.app.save_health_config(&c.caller(), &config).await {
                Ok(change) if change.changes.is_empty() => {
                    Ok("They match the rules in force: nothing to change.".to_string())
                }
                Ok(change) => Ok(format!(
                    "Saved: the rules. Every account is judged by its scorecard now. {}",
                    change.moves_in_words()
                )
                .trim_end()
                .to_string()),
                Err(e) => Err(crate::web::FieldError::of(e)?),
            }
        }
    };
    let mut p = page(&s, &c, None, None, None, None).await?;
    let status;
    (p.rules_form, status) = p.rules_form.after(outcome, f, &rows);
    Ok(render_page(p, status))
}

/// The colours an at-risk playbook may open on: green is never at risk.
pub(super) const PLAYBOOK_COLOURS: [Colour; 3] = [Colour::Red, Colour::Orange, Colour::Yellow];

/// The playbook form's fields for the playbook in force.
pub(super) fn playbook_fields(p: &Playbook) -> Fields {
    let mut f = Fields::new();
    for c in &p.colours {
        f.insert(format!("colour.{}", c.as_str()), "on".into());
    }
    for (i, t) in p.tasks.iter().enumerate() {
        f.insert(format!("t{i}.title"), t.title.clone());
        f.insert(format!("t{i}.owner"), t.owner.as_str().into());
        f.insert(format!("t{i}.days"), t.due_in_days.to_string());
        f.insert(format!("t{i}.priority"), t.priority.as_str().into());
    }
    f.insert("new.owner".into(), OwnerFunction::Csm.as_str().into());
    f.insert("new.days".into(), "7".into());
    f.insert("new.priority".into(), Priority::High.as_str().into());
    f
}
