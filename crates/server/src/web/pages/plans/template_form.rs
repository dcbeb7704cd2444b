//! A plan template edited as a form, not as TOML: how such a customer defines success, its value
//! drivers, its objectives (title, unit, kind, the month after the start it is due, whether it
//! is the first value, whose it is) and its steps (title, whose, the day after the start it is
//! due), one added or removed. An objective kept keeps where its values come from (a metric,
//! events, entries), which stays configuration; a new one's values are entered by hand. "Save"
//! goes through the same checks as the editor and `PUT /api/v1/plans/config`; a refusal sits
//! beside its field, with what was typed kept.

use super::super::form_state::{Fields, FormState, row_and_field};
use crate::web::FieldError;
use sherpa_core::plan::{
    PlanOwner, PlanTemplate, TemplateObjective, TemplateStep, UnitKind, ValueSource,
};

/// One template's form as the templates page shows it.
pub(super) struct TemplateForm {
    /// The template's place in the configuration (from 0): where the form posts.
    pub index: usize,
    pub name: String,
    /// The objectives' rows ("o0".. and "new_o") and the steps' ("s0".. and "new_s").
    pub objectives: Vec<String>,
    pub steps: Vec<String>,
    pub kinds: &'static [UnitKind],
    /// Whose an objective or a step is: "" for nobody in particular, or an owner function.
    pub owners: Vec<(&'static str, &'static str)>,
    pub state: FormState,
}

impl std::ops::Deref for TemplateForm {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

fn owner_field(o: &Option<PlanOwner>) -> String {
    o.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn fields_of(t: &PlanTemplate) -> Fields {
    let mut form = Fields::from([
        ("success".to_string(), t.success.clone()),
        ("value_drivers".to_string(), t.value_drivers.join("\n")),
    ]);
    for (i, o) in t.objectives.iter().enumerate() {
        let mut set = |what: &str, v: String| form.insert(format!("o{i}.{what}"), v);
        set("title", o.title.clone());
        set("unit", o.unit.clone());
        set("kind", o.kind.as_str().into());
        set("months", o.months.to_string());
        set("owner", owner_field(&o.owner));
        if o.first_value {
            set("first_value", "on".into());
        }
    }
    for (i, s) in t.steps.iter().enumerate() {
        let mut set = |what: &str, v: String| form.insert(format!("s{i}.{what}"), v);
        set("title", s.title.clone());
        set("owner", owner_field(&s.owner));
        set("due_days", s.due_days.to_string());
    }
    form.insert("new_o.months".into(), "3".into());
    form.insert("new_s.due_days".into(), "14".into());
    form
}

/// A list's rows: `n` kept ("o0"...) and its new row ("new_o") last.
pub(super) fn rows(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{prefix}{i}"))
        .chain([format!("new_{prefix}")])
        .collect()
}

impl TemplateForm {
    /// The form for the `index`-th template as in force.
    pub fn of(index: usize, t: &PlanTemplate) -> TemplateForm {
        TemplateForm {
            index,
            name: t.name.clone(),
            objectives: rows("o", t.objectives.len()),
            steps: rows("s", t.steps.len()),
            kinds: UnitKind::ALL,
            owners: [("", "nobody in particular")]
                .into_iter()
                .chain(crate::web::format::owner_functions())
                .collect(),
            state: FormState {
                form: fields_of(t),
                ..FormState::default()
            },
        }
    }

    /// Turns the form into itself after a save: what was said, or the refusal beside its field
    /// with what was typed (`kept`: the rows the save read); answers the page's status.
    pub fn after(
        &mut self,
        outcome: Result<String, FieldError>,
        typed: Fields,
        kept: &Kept,
    ) -> axum::http::StatusCode {
        if outcome.is_err() {
            // The rows as typed, removals ticked and the new ones where they were.
            self.objectives = rows("o", sent_rows(&typed, "o"));
            self.steps = rows("s", sent_rows(&typed, "s"));
        }
        let index = self.index;
        self.state
            .after(outcome, typed, |key| form_field(key, index, kept))
    }
}

/// How many rows of a list a form sent ("o0", "o1", ... for `o`), its new row aside.
pub(super) fn sent_rows(f: &Fields, prefix: &str) -> usize {
    (0..)
        .take_while(|i| {
            let row = format!("{prefix}{i}.");
            f.keys().any(|k| k.starts_with(&row))
        })
        .count()
}

/// The rows a save read, in order: those kept and the new one when titled.
pub(super) struct Kept {
    objectives: Vec<String>,
    steps: Vec<String>,
}

fn kept_rows(prefix: &str, n: usize, f: &Fields) -> Vec<String> {
    let mut rows: Vec<String> = (0..n)
        .map(|i| format!("{prefix}{i}"))
        .filter(|r| !f.contains_key(&format!("{r}.remove")))
        .collect();
    let new = format!("new_{prefix}");
    if f.get(&format!("{new}.title"))
        .is_some_and(|t| !t.trim().is_empty())
    {
        rows.push(new);
    }
    rows
}

/// The template the form asks for, from the one in force, or the field that does not read.
pub(super) fn read(
    index: usize,
    before: &PlanTemplate,
    f: &Fields,
) -> (Kept, Result<PlanTemplate, FieldError>) {
    let kept = Kept {
        objectives: kept_rows("o", before.objectives.len(), f),
        steps: kept_rows("s", before.steps.len(), f),
    };
    let template = template_from(index, before, &kept, f);
    (kept, template)
}

fn template_from(
    index: usize,
    before: &PlanTemplate,
    kept: &Kept,
    f: &Fields,
) -> Result<PlanTemplate, FieldError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let key = |what: &str| format!("templates[{index}].{what}");
    let owner = |row: &str, at: String| -> Result<Option<PlanOwner>, FieldError> {
        let v = get(&format!("{row}.owner"));
        if v.is_empty() {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|message| FieldError { key: at, message })
    };
    let whole = |row: &str, what: &str, at: String| -> Result<u32, FieldError> {
        let v = get(&format!("{row}.{what}"));
        v.parse().map_err(|_| FieldError {
            key: at,
            message: format!("\"{v}\" is not a whole number"),
        })
    };
    let mut objectives = Vec::new();
    for (j, row) in kept.objectives.iter().enumerate() {
        let at = |what: &str| key(&format!("objectives[{j}].{what}"));
        let was = row
            .strip_prefix('o')
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| before.objectives.get(i));
        objectives.push(TemplateObjective {
            title: get(&format!("{row}.title")),
            unit: get(&format!("{row}.unit")),
            kind: get(&format!("{row}.kind")).parse().map_err(
                |e: sherpa_core::book::ParseEnumError| FieldError {
                    key: at("kind"),
                    message: e.to_string(),
                },
            )?,
            source: was.map_or(ValueSource::Entry, |o| o.source.clone()),
            months: whole(row, "months", at("months"))?,
            first_value: f.contains_key(&format!("{row}.first_value")),
            owner: owner(row, at("owner"))?,
        });
    }
    let mut steps = Vec::new();
    for (j, row) in kept.steps.iter().enumerate() {
        let at = |what: &str| key(&format!("steps[{j}].{what}"));
        steps.push(TemplateStep {
            title: get(&format!("{row}.title")),
            owner: owner(row, at("owner"))?,
            due_days: whole(row, "due_days", at("due_days"))?,
        });
    }
    Ok(PlanTemplate {
        success: get("success"),
        value_drivers: get("value_drivers")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        objectives,
        steps,
        ..before.clone()
    })
}

