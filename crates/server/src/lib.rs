//! Sherpa's HTTP server: the REST API under `/api/v1/` (with its OpenAPI document generated
//! from the handlers), the web pages, `/healthz`, `/metrics`. Handlers and pages are thin
//! adapters over the application's use cases (`sherpa_app`): parse the request, call the use
//! case, answer in JSON or HTML. Beside them run the job worker, the health refresher and the
//! outbox's sender.

mod api;
mod auth;
mod body_limit;
mod calendar_feed;
mod error;
pub mod forwarded;
mod handlers;
pub mod intake;
mod jobs;
mod metrics;
mod nul_guard;
pub mod outreach;
mod query_params;
pub mod refresher;
mod security_headers;
pub mod web;

pub use api::SYSTEM_ROUTES;
pub use error::AppError;
pub use jobs::Worker;
pub use web::routes as web_routes;

use axum::Router;
use sherpa_app::App;
use sherpa_store::Store;
use std::net::SocketAddr;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases: every change goes through them.
    pub app: App,
    /// For reading.
    pub store: Store,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub throttle: std::sync::Arc<web::throttle::LoginThrottle>,
    /// The group-commit writer of the event intake.
    pub intake: intake::Writer,
    /// How the outbox reaches the world (unsubscribe links in previews and pages).
    pub outreach: std::sync::Arc<outreach::Settings>,
    /// The proxies whose forwarding headers are believed.
    pub trusted_proxies: std::sync::Arc<forwarded::TrustedProxies>,
}

/// The whole application as a router, for `serve` and for tests (`tower::ServiceExt::oneshot`).
pub fn app(store: Store) -> Router {
    app_with(store, outreach::Settings::default(), Default::default())
}

/// The application with the outbox's settings and the proxies it trusts.
pub fn app_with(
    store: Store,
    outreach: outreach::Settings,
    trusted_proxies: forwarded::TrustedProxies,
) -> Router {
    let state = AppState {
        app: App::new(store.clone()),
        store: store.clone(),
        metrics: metrics::recorder(),
        throttle: Default::default(),
        intake: intake::Writer::start(store.clone()),
        outreach: std::sync::Arc::new(outreach),
        trusted_proxies: std::sync::Arc::new(trusted_proxies),
    };
    api::router(state)
}

/// Serves until Ctrl-C or SIGTERM, finishing requests in flight; runs the job worker beside.
pub async fn serve(
    store: Store,
    bind: SocketAddr,
    outreach: outreach::Settings,
    trusted_proxies: forwarded::TrustedProxies,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    let sender = outreach::Sender::new(store.clone(), outreach.clone())?;
    let followed = App::new(store.clone())
        .follow_builtin_health_config()
        .await?;
    if followed.recorded {
        tracing::info!(
            rescored = followed.rescores,
            "this release's built-in health scorecards recorded as a version"
        );
    }
    let worker = Worker::new(App::new(store.clone()));
    let jobs = tokio::spawn(worker.run());
    let health = tokio::spawn(refresher::run(App::new(store.clone())));
    let sends = tokio::spawn(sender.run());
    let router = app_with(store.clone(), outreach, trusted_proxies);
    tracing::info!(address = %listener.local_addr()?, "serving");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    jobs.abort();
    health.abort();
    sends.abort();
    // What the intake holds in memory is written, so the next start has nothing to redo.
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
