//! Users and API tokens (admins): add people, change their role, function and manager,
//! deactivate them, reset passwords, create and revoke tokens. A new token's secret is shown
//! once, on the page that created it.

use crate::AppState;
use crate::web::paging::{Page, PeopleQuery};
use crate::web::session::{Current, Signed};
use crate::web::sorting::{Key, sort_rows};
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sherpa_app::{AddTeamMember, ChangeTeamMember, CreateToken, parse_field};
use sherpa_core::*;
use sherpa_store::TokenInfo;
use std::collections::HashMap;

struct TokenLine {
    info: TokenInfo,
    owner: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    q: String,
    /// The column the people are sorted by (`-` first: descending); empty: by name.
    sort: String,
    users: Page<User>,
    /// Managers' emails, for the manager fields of the page's people.
    manager_emails: HashMap<UserId, String>,
    tokens: Vec<TokenLine>,
    /// Owners imports named who are not members yet.
    pending: Vec<sherpa_store::PendingOwner>,
    roles: &'static [Role],
    functions: &'static [Function],
    message: Option<String>,
    ok: bool,
    /// A token secret just created: shown once.
    secret: Option<String>,
}

impl UsersPage {
    fn manager_email(&self, u: &User) -> &str {
        u.manager_id
            .and_then(|m| self.manager_emails.get(&m))
            .map(String::as_str)
            .unwrap_or("")
    }

    fn sort_link(&self, field: &str) -> String {
        crate::web::paging::sort_link(&self.q, &self.sort, field)
    }

    fn aria_sort(&self, field: &str) -> &'static str {
        format::aria_sort(&self.sort, field, "")
    }
}

/// The columns the people sort by.
const SORTS: [&str; 5] = ["name", "email", "function", "role", "status"];

const PER_PAGE: usize = 50;

async fn page(
    s: &AppState,
    c: &Current,
    pq: &PeopleQuery,
    outcome: Result<String, String>,
    secret: Option<String>,
) -> PageResult {
    let everyone = s.store.users().await?;
    let names: HashMap<UserId, String> = everyone.iter().map(|u| (u.id, u.name.clone())).collect();
    let emails: HashMap<UserId, String> = everyone
        .iter()
        .map(|u| (u.id, u.email.as_str().to_string()))
        .collect();
    let mut listed: Vec<User> = everyone.into_iter().filter(|u| pq.matches(u)).collect();
    sort_rows(&mut listed, &pq.sort, &SORTS, |u, field| match field {
        "name" => Some(Key::text(&u.name)),
        "email" => Some(Key::text(u.email.as_str())),
        "function" => Some(Key::text(u.function.as_str())),
        "role" => Some(Key::text(u.role.as_str())),
        _ => Some(Key::number(i64::from(!u.active))),
    })?;
    let users = pq.page(listed, PER_PAGE);
    let manager_emails = users
        .items
        .iter()
        .filter_map(|u| u.manager_id)
        .filter_map(|m| emails.get(&m).map(|e| (m, e.clone())))
        .collect();
    let tokens = s
        .store
        .tokens(None)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            owner: names.get(&t.user_id).cloned().unwrap_or_default(),
            created: format::time(t.created_at),
            last_used: t
                .last_used_at
                .map(format::time)
                .unwrap_or_else(|| "never".into()),
            info: t,
        })
        .collect();
    let pending = s.app.pending_owners(&c.caller()).await?;
    let ok = outcome.is_ok();
    let message = match outcome {
        Ok(m) | Err(m) => Some(m).filter(|m| !m.is_empty()),
    };
    let mut resp = render(&UsersPage {
        nav: Nav::new(c, "users"),
        q: pq.q.clone(),
        sort: pq.sort.clone(),
        users,
        manager_emails,
        tokens,
        pending,
        roles: Role::ALL,
        functions: Function::ALL,
        message,
        ok,
        secret,
    });
    if !ok {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(resp)
}

/// A use case's answer as the page shows it: a refusal in words, or a failure page.
fn told<T>(r: sherpa_app::Result<T>) -> Result<Result<T, String>, Failure> {
    match r {
        Ok(t) => Ok(Ok(t)),
        Err(e) => super::problem(e).map(Err),
    }
}

pub async fn show(
    State(s): State<AppState>,
    Signed(c): Signed,
    Query(pq): Query<PeopleQuery>,
) -> PageResult {
    page(&s, &c, &pq, Ok(String::new()), None).await
}

#[derive(Deserialize)]
pub struct NewUser {
    email: String,
    name: String,
    function: String,
    role: String,
    manager: String,
    password: String,
}

/// The team member a `/admin/users/{id}` path names.
fn target(id: &str) -> Result<UserId, Failure> {
    id.parse()
        .map_err(|_| Failure::not_found(format!("no user {id}")))
}

