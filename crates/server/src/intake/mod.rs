//! The Segment-compatible intake: `POST /v1/identify|track|page|screen|group|alias|batch` (and
//! `/v1/import`, `/v1/b`, older names of batch). An ingest token is the write key, as the HTTP
//! Basic username or `writeKey` in the body. Answers 200 `{"success": true}` once every valid
//! message is committed; 400 `{code, message}` naming what was wrong (the valid messages of a
//! mixed batch are kept: Segment clients never retry a 4xx); 401/403 for a missing or wrong key;
//! 429 with Retry-After when the writer is behind.

mod writer;

pub use writer::Writer;

use crate::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use serde_json::json;
use sherpa_core::TokenScope;
use sherpa_core::intake::{MAX_REQUEST_BYTES, MessageKind, Rejection, parse_request};
use std::io::Read;
use writer::NotStored;

/// The intake's paths; `{kind}` is a message type, or batch, import or b.
pub const INTAKE_ROUTE: &str = "/v1/{kind}";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(INTAKE_ROUTE, post(receive))
}

/// What the intake answers: `success`, and on failure a `code` and a `message` naming what was
/// wrong (a batch's answer also lists the `rejected` messages by index).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IntakeAnswer {
    pub success: bool,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// The intake's part of the API document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(receive), components(schemas(IntakeAnswer)))]
pub struct IntakeDoc;

fn answer(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"success": false, "code": code, "message": message.into()})),
    )
        .into_response()
}

/// The body, inflated when gzip-encoded, never beyond the request limit: a small gzip bomb is
/// refused after reading one byte past the limit, not inflated.
fn body_bytes(headers: &HeaderMap, raw: &Bytes) -> Result<Vec<u8>, (&'static str, String)> {
    let too_large = || {
        (
            "request_too_large",
            format!(
                "the request is over {MAX_REQUEST_BYTES} bytes (after decompression); send smaller batches"
            ),
        )
    };
    let gzip = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    if !gzip {
        if raw.len() > MAX_REQUEST_BYTES {
            return Err(too_large());
        }
        return Ok(raw.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw.as_ref())
        .take(MAX_REQUEST_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            (
                "invalid_gzip",
                format!("the body says gzip but does not inflate: {e}"),
            )
        })?;
    if out.len() > MAX_REQUEST_BYTES {
        return Err(too_large());
    }
    Ok(out)
}

/// The write key of HTTP Basic auth (the username; the password is empty), or a Bearer token.
fn basic_key(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(token) = v.strip_prefix("Bearer ") {
        return Some(token.trim().to_string()).filter(|t| !t.is_empty());
    }
    let encoded = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let key = text.split(':').next().unwrap_or("").trim().to_string();
    (!key.is_empty()).then_some(key)
}

/// A Segment message (identify, track, page, screen, group or alias), or a batch of them as
/// `{"batch": [...]}` (kind batch, import or b). The write key is an ingest token, sent as the
/// HTTP Basic username (password empty) or as `writeKey` in the body; gzip bodies are taken.
#[utoipa::path(post, path = "/v1/{kind}", tag = "intake", security(("write_key" = [])),
    params(("kind" = String, Path, description = "identify, track, page, screen, group, alias, batch, import or b")),
    request_body(content = Object, description = "A Segment message, or `{\"batch\": [...]}`", content_type = "application/json"),
    responses(
        (status = 200, description = "Every valid message is stored: `{\"success\": true}`", body = IntakeAnswer),
        (status = 400, description = "A message or the body is not valid; the valid messages of a batch were stored", body = IntakeAnswer),
        (status = 401, description = "No write key, or an unknown or revoked one", body = IntakeAnswer),
        (status = 403, description = "The token is not an ingest token", body = IntakeAnswer),
        (status = 404, description = "No such message kind", body = IntakeAnswer),
        (status = 413, description = "The body is over the request limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "The writer is behind: retry after the Retry-After seconds", body = IntakeAnswer),
        (status = 503, description = "Nothing was stored: retry later", body = IntakeAnswer)))]
