//! Signing in and out, and changing one's own password.

use crate::AppState;
use crate::forwarded::Reached;
use crate::web::session::{self, Current, Signed};
use crate::web::throttle::Throttled;
use crate::web::{Nav, PageResult, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sherpa_core::Email;
use std::time::Instant;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    email: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only a path on this site may follow a sign-in (never another site: no open redirect). The
/// target is resolved as a browser resolves it (URL parsing drops tabs and newlines anywhere and
/// reads `\\` as `/`, so `/\t/evil.example` is `//evil.example`, another host) and kept only
/// when it stays on this origin; what is kept is the resolved path, not the text given.
fn safe_next(next: Option<&str>) -> String {
    let base = url::Url::parse("http://sherpa.invalid/").expect("a fixed base");
    let resolved = next
        .filter(|n| n.starts_with('/'))
        .and_then(|n| base.join(n).ok())
        .filter(|u| u.origin() == base.origin());
    match resolved {
        Some(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        None => "/".into(),
    }
}

pub async fn form(Query(q): Query<NextQuery>) -> Response {
    render(&LoginPage {
        error: None,
        email: String::new(),
        next: safe_next(q.next.as_deref()),
    })
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(s): State<AppState>,
    reached: Reached,
    Form(c): Form<Credentials>,
) -> PageResult {
    let next = safe_next(c.next.as_deref());
    let address = reached.client_text();
    let refuse = |status: StatusCode, message: String| {
        let mut resp = render(&LoginPage {
            error: Some(message),
            email: c.email.clone(),
            next: next.clone(),
        });
        *resp.status_mut() = status;
        resp
    };
    let now = Instant::now();
    if let Err(Throttled {
        message,
        retry_after,
    }) = s.throttle.begin(&c.email, &address, now)
    {
        let mut resp = refuse(StatusCode::TOO_MANY_REQUESTS, message);
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            retry_after
                .as_secs()
                .max(1)
                .to_string()
                .parse()
                .expect("digits"),
        );
        return Ok(resp);
    }
    let known = match Email::parse(&c.email) {
        Ok(email) => s.store.password_hash(&email).await?,
        Err(_) => None,
    };
    // Verify even for an unknown email, so timing does not reveal who has an account.
    let (user, hash) = match known {
        Some((u, h)) => (Some(u), h),
        None => (None, sherpa_app::password::decoy_hash().to_string()),
    };
    let password = c.password.clone();
    let verified =
        tokio::task::spawn_blocking(move || sherpa_app::password::verify(&password, &hash))
            .await
            .unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "The email or password is not right.".into(),
        ));
    };
    s.throttle.succeeded(&c.email, &address, now);
    let opened = s
        .store
        .open_session(user, chrono::Duration::hours(session::SESSION_HOURS))
        .await?;
    tracing::info!(user = %user, "signed in");
    Ok((
        [(
            header::SET_COOKIE,
            session::session_cookie(Some(&opened.cookie), reached),
        )],
        Redirect::to(&next),
    )
        .into_response())
}

pub async fn logout(State(s): State<AppState>, reached: Reached, headers: HeaderMap) -> PageResult {
    if let Some(cookie) = session::cookie_value(&headers) {
        s.store.close_session(&cookie).await?;
    }
    Ok((
        [(header::SET_COOKIE, session::session_cookie(None, reached))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    message: Option<String>,
    ok: bool,
}

pub async fn password_form(Signed(c): Signed) -> Response {
    render(&PasswordPage {
        nav: Nav::new(&c, "password"),
        message: None,
        ok: false,
    })
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    State(s): State<AppState>,
    Signed(c): Signed,
    Form(f): Form<PasswordChange>,
) -> PageResult {
    let page = |c: &Current, status: StatusCode, ok: bool, message: &str| {
        let mut resp = render(&PasswordPage {
            nav: Nav::new(c, "password"),
            message: Some(message.into()),
            ok,
        });
        *resp.status_mut() = status;
        resp
    };
    if f.new != f.repeat {
        return Ok(page(
            &c,
            StatusCode::BAD_REQUEST,
            false,
            "The two new passwords differ.",
        ));
    }
    let changed = s
        .app
        .change_own_password(&c.caller(), f.current, f.new, Some(&c.cookie))
        .await;
    let text = match changed {
        Ok(()) => return Ok(page(&c, StatusCode::OK, true, "Your password is changed.")),
        Err(sherpa_app::Error::Invalid { field, .. }) if field == "current" => {
            "The current password is not right.".to_string()
        }
        Err(e) => super::problem(e)?,
    };
    Ok(page(&c, StatusCode::BAD_REQUEST, false, &text))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_on_this_site_follows_a_sign_in() {
        for (given, kept) in [
            ("/accounts/7?tab=health", "/accounts/7?tab=health"),
            ("/portfolio", "/portfolio"),
            // Tabs and newlines vanish and backslashes turn to slashes in a browser: another host.
            ("/\t/evil.example", "/"),
            ("/\n/evil.example", "/"),
            ("/\\evil.example", "/"),
            ("//evil.example", "/"),
            ("https://evil.example/", "/"),
            ("javascript:alert(1)", "/"),
            ("", "/"),
        ] {
            assert_eq!(safe_next(Some(given)), kept, "{given:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
