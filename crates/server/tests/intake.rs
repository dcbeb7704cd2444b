//! The Segment-compatible intake through the real router, on SQLite and on PostgreSQL: keys,
//! gzip, limits, mixed batches, retries, and what the API then shows.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use common::{Answer, Web};
use serde_json::{Value, json};
use sherpa_core::*;
use std::io::Write;

struct Intake {
    web: Web,
    key: String,
    admin_token: String,
}

impl Intake {
    async fn new() -> Intake {
        let web = Web::new().await;
        let admin = web
            .user("admin@example.com", Role::Admin, Function::Operations)
            .await;
        let key = web.ingest_key(&admin).await;
        let admin_token = web.token(&admin).await;
        Intake {
            web,
            key,
            admin_token,
        }
    }

    async fn post(
        &self,
        path: &str,
        body: Vec<u8>,
        key: Option<&str>,
        gzip: bool,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(k) = key {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{k}:"));
            req = req.header(header::AUTHORIZATION, format!("Basic {basic}"));
        }
        let body = if gzip {
            req = req.header(header::CONTENT_ENCODING, "gzip");
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(&body).unwrap();
            z.finish().unwrap()
        } else {
            body
        };
        let a: Answer = self.web.send(req.body(Body::from(body)).unwrap()).await;
        (
            a.status,
            serde_json::from_str(&a.body).unwrap_or(Value::Null),
        )
    }

    /// The account "Acme", CRM id ACME: the group id its usage names.
    async fn acme(&self) -> Account {
        let patch = AccountPatch {
            name: Some("Acme".into()),
            external_id: Some(Some("ACME".into())),
            ..Default::default()
        };
        let store = &self.web.db.store;
        store
            .create_account(&Actor::system("test"), &patch)
            .await
            .unwrap()
    }

    async fn events(&self) -> Vec<Value> {
        let a = self
            .web
            .api(
                "GET",
                "/api/v1/events?limit=1000",
                Some(&self.admin_token),
                None,
            )
            .await;
        let v: Value = serde_json::from_str(&a.body).unwrap();
        v["items"].as_array().unwrap().clone()
    }
}

fn json_bytes(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

#[tokio::test]
async fn keys_are_checked_and_an_api_token_cannot_ingest() {
    let t = Intake::new().await;
    let track = json!({"userId": "u1", "event": "Login"});
    let (s, b) = t
        .post("/v1/track", json_bytes(track.clone()), None, false)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(b["code"], "missing_write_key");
    let (s, b) = t
        .post(
            "/v1/track",
            json_bytes(track.clone()),
            Some("sherpa_ingest_nope"),
            false,
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_write_key"))
    );
    let (s, b) = t
        .post(
            "/v1/track",
            json_bytes(track.clone()),
            Some(&t.admin_token),
            false,
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_an_ingest_token"))
    );
    // The ingest key cannot read the API.
    let a = t
        .web
        .api("GET", "/api/v1/accounts", Some(&t.key), None)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // writeKey in the body works as well as Basic auth.
    let (s, b) = t
        .post(
            "/v1/track",
            json_bytes(json!({"userId": "u1", "event": "Login", "writeKey": t.key})),
            None,
            false,
        )
        .await;
    assert_eq!((s, b), (StatusCode::OK, json!({"success": true})));
    assert_eq!(t.events().await.len(), 1);
    assert!(
        !t.events().await[0]["message"].to_string().contains(&t.key),
        "the key is not stored"
    );
    // The admin sees which ingest tokens are in use.
    let tokens = t.web.db.store.tokens(None).await.unwrap();
    let ingest = tokens.iter().find(|k| k.scope == "ingest").unwrap();
    assert!(ingest.last_used_at.is_some(), "{ingest:?}");
}

#[tokio::test]
async fn a_mixed_batch_keeps_its_valid_messages_and_says_which_were_refused() {
    let t = Intake::new().await;
    let batch = json!({"batch": [
        {"type": "track", "userId": "u1", "event": "Report Built", "messageId": "a"},
        {"type": "track", "userId": "u1", "messageId": "b"},
        {"type": "group", "userId": "u1", "messageId": "c"},
        {"type": "page", "anonymousId": "x", "name": "Home", "messageId": "d"},
    ]});
    let (s, b) = t
        .post("/v1/batch", json_bytes(batch.clone()), Some(&t.key), false)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["code"], "invalid_messages");
    assert_eq!(
        b["rejected"],
        json!([
            {"index": 1, "code": "missing_event", "message": "a track message needs an \"event\""},
            {"index": 2, "code": "missing_group_id", "message": "a group message needs a \"groupId\""},
        ])
    );
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains("2 of 4 messages rejected (the other 2 were stored)")
    );
    let ids: Vec<_> = t
        .events()
        .await
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "d"]);
    // The client does not retry a 400, but a retry of the whole request would add nothing.
    t.post("/v1/import", json_bytes(batch), Some(&t.key), false)
        .await;
    assert_eq!(t.events().await.len(), 2);
    let status = t
        .web
        .api("GET", "/api/v1/intake/status", Some(&t.admin_token), None)
        .await;
    let status: Value = serde_json::from_str(&status.body).unwrap();
    assert_eq!(
        (
            status["accepted"].as_i64(),
            status["duplicates"].as_i64(),
            status["rejected"].as_i64()
        ),
        (Some(2), Some(2), Some(4))
    );
    assert!(
        status["last_rejections"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("message 2: ")
    );
}

