//! An engagement model's onboarding milestones edited as a form, not as TOML: each milestone's
//! title, whose it is, its objective, the day after the contract start it is expected, what
//! marks it done (a person, the first login, the first use of a high-value feature, an event, an
//! activity logged, or a number of active users) and how late it may be before it escalates; a
//! milestone removed, or one added at the end. "Save" goes through the same checks as the TOML
//! editor and `PUT /api/v1/engagement/config`; a refusal sits beside its field, with what was
//! typed kept.

use super::form_state::{Fields, FormState, row_and_field};
use crate::web::FieldError;
use sherpa_core::OwnerFunction;
use sherpa_core::engagement::{Completion, EngagementModel, Milestone};

/// What can mark a milestone done: the choice's value and words.
pub(super) const DONE_BY: [(&str, &str); 6] = [
    ("", "a person marks it"),
    ("first_login", "the first login"),
    ("first_value", "the first use of a high-value feature"),
    ("event", "the first event named…"),
    ("activity", "an activity logged of kind…"),
    ("active_users", "this many users active in 30 days…"),
];

/// One model's milestones form as the models page shows it.
pub(super) struct MilestonesForm {
    /// The model's place in the configuration (from 0): where the form posts.
    pub model: usize,
    pub name: String,
    /// The form's rows: "m0", "m1", ... and "new".
    pub rows: Vec<String>,
    pub owners: Vec<(&'static str, String)>,
    pub done_by: &'static [(&'static str, &'static str)],
    pub state: FormState,
}

impl std::ops::Deref for MilestonesForm {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

/// The form's fields for `milestones` as in force.
fn fields_of(milestones: &[Milestone]) -> Fields {
    let mut form = Fields::new();
    for (i, m) in milestones.iter().enumerate() {
        let mut set = |what: &str, v: String| form.insert(format!("m{i}.{what}"), v);
        set("title", m.title.clone());
        set("owner", m.owner.as_str().into());
        set("objective", m.objective.clone());
        set("due_days", m.due_days.to_string());
        set("escalate", m.escalate_after_days.to_string());
        let (kind, value) = match &m.completed_by {
            None => ("", String::new()),
            Some(Completion::FirstLogin) => ("first_login", String::new()),
            Some(Completion::FirstValue) => ("first_value", String::new()),
            Some(Completion::Event(e)) => ("event", e.clone()),
            Some(Completion::Activity(k)) => ("activity", k.as_str().into()),
            Some(Completion::ActiveUsers(n)) => ("active_users", n.to_string()),
        };
        set("done_by", kind.into());
        set("done_value", value);
    }
    form.insert("new.due_days".into(), "30".into());
    form.insert("new.escalate".into(), "3".into());
    form
}

impl MilestonesForm {
    /// The form for the `model`-th model as in force.
    pub fn of(model: usize, m: &EngagementModel) -> MilestonesForm {
        MilestonesForm {
            model,
            name: m.name.clone(),
            rows: (0..m.milestones.len())
                .map(|i| format!("m{i}"))
                .chain(["new".to_string()])
                .collect(),
            owners: OwnerFunction::ALL
                .iter()
                .map(|f| (f.as_str(), f.as_str().replace('_', " ")))
                .collect(),
            done_by: &DONE_BY,
            state: FormState {
                form: fields_of(&m.milestones),
                ..FormState::default()
            },
        }
    }

