//! The prioritisation settings page (admins and leaders): grade bounds, the tier grid, each
//! tier's cadence (picked by name, or a custom rule) and its time zone, and the 9-box labels,
//! all in one form. It goes through the same checks as `PUT /api/v1/prioritisation` and
//! `sherpa config import`: a bad value is shown next to its field with what was typed, and
//! nothing changes.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use sherpa_app::{CadencesConfig, GradeBoundsConfig, PrioritisationConfig};
use sherpa_core::prioritise::{CADENCE_CHOICES, Grade, NineBox, time_zone_names};
use sherpa_store::PrioritisationRules;
use std::collections::{BTreeMap, HashMap};

struct Cell {
    grade: String,
    code: String,
}

struct Label {
    code: String,
    label: String,
}

/// One tier's cadence as the form shows it: a named choice, or "custom" with its rule.
struct TierCadence {
    tier: String,
    /// A rule of [`CADENCE_CHOICES`], "" for none, or "custom".
    choice: String,
    custom: String,
}

#[derive(Template)]
#[template(path = "prioritisation.html")]
struct SettingsPage {
    nav: Nav,
    a_above: String,
    b_from: String,
    /// Rows A, B, C; columns 1, 2, 3.
    grid: Vec<Vec<Cell>>,
    time_zone: String,
    cadences: Vec<TierCadence>,
    choices: &'static [(&'static str, &'static str)],
    zones: Vec<&'static str>,
    /// Top row first, as the 9-box reads.
    labels: Vec<Label>,
    saved: bool,
    /// A refusal no field holds.
    problem: String,
    /// Refusals by the form field they belong to.
    errors: HashMap<String, crate::web::FieldError>,
}

impl SettingsPage {
    fn error(&self, field: &str) -> Option<&crate::web::FieldError> {
        self.errors.get(field)
    }
}

/// The cells a grade can take.
pub const CELLS: [&str; 5] = ["1", "1-2", "2", "2-3", "3"];

const TIERS: [&str; 3] = ["1", "2", "3"];

fn grades() -> impl Iterator<Item = (usize, Grade)> {
    ["A", "B", "C"].iter().enumerate().flat_map(|(row, size)| {
        (1..=3).map(move |growth| {
            let grade: Grade = format!("{size}{growth}").parse().expect("a grade");
            (row, grade)
        })
    })
}

fn tier_cadence(tier: &str, rule: &str) -> TierCadence {
    let named = rule.is_empty() || CADENCE_CHOICES.iter().any(|(r, _)| *r == rule);
    TierCadence {
        tier: tier.to_string(),
        choice: if named { rule.into() } else { "custom".into() },
        custom: if named { String::new() } else { rule.into() },
    }
}

/// The page with the settings in force.
fn page_of(nav: Nav, r: &PrioritisationRules) -> SettingsPage {
    let mut grid: Vec<Vec<Cell>> = vec![Vec::new(), Vec::new(), Vec::new()];
    for (row, grade) in grades() {
        grid[row].push(Cell {
            grade: grade.to_string(),
            code: r.grid.cell(grade).code(),
        });
    }
    let mut boxes: Vec<NineBox> = NineBox::all().collect();
    boxes.sort_by_key(|b| (std::cmp::Reverse(b.upsell), b.relationship));
    SettingsPage {
        nav,
        a_above: r.bounds.a_above.to_string(),
        b_from: r.bounds.b_from.to_string(),
        grid,
        time_zone: r.cadences.time_zone.clone(),
        cadences: TIERS
            .iter()
            .map(|t| tier_cadence(t, r.cadences.rules.get(*t).map_or("", |s| s.as_str())))
            .collect(),
        choices: CADENCE_CHOICES,
        zones: time_zone_names().collect(),
        labels: boxes
            .into_iter()
            .map(|b| Label {
                code: b.code(),
                label: r.nine_box_labels.label(b).to_string(),
            })
            .collect(),
        saved: false,
        problem: String::new(),
        errors: HashMap::new(),
    }
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<crate::web::Outcome>,
) -> PageResult {
    let r = s.store.prioritisation_rules().await?;
    let mut page = page_of(Nav::new(&c, "prioritisation"), &r);
    page.saved = !p.saved.is_empty();
    page.problem = p.problem;
    Ok(render(&page).into_response())
}

