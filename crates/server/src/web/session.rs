//! Sign-in state of the web UI: the session cookie, the signed-in person, and the CSRF check
//! every state-changing form passes.
//!
//! Why not tower-sessions: its SQL stores keep the session id itself in the table and want a
//! typed pool per engine, while Sherpa keeps secrets only as hashes and runs one `Any` pool.
//! The whole mechanism is a cookie, one table and one middleware, so it is written here.

use super::Failure;
use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use sherpa_store::WebSession;
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "sherpa_session";
/// How long a sign-in lasts: a working day and then some.
pub const SESSION_HOURS: i64 = 12;
/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// The session a request carries, put in the request's extensions by [`load_session`].
#[derive(Clone)]
pub struct Current {
    pub session: WebSession,
    pub cookie: String,
}

impl Current {
    /// The signed-in person as the caller of a use case.
    pub fn caller(&self) -> sherpa_app::Caller {
        sherpa_app::Caller::new(self.session.user.clone(), sherpa_app::Door::Web)
    }
}

/// A signed-in person. Pages that take it send anonymous visitors to the sign-in page.
pub struct Signed(pub Current);

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<Current>() {
            Some(c) => Ok(Signed(c.clone())),
            None => Err(to_login(parts.uri.path_and_query().map(|p| p.as_str()))),
        }
    }
}

/// A redirect to the sign-in page that comes back here afterwards.
pub fn to_login(next: Option<&str>) -> Response {
    let target = match next {
        Some(n) if n != "/" => format!("/login?next={}", super::format::url_encode(n)),
        _ => "/login".to_string(),
    };
    Redirect::to(&target).into_response()
}

pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_string())
}

/// The Set-Cookie header for a new session (or, with `None`, one that clears it).
pub fn session_cookie(value: Option<&str>, reached: crate::forwarded::Reached) -> String {
    let mut c = Cookie::build((COOKIE, value.unwrap_or("").to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(reached.tls);
    c = match value {
        Some(_) => c.max_age(cookie::time::Duration::hours(SESSION_HOURS)),
        None => c.max_age(cookie::time::Duration::ZERO),
    };
    c.build().to_string()
}

/// Loads the session named by the cookie and, for every state-changing request of a signed-in
/// person, checks the form's CSRF token before the handler runs.
pub async fn load_session(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let current = match cookie_value(&parts.headers) {
        Some(cookie) => match s.store.session(&cookie).await {
            Ok(Some(session)) => Some(Current { session, cookie }),
            Ok(None) => None,
            Err(e) => return Failure::from(e).into_response(),
        },
        None => None,
    };
    let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if changes_state {
        if !same_origin(&parts.headers) {
            return Failure::forbidden("this form was sent from another site").into_response();
        }
        if let Some(c) = &current {
            let bytes = match axum::body::to_bytes(body, crate::body_limit::MAX_BODY).await {
                Ok(b) => b,
                Err(_) => {
                    return Failure::new(
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        crate::body_limit::too_large(),
                    )
                    .into_response();
                }
            };
            let sent = form_csrf(&parts, &bytes).await;
            let ok = sent
                .as_deref()
                .is_some_and(|t| bool::from(t.as_bytes().ct_eq(c.session.csrf.as_bytes())));
            if !ok {
                return Failure::forbidden(
                    "the form's security token is missing or stale; reload the page and try again",
                )
                .into_response();
            }
            body = Body::from(bytes);
        }
    }
    if let Some(c) = current {
        parts.extensions.insert(c);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// A browser sends Origin on every POST; when it names another host, the form came from
/// another site (SameSite=Lax already keeps our cookie off such requests; this is the second
/// lock, and the only one on the sign-in form).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split("://").nth(1).unwrap_or(origin);
    origin == "null" && host.is_none() || host.is_some_and(|h| h.eq_ignore_ascii_case(origin_host))
}

/// The CSRF field of a URL-encoded or multipart form.
async fn form_csrf(parts: &Parts, bytes: &axum::body::Bytes) -> Option<String> {
    let kind = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if kind.starts_with("application/x-www-form-urlencoded") {
        return form_urlencoded_field(bytes, CSRF_FIELD);
    }
    if kind.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(kind).ok()?;
        let stream =
            futures::stream::once(std::future::ready(Ok::<_, std::io::Error>(bytes.clone())));
        let mut m = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = m.next_field().await {
            if field.name() == Some(CSRF_FIELD) {
                return field.text().await.ok();
            }
        }
    }
    None
}

fn form_urlencoded_field(bytes: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}
