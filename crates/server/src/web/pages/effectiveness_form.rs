//! The effectiveness models edited as forms rather than TOML (admins and leaders): the rules
//! that give each account a model, and for each model its phases (name, description, one
//! removed or one added at the end) and each phase's behaviours (a feature used by enough
//! people or a share of the seats, or a health metric past a threshold; one removed or one
//! added). Saving goes through the same checks as `PUT /api/v1/effectiveness/models` and
//! `sherpa config import`, judges every account again, and says how many moved; a refusal
//! sits beside its field, with what was typed kept.

use super::form_state::{Fields, FormState, named, row_and_field};
use super::rules_form::RulesForm;
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{FieldError, Nav, PageResult, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sherpa_core::effectiveness::{Behaviour, EffectivenessConfig, EffectivenessModel, Phase};
use sherpa_core::health::METRICS;

/// How a behaviour is measured, as the form's select names it.
const MEASURES: [(&str, &str); 3] = [
    ("users", "people using a feature"),
    ("seats", "share of seats using a feature (%)"),
    ("metric", "a health metric"),
];

/// One model's form.
pub(super) struct ModelForm {
    /// Its place in the configuration: where the form posts.
    pub index: usize,
    pub name: String,
    /// Each phase's row ("p0", ...) with its behaviours' rows ("p0.b0", ..., and "p0.new");
    /// then the row of a phase to add ("new").
    pub phases: Vec<(String, Vec<String>)>,
    pub state: FormState,
}

impl std::ops::Deref for ModelForm {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

#[derive(Template)]
#[template(path = "effectiveness_form.html")]
struct EditPage {
    nav: Nav,
    rules_form: RulesForm,
    models: Vec<ModelForm>,
    features: Vec<String>,
    metrics: Vec<(&'static str, &'static str)>,
    measures: &'static [(&'static str, &'static str)],
}

fn number(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// The fields of a model as in force.
fn fields_of(m: &EffectivenessModel) -> Fields {
    let mut f = Fields::new();
    f.insert("model".into(), m.name.clone());
    f.insert("description".into(), m.description.clone());
    f.insert("met_percent".into(), m.met_percent.to_string());
    f.insert("phase_days".into(), m.phase_days.to_string());
    for (i, p) in m.phases.iter().enumerate() {
        f.insert(format!("p{i}.name"), p.name.clone());
        f.insert(format!("p{i}.description"), p.description.clone());
        for (j, b) in p.behaviours.iter().enumerate() {
            let mut set = |what: &str, v: String| f.insert(format!("p{i}.b{j}.{what}"), v);
            set("name", b.name.clone());
            let (measure, floor) = match (&b.feature, b.users_at_least, b.seats_percent_at_least) {
                (Some(_), Some(n), _) => ("users", Some(f64::from(n))),
                (Some(_), None, p) => ("seats", p),
                _ => ("metric", b.at_least),
            };
            set("measure", measure.into());
            set("feature", b.feature.clone().unwrap_or_default());
            set("metric", b.metric.clone().unwrap_or_default());
            set("at_least", floor.map(number).unwrap_or_default());
            set("at_most", b.at_most.map(number).unwrap_or_default());
        }
    }
    f
}

impl ModelForm {
    fn of(index: usize, m: &EffectivenessModel, typed: Option<Fields>) -> ModelForm {
        let phases = m
            .phases
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let rows = (0..p.behaviours.len())
                    .map(|j| format!("p{i}.b{j}"))
                    .chain([format!("p{i}.new")])
                    .collect();
                (format!("p{i}"), rows)
            })
            .chain([("new".to_string(), vec!["new.b".to_string()])])
            .collect();
        ModelForm {
            index,
            name: m.name.clone(),
            phases,
            state: FormState {
                form: typed.unwrap_or_else(|| fields_of(m)),
                ..FormState::default()
            },
        }
    }
}

/// A model from its form: the rows kept, in order, as (phase row, behaviour rows); or the
/// form field that does not read and why.
fn model_from(before: &EffectivenessModel, f: &Fields) -> Result<Read, (String, String)> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let ticked = |k: &str| f.contains_key(k);
    let whole = |field: &str, what: &str| -> Result<u32, (String, String)> {
        let v = get(field);
        v.parse().map_err(|_| {
            (
                field.to_string(),
                format!("\"{v}\" is not a whole number of {what}"),
            )
        })
    };
    let met = whole("met_percent", "percent")?;
    let mut model = EffectivenessModel {
        name: before.name.clone(),
        description: get("description"),
        met_percent: u8::try_from(met).unwrap_or(u8::MAX),
        phase_days: whole("phase_days", "days")?,
        phases: Vec::new(),
    };
    let mut rows = Vec::new();
    let phase_rows = (0..before.phases.len())
        .map(|i| format!("p{i}"))
        .chain(["new".to_string()]);
    for row in phase_rows {
        if ticked(&format!("{row}.remove")) {
            continue;
        }
        let name = get(&format!("{row}.name"));
        if row == "new" && name.is_empty() {
            continue;
        }
        let behaviour_rows: Vec<String> = if row == "new" {
            vec!["new.b".into()]
        } else {
            let n = before
                .phases
                .get(row[1..].parse::<usize>().unwrap_or(usize::MAX))
                .map_or(0, |p| p.behaviours.len());
            (0..n)
                .map(|j| format!("{row}.b{j}"))
                .chain([format!("{row}.new")])
                .collect()
        };
        let mut behaviours = Vec::new();
        let mut kept = Vec::new();
        for b in behaviour_rows {
            if ticked(&format!("{b}.remove")) {
                continue;
            }
            let name = get(&format!("{b}.name"));
            if b.ends_with(".new") && name.is_empty() {
                continue;
            }
            behaviours.push(behaviour_from(&b, name, &get)?);
            kept.push(b);
        }
        model.phases.push(Phase {
            name,
            description: get(&format!("{row}.description")),
            behaviours,
        });
        rows.push((row, kept));
    }
    Ok((model, rows))
}

