//! Users and API tokens (admins): add people, change their role, function and manager,
//! deactivate them, reset passwords, create and revoke tokens. A new token's secret is shown
//! once, on the page that created it.

use crate::AppState;
use crate::web::paging::{Page, PeopleQuery};
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
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
    users: Page<User>,
    /// Managers' emails, for the manager fields of the page's people.
    manager_emails: HashMap<UserId, String>,
    tokens: Vec<TokenLine>,
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
}

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
    let users = pq.page(
        everyone.into_iter().filter(|u| pq.matches(u)).collect(),
        PER_PAGE,
    );
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
    let ok = outcome.is_ok();
    let message = match outcome {
        Ok(m) | Err(m) => Some(m).filter(|m| !m.is_empty()),
    };
    let mut resp = render(&UsersPage {
        nav: Nav::new(c, "users"),
        q: pq.q.clone(),
        users,
        manager_emails,
        tokens,
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

/// A store refusal, as the message the form shows.
fn text(e: sherpa_store::StoreError) -> String {
    e.to_string()
}

fn actor(c: &Current) -> Actor {
    Actor::user(c.session.user.id, "web")
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
async fn target(s: &AppState, id: &str) -> Result<User, Failure> {
    let id: UserId = id
        .parse()
        .map_err(|_| Failure::not_found(format!("no user {id}")))?;
    Ok(s.store.user(id).await?)
}

/// The team member a form's `field` names by email or full name (none when blank).
async fn named_person(s: &AppState, field: &str, raw: &str) -> Result<Option<User>, String> {
    let Some(person) = PersonRef::from_text(raw).map_err(|e| format!("{field}: {e}"))? else {
        return Ok(None);
    };
    let id = s.store.find_person(&person).await.map_err(|e| match e {
        sherpa_store::StoreError::Invalid { message, .. } => format!("{field}: {message}"),
        other => other.to_string(),
    })?;
    s.store.user(id).await.map(Some).map_err(text)
}

async fn manager_email(s: &AppState, raw: &str) -> Result<Option<Email>, String> {
    Ok(named_person(s, "manager", raw).await?.map(|m| m.email))
}

pub async fn add_user(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<NewUser>,
) -> PageResult {
    let outcome = async {
        let email = Email::parse(&f.email).map_err(|e| format!("email: {e}"))?;
        if s.store.user_by_email(&email).await.map_err(text)?.is_some() {
            return Err(format!("email: {email} is already a team member"));
        }
        let input = UserInput {
            email,
            name: required_text("name", &f.name, 200).map_err(|e| e.0)?,
            function: f.function.parse().map_err(|e| format!("function: {e}"))?,
            role: f.role.parse().map_err(|e| format!("role: {e}"))?,
            manager_email: manager_email(&s, &f.manager).await?,
            active: true,
        };
        let hash = crate::password::hash(&f.password).map_err(|e| format!("password: {e}"))?;
        let u = s
            .store
            .upsert_user(&actor(&c), &input, Some(&hash))
            .await
            .map_err(text)?;
        Ok::<_, String>(format!("{} <{}> added as a {}.", u.name, u.email, u.role))
    }
    .await;
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
    let user = target(&s, &id).await?;
    let id = user.id;
    let outcome = async {
        let active = f.active == "yes";
        if id == c.session.user.id && !active {
            return Err("you cannot deactivate yourself; ask another admin".to_string());
        }
        let manager = manager_email(&s, &f.manager).await?;
        if manager.as_ref() == Some(&user.email) {
            return Err("manager: a person cannot manage themselves".to_string());
        }
        let input = UserInput {
            email: user.email.clone(),
            name: user.name.clone(),
            function: f.function.parse().map_err(|e| format!("function: {e}"))?,
            role: f.role.parse().map_err(|e| format!("role: {e}"))?,
            manager_email: manager,
            active,
        };
        let u = s
            .store
            .upsert_user(&actor(&c), &input, None)
            .await
            .map_err(text)?;
        if !u.active {
            s.store.close_sessions_of(u.id, None).await.map_err(text)?;
        }
        Ok::<_, String>(format!(
            "{} saved{}.",
            u.name,
            if u.active {
                ""
            } else {
                " and signed out (inactive)"
            }
        ))
    }
    .await;
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
    let user = target(&s, &id).await?;
    let id = user.id;
    let outcome = match crate::password::hash(&f.password) {
        Err(e) => Err(format!("password: {e}")),
        Ok(hash) => {
            s.store.set_password_hash(&actor(&c), id, &hash).await?;
            s.store.close_sessions_of(id, None).await?;
            Ok(format!(
                "{}'s password is reset; they are signed out everywhere.",
                user.name
            ))
        }
    };
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
    let made = async {
        let owner = named_person(&s, "acts as", &f.user)
            .await?
            .ok_or("acts as: name the team member the token acts as")?;
        let user = owner.id;
        let scope: TokenScope = f
            .scope
            .parse()
            .map_err(|e: Invalid| format!("scope: {e}"))?;
        let name = required_text("token name", &f.name, 100).map_err(|e| e.0)?;
        let t = s
            .store
            .create_token(&actor(&c), user, scope, &name)
            .await
            .map_err(text)?;
        Ok::<_, String>((
            format!(
                "Token \"{name}\" created for {}. Copy it now: it is not shown again.",
                owner.name
            ),
            t.secret,
        ))
    }
    .await;
    match made {
        Ok((message, secret)) => {
            page(&s, &c, &PeopleQuery::default(), Ok(message), Some(secret)).await
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
    s.store.revoke_token(&actor(&c), id).await?;
    page(
        &s,
        &c,
        &PeopleQuery::default(),
        Ok(format!("Token {id} revoked.")),
        None,
    )
    .await
}
