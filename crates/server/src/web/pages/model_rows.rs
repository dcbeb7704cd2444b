//! What the forms of an engagement model's lists (its milestones, its moments) share: one row
//! per item in force ("m0", "m1", ...), each removable, and a "new" row that adds one at the end
//! when given a title; the model named by its place and its name; a refusal's key
//! (`models[1].moments[2].due_in_days`) turned into the field of the row it concerns.

use super::form_state::{Fields, FormState, row_and_field};
use crate::web::FieldError;

/// A model's list as a form.
pub(super) struct ModelRows {
    /// The model's place in the configuration (from 0): where the form posts.
    pub model: usize,
    pub name: String,
    /// The form's rows: "m0", "m1", ... and "new".
    pub rows: Vec<String>,
    pub state: FormState,
}

impl std::ops::Deref for ModelRows {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

impl ModelRows {
    /// The form of `count` items in force, with their fields.
    pub fn new(model: usize, name: &str, count: usize, form: Fields) -> ModelRows {
        ModelRows {
            model,
            name: name.to_string(),
            rows: (0..count)
                .map(|i| format!("m{i}"))
                .chain(["new".to_string()])
                .collect(),
            state: FormState {
                form,
                ..FormState::default()
            },
        }
    }

    /// The form after a save: what was said, or the refusal beside its field (`field` names it
    /// from the refusal's key) with what was typed; answers the page's status.
    pub fn after(
        &mut self,
        outcome: Result<String, FieldError>,
        typed: Fields,
        field: impl FnOnce(&str) -> String,
    ) -> axum::http::StatusCode {
        self.state.after(outcome, typed, field)
    }
}

/// The rows a form's fields keep of `count` items in force, in order, and "new" at the end
/// when it has a title.
pub(super) fn rows_of(count: usize, f: &Fields) -> Vec<String> {
    let mut rows: Vec<String> = (0..count)
        .map(|i| format!("m{i}"))
        .filter(|r| !f.contains_key(&format!("{r}.remove")))
        .collect();
    if f.get("new.title").is_some_and(|t| !t.trim().is_empty()) {
        rows.push("new".into());
    }
    rows
}

/// The item in force a row edits; none for the new row.
pub(super) fn kept<'a, T>(row: &str, before: &'a [T]) -> Option<&'a T> {
    row.strip_prefix('m')
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| before.get(i))
}

/// A row's field, trimmed ("" when not sent).
pub(super) fn get(f: &Fields, row: &str, what: &str) -> String {
    f.get(&format!("{row}.{what}"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

/// A refusal's key as the form field it belongs to: for the `list` ("milestones") of the
/// `model`-th model, `models[1].milestones[2].due_days` is the third row left's field that
/// `field` names for `due_days` (its title when the key names no field of the row, or another
/// list).
pub(super) fn form_field(
    key: &str,
    model: usize,
    list: &str,
    rows: &[String],
    field: impl Fn(&str) -> &'static str,
) -> String {
    let Some(rest) = key.strip_prefix(&format!("models[{model}].{list}[")) else {
        return "new.title".into();
    };
    let (row, what) = row_and_field(rest, rows);
    format!(
        "{}.{}",
        row.unwrap_or("new"),
        field(what.unwrap_or("title"))
    )
}

/// A key made from a title: "Kick-off call held!" is `kick_off_call_held`.
pub(super) fn key_of(title: &str) -> String {
    let mut key = String::new();
    for c in sherpa_core::text::sort_key(title).chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_string()
}

/// A whole number a row's field holds, or its refusal under `key`.
pub(super) fn whole(v: &str, what: &str, key: String) -> Result<u32, FieldError> {
    v.parse().map_err(|_| FieldError {
        key,
        message: format!("\"{v}\" is not a whole number of {what}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_titles_and_refusals_land_on_their_rows() {
        assert_eq!(key_of("Kick-off call held!"), "kick_off_call_held");
        assert_eq!(key_of("Données reçues"), "donnees_recues");
        let rows = vec!["m0".to_string(), "m2".to_string(), "new".to_string()];
        let field = |w: &str| match w {
            "due_days" => "due_days",
            _ => "title",
        };
        assert_eq!(
            form_field(
                "models[1].milestones[1].due_days",
                1,
                "milestones",
                &rows,
                field
            ),
            "m2.due_days"
        );
        assert_eq!(
            form_field("models[1].milestones[2].key", 1, "milestones", &rows, field),
            "new.title"
        );
        assert_eq!(
            form_field(
                "models[0].milestones[0].title",
                1,
                "milestones",
                &rows,
                field
            ),
            "new.title",
            "another model's"
        );
    }
}
