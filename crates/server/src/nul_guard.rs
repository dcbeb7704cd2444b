//! The NUL rule at the API's and the pages' doors: an address, a query parameter or a JSON or
//! form body holding a NUL character is refused with 400 naming the field, before any handler
//! runs, on both engines alike (see `sherpa_core::nul`). The Segment intake applies the rule
//! per message instead, so that one bad message does not refuse its batch.

use crate::body_limit::{MAX_BODY, too_large};
use crate::{AppError, web::Failure};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sherpa_core::nul::{REFUSED, first_with_nul, json_has_nul, nul_path};

pub async fn refuse(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let refused = |field: String, status: StatusCode, message: String| -> Response {
        if api {
            match status {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(message).into_response(),
                _ => AppError::bad(&field, message).into_response(),
            }
        } else {
            Failure::new(status, format!("{field}: {message}")).into_response()
        }
    };
    let path = percent_encoding::percent_decode_str(request.uri().path()).collect::<Vec<u8>>();
    if path.contains(&0) {
        return refused("address".into(), StatusCode::BAD_REQUEST, REFUSED.into());
    }
    if let Some(q) = request.uri().query()
        && let Some(field) = first_with_nul(form_urlencoded::parse(q.as_bytes()))
    {
        return refused(field, StatusCode::BAD_REQUEST, REFUSED.into());
    }
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_default();
    let json = kind.starts_with("application/json") || kind.contains("+json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    if !(json || form) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return refused("body".into(), StatusCode::PAYLOAD_TOO_LARGE, too_large()),
    };
    let field = if json {
        json_has_nul(&bytes).then(|| {
            serde_json::from_slice(&bytes)
                .ok()
                .as_ref()
                .and_then(nul_path)
                .filter(|path| !path.is_empty())
                .unwrap_or_else(|| "body".into())
        })
    } else {
        first_with_nul(form_urlencoded::parse(&bytes))
    };
    if let Some(field) = field {
        return refused(field, StatusCode::BAD_REQUEST, REFUSED.into());
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
