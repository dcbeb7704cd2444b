//! The account 360: everything about one customer on one page. Header (ARR, renewal, owners,
//! lifecycle), contract terms with the ARR history, the relationship map, the timeline with a
//! form to log a touch, grade and tier (see `priority`), and the edit form for fields and owners (audited by the store).

pub mod engagement;
pub mod health;
pub mod playbook;
pub mod priority;

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

struct Term {
    products: String,
    arr: String,
    seats: String,
    start: String,
    end: String,
    status: String,
}

struct Person {
    id: String,
    name: String,
    email: String,
    title: String,
    departed: String,
    /// The contact stopped automated email.
    unsubscribed: bool,
}

/// One relationship role and who holds it.
struct RoleGroup {
    role: &'static str,
    people: Vec<Person>,
    /// Why the group needs attention: nobody holds a key role, or its holder left.
    flag: Option<String>,
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

/// Product usage over the last 90 days.
struct Usage {
    chart: Option<String>,
    seats_in_use: i64,
    contracted_seats: Option<i64>,
    /// Seats in use over contracted seats, as a percentage.
    utilisation: Option<i64>,
    events_30_days: i64,
    top_features: Vec<(String, i64, bool)>,
    never_used: Vec<String>,
}

struct TicketLine {
    subject: String,
    opened: String,
    severity: String,
    status: String,
    escalated: bool,
}

struct Support {
    open: i64,
    last_30_days: i64,
    average_resolution: String,
    longest_resolution: String,
    escalated_90_days: i64,
    recent: Vec<TicketLine>,
}

struct Answer {
    on: String,
    kind: String,
    value: String,
    /// detractor, passive or promoter for NPS; poor for a low score or "no".
    tone: &'static str,
    comment: String,
}

struct Voice {
    nps_12_months: Option<i64>,
    nps_previous_12_months: Option<i64>,
    answers: Vec<Answer>,
}

/// "2 d 4 h", "5 h", "35 min".
fn duration(d: Option<chrono::Duration>) -> String {
    let Some(d) = d else { return "–".into() };
    let minutes = d.num_minutes();
    if minutes >= 24 * 60 {
        format!("{} d {} h", minutes / (24 * 60), minutes % (24 * 60) / 60)
    } else if minutes >= 60 {
        format!("{} h", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

async fn usage(
    s: &AppState,
    a: &Account,
    contracts: &[Contract],
    today: chrono::NaiveDate,
) -> Result<Usage, Failure> {
    let from = today - chrono::Days::new(89);
    let days = s.store.usage(a.id, from, today).await?;
    let contracted: i64 = contracts
        .iter()
        .filter(|t| t.fields.is_current(today))
        .filter_map(|t| t.fields.seats)
        .sum();
    let contracted = (contracted > 0).then_some(contracted);
    let seats_in_use = s.store.seats_in_use(a.id, today).await?;
    let features = s
        .store
        .feature_usage(a.id, today - chrono::Days::new(29), today)
        .await?;
    Ok(Usage {
        chart: chart::usage(&days, from, today, contracted),
        seats_in_use,
        contracted_seats: contracted,
        utilisation: contracted.map(|c| seats_in_use * 100 / c),
        events_30_days: days
            .iter()
            .filter(|d| d.day > today - chrono::Days::new(30))
            .map(|d| d.events)
            .sum(),
        never_used: features
            .iter()
            .filter(|(_, n, _)| *n == 0)
            .map(|(f, _, _)| f.clone())
            .collect(),
        top_features: features
            .into_iter()
            .filter(|(_, n, _)| *n > 0)
            .take(5)
            .collect(),
    })
}

async fn voice(
    s: &AppState,
    a: &Account,
    today: chrono::NaiveDate,
) -> Result<(Support, Voice), Failure> {
    let sum = s.store.ticket_summary(a.id).await?;
    let recent = s
        .store
        .tickets(Some(a.id), 8)
        .await?
        .into_iter()
        .map(|t| TicketLine {
            subject: t.fields.subject,
            opened: format::date(Some(t.fields.opened_at.date_naive())),
            severity: t.fields.severity.to_string(),
            status: t.fields.status.to_string(),
            escalated: t.fields.escalated,
        })
        .collect();
    let answers = s.store.surveys(Some(a.id), 200).await?;
    let nps_between = |from: chrono::NaiveDate, to: chrono::NaiveDate| {
        let scores: Vec<i64> = answers
            .iter()
            .filter(|x| {
                x.fields.kind == SurveyKind::Nps
                    && x.fields.answered_on > from
                    && x.fields.answered_on <= to
            })
            .filter_map(|x| x.fields.score)
            .collect();
        nps(&scores)
    };
    let year_ago = today - chrono::Days::new(365);
    let voice = Voice {
        nps_12_months: nps_between(year_ago, today),
        nps_previous_12_months: nps_between(year_ago - chrono::Days::new(365), year_ago),
        answers: answers
            .iter()
            .take(8)
            .map(|x| {
                let f = &x.fields;
                let (value, tone) = match (f.kind, f.score, f.intent) {
                    (SurveyKind::Nps, Some(n), _) => (
                        n.to_string(),
                        if n >= 9 {
                            "promoter"
                        } else if n >= 7 {
                            "passive"
                        } else {
                            "poor"
                        },
                    ),
                    (SurveyKind::Csat, Some(n), _) => {
                        (format!("{n} / 5"), if n <= 2 { "poor" } else { "" })
                    }
                    (SurveyKind::Ces, Some(n), _) => (format!("{n} / 7"), ""),
                    (_, _, Some(i)) => (
                        i.to_string(),
                        if i == RenewIntent::No { "poor" } else { "" },
                    ),
                    _ => (String::new(), ""),
                };
                Answer {
                    on: f.answered_on.to_string(),
                    kind: f.kind.to_string(),
                    value,
                    tone,
                    comment: f.comment.clone().unwrap_or_default(),
                }
            })
            .collect(),
    };
    let support = Support {
        open: sum.open,
        last_30_days: sum.opened_last_30_days,
        average_resolution: duration(sum.average_resolution),
        longest_resolution: duration(sum.longest_resolution),
        escalated_90_days: sum.escalated_last_90_days,
        recent,
    };
    Ok((support, voice))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    priority: priority::PrioritySection,
    health: health::HealthSection,
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
}

impl AccountPage {
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
}

fn person(c: &Contact) -> Person {
    Person {
        id: c.id.to_string(),
        name: c.fields.name.clone(),
        email: c
            .fields
            .email
            .as_ref()
            .map(|e| e.as_str().to_string())
            .unwrap_or_default(),
        title: c.fields.title.clone().unwrap_or_default(),
        departed: format::date(c.fields.departed_on),
        unsubscribed: false,
    }
}

/// Contacts grouped by role. A missing champion or economic buyer, or one who has left with
/// no active successor, is flagged: seed 002 makes their departure an escalation.
fn relationship_map(contacts: &[Contact]) -> (Vec<RoleGroup>, Vec<Person>) {
    let mut groups = Vec::new();
    for role in RelationshipRole::ALL {
        let holders: Vec<&Contact> = contacts
            .iter()
            .filter(|c| c.fields.roles.contains(role))
            .collect();
        let key = matches!(
            role,
            RelationshipRole::Champion | RelationshipRole::EconomicBuyer
        );
        let label = match role {
            RelationshipRole::EconomicBuyer => "economic buyer",
            RelationshipRole::Champion => "champion",
            RelationshipRole::Coach => "coach",
            RelationshipRole::TechnicalBuyer => "technical buyer",
            RelationshipRole::UserBuyer => "user buyer",
            RelationshipRole::Admin => "admin",
            RelationshipRole::Executive => "executive",
        };
        let active = holders.iter().any(|c| c.fields.active());
        let flag = match (key, holders.is_empty(), active) {
            (true, true, _) => Some(format!("No {label} named")),
            (true, false, false) => Some(format!("The {label} has left; name a new one")),
            _ => None,
        };
        if holders.is_empty() && flag.is_none() {
            continue;
        }
        groups.push(RoleGroup {
            role: label,
            people: holders.into_iter().map(person).collect(),
            flag,
        });
    }
    let unassigned = contacts
        .iter()
        .filter(|c| c.fields.roles.is_empty())
        .map(person)
        .collect();
    (groups, unassigned)
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
    let owners = OwnerFunction::ALL
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
    Ok(AccountPage {
        priority: priority::section(&s.store, &a, me).await?,
        health: health::section(&s.store, id, me.may_log_activity(&a.fields.owners).is_ok())
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
#[derive(Deserialize)]
pub struct AccountForm {
    name: String,
    domain: String,
    industry: String,
    country: String,
    employees: String,
    lifecycle: String,
    customer_since: String,
    #[serde(flatten)]
    owners: BTreeMap<String, String>,
}

/// The change the form asks for, or the first field that does not parse. Owners are named by
/// email or full name; `current` holds the present owners' emails, to see which changed.
fn account_change(
    a: &Account,
    f: &AccountForm,
    current: &BTreeMap<OwnerFunction, String>,
) -> Result<AccountPatch, Invalid> {
    fn changed<T: PartialEq + Clone>(old: &T, new: T) -> Option<T> {
        (old != &new).then_some(new)
    }
    let opt = |field: &str, v: &str| optional_text(field, v, limits::SHORT_TEXT);
    let name = required_text("name", &f.name, limits::NAME)?;
    let domain = match f.domain.trim() {
        "" => None,
        d => Some(Domain::parse(d).map_err(|e| Invalid(format!("domain: {}", e.0)))?),
    };
    let employees = match f.employees.trim() {
        "" => None,
        n => Some(
            n.replace(',', "")
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=limits::MAX_EMPLOYEES).contains(n))
                .ok_or_else(|| {
                    Invalid(format!(
                        "employees: \"{n}\" is not a whole number between 0 and {}",
                        limits::MAX_EMPLOYEES
                    ))
                })?,
        ),
    };
    let lifecycle = match f.lifecycle.trim() {
        "" => None,
        l => Some(
            l.parse::<Lifecycle>()
                .map_err(|e| Invalid(format!("lifecycle: {e}")))?,
        ),
    };
    let customer_since = match f.customer_since.trim() {
        "" => None,
        d => Some(
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                Invalid(format!(
                    "customer since: \"{d}\" is not a date (YYYY-MM-DD)"
                ))
            })?,
        ),
    };
    let mut owners = BTreeMap::new();
    for function in OwnerFunction::ALL {
        let key = format!("owner_{}", function.as_str());
        let Some(v) = f.owners.get(&key) else {
            continue;
        };
        let was = current.get(function).map(String::as_str).unwrap_or("");
        if v.trim().eq_ignore_ascii_case(was) {
            continue;
        }
        let person = PersonRef::from_text(v).map_err(|e| Invalid(format!("{key}: {}", e.0)))?;
        owners.insert(*function, person);
    }
    let fields = &a.fields;
    Ok(AccountPatch {
        name: changed(&fields.name, name),
        domain: changed(&fields.domain, domain),
        industry: changed(&fields.industry, opt("industry", &f.industry)?),
        country: changed(&fields.country, opt("country", &f.country)?),
        employees: changed(&fields.employees, employees),
        lifecycle: changed(&fields.lifecycle, lifecycle),
        customer_since: changed(&fields.customer_since, customer_since),
        owners,
        ..AccountPatch::default()
    })
}

pub async fn edit(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<AccountForm>,
) -> PageResult {
    let id = account_id(&id)?;
    let a = s.store.account(id).await?;
    let mut current = BTreeMap::new();
    for function in OwnerFunction::ALL {
        if let Some(u) = a.fields.owners.get(*function) {
            current.insert(*function, s.store.user(u).await?.email.as_str().to_string());
        }
    }
    let outcome = match account_change(&a, &f, &current) {
        Err(e) => Some((false, e.0)),
        Ok(patch) => match s.app.edit_account(&c.caller(), id, &patch).await {
            Ok(_) if patch == AccountPatch::default() => Some((true, "Nothing changed.".into())),
            Ok(_) => return Ok(Redirect::to(&format!("/accounts/{id}?saved=1")).into_response()),
            Err(e) => Some((false, problem(e)?)),
        },
    };
    let ok = outcome.as_ref().is_some_and(|(ok, _)| *ok);
    let mut resp = render(&page(&s, &c, id, outcome).await?);
    if !ok {
        *resp.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}

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
