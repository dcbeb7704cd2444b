//! The engagement models page (admins and leaders; seeds 000 and 002): the rules that pick each
//! account's model, each model's onboarding milestones and ongoing moments in words with the
//! accounts following it and each one's action (a task, an email, a webhook post), the outbox
//! of automated sends, product releases, the versions saved before, and an editor for all
//! of it as TOML (the `[engagement]` part of `sherpa config export`). A save goes through the
//! same checks as `PUT /api/v1/engagement/config`; a bad one names its line or key and changes
//! nothing.

use super::outbox::{OutboxView, action_words, outbox_view, preview_link};
use super::scorecards::{EditForm, RuleLine, VersionLine, rule_lines, version_lines};
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;
use sherpa_app::RecordRelease;
use sherpa_app::config::{engagement_toml, parse_engagement};
use sherpa_core::engagement::{Completion, analytics};

struct MilestoneRow {
    title: String,
    owner: String,
    due_days: u32,
    completed_by: String,
    escalate_after_days: u32,
    objective: String,
}

struct MomentRow {
    title: String,
    when: String,
    kind: &'static str,
    owner: String,
    due_in_days: u32,
    priority: String,
    objective: String,
    /// A task, an email, a webhook post, in words.
    action: String,
    preview: Option<String>,
    /// Whether it opens a task: its due days and priority mean nothing otherwise.
    task: bool,
}

struct ModelView {
    name: String,
    description: String,
    accounts: i64,
    milestones: Vec<MilestoneRow>,
    /// Its milestones' and moments' forms: in force, or as typed with what a save did.
    milestones_form: super::milestones_form::MilestonesForm,
    moments_form: super::moments_form::MomentsForm,
    moments: Vec<MomentRow>,
}

#[derive(Template)]
#[template(path = "models.html")]
struct ModelsPage {
    nav: Nav,
    rules: Vec<RuleLine>,
    /// The rules' form: in force, or as typed with what its save did.
    rules_form: super::rules_form::RulesForm,
    models: Vec<ModelView>,
    releases: Vec<(String, String, String)>,
    versions: Vec<VersionLine>,
    onboarding: OnboardingView,
    text: String,
    outcome: Option<(bool, String)>,
    today: String,
    outbox: OutboxView,
}

struct StepLine {
    step: String,
    accounts: usize,
    median: String,
    p90: String,
    slowest: bool,
}

struct CohortLine {
    cohort: String,
    accounts: usize,
    /// The slowest step of the cohort, in words.
    slowest: String,
    first_value: String,
}

struct OnboardingView {
    accounts: usize,
    steps: Vec<StepLine>,
    cohorts: Vec<CohortLine>,
    by_segment: Vec<(String, String)>,
}

fn milestone_title(config: &sherpa_core::engagement::EngagementConfig, key: &str) -> String {
    if key == analytics::CONTRACT_START {
        return "Contract start".into();
    }
    config
        .models
        .iter()
        .flat_map(|m| &m.milestones)
        .find(|m| m.key == key)
        .map_or_else(|| key.replace('_', " "), |m| m.title.clone())
}

fn onboarding_view(
    config: &sherpa_core::engagement::EngagementConfig,
    a: analytics::OnboardingAnalytics,
) -> OnboardingView {
    let words = |s: &analytics::Step| {
        format!(
            "{} → {}",
            milestone_title(config, &s.from),
            milestone_title(config, &s.to)
        )
    };
    let days = |d: f64| format!("{d:.0} d");
    let spread = |s: &analytics::Spread| {
        format!(
            "median {}, p90 {} ({} accounts)",
            days(s.median_days),
            days(s.p90_days),
            s.accounts
        )
    };
    OnboardingView {
        accounts: a.accounts,
        steps: a
            .steps
            .iter()
            .map(|s| StepLine {
                step: words(s),
                accounts: s.accounts,
                median: days(s.median_days),
                p90: days(s.p90_days),
                slowest: a.slowest.as_ref() == Some(s),
            })
            .collect(),
        cohorts: a
            .cohorts
            .iter()
            .map(|c| CohortLine {
                cohort: c.cohort.clone(),
                accounts: c.accounts,
                slowest: c
                    .steps
                    .iter()
                    .max_by(|x, y| x.median_days.total_cmp(&y.median_days))
                    .map(|s| format!("{} ({})", words(s), days(s.median_days)))
                    .unwrap_or_default(),
                first_value: c.first_value.as_ref().map(&spread).unwrap_or_default(),
            })
            .collect(),
        by_segment: a
            .first_value_by_segment
            .iter()
            .map(|(seg, s)| {
                (
                    seg.map_or("not segmented".into(), |n| format!("segment {n}")),
                    spread(s),
                )
            })
            .collect(),
    }
}

