//! The web UI: server-rendered pages (askama templates, checked at compile time) for the people
//! who work the book every day. Every page and form is in [`routes`], the single list the
//! router is built from and the role-matrix test walks.

pub(super) mod assets;
mod backtest_chart;
mod chart;
pub mod format;
mod health_chart;
mod home_chart;
pub(crate) mod listing;
mod nine_box_chart;
mod pages;
mod paging;
mod plans_chart;
mod revenue_chart;
mod routes;

pub use routes::routes;
mod segments_chart;
pub mod session;
pub(crate) mod sorting;
mod staffing_chart;
pub mod throttle;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::MethodRouter;
use sherpa_core::{Denied, Role, User};
use sherpa_store::StoreError;

/// Who may reach a route at all. Rules that depend on the record (a CSM edits only accounts
/// they own) are checked by the handler, after this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    Signed,
    /// Leaders and admins: imports and customer success configuration.
    ManageBook,
    /// Admins: users, tokens, the audit log, system settings.
    Admin,
}

/// One page or form of the UI.
pub struct WebRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: MethodRouter<AppState>,
}

/// What a form's redirect tells the page it lands on: saved, or the problem.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Outcome {
    pub saved: String,
    pub problem: String,
}

/// A table as a CSV or Excel download named `sherpa-{name}-{day}.{csv|xlsx}`.
pub fn download(
    table: &sherpa_core::export::Table,
    format: &str,
    name: &str,
    day: chrono::NaiveDate,
) -> Result<Response, Failure> {
    let (bytes, kind, ext) = match format {
        "csv" => (table.to_csv(), "text/csv; charset=utf-8", "csv"),
        "xlsx" => (
            table.to_xlsx(name).map_err(Failure::bad)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(Failure::bad(format!(
                "format: \"{other}\" is not an export format; expected csv or xlsx"
            )));
        }
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"sherpa-{}-{}.{ext}\"",
                    name.to_lowercase(),
                    day.format("%Y-%m-%d")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Refuses a request its route's [`Access`] does not allow, before any form is read.
async fn guard(
    access: Access,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if access == Access::Public {
        return next.run(req).await;
    }
    let Some(current) = req.extensions().get::<session::Current>() else {
        return session::to_login(req.uri().path_and_query().map(|p| p.as_str()));
    };
    let user = &current.session.user;
    let allowed = match access {
        Access::Public | Access::Signed => Ok(()),
        Access::ManageBook => user.may_manage_book(),
        Access::Admin => user.may_administer(),
    };
    match allowed {
        Ok(()) => next.run(req).await,
        Err(d) => Failure::from(d).into_response(),
    }
}

/// The UI's router, with sessions loaded and CSRF checked for every route.
pub fn router(state: AppState) -> Router<AppState> {
    let mut r = Router::new();
    for route in routes() {
        let access = route.access;
        let handler = route
            .handler
            .route_layer(axum::middleware::from_fn(move |req, next| {
                guard(access, req, next)
            }));
        r = r.route(route.path, handler);
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

    /// Whether the page belongs to a group of the bar's sections (its menu is marked).
    pub fn in_group(&self, group: &str) -> bool {
        let sections: &[&str] = match group {
            "work" => &["today", "book", "tasks", "calendar", "password"],
            "accounts" => &["overview", "portfolio", "segments", "nine-box"],
            "value" => &["patterns", "effectiveness", "adoption"],
            "revenue" => &["renewals", "revenue", "forecast"],
            "team" => &["team", "staffing", "reassignments"],
            "configure" => &[
                "scorecards",
                "models",
                "templates",
                "prioritisation",
                "effectiveness-models",
                "features",
                "import",
            ],
            "admin" => &["system", "users", "audit", "intake"],
            _ => &[],
        };
        sections.contains(&self.here)
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

/// Renders a page template answered with `status`: a form shown again after a refusal (400).
pub fn render_status(t: &impl Template, status: axum::http::StatusCode) -> Response {
    let mut resp = render(t);
    *resp.status_mut() = status;
    resp
}

/// A form field's refusal, shown beside the field: the message, and the configuration key it
/// concerns (the same key the API and `sherpa config import` name).
#[derive(Debug, Clone)]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

impl FieldError {
    /// A use case's refusal of a value, to show beside its field; any other failure fails the
    /// page.
    pub fn of(e: sherpa_app::Error) -> Result<FieldError, Failure> {
        match e {
            sherpa_app::Error::Invalid { field, message } => Ok(FieldError {
                key: field,
                message,
            }),
            e => Err(e.into()),
        }
    }
}

/// A posted form whose fields may repeat: the rows ticked in a list.
pub struct Ticked(Vec<(String, String)>);

impl Ticked {
    pub fn read(body: &[u8]) -> Result<Ticked, Failure> {
        serde_urlencoded::from_bytes(body)
            .map(Ticked)
            .map_err(|e| Failure::bad_request(e.to_string()))
    }

    /// A field's value; empty when absent.
    pub fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of a repeated field, as ids; one that is not refuses the form by name.
    pub fn ids<T: std::str::FromStr>(&self, k: &str) -> Result<Vec<T>, Failure> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| {
                v.parse()
                    .map_err(|_| Failure::bad_request(format!("no {k} {v}")))
            })
            .collect()
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

    pub fn bad_request(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::BAD_REQUEST, message)
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

impl From<sherpa_app::Error> for Failure {
    fn from(e: sherpa_app::Error) -> Self {
        use sherpa_app::Error as E;
        match e {
            E::NotFound(m) => Failure::not_found(m),
            E::Forbidden(m) => Failure::forbidden(m),
            E::Invalid { .. } | E::Conflict(_) | E::Rows(_) => Failure::bad(e.to_string()),
            E::Store(e) => Failure::internal(e.to_string()),
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
