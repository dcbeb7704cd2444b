//! The first-match rules that pick each account's health scorecard or engagement model, edited
//! as a form rather than TOML: each rule's conditions (lifecycle, tier, segment) and what it
//! gives, a rule removed, or one added before the last (which, catching every account, stays
//! last). The health page and the models page each save theirs through their own use case;
//! a refusal sits beside its rule's field, with what was typed kept.

use super::form_state::{Fields, FormState, row_and_field};
use crate::web::FieldError;
use sherpa_core::Lifecycle;
use sherpa_core::assignment::{AssignmentRule, Condition};

/// A rules form as a page shows it.
pub(super) struct RulesForm {
    /// Where it posts.
    pub action: &'static str,
    /// The form's rows: "r0", "r1", ... and "new".
    pub rows: Vec<String>,
    /// What a rule can give: the scorecards' or the models' names.
    pub targets: Vec<String>,
    pub lifecycles: Vec<&'static str>,
    pub state: FormState,
}

impl std::ops::Deref for RulesForm {
    type Target = FormState;

    fn deref(&self) -> &FormState {
        &self.state
    }
}

impl RulesForm {
    /// The form for `rules` as in force.
    pub fn of(action: &'static str, rules: &[AssignmentRule], targets: Vec<String>) -> RulesForm {
        let mut form = Fields::new();
        for (i, r) in rules.iter().enumerate() {
            let row = format!("r{i}");
            if let Some(l) = r.when.lifecycle {
                form.insert(format!("{row}.lifecycle"), l.as_str().into());
            }
            if let Some(t) = r.when.tier {
                form.insert(format!("{row}.tier"), t.to_string());
            }
            if let Some(s) = r.when.segment {
                form.insert(format!("{row}.segment"), s.to_string());
            }
            form.insert(format!("{row}.then"), r.then.clone());
        }
        RulesForm {
            action,
            rows: (0..rules.len())
                .map(|i| format!("r{i}"))
                .chain(["new".to_string()])
                .collect(),
            targets,
            lifecycles: Lifecycle::ALL.iter().map(|l| l.as_str()).collect(),
            state: FormState {
                form,
                ..FormState::default()
            },
        }
    }

    /// The same form after a save of the `rows` typed: what was said, or the refusal beside
    /// its field with what was typed; and the page's status.
    pub fn after(
        mut self,
        outcome: Result<String, FieldError>,
        typed: Fields,
        rows: &[String],
    ) -> (RulesForm, axum::http::StatusCode) {
        let status = self
            .state
            .after(outcome, typed, |key| form_field(key, rows));
        (self, status)
    }
}

/// The form's rows and the rules they ask for, given how many rules were in force.
pub(super) fn read(
    before: usize,
    f: &Fields,
) -> (Vec<String>, Result<Vec<AssignmentRule>, FieldError>) {
    let rows = rows_of(before, f);
    let rules = rules_from(&rows, f);
    (rows, rules)
}

/// The form's rows that make the rules, in order: the rules kept, and a new one (when it gives
/// something) before the last kept, which catches every account.
fn rows_of(before: usize, f: &Fields) -> Vec<String> {
    let mut rows: Vec<String> = (0..before)
        .map(|i| format!("r{i}"))
        .filter(|r| !f.contains_key(&format!("{r}.remove")))
        .collect();
    if f.get("new.then").is_some_and(|t| !t.trim().is_empty()) {
        rows.insert(rows.len().saturating_sub(1), "new".into());
    }
    rows
}

/// The rules the form's `rows` ask for, or the field that does not read.
fn rules_from(rows: &[String], f: &Fields) -> Result<Vec<AssignmentRule>, FieldError> {
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    rows.iter()
        .enumerate()
        .map(|(k, row)| {
            let key = |what: &str| format!("rules[{k}].{what}");
            let number = |what: &str| -> Result<Option<u8>, FieldError> {
                let v = get(&format!("{row}.{what}"));
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse().map(Some).map_err(|_| FieldError {
                    key: key(&format!("when.{what}")),
                    message: format!("\"{v}\" is not a {what}: 1, 2 or 3"),
                })
            };
            let lifecycle = get(&format!("{row}.lifecycle"));
            Ok(AssignmentRule {
                when: Condition {
                    lifecycle: if lifecycle.is_empty() {
                        None
                    } else {
                        Some(lifecycle.parse().map_err(
                            |e: sherpa_core::book::ParseEnumError| FieldError {
                                key: key("when.lifecycle"),
                                message: e.to_string(),
                            },
                        )?)
                    },
                    tier: number("tier")?,
                    segment: number("segment")?,
                },
                then: get(&format!("{row}.then")),
            })
        })
        .collect()
}

/// A refusal's key as the form field it belongs to: `rules[2].when.tier` is the third row
/// left's tier; "rules" (the last must catch every account) is the last row's.
fn form_field(key: &str, rows: &[String]) -> String {
    let last = rows.last().map_or("new", String::as_str);
    let Some(rest) = key.strip_prefix("rules[") else {
        return format!("{last}.lifecycle");
    };
    let (row, what) = row_and_field(rest, rows);
    let (row, what) = (row.unwrap_or(last), what.unwrap_or("then"));
    let what = what.strip_prefix("when.").unwrap_or(what);
    let what = match what {
        "lifecycle" | "tier" | "segment" => what,
        _ => "then",
    };
    format!("{row}.{what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<AssignmentRule> {
        vec![
            AssignmentRule {
                when: Condition {
                    lifecycle: Some(Lifecycle::Onboarding),
                    ..Condition::default()
                },
                then: "Onboarding".into(),
            },
            AssignmentRule {
                when: Condition::default(),
                then: "Default".into(),
            },
        ]
    }

    #[test]
    fn the_form_reads_back_the_rules_it_shows() {
        let form = RulesForm::of("/x", &rules(), vec![]);
        let rows = rows_of(2, &form.state.form);
        assert_eq!(rows, ["r0", "r1"], "no new row without what it gives");
        assert_eq!(rules_from(&rows, &form.state.form).unwrap(), rules());
    }

    #[test]
    fn a_new_rule_goes_before_the_catch_all_and_a_refusal_lands_on_its_row() {
        let mut f = RulesForm::of("/x", &rules(), vec![]).state.form;
        f.insert("new.tier".into(), "top".into());
        f.insert("new.then".into(), "Strategic".into());
        let rows = rows_of(2, &f);
        assert_eq!(rows, ["r0", "new", "r1"]);
        let refused = rules_from(&rows, &f).unwrap_err();
        assert_eq!(refused.key, "rules[1].when.tier");
        assert_eq!(form_field(&refused.key, &rows), "new.tier");
        assert_eq!(form_field("rules[2].then", &rows), "r1.then");
        assert_eq!(form_field("rules", &rows), "r1.lifecycle");
    }
}
