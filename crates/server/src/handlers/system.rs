//! Liveness, metrics, the front page and the 404 for unknown paths.

use crate::{AppError, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

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

pub async fn not_found() -> AppError {
    AppError::NotFound("no such page or endpoint; the API is under /api/v1/".into())
}
