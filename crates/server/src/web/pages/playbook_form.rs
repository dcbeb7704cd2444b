//! The at-risk playbook edited as a form, not as TOML: the colours that open it, and its tasks
//! (title, whose, due how many days after the account turned, priority), a task removed or one
//! added. "Save" goes through the same checks as the TOML editor and `PUT
//! /api/v1/health/config`; a refusal sits beside its field, with what was typed kept.

use super::form_state::{Fields, row_and_field};
use super::scorecards::{PLAYBOOK_COLOURS as COLOURS, page, render_page};
use crate::AppState;
use crate::web::session::Signed;
use crate::web::{FieldError, PageResult};
use axum::extract::State;
use sherpa_core::health::{Colour, HealthConfig, Playbook, PlaybookTask};

/// The form's rows that make the playbook, in order: the tasks kept ("t0", "t2") and a new
/// one ("new") when it has a title.
fn rows_of(before: &Playbook, f: &Fields) -> Vec<String> {
    let mut rows: Vec<String> = (0..before.tasks.len())
        .map(|i| format!("t{i}"))
        .filter(|r| !f.contains_key(&format!("{r}.remove")))
        .collect();
    if f.get("new.title").is_some_and(|t| !t.trim().is_empty()) {
        rows.push("new".into());
    }
    rows
}

/// The playbook the form's `rows` ask for, or the field that does not read. The colours kept
/// keep their order in force, so that the form as shown saves no change.
fn playbook_from(before: &Playbook, rows: &[String], f: &Fields) -> Result<Playbook, FieldError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let ticked = |c: &Colour| f.contains_key(&format!("colour.{}", c.as_str()));
    let mut colours: Vec<Colour> = before.colours.iter().copied().filter(ticked).collect();
    for c in COLOURS {
        if ticked(&c) && !colours.contains(&c) {
            colours.push(c);
        }
    }
    let mut tasks = Vec::new();
    for (k, row) in rows.iter().enumerate() {
        let key = |what: &str| format!("at_risk_playbook.tasks[{k}].{what}");
        let days = get(&format!("{row}.days"));
        tasks.push(PlaybookTask {
            title: get(&format!("{row}.title")),
            owner: get(&format!("{row}.owner")).parse().map_err(
                |e: sherpa_core::book::ParseEnumError| FieldError {
                    key: key("owner"),
                    message: e.to_string(),
                },
            )?,
            due_in_days: days.parse().map_err(|_| FieldError {
                key: key("due_in_days"),
                message: format!("\"{days}\" is not a whole number of days"),
            })?,
            priority: get(&format!("{row}.priority")).parse().map_err(
                |e: sherpa_core::book::ParseEnumError| FieldError {
                    key: key("priority"),
                    message: e.to_string(),
                },
            )?,
        });
    }
    Ok(Playbook { colours, tasks })
}

/// A refusal's key as the form field it belongs to: `at_risk_playbook.tasks[1].due_in_days`
/// is the second row left's days.
fn form_field(key: &str, rows: &[String]) -> String {
    let Some(rest) = key.strip_prefix("at_risk_playbook.") else {
        return "colours".into();
    };
    let Some(task) = rest.strip_prefix("tasks[") else {
        return if rest == "tasks" {
            "new.title".into()
        } else {
            "colours".into()
        };
    };
    let (row, what) = row_and_field(task, rows);
    let (row, what) = (row.unwrap_or("new"), what.unwrap_or("title"));
    let what = match what {
        "due_in_days" => "days",
        w @ ("owner" | "priority") => w,
        _ => "title",
    };
    format!("{row}.{what}")
}

/// Saves the playbook from its form.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    axum::Form(f): axum::Form<Fields>,
) -> PageResult {
    let mut config: HealthConfig = s.store.health_config().await?;
    let rows = rows_of(&config.at_risk_playbook, &f);
    let outcome = match playbook_from(&config.at_risk_playbook, &rows, &f) {
        Err(e) => Err(e),
        Ok(playbook) => {
            config.at_risk_playbook = playbook;
            match s.app.save_health_config(&c.caller(), &config).await {
                Ok(change) if change.changes.is_empty() => {
                    Ok("It matches the playbook in force: nothing to change.".to_string())
                }
                Ok(_) => Ok(
                    "Saved: the at-risk playbook. Accounts that turn from now on get its tasks."
                        .to_string(),
                ),
                Err(e) => Err(FieldError::of(e)?),
            }
        }
    };
    let mut p = page(&s, &c, None, None, None, None).await?;
    let status = p.playbook.after(outcome, f, |key| form_field(key, &rows));
    Ok(render_page(p, status))
}

#[cfg(test)]
mod tests {
    use super::super::scorecards::playbook_fields as fields_of;
    use super::*;

    #[test]
    fn a_refusal_lands_on_the_row_it_concerns_when_rows_were_removed() {
        let rows = vec!["t0".to_string(), "t2".to_string(), "new".to_string()];
        assert_eq!(
            form_field("at_risk_playbook.tasks[1].due_in_days", &rows),
            "t2.days"
        );
        assert_eq!(
            form_field("at_risk_playbook.tasks[2].title", &rows),
            "new.title"
        );
        assert_eq!(form_field("at_risk_playbook.colours", &rows), "colours");
        assert_eq!(form_field("at_risk_playbook.tasks", &rows), "new.title");
    }

    #[test]
    fn the_form_reads_back_the_playbook_it_shows() {
        let p = Playbook::default();
        let f = fields_of(&p);
        let rows = rows_of(&p, &f);
        assert_eq!(rows.len(), p.tasks.len(), "no new row without a title");
        assert_eq!(playbook_from(&p, &rows, &f).unwrap(), p);
    }
}