/// A model read from its form and the rows it came from.
type Read = (EffectivenessModel, Vec<(String, Vec<String>)>);

/// One behaviour from its row.
fn behaviour_from(
    row: &str,
    name: String,
    get: &impl Fn(&str) -> String,
) -> Result<Behaviour, (String, String)> {
    let field = |what: &str| format!("{row}.{what}");
    let decimal = |what: &str| -> Result<Option<f64>, (String, String)> {
        let v = get(&field(what)).replace(',', ".");
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or((field(what), format!("\"{v}\" is not a number")))
    };
    let floor = decimal("at_least")?;
    let mut b = Behaviour {
        name,
        ..Behaviour::default()
    };
    let some = |s: String| Some(s).filter(|s| !s.is_empty());
    match get(&field("measure")).as_str() {
        "users" => {
            b.feature = some(get(&field("feature")));
            b.users_at_least = match floor {
                None => None,
                Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => {
                    Some(n as u32)
                }
                Some(n) => {
                    return Err((
                        field("at_least"),
                        format!("{} is not a whole number of people", number(n)),
                    ));
                }
            };
        }
        "seats" => {
            b.feature = some(get(&field("feature")));
            b.seats_percent_at_least = floor;
        }
        _ => {
            b.metric = some(get(&field("metric")));
            b.at_least = floor;
            b.at_most = decimal("at_most")?;
        }
    }
    Ok(b)
}

/// A refusal's key (`models[0].phases[2].behaviours[1].feature`) as the form field it belongs
/// to, given the rows the model was read from.
fn form_field(key: &str, rows: &[(String, Vec<String>)]) -> String {
    let rest = key.split_once("].").map_or("", |(_, r)| r);
    let Some(rest) = rest.strip_prefix("phases[") else {
        return match rest {
            "met_percent" | "phase_days" => rest.to_string(),
            _ if key.ends_with("].phases") => "new.name".into(),
            _ => "description".into(),
        };
    };
    let phase_rows: Vec<String> = rows.iter().map(|(p, _)| p.clone()).collect();
    let (row, what) = row_and_field(rest, &phase_rows);
    let Some(row) = row else {
        return "new.name".into();
    };
    let behaviours = rows
        .iter()
        .find(|(p, _)| p == row)
        .map(|(_, b)| b.clone())
        .unwrap_or_default();
    match what.and_then(|w| w.strip_prefix("behaviours[")) {
        Some(b) => {
            let (brow, what) = row_and_field(b, &behaviours);
            let brow = brow.map_or(format!("{row}.new"), str::to_string);
            let what = match what.unwrap_or("name") {
                "users_at_least" | "seats_percent_at_least" | "at_least" => "at_least",
                w @ ("feature" | "metric" | "at_most" | "name") => w,
                _ => "name",
            };
            format!("{brow}.{what}")
        }
        None => match what {
            Some("description") => format!("{row}.description"),
            _ => format!("{row}.name"),
        },
    }
}

/// A refusal of the whole configuration ("effectiveness": "models[0]...: why") with its key
/// split from its message.
fn keyed(e: FieldError) -> FieldError {
    match e.message.split_once(": ") {
        Some((key, why)) if key.starts_with("models") || key.starts_with("rules") => FieldError {
            key: key.to_string(),
            message: why.to_string(),
        },
        _ => e,
    }
}

async fn page(
    s: &AppState,
    c: &Current,
    typed: Option<(usize, Fields)>,
) -> Result<EditPage, crate::web::Failure> {
    let config = s.app.effectiveness_config().await?;
    let features = s.app.adoption_catalogue().await?.0;
    let names = config.models.iter().map(|m| m.name.clone()).collect();
    let mut typed = typed;
    Ok(EditPage {
        nav: Nav::new(c, "effectiveness-models"),
        rules_form: RulesForm::of("/admin/effectiveness/rules", &config.rules, names),
        models: config
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mine = typed.take_if(|(n, _)| *n == i).map(|(_, f)| f);
                ModelForm::of(i, m, mine)
            })
            .collect(),
        features,
        metrics: METRICS.iter().map(|m| (m.key, m.name)).collect(),
        measures: &MEASURES,
    })
}

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    Ok(render(&page(&s, &c, None).await?))
}

