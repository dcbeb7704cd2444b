//! The account 360: everything about one customer on one page. Header (ARR, renewal, owners,
//! lifecycle), contract terms with the ARR history, the relationship map, the timeline with a
//! form to log a touch, grade and tier (see `priority`), and the edit form for fields and owners (audited by the store).

pub mod effectiveness;
pub mod engagement;
pub mod erasure;
pub mod health;
pub mod playbook;
pub mod priority;
pub mod whitespace;

mod edit;
mod relationship;
mod voice;

pub use edit::edit;
use relationship::{Person, RoleGroup, relationship_map};
use voice::{Support, Usage, Voice, usage, voice};

use super::problem;
use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, chart, format, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use sherpa_app::LogActivity;
use sherpa_core::*;
use sherpa_store::ListQuery;
use std::collections::{BTreeMap, HashMap};

/// How many timeline entries the page shows.
const TIMELINE: i64 = 50;
/// How many of them show at first, near the top of the page; the older ones fold away.
const TIMELINE_FIRST: usize = 6;

struct Term {
    products: String,
    arr: String,
    seats: String,
    start: String,
    end: String,
    status: String,
    /// "yes", "no" or blank when the book does not say.
    auto_renew: &'static str,
}

struct Entry {
    kind: String,
    when: String,
    by: String,
    summary: String,
}

struct OwnerChoice {
    function: &'static str,
    label: &'static str,
    current: Option<UserId>,
    name: String,
    /// What the edit form shows and compares: the owner's email.
    email: String,
}

/// The success plan at a glance; the plan page holds the rest.
struct PlanSummary {
    success: String,
    /// Title, status words, status class, progress (0 to 100), reason.
    objectives: Vec<(String, String, &'static str, i64, String)>,
    open_blockers: usize,
    standing: String,
    standing_class: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    plan: Option<PlanSummary>,
    may_plan: bool,
    priority: priority::PrioritySection,
    health: health::HealthSection,
    effectiveness: effectiveness::EffectivenessSection,
    whitespace: whitespace::WhitespaceSection,
    engagement: engagement::EngagementSection,
    usage: Usage,
    support: Support,
    voice: Voice,
    nav: Nav,
    a: Account,
    arr: String,
    renewal: String,
    days_to_renewal: String,
    owners: Vec<OwnerChoice>,
    terms: Vec<Term>,
    chart: Option<String>,
    roles: Vec<RoleGroup>,
    unassigned: Vec<Person>,
    timeline: Vec<Entry>,
    contacts: Vec<Contact>,
    may_edit: bool,
    may_log: bool,
    lifecycles: &'static [Lifecycle],
    kinds: &'static [ActivityKind],
    now: String,
    message: Option<String>,
    message_ok: bool,
    /// The edit form's values: the account's, or what was typed when it was refused.
    edit: edit::EditValues,
    /// The edit form's refusal, beside the field it concerns.
    edit_error: Option<(String, String)>,
}

impl AccountPage {
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }

    /// The edit form's refusal when it concerns `field`.
    fn edit_error(&self, field: &str) -> Option<&String> {
        self.edit_error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m)
    }

    /// The country by the name people use ("Germany"), from its stored ISO code.
    fn country(v: &Option<String>) -> String {
        v.as_deref()
            .map(sherpa_core::country_name)
            .unwrap_or_default()
    }
}

