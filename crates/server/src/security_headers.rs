//! Headers every answer carries so that a browser holds our pages to what they are: scripts
//! and styles only from this site (the pages run no inline script; their inline style
//! attributes are allowed), never framed by another site (clickjacking), content types
//! as sent, no full URLs in the Referer sent to other sites (calendar feeds and tokens live in
//! paths), and, over HTTPS, HTTPS only from then on.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The content security policy of every page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// How long a browser keeps to HTTPS after it saw this site over it: a year.
const HSTS: &str = "max-age=31536000";

pub async fn add(request: Request, next: Next) -> Response {
    let tls = request
        .extensions()
        .get::<crate::forwarded::Reached>()
        .is_some_and(|r| r.tls);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if tls {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(HSTS));
    }
    response
}
