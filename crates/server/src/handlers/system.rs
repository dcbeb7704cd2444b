//! Liveness, metrics, the front page and the 404 for unknown paths.

use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

/// 200 when the database answers.
pub async fn healthz(State(s): State<AppState>) -> Result<&'static str, AppError> {
    sqlx_ping(&s).await?;
    Ok("ok")
}

async fn sqlx_ping(s: &AppState) -> Result<(), AppError> {
    s.store.users().await.map(|_| ()).map_err(AppError::from)
}

pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
}

/// Until the web UI lands: what this server is and where its API is described.
pub async fn index() -> Html<&'static str> {
    Html(concat!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sherpa</title></head><body>",
        "<h1>Sherpa</h1><p>The customer success platform's REST API is described at ",
        "<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. Authenticate with ",
        "<code>Authorization: Bearer TOKEN</code> (<code>sherpa token create EMAIL --scope api</code>).</p>",
        "</body></html>"
    ))
}

pub async fn not_found() -> AppError {
    AppError::NotFound("no such page or endpoint; the API is under /api/v1/".into())
}
