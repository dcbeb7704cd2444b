//! An engagement model's ongoing moments edited as a form, not as TOML: each moment's title,
//! objective and owner; when it comes, picked from the kinds of moments (on a calendar, with a
//! cadence picked by name or a custom rule; a day as a customer or of each term; days before
//! renewal; a ticket, a release, a departure, a poor survey, quiet, inactive or falling usage,
//! a colour or an objective turned) with the number or names it needs; its task's due days and
//! priority, or no task; the activities that answer it; its email (the roles written to, the
//! subject and body templates, live or a dry run) and its webhook post (where, signed by which
//! secret, Slack's shape or Sherpa's, the text template, live or a dry run). "Save" goes through
//! the same checks as the TOML editor and `PUT /api/v1/engagement/config`; a refusal sits beside
//! its field, with what was typed kept.

use super::form_state::Fields;
use super::model_rows::{ModelRows, form_field, get, kept, key_of, rows_of, whole};
use super::outbox::automation_words;
use crate::web::FieldError;
use sherpa_core::engagement::{
    EmailAction, EngagementModel, Moment, PoorSurvey, Trigger, WebhookAction,
};
use sherpa_core::prioritise::CADENCE_CHOICES;
use sherpa_core::{ActivityKind, Priority};

/// The kinds of moments: the value the form sends, and its words (an ellipsis: it needs a
/// number or names in the field beside it).
const WHEN: [(&str, &str); 18] = [
    ("every", "on a calendar, at the cadence beside"),
    (
        "tier_cadence",
        "each period of the tier's cadence without a personal touch",
    ),
    ("customer_day", "on day … as a customer"),
    ("contract_day", "on day … of each contract term"),
    ("renewal_in_days", "… days before renewal"),
    (
        "renewal_without_call",
        "… days or less before renewal, no call made",
    ),
    ("high_severity_ticket", "a high or urgent ticket"),
    ("product_release", "a product release"),
    ("departed", "a contact departed, of the roles …"),
    (
        "poor_survey",
        "a poor survey answer: nps …, csat …, would not renew",
    ),
    ("no_tickets_for_days", "no ticket for … days"),
    ("inactive_for_days", "no use of the product for … days"),
    ("usage_down_percent", "usage down …% week over week"),
    ("seat_utilisation_below", "seat utilisation under …%"),
    ("health_turned", "health turned to the colours …"),
    (
        "plan_refresh",
        "a quarter since the success plan was refreshed",
    ),
    ("plan_update", "a month with no update to the success plan"),
    ("objective_turned", "a success plan objective turned …"),
];

/// One model's moments form as the models page shows it.
pub(super) struct MomentsForm {
    pub list: ModelRows,
    pub owners: Vec<(&'static str, &'static str)>,
    pub kinds: &'static [(&'static str, &'static str)],
    pub cadences: &'static [(&'static str, &'static str)],
    pub priorities: &'static [Priority],
    /// Each kept row's email or webhook in words.
    pub actions: Vec<String>,
}

impl std::ops::Deref for MomentsForm {
    type Target = ModelRows;

    fn deref(&self) -> &ModelRows {
        &self.list
    }
}

impl MomentsForm {
    /// Whether a refusal concerns a row's email or webhook, so that its fold opens.
    pub fn automation_error(&self, row: &str) -> bool {
        self.list.state.error.as_ref().is_some_and(|(f, _)| {
            f.strip_prefix(row)
                .and_then(|f| f.strip_prefix('.'))
                .is_some_and(|f| f.starts_with("email") || f.starts_with("webhook"))
        })
    }

    /// The action a row has, in words ("" for none and for the new row).
    pub fn action(&self, row: &str) -> &str {
        row.strip_prefix('m')
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| self.actions.get(i))
            .map_or("", String::as_str)
    }
}

