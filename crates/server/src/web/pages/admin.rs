//! Users and API tokens (admins): add people, change their role, function and manager,
//! deactivate them, reset passwords, create and revoke tokens. A new token's secret is shown
//! once, on the page that created it.

use crate::AppState;
use crate::web::session::{Current, Signed};
use crate::web::{Failure, Nav, PageResult, format, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
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
    users: Vec<User>,
    tokens: Vec<TokenLine>,
    roles: &'static [Role],
    functions: &'static [Function],
    message: Option<String>,
    ok: bool,
    /// A token secret just created: shown once.
    secret: Option<String>,
}

async fn page(
    s: &AppState,
    c: &Current,
    outcome: Result<String, String>,
    secret: Option<String>,
) -> PageResult {
    let users = s.store.users().await?;
    let names: HashMap<UserId, String> = users.iter().map(|u| (u.id, u.name.clone())).collect();
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
        users,
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

pub async fn show(State(s): State<AppState>, Signed(c): Signed) -> PageResult {
    page(&s, &c, Ok(String::new()), None).await
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

async fn manager_email(s: &AppState, raw: &str) -> Result<Option<Email>, String> {
    match raw.trim() {
        "" => Ok(None),
        id => {
            let id: UserId = id.parse().map_err(|e: Invalid| format!("manager: {e}"))?;
            let m = s
                .store
                .user(id)
                .await
                .map_err(|e| format!("manager: {e}"))?;
            Ok(Some(m.email))
        }
    }
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
    page(&s, &c, outcome, None).await
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
    let id: UserId = id
        .parse()
        .map_err(|_| Failure::not_found(format!("no user {id}")))?;
    let user = s.store.user(id).await?;
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
    page(&s, &c, outcome, None).await
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
    let id: UserId = id
        .parse()
        .map_err(|_| Failure::not_found(format!("no user {id}")))?;
    let user = s.store.user(id).await?;
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
    page(&s, &c, outcome, None).await
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
        let user: UserId = f.user.parse().map_err(|e: Invalid| format!("user: {e}"))?;
        let owner = s.store.user(user).await.map_err(|e| format!("user: {e}"))?;
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
        Ok((message, secret)) => page(&s, &c, Ok(message), Some(secret)).await,
        Err(e) => page(&s, &c, Err(e), None).await,
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
    page(&s, &c, Ok(format!("Token {id} revoked.")), None).await
}