async fn page(
    s: &AppState,
    c: &Current,
    id: AccountId,
    message: Option<(bool, String)>,
) -> Result<AccountPage, Failure> {
    let a = s.store.account(id).await?;
    let today = s.store.clock().now().date_naive();
    let contacts = s
        .store
        .contacts(&ListQuery {
            account: Some(id),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let contracts = s
        .store
        .contracts(&ListQuery {
            account: Some(id),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let history = s.store.arr_history(id).await?;
    let timeline = s.store.timeline(id, None, TIMELINE).await?;
    let authors: Vec<UserId> = timeline.iter().filter_map(|e| e.fields.user_id).collect();
    let names = s.store.user_names(&authors).await?;
    let mut owner_users: HashMap<UserId, User> = HashMap::new();
    for u in OwnerFunction::ALL
        .iter()
        .filter_map(|f| a.fields.owners.get(*f))
    {
        owner_users.insert(u, s.store.user(u).await?);
    }
    let (mut roles, unassigned) = relationship_map(&contacts);
    // Contacts who stopped automated email: the CSM should know before writing to them.
    let stopped = s.store.unsubscribed_of(id).await?;
    for p in roles.iter_mut().flat_map(|g| g.people.iter_mut()) {
        p.unsubscribed = stopped.contains(&p.email.to_lowercase());
    }
    let usage = usage(s, &a, &contracts, today).await?;
    let (support, voice) = voice(s, &a, today).await?;
    let me = &c.session.user;
    let plan = s.app.plan(&c.caller(), id).await?.map(|p| {
        let body = crate::web::pages::plans::body(&p, today);
        let (standing, standing_class) = match p.in_place {
            true => ("in place".to_string(), ""),
            false => (format!("update overdue since {}", body.update_due), "late"),
        };
        PlanSummary {
            success: body.success,
            objectives: body
                .objectives
                .into_iter()
                .map(|o| (o.title, o.status, o.status_class, o.progress, o.reason))
                .collect(),
            open_blockers: body.blockers.iter().filter(|b| b.open).count(),
            standing,
            standing_class,
        }
    });
    let owners: Vec<OwnerChoice> = OwnerFunction::ALL
        .iter()
        .map(|f| {
            let current = a.fields.owners.get(*f);
            OwnerChoice {
                function: f.as_str(),
                label: match f {
                    OwnerFunction::Csm => "CSM",
                    OwnerFunction::Ae => "AE (sales)",
                    OwnerFunction::CustomerDevelopment => "Customer development",
                    OwnerFunction::ExecutiveSponsor => "Executive sponsor",
                },
                current,
                name: current
                    .and_then(|u| owner_users.get(&u))
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                email: current
                    .and_then(|u| owner_users.get(&u))
                    .map(|u| u.email.as_str().to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let edit_values = edit::EditValues::of(&a, &owners);
    Ok(AccountPage {
        plan,
        may_plan: me.may_edit_plan(&a.fields.owners).is_ok(),
        priority: priority::section(&s.store, &a, me).await?,
        health: health::section(&s.store, id, me.may_log_activity(&a.fields.owners).is_ok())
            .await?,
        effectiveness: effectiveness::section(s, &c.caller(), id).await?,
        whitespace: whitespace::section(
            s,
            &c.caller(),
            id,
            a.arr.currency,
            me.may_open_task(&a.fields.owners).is_ok(),
        )
        .await?,
        engagement: engagement::section(
            &s.store,
            id,
            me.may_log_activity(&a.fields.owners).is_ok(),
        )
        .await?,
        usage,
        support,
        voice,
        nav: Nav::new(c, "portfolio"),
        arr: format::money(&a.arr),
        renewal: format::date(a.renewal_date),
        days_to_renewal: a
            .renewal_date
            .map(|d| format::days_between(today, d).to_string())
            .unwrap_or_default(),
        owners,
        terms: contracts
            .iter()
            .map(|t| Term {
                products: t.fields.products.join(", "),
                arr: format::money(&t.fields.arr),
                seats: t.fields.seats.map(|n| n.to_string()).unwrap_or_default(),
                start: t.fields.start_date.to_string(),
                end: t.fields.end_date.to_string(),
                status: t.fields.status.to_string(),
                auto_renew: match t.fields.auto_renew {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                },
            })
            .collect(),
        chart: chart::arr_history(&history, today),
        roles,
        unassigned,
        timeline: timeline
            .iter()
            .map(|e| Entry {
                kind: e.fields.kind.to_string(),
                when: format::time(e.fields.occurred_at),
                by: e
                    .fields
                    .user_id
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or_default(),
                summary: e.fields.summary.clone(),
            })
            .collect(),
        may_edit: me.may_edit_account(&a.fields.owners).is_ok(),
        may_log: me.may_log_activity(&a.fields.owners).is_ok(),
        contacts,
        lifecycles: Lifecycle::ALL,
        // Automated entries are the outbox's, never logged by a person.
        kinds: &ActivityKind::ALL[..ActivityKind::ALL.len() - 1],
        now: s.store.clock().now().format("%Y-%m-%dT%H:%M").to_string(),
        message: message.as_ref().map(|(_, m)| m.clone()),
        message_ok: message.is_some_and(|(ok, _)| ok),
        edit: edit_values,
        edit_error: None,
        a,
    })
}

/// The account page with what was wrong, answered 400: nothing was changed.
pub(super) async fn refused(
    s: &AppState,
    c: &Current,
    id: AccountId,
    problem: String,
) -> PageResult {
    let mut resp = render(&page(s, c, id, Some((false, problem))).await?);
    *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    Ok(resp)
}

pub(super) fn account_id(raw: &str) -> Result<AccountId, Failure> {
    raw.parse()
        .map_err(|_| Failure::not_found(format!("no account {raw}")))
}

/// The contact a `/accounts/{id}/contacts/{contact}/...` path names.
pub(super) fn contact_id(raw: &str) -> Result<ContactId, Failure> {
    raw.parse()
        .map_err(|_| Failure::not_found(format!("no contact {raw}")))
}

#[derive(Deserialize)]
pub struct ShowParams {
    saved: Option<String>,
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ShowParams>,
) -> PageResult {
    let saved = q.saved.map(|_| {
        (
            true,
            "Saved. The change is recorded in the audit log.".to_string(),
        )
    });
    Ok(render(&page(&s, &c, account_id(&id)?, saved).await?))
}

/// The edit form. Every field is sent; only the ones that differ become the change.
/// The log-a-touch form; `attendee` repeats, so the body is read as pairs.
pub async fn log_activity(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> PageResult {
    let id = account_id(&id)?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|e| Failure::bad(e.to_string()))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let result = async {
        let when = get("occurred_at");
        let occurred_at = chrono::NaiveDateTime::parse_from_str(when, "%Y-%m-%dT%H:%M")
            .map_err(|_| {
                sherpa_app::Error::invalid(
                    "occurred_at",
                    format!("\"{when}\" is not a date and time"),
                )
            })?
            .and_utc();
        let cmd = LogActivity {
            account: id,
            kind: LogActivity::kind(get("kind"))?,
            occurred_at: Some(occurred_at),
            attendees: pairs
                .iter()
                .filter(|(k, _)| k == "attendee")
                .map(|(_, v)| LogActivity::attendee(v))
                .collect::<Result<_, _>>()?,
            summary: get("summary").to_string(),
        };
        s.app.log_activity(&c.caller(), cmd).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/accounts/{id}#timeline")).into_response()),
        Err(e) => refused(&s, &c, id, problem(e)?).await,
    }
}