/// A refusal's key (`templates[1].steps[0].due_days`) as the form field it belongs to.
fn form_field(key: &str, index: usize, kept: &Kept) -> String {
    let Some(rest) = key.strip_prefix(&format!("templates[{index}].")) else {
        return "success".into();
    };
    let list = |rest: &str, rows: &[String], new: &str| -> String {
        let (row, what) = row_and_field(rest, rows);
        let what = match what.unwrap_or("title") {
            w @ ("unit" | "kind" | "months" | "owner" | "due_days") => w,
            _ => "title",
        };
        format!("{}.{what}", row.unwrap_or(new))
    };
    if let Some(rest) = rest.strip_prefix("objectives[") {
        list(rest, &kept.objectives, "new_o")
    } else if let Some(rest) = rest.strip_prefix("steps[") {
        list(rest, &kept.steps, "new_s")
    } else if rest.starts_with("value_drivers") {
        "value_drivers".into()
    } else {
        "success".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::plan::PlansConfig;

    #[test]
    fn the_form_reads_back_every_default_template() {
        for (i, t) in PlansConfig::default().templates.iter().enumerate() {
            let form = TemplateForm::of(i, t);
            let (_, read) = read(i, t, &form.state.form);
            assert_eq!(&read.unwrap(), t, "{}", t.name);
        }
    }

    #[test]
    fn a_refusal_lands_on_its_rows_field() {
        let kept = Kept {
            objectives: vec!["o0".into(), "o2".into()],
            steps: vec!["s1".into(), "new_s".into()],
        };
        assert_eq!(
            form_field("templates[1].objectives[1].months", 1, &kept),
            "o2.months"
        );
        assert_eq!(
            form_field("templates[1].steps[1].title", 1, &kept),
            "new_s.title"
        );
        assert_eq!(form_field("templates[1].success", 1, &kept), "success");
    }
}
