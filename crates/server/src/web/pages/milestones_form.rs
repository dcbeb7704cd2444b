//! An engagement model's onboarding milestones edited as a form, not as TOML: each milestone's
//! title, whose it is, its objective, the day after the contract start it is expected, what
//! marks it done (a person, the first login, the first use of a high-value feature, an event, an
//! activity logged, or a number of active users) and how late it may be before it escalates; a
//! milestone removed, or one added at the end. "Save" goes through the same checks as the TOML
//! editor and `PUT /api/v1/engagement/config`; a refusal sits beside its field, with what was
//! typed kept.

use super::form_state::Fields;
use super::model_rows::{ModelRows, form_field, get, kept, key_of, rows_of, whole};
use crate::web::FieldError;
use sherpa_core::engagement::{Completion, EngagementModel, Milestone};

/// What can mark a milestone done: the choice's value and words.
const DONE_BY: [(&str, &str); 6] = [
    ("", "a person marks it"),
    ("first_login", "the first login"),
    ("first_value", "the first use of a high-value feature"),
    ("event", "the first event named…"),
    ("activity", "an activity logged of kind…"),
    ("active_users", "this many users active in 30 days…"),
];

/// One model's milestones form as the models page shows it.
pub(super) struct MilestonesForm {
    pub list: ModelRows,
    pub owners: Vec<(&'static str, &'static str)>,
    pub done_by: &'static [(&'static str, &'static str)],
}

impl std::ops::Deref for MilestonesForm {
    type Target = ModelRows;

    fn deref(&self) -> &ModelRows {
        &self.list
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
            list: ModelRows::new(model, &m.name, m.milestones.len(), fields_of(&m.milestones)),
            owners: crate::web::format::owner_functions(),
            done_by: &DONE_BY,
        }
    }

    /// The form after a save of the `rows` typed; the page's status.
    pub fn after(
        &mut self,
        outcome: Result<String, FieldError>,
        typed: Fields,
        rows: &[String],
    ) -> axum::http::StatusCode {
        let model = self.list.model;
        self.list.after(outcome, typed, |key| {
            form_field(key, model, "milestones", rows, field)
        })
    }
}

/// The form field a refusal of a milestone's `what` lands on.
fn field(what: &str) -> &'static str {
    match what {
        "owner" => "owner",
        "objective" => "objective",
        "due_days" => "due_days",
        "escalate_after_days" => "escalate",
        "completed_by" => "done_value",
        _ => "title",
    }
}

/// The form's rows and the milestones they ask for, given the model's milestones in force.
pub(super) fn read(
    model: usize,
    before: &[Milestone],
    f: &Fields,
) -> (Vec<String>, Result<Vec<Milestone>, FieldError>) {
    let rows = rows_of(before.len(), f);
    let milestones = rows
        .iter()
        .enumerate()
        .map(|(k, row)| milestone_from(model, k, row, before, f))
        .collect();
    (rows, milestones)
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
    let get = |what: &str| get(f, row, what);
    let key = |what: &str| format!("models[{model}].milestones[{k}].{what}");
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
        "active_users" => Some(Completion::ActiveUsers(whole(
            &value,
            "users",
            key("completed_by"),
        )?)),
        other => {
            return Err(FieldError {
                key: key("completed_by"),
                message: format!("\"{other}\" is not something that marks a milestone done"),
            });
        }
    };
    Ok(Milestone {
        key: kept(row, before).map_or_else(|| key_of(&title), |m| m.key.clone()),
        owner: get("owner")
            .parse()
            .map_err(|e: sherpa_core::book::ParseEnumError| FieldError {
                key: key("owner"),
                message: e.to_string(),
            })?,
        objective: get("objective"),
        due_days: whole(&get("due_days"), "days", key("due_days"))?,
        escalate_after_days: whole(&get("escalate"), "days", key("escalate_after_days"))?,
        completed_by,
        title,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::engagement::EngagementConfig;

    #[test]
    fn the_form_reads_back_every_default_models_milestones() {
        for (i, m) in EngagementConfig::default().models.iter().enumerate() {
            let form = MilestonesForm::of(i, m);
            let (rows, read) = read(i, &m.milestones, &form.list.state.form);
            assert_eq!(rows.len(), m.milestones.len(), "no new row without a title");
            assert_eq!(read.unwrap(), m.milestones, "{}", m.name);
        }
    }

    #[test]
    fn a_refusal_lands_on_its_rows_field() {
        let rows = vec!["m0".to_string(), "m2".to_string(), "new".to_string()];
        let at = |key: &str| form_field(key, 1, "milestones", &rows, field);
        assert_eq!(
            at("models[1].milestones[1].escalate_after_days"),
            "m2.escalate"
        );
        assert_eq!(at("models[1].milestones[2].completed_by"), "new.done_value");
        assert_eq!(at("models[1].milestones[0].key"), "m0.title");
    }
}
