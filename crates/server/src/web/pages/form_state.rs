//! A settings form as a page shows it: its fields by name (in force, or as typed), what its
//! last press did, and a refusal beside its field. The scorecard, playbook and rules forms
//! keep theirs in one.

use std::collections::HashMap;

/// A form's fields, by name: what is in force, or what was typed.
pub(super) type Fields = HashMap<String, String>;

/// A form as shown.
#[derive(Default)]
pub(super) struct FormState {
    /// The form's fields: in force, or as typed.
    pub form: Fields,
    /// A preview or save of this form: (good, message).
    pub outcome: Option<(bool, String)>,
    /// The field a refusal concerns, and the refusal.
    pub error: Option<(String, crate::web::FieldError)>,
}

impl FormState {
    /// A form field's value.
    pub fn value(&self, field: &str) -> &str {
        self.form.get(field).map_or("", String::as_str)
    }

    /// Whether a checkbox is ticked.
    pub fn ticked(&self, field: &str) -> bool {
        self.form.contains_key(field)
    }

    /// The form after a press of Save: what was said, or the refusal beside the field `field`
    /// names from its key, with what was `typed`; answers the page's status.
    pub fn after(
        &mut self,
        outcome: Result<String, crate::web::FieldError>,
        typed: Fields,
        field: impl FnOnce(&str) -> String,
    ) -> axum::http::StatusCode {
        match outcome {
            Ok(message) => {
                self.outcome = Some((true, message));
                axum::http::StatusCode::OK
            }
            Err(error) => {
                *self = FormState {
                    outcome: Some((false, format!("{}. Nothing was changed.", error.message))),
                    error: Some((field(&error.key), error)),
                    form: typed,
                };
                axum::http::StatusCode::BAD_REQUEST
            }
        }
    }

    /// The refusal when it concerns `field`.
    pub fn error_at(&self, field: &str) -> Option<&crate::web::FieldError> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, e)| e)
    }
}

/// A refusal's key into a list the form shows as rows, read after its `[`: `2].due_in_days`
/// names the third of the rows left (none when it names no row) and what within it (none when
/// it names the row alone).
pub(super) fn row_and_field<'a>(
    indexed: &'a str,
    rows: &'a [String],
) -> (Option<&'a str>, Option<&'a str>) {
    let (k, what) = indexed
        .split_once("].")
        .map_or((indexed, None), |(k, w)| (k, Some(w)));
    let row = k
        .parse::<usize>()
        .ok()
        .and_then(|k| rows.get(k))
        .map(String::as_str);
    (row, what)
}

/// The item a form edits, named by its place in a list (`n`) and by the name the form sent in
/// its field `what` ("model", "template"): a list renamed, added to or cut since the page was
/// read is refused (409) rather than another item edited.
pub(super) fn named<'a, T>(
    items: &'a mut [T],
    n: usize,
    f: &Fields,
    what: &str,
    name_of: impl Fn(&T) -> &str,
) -> Result<&'a mut T, crate::web::Failure> {
    let name = f.get(what).map(|m| m.trim()).unwrap_or_default();
    items
        .get_mut(n)
        .filter(|item| name_of(item) == name)
        .ok_or_else(|| {
            crate::web::Failure::new(
                axum::http::StatusCode::CONFLICT,
                format!(
                    "the {what}s changed since this page was read: no {what} {name:?} there; \
                     open the page again"
                ),
            )
        })
}
