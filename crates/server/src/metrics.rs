//! Prometheus metrics, served at `/metrics`: request counts and latencies by matched route, the
//! intake's messages, health refresh latency, and, read at each scrape, the job queue, the
//! outbox by status and the database pool. Every metric has its HELP text (`describe`).
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
            let handle = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .expect("static buckets")
                .install_recorder()
                .expect("the first metrics recorder of the process");
            describe();
            metrics::gauge!("sherpa_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

/// Every metric's kind and HELP text, said once.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "sherpa_http_requests_total",
        "HTTP requests answered, by method, route template and status class"
    );
    describe_histogram!(
        "sherpa_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method, route template and status class"
    );
    describe_counter!(
        "sherpa_intake_messages_total",
        "Segment messages received, by outcome: accepted, duplicate or rejected"
    );
    describe_counter!(
        "sherpa_intake_transactions_total",
        "Write transactions of the intake (each stores a batch of messages)"
    );
    describe_counter!(
        "sherpa_intake_throttled_total",
        "Intake requests answered 429 because the writer was behind"
    );
    describe_histogram!(
        "sherpa_health_refresh_seconds",
        Unit::Seconds,
        "Time from a write marking accounts to their health being recomputed, per pass"
    );
    describe_counter!(
        "sherpa_health_refreshed_accounts_total",
        "Accounts whose health the refresher recomputed"
    );
    describe_gauge!(
        "sherpa_jobs",
        "Background jobs by state: due (queued and due now), running, failed (given up)"
    );
    describe_gauge!(
        "sherpa_job_lag_seconds",
        Unit::Seconds,
        "How long the oldest due job has waited past its time"
    );
    describe_gauge!(
        "sherpa_outbox_sends",
        "Automated emails and webhook posts in the outbox, by status"
    );
    describe_gauge!(
        "sherpa_db_pool_connections",
        "Database connections of this server, by state: in_use or idle"
    );
    describe_gauge!(
        "sherpa_db_pool_max_connections",
        "The most database connections this server opens"
    );
    describe_gauge!(
        "sherpa_build_info",
        "Always 1; the version label says which Sherpa is running"
    );
}

/// Reads what is measured at scrape time rather than as it happens: the job queue, the
/// outbox and the pool. A reading that fails leaves the last values and is logged.
pub async fn observe(store: &sherpa_store::Store) {
    let pool = store.pool_use();
    metrics::gauge!("sherpa_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("sherpa_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("sherpa_db_pool_max_connections").set(f64::from(pool.max));
    match store.job_queue().await {
        Ok(q) => {
            metrics::gauge!("sherpa_jobs", "state" => "due").set(q.due as f64);
            metrics::gauge!("sherpa_jobs", "state" => "running").set(q.running as f64);
            metrics::gauge!("sherpa_jobs", "state" => "failed").set(q.failed as f64);
            metrics::gauge!("sherpa_job_lag_seconds").set(q.lag.num_milliseconds() as f64 / 1000.0);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading the job queue failed"),
    }
    match store.outbox_counts().await {
        Ok(c) => {
            for (status, n) in [
                ("pending", c.pending),
                ("sent", c.sent),
                ("failed", c.failed),
                ("dry_run", c.dry_run),
                ("skipped", c.skipped),
            ] {
                metrics::gauge!("sherpa_outbox_sends", "status" => status).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: reading the outbox failed"),
    }
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