/// A list of names as the form writes it: "champion, economic buyer".
fn names<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string().replace('_', " "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// When a moment comes, as the form's kind, cadence and value.
fn when_fields(t: &Trigger) -> (&'static str, String, String) {
    let n = |d: &u32| d.to_string();
    let (kind, value) = match t {
        Trigger::Every(rule) => {
            let named = CADENCE_CHOICES.iter().any(|(r, _)| r == rule);
            let cadence = if named { rule.clone() } else { "custom".into() };
            let value = if named { String::new() } else { rule.clone() };
            return ("every", cadence, value);
        }
        Trigger::TierCadence => ("tier_cadence", String::new()),
        Trigger::CustomerDay(d) => ("customer_day", n(d)),
        Trigger::ContractDay(d) => ("contract_day", n(d)),
        Trigger::RenewalInDays(d) => ("renewal_in_days", n(d)),
        Trigger::RenewalWithoutCall(d) => ("renewal_without_call", n(d)),
        Trigger::HighSeverityTicket => ("high_severity_ticket", String::new()),
        Trigger::ProductRelease => ("product_release", String::new()),
        Trigger::Departed(roles) => ("departed", names(roles)),
        Trigger::PoorSurvey(p) => {
            let mut parts = Vec::new();
            if let Some(v) = p.nps_at_most {
                parts.push(format!("nps {v}"));
            }
            if let Some(v) = p.csat_at_most {
                parts.push(format!("csat {v}"));
            }
            if p.would_not_renew {
                parts.push("would not renew".into());
            }
            ("poor_survey", parts.join(", "))
        }
        Trigger::NoTicketsForDays(d) => ("no_tickets_for_days", n(d)),
        Trigger::InactiveForDays(d) => ("inactive_for_days", n(d)),
        Trigger::UsageDownPercent(p) => ("usage_down_percent", n(p)),
        Trigger::SeatUtilisationBelow(p) => ("seat_utilisation_below", n(p)),
        Trigger::HealthTurned(c) => ("health_turned", names(c)),
        Trigger::PlanRefresh => ("plan_refresh", String::new()),
        Trigger::PlanUpdate => ("plan_update", String::new()),
        Trigger::ObjectiveTurned(s) => ("objective_turned", names(s)),
    };
    (kind, String::new(), value)
}

/// The form's fields for `moments` as in force.
fn fields_of(moments: &[Moment]) -> Fields {
    let mut form = Fields::new();
    for (i, m) in moments.iter().enumerate() {
        let mut set = |what: &str, v: String| form.insert(format!("m{i}.{what}"), v);
        let (kind, cadence, value) = when_fields(&m.when);
        set("title", m.title.clone());
        set("objective", m.objective.clone());
        set("owner", m.owner.as_str().into());
        set("when", kind.into());
        set("cadence", cadence);
        set("when_value", value);
        set("due_in_days", m.due_in_days.to_string());
        set("priority", m.priority.as_str().into());
        set("answered_by", names(&m.answered_by));
        if m.task {
            set("task", "on".into());
        }
        if let Some(e) = &m.email {
            set("email", "on".into());
            set("email_to", names(&e.to));
            set("email_subject", e.subject.clone());
            set("email_body", e.body.clone());
            if e.live {
                set("email_live", "on".into());
            }
        }
        if let Some(w) = &m.webhook {
            set("webhook", "on".into());
            set("webhook_url", w.url.clone().unwrap_or_default());
            set("webhook_url_env", w.url_env.clone().unwrap_or_default());
            set(
                "webhook_secret_env",
                w.secret_env.clone().unwrap_or_default(),
            );
            set("webhook_text", w.text.clone().unwrap_or_default());
            if w.slack {
                set("webhook_slack", "on".into());
            }
            if w.live {
                set("webhook_live", "on".into());
            }
        }
    }
    form.insert("new.due_in_days".into(), "7".into());
    form.insert("new.priority".into(), Priority::Normal.as_str().into());
    form.insert("new.task".into(), "on".into());
    form.insert("new.when".into(), "every".into());
    form.insert("new.cadence".into(), CADENCE_CHOICES[2].0.into());
    form
}

impl MomentsForm {
    /// The form for the `model`-th model as in force.
    pub fn of(model: usize, m: &EngagementModel) -> MomentsForm {
        MomentsForm {
            list: ModelRows::new(model, &m.name, m.moments.len(), fields_of(&m.moments)),
            owners: crate::web::format::owner_functions(),
            kinds: &WHEN,
            cadences: CADENCE_CHOICES,
            priorities: Priority::ALL,
            actions: m.moments.iter().map(automation_words).collect(),
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
            form_field(key, model, "moments", rows, field)
        })
    }
}

/// The form field a refusal of a moment's `what` lands on.
fn field(what: &str) -> &'static str {
    match what {
        "email.to" => return "email_to",
        "email.subject" => return "email_subject",
        "email.body" => return "email_body",
        "webhook.url" => return "webhook_url",
        "webhook.url_env" => return "webhook_url_env",
        "webhook.secret_env" => return "webhook_secret_env",
        "webhook.text" => return "webhook_text",
        _ => {}
    }
    match what.split('.').next().unwrap_or(what) {
        "owner" => "owner",
        "objective" => "objective",
        "when" => "when_value",
        "due_in_days" => "due_in_days",
        "priority" => "priority",
        "answered_by" => "answered_by",
        "task" | "email" | "webhook" => "task",
        _ => "title",
    }
}