    /// Turns the form into itself after a save of the `rows` typed: what was said, or the
    /// refusal beside its field with what was typed; answers the page's status.
    pub fn after(
        &mut self,
        outcome: Result<String, FieldError>,
        typed: Fields,
        rows: &[String],
    ) -> axum::http::StatusCode {
        match outcome {
            Ok(message) => {
                self.state.outcome = Some((true, message));
                axum::http::StatusCode::OK
            }
            Err(error) => {
                self.state = FormState {
                    outcome: Some((false, format!("{}. Nothing was changed.", error.message))),
                    error: Some((form_field(&error.key, self.model, rows), error)),
                    form: typed,
                };
                axum::http::StatusCode::BAD_REQUEST
            }
        }
    }
}

/// The form's rows and the milestones they ask for, given the model's milestones in force.
pub(super) fn read(
    model: usize,
    before: &[Milestone],
    f: &Fields,
) -> (Vec<String>, Result<Vec<Milestone>, FieldError>) {
    let mut rows: Vec<String> = (0..before.len())
        .map(|i| format!("m{i}"))
        .filter(|r| !f.contains_key(&format!("{r}.remove")))
        .collect();
    if f.get("new.title").is_some_and(|t| !t.trim().is_empty()) {
        rows.push("new".into());
    }
    let milestones = rows
        .iter()
        .enumerate()
        .map(|(k, row)| milestone_from(model, k, row, before, f))
        .collect();
    (rows, milestones)
}

/// A key made from a title: "Kickoff call held" is `kickoff_call_held`.
fn key_of(title: &str) -> String {
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

/// The `k`-th milestone the form asks for, from its row, or the field that does not read. A
/// milestone kept keeps its key (tasks and analytics name it); a new one's comes from its title.
fn milestone_from(
    model: usize,
    k: usize,
    row: &str,
    before: &[Milestone],
    f: &Fields,
) -> Result<Milestone, FieldError> {
    let get = |what: &str| {
        f.get(&format!("{row}.{what}"))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let key = |what: &str| format!("models[{model}].milestones[{k}].{what}");
    let days = |what: &str, field: &str| -> Result<u32, FieldError> {
        let v = get(what);
        v.parse().map_err(|_| FieldError {
            key: key(field),
            message: format!("\"{v}\" is not a whole number of days"),
        })
    };
    let kept = row
        .strip_prefix('m')
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| before.get(i));
    let title = get("title");
    let value = get("done_value");
    let completed_by = match get("done_by").as_str() {
        "" => None,
        "first_login" => Some(Completion::FirstLogin),
        "first_value" => Some(Completion::FirstValue),
        "event" => Some(Completion::Event(value)),
        "activity" => Some(Completion::Activity(value.parse().map_err(
            |e: sherpa_core::book::ParseEnumError| FieldError {
                key: key("completed_by"),
                message: e.to_string(),
            },
        )?)),
        "active_users" => Some(Completion::ActiveUsers(value.parse().map_err(|_| {
            FieldError {
                key: key("completed_by"),
                message: format!("\"{value}\" is not a number of users"),
            }
        })?)),
        other => {
            return Err(FieldError {
                key: key("completed_by"),
                message: format!("\"{other}\" is not something that marks a milestone done"),
            });
        }
    };
    Ok(Milestone {
        key: kept.map_or_else(|| key_of(&title), |m| m.key.clone()),
        owner: get("owner")
            .parse()
            .map_err(|e: sherpa_core::book::ParseEnumError| FieldError {
                key: key("owner"),
                message: e.to_string(),
            })?,
        objective: get("objective"),
        due_days: days("due_days", "due_days")?,
        escalate_after_days: days("escalate", "escalate_after_days")?,
        completed_by,
        title,
    })
}

/// A refusal's key as the form field it belongs to: `models[1].milestones[2].due_days` is the
/// third row left's days, when the form is the second model's.
fn form_field(key: &str, model: usize, rows: &[String]) -> String {
    let Some(rest) = key.strip_prefix(&format!("models[{model}].milestones[")) else {
        return "new.title".into();
    };
    let (row, what) = row_and_field(rest, rows);
    let what = match what.unwrap_or("title") {
        w @ ("owner" | "objective" | "due_days") => w,
        "escalate_after_days" => "escalate",
        "completed_by" => "done_value",
        _ => "title",
    };
    format!("{}.{what}", row.unwrap_or("new"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::engagement::EngagementConfig;

    #[test]
    fn the_form_reads_back_every_default_models_milestones() {
        for (i, m) in EngagementConfig::default().models.iter().enumerate() {
            let form = MilestonesForm::of(i, m);
            let (rows, read) = read(i, &m.milestones, &form.state.form);
            assert_eq!(rows.len(), m.milestones.len(), "no new row without a title");
            assert_eq!(read.unwrap(), m.milestones, "{}", m.name);
        }
    }

    #[test]
    fn a_new_milestone_takes_its_key_from_its_title_and_a_refusal_lands_on_its_row() {
        assert_eq!(key_of("Kick-off call held!"), "kick_off_call_held");
        assert_eq!(key_of("Données reçues"), "donnees_recues");
        let rows = vec!["m0".to_string(), "m2".to_string(), "new".to_string()];
        assert_eq!(
            form_field("models[1].milestones[1].escalate_after_days", 1, &rows),
            "m2.escalate"
        );
        assert_eq!(
            form_field("models[1].milestones[2].completed_by", 1, &rows),
            "new.done_value"
        );
        assert_eq!(
            form_field("models[1].milestones[0].key", 1, &rows),
            "m0.title"
        );
    }
}
