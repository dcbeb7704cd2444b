//! The adoption matrix through both doors on the demo book, on SQLite and on PostgreSQL
//! (`SHERPA_TEST_PG`): what each cell says against the account's offerings and its people's
//! use, most whitespace first, filters and pages, the configuration refused by key, the
//! spreadsheet, and a leader's question: the five Tier 1 accounts with the most unused paid
//! features and, for one, a healthy peer that uses them, introduced with one press.

mod common;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use common::Web;
use serde_json::{Value, json};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;

fn body(a: &common::Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_leader_finds_unused_paid_features_and_a_healthy_peer_to_learn_from() {
    let web = Web::new().await;
    let store = &web.db.store;
    let app = sherpa_app::App::new(store.clone());
    let today = web.db.clock.today();
    let book = DemoBook::new(150, 42, today);
    store
        .load_demo(&book, "$argon2id$x", &|_, _| {})
        .await
        .unwrap();
    let voice = store.load_demo_voice(&book).await.unwrap();
    let weeks = [today - chrono::Days::new(7)];
    store.backfill_health_snapshots(&weeks).await.unwrap();
    store.rebuild_health().await.unwrap();
    app.load_demo_effectiveness(&book, &voice).await.unwrap();
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let (admin_t, csm_t) = (web.token(&admin).await, web.token(&csm).await);

    // The Tier 1 accounts with the most unused paid features, most first.
    let m = body(
        &web.api(
            "GET",
            "/api/v1/adoption/matrix?tier=1&limit=5",
            Some(&admin_t),
            None,
        )
        .await,
    );
    let columns: Vec<&str> = m["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["feature"].as_str().unwrap())
        .collect();
    // Every feature of the catalogue (the events seen), grouped by function.
    let mut catalogue: Vec<String> = store
        .feature_catalog()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, f, _)| f)
        .collect();
    catalogue.dedup();
    let mut seen: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    seen.sort();
    catalogue.sort();
    assert_eq!(seen, catalogue);
    assert_eq!(m["columns"][0]["function"], "Reporting");
    let rows = m["items"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "{m}");
    assert!(m["total"].as_i64().unwrap() > 5);
    let whitespace: Vec<i64> = rows
        .iter()
        .map(|r| r["whitespace"].as_i64().unwrap_or(-1))
        .collect();
    assert!(
        whitespace.windows(2).all(|w| w[0] >= w[1]),
        "{whitespace:?}"
    );
    assert!(whitespace[0] > 0, "the demo has unused paid features");
    // Each cell agrees with the account's offerings and its whitespace with its cells.
    let config = sherpa_core::demo::demo_adoption();
    for r in rows {
        assert_eq!(r["tier"], 1);
        let offerings: Vec<String> = r["offerings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string())
            .collect();
        let mut unused = 0;
        for (feature, cell) in columns.iter().zip(r["cells"].as_array().unwrap()) {
            let products = &config.setting(feature).unwrap().products;
            let entitled = products.is_empty() || products.iter().any(|p| offerings.contains(p));
            match cell["state"].as_str().unwrap() {
                "used" => assert!(cell["users"].as_u64().unwrap() > 0),
                "unused" => {
                    assert!(entitled, "{feature} of {}", r["name"]);
                    unused += 1;
                }
                "not_entitled" => assert!(!entitled, "{feature} of {}", r["name"]),
                other => panic!("{other} for an account with usage"),
            }
        }
        assert_eq!(r["whitespace"], unused, "{}", r["name"]);
    }
    // The next page goes on where this one stopped.
    let next = m["next_cursor"].as_str().unwrap();
    let page2 = body(
        &web.api(
            "GET",
            &format!("/api/v1/adoption/matrix?tier=1&limit=5&cursor={next}"),
            Some(&admin_t),
            None,
        )
        .await,
    );
    let first2 = page2["items"][0]["whitespace"].as_i64().unwrap_or(-1);
    assert!(first2 <= whitespace[4]);
    assert!(
        !rows
            .iter()
            .any(|r| r["account_id"] == page2["items"][0]["account_id"]),
        "no account twice"
    );
    let bad = web
        .api(
            "GET",
            "/api/v1/adoption/matrix?cursor=zzz",
            Some(&admin_t),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("cursor"), "{}", bad.body);

    // For one of them, a healthy peer that uses what it does not.
    let mut found = None;
    for r in rows {
        let id = r["account_id"].as_str().unwrap();
        let w = body(
            &web.api(
                "GET",
                &format!("/api/v1/accounts/{id}/whitespace"),
                Some(&csm_t),
                None,
            )
            .await,
        );
        assert_eq!(
            w["reengage"].as_array().unwrap().len() as i64,
            r["whitespace"].as_i64().unwrap()
        );
        // An upsell adds features; a smaller plan of the same product is none.
        for u in w["upsell"].as_array().unwrap() {
            assert!(!u["adds"].as_array().unwrap().is_empty(), "{u}");
            assert!(!r["offerings"].as_array().unwrap().contains(&u["offering"]));
        }
        if let Some(f) = w["reengage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| !f["peers"].as_array().unwrap().is_empty())
        {
            found = Some((id.to_string(), f.clone()));
            break;
        }
    }
    let (id, feature) = found.expect("a healthy peer for one of the five");
    let peer = &feature["peers"][0];
    let peer_id: AccountId = peer["account_id"].as_str().unwrap().parse().unwrap();
    let kept = store.account(peer_id).await.unwrap();
    assert_eq!(
        kept.health.map(|h| h.1),
        Some(sherpa_core::health::Colour::Green),
        "a suggested peer is healthy"
    );
    assert!(peer["share"].as_f64().unwrap() >= 25.0, "{peer}");

    // A CSM who does not own the account may not open the introduction; an admin may, once.
    let ask = json!({"feature": feature["feature"], "peer_account_id": peer["account_id"]});
    let path = format!("/api/v1/accounts/{id}/whitespace/introductions");
    let denied = web
        .api("POST", &path, Some(&csm_t), Some(ask.clone()))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    let made = web
        .api("POST", &path, Some(&admin_t), Some(ask.clone()))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let task = body(&made);
    assert!(
        task["title"].as_str().unwrap().starts_with("Introduce "),
        "{task}"
    );
    assert!(
        task["reason"]
            .as_str()
            .unwrap()
            .contains("nobody used it in 30 days")
    );
    let again = body(&web.api("POST", &path, Some(&admin_t), Some(ask)).await);
    assert_eq!(again["id"], task["id"], "pressed twice, one task");
    let stranger = json!({"feature": feature["feature"], "peer_account_id": id});
    let refused = web.api("POST", &path, Some(&admin_t), Some(stranger)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("not a suggested peer"),
        "{}",
        refused.body
    );

    // The account page shows the same whitespace.
    let browser = web.sign_in(&admin).await;
    let page = web.get(&format!("/accounts/{id}"), Some(&browser)).await;
    let text = page.text();
    assert!(text.contains("Paid for, not used in 30 days"), "{text}");
    assert!(text.contains(peer["name"].as_str().unwrap()));

    // The configuration: a CSM may not change it; an unknown feature is refused by key.
    let mut config = sherpa_core::demo::demo_adoption();
    config.features[0].products = vec!["Sherpa Cloud Enterprise".into()];
    let denied = web
        .api(
            "PUT",
            "/api/v1/adoption/config",
            Some(&csm_t),
            Some(serde_json::to_value(&config).unwrap()),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let mut unknown = config.clone();
    unknown.features[1].feature = "Teleport".into();
    let refused = web
        .api(
            "PUT",
            "/api/v1/adoption/config",
            Some(&admin_t),
            Some(serde_json::to_value(&unknown).unwrap()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("features[1].feature: \\\"Teleport\\\" is not a feature of the catalogue"),
        "{}",
        refused.body
    );
    // Dashboards for Enterprise only: every other account's dashboards are no longer theirs.
    let saved = web
        .api(
            "PUT",
            "/api/v1/adoption/config",
            Some(&admin_t),
            Some(serde_json::to_value(&config).unwrap()),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let m = body(
        &web.api(
            "GET",
            "/api/v1/adoption/matrix?limit=500",
            Some(&admin_t),
            None,
        )
        .await,
    );
    for r in m["items"].as_array().unwrap() {
        let enterprise = r["offerings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "Sherpa Cloud Enterprise");
        let dashboards = r["cells"][0]["state"].as_str().unwrap();
        if !enterprise && dashboards != "used" && dashboards != "unknown" {
            assert_eq!(dashboards, "not_entitled", "{}", r["name"]);
        }
    }

    // The spreadsheet holds the matrix of the filters, shares as numbers.
    let xlsx = web.get("/adoption.xlsx?tier=1", Some(&browser)).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let bytes = xlsx.bytes;
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("Adoption").unwrap();
    let tier1 = body(
        &web.api(
            "GET",
            "/api/v1/adoption/matrix?tier=1&limit=500",
            Some(&admin_t),
            None,
        )
        .await,
    );
    assert_eq!(range.height() - 2, tier1["items"].as_array().unwrap().len());
    assert_eq!(
        range.get_value((1, 6)),
        Some(&Data::String(columns[0].to_string()))
    );
    let numbers = range
        .rows()
        .skip(2)
        .flat_map(|r| r.iter())
        .filter(|c| matches!(c, Data::Float(_)))
        .count();
    assert!(numbers > 10, "shares are numbers: {numbers}");
    let page = web.get("/adoption?tier=1", Some(&browser)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"adoption-matrix\""));
}
