//! The prioritisation settings page (admins and leaders): grade bounds, the tier grid, each
//! tier's cadence and its time zone, and the 9-box labels, all in one form. It goes through the
//! same checks as `PUT /api/v1/prioritisation` and `sherpa config import`: a bad value is
//! refused with its key, and nothing changes.

use crate::AppState;
use crate::web::session::Signed;
use crate::web::{Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use sherpa_app::{CadencesConfig, GradeBoundsConfig, PrioritisationConfig};
use sherpa_core::prioritise::{Grade, NineBox};
use std::collections::{BTreeMap, HashMap};

struct Cell {
    grade: String,
    code: String,
}

struct Label {
    code: String,
    label: String,
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
    rules: Vec<(String, String)>,
    /// Top row first, as the 9-box reads.
    labels: Vec<Label>,
    saved: bool,
    problem: String,
}

/// The cells a grade can take.
pub const CELLS: [&str; 5] = ["1", "1-2", "2", "2-3", "3"];

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(p): Query<crate::web::Outcome>,
) -> PageResult {
    let r = s.store.prioritisation_rules().await?;
    let grid = ["A", "B", "C"]
        .iter()
        .map(|size| {
            (1..=3)
                .map(|growth| {
                    let grade: Grade = format!("{size}{growth}").parse().expect("a grade");
                    Cell {
                        grade: grade.to_string(),
                        code: r.grid.cell(grade).code(),
                    }
                })
                .collect()
        })
        .collect();
    let mut boxes: Vec<NineBox> = NineBox::all().collect();
    boxes.sort_by_key(|b| (std::cmp::Reverse(b.upsell), b.relationship));
    Ok(render(&SettingsPage {
        nav: Nav::new(&c, "prioritisation"),
        a_above: r.bounds.a_above.to_string(),
        b_from: r.bounds.b_from.to_string(),
        grid,
        time_zone: r.cadences.time_zone.clone(),
        rules: ["1", "2", "3"]
            .iter()
            .map(|t| {
                (
                    t.to_string(),
                    r.cadences.rules.get(*t).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        labels: boxes
            .into_iter()
            .map(|b| Label {
                code: b.code(),
                label: r.nine_box_labels.label(b).to_string(),
            })
            .collect(),
        saved: !p.saved.is_empty(),
        problem: p.problem,
    })
    .into_response())
}

/// Saves the whole form, or nothing.
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
            rules: with_prefix("cadence.")
                .into_iter()
                .filter(|(_, r)| !r.trim().is_empty())
                .collect(),
        }),
        staffing: None,
    };
    let back = |problem: &str| {
        Ok(Redirect::to(&format!(
            "/admin/prioritisation?problem={}",
            format::url_encode(problem)
        ))
        .into_response())
    };
    match s.app.set_prioritisation(&c.caller(), config).await {
        Ok(_) => Ok(Redirect::to("/admin/prioritisation?saved=1").into_response()),
        Err(e @ sherpa_app::Error::Invalid { .. }) => back(&e.to_string()),
        Err(e) => Err(e.into()),
    }
}
