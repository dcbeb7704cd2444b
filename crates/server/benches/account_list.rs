//! Benchmark: the account list API at 100,000 demo accounts, through the real router, on the
//! engine `SHERPA_BENCH_DB` names (a fresh SQLite file by default; a PostgreSQL URL must point at
//! an empty database). Each scenario's latency is reported as p50 and p99 and as a ratio to the
//! floor measured in the same run: fetching one account by primary key through the same stack.
//! Five rounds; the medians of the rounds are printed.
//!
//! `cargo bench -p sherpa-server --bench account_list` (`BENCH_ACCOUNTS`, `BENCH_ROUNDS` to change).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use sherpa_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    v[v.len() / 2]
}

async fn time(router: &axum::Router, token: &str, uri: &str, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::builder()
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
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

fn main() {
    let accounts: usize = std::env::var("BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("SHERPA_BENCH_DB")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = Store::open(&url, Arc::new(SystemClock)).await.expect("open the bench database");
        let load = Instant::now();
        let book = DemoBook::new(accounts, 42, store.clock().today());
        store.load_demo(&book, "$argon2id$bench", &|_, _| {}).await.expect("an empty database for the demo book");
        println!("engine {}: {accounts} demo accounts loaded in {:.1} s", store.engine().name(), load.elapsed().as_secs_f64());
        let admin = store.user_by_email(&book.team.users[0].email).await.unwrap().unwrap();
        let token = store.create_token(&Actor::system("bench"), admin.id, TokenScope::Api, "bench").await.unwrap().secret;
        // A high-touch CSM's book, and a page deep into the book for the cursor scenario.
        let csm = store.user_by_email(&Email::parse("csm.1@sherpa.example").unwrap()).await.unwrap().unwrap();
        let router = sherpa_server::app(store.clone());
        let mut cursor_uri = "/api/v1/accounts?limit=50".to_string();
        for _ in 0..20 {
            let req = Request::builder().uri(&cursor_uri).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
            let body = axum::body::to_bytes(router.clone().oneshot(req).await.unwrap().into_body(), usize::MAX).await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            cursor_uri = format!("/api/v1/accounts?limit=50&cursor={}", v["next_cursor"].as_str().unwrap());
        }
        let scenarios: Vec<(&str, String)> = vec![
            ("by name", "/api/v1/accounts?limit=50".into()),
            ("by ARR desc", "/api/v1/accounts?sort=-arr&limit=50".into()),
            ("owner's book by renewal", format!("/api/v1/accounts?owner={}&sort=renewal_date&limit=50", csm.id)),
            ("renewing in 90 days by ARR", "/api/v1/accounts?renewal_within_days=90&sort=-arr&limit=50".into()),
            ("industry+country+ARR range", "/api/v1/accounts?industry=Software&country=Germany&arr_min=10000&arr_max=100000&sort=-arr&limit=50".into()),
            ("lifecycle by customer since", "/api/v1/accounts?lifecycle=onboarding&sort=-customer_since&limit=50".into()),
            ("text search", "/api/v1/accounts?q=summit&limit=50".into()),
            ("page 21 by cursor", cursor_uri),
        ];
        let floor_uri = format!("/api/v1/accounts/{}", accounts / 2);
        let n = 200;
        let mut floor_p50 = Vec::new();
        let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); scenarios.len()];
        for _ in 0..rounds {
            let floor = time(&router, &token, &floor_uri, n).await;
            floor_p50.push(percentile(&floor, 0.5).as_secs_f64() * 1e3);
            for (i, (_, uri)) in scenarios.iter().enumerate() {
                let t = time(&router, &token, uri, n).await;
                results[i].0.push(percentile(&t, 0.5).as_secs_f64() * 1e3);
                results[i].1.push(percentile(&t, 0.99).as_secs_f64() * 1e3);
            }
        }
        let floor = median(floor_p50);
        println!("floor (GET one account by id) p50 {floor:.2} ms; {rounds} rounds of {n} requests, medians of rounds");
        println!("{:<30} {:>9} {:>9} {:>14}", "scenario", "p50 ms", "p99 ms", "p99 / floor");
        for ((name, _), (p50, p99)) in scenarios.iter().zip(results) {
            let (p50, p99) = (median(p50), median(p99));
            println!("{name:<30} {p50:>9.2} {p99:>9.2} {:>13.1}x", p99 / floor);
        }
    });
}
