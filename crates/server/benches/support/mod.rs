//! What the benchmarks share: the demo book loaded into the engine `SHERPA_BENCH_DB` names,
//! request timing through the real router, and the medians they report.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use sherpa_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Request headers, as name and value.
pub type Headers = Vec<(&'static str, String)>;

/// A named request: its headers and URI.
pub type Scenario = (&'static str, Headers, String);

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    v[v.len() / 2]
}

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Times `n` GETs of `uri` with the given headers; every answer must be 200.
pub async fn time(
    router: &axum::Router,
    headers: &[(&str, String)],
    uri: &str,
    n: usize,
) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut req = Request::builder().uri(uri);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let req = req.body(Body::empty()).unwrap();
        let start = Instant::now();
        let resp = router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let _ = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        out.push(start.elapsed());
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    out.sort();
    out
}

/// Times `n` GETs of `uri` sent by `clients` clients at once, each sending its next request
/// when its last was answered; every answer must be 200.
pub async fn time_concurrent(
    router: &axum::Router,
    headers: &[(&str, String)],
    uri: &str,
    clients: usize,
    n: usize,
) -> Vec<Duration> {
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (router, uri) = (router.clone(), uri.to_string());
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let each = n.div_ceil(clients);
        tasks.push(tokio::spawn(async move {
            let headers: Vec<(&str, String)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            time(&router, &headers, &uri, each).await
        }));
    }
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.extend(t.await.unwrap());
    }
    out.sort();
    out
}

/// One row of the benchmarks' common table, for `scripts/bench` to gather: what was measured,
/// the figure, its target, the floor measured in the same run and the ratio to it.
pub fn table_row(engine: &str, what: &str, measured: &str, target: &str, floor: &str, ratio: f64) {
    println!("TABLE\t{engine}\t{what}\t{measured}\t{target}\t{floor}\t{ratio:.1}");
}

/// Loads the demo book (`BENCH_ACCOUNTS`, default 100,000) into the engine `SHERPA_BENCH_DB`
/// names (a fresh SQLite file by default) and runs `bench` on it with `BENCH_ROUNDS` (default 5).
pub fn run<F, Fut>(bench: F)
where
    F: FnOnce(Store, DemoBook, usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let accounts = env_number("BENCH_ACCOUNTS", 100_000);
    let rounds = env_number("BENCH_ROUNDS", 5);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("SHERPA_BENCH_DB")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let (store, book) = demo_store(&url, accounts).await;
        bench(store, book, accounts, rounds).await;
    });
}

/// A store holding the demo book of `accounts` accounts.
pub async fn demo_store(url: &str, accounts: usize) -> (Store, DemoBook) {
    let store = Store::open(url, Arc::new(SystemClock))
        .await
        .expect("open the bench database");
    let load = Instant::now();
    let book = DemoBook::new(accounts, 42, store.clock().today());
    store
        .load_demo(&book, "$argon2id$bench", &|_, _| {})
        .await
        .expect("an empty database for the demo book");
    println!(
        "engine {}: {accounts} demo accounts loaded in {:.1} s",
        store.engine().name(),
        load.elapsed().as_secs_f64()
    );
    (store, book)
}

/// Runs every scenario `rounds` times, `n` requests each, beside the floor, and prints p50,
/// p99 and p99 / floor p50 (medians of the rounds).
pub async fn report(
    router: &axum::Router,
    floor: (&[(&str, String)], &str),
    scenarios: &[Scenario],
    rounds: usize,
    n: usize,
) {
    let mut floor_p50 = Vec::new();
    let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); scenarios.len()];
    for _ in 0..rounds {
        let f = time(router, floor.0, floor.1, n).await;
        floor_p50.push(percentile(&f, 0.5).as_secs_f64() * 1e3);
        for (i, (_, headers, uri)) in scenarios.iter().enumerate() {
            let t = time(router, headers, uri, n).await;
            results[i].0.push(percentile(&t, 0.5).as_secs_f64() * 1e3);
            results[i].1.push(percentile(&t, 0.99).as_secs_f64() * 1e3);
        }
    }
    let floor = median(floor_p50);
    println!(
        "floor (GET one account by id through the API) p50 {floor:.2} ms; {rounds} rounds of {n} requests, medians of rounds"
    );
    println!(
        "{:<34} {:>9} {:>9} {:>14}",
        "scenario", "p50 ms", "p99 ms", "p99 / floor"
    );
    for ((name, _, _), (p50, p99)) in scenarios.iter().zip(results) {
        let (p50, p99) = (median(p50), median(p99));
        println!("{name:<34} {p50:>9.2} {p99:>9.2} {:>13.1}x", p99 / floor);
    }
}

/// Clients at once in [`report_concurrent`]: a team's load.
const CLIENTS: usize = 32;

/// The p99 a list or page must answer within under that load.
const TARGET_MS: f64 = 50.0;

/// Runs the scenarios named `busy` with [`CLIENTS`] clients at once, `rounds` times, beside the
/// floor under the same load; prints p50, p99 and p99 / floor p50 (medians of the rounds) and a
/// row of the common table each, against [`TARGET_MS`] at p99.
pub async fn report_concurrent(
    store: &Store,
    router: &axum::Router,
    floor: (&[(&str, String)], &str),
    scenarios: &[Scenario],
    busy: &[&str],
    rounds: usize,
) {
    let (engine, clients, target_ms) = (store.engine().name(), CLIENTS, TARGET_MS);
    let scenarios: Vec<&Scenario> = scenarios
        .iter()
        .filter(|(name, _, _)| busy.contains(name))
        .collect();
    let n = clients * 20;
    let mut floor_p50 = Vec::new();
    let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); scenarios.len()];
    for _ in 0..rounds {
        let f = time_concurrent(router, floor.0, floor.1, clients, n).await;
        floor_p50.push(percentile(&f, 0.5).as_secs_f64() * 1e3);
        for (i, (_, headers, uri)) in scenarios.iter().enumerate() {
            let t = time_concurrent(router, headers, uri, clients, n).await;
            results[i].0.push(percentile(&t, 0.5).as_secs_f64() * 1e3);
            results[i].1.push(percentile(&t, 0.99).as_secs_f64() * 1e3);
        }
    }
    let floor = median(floor_p50);
    println!(
        "{clients} clients at once: floor (GET one account by id) p50 {floor:.2} ms; {rounds} rounds of {n} requests"
    );
    for ((name, _, _), (p50, p99)) in scenarios.iter().zip(results) {
        let (p50, p99) = (median(p50), median(p99));
        println!("{name:<34} {p50:>9.2} {p99:>9.2} {:>13.1}x", p99 / floor);
        table_row(
            engine,
            &format!("{name}, {clients} clients, p99"),
            &format!("{p99:.1} ms"),
            &format!("<= {target_ms:.0} ms"),
            &format!("{floor:.2} ms"),
            p99 / floor,
        );
    }
}