/// The person a form's field names by email or full name (none when blank).
fn person(field: &str, raw: &str) -> sherpa_app::Result<Option<PersonRef>> {
    PersonRef::from_text(raw).map_err(|e| sherpa_app::Error::invalid(field, e.0))
}

pub async fn add_user(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<NewUser>,
) -> PageResult {
    let added = async {
        let cmd = AddTeamMember {
            email: Email::parse(&f.email).map_err(|e| sherpa_app::Error::invalid("email", e.0))?,
            name: f.name,
            function: parse_field("function", &f.function)?,
            role: parse_field("role", &f.role)?,
            manager: person("manager", &f.manager)?,
            password: f.password,
        };
        s.app.add_team_member(&c.caller(), cmd).await
    }
    .await;
    let outcome = told(added)?.map(|u| format!("{} <{}> added as a {}.", u.name, u.email, u.role));
    page(&s, &c, &PeopleQuery::default(), outcome, None).await
}

#[derive(Deserialize)]
pub struct UserChange {
    function: String,
    role: String,
    manager: String,
    active: String,
}

pub async fn update_user(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<UserChange>,
) -> PageResult {
    let id = target(&id)?;
    let changed = async {
        let cmd = ChangeTeamMember {
            name: None,
            function: parse_field("function", &f.function)?,
            role: parse_field("role", &f.role)?,
            manager: person("manager", &f.manager)?,
            active: f.active == "yes",
        };
        s.app.change_team_member(&c.caller(), id, cmd).await
    }
    .await;
    let outcome = told(changed)?.map(|u| {
        format!(
            "{} saved{}.",
            u.name,
            if u.active {
                ""
            } else {
                " and signed out (inactive)"
            }
        )
    });
    page(&s, &c, &PeopleQuery::default(), outcome, None).await
}

#[derive(Deserialize)]
pub struct OwnerAssignment {
    /// The name as the import kept it.
    name: String,
    /// The member, by email or full name.
    member: String,
}

/// Gives the accounts waiting for an owner's name to a member who goes by another name here.
pub async fn assign_owner(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<OwnerAssignment>,
) -> PageResult {
    let assigned = async {
        let member = person("member", &f.member)?.ok_or_else(|| {
            sherpa_app::Error::invalid("member", "name the team member who owns these accounts")
        })?;
        let n = s
            .app
            .assign_pending_owner(&c.caller(), &f.name, &member)
            .await?;
        Ok((member, n))
    }
    .await;
    let outcome = told(assigned)?.map(|(member, n)| {
        format!(
            "{member} now owns the {n} account{} that waited for \"{}\".",
            if n == 1 { "" } else { "s" },
            f.name.trim()
        )
    });
    page(&s, &c, &PeopleQuery::default(), outcome, None).await
}

#[derive(Deserialize)]
pub struct PasswordReset {
    password: String,
}

pub async fn reset_password(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
    Form(f): Form<PasswordReset>,
) -> PageResult {
    let id = target(&id)?;
    let reset = s.app.reset_password(&c.caller(), id, f.password).await;
    let outcome = told(reset)?.map(|u| {
        format!(
            "{}'s password is reset; they are signed out everywhere.",
            u.name
        )
    });
    page(&s, &c, &PeopleQuery::default(), outcome, None).await
}

#[derive(Deserialize)]
pub struct NewToken {
    user: String,
    scope: String,
    name: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<NewToken>,
) -> PageResult {
    let name = f.name.trim().to_string();
    let made = async {
        let cmd = CreateToken {
            owner: person("acts as", &f.user)?.ok_or_else(|| {
                sherpa_app::Error::invalid("acts as", "name the team member the token acts as")
            })?,
            scope: parse_field("scope", &f.scope)?,
            name: f.name,
        };
        s.app.create_token(&c.caller(), cmd).await
    }
    .await;
    match told(made)? {
        Ok((owner, t)) => {
            let message = format!(
                "Token \"{}\" created for {}. Copy it now: it is not shown again.",
                name, owner.name
            );
            page(&s, &c, &PeopleQuery::default(), Ok(message), Some(t.secret)).await
        }
        Err(e) => page(&s, &c, &PeopleQuery::default(), Err(e), None).await,
    }
}

pub async fn revoke_token(
    State(s): State<AppState>,
    Signed(c): Signed,
    Path(id): Path<String>,
) -> PageResult {
    let id: TokenId = id
        .parse()
        .map_err(|_| Failure::not_found(format!("no token {id}")))?;
    s.app.revoke_token(&c.caller(), id).await?;
    page(
        &s,
        &c,
        &PeopleQuery::default(),
        Ok(format!("Token {id} revoked.")),
        None,
    )
    .await
}
