//! A plan template edited as a form, not as TOML: its name and description, the tiers and
//! segments it is meant for, how such a customer defines success, its value drivers, its
//! objectives (title, unit, kind, where its values come from, the month after the start it is
//! due, whether it is the first value, whose it is), its steps (title, whose, the day after the
//! start it is due), one added or removed, and the blockers to watch for, picked from the
//! shared labels. "Save" goes through the same checks as the editor and
//! `PUT /api/v1/plans/config`; a refusal sits beside its field, with what was typed kept.

use super::super::form_state::{Fields, FormState, row_and_field};
use crate::web::FieldError;
use sherpa_core::health::METRICS;
use sherpa_core::plan::{
    BlockerLabel, PlanOwner, PlanTemplate, TemplateObjective, TemplateStep, UnitKind, ValueSource,
};

/// What a template may be meant for and watch for: the book's segments and the shared
/// blocker labels, with those the template already names.
pub(super) struct Choices {
    pub segments: Vec<String>,
    pub labels: Vec<BlockerLabel>,
}

impl Choices {
    /// The book's `segments` and `labels`, with any the template `t` names besides.
    pub fn for_template(segments: &[String], labels: &[BlockerLabel], t: &PlanTemplate) -> Choices {
        let mut c = Choices {
            segments: segments.to_vec(),
            labels: labels.to_vec(),
        };
        for s in &t.segments {
            if !c.segments.iter().any(|x| x.eq_ignore_ascii_case(s)) {
                c.segments.push(s.clone());
            }
        }
        for l in &t.watch_for {
            if !c.labels.iter().any(|x| x.label == l.label) {
                c.labels.push(l.clone());
            }
        }
        c
    }
}

/// Where an objective's values come from, as the form offers it.
pub(super) const SOURCES: [(&str, &str); 6] = [
    ("entry", "recorded by the team"),
    ("import", "reported by the customer (imported)"),
    ("metric", "read from a health metric"),
    ("event", "counted from product events"),
    ("feature", "people using a feature (30 days)"),
    ("feature_seats", "share of seats using a feature (30 days)"),
];