#[tokio::test]
async fn gzip_bodies_are_read_and_limits_apply_after_inflating() {
    let t = Intake::new().await;
    let items: Vec<Value> = (0..300)
        .map(|i| json!({"type": "track", "userId": format!("u{}", i % 7), "event": "Search", "messageId": format!("g{i}")}))
        .collect();
    let (s, b) = t
        .post(
            "/v1/b",
            json_bytes(json!({"batch": items})),
            Some(&t.key),
            true,
        )
        .await;
    assert_eq!((s, b), (StatusCode::OK, json!({"success": true})));
    assert_eq!(t.events().await.len(), 300);

    // 10 MB of spaces squeeze into a few KB of gzip: refused, not inflated.
    let mut bomb = b"{\"batch\": [".to_vec();
    bomb.extend(std::iter::repeat_n(b' ', 10 * 1024 * 1024));
    bomb.extend(b"]}");
    let (s, b) = t.post("/v1/batch", bomb, Some(&t.key), true).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request_too_large"))
    );

    let big = json!({"userId": "u", "event": "E", "properties": {"blob": "x".repeat(40 * 1024)}});
    let (s, b) = t
        .post("/v1/track", json_bytes(big), Some(&t.key), false)
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("message_too_large"))
    );
    let many: Vec<Value> = (0..2501)
        .map(|_| json!({"type": "track", "userId": "u", "event": "E"}))
        .collect();
    let (s, b) = t
        .post(
            "/v1/batch",
            json_bytes(json!({"batch": many})),
            Some(&t.key),
            true,
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("too_many_messages"))
    );
    let (s, b) = t
        .post("/v1/batch", b"{\"batch\": [{".to_vec(), Some(&t.key), false)
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_json"))
    );
    let (s, _) = t
        .post("/v1/shout", b"{}".to_vec(), Some(&t.key), false)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(t.events().await.len(), 300, "nothing refused was stored");
}