fn function(f: sherpa_core::OwnerFunction) -> String {
    f.as_str().replace('_', " ")
}

async fn page(
    s: &AppState,
    c: &Current,
    text: Option<String>,
    outcome: Option<(bool, String)>,
) -> Result<ModelsPage, Failure> {
    let config = s.store.engagement_config().await?;
    let counts = s.store.engagement_model_counts().await?;
    let users = s.store.users().await?;
    Ok(ModelsPage {
        nav: Nav::new(c, "models"),
        rules: rule_lines(&config.rules),
        rules_form: super::rules_form::RulesForm::of(
            "/admin/engagement/rules",
            &config.rules,
            config.models.iter().map(|m| m.name.clone()).collect(),
        ),
        models: config
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| ModelView {
                milestones_form: super::milestones_form::MilestonesForm::of(i, m),
                moments_form: super::moments_form::MomentsForm::of(i, m),
                name: m.name.clone(),
                description: m.description.clone(),
                accounts: counts.get(&m.name).copied().unwrap_or(0),
                milestones: m
                    .milestones
                    .iter()
                    .map(|x| MilestoneRow {
                        title: x.title.clone(),
                        owner: function(x.owner),
                        due_days: x.due_days,
                        completed_by: x
                            .completed_by
                            .as_ref()
                            .map_or("a person".into(), Completion::describe),
                        escalate_after_days: x.escalate_after_days,
                        objective: x.objective.clone(),
                    })
                    .collect(),
                moments: m
                    .moments
                    .iter()
                    .map(|x| MomentRow {
                        title: x.title.clone(),
                        when: x.when.describe(),
                        kind: if x.when.is_time_based() {
                            "time"
                        } else {
                            "event"
                        },
                        owner: function(x.owner),
                        due_in_days: x.due_in_days,
                        priority: x.priority.to_string(),
                        objective: x.objective.clone(),
                        action: action_words(x),
                        preview: preview_link(&m.name, x),
                        task: x.task,
                    })
                    .collect(),
            })
            .collect(),
        releases: s
            .store
            .releases()
            .await?
            .into_iter()
            .take(20)
            .map(|r| (r.released_on.to_string(), r.name, r.notes))
            .collect(),
        versions: version_lines(s.store.engagement_config_versions().await?, &users),
        onboarding: onboarding_view(&config, s.store.onboarding_analytics().await?),
        text: text.unwrap_or_else(|| engagement_toml(&config)),
        outcome,
        today: s.store.clock().today().to_string(),
        outbox: outbox_view(s).await?,
    })
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    Ok(render(&page(&s, &c, None, None).await?).into_response())
}

/// The page answered 400 with what was wrong and the text kept: nothing was changed.
async fn refused(s: &AppState, c: &Current, text: Option<String>, problem: String) -> PageResult {
    let message = format!("{problem}. Nothing was changed.");
    let mut resp = render(&page(s, c, text, Some((false, message))).await?);
    *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(resp)
}

/// Checks or saves the editor's text.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<EditForm>,
) -> PageResult {
    let config = match parse_engagement(&f.text) {
        Ok(config) => config,
        Err(e) => return refused(&s, &c, Some(f.text), e).await,
    };
    let caller = c.caller();
    let checked = if f.action == "check" {
        s.app.check_engagement_config(&caller, &config).await
    } else {
        s.app.save_engagement_config(&caller, &config).await
    };
    let outcome = match checked {
        Ok(false) => "It matches the configuration in force: nothing to change.".to_string(),
        Ok(true) if f.action == "check" => {
            "Valid. Saving it makes it the configuration the engine follows from its next sweep."
                .to_string()
        }
        Ok(true) => "Saved: the engine follows it from its next sweep.".to_string(),
        Err(e) => return refused(&s, &c, Some(f.text), super::problem(e)?).await,
    };
    let keep = (f.action == "check").then_some(f.text);
    Ok(render(&page(&s, &c, keep, Some((true, outcome))).await?).into_response())
}

