//! The one error type at the HTTP boundary: every failure becomes `application/problem+json`
//! (RFC 9457) naming what was wrong. A 500 tells the client nothing internal; the detail is
//! logged once, here.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sherpa_core::import::RowError;
use sherpa_store::StoreError;

#[derive(Debug)]
pub enum AppError {
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    BadRequest {
        field: Option<String>,
        message: String,
    },
    Conflict(String),
    /// The body is over the limit (413).
    TooLarge(String),
    Rows(Vec<RowError>),
    /// Something the server depends on does not answer (503); the message says what.
    Unavailable(String),
    Internal(anyhow::Error),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The field that was wrong, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For bulk upserts: every rejected item with its index and reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ItemError>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemError {
    /// The item's position in the request (0-based).
    pub index: usize,
    pub field: Option<String>,
    pub message: String,
}

impl AppError {
    pub fn bad(field: &str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// For a record named in a request body: not found is a 400 naming the field; any other
    /// failure (the database's) stays what it is.
    pub fn unknown(field: &str, message: &str) -> impl FnOnce(StoreError) -> AppError {
        let (field, message) = (field.to_string(), message.to_string());
        move |e| match e {
            StoreError::NotFound { .. } => AppError::bad(&field, message),
            e => e.into(),
        }
    }

    /// The problem in words for a page: "field: message".
    pub fn describe(&self) -> String {
        match self {
            AppError::BadRequest {
                field: Some(f),
                message,
            } => format!("{f}: {message}"),
            AppError::BadRequest {
                field: None,
                message,
            } => message.clone(),
            AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::TooLarge(m)
            | AppError::Unavailable(m) => m.clone(),
            AppError::Rows(rows) => format!("{} rows are wrong", rows.len()),
            AppError::Internal(_) => "something went wrong on our side".into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => AppError::NotFound(e.to_string()),
            StoreError::Invalid { field, message } => AppError::BadRequest {
                field: Some(field),
                message,
            },
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Rows(rows) => AppError::Rows(rows),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<sherpa_app::Error> for AppError {
    fn from(e: sherpa_app::Error) -> Self {
        use sherpa_app::Error as E;
        match e {
            E::NotFound(m) => AppError::NotFound(m),
            E::Forbidden(m) => AppError::Forbidden(m),
            E::Invalid { field, message } => AppError::BadRequest {
                field: Some(field),
                message,
            },
            E::Conflict(m) => AppError::Conflict(m),
            E::Rows(rows) => AppError::Rows(rows),
            E::Store(e) => AppError::Internal(e.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, detail, field, errors) = match self {
            AppError::Unauthorized(m) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", m, None, vec![])
            }
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m, None, vec![]),
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, "not found", m, None, vec![]),
            AppError::BadRequest { field, message } => (
                StatusCode::BAD_REQUEST,
                "invalid request",
                message,
                field,
                vec![],
            ),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, None, vec![]),
            AppError::TooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload too large",
                m,
                None,
                vec![],
            ),
            AppError::Unavailable(m) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                m,
                None,
                vec![],
            ),
            AppError::Rows(rows) => {
                let detail = format!("{} items rejected; nothing was written", rows.len());
                let errors = rows
                    .into_iter()
                    .map(|r| ItemError {
                        index: r.line,
                        field: r.column,
                        message: r.message,
                    })
                    .collect();
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "rejected items",
                    detail,
                    None,
                    errors,
                )
            }
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error",
                    "something went wrong on our side; it has been logged".into(),
                    None,
                    vec![],
                )
            }
        };
        let body = Problem {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            field,
            errors,
        };
        let mut resp = (status, Json(body)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            "application/problem+json".parse().expect("static header"),
        );
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "Bearer".parse().expect("static header"),
            );
        }
        resp
    }
}

/// Turns any error response that is not already a problem document (axum's own rejections: 405,
/// 413, 415...) into one with the same status, so that clients see one error format.
pub async fn problem_for_every_error(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    // Pages of the web UI answer errors as HTML pages of their own, and the Segment intake
    // as the JSON `{code, message}` Segment clients expect.
    let is_page = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem || is_page {
        return resp;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&bytes).trim().to_string();
    let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
        crate::body_limit::too_large()
    } else if detail.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        detail
    };
    let body = Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("error").to_lowercase(),
        status: status.as_u16(),
        detail,
        field: None,
        errors: vec![],
    };
    let mut out = (status, Json(body)).into_response();
    out.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/problem+json".parse().expect("static header"),
    );
    out
}
