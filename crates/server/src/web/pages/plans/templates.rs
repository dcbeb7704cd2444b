//! The plan templates page (leaders and admins): the dimensions blockers are classified in and
//! the shared blocker labels, edited by form (one added, renamed or removed); each template of
//! a model customer in words (whom it is for, how such a customer defines success, its value
//! drivers, objectives, steps and blockers to watch for) with its form, a template added (blank
//! or a copy of another) or removed; and the whole configuration as TOML for power users and
//! configuration as code (the `[plans]` part of `sherpa config export`).
//! Every save goes through the same checks as `PUT /api/v1/plans/config`; a refusal sits beside
//! its field, or names its line or key in the editor, and changes nothing.

use super::super::form_state::{Fields, FormState};
use super::super::scorecards::EditForm;
use super::template_form::{Choices, rows, sent_rows};
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, FieldError, Nav, PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use sherpa_app::config::{parse_plans, plans_toml};
use sherpa_core::plan::{BlockerLabel, DEFAULT_DIMENSIONS, PlanTemplate, PlansConfig};

/// A template in words, with its form.
struct TemplateView {
    form: super::template_form::TemplateForm,
    name: String,
    description: String,
    /// "tiers 1, 2 · segment Enterprise", or "every account".
    meant_for: String,
    success: String,
    value_drivers: Vec<String>,
    objectives: Vec<String>,
    steps: Vec<String>,
    watch_for: Vec<String>,
}

fn template_view(index: usize, t: &PlanTemplate, choices: &Choices) -> TemplateView {
    let mut meant_for = Vec::new();
    if !t.tiers.is_empty() {
        let tiers: Vec<String> = t.tiers.iter().map(u8::to_string).collect();
        meant_for.push(format!("tier {}", tiers.join(", ")));
    }
    if !t.segments.is_empty() {
        meant_for.push(format!("segment {}", t.segments.join(", ")));
    }
    TemplateView {
        form: super::template_form::TemplateForm::of(index, t, choices),
        name: t.name.clone(),
        description: t.description.clone(),
        meant_for: if meant_for.is_empty() {
            "every account".into()
        } else {
            meant_for.join(" · ")
        },
        success: t.success.clone(),
        value_drivers: t.value_drivers.clone(),
        objectives: t
            .objectives
            .iter()
            .map(|o| {
                format!(
                    "{} ({}), by month {}{}{}",
                    o.title,
                    o.unit,
                    o.months,
                    if o.first_value { ", first value" } else { "" },
                    o.owner
                        .as_ref()
                        .map(|w| format!(", {w}"))
                        .unwrap_or_default()
                )
            })
            .collect(),
        steps: t
            .steps
            .iter()
            .map(|s| {
                format!(
                    "{}: day {}{}",
                    s.title,
                    s.due_days,
                    s.owner
                        .as_ref()
                        .map(|w| format!(", {w}"))
                        .unwrap_or_default()
                )
            })
            .collect(),
        watch_for: t
            .watch_for
            .iter()
            .map(|l| format!("{} ({})", l.label, l.dimension))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "plan_templates.html")]
struct TemplatesPage {
    nav: Nav,
    /// The four dimensions every plan has.
    built_in: &'static [&'static str],
    /// Every dimension, for a label's choice.
    dimensions: Vec<String>,
    /// The dimensions and labels form's rows: "d0".. and "l0".., each list's new row
    /// ("new_d", "new_l") last.
    dimension_rows: Vec<String>,
    label_rows: Vec<String>,
    lists: FormState,
    templates: Vec<TemplateView>,
    /// The form that adds a template: its name, success, and the template it copies.
    adding: FormState,
    template_names: Vec<String>,
    text: String,
    outcome: Option<(bool, String)>,
}

impl std::ops::Deref for TemplatesPage {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.lists
    }
}

/// The dimensions and labels form's fields as in force.
fn list_fields(config: &PlansConfig) -> Fields {
    let mut form = Fields::new();
    for (i, d) in config.dimensions.iter().enumerate() {
        form.insert(format!("d{i}.name"), d.clone());
    }
    for (i, l) in config.labels.iter().enumerate() {
        form.insert(format!("l{i}.label"), l.label.clone());
        form.insert(format!("l{i}.dimension"), l.dimension.clone());
    }
    form
}

