//! The web UI: server-rendered pages (askama templates, checked at compile time) for the people
//! who work the book every day. Every page and form is in [`routes`], the single list the
//! router is built from and the role-matrix test walks.

mod assets;
mod chart;
pub mod format;
mod listing;
mod pages;
pub mod session;
pub mod throttle;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use sherpa_core::{Denied, Role, User};
use sherpa_store::StoreError;

/// One page or form of the UI.
pub struct WebRoute {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

fn route(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> WebRoute {
    WebRoute {
        method,
        path,
        handler,
    }
}

/// Every route of the UI.
pub fn routes() -> Vec<WebRoute> {
    use pages::*;
    vec![
        route(Method::GET, "/", get(book::home)),
        route(Method::GET, "/login", get(login::form)),
        route(Method::POST, "/login", post(login::submit)),
        route(Method::POST, "/logout", post(login::logout)),
        route(Method::GET, "/password", get(login::password_form)),
        route(Method::POST, "/password", post(login::change_password)),
        route(Method::GET, "/book", get(book::show)),
        route(Method::GET, "/portfolio", get(portfolio::show)),
        route(Method::GET, "/portfolio/export", get(portfolio::export)),
        route(Method::POST, "/portfolio/views", post(portfolio::save_view)),
        route(
            Method::POST,
            "/portfolio/views/{id}/delete",
            post(portfolio::delete_view),
        ),
        route(Method::GET, "/accounts/{id}", get(account::show)),
        route(Method::POST, "/accounts/{id}", post(account::edit)),
        route(
            Method::POST,
            "/accounts/{id}/activities",
            post(account::log_activity),
        ),
        route(Method::GET, "/team", get(team::show)),
        route(Method::GET, "/audit", get(audit::show)),
        route(Method::GET, "/admin/users", get(admin::show)),
        route(Method::POST, "/admin/users", post(admin::add_user)),
        route(Method::POST, "/admin/users/{id}", post(admin::update_user)),
        route(
            Method::POST,
            "/admin/users/{id}/password",
            post(admin::reset_password),
        ),
        route(Method::POST, "/admin/tokens", post(admin::create_token)),
        route(
            Method::POST,
            "/admin/tokens/{id}/revoke",
            post(admin::revoke_token),
        ),
        route(Method::GET, "/import", get(import::form)),
        route(Method::POST, "/import", post(import::preview)),
        route(Method::POST, "/import/{id}", post(import::confirm)),
        route(Method::GET, "/assets/{file}", get(assets::serve)),
    ]
}

/// The UI's router, with sessions loaded and CSRF checked for every route.
pub fn router(state: AppState) -> Router<AppState> {
    let mut r = Router::new();
    for route in routes() {
        r = r.route(route.path, route.handler);
    }
    r.layer(axum::middleware::from_fn_with_state(
        state,
        session::load_session,
    ))
}

/// What the navigation bar needs on every page.
pub struct Nav {
    pub user_name: String,
    pub role: Role,
    pub csrf: String,
    /// The section the page belongs to, to mark it in the bar.
    pub here: &'static str,
}

impl Nav {
    pub fn new(s: &session::Current, here: &'static str) -> Self {
        Nav {
            user_name: s.session.user.name.clone(),
            role: s.session.user.role,
            csrf: s.session.csrf.clone(),
            here,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn manages(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Leader)
    }

    /// `aria-current` for the bar's link to `section`.
    pub fn current(&self, section: &str) -> &'static str {
        if self.here == section {
            "page"
        } else {
            "false"
        }
    }
}

/// Renders a page template.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => Failure::internal(e.to_string()).into_response(),
    }
}

/// A page that could not be shown, as an HTML page that says why.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl Failure {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::FORBIDDEN, message)
    }

    pub fn bad(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::NOT_FOUND, message)
    }

    fn internal(detail: String) -> Self {
        tracing::error!(error = %detail, "page failed");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on our side; the error is in the server log",
        )
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Failure::not_found(e.to_string()),
            StoreError::Invalid { .. } | StoreError::Conflict(_) => Failure::bad(e.to_string()),
            other => Failure::internal(other.to_string()),
        }
    }
}

impl From<Denied> for Failure {
    fn from(d: Denied) -> Self {
        Failure::forbidden(d.0)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            title: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
        };
        // Rendering this page cannot fail on its plain fields; the message alone is the fallback.
        let html = page.render().unwrap_or_else(|_| self.message.clone());
        (self.status, Html(html)).into_response()
    }
}

pub type PageResult = Result<Response, Failure>;

/// The signed-in person's user record.
pub fn me(s: &session::Current) -> &User {
    &s.session.user
}