/// The form field a refused key belongs to: `cadences.rules.2` is the cadence of tier 2.
fn form_field(key: &str) -> Option<String> {
    if let Some(t) = key.strip_prefix("cadences.rules.") {
        return Some(format!("cadence.{t}"));
    }
    if let Some(g) = key.strip_prefix("tier_grid.") {
        return Some(format!("grid.{g}"));
    }
    if let Some(b) = key.strip_prefix("nine_box_labels.") {
        return Some(format!("box.{b}"));
    }
    Some(
        match key {
            "cadences.time_zone" => "time_zone",
            "grade_bounds.a_above" | "grade_bounds" => "a_above",
            "grade_bounds.b_from" => "b_from",
            _ => return None,
        }
        .to_string(),
    )
}

/// Saves the whole form, or nothing: a refusal shows the form again as it was typed, the
/// message beside the field it concerns.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let with_prefix = |prefix: &str| -> BTreeMap<String, String> {
        f.iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone())))
            .collect()
    };
    // A tier's rule: the named choice, or the custom rule typed beside it.
    let rules: BTreeMap<String, String> = TIERS
        .iter()
        .map(|t| {
            let choice = get(&format!("cadence.{t}"));
            let rule = if choice == "custom" {
                get(&format!("cadence_custom.{t}")).trim().to_string()
            } else {
                choice
            };
            (t.to_string(), rule)
        })
        .collect();
    let config = PrioritisationConfig {
        grade_bounds: Some(GradeBoundsConfig {
            a_above: get("a_above"),
            b_from: get("b_from"),
        }),
        tier_grid: Some(with_prefix("grid.")),
        pareto: None,
        nine_box_labels: Some(with_prefix("box.")),
        cadences: Some(CadencesConfig {
            time_zone: get("time_zone"),
            rules: rules
                .iter()
                .filter(|(_, r)| !r.is_empty())
                .map(|(t, r)| (t.clone(), r.clone()))
                .collect(),
        }),
        staffing: None,
    };
    let e = match s.app.set_prioritisation(&c.caller(), config).await {
        Ok(_) => return Ok(Redirect::to("/admin/prioritisation?saved=1").into_response()),
        Err(sherpa_app::Error::Invalid { field, message }) => (field, message),
        Err(e) => return Err(e.into()),
    };
    // What was typed, in place of the settings in force.
    let r = s.store.prioritisation_rules().await?;
    let mut page = page_of(Nav::new(&c, "prioritisation"), &r);
    page.a_above = get("a_above");
    page.b_from = get("b_from");
    page.time_zone = get("time_zone");
    for row in page.grid.iter_mut() {
        for cell in row.iter_mut() {
            if let Some(v) = f.get(&format!("grid.{}", cell.grade)) {
                cell.code = v.clone();
            }
        }
    }
    page.cadences = TIERS
        .iter()
        .map(|t| TierCadence {
            tier: t.to_string(),
            choice: get(&format!("cadence.{t}")),
            custom: get(&format!("cadence_custom.{t}")),
        })
        .collect();
    for l in page.labels.iter_mut() {
        if let Some(v) = f.get(&format!("box.{}", l.code)) {
            l.label = v.clone();
        }
    }
    let (key, message) = e;
    match form_field(&key) {
        Some(field) => {
            page.errors
                .insert(field, crate::web::FieldError { key, message });
        }
        None => page.problem = format!("{key}: {message}"),
    }
    // The same status as the API's refusal of the same settings.
    let mut response = render(&page).into_response();
    *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(response)
}