async fn page(
    s: &AppState,
    c: &Current,
    text: Option<String>,
    outcome: Option<(bool, String)>,
) -> Result<TemplatesPage, Failure> {
    let config = s.app.plans_config().await?;
    let segments = segment_names(s).await?;
    Ok(TemplatesPage {
        nav: Nav::new(c, "templates"),
        built_in: &DEFAULT_DIMENSIONS,
        dimensions: config.dimensions().names().to_vec(),
        dimension_rows: rows("d", config.dimensions.len()),
        label_rows: rows("l", config.labels.len()),
        lists: FormState {
            form: list_fields(&config),
            ..FormState::default()
        },
        templates: config
            .templates
            .iter()
            .enumerate()
            .map(|(i, t)| template_view(i, t, &Choices::for_template(&segments, &config.labels, t)))
            .collect(),
        adding: FormState::default(),
        template_names: config.templates.iter().map(|t| t.name.clone()).collect(),
        text: text.unwrap_or_else(|| plans_toml(&config)),
        outcome,
    })
}

/// The book's segments, by the names the Pareto settings give them.
async fn segment_names(s: &AppState) -> Result<Vec<String>, Failure> {
    Ok(s.store.prioritisation_rules().await?.pareto.names)
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    Ok(render(&page(&s, &c, None, None).await?))
}

/// Checks or saves the editor's text.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<EditForm>,
) -> PageResult {
    let caller = c.caller();
    let checked = match parse_plans(&f.text) {
        Err(e) => Err(e),
        Ok(config) => {
            let done = if f.action == "check" {
                s.app.check_plans_config(&caller, &config).await
            } else {
                s.app.save_plans_config(&caller, &config).await
            };
            match done {
                Ok(false) => Ok("It matches the configuration in force: nothing to change."),
                Ok(true) if f.action == "check" => {
                    Ok("Valid. Saving it gives plans started from then on its templates.")
                }
                Ok(true) => Ok("Saved: plans started from now on follow it."),
                Err(e) => Err(super::super::problem(e)?),
            }
        }
    };
    let (keep, outcome, status) = match checked {
        Ok(m) => (
            (f.action == "check").then_some(f.text),
            (true, m.to_string()),
            StatusCode::OK,
        ),
        Err(e) => (
            Some(f.text),
            (false, format!("{e}. Nothing was changed.")),
            StatusCode::BAD_REQUEST,
        ),
    };
    let mut resp = render(&page(&s, &c, keep, Some(outcome)).await?);
    *resp.status_mut() = status;
    Ok(resp)
}

/// The dimensions and labels the form's rows ask for, with each list's rows.
fn lists_from(
    config: &PlansConfig,
    f: &Fields,
) -> (Vec<String>, Vec<String>, Vec<String>, Vec<BlockerLabel>) {
    let get = |k: String| f.get(&k).map(|v| v.trim().to_string()).unwrap_or_default();
    let kept = |prefix: &str, n: usize, first: &str| -> Vec<String> {
        let mut rows: Vec<String> = (0..n)
            .map(|i| format!("{prefix}{i}"))
            .filter(|r| !f.contains_key(&format!("{r}.remove")))
            .collect();
        if !get(format!("new_{prefix}.{first}")).is_empty() {
            rows.push(format!("new_{prefix}"));
        }
        rows
    };
    let dimension_rows = kept("d", config.dimensions.len(), "name");
    let label_rows = kept("l", config.labels.len(), "label");
    let dimensions = dimension_rows
        .iter()
        .map(|r| get(format!("{r}.name")))
        .collect();
    let labels = label_rows
        .iter()
        .map(|r| BlockerLabel {
            label: get(format!("{r}.label")),
            dimension: get(format!("{r}.dimension")),
        })
        .collect();
    (dimension_rows, label_rows, dimensions, labels)
}

/// A refusal's key (`labels[1].dimension`) as the field of the row it concerns.
fn list_field(key: &str, dimension_rows: &[String], label_rows: &[String]) -> String {
    let at = |rest: &str, rows: &[String], new: &str, what: &str| -> String {
        let (row, field) = super::super::form_state::row_and_field(rest, rows);
        format!("{}.{}", row.unwrap_or(new), field.unwrap_or(what))
    };
    if let Some(rest) = key.strip_prefix("dimensions[") {
        at(rest, dimension_rows, "new_d", "name")
    } else if let Some(rest) = key.strip_prefix("labels[") {
        at(rest, label_rows, "new_l", "label")
    } else {
        "new_d.name".into()
    }
}