#[tokio::test]
async fn usage_rollups_are_served_per_account() {
    let t = Intake::new().await;
    let acme = t.acme().await;
    let batch = json!({"batch": [
        {"type": "group", "userId": "u1", "groupId": "ACME", "timestamp": "2026-11-20T09:00:00Z"},
        {"type": "track", "userId": "u1", "event": "Report Built", "timestamp": "2026-11-20T09:01:00Z"},
        {"type": "track", "userId": "u2", "event": "Export", "context": {"groupId": "ACME"}, "timestamp": "2026-11-21T09:00:00Z"},
        {"type": "page", "userId": "u1", "name": "Home", "timestamp": "2026-11-21T10:00:00Z"},
    ]});
    let (s, _) = t
        .post("/v1/batch", json_bytes(batch), Some(&t.key), false)
        .await;
    assert_eq!(s, StatusCode::OK);
    let a = t
        .web
        .api(
            "GET",
            &format!(
                "/api/v1/accounts/{}/usage?from=2026-11-01&to=2026-11-30",
                acme.id
            ),
            Some(&t.admin_token),
            None,
        )
        .await;
    let days: Value = serde_json::from_str::<Value>(&a.body).unwrap()["items"].take();
    assert_eq!(
        days,
        json!([
            {"day": "2026-11-20", "events": 1, "page_views": 0, "active_users": 1, "seats_in_use": 1, "features_used": 1},
            {"day": "2026-11-21", "events": 2, "page_views": 1, "active_users": 2, "seats_in_use": 2, "features_used": 1},
        ])
    );
}

