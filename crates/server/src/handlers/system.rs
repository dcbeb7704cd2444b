//! Liveness, metrics, the front page and the 404 for unknown paths.

use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

/// Liveness: 200 `ok` when the database answers (no token needed).
#[utoipa::path(get, path = "/healthz", tag = "system", security(()),
    responses((status = 200, description = "The server and its database answer", body = String, content_type = "text/plain"),
        (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn healthz(State(s): State<AppState>) -> Result<&'static str, AppError> {
    s.store.ping().await.map_err(|e| {
        tracing::error!(error = %e, "health check: the database does not answer");
        AppError::Unavailable("the database does not answer".into())
    })?;
    Ok("ok")
}

/// Prometheus metrics in the text exposition format (no token needed: every value is a count
/// or a duration of the server's own work, never a customer's data; see the README to keep it
/// on a private network).
#[utoipa::path(get, path = "/metrics", tag = "system", security(()),
    responses((status = 200, description = "The metrics, each with its HELP and TYPE", body = String, content_type = "text/plain")))]
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    crate::metrics::observe(&s.store).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
}

/// The routes outside `/api/v1` that the API document describes too: liveness, metrics and
/// the Segment-compatible intake with its write-key scheme.
pub fn outside_api() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
    #[derive(OpenApi)]
    #[openapi(paths(healthz, metrics))]
    struct SystemDoc;
    let mut doc = SystemDoc::openapi().merge_from(crate::intake::IntakeDoc::openapi());
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "write_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("An ingest token as the username, the password empty"))
                    .build(),
            ),
        );
    doc
}

/// No route: the API's clients (and the intake's) get a problem document, a person in a browser
/// an HTML page with the way home.
pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path();
    if path.starts_with("/api/") || path.starts_with("/v1/") {
        return AppError::NotFound("no such endpoint; the API is under /api/v1/".into())
            .into_response();
    }
    crate::web::Failure::not_found(format!(
        "there is no page at {path}; it may have moved, or the link is mistyped"
    ))
    .into_response()
}