/// One template's form as the templates page shows it.
pub(super) struct TemplateForm {
    /// The template's place in the configuration (from 0): where the form posts.
    pub index: usize,
    pub name: String,
    pub segments: Vec<String>,
    /// The blocker labels to pick from: "label (dimension)".
    pub labels: Vec<(String, String)>,
    pub sources: &'static [(&'static str, &'static str)],
    /// The health metrics an objective can read: key and name.
    pub metrics: Vec<(&'static str, &'static str)>,
    /// The objectives' rows ("o0".. and "new_o") and the steps' ("s0".. and "new_s").
    pub objectives: Vec<String>,
    pub steps: Vec<String>,
    pub kinds: &'static [UnitKind],
    /// Whose an objective or a step is: "" for nobody in particular, an owner function, or a
    /// person the configuration names (kept as it is).
    pub owners: Vec<(String, String)>,
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
        ("name".to_string(), t.name.clone()),
        ("description".to_string(), t.description.clone()),
        ("success".to_string(), t.success.clone()),
        ("value_drivers".to_string(), t.value_drivers.join("\n")),
    ]);
    for tier in &t.tiers {
        form.insert(format!("tier.{tier}"), "on".into());
    }
    for segment in &t.segments {
        form.insert(format!("segment.{segment}"), "on".into());
    }
    for l in &t.watch_for {
        form.insert(format!("watch.{}", l.label), "on".into());
    }
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
        match &o.source {
            ValueSource::Entry => set("source", "entry".into()),
            ValueSource::Import => set("source", "import".into()),
            ValueSource::Metric { metric } => {
                set("source", "metric".into());
                set("metric", metric.clone())
            }
            ValueSource::Event {
                event,
                property,
                window_days,
            } => {
                set("source", "event".into());
                set("event", event.clone());
                set("property", property.clone().unwrap_or_default());
                set("window_days", window_days.to_string())
            }
            ValueSource::Feature {
                feature,
                share_of_seats,
            } => {
                let kind = if *share_of_seats {
                    "feature_seats"
                } else {
                    "feature"
                };
                set("source", kind.into());
                set("event", feature.clone())
            }
        };
    }
    for (i, s) in t.steps.iter().enumerate() {
        let mut set = |what: &str, v: String| form.insert(format!("s{i}.{what}"), v);
        set("title", s.title.clone());
        set("owner", owner_field(&s.owner));
        set("due_days", s.due_days.to_string());
    }
    form.insert("new_o.months".into(), "3".into());
    form.insert("new_o.source".into(), "entry".into());
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
    /// The form for the `index`-th template as in force, offering `choices`.
    pub fn of(index: usize, t: &PlanTemplate, choices: &Choices) -> TemplateForm {
        let functions = crate::web::format::owner_functions();
        // A person the configuration names stays a choice, so that a save keeps them.
        let named: Vec<String> = t
            .objectives
            .iter()
            .map(|o| &o.owner)
            .chain(t.steps.iter().map(|s| &s.owner))
            .flatten()
            .filter(|o| !matches!(o, PlanOwner::Function(_)))
            .map(ToString::to_string)
            .collect();
        let mut owners: Vec<(String, String)> = [("", "nobody in particular")]
            .into_iter()
            .chain(functions)
            .map(|(v, w)| (v.to_string(), w.to_string()))
            .collect();
        for o in named {
            if !owners.iter().any(|(v, _)| *v == o) {
                owners.push((o.clone(), format!("{o}, as configured")));
            }
        }
        TemplateForm {
            index,
            name: t.name.clone(),
            segments: choices.segments.clone(),
            labels: choices
                .labels
                .iter()
                .map(|l| (l.label.clone(), format!("{} ({})", l.label, l.dimension)))
                .collect(),
            sources: &SOURCES,
            metrics: METRICS.iter().map(|m| (m.key, m.name)).collect(),
            objectives: rows("o", t.objectives.len()),
            steps: rows("s", t.steps.len()),
            kinds: UnitKind::ALL,
            owners,
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
    choices: &Choices,
    f: &Fields,
) -> (Kept, Result<PlanTemplate, FieldError>) {
    let kept = Kept {
        objectives: kept_rows("o", before.objectives.len(), f),
        steps: kept_rows("s", before.steps.len(), f),
    };
    let template = template_from(index, choices, &kept, f);
    (kept, template)
}

fn template_from(
    index: usize,
    choices: &Choices,
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
        objectives.push(TemplateObjective {
            title: get(&format!("{row}.title")),
            unit: get(&format!("{row}.unit")),
            kind: get(&format!("{row}.kind")).parse().map_err(
                |e: sherpa_core::book::ParseEnumError| FieldError {
                    key: at("kind"),
                    message: e.to_string(),
                },
            )?,
            source: source(row, &get, at("source"))?,
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
        name: get("name"),
        description: get("description"),
        tiers: (1..=3u8)
            .filter(|t| f.contains_key(&format!("tier.{t}")))
            .collect(),
        segments: choices
            .segments
            .iter()
            .filter(|s| f.contains_key(&format!("segment.{s}")))
            .cloned()
            .collect(),
        watch_for: choices
            .labels
            .iter()
            .filter(|l| f.contains_key(&format!("watch.{}", l.label)))
            .cloned()
            .collect(),
        success: get("success"),
        value_drivers: get("value_drivers")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        objectives,
        steps,
    })
}

/// An objective's value source from its row: the kind picked and the fields that kind needs.
fn source(row: &str, get: &impl Fn(&str) -> String, at: String) -> Result<ValueSource, FieldError> {
    let field = |what: &str| get(&format!("{row}.{what}"));
    Ok(match field("source").as_str() {
        "" | "entry" => ValueSource::Entry,
        "import" => ValueSource::Import,
        "metric" => ValueSource::Metric {
            metric: field("metric"),
        },
        "event" => {
            let window = field("window_days");
            ValueSource::Event {
                event: field("event"),
                property: Some(field("property")).filter(|p| !p.is_empty()),
                window_days: window.parse().map_err(|_| FieldError {
                    key: format!("{at}.window_days"),
                    message: format!("\"{window}\" is not a whole number of days"),
                })?,
            }
        }
        kind @ ("feature" | "feature_seats") => ValueSource::Feature {
            feature: field("event"),
            share_of_seats: kind == "feature_seats",
        },
        other => {
            return Err(FieldError {
                key: at,
                message: format!(
                    "\"{other}\" is not a source; use one of {}",
                    SOURCES.map(|s| s.0).join(", ")
                ),
            });
        }
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
            "source" => "source",
            w => w
                .strip_prefix("source.")
                .filter(|f| matches!(*f, "metric" | "event" | "property" | "window_days"))
                .unwrap_or("title"),
        };
        format!("{}.{what}", row.unwrap_or(new))
    };
    if let Some(rest) = rest.strip_prefix("objectives[") {
        list(rest, &kept.objectives, "new_o")
    } else if let Some(rest) = rest.strip_prefix("steps[") {
        list(rest, &kept.steps, "new_s")
    } else if rest.starts_with("value_drivers") {
        "value_drivers".into()
    } else if let Some(f @ ("name" | "tiers" | "description")) = rest.split(['[', '.']).next() {
        f.into()
    } else if rest.starts_with("watch_for") {
        "watch_for".into()
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
        let config = PlansConfig::default();
        for (i, t) in config.templates.iter().enumerate() {
            let choices = Choices::for_template(&[], &config.labels, t);
            let form = TemplateForm::of(i, t, &choices);
            let (_, read) = read(i, t, &choices, &form.state.form);
            assert_eq!(&read.unwrap(), t, "{}", t.name);
        }
    }

    #[test]
    fn every_source_a_form_can_say_reads_back() {
        let mut t = PlansConfig::default().templates[0].clone();
        let sources = [
            ValueSource::Entry,
            ValueSource::Import,
            ValueSource::Metric {
                metric: "active_users_30d".into(),
            },
            ValueSource::Event {
                event: "report_exported".into(),
                property: Some("rows".into()),
                window_days: 30,
            },
            ValueSource::Event {
                event: "login".into(),
                property: None,
                window_days: 7,
            },
        ];
        t.objectives = sources
            .iter()
            .map(|s| TemplateObjective {
                source: s.clone(),
                ..t.objectives[0].clone()
            })
            .collect();
        t.objectives.iter_mut().for_each(|o| o.first_value = false);
        t.tiers = vec![1, 3];
        t.segments = vec!["Enterprise".into()];
        t.objectives[0].owner = Some(PlanOwner::User(sherpa_core::UserId(7)));
        let choices = Choices::for_template(&["Hybrid".into()], &[], &t);
        let form = TemplateForm::of(0, &t, &choices);
        assert!(
            form.owners.iter().any(|(v, _)| v == "user:7"),
            "a person the configuration names stays a choice"
        );
        let (_, read) = read(0, &t, &choices, &form.state.form);
        assert_eq!(read.unwrap(), t);
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
        assert_eq!(form_field("templates[1].name", 1, &kept), "name");
        assert_eq!(form_field("templates[1].tiers", 1, &kept), "tiers");
        assert_eq!(
            form_field("templates[1].objectives[0].source.window_days", 1, &kept),
            "o0.window_days"
        );
    }
}