/// Saves the rules that pick each account's model from their form.
pub async fn save_rules(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<super::form_state::Fields>,
) -> PageResult {
    let mut config = s.store.engagement_config().await?;
    let (rows, read) = super::rules_form::read(config.rules.len(), &f);
    let outcome = match read {
        Err(e) => Err(e),
        Ok(rules) => {
            config.rules = rules;
            match s.app.save_engagement_config(&c.caller(), &config).await {
                Ok(false) => Ok("They match the rules in force: nothing to change.".to_string()),
                Ok(true) => Ok(
                    "Saved: the rules. The engine follows them from its next sweep.".to_string(),
                ),
                Err(e) => Err(crate::web::FieldError::of(e)?),
            }
        }
    };
    let mut p = page(&s, &c, None, None).await?;
    let status;
    (p.rules_form, status) = p.rules_form.after(outcome, f, &rows);
    Ok(crate::web::render_status(&p, status))
}

/// Saves a configuration whose model's list a form changed: what to say, or the refusal.
async fn save_list(
    s: &AppState,
    c: &Current,
    config: &sherpa_core::engagement::EngagementConfig,
    what: &str,
    name: &str,
) -> Result<Result<String, crate::web::FieldError>, Failure> {
    Ok(
        match s.app.save_engagement_config(&c.caller(), config).await {
            Ok(false) => Ok(format!(
                "They match the {what} in force: nothing to change."
            )),
            Ok(true) => Ok(format!(
                "Saved: the {what} of {name}. The engine follows them from its next sweep."
            )),
            Err(e) => Err(crate::web::FieldError::of(e)?),
        },
    )
}

/// A model's list (its milestones or its moments) as its form asks for it: the form's rows,
/// and the list put into the model, or the field that does not read.
type ReadList = fn(
    usize,
    &mut sherpa_core::engagement::EngagementModel,
    &super::form_state::Fields,
) -> (Vec<String>, Result<(), crate::web::FieldError>);

/// Saves one model's list from its form (`what`: "milestones" or "moments"), and shows the page
/// with that form as saved or as typed beside its refusal.
async fn save_model_list(
    s: &AppState,
    c: &Current,
    n: usize,
    f: super::form_state::Fields,
    what: &str,
    read: ReadList,
) -> PageResult {
    let mut config = s.store.engagement_config().await?;
    let model = super::form_state::named(&mut config.models, n, &f, "model", |m| &m.name)?;
    let name = model.name.clone();
    let (rows, read) = read(n, model, &f);
    let outcome = match read {
        Err(e) => Err(e),
        Ok(()) => save_list(s, c, &config, what, &name).await?,
    };
    let mut p = page(s, c, None, None).await?;
    // The page is read again: another admin's save in between may have removed the model.
    let status = match p.models.get_mut(n) {
        Some(view) if what == "milestones" => view.milestones_form.after(outcome, f, &rows),
        Some(view) => view.moments_form.after(outcome, f, &rows),
        None => axum::http::StatusCode::CONFLICT,
    };
    Ok(crate::web::render_status(&p, status))
}

/// Saves one model's milestones from their form.
pub async fn save_milestones(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::extract::Path(n): axum::extract::Path<usize>,
    Form(f): Form<super::form_state::Fields>,
) -> PageResult {
    save_model_list(&s, &c, n, f, "milestones", |n, model, f| {
        let (rows, read) = super::milestones_form::read(n, &model.milestones, f);
        (rows, read.map(|list| model.milestones = list))
    })
    .await
}

/// Saves one model's moments from their form.
pub async fn save_moments(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::extract::Path(n): axum::extract::Path<usize>,
    Form(f): Form<super::form_state::Fields>,
) -> PageResult {
    save_model_list(&s, &c, n, f, "moments", |n, model, f| {
        let (rows, read) = super::moments_form::read(n, &model.moments, f);
        (rows, read.map(|list| model.moments = list))
    })
    .await
}

#[derive(Deserialize)]
pub struct ReleaseForm {
    name: String,
    released_on: chrono::NaiveDate,
    #[serde(default)]
    notes: String,
}

/// Records a product release: models that react to one fire their moment at the next sweep.
pub async fn release(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<ReleaseForm>,
) -> PageResult {
    let cmd = RecordRelease {
        name: f.name,
        released_on: Some(f.released_on),
        notes: f.notes,
    };
    match s.app.record_release(&c.caller(), cmd).await {
        Ok(r) => {
            let message = format!(
                "Release \"{}\" of {} recorded: accounts whose model reacts to a release get their moment at the next sweep.",
                r.name, r.released_on
            );
            Ok(render(&page(&s, &c, None, Some((true, message))).await?).into_response())
        }
        Err(e) => refused(&s, &c, None, super::problem(e)?).await,
    }
}