/// Saves the dimensions and blocker labels from their form.
pub async fn save_lists(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<Fields>,
) -> PageResult {
    let mut config = s.app.plans_config().await?;
    let (dimension_rows, label_rows, dimensions, labels) = lists_from(&config, &f);
    config.dimensions = dimensions;
    config.labels = labels;
    let outcome = match s.app.save_plans_config(&c.caller(), &config).await {
        Ok(false) => Ok("They match the dimensions and labels in force: nothing to change."),
        Ok(true) => Ok("Saved: the dimensions and blocker labels."),
        Err(e) => Err(FieldError::of(e)?),
    };
    let mut p = page(&s, &c, None, None).await?;
    if outcome.is_err() {
        // The rows as typed, removals ticked and the new ones where they were.
        p.dimension_rows = rows("d", sent_rows(&f, "d"));
        p.label_rows = rows("l", sent_rows(&f, "l"));
    }
    let status = p.lists.after(outcome.map(String::from), f, |key| {
        list_field(key, &dimension_rows, &label_rows)
    });
    let mut resp = render(&p);
    *resp.status_mut() = status;
    Ok(resp)
}

/// Saves one template from its form, or removes it (`remove_template` ticked). The form names its
/// template: one renamed, added or removed since the page was read is refused rather than
/// another one edited.
pub async fn save_template(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::extract::Path(n): axum::extract::Path<usize>,
    Form(f): Form<Fields>,
) -> PageResult {
    let mut config = s.app.plans_config().await?;
    let before =
        super::super::form_state::named(&mut config.templates, n, &f, "template", |t| &t.name)?
            .clone();
    if f.contains_key("remove_template") {
        config.templates.remove(n);
        s.app.save_plans_config(&c.caller(), &config).await?;
        let said = format!(
            "Removed the template {}. Plans started from it keep what it gave them.",
            before.name
        );
        return Ok(render(&page(&s, &c, None, Some((true, said))).await?));
    }
    let choices = Choices::for_template(&segment_names(&s).await?, &config.labels, &before);
    let (kept, read) = super::template_form::read(n, &before, &choices, &f);
    let outcome = match read {
        Err(e) => Err(e),
        Ok(template) => {
            let name = template.name.clone();
            config.templates[n] = template;
            match s.app.save_plans_config(&c.caller(), &config).await {
                Ok(false) => Ok("It matches the template in force: nothing to change.".into()),
                Ok(true) => Ok(format!(
                    "Saved: the template {name}. Plans started from it from now on follow it."
                )),
                Err(e) => Err(FieldError::of(e)?),
            }
        }
    };
    let mut p = page(&s, &c, None, None).await?;
    // The page is read again: another save in between may have removed the template.
    let status = match p.templates.get_mut(n) {
        Some(view) => view.form.after(outcome, f, &kept),
        None => StatusCode::CONFLICT,
    };
    let mut resp = render(&p);
    *resp.status_mut() = status;
    Ok(resp)
}

/// Adds a template: a copy of another under a new name, or a blank one with its name and how
/// such a customer defines success.
pub async fn add_template(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<Fields>,
) -> PageResult {
    let mut config = s.app.plans_config().await?;
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let copy_of = get("copy_of");
    let mut template = match config.templates.iter().find(|t| t.name == copy_of) {
        Some(t) => t.clone(),
        None if copy_of.is_empty() => PlanTemplate::default(),
        None => {
            return Err(Failure::new(
                StatusCode::CONFLICT,
                format!(
                    "copy_of: there is no template \"{copy_of}\" to copy any more; reload the page"
                ),
            ));
        }
    };
    template.name = get("name");
    if !get("success").is_empty() || copy_of.is_empty() {
        template.success = get("success");
    }
    let index = config.templates.len();
    let name = template.name.clone();
    config.templates.push(template);
    let outcome = match s.app.save_plans_config(&c.caller(), &config).await {
        Ok(_) => Ok(format!(
            "Added the template {name}: edit its objectives and steps below."
        )),
        Err(e) => Err(FieldError::of(e)?),
    };
    let mut p = page(&s, &c, None, None).await?;
    let prefix = format!("templates[{index}].");
    let status = p.adding.after(outcome, f, |key| {
        match key.strip_prefix(&prefix) {
            Some("success") => "success",
            _ => "name",
        }
        .to_string()
    });
    let mut resp = render(&p);
    *resp.status_mut() = status;
    Ok(resp)
}
