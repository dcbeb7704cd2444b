//! Benchmark: the account list API at 100,000 demo accounts, through the real router, on the
//! engine `SHERPA_BENCH_DB` names (a fresh SQLite file by default; a PostgreSQL URL must point at
//! an empty database). Each scenario's latency is reported as p50 and p99 and as a ratio to the
//! floor measured in the same run: fetching one account by primary key through the same stack.
//! Five rounds; the medians of the rounds are printed.
//!
//! `cargo bench -p sherpa-server --bench account_list` (`BENCH_ACCOUNTS`, `BENCH_ROUNDS` to change).

mod support;

use axum::body::Body;
use axum::http::Request;
use sherpa_core::*;
use tower::ServiceExt;

fn main() {
    support::run(|store, book, accounts, rounds| async move {
        let admin = store
            .user_by_email(&book.team.users[0].email)
            .await
            .unwrap()
            .unwrap();
        let token = store
            .create_token(&Actor::system("bench"), admin.id, TokenScope::Api, "bench")
            .await
            .unwrap()
            .secret;
        let auth = vec![("authorization", format!("Bearer {token}"))];
        // A high-touch CSM's book, and a page deep into the book for the cursor scenario.
        let csm = store
            .user_by_email(&Email::parse("csm.1@sherpa.example").unwrap())
            .await
            .unwrap()
            .unwrap();
        let router = sherpa_server::app(store.clone());
        let mut cursor_uri = "/api/v1/accounts?limit=50".to_string();
        for _ in 0..20 {
            let req = Request::builder()
                .uri(&cursor_uri)
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let body = axum::body::to_bytes(
                router.clone().oneshot(req).await.unwrap().into_body(),
                usize::MAX,
            )
            .await
            .unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            cursor_uri = format!(
                "/api/v1/accounts?limit=50&cursor={}",
                v["next_cursor"].as_str().unwrap()
            );
        }
        let api = |name, uri: String| (name, auth.clone(), uri);
        let scenarios = vec![
            api("by name", "/api/v1/accounts?limit=50".into()),
            api("by ARR desc", "/api/v1/accounts?sort=-arr&limit=50".into()),
            api("owner's book by renewal", format!("/api/v1/accounts?owner={}&sort=renewal_date&limit=50", csm.id)),
            api("renewing in 90 days by ARR", "/api/v1/accounts?renewal_within_days=90&sort=-arr&limit=50".into()),
            api("industry+country+ARR range", "/api/v1/accounts?industry=Software&country=Germany&arr_min=10000&arr_max=100000&sort=-arr&limit=50".into()),
            api("lifecycle by customer since", "/api/v1/accounts?lifecycle=onboarding&sort=-customer_since&limit=50".into()),
            api("text search", "/api/v1/accounts?q=summit&limit=50".into()),
            api("page 21 by cursor", cursor_uri),
        ];
        let floor_uri = format!("/api/v1/accounts/{}", accounts / 2);
        support::report(&router, (&auth, &floor_uri), &scenarios, rounds, 200).await;
        // The lists people wait on, under a team's load at once.
        let busy = ["by ARR desc", "industry+country+ARR range", "text search"];
        let floor = (&auth[..], floor_uri.as_str());
        support::report_concurrent(&store, &router, floor, &scenarios, &busy, rounds).await;
    });
}
