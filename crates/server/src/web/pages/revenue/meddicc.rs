//! A renewal's MEDDICC page: each element in use with its question, what the book knows and
//! its flag, rated green, yellow or red with a note by the account's owners; the history of
//! versions; and the competitors mentioned on the account, with a form to add one.

use super::super::problem;
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect};
use sherpa_app::{MeddiccView, MentionCompetitor};
use sherpa_core::ContractId;
use sherpa_core::revenue::meddicc::{Element, Entry, Qualification, Rating};

struct ElementLine {
    key: &'static str,
    label: &'static str,
    question: &'static str,
    rating: String,
    note: String,
    facts: Vec<String>,
    flag: Option<String>,
}

struct Version {
    by: String,
    at: String,
    rated: usize,
    of: usize,
}

struct Mention {
    competitor: String,
    on: String,
    note: String,
}

#[derive(Template)]
#[template(path = "meddicc.html")]
struct MeddiccPage {
    nav: Nav,
    contract: ContractId,
    account_id: String,
    account: String,
    end: String,
    deadline: String,
    rated: usize,
    of: usize,
    elements: Vec<ElementLine>,
    ratings: Vec<&'static str>,
    may_edit: bool,
    history: Vec<Version>,
    mentions: Vec<Mention>,
    competitors: Vec<String>,
    today: String,
    message: Option<(bool, String)>,
}

fn contract_id(raw: &str) -> Result<ContractId, Failure> {
    raw.parse()
        .map_err(|_| Failure::not_found(format!("no renewal {raw}")))
}

fn page(
    nav: Nav,
    v: MeddiccView,
    today: chrono::NaiveDate,
    message: Option<(bool, String)>,
) -> MeddiccPage {
    let r = &v.renewal;
    MeddiccPage {
        nav,
        contract: r.stored.contract,
        account_id: r.stored.account.to_string(),
        account: r.stored.name.clone(),
        end: format::date(Some(r.stored.end)),
        deadline: format::date(Some(r.deadline)),
        rated: v.completeness.0,
        of: v.completeness.1,
        elements: v
            .elements
            .iter()
            .map(|e| ElementLine {
                key: e.element.as_str(),
                label: e.element.label(),
                question: e.element.question(),
                rating: e
                    .entry
                    .rating
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
                note: e.entry.note.clone(),
                facts: e.facts.clone(),
                flag: e.flag.clone(),
            })
            .collect(),
        ratings: Rating::ALL.iter().map(|r| r.as_str()).collect(),
        may_edit: r.may_call,
        history: v
            .history
            .iter()
            .map(|h| Version {
                by: h.by.clone().unwrap_or_else(|| "an operator".into()),
                at: format::time(h.saved_at),
                rated: h.rated,
                of: h.of,
            })
            .collect(),
        mentions: v
            .mentions
            .iter()
            .map(|m| Mention {
                competitor: m.competitor.clone(),
                on: format::date(Some(m.on)),
                note: m.note.clone(),
            })
            .collect(),
        competitors: v.competitors.clone(),
        today: today.to_string(),
        message,
    }
}

async fn show_with(
    s: &AppState,
    c: &Current,
    contract: ContractId,
    message: Option<(bool, String)>,
) -> PageResult {
    let v = s.app.meddicc(&c.caller(), contract).await?;
    Ok(render(&page(
        Nav::new(c, "renewals"),
        v,
        s.store.clock().today(),
        message,
    )))
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
) -> PageResult {
    show_with(&s, &c, contract_id(&id)?, None).await
}

async fn refused(
    s: &AppState,
    c: &Current,
    contract: ContractId,
    e: sherpa_app::Error,
) -> PageResult {
    let p = problem(e)?;
    let mut resp = show_with(
        s,
        c,
        contract,
        Some((false, format!("{p}. Nothing was changed."))),
    )
    .await?;
    *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(resp)
}

/// Who may change it is checked first: a refusal is a 403 whatever the form says.
async fn may_edit(s: &AppState, c: &Current, contract: ContractId) -> Result<(), Failure> {
    if s.app.renewal_of(&c.caller(), contract).await?.may_call {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "only the account's owners and leaders qualify its renewal",
        ))
    }
}

/// Saves the qualification from the form's `rating.<element>` and `note.<element>` fields.
pub async fn save(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let contract = contract_id(&id)?;
    may_edit(&s, &c, contract).await?;
    let mut q = Qualification::new();
    let mut wrong = None;
    for (name, value) in &fields {
        let Some((kind, key)) = name.split_once('.') else {
            continue;
        };
        let Ok(element) = key.parse::<Element>() else {
            wrong = Some(sherpa_app::Error::invalid(
                name,
                format!("{key:?} is not a MEDDICC element"),
            ));
            continue;
        };
        let entry: &mut Entry = q.entry(element).or_default();
        match kind {
            "rating" if value.is_empty() => {}
            "rating" => match value.parse::<Rating>() {
                Ok(r) => entry.rating = Some(r),
                Err(e) => wrong = Some(sherpa_app::Error::invalid(name, e.to_string())),
            },
            "note" => entry.note = value.clone(),
            _ => {}
        }
    }
    let outcome = match wrong {
        Some(e) => Err(e),
        None => s
            .app
            .save_meddicc(&c.caller(), contract, q)
            .await
            .map(|_| ()),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/revenue/renewals/{contract}/meddicc")).into_response())
        }
        Err(e) => refused(&s, &c, contract, e).await,
    }
}

#[derive(serde::Deserialize)]
pub struct MentionForm {
    #[serde(default)]
    competitor: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
}

/// Records a competitor mentioned on the renewal's account.
pub async fn mention(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<MentionForm>,
) -> PageResult {
    let contract = contract_id(&id)?;
    may_edit(&s, &c, contract).await?;
    let account = s
        .app
        .renewal_of(&c.caller(), contract)
        .await?
        .stored
        .account;
    let on = match f.on.trim() {
        "" => Ok(None),
        d => d.parse().map(Some).map_err(|_| {
            sherpa_app::Error::invalid("on", format!("\"{d}\" is not a date (YYYY-MM-DD)"))
        }),
    };
    let outcome = match on {
        Err(e) => Err(e),
        Ok(on) => {
            s.app
                .mention_competitor(
                    &c.caller(),
                    MentionCompetitor {
                        account,
                        competitor: f.competitor,
                        on,
                        note: f.note,
                    },
                )
                .await
        }
    };
    match outcome {
        Ok(()) => Ok(
            Redirect::to(&format!("/revenue/renewals/{contract}/meddicc#competition"))
                .into_response(),
        ),
        Err(e) => refused(&s, &c, contract, e).await,
    }
}