/// The form's rows and the moments they ask for, given the model's moments in force.
pub(super) fn read(
    model: usize,
    before: &[Moment],
    f: &Fields,
) -> (Vec<String>, Result<Vec<Moment>, FieldError>) {
    let rows = rows_of(before.len(), f);
    let moments = rows
        .iter()
        .enumerate()
        .map(|(k, row)| moment_from(model, k, row, before, f))
        .collect();
    (rows, moments)
}

/// Names separated by commas, each read as `T` ("economic buyer" as `economic_buyer`).
fn list<T>(v: &str, key: &str) -> Result<Vec<T>, FieldError>
where
    T: std::str::FromStr<Err = sherpa_core::book::ParseEnumError>,
{
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace(' ', "_")
                .parse()
                .map_err(|e: sherpa_core::book::ParseEnumError| FieldError {
                    key: key.to_string(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// "nps 6, csat 2, would not renew" as a poor survey.
fn poor_survey(v: &str, key: &str) -> Result<PoorSurvey, FieldError> {
    let mut p = PoorSurvey {
        nps_at_most: None,
        csat_at_most: None,
        would_not_renew: false,
    };
    for part in v.split(',').map(|s| s.trim().to_lowercase()) {
        let number = |rest: &str| {
            rest.trim().parse::<i64>().map_err(|_| FieldError {
                key: key.to_string(),
                message: format!("\"{part}\": a score at most which the answer is poor"),
            })
        };
        if let Some(rest) = part.strip_prefix("nps") {
            p.nps_at_most = Some(number(rest)?);
        } else if let Some(rest) = part.strip_prefix("csat") {
            p.csat_at_most = Some(number(rest)?);
        } else if part == "would not renew" {
            p.would_not_renew = true;
        } else if !part.is_empty() {
            return Err(FieldError {
                key: key.to_string(),
                message: format!(
                    "\"{part}\" is not a survey answer: write \"nps 6\", \"csat 2\" or \"would not \
                     renew\""
                ),
            });
        }
    }
    Ok(p)
}

/// When a moment comes, from its row's kind, cadence and value.
fn trigger(row: &str, f: &Fields, key: &str) -> Result<Trigger, FieldError> {
    let value = get(f, row, "when_value");
    let days = || whole(&value, "days", key.to_string());
    let percent = || whole(&value, "percent", key.to_string());
    Ok(match get(f, row, "when").as_str() {
        "every" => match get(f, row, "cadence").as_str() {
            "custom" | "" => Trigger::Every(value),
            named => Trigger::Every(named.to_string()),
        },
        "tier_cadence" => Trigger::TierCadence,
        "customer_day" => Trigger::CustomerDay(days()?),
        "contract_day" => Trigger::ContractDay(days()?),
        "renewal_in_days" => Trigger::RenewalInDays(days()?),
        "renewal_without_call" => Trigger::RenewalWithoutCall(days()?),
        "high_severity_ticket" => Trigger::HighSeverityTicket,
        "product_release" => Trigger::ProductRelease,
        "departed" => Trigger::Departed(list(&value, key)?),
        "poor_survey" => Trigger::PoorSurvey(poor_survey(&value, key)?),
        "no_tickets_for_days" => Trigger::NoTicketsForDays(days()?),
        "inactive_for_days" => Trigger::InactiveForDays(days()?),
        "usage_down_percent" => Trigger::UsageDownPercent(percent()?),
        "seat_utilisation_below" => Trigger::SeatUtilisationBelow(percent()?),
        "health_turned" => Trigger::HealthTurned(list(&value, key)?),
        "plan_refresh" => Trigger::PlanRefresh,
        "plan_update" => Trigger::PlanUpdate,
        "objective_turned" => Trigger::ObjectiveTurned(list(&value, key)?),
        other => {
            return Err(FieldError {
                key: key.to_string(),
                message: format!("\"{other}\" is not a kind of moment"),
            });
        }
    })
}

/// The `k`-th moment the form asks for, from its row, or the field that does not read. A
/// moment kept keeps its key (its tasks name it) and its email or webhook.
fn moment_from(
    model: usize,
    k: usize,
    row: &str,
    before: &[Moment],
    f: &Fields,
) -> Result<Moment, FieldError> {
    let key = |what: &str| format!("models[{model}].moments[{k}].{what}");
    let enumerated = |what: &str| key(what);
    let was = kept(row, before);
    let title = get(f, row, "title");
    let parse_err = |what: &'static str| {
        move |e: sherpa_core::book::ParseEnumError| FieldError {
            key: enumerated(what),
            message: e.to_string(),
        }
    };
    Ok(Moment {
        key: was.map_or_else(|| key_of(&title), |m| m.key.clone()),
        owner: get(f, row, "owner").parse().map_err(parse_err("owner"))?,
        objective: get(f, row, "objective"),
        when: trigger(row, f, &key("when"))?,
        due_in_days: whole(&get(f, row, "due_in_days"), "days", key("due_in_days"))?,
        priority: get(f, row, "priority")
            .parse()
            .map_err(parse_err("priority"))?,
        task: f.contains_key(&format!("{row}.task")),
        answered_by: list::<ActivityKind>(&get(f, row, "answered_by"), &key("answered_by"))?,
        email: email(row, f, &key("email.to"))?,
        webhook: webhook(row, f),
        title,
    })
}

/// A row's email, when ticked: the roles it writes to, its templates, live or a dry run.
fn email(row: &str, f: &Fields, to_key: &str) -> Result<Option<EmailAction>, FieldError> {
    if !f.contains_key(&format!("{row}.email")) {
        return Ok(None);
    }
    Ok(Some(EmailAction {
        to: list(&get(f, row, "email_to"), to_key)?,
        subject: get(f, row, "email_subject"),
        // A body keeps its lines as written; a browser sends them with CR LF.
        body: raw(f, row, "email_body"),
        live: f.contains_key(&format!("{row}.email_live")),
    }))
}

/// A row's webhook post, when ticked.
fn webhook(row: &str, f: &Fields) -> Option<WebhookAction> {
    if !f.contains_key(&format!("{row}.webhook")) {
        return None;
    }
    let optional = |what: &str| Some(get(f, row, what)).filter(|v| !v.is_empty());
    Some(WebhookAction {
        url: optional("webhook_url"),
        url_env: optional("webhook_url_env"),
        secret_env: optional("webhook_secret_env"),
        slack: f.contains_key(&format!("{row}.webhook_slack")),
        text: Some(raw(f, row, "webhook_text")).filter(|t| !t.trim().is_empty()),
        live: f.contains_key(&format!("{row}.webhook_live")),
    })
}

/// A text area's value as written, its line ends made `\n`.
fn raw(f: &Fields, row: &str, what: &str) -> String {
    f.get(&format!("{row}.{what}"))
        .map(|v| v.replace("\r\n", "\n"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sherpa_core::engagement::EngagementConfig;

    #[test]
    fn the_form_reads_back_every_default_models_moments() {
        for (i, m) in EngagementConfig::default().models.iter().enumerate() {
            let form = MomentsForm::of(i, m);
            let (rows, read) = read(i, &m.moments, &form.list.state.form);
            assert_eq!(rows.len(), m.moments.len(), "no new row without a title");
            assert_eq!(read.unwrap(), m.moments, "{}", m.name);
        }
    }

    #[test]
    fn every_kind_of_moment_reads_back_from_its_fields() {
        let triggers = [
            Trigger::Every("FREQ=WEEKLY;INTERVAL=2".into()),
            Trigger::Every("FREQ=MONTHLY;BYMONTHDAY=15".into()),
            Trigger::CustomerDay(30),
            Trigger::RenewalWithoutCall(60),
            Trigger::Departed(vec![
                sherpa_core::RelationshipRole::Champion,
                sherpa_core::RelationshipRole::EconomicBuyer,
            ]),
            Trigger::PoorSurvey(PoorSurvey {
                nps_at_most: Some(6),
                csat_at_most: None,
                would_not_renew: true,
            }),
            Trigger::HealthTurned(vec![sherpa_core::health::Colour::Red]),
            Trigger::ObjectiveTurned(vec![sherpa_core::plan::ObjectiveStatus::OffTrack]),
            Trigger::UsageDownPercent(40),
        ];
        for t in triggers {
            let (kind, cadence, value) = when_fields(&t);
            let f = Fields::from([
                ("m0.when".to_string(), kind.to_string()),
                ("m0.cadence".to_string(), cadence),
                ("m0.when_value".to_string(), value),
            ]);
            assert_eq!(trigger("m0", &f, "when").unwrap(), t);
        }
        let f = Fields::from([
            ("m0.when".to_string(), "poor_survey".to_string()),
            ("m0.when_value".to_string(), "nps six".to_string()),
        ]);
        assert_eq!(trigger("m0", &f, "k").unwrap_err().key, "k");
    }
}