/// Usage that arrives before its account, the account then imported from a CSV file: the
/// group call and the user's tracks attach once the import has run, and the usage counts.
#[tokio::test]
async fn usage_sent_before_an_imported_account_attaches_to_it() {
    let t = Intake::new().await;
    let store = &t.web.db.store;
    let batch = json!({"batch": [
        {"type": "group", "userId": "u1", "groupId": "NEWCO", "timestamp": "2026-11-20T09:00:00Z"},
        {"type": "track", "userId": "u1", "event": "Report Built", "timestamp": "2026-11-20T09:01:00Z"},
        {"type": "track", "userId": "u1", "event": "Export", "timestamp": "2026-11-21T09:00:00Z"},
    ]});
    let (s, _) = t
        .post("/v1/batch", json_bytes(batch), Some(&t.key), false)
        .await;
    assert_eq!(s, StatusCode::OK);
    let ops = t
        .web
        .user("ops@example.com", Role::Admin, Function::Operations)
        .await;
    let browser = t.web.sign_in(&ops).await;
    let imported = t
        .web
        .upload(
            &browser,
            "accounts",
            "accounts.csv",
            "external_id,name\r\nNEWCO,NewCo\r\n",
        )
        .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let action = imported.body.split("action=\"/import/").nth(1).unwrap();
    let id = &action[..action.find('"').unwrap()];
    let done = t
        .web
        .post(&format!("/import/{id}"), Some(&browser), &[], true)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    // The server's job tick attaches waiting events.
    assert_eq!(store.attach_unmapped().await.unwrap(), 3);
    let (newco,): (i64,) = sqlx::query_as("SELECT id FROM accounts WHERE external_id = 'NEWCO'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let a = t
        .web
        .api(
            "GET",
            &format!(
                "/api/v1/accounts/{}/usage?from=2026-11-01&to=2026-11-30",
                newco
            ),
            Some(&t.admin_token),
            None,
        )
        .await;
    let days: Value = serde_json::from_str::<Value>(&a.body).unwrap()["items"].take();
    assert_eq!(days.as_array().unwrap().len(), 2, "{days}");
    assert_eq!(days[0]["events"], 1, "{days}");
    assert_eq!(days[1]["events"], 1, "{days}");
}

#[tokio::test]
async fn tickets_and_surveys_over_the_api_name_what_is_wrong() {
    let t = Intake::new().await;
    let acme = t
        .web
        .db
        .store
        .create_account(
            &Actor::system("test"),
            &AccountPatch {
                name: Some("Acme".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = acme.id.to_string();
    let post = |path: &'static str, body: Value| {
        let token = t.admin_token.clone();
        let web = &t.web;
        async move { web.api("POST", path, Some(&token), Some(body)).await }
    };
    let a = post(
        "/api/v1/surveys",
        json!({"account_id": id, "kind": "nps", "score": 12, "answered_on": "2026-11-20"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let p: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(p["field"], "score");
    assert!(p["detail"].as_str().unwrap().contains("0 to 10"));
    let a = post("/api/v1/tickets", json!({"account_id": id, "opened_at": "2026-11-20T10:00:00Z", "resolved_at": "2026-11-19T10:00:00Z"})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = post("/api/v1/tickets", json!({"account_id": id, "external_id": "Z-1", "subject": "Slow export", "opened_at": "2026-11-20T10:00:00Z", "severity": "P1", "escalated": true})).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let again = post("/api/v1/tickets", json!({"account_id": id, "external_id": "Z-1", "subject": "Slow export", "opened_at": "2026-11-20T10:00:00Z", "status": "solved", "resolved_at": "2026-11-21T10:00:00Z"})).await;
    assert_eq!(again.status, StatusCode::CREATED);
    let list = t
        .web
        .api(
            "GET",
            &format!("/api/v1/tickets?account_id={id}"),
            Some(&t.admin_token),
            None,
        )
        .await;
    let list: Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the same help-desk id updates"
    );
    assert_eq!(list["items"][0]["status"], "solved");
}

/// An erasure request: the person is named nowhere afterwards (contact, audit log, the traits
/// on their usage events, loose and in blocks), their contact stays for the account's history,
/// and only an admin with a reason may ask.
#[tokio::test]
async fn an_erased_contact_is_named_nowhere() {
    let t = Intake::new().await;
    let store = &t.web.db.store;
    t.acme().await;
    let api = |method: &'static str, path: String, token: String, body: Option<Value>| {
        let web = &t.web;
        async move {
            let a = web.api(method, &path, Some(&token), body).await;
            (
                a.status,
                serde_json::from_str::<Value>(&a.body).unwrap_or(Value::Null),
            )
        }
    };
    let admin = t.admin_token.clone();
    let (s, ann) = api(
        "POST",
        "/api/v1/contacts".into(),
        admin.clone(),
        Some(json!({"account_external_id": "ACME", "name": "Ann Lee", "email": "ann@acme.example", "title": "VP Ops"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ann}");
    let id = ann["id"].as_str().unwrap().to_string();
    let (s, _) = api(
        "PATCH",
        format!("/api/v1/contacts/{id}"),
        admin.clone(),
        Some(json!({"title": "COO"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Her usage, before and after her account is known: loose events and a block.
    let batch = json!({"batch": [
        {"type": "identify", "userId": "u-ann", "traits": {"email": "ann@acme.example", "name": "Ann Lee"}, "context": {"ip": "203.0.113.9"}, "timestamp": "2026-11-20T09:00:00Z"},
        {"type": "group", "userId": "u-ann", "groupId": "ACME", "timestamp": "2026-11-20T09:00:01Z"},
        {"type": "track", "userId": "u-ann", "event": "Report Built", "context": {"groupId": "ACME", "traits": {"email": "ann@acme.example"}}, "timestamp": "2026-11-20T09:01:00Z"},
    ]});
    let (s, _) = t
        .post("/v1/batch", json_bytes(batch), Some(&t.key), false)
        .await;
    assert_eq!(s, StatusCode::OK);
    let named = |v: &Value| {
        let s = v.to_string();
        s.contains("ann@acme.example") || s.contains("Ann Lee") || s.contains("203.0.113.9")
    };
    assert!(
        t.events().await.iter().any(named),
        "the events name her before"
    );

    // Only an admin may ask, with a reason; an unknown contact is not found.
    let csm = t
        .web
        .user("csm@example.com", Role::Csm, Function::Csm)
        .await;
    let csm = t.web.token(&csm).await;
    let erase = format!("/api/v1/contacts/{id}/erase");
    let (s, _) = api("POST", erase.clone(), csm, Some(json!({"reason": "asked"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, p) = api(
        "POST",
        erase.clone(),
        admin.clone(),
        Some(json!({"reason": " "})),
    )
    .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason")),
        "{p}"
    );
    let (s, _) = api(
        "POST",
        "/api/v1/contacts/999999/erase".into(),
        admin.clone(),
        Some(json!({"reason": "asked"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        t.events().await.iter().any(named),
        "a refused request changes nothing"
    );

    let (s, done) = api(
        "POST",
        erase,
        admin.clone(),
        Some(json!({"reason": "GDPR request 7, by email"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["audit_entries"], 2, "created, then the title changed");
    assert!(done["events"].as_u64().unwrap() >= 2, "{done}");
    let (_, now) = api("GET", format!("/api/v1/contacts/{id}"), admin.clone(), None).await;
    assert_eq!(
        (
            now["name"].as_str(),
            now["email"].as_str(),
            now["title"].as_str()
        ),
        (Some("Erased contact"), None, None),
        "{now}"
    );
    let events = t.events().await;
    assert_eq!(events.len(), 3, "what she did is kept");
    assert!(!events.iter().any(named), "{events:?}");
    let audit = store
        .audit_entries(&sherpa_store::AuditQuery {
            entity: Some("contact".into()),
            entity_id: Some(id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 3);
    for e in &audit {
        assert!(!named(&json!([e.before, e.after])), "{e:?}");
    }
    assert_eq!(audit[0].action, "erase");
    assert_eq!(
        audit[0].after.as_ref().unwrap()["reason"],
        "GDPR request 7, by email"
    );
}

/// An account deleted by an admin takes what hangs off it (people, terms, usage) and the
/// people's copies in the audit log; a subsidiary stays without a parent; the deletion and its
/// reason are audited.
#[tokio::test]
async fn a_deleted_account_takes_its_people_terms_and_usage() {
    let t = Intake::new().await;
    let store = &t.web.db.store;
    let system = Actor::system("test");
    let acme = t.acme().await;
    let child = store
        .create_account(
            &system,
            &AccountPatch {
                name: Some("Acme Europe".into()),
                parent: Some(Some(AccountRef::Id(acme.id))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let api = |method: &'static str, path: String, body: Option<Value>| {
        let (web, token) = (&t.web, t.admin_token.clone());
        async move {
            let a = web.api(method, &path, Some(&token), body).await;
            (
                a.status,
                serde_json::from_str::<Value>(&a.body).unwrap_or(Value::Null),
            )
        }
    };
    let (s, ann) = api(
        "POST",
        "/api/v1/contacts".into(),
        Some(json!({"account_id": acme.id.to_string(), "name": "Ann Lee", "email": "ann@acme.example"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{ann}");
    let (s, term) = api(
        "POST",
        "/api/v1/contracts".into(),
        Some(json!({"account_id": acme.id.to_string(), "arr": {"amount": "12000.00", "currency": "USD"}, "start_date": "2026-01-01", "end_date": "2026-12-31"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{term}");
    let batch = json!({"batch": [
        {"type": "group", "userId": "u1", "groupId": "ACME", "timestamp": "2026-11-20T09:00:00Z"},
        {"type": "track", "userId": "u1", "event": "Report Built", "timestamp": "2026-11-20T09:01:00Z"},
    ]});
    let (s, _) = t
        .post("/v1/batch", json_bytes(batch), Some(&t.key), false)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(t.events().await.len(), 2);

    let path = format!("/api/v1/accounts/{}", acme.id);
    let (s, p) = api("DELETE", path.clone(), None).await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason")),
        "{p}"
    );
    let (s, done) = api(
        "DELETE",
        format!("{path}?reason=duplicate%20of%20ACME-2"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        done,
        json!({"id": acme.id.to_string(), "name": "Acme", "contacts": 1, "contract_terms": 1, "events": 2, "subsidiaries": 1})
    );
    let (s, _) = api("GET", path.clone(), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = api(
        "GET",
        format!("/api/v1/contacts/{}", ann["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(t.events().await.is_empty());
    assert_eq!(
        store.account(child.id).await.unwrap().fields.parent_id,
        None
    );
    let audit = store
        .audit_entries(&sherpa_store::AuditQuery {
            account_id: Some(acme.id),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    let deletion = audit
        .iter()
        .find(|e| e.entity == "account" && e.action == "delete")
        .expect("the deletion is audited");
    assert_eq!(
        deletion.after.as_ref().unwrap()["reason"],
        "duplicate of ACME-2"
    );
    assert!(
        !audit.iter().any(|e| json!([e.before, e.after])
            .to_string()
            .contains("ann@acme.example")),
        "{audit:?}"
    );
}
