//! What a request says about how the browser reached us: directly or through a proxy, over
//! HTTPS or not. The session cookie's Secure flag and HSTS both follow it.

use axum::http::{HeaderMap, header};

/// True when the browser reached us over HTTPS, directly or through a proxy that says so.
pub fn over_tls(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}
