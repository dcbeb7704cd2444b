//! Prometheus metrics: request counts and latencies by matched route, served at `/metrics`.
//! Every label value comes from a closed set (a known method or "other", a route template or
//! "unmatched", a status class), so no request can add a series: a client inventing methods or
//! paths cannot grow the metrics without bound.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// One recorder per process (the `metrics` facade is global); later apps share it.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .expect("static buckets")
                .install_recorder()
                .expect("the first metrics recorder of the process")
        })
        .clone()
}

/// The method as a label: one of the methods the server answers, else "other".
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The status as a label: its class, "2xx" to "5xx".
fn status_class(status: axum::http::StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

pub async fn track(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = method_label(req.method());
    let resp = next.run(req).await;
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status_class(resp.status()).to_string()),
    ];
    metrics::counter!("sherpa_http_requests_total", &labels).increment(1);
    metrics::histogram!("sherpa_http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    resp
}