/// What a save did, in words.
fn saved(what: &str, run: sherpa_store::EffectivenessRun) -> String {
    format!(
        "Saved: {what}. Every account was judged again: {} changed phase, recorded as the \
         model's doing.",
        run.changes
    )
}

/// Saves one model from its form.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(n): Path<usize>,
    axum::Form(f): axum::Form<Fields>,
) -> PageResult {
    let mut config: EffectivenessConfig = s.app.effectiveness_config().await?;
    let before = named(&mut config.models, n, &f, "model", |m| m.name.as_str())?.clone();
    let outcome = match model_from(&before, &f) {
        Err((field, message)) => Err((
            field,
            FieldError {
                key: format!("models[{n}]"),
                message,
            },
        )),
        Ok((model, _)) if model == before => {
            Ok("It matches the model in force: nothing to change.".to_string())
        }
        Ok((model, rows)) => {
            config.models[n] = model;
            match s.app.set_effectiveness_config(&c.caller(), &config).await {
                Ok(run) => Ok(saved(&format!("model {}", before.name), run)),
                Err(e) => {
                    let e = keyed(FieldError::of(e)?);
                    Err((form_field(&e.key, &rows), e))
                }
            }
        }
    };
    let (status, typed, said) = match outcome {
        Ok(message) => (StatusCode::OK, None, Ok(message)),
        Err((field, e)) => (StatusCode::BAD_REQUEST, Some((n, f)), Err((field, e))),
    };
    let mut p = page(&s, &c, typed).await?;
    let form = &mut p.models[n].state;
    match said {
        Ok(message) => form.outcome = Some((true, message)),
        Err((field, e)) => {
            form.outcome = Some((false, format!("{}. Nothing was changed.", e.message)));
            form.error = Some((field, e));
        }
    }
    Ok(crate::web::render_status(&p, status))
}

/// Saves the rules that give each account a model.
pub async fn save_rules(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<Fields>,
) -> PageResult {
    let mut config = s.app.effectiveness_config().await?;
    let (rows, read) = super::rules_form::read(config.rules.len(), &f);
    let outcome = match read {
        Err(e) => Err(e),
        Ok(rules) if rules == config.rules => {
            Ok("They match the rules in force: nothing to change.".to_string())
        }
        Ok(rules) => {
            config.rules = rules;
            match s.app.set_effectiveness_config(&c.caller(), &config).await {
                Ok(run) => Ok(saved("the rules", run)),
                Err(e) => Err(keyed(FieldError::of(e)?)),
            }
        }
    };
    let mut p = page(&s, &c, None).await?;
    let status;
    (p.rules_form, status) = p.rules_form.after(outcome, f, &rows);
    Ok(crate::web::render_status(&p, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_the_model_it_shows() {
        let m = sherpa_core::demo::demo_effectiveness().models[0].clone();
        let f = fields_of(&m);
        let (read, rows) = model_from(&m, &f).unwrap();
        assert_eq!(read, m);
        assert_eq!(rows[0].1[0], "p0.b0");
    }

    #[test]
    fn rows_removed_and_added_and_a_refusal_lands_on_its_field() {
        let m = sherpa_core::demo::demo_effectiveness().models[0].clone();
        let mut f = fields_of(&m);
        f.insert("p0.b0.remove".into(), "on".into());
        f.insert("p1.new.name".into(), "Dashboards".into());
        f.insert("p1.new.measure".into(), "users".into());
        f.insert("p1.new.feature".into(), "Dashboard Viewed".into());
        f.insert("p1.new.at_least".into(), "2.5".into());
        assert_eq!(
            model_from(&m, &f).unwrap_err(),
            (
                "p1.new.at_least".to_string(),
                "2.5 is not a whole number of people".to_string()
            )
        );
        f.insert("p1.new.at_least".into(), "3".into());
        let (read, rows) = model_from(&m, &f).unwrap();
        assert_eq!(
            read.phases[0].behaviours.len(),
            m.phases[0].behaviours.len() - 1
        );
        assert_eq!(
            read.phases[1].behaviours.last().unwrap().users_at_least,
            Some(3)
        );
        assert_eq!(
            form_field("models[0].phases[1].behaviours[1].feature", &rows),
            rows[1].1[1].clone() + ".feature"
        );
        assert_eq!(
            form_field(
                "models[0].phases[0].behaviours[0].seats_percent_at_least",
                &rows
            ),
            "p0.b1.at_least"
        );
        assert_eq!(form_field("models[0].phases", &rows), "new.name");
        assert_eq!(form_field("models[0].phase_days", &rows), "phase_days");
    }
}
