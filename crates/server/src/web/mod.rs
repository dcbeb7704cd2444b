//! The web UI: server-rendered pages (askama templates, checked at compile time) for the people
//! who work the book every day. Every page and form is in [`routes`], the single list the
//! router is built from and the role-matrix test walks.

mod assets;
mod backtest_chart;
mod chart;
pub mod format;
mod health_chart;
pub(crate) mod listing;
mod nine_box_chart;
mod pages;
mod paging;
mod segments_chart;
pub mod session;
mod staffing_chart;
pub mod throttle;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
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

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> WebRoute {
    WebRoute {
        method,
        path,
        access,
        handler,
    }
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

/// Every route of the UI.
pub fn routes() -> Vec<WebRoute> {
    use Access::*;
    use pages::*;
    let (get_, post_) = (Method::GET, Method::POST);
    vec![
        route(get_.clone(), "/", Signed, get(book::home)),
        route(get_.clone(), "/login", Public, get(login::form)),
        route(post_.clone(), "/login", Public, post(login::submit)),
        route(post_.clone(), "/logout", Public, post(login::logout)),
        route(
            get_.clone(),
            "/unsubscribe/{id}",
            Public,
            get(unsubscribe::form),
        ),
        route(
            post_.clone(),
            "/unsubscribe/{id}",
            Public,
            post(unsubscribe::confirm),
        ),
        route(get_.clone(), "/password", Signed, get(login::password_form)),
        route(
            post_.clone(),
            "/password",
            Signed,
            post(login::change_password),
        ),
        route(get_.clone(), "/book", Signed, get(book::show)),
        route(get_.clone(), "/tasks", Signed, get(tasks::show)),
        route(get_.clone(), "/tasks/team", Signed, get(tasks::team)),
        route(post_.clone(), "/tasks/{id}", Signed, post(tasks::act)),
        route(get_.clone(), "/portfolio", Signed, get(portfolio::show)),
        route(get_.clone(), "/portfolio/health", Signed, get(health::show)),
        route(
            get_.clone(),
            "/portfolio/health/backtest",
            Signed,
            get(backtest::show),
        ),
        route(
            post_.clone(),
            "/portfolio/health/backtest/apply",
            ManageBook,
            post(backtest::apply),
        ),
        route(
            get_.clone(),
            "/portfolio/export",
            Signed,
            get(portfolio::export),
        ),
        route(
            post_.clone(),
            "/portfolio/views",
            Signed,
            post(portfolio::save_view),
        ),
        route(
            post_.clone(),
            "/portfolio/views/{id}/delete",
            Signed,
            post(portfolio::delete_view),
        ),
        route(get_.clone(), "/accounts/{id}", Signed, get(account::show)),
        route(
            post_.clone(),
            "/accounts/{id}/milestones/{key}",
            Signed,
            post(account::engagement::complete),
        ),
        route(
            post_.clone(),
            "/accounts/{id}/contacts/{contact}/emails",
            Signed,
            post(account::engagement::email_consent),
        ),
        route(
            post_.clone(),
            "/accounts/{id}/pulse",
            Signed,
            post(account::health::set_pulse),
        ),
        route(
            post_.clone(),
            "/accounts/{id}/playbooks/{playbook}/close",
            Signed,
            post(account::playbook::close),
        ),
        route(post_.clone(), "/accounts/{id}", Signed, post(account::edit)),
        route(
            post_.clone(),
            "/accounts/{id}/activities",
            Signed,
            post(account::log_activity),
        ),
        route(
            post_.clone(),
            "/accounts/{id}/grade",
            Signed,
            post(account::priority::grade),
        ),
        route(
            post_.clone(),
            "/accounts/{id}/tier",
            Signed,
            post(account::priority::tier),
        ),
        route(get_.clone(), "/team", Signed, get(team::show)),
        route(get_.clone(), "/segments", Signed, get(segments::show)),
        route(
            post_.clone(),
            "/segments/apply",
            ManageBook,
            post(segments::apply),
        ),
        route(
            post_.clone(),
            "/segments/settings",
            ManageBook,
            post(segments::settings),
        ),
        route(
            get_.clone(),
            "/segments/export",
            Signed,
            get(segments::export),
        ),
        route(get_.clone(), "/nine-box", Signed, get(nine_box::show)),
        route(get_.clone(), "/staffing", Signed, get(staffing::show)),
        route(
            get_.clone(),
            "/admin/health",
            ManageBook,
            get(scorecards::show),
        ),
        route(
            post_.clone(),
            "/admin/health",
            ManageBook,
            post(scorecards::save),
        ),
        route(
            get_.clone(),
            "/admin/prioritisation",
            ManageBook,
            get(prioritisation::show),
        ),
        route(
            post_.clone(),
            "/admin/prioritisation",
            ManageBook,
            post(prioritisation::save),
        ),
        route(
            get_.clone(),
            "/reassignments",
            Signed,
            get(reassignments::show),
        ),
        route(
            post_.clone(),
            "/reassignments",
            ManageBook,
            post(reassignments::propose),
        ),
        route(
            post_.clone(),
            "/reassignments/{id}/approve",
            ManageBook,
            post(reassignments::approve),
        ),
        route(
            post_.clone(),
            "/staffing",
            ManageBook,
            post(staffing::set_params),
        ),
        route(get_.clone(), "/calendar", Signed, get(cadence::show)),
        route(post_.clone(), "/calendar", Signed, post(cadence::issue)),
        route(
            post_.clone(),
            "/calendar/revoke",
            Signed,
            post(cadence::revoke),
        ),
        // A calendar cannot sign in: the secret in the address is the key.
        route(
            get_.clone(),
            "/calendar/{file}",
            Public,
            get(crate::calendar_feed::serve_feed),
        ),
        route(
            post_.clone(),
            "/accounts/{id}/nine-box",
            Signed,
            post(nine_box::place),
        ),
        route(get_.clone(), "/audit", Admin, get(audit::show)),
        route(
            get_.clone(),
            "/admin/engagement",
            ManageBook,
            get(models::show),
        ),
        route(
            post_.clone(),
            "/admin/engagement",
            ManageBook,
            post(models::save),
        ),
        route(
            post_.clone(),
            "/admin/engagement/releases",
            ManageBook,
            post(models::release),
        ),
        route(
            get_.clone(),
            "/admin/engagement/preview",
            ManageBook,
            get(outbox::preview),
        ),
        route(
            post_.clone(),
            "/admin/engagement/sends/{id}/retry",
            ManageBook,
            post(outbox::retry),
        ),
        route(get_.clone(), "/admin/users", Admin, get(admin::show)),
        route(post_.clone(), "/admin/users", Admin, post(admin::add_user)),
        route(
            post_.clone(),
            "/admin/users/{id}",
            Admin,
            post(admin::update_user),
        ),
        route(
            post_.clone(),
            "/admin/users/{id}/password",
            Admin,
            post(admin::reset_password),
        ),
        route(
            post_.clone(),
            "/admin/tokens",
            Admin,
            post(admin::create_token),
        ),
        route(
            post_.clone(),
            "/admin/tokens/{id}/revoke",
            Admin,
            post(admin::revoke_token),
        ),
        route(get_.clone(), "/admin/intake", Admin, get(intake::show)),
        route(
            post_.clone(),
            "/admin/intake/retention",
            Admin,
            post(intake::set_retention),
        ),
        route(
            post_.clone(),
            "/admin/features",
            Admin,
            post(intake::set_feature),
        ),
        route(get_.clone(), "/import", ManageBook, get(import::form)),
        route(post_.clone(), "/import", ManageBook, post(import::preview)),
        route(
            post_.clone(),
            "/import/{id}",
            ManageBook,
            post(import::confirm),
        ),
        route(get_, "/assets/{file}", Public, get(assets::serve)),
    ]
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
