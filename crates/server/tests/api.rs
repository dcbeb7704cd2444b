//! The REST API through the real router, on SQLite and on PostgreSQL (`SHERPA_TEST_PG`).

#[path = "../../store/tests/support.rs"]
mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sherpa_core::*;
use tower::ServiceExt;

struct TestApp {
    db: support::TestDb,
    router: axum::Router,
}

impl TestApp {
    async fn new() -> Self {
        let db = support::TestDb::new().await;
        let router = sherpa_server::app(db.store.clone());
        TestApp { db, router }
    }

    async fn token(&self, email: &str, role: Role) -> String {
        let input = UserInput {
            email: Email::parse(email).unwrap(),
            name: email.split('@').next().unwrap().into(),
            function: Function::Csm,
            role,
            manager_email: None,
            active: true,
        };
        let u = self
            .db
            .store
            .upsert_user(&Actor::system("test"), &input, None)
            .await
            .unwrap();
        self.db
            .store
            .create_token(&Actor::system("test"), u.id, TokenScope::Api, "t")
            .await
            .unwrap()
            .secret
    }

    /// A JSON Merge Patch, as RFC 7396 clients send it.
    async fn patch(&self, uri: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let req = Request::builder()
            .method("PATCH")
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/merge-patch+json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn the_book_through_the_api() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let viewer = app.token("viewer@example.com", Role::Viewer).await;

    let (status, body) = app.call("GET", "/api/v1/accounts", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["detail"].as_str().unwrap().contains("Bearer"));

    let (status, acme) = app
        .call("POST", "/api/v1/accounts", Some(&admin), Some(json!({"name": "Acme", "external_id": "A-1", "owners": {"csm": "viewer@example.com"}})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acme}");
    assert_eq!(acme["arr"], json!({"amount": "0.00", "currency": "USD"}));

    let (status, body) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"name": "B", "employees": "many"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["field"], "employees");

    let (status, _) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&viewer),
            Some(json!({"name": "Nope"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let id = acme["id"].as_str().unwrap();
    let (status, term) = app
        .call(
            "POST",
            "/api/v1/contracts",
            Some(&admin),
            Some(json!({"account_id": id, "arr": {"amount": "24000.00", "currency": "USD"}, "start_date": "2026-01-01", "end_date": "2026-12-31"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{term}");
    let (_, acme) = app
        .call("GET", &format!("/api/v1/accounts/{id}"), Some(&admin), None)
        .await;
    assert_eq!(acme["arr"]["amount"], "24000.00");
    assert_eq!(acme["renewal_date"], "2026-12-31");

    // A country is kept as its ISO code however it is written; a filter takes either.
    let (status, body) = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            json!({"country": "United States of America"}),
        )
        .await;
    assert_eq!(
        (status, body["country"].as_str()),
        (StatusCode::OK, Some("US")),
        "{body}"
    );
    for filter in ["US", "usa", "United%20States"] {
        let (_, list) = app
            .call(
                "GET",
                &format!("/api/v1/accounts?country={filter}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(
            list["items"].as_array().map(Vec::len),
            Some(1),
            "{filter}: {list}"
        );
    }
    let (status, body) = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            json!({"country": "Atlantis"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("country")),
        "{body}"
    );
    let (status, _) = app
        .call(
            "GET",
            "/api/v1/accounts?country=Atlantis",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Merge Patch: null clears, absent keeps.
    let (status, _) = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            json!({"industry": "Software", "owners": {"csm": null}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, acme) = app
        .call("GET", &format!("/api/v1/accounts/{id}"), Some(&admin), None)
        .await;
    assert_eq!(
        (
            acme["industry"].as_str(),
            acme["owners"]["csm"].as_str(),
            acme["name"].as_str()
        ),
        (Some("Software"), None, Some("Acme"))
    );

    // Bulk upsert is all or nothing and names the bad item.
    let items = json!({"items": [{"external_id": "B-1", "name": "Beta"}, {"external_id": "B-2", "name": ""}]});
    let (status, body) = app
        .call("POST", "/api/v1/accounts/bulk", Some(&admin), Some(items))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["index"], 1);
    let (_, list) = app
        .call("GET", "/api/v1/accounts?q=beta", Some(&admin), None)
        .await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing of the rejected batch was written"
    );
    let items = json!({"items": [{"external_id": "B-1", "name": "Beta"}, {"external_id": "A-1", "name": "Acme"}]});
    let (status, body) = app
        .call("POST", "/api/v1/accounts/bulk", Some(&admin), Some(items))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["created"].as_u64(), body["unchanged"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(body["unknown_owners"], json!([]));

    // An owner who is not a team member is named in the answer, not lost in silence; an admin
    // gives that name's accounts to the member they are here.
    let items =
        json!({"items": [{"external_id": "G-1", "name": "Gamma", "owners": {"ae": "Sam Seller"}}]});
    let (status, body) = app
        .call("POST", "/api/v1/accounts/bulk", Some(&admin), Some(items))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["unknown_owners"],
        json!([{"name": "Sam Seller", "items": 1}])
    );
    let (_, waiting) = app
        .call("GET", "/api/v1/pending-owners", Some(&admin), None)
        .await;
    assert_eq!(
        waiting["items"],
        json!([{"name": "Sam Seller", "function": "ae", "accounts": 1}])
    );
    let (_, people) = app.call("GET", "/api/v1/users", Some(&admin), None).await;
    let viewer_id = people["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "viewer@example.com")
        .unwrap()["id"]
        .clone();
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/pending-owners/assign",
            Some(&admin),
            Some(json!({"name": "Sam Seller", "user_id": viewer_id})),
        )
        .await;
    assert_eq!(
        (status, body["accounts"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    let (_, gamma) = app
        .call("GET", "/api/v1/accounts?q=gamma", Some(&admin), None)
        .await;
    assert_eq!(gamma["items"][0]["owners"]["ae"], viewer_id);

    // Filters and sort.
    let (_, list) = app
        .call(
            "GET",
            "/api/v1/accounts?sort=-arr&arr_min=1",
            Some(&admin),
            None,
        )
        .await;
    let names: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["Acme"]);
    let (status, body) = app
        .call(
            "GET",
            "/api/v1/accounts?lifecycle=zombie",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("lifecycle"))
    );

    // Contacts and terms in bulk, keyed by CRM ids; all or nothing.
    let contacts = json!({"items": [
        {"external_id": "C-1", "account_external_id": "A-1", "name": "Ada Byron", "email": "ada@acme.example", "roles": ["champion"]},
        {"external_id": "C-2", "account_external_id": "NOPE", "name": "Ghost"},
    ]});
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/contacts/bulk",
            Some(&admin),
            Some(contacts),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["index"], 1, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NOPE"),
        "{body}"
    );
    let contacts = json!({"items": [
        {"external_id": "C-1", "account_external_id": "A-1", "name": "Ada Byron", "email": "ada@acme.example", "roles": ["champion", "economic_buyer"]},
    ]});
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/contacts/bulk",
            Some(&admin),
            Some(contacts),
        )
        .await;
    assert_eq!(
        (status, body["created"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/contacts",
            Some(&admin),
            Some(json!({"account_id": id, "name": "Bob Ray", "email": "bob@acme.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, first) = app
        .call(
            "GET",
            &format!("/api/v1/contacts?account_id={id}&limit=1"),
            Some(&admin),
            None,
        )
        .await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_string();
    let (_, second) = app
        .call(
            "GET",
            &format!("/api/v1/contacts?account_id={id}&limit=1&cursor={cursor}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (
            first["items"][0]["name"].as_str(),
            second["items"][0]["name"].as_str()
        ),
        (Some("Ada Byron"), Some("Bob Ray"))
    );
    assert!(second["next_cursor"].is_null());
    let terms = json!({"items": [
        {"external_id": "K-1", "account_external_id": "B-1", "arr": {"amount": "1200.00", "currency": "USD"}, "start_date": "2026-06-01", "end_date": "2027-05-31"},
    ]});
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/contracts/bulk",
            Some(&admin),
            Some(terms.clone()),
        )
        .await;
    assert_eq!(
        (status, body["created"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{body}"
    );
    let (_, body) = app
        .call("POST", "/api/v1/contracts/bulk", Some(&admin), Some(terms))
        .await;
    assert_eq!(body["unchanged"].as_u64(), Some(1), "{body}");
    let (_, beta) = app
        .call(
            "GET",
            "/api/v1/accounts?external_id=B-1",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(beta["items"][0]["arr"]["amount"], "1200.00");

    // A term's outcome is recorded with PATCH; a churn reason needs a churned outcome.
    let term_id = term["id"].as_str().unwrap();
    let uri = format!("/api/v1/contracts/{term_id}");
    let (status, _) = app
        .patch(&uri, &admin, json!({"churn_reason": "budget"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.patch(&uri, &admin, json!({"outcome": "renewed"})).await;
    assert_eq!(status, StatusCode::OK);
    // Whether it renews by itself: true or false, null when not known; a word is refused.
    let (status, body) = app.patch(&uri, &admin, json!({"auto_renew": "yes"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("auto_renew"), "{body}");
    let (status, body) = app.patch(&uri, &admin, json!({"auto_renew": true})).await;
    assert_eq!(
        (status, &body["auto_renew"]),
        (StatusCode::OK, &json!(true))
    );
    let (_, body) = app.patch(&uri, &admin, json!({"auto_renew": null})).await;
    assert!(body["auto_renew"].is_null(), "{body}");

    // Custom fields: an admin defines one; then accounts carry typed values.
    let (status, _) = app
        .call(
            "POST",
            "/api/v1/custom-fields",
            Some(&viewer),
            Some(json!({"key": "risk", "kind": "text"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/custom-fields",
            Some(&admin),
            Some(json!({"key": "go_live", "kind": "date"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/custom-fields",
            Some(&admin),
            Some(json!({"key": "go_live", "kind": "date"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            json!({"custom": {"go_live": "someday"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &admin,
            json!({"custom": {"go_live": "2026-05-01"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, acme) = app
        .call("GET", &format!("/api/v1/accounts/{id}"), Some(&admin), None)
        .await;
    assert_eq!(acme["custom"]["go_live"], "2026-05-01");

    // Logging on the timeline: an owner may, someone else's CSM may not, a viewer never.
    let csm = app.token("csm.other@example.com", Role::Csm).await;
    let call = json!({"account_id": id, "kind": "call", "summary": "Renewal check-in", "attendees": ["ada@acme.example"]});
    let (status, body) = app
        .call("POST", "/api/v1/activities", Some(&csm), Some(call.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .call("POST", "/api/v1/activities", Some(&admin), Some(call))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["attendees"].as_array().unwrap().len(), 1);
    let (status, body) = app
        .call(
            "POST",
            "/api/v1/activities",
            Some(&admin),
            Some(json!({"account_id": id, "kind": "lunch"})),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("kind"))
    );
    let (_, timeline) = app
        .call(
            "GET",
            &format!("/api/v1/activities?account_id={id}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(timeline["items"][0]["summary"], "Renewal check-in");

    // The OpenAPI document describes the endpoints.
    let (status, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/accounts/bulk"]["post"].is_object());
    let (status, _) = app.call("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.db.store.pending_jobs().await.unwrap(), 0);
}

/// What a code generator needs of the document: every response described, one operation per
/// id, every list in the `{items, next_cursor}` envelope, and the routes outside `/api/v1` (the
/// intake, liveness, metrics) described too. `scripts/api-fuzz` also runs openapi-spec-validator.
#[tokio::test]
async fn the_api_document_is_one_a_code_generator_takes() {
    let app = TestApp::new().await;
    let (status, doc) = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut ids = std::collections::BTreeMap::new();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(responses) = op["responses"].as_object() else {
                continue;
            };
            let at = format!("{method} {path}");
            if let Some(before) =
                ids.insert(op["operationId"].as_str().unwrap().to_string(), at.clone())
            {
                wrong.push(format!(
                    "{at}: operationId {} is also {before}'s",
                    op["operationId"]
                ));
            }
            for (code, r) in responses {
                if r["description"]
                    .as_str()
                    .is_none_or(|d| d.trim().is_empty())
                {
                    wrong.push(format!("{at} {code}: no description"));
                }
            }
            let ok = &responses
                .get("200")
                .map(|r| &r["content"]["application/json"]["schema"]);
            if let Some(schema) = ok
                && schema["type"] == "array"
            {
                wrong.push(format!("{at}: a bare array, not {{items, next_cursor}}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for outside in ["/healthz", "/metrics", "/v1/{kind}"] {
        assert!(doc["paths"][outside].is_object(), "{outside} is described");
    }
    let text = doc.to_string().to_lowercase();
    assert!(
        !text.contains("seed 00"),
        "no source names in the API's words"
    );
}

#[tokio::test]
async fn an_admin_changes_a_members_role_and_deactivates_them_through_the_api() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let csm = app.token("sam@example.com", Role::Csm).await;
    let (_, team) = app.call("GET", "/api/v1/users", Some(&admin), None).await;
    let id = |email: &str| {
        team["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (sam, me) = (id("sam@example.com"), id("admin@example.com"));
    let (status, u) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{sam}"),
            Some(&admin),
            Some(json!({"role": "leader"})),
        )
        .await;
    assert_eq!(
        (status, u["role"].clone(), u["active"].clone()),
        (StatusCode::OK, json!("leader"), json!(true))
    );
    let (status, u) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{sam}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(
        (status, u["active"].clone()),
        (StatusCode::OK, json!(false))
    );
    let (status, _) = app.call("GET", "/api/v1/users", Some(&csm), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deactivated member's token stops working"
    );
    let (status, e) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{me}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("active")),
        "{e}"
    );
    let (status, e) = app
        .call(
            "PATCH",
            &format!("/api/v1/users/{sam}"),
            Some(&admin),
            Some(json!({"role": "boss"})),
        )
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("role")),
        "{e}"
    );
}

#[tokio::test]
async fn an_ae_grades_at_close_and_a_person_decides_the_tier_between_two() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let ae = app.token("ae@example.com", Role::Sales).await;
    let viewer = app.token("viewer@example.com", Role::Viewer).await;
    let create = |name: &str| json!({"name": name, "owners": {"ae": "ae@example.com", "csm": "admin@example.com"}});
    let (_, viacom) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(create("Viacom")),
        )
        .await;
    let (_, initech) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(create("Initech")),
        )
        .await;
    let grade = |id: &Value| format!("/api/v1/accounts/{}/grade", id["id"].as_str().unwrap());
    let tier = |id: &Value| format!("/api/v1/accounts/{}/tier", id["id"].as_str().unwrap());

    let body = json!({"potential_value": "250000", "growth": 1, "moment": "at_close", "reason": "three groups want it"});
    let (status, a) = app
        .call("PUT", &grade(&viacom), Some(&ae), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(
        (a["grade"].clone(), a["tier"].clone()),
        (json!("A1"), json!(1))
    );
    assert_eq!(
        a["potential_value"],
        json!({"amount": "250000.00", "currency": "USD"})
    );
    let (status, _) = app
        .call("PUT", &grade(&viacom), Some(&viewer), Some(body))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    for (bad, field) in [
        (
            json!({"potential_value": "lots", "growth": 1, "moment": "at_close", "reason": "r"}),
            "potential_value",
        ),
        (
            json!({"potential_value": "1000", "growth": 4, "moment": "at_close", "reason": "r"}),
            "growth",
        ),
        (
            json!({"potential_value": "1000", "growth": 1, "moment": "whenever", "reason": "r"}),
            "moment",
        ),
        (
            json!({"potential_value": "1000", "growth": 1, "moment": "at_close", "reason": ""}),
            "reason",
        ),
    ] {
        let (status, e) = app
            .call("PUT", &grade(&initech), Some(&ae), Some(bad))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(e["field"], field, "{e}");
    }
    let (_, fresh) = app
        .call(
            "GET",
            &format!("/api/v1/accounts/{}", initech["id"].as_str().unwrap()),
            Some(&ae),
            None,
        )
        .await;
    assert_eq!(
        fresh["grade"],
        Value::Null,
        "refused gradings change nothing"
    );

    let body =
        json!({"potential_value": "30000", "growth": 1, "moment": "at_close", "reason": "keen"});
    let (_, b) = app
        .call("PUT", &grade(&initech), Some(&ae), Some(body))
        .await;
    assert_eq!(b["grade"], "B1");
    assert_eq!(
        (b["tier"].clone(), b["tier_decision_needed"].clone()),
        (Value::Null, json!(true))
    );
    // The AE grades at close; deciding the tier, and re-grading later, are the CS team's.
    let (status, e) = app
        .call(
            "PUT",
            &tier(&initech),
            Some(&ae),
            Some(json!({"tier": 2, "reason": "quick call"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    let later = json!({"potential_value": "30000", "growth": 2, "moment": "first_30_days", "reason": "slower"});
    let (status, e) = app
        .call("PUT", &grade(&initech), Some(&ae), Some(later))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("the AE grades at close"),
        "{e}"
    );
    let (status, e) = app
        .call(
            "PUT",
            &tier(&initech),
            Some(&admin),
            Some(json!({"tier": 3, "reason": "small"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["field"], "tier");
    let (status, b) = app
        .call(
            "PUT",
            &tier(&initech),
            Some(&admin),
            Some(json!({"tier": 2, "reason": "quick call"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        (b["tier"].clone(), b["tier_choice"].clone()),
        (json!(2), json!("decision"))
    );

    let (_, list) = app
        .call("GET", "/api/v1/accounts?sort=name", Some(&ae), None)
        .await;
    let tiers: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["tier"].clone())
        .collect();
    assert_eq!(
        tiers,
        vec![json!(2), json!(1)],
        "the list carries each account's tier"
    );
    let names = |list: &Value| -> Vec<Value> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].clone())
            .collect()
    };
    let (_, by_tier) = app
        .call("GET", "/api/v1/accounts?sort=tier", Some(&ae), None)
        .await;
    assert_eq!(names(&by_tier), vec![json!("Viacom"), json!("Initech")]);
    let (_, a1) = app
        .call("GET", "/api/v1/accounts?grade=a1", Some(&ae), None)
        .await;
    assert_eq!(names(&a1), vec![json!("Viacom")]);
    let (_, waiting) = app
        .call(
            "GET",
            "/api/v1/accounts?tier_decision_needed=true",
            Some(&ae),
            None,
        )
        .await;
    assert_eq!(names(&waiting), Vec::<Value>::new(), "the B1 was decided");
    let (status, e) = app
        .call("GET", "/api/v1/accounts?grade=D1", Some(&ae), None)
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("grade"))
    );

    let history = format!(
        "/api/v1/accounts/{}/priority-history",
        initech["id"].as_str().unwrap()
    );
    let (status, h) = app.call("GET", &history, Some(&viewer), None).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["gradings"][0]["moment"], "at_close");
    assert_eq!(h["gradings"][0]["reason"], "keen");
    assert_eq!(h["tier_changes"][0]["choice"], "decision");
    assert_eq!(h["tier_changes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn leaders_set_the_grade_bounds_and_the_tier_grid() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let viewer = app.token("viewer@example.com", Role::Viewer).await;
    let (status, rules) = app
        .call("GET", "/api/v1/prioritisation", Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rules["grade_bounds"],
        json!({"a_above": "50000", "b_from": "10000"})
    );
    assert_eq!(rules["tier_grid"]["A3"], "1-2");
    assert_eq!(rules["tier_grid"]["C2"], "3");

    let (status, _) = app
        .call(
            "PUT",
            "/api/v1/prioritisation",
            Some(&viewer),
            Some(rules.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut missing = rules.clone();
    missing["tier_grid"].as_object_mut().unwrap().remove("B2");
    let (status, e) = app
        .call("PUT", "/api/v1/prioritisation", Some(&admin), Some(missing))
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("tier_grid"))
    );
    let mut bad_cell = rules.clone();
    bad_cell["tier_grid"]["B2"] = json!("1-3");
    let (status, e) = app
        .call(
            "PUT",
            "/api/v1/prioritisation",
            Some(&admin),
            Some(bad_cell),
        )
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("tier_grid.B2"))
    );

    let mut new = rules.clone();
    new["grade_bounds"] = json!({"a_above": "100000", "b_from": "20000"});
    new["tier_grid"]["A3"] = json!("1");
    let (status, saved) = app
        .call("PUT", "/api/v1/prioritisation", Some(&admin), Some(new))
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, now) = app
        .call("GET", "/api/v1/prioritisation", Some(&viewer), None)
        .await;
    assert_eq!(now["grade_bounds"]["a_above"], "100000");
    assert_eq!(now["tier_grid"]["A3"], "1");
}

#[tokio::test]
async fn the_leader_reads_the_pareto_curve_applies_it_and_places_accounts_on_the_nine_box() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let viewer = app.token("viewer@example.com", Role::Viewer).await;
    let mut ids = Vec::new();
    for (name, arr) in [("Big", "600000"), ("Mid", "240000"), ("Tail", "60000")] {
        let (_, a) = app
            .call(
                "POST",
                "/api/v1/accounts",
                Some(&admin),
                Some(json!({"name": name})),
            )
            .await;
        let id = a["id"].as_str().unwrap().to_string();
        let (status, c) = app
            .call(
                "POST",
                "/api/v1/contracts",
                Some(&admin),
                Some(
                    json!({"account_id": id, "arr": {"amount": arr, "currency": "USD"},
                    "start_date": "2026-01-01", "end_date": "2027-12-31"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        ids.push(id);
    }
    let (status, p) = app
        .call("GET", "/api/v1/segments/pareto", Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        p["total_mrr"],
        json!({"amount": "75000.00", "currency": "USD"})
    );
    assert_eq!(p["curve"][0]["name"], "Big");
    assert_eq!(p["curve"][0]["cumulative_share"], json!(0.666667));
    assert_eq!(p["segments"][0]["name"], "High touch");
    assert_eq!(p["segments"][0]["floor_mrr"]["amount"], "50000.00");
    assert_eq!(p["would_change"], 3);

    let (status, _) = app
        .call("POST", "/api/v1/segments/pareto/apply", Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, applied) = app
        .call("POST", "/api/v1/segments/pareto/apply", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    let (_, top) = app
        .call("GET", "/api/v1/accounts?segment=1", Some(&viewer), None)
        .await;
    assert_eq!(top["items"][0]["name"], "Big");
    assert_eq!(top["items"][0]["segment"], 1);

    // Big is graded Tier 1: its cadence says what time it wants.
    let (status, graded) = app
        .call(
            "PUT",
            &format!("/api/v1/accounts/{}/grade", ids[0]),
            Some(&admin),
            Some(json!({"potential_value": "250000", "growth": 1, "moment": "first_30_days", "reason": "big"})),
        )
        .await;
    assert_eq!(
        (status, graded["tier"].clone()),
        (StatusCode::OK, json!(1)),
        "{graded}"
    );
    // A quarter ago Big was in Rescue; now it is in Heavily invest.
    let place = |q: &str, r: i64, u: i64| json!({"quarter": q, "relationship": r, "upsell": u, "note": "review"});
    let path = format!("/api/v1/accounts/{}/nine-box", ids[0]);
    app.call("PUT", &path, Some(&admin), Some(place("2026-Q3", 1, 1)))
        .await;
    let (status, a) = app
        .call("PUT", &path, Some(&admin), Some(place("2026-Q4", 3, 3)))
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["nine_box"]["code"], "3-3");
    let (status, e) = app
        .call("PUT", &path, Some(&admin), Some(place("2026-Q4", 4, 3)))
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("relationship"))
    );
    let (status, e) = app
        .call(
            "GET",
            "/api/v1/nine-box?quarter=2026-Q5",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("quarter"))
    );
    let (status, nb) = app
        .call(
            "GET",
            "/api/v1/nine-box?quarter=2026-Q4",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{nb}");
    let top_right = &nb["boxes"][8];
    assert_eq!(top_right["label"], "Heavily invest");
    assert_eq!(top_right["accounts"][0]["movement"], "up");
    assert_eq!(top_right["accounts"][0]["previous"], "1-1");
    assert_eq!(nb["boxes"][0]["label"], "Rescue");
    // Wanted against spent: each tier's cadence over the quarter so far (to Monday 23
    // November: eight weekly periods ended, four fortnightly, one monthly).
    for row in nb["by_tier"].as_array().unwrap() {
        let wanted = &row["wanted_per_account"];
        match row["tier"].as_u64() {
            Some(1) => assert_eq!(wanted, &json!(8), "{row}"),
            Some(2) => assert_eq!(wanted, &json!(4), "{row}"),
            Some(3) => assert_eq!(wanted, &json!(1), "{row}"),
            _ => assert_eq!(wanted, &Value::Null, "{row}"),
        }
    }
    assert!(
        nb["by_tier"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["tier"].is_u64()),
        "{nb}"
    );
}

/// The raw body of a GET without a token, as a calendar fetches a feed.
async fn fetch(app: &TestApp, uri: &str) -> (StatusCode, String, String) {
    let req = Request::builder()
        .uri(uri)
        .header("host", "sherpa.example")
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, kind, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_csm_subscribes_to_a_private_calendar_of_touches_that_can_be_revoked() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let csm = app.token("csm@example.com", Role::Csm).await;
    let (_, acme) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"name": "Acme", "owners": {"csm": "csm@example.com"}})),
        )
        .await;
    let id = acme["id"].as_str().unwrap().to_string();
    let (status, a) = app
        .call(
            "PUT",
            &format!("/api/v1/accounts/{id}/grade"),
            Some(&csm),
            Some(json!({"potential_value": "250000", "growth": 1, "moment": "first_30_days", "reason": "big"})),
        )
        .await;
    assert_eq!(
        (status, a["tier"].clone()),
        (StatusCode::OK, json!(1)),
        "{a}"
    );

    let (status, cal) = app
        .call("GET", "/api/v1/me/calendar", Some(&csm), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{cal}");
    let url = cal["url"]
        .as_str()
        .expect("issued with its URL")
        .to_string();
    let path = url.split_once("://").unwrap().1.split_once('/').unwrap().1;
    let path = format!("/{path}");
    let (status, kind, ics) = fetch(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/calendar"), "{kind}");
    assert!(
        ics.contains("BEGIN:VCALENDAR") && ics.contains("SUMMARY:Personal touch: Acme"),
        "{ics}"
    );
    assert!(
        ics.contains("RRULE:FREQ=WEEKLY"),
        "the Tier 1 weekly reminder: {ics}"
    );
    assert!(
        ics.contains("http://sherpa.example/accounts/"),
        "links back to the account"
    );
    // Every event is a whole day: it ends on the day after it starts (RFC 5545).
    let day = |line: &str, key: &str| {
        line.strip_prefix(key)
            .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y%m%d").unwrap())
    };
    let (mut days, mut starts, mut ends) = (0, None, None);
    for line in ics.lines() {
        starts = day(line, "DTSTART;VALUE=DATE:").or(starts);
        ends = day(line, "DTEND;VALUE=DATE:").or(ends);
        if line == "END:VEVENT" {
            assert_eq!(ends, starts.and_then(|s| s.succ_opt()), "{ics}");
            (starts, ends) = (None, None);
            days += 1;
        }
    }
    assert!(days >= 2, "a task and a tier reminder: {ics}");
    assert!(
        ics.contains("personal touches: 1 account\r\n"),
        "one account, in the singular: {ics}"
    );

    // The secret is shown once; a new one retires it; a revoked feed is gone.
    let (_, again) = app
        .call("GET", "/api/v1/me/calendar", Some(&csm), None)
        .await;
    assert!(
        again["url"].is_null() && again["issued_at"].is_string(),
        "{again}"
    );
    let (_, new) = app
        .call("POST", "/api/v1/me/calendar", Some(&csm), None)
        .await;
    assert_eq!(fetch(&app, &path).await.0, StatusCode::NOT_FOUND);
    let new_path = format!(
        "/calendar/{}",
        new["url"]
            .as_str()
            .unwrap()
            .rsplit_once("/calendar/")
            .unwrap()
            .1
    );
    assert_eq!(fetch(&app, &new_path).await.0, StatusCode::OK);
    let (status, _) = app
        .call("DELETE", "/api/v1/me/calendar", Some(&csm), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(&app, &new_path).await.0, StatusCode::NOT_FOUND);

    let (status, overdue) = app
        .call("GET", "/api/v1/touches/overdue", Some(&admin), None)
        .await;
    assert_eq!(
        (status, overdue),
        (StatusCode::OK, json!({"items": [], "next_cursor": null})),
        "nothing is late on its first day"
    );
}

#[tokio::test]
async fn staffing_sets_the_tiers_plans_against_the_team_and_the_benchmark() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    app.token("csm@example.com", Role::Csm).await;
    for i in 0..3 {
        let (_, a) = app
            .call(
                "POST",
                "/api/v1/accounts",
                Some(&admin),
                Some(json!({"name": format!("Big {i}"), "owners": {"csm": "csm@example.com"}})),
            )
            .await;
        let id = a["id"].as_str().unwrap();
        app.call(
            "POST",
            "/api/v1/contracts",
            Some(&admin),
            Some(
                json!({"account_id": id, "arr": {"amount": "4000000", "currency": "USD"},
                "start_date": "2026-01-01", "end_date": "2027-12-31"}),
            ),
        )
        .await;
        let (status, g) = app
            .call(
                "PUT",
                &format!("/api/v1/accounts/{id}/grade"),
                Some(&admin),
                Some(json!({"potential_value": "9000000", "growth": 1, "moment": "at_close", "reason": "big"})),
            )
            .await;
        assert_eq!(
            (status, g["tier"].clone()),
            (StatusCode::OK, json!(1)),
            "{g}"
        );
    }
    // Two people of the CSM function (the admin too), 1,260 hours each for accounts; a plan of
    // 1,000 hours per Tier 1 account.
    let plan = json!({"staffing": {"hours_per_year": 1800, "account_time_percent": 70, "plans": {
        "1": [{"name": "Embedded success workshop", "hours": "50", "per_year": 20}]}}});
    let (status, e) = app
        .call("PUT", "/api/v1/prioritisation", Some(&admin), Some(json!({"staffing": {"hours_per_year": 10, "account_time_percent": 70, "plans": {}}})))
        .await;
    assert_eq!(
        (status, e["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("staffing"))
    );
    let (status, _) = app
        .call("PUT", "/api/v1/prioritisation", Some(&admin), Some(plan))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, st) = app
        .call("GET", "/api/v1/staffing", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{st}");
    assert_eq!(st["fte_needed"], json!(2.4), "3,000 hours over 1,260: {st}");
    assert_eq!(st["csms"], 2);
    assert_eq!(st["benchmark_by_arr"]["band"], "$10M to $20M ARR");
    assert_eq!(st["books"][0]["load"], "over", "$12M on one CSM: {st}");
    let top = &st["top_tier"];
    assert_eq!(st["books"][1]["load"], "under");
    assert_eq!(
        top["staffable_accounts"], 2,
        "2,520 hours serve two of the three"
    );
    assert_eq!(top["hours_per_account_possible"], "840");
    assert_eq!(top["automate_percent"], "16");
    let csm = &st["books"][0];
    assert_eq!(
        (
            &csm["plan_hours"],
            &csm["time_percent"],
            &csm["load_by_hours"]
        ),
        (&json!("3000"), &json!("238"), &json!("over")),
        "three Tier 1 accounts at 1,000 hours on 1,260 hours: {st}"
    );
    assert_eq!(st["books"][1]["load"], "under", "the admin holds nothing");

    // A pooled digital queue holds accounts, but it is not a person: no more CSMs, no place
    // against the benchmark; a churned account leaves the book it was in.
    let pool = UserInput {
        email: Email::parse("digital@example.com").unwrap(),
        name: "Digital pool".into(),
        function: "pooled".parse().unwrap(),
        role: Role::Csm,
        manager_email: None,
        active: true,
    };
    app.db
        .store
        .upsert_user(&Actor::system("test"), &pool, None)
        .await
        .unwrap();
    for (name, lifecycle) in [("Small", "ongoing"), ("Gone", "churned")] {
        let (status, a) = app
            .call(
                "POST",
                "/api/v1/accounts",
                Some(&admin),
                Some(json!({"name": name, "lifecycle": lifecycle,
                    "owners": {"csm": "digital@example.com"}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
    }
    let (_, st) = app
        .call("GET", "/api/v1/staffing", Some(&admin), None)
        .await;
    assert_eq!(st["csms"], 2, "the pool is not a CSM: {st}");
    assert_eq!(st["books"].as_array().unwrap().len(), 2);
    assert_eq!(st["pools"][0]["name"], "Digital pool");
    assert_eq!(
        st["pools"][0]["accounts"], 1,
        "the churned account left: {st}"
    );
}

#[tokio::test]
async fn an_accounts_health_is_explained_factor_by_factor() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let (_, a) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"name": "Acme"})),
        )
        .await;
    let id = a["id"].as_str().unwrap();
    let (status, h) = app
        .call(
            "GET",
            &format!("/api/v1/accounts/{id}/health"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["scorecard"], "Default");
    assert_eq!(h["why"], "rule 2: every account");
    let factor = |m: &str| {
        h["factors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["metric"] == m)
            .unwrap()
            .clone()
    };
    assert_eq!(
        factor("seat_utilisation")["value"],
        Value::Null,
        "no usage: missing"
    );
    assert_eq!(
        factor("open_tickets")["value"],
        Value::Null,
        "no support desk connected: unknown, not a constant zero"
    );
    // Nothing known: not enough data, not a green 100.
    assert_eq!(factor("open_tickets")["contribution"], Value::Null, "{h}");
    assert_eq!(h["score"], Value::Null);
    assert_eq!(h["colour"], Value::Null);
    assert!(h["coverage"].as_f64().unwrap() < 0.5, "{h}");
    assert_eq!(h["changes"], json!([]), "no snapshot yet");
    let (status, _) = app
        .call("GET", "/api/v1/accounts/999999/health", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, history) = app
        .call(
            "GET",
            &format!("/api/v1/accounts/{id}/health/history"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, history),
        (StatusCode::OK, json!({"items": [], "next_cursor": null}))
    );
}

#[tokio::test]
async fn an_unknown_query_parameter_is_refused_by_name_not_ignored() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let (_, acme) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"name": "Acme"})),
        )
        .await;
    let id = acme["id"].as_str().unwrap();
    let (status, body) = app
        .call(
            "GET",
            &format!("/api/v1/accounts/{id}/arr-history?account={id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "account");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("unknown query parameter \"account\""),
        "{body}"
    );
    // A list names what it takes.
    let (status, body) = app
        .call(
            "GET",
            "/api/v1/accounts?csm=me&colour=red",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("\"csm\", \"colour\""), "{detail}");
    assert!(detail.contains("takes "), "{detail}");
    // What an endpoint takes still works.
    let (status, _) = app
        .call("GET", "/api/v1/accounts?limit=5", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// Requests with invented methods and paths add no metric series: every label comes from a
/// closed set (a known method or "other", a route template or "unmatched", a status class).
#[tokio::test]
async fn invented_methods_and_paths_cannot_grow_the_metrics() {
    let app = TestApp::new().await;
    let scrape = |router: axum::Router| async move {
        let req = Request::get("/metrics").body(Body::empty()).unwrap();
        let resp = router.oneshot(req).await.unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    // Warm up the series the invented requests may use.
    for (method, uri) in [("GET", "/nowhere"), ("BREW", "/nowhere")] {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        app.router.clone().oneshot(req).await.unwrap();
    }
    let series = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("sherpa_http_requests_total{"))
            .count()
    };
    let before = series(&scrape(app.router.clone()).await);
    for i in 0..300 {
        let req = Request::builder()
            .method(format!("M{i}X").as_str())
            .uri(format!("/made-up/{i}?q={i}"))
            .body(Body::empty())
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert!(resp.status().is_client_error());
    }
    let text = scrape(app.router.clone()).await;
    assert!(
        !text.contains("M17X") && !text.contains("/made-up/"),
        "request data in labels"
    );
    assert!(
        text.contains(r#"method="other",route="unmatched",status="4xx""#),
        "{text}"
    );
    // Other tests of this binary run at the same time and may add their own routes' series.
    assert!(
        series(&text) < before + 40,
        "{} series after, {before} before",
        series(&text)
    );
}

/// What would silently lose or leak data is refused instead: a tier decision without its
/// `tier`, a body over the limit (413 as a problem that states the limit), and raw product
/// events read by anyone but an admin.
#[tokio::test]
async fn incomplete_oversized_and_private_requests_are_refused_plainly() {
    let app = TestApp::new().await;
    let admin = app.token("admin@example.com", Role::Admin).await;
    let csm = app.token("csm@example.com", Role::Csm).await;
    let (status, acme) = app
        .call(
            "POST",
            "/api/v1/accounts",
            Some(&admin),
            Some(json!({"name": "Acme"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{acme}");
    let tier = format!("/api/v1/accounts/{}/tier", acme["id"].as_str().unwrap());
    let (status, e) = app
        .call(
            "PUT",
            &tier,
            Some(&admin),
            Some(json!({"reason": "forgot the tier"})),
        )
        .await;
    assert_eq!(
        (status, e["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("tier")),
        "{e}"
    );
    let (status, b) = app
        .call(
            "PUT",
            &tier,
            Some(&admin),
            Some(json!({"tier": null, "reason": "back to the grid"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");

    // 6 MB of JSON, with and without a declared length.
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(6 * 1024 * 1024));
    for chunked in [false, true] {
        let body = if chunked {
            let chunks = big
                .clone()
                .into_bytes()
                .chunks(64 * 1024)
                .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
                .collect::<Vec<_>>();
            Body::from_stream(futures::stream::iter(chunks))
        } else {
            Body::from(big.clone())
        };
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/accounts")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .body(body)
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "chunked: {chunked}"
        );
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let problem: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("limit of 5 MB (5242880 bytes)"),
            "{problem}"
        );
    }

    let (status, e) = app.call("GET", "/api/v1/events", Some(&csm), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("personal data"),
        "{e}"
    );
    let (status, _) = app.call("GET", "/api/v1/events", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
}
