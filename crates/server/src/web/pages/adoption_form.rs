//! Which offerings entitle which features, and the function each feature serves, edited as a
//! form rather than TOML: one row per feature of the catalogue, a box per offering the book's
//! contracts name. A feature with no box ticked comes with every offering. Saving goes through
//! the same checks as `PUT /api/v1/adoption/config` and `sherpa config import`; a refusal is
//! said beside the feature's row, with what was typed kept.

use super::form_state::{Fields, FormState, row_and_field};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{FieldError, Nav, PageResult};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use sherpa_core::adoption::{AdoptionConfig, FeatureSetting};

#[derive(Template)]
#[template(path = "adoption_form.html")]
struct FeaturesPage {
    nav: Nav,
    /// The catalogue's features, one row each ("f0", "f1", ...).
    features: Vec<(String, String)>,
    /// The offerings, one column each ("o0", "o1", ...).
    offerings: Vec<(String, String)>,
    state: FormState,
}

impl std::ops::Deref for FeaturesPage {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

fn rows(prefix: &str, names: Vec<String>) -> Vec<(String, String)> {
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (format!("{prefix}{i}"), n))
        .collect()
}

/// The fields of the configuration in force.
fn fields_of(
    config: &AdoptionConfig,
    features: &[(String, String)],
    offerings: &[(String, String)],
) -> Fields {
    let mut form = Fields::new();
    for (row, feature) in features {
        form.insert(format!("{row}.feature"), feature.clone());
        let Some(s) = config.setting(feature) else {
            continue;
        };
        form.insert(format!("{row}.function"), s.function.clone());
        for (col, offering) in offerings {
            if s.products.iter().any(|p| p.eq_ignore_ascii_case(offering)) {
                form.insert(format!("{row}.{col}"), "on".into());
            }
        }
    }
    for (col, offering) in offerings {
        form.insert(col.clone(), offering.clone());
    }
    form
}

/// The configuration the form asks for: each row's feature (as the page sent it), function
/// and ticked offerings; rows with neither are left out (every offering, no function).
fn config_from(f: &Fields) -> AdoptionConfig {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let offerings: Vec<(String, String)> = (0..)
        .map(|j| format!("o{j}"))
        .map_while(|col| f.get(&col).map(|o| (col.clone(), o.trim().to_string())))
        .collect();
    let features = (0..)
        .map(|i| format!("f{i}"))
        .map_while(|row| f.get(&format!("{row}.feature")).map(|_| row))
        .filter_map(|row| {
            let setting = FeatureSetting {
                feature: get(&format!("{row}.feature")),
                function: get(&format!("{row}.function")),
                products: offerings
                    .iter()
                    .filter(|(col, _)| f.contains_key(&format!("{row}.{col}")))
                    .map(|(_, o)| o.clone())
                    .collect(),
            };
            (!setting.function.is_empty() || !setting.products.is_empty()).then_some(setting)
        })
        .collect();
    AdoptionConfig { features }
}

async fn page(
    s: &AppState,
    c: &crate::web::session::Current,
    state: Option<FormState>,
) -> Result<FeaturesPage, crate::web::Failure> {
    let (features, offerings) = s.app.adoption_catalogue().await?;
    let (features, offerings) = (rows("f", features), rows("o", offerings));
    let state = match state {
        Some(state) => state,
        None => FormState {
            form: fields_of(&s.app.adoption_config().await?, &features, &offerings),
            ..FormState::default()
        },
    };
    Ok(FeaturesPage {
        nav: Nav::new(c, "features"),
        features,
        offerings,
        state,
    })
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    Ok(crate::web::render(&page(&s, &c, None).await?))
}

/// Saves the form; a refusal is said beside the row of the feature it names.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<Fields>,
) -> PageResult {
    let config = config_from(&f);
    let (status, state) = match s.app.set_adoption_config(&c.caller(), &config).await {
        Ok(()) => (StatusCode::OK, None),
        Err(e) => {
            let error = FieldError::of(e)?;
            // "features[2].products[0]: ..." names the third feature set: that row's function.
            let rows: Vec<String> = config
                .features
                .iter()
                .map(|set| row_of(&f, &set.feature).unwrap_or_default())
                .collect();
            let row = match row_and_field(error.message.trim_start_matches("features["), &rows) {
                (Some(row), _) if error.message.starts_with("features[") => row.to_string(),
                _ => "f0".into(),
            };
            let state = FormState {
                outcome: Some((false, format!("{}. Nothing was changed.", error.message))),
                error: Some((format!("{row}.function"), error)),
                form: f,
            };
            (StatusCode::BAD_REQUEST, Some(state))
        }
    };
    let saved = state.is_none();
    let mut p = page(&s, &c, state).await?;
    if saved {
        p.state.outcome = Some((
            true,
            "Saved. The matrix, each account's whitespace and its upsells follow it now.".into(),
        ));
    }
    Ok(crate::web::render_status(&p, status))
}

/// The form's row of a feature, by the name the page sent.
fn row_of(f: &Fields, feature: &str) -> Option<String> {
    (0..)
        .map(|i| format!("f{i}"))
        .map_while(|row| f.get(&format!("{row}.feature")).map(|n| (row, n)))
        .find(|(_, n)| n.trim() == feature)
        .map(|(row, _)| row)
}
