//! Benchmark: every page of the web UI at 100,000 demo accounts, through the real router and
//! its session middleware, on the engine `SHERPA_BENCH_DB` names (a fresh SQLite file by
//! default). p50 and p99 per page, and p99 as a ratio to the floor measured in the same run
//! (one account by id through the API). Five rounds; medians of the rounds.
//!
//! `cargo bench -p sherpa-server --bench web_pages` (`BENCH_ACCOUNTS`, `BENCH_ROUNDS`).

mod support;

use sherpa_core::*;

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
        let csm = store
            .user_by_email(&Email::parse("csm.1@sherpa.example").unwrap())
            .await
            .unwrap()
            .unwrap();
        let hours = chrono::Duration::hours(1);
        let cookie = |c: String| vec![("cookie", format!("sherpa_session={c}"))];
        let leader = cookie(store.open_session(admin.id, hours).await.unwrap().cookie);
        let mine = cookie(store.open_session(csm.id, hours).await.unwrap().cookie);
        let (big, _) = store
            .accounts(&sherpa_store::AccountQuery {
                sort: sherpa_store::AccountSort {
                    field: sherpa_store::SortField::Arr,
                    descending: true,
                },
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        let router = sherpa_server::app(store.clone());
        let page = |name, who: &Vec<(&'static str, String)>, uri: &str| {
            (name, who.clone(), uri.to_string())
        };
        let scenarios = vec![
            page("my book (CSM)", &mine, "/book"),
            page(
                "my book, renewing in 90 days",
                &mine,
                "/book?renewal=90&sort=renewal_date",
            ),
            page("portfolio, whole book", &leader, "/portfolio"),
            page("portfolio by ARR desc", &leader, "/portfolio?sort=-arr"),
            page(
                "portfolio, 4 filters",
                &leader,
                "/portfolio?lifecycle=ongoing&renewal=90&arr_min=10000&arr_max=100000&sort=-arr",
            ),
            page("portfolio, text search", &leader, "/portfolio?q=summit"),
            page(
                "account 360 (largest account)",
                &leader,
                &format!("/accounts/{}", big[0].id),
            ),
            page("team", &leader, "/team"),
            page("audit log", &leader, "/audit"),
            page("users and tokens", &leader, "/admin/users"),
            page("import", &leader, "/import"),
            page("sign-in page", &vec![], "/login"),
        ];
        let auth = vec![("authorization", format!("Bearer {token}"))];
        let floor_uri = format!("/api/v1/accounts/{}", accounts / 2);
        support::report(&router, (&auth, &floor_uri), &scenarios, rounds, 100).await;
        // The leader's and the CSM's lists, under a team's load at once.
        let busy = ["portfolio, whole book", "my book (CSM)"];
        let floor = (&auth[..], floor_uri.as_str());
        support::report_concurrent(&store, &router, floor, &scenarios, &busy, rounds).await;
    });
}