async fn receive(
    State(s): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let kind = match kind.as_str() {
        "batch" | "import" | "b" => None,
        k => match MessageKind::parse(k) {
            Some(k) => Some(k),
            None => {
                return answer(
                    StatusCode::NOT_FOUND,
                    "unknown_endpoint",
                    format!(
                        "/v1/{k} is not an endpoint; use identify, track, page, screen, group, alias or batch"
                    ),
                );
            }
        },
    };
    let received_at = s.store.clock().now();
    let body = match body_bytes(&headers, &raw) {
        Ok(b) => b,
        Err((code, message)) => return answer(StatusCode::BAD_REQUEST, code, message),
    };
    let parsed = parse_request(kind, &body, received_at);
    // The key: Basic auth first, else the body's writeKey (a body too broken to read has none).
    let key =
        basic_key(&headers).or_else(|| parsed.as_ref().ok().and_then(|r| r.write_key.clone()));
    let Some(key) = key else {
        return answer(
            StatusCode::UNAUTHORIZED,
            "missing_write_key",
            "send an ingest token as the HTTP Basic username, or as \"writeKey\" in the body",
        );
    };
    match s.store.authenticate_token(&key).await {
        Ok(Some(p)) if p.scope == TokenScope::Ingest => {}
        Ok(Some(_)) => {
            return answer(
                StatusCode::FORBIDDEN,
                "not_an_ingest_token",
                "an API token cannot send events; create one with --scope ingest",
            );
        }
        Ok(None) => {
            return answer(
                StatusCode::UNAUTHORIZED,
                "invalid_write_key",
                "the write key is unknown or revoked",
            );
        }
        Err(e) => return crate::AppError::from(e).into_response(),
    }
    let request = match parsed {
        Ok(r) => r,
        Err(rejection) => {
            record(&s, vec![(rejection.clone(), sample(&body))]).await;
            return answer(StatusCode::BAD_REQUEST, rejection.code, rejection.message);
        }
    };
    let total = request.messages.len();
    let batch = kind.is_none();
    let mut valid = Vec::with_capacity(total);
    let mut valid_at = Vec::with_capacity(total);
    let mut rejected: Vec<Rejection> = Vec::new();
    for (i, m) in request.messages.into_iter().enumerate() {
        match m {
            Ok(m) => {
                valid.push(m);
                valid_at.push(i);
            }
            Err(r) => rejected.push(r),
        }
    }
    let mut kept = valid.len();
    if !valid.is_empty() {
        match s.intake.store(valid, received_at).await {
            Ok(stored) => {
                kept -= stored.refused.len();
                rejected.extend(stored.refused.into_iter().map(|p| {
                    Rejection {
                        index: batch.then_some(valid_at[p]),
                        code: "not_stored",
                        message: "the database refused this message's content (the server log \
                              says why); the other messages were stored"
                            .into(),
                    }
                }));
                rejected.sort_by_key(|r| r.index);
            }
            Err(NotStored::Busy) => {
                metrics::counter!("sherpa_intake_throttled_total").increment(1);
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "1")],
                    Json(json!({"success": false, "code": "busy", "message": "the server is catching up; retry in a second"})),
                )
                    .into_response();
            }
            Err(NotStored::Failed(e)) => {
                // The database's words are for the log; the client learns only to retry.
                tracing::error!(error = %e, "intake batch not stored");
                return answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not_stored",
                    "the messages could not be stored; retry later".to_string(),
                );
            }
        }
    }
    if rejected.is_empty() {
        return Json(json!({"success": true})).into_response();
    }
    let samples = rejected
        .iter()
        .map(|r| (r.clone(), sample(&body)))
        .collect();
    record(&s, samples).await;
    let first = &rejected[0];
    let message = if total == 1 {
        first.message.clone()
    } else {
        format!(
            "{} of {total} messages rejected (the other {kept} were stored); first: message {}: {}",
            rejected.len(),
            first.index.unwrap_or(0),
            first.message
        )
    };
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "success": false,
            "code": if total == 1 { first.code } else { "invalid_messages" },
            "message": message,
            "rejected": rejected,
        })),
    )
        .into_response()
}

/// The start of a refused body, for the admin's log (a raw NUL byte shown escaped: the log is
/// text, which holds none).
fn sample(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).replace('\0', "\\u0000")
}

async fn record(s: &AppState, rejected: Vec<(Rejection, String)>) {
    metrics::counter!("sherpa_intake_messages_total", "outcome" => "rejected")
        .increment(rejected.len() as u64);
    if let Err(e) = s.store.record_rejections(&rejected).await {
        tracing::warn!(error = %e, "could not log rejected messages");
    }
}
