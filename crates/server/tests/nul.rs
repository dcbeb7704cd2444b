//! Text holds no NUL, at every door and on both engines: every text field of every API body
//! and every text query parameter (walked from the OpenAPI document), the pages' forms and
//! uploads, and the Segment intake, where one bad message leaves its batch's others stored.

mod common;

use axum::http::StatusCode;
use common::Web;
use serde_json::{Map, Value, json};
use sherpa_core::*;
use sherpa_store::AuditQuery;

/// Follows `$ref`s into the document's schemas.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Every path to a text field of a schema, as the refusal names it (`contacts[0].email`).
fn text_fields(doc: &Value, schema: &Value, path: &str, depth: usize, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if depth > 5 {
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for s in schema[key].as_array().into_iter().flatten() {
            text_fields(doc, s, path, depth + 1, out);
        }
    }
    if is_string(schema) && !path.is_empty() {
        out.push(path.to_string());
    }
    if let Some(items) = schema.get("items") {
        text_fields(doc, items, &format!("{path}[0]"), depth + 1, out);
    }
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        let here = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        text_fields(doc, field, &here, depth + 1, out);
    }
}

/// A body holding `text` at `path`, and nothing else.
fn body_at(path: &str, text: &str) -> Value {
    let (head, rest) = match path.find(['.', '[']) {
        Some(i) => (&path[..i], &path[i..]),
        None => (path, ""),
    };
    let inner = if let Some(r) = rest.strip_prefix("[0]") {
        let item = match r.strip_prefix('.') {
            Some(r) => body_at(r, text),
            None => Value::String(text.into()),
        };
        json!([item])
    } else if let Some(r) = rest.strip_prefix('.') {
        body_at(r, text)
    } else {
        Value::String(text.into())
    };
    let mut m = Map::new();
    m.insert(head.to_string(), inner);
    Value::Object(m)
}

async fn audit_count(web: &Web) -> usize {
    let q = AuditQuery {
        limit: 100_000,
        ..Default::default()
    };
    web.db.store.audit_entries(&q).await.unwrap().len()
}

#[tokio::test]
async fn every_text_field_and_parameter_of_the_api_refuses_a_nul_naming_it() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let token = web.token(&admin).await;
    let account = web.account("Acme", &[]).await;
    let doc: Value =
        serde_json::from_str(&web.get("/api/v1/openapi.json", None).await.body).unwrap();
    let before = audit_count(&web).await;
    let (mut fields, mut parameters) = (0, 0);
    for (template, operations) in doc["paths"].as_object().unwrap() {
        let path = template
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    account.id.0.to_string()
                } else {
                    part.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, op) in operations.as_object().unwrap() {
            let content = &op["requestBody"]["content"];
            for kind in ["application/json", "application/merge-patch+json"] {
                let Some(schema) = content.get(kind).map(|c| &c["schema"]) else {
                    continue;
                };
                let mut texts = Vec::new();
                text_fields(&doc, schema, "", 0, &mut texts);
                for field in texts {
                    let body = body_at(&field, "before\u{0}after");
                    let a = web
                        .api(&method.to_uppercase(), &path, Some(&token), Some(body))
                        .await;
                    assert_eq!(
                        a.status,
                        StatusCode::BAD_REQUEST,
                        "{method} {path} {field}: {}",
                        a.body
                    );
                    let problem: Value = serde_json::from_str(&a.body).unwrap();
                    assert_eq!(
                        problem["field"],
                        field.as_str(),
                        "{method} {path}: {}",
                        a.body
                    );
                    assert!(
                        problem["detail"].as_str().unwrap().contains("NUL"),
                        "{}",
                        a.body
                    );
                    fields += 1;
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] != "query" || !is_string(resolve(&doc, &p["schema"])) {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                let uri = format!("{path}?{name}=a%00b");
                let a = web
                    .api(&method.to_uppercase(), &uri, Some(&token), None)
                    .await;
                assert_eq!(
                    a.status,
                    StatusCode::BAD_REQUEST,
                    "{method} {uri}: {}",
                    a.body
                );
                let problem: Value = serde_json::from_str(&a.body).unwrap();
                assert_eq!(problem["field"], name, "{method} {uri}: {}", a.body);
                parameters += 1;
            }
        }
    }
    // The walk is not vacuous: the API has many text fields and text parameters.
    assert!(fields >= 50, "only {fields} text fields found");
    assert!(parameters >= 15, "only {parameters} text parameters found");
    assert_eq!(audit_count(&web).await, before, "nothing was changed");
    // An address with a NUL, and a NUL escaped in a key.
    let a = web
        .api("GET", "/api/v1/accounts/1%00", Some(&token), None)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    let a = web
        .api(
            "POST",
            "/api/v1/accounts",
            Some(&token),
            Some(json!({"name": "Beta", "custom_fields": {"re\u{0}gion": "EU"}})),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(
        a.body.contains("custom_fields.re\\\\u0000gion"),
        "{}",
        a.body
    );
    // The text "\u0000" (a backslash, then u0000) is no NUL, and is kept as written.
    let a = web
        .api(
            "POST",
            "/api/v1/accounts",
            Some(&token),
            Some(json!({"name": "Beta \\u0000 Ltd"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let created: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(created["name"], "Beta \\u0000 Ltd");
}

#[tokio::test]
async fn a_page_form_or_upload_with_a_nul_is_refused_naming_the_field_or_cell() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let browser = web.sign_in(&admin).await;
    // Signing in: the form's email.
    let a = web
        .post(
            "/login",
            None,
            &[("email", "admin@example.com\0"), ("password", "x")],
            false,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.content_type.starts_with("text/html"));
    assert!(
        a.text().contains("email: contains a NUL character"),
        "{}",
        a.body
    );
    // A search box.
    let a = web.get("/portfolio?q=ac%00me", Some(&browser)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    assert!(
        a.text().contains("q: contains a NUL character"),
        "{}",
        a.body
    );
    // A spreadsheet names the line and the column.
    let a = web
        .upload(
            &browser,
            "accounts",
            "book.csv",
            "name,industry\nAcme,Retail\nBeta,Soft\0ware\n",
        )
        .await;
    assert!(
        a.text()
            .contains("line 3, column \"industry\": contains a NUL"),
        "{}",
        a.body
    );
    let acme = web
        .db
        .store
        .find_account(&AccountRef::Name("Acme".into()))
        .await;
    assert!(acme.is_err(), "nothing was imported");
}

/// An admin's ingest key and API token.
async fn intake(web: &Web) -> (String, String) {
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    (web.ingest_key(&admin).await, web.token(&admin).await)
}

async fn send_batch(web: &Web, key: &str, batch: &Value) -> (StatusCode, Value) {
    let a = web.send(Web::segment_batch(key, batch)).await;
    (
        a.status,
        serde_json::from_str(&a.body).unwrap_or(Value::Null),
    )
}

async fn stored_ids(web: &Web, token: &str) -> Vec<String> {
    let a = web
        .api("GET", "/api/v1/events?limit=1000", Some(token), None)
        .await;
    let v: Value = serde_json::from_str(&a.body).unwrap();
    let mut ids: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["messageId"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_intake_message_with_a_nul_is_rejected_alone_and_never_fails_other_clients() {
    let web = Web::new().await;
    let (key, token) = intake(&web).await;
    let poison = [
        json!({"type": "track", "userId": "u\u{0}", "event": "E", "messageId": "p1"}),
        json!({"type": "track", "userId": "u", "event": "E\u{0}", "messageId": "p2"}),
        json!({"type": "identify", "userId": "u", "traits": {"email": "a\u{0}@b.c"}, "messageId": "p3"}),
        json!({"type": "group", "userId": "u", "groupId": "G\u{0}", "messageId": "p4"}),
        json!({"type": "page", "userId": "u", "name": "Home", "properties": {"path": "/\u{0}"}, "messageId": "p5"}),
        json!({"type": "track", "userId": "u", "event": "E", "context": {"groupId": "\u{0}"}, "messageId": "p6"}),
    ];
    for (i, bad) in poison.iter().enumerate() {
        let batch = json!({"batch": [
            {"type": "track", "userId": "u", "event": "Report Built", "messageId": format!("ok{i}a")},
            bad,
            {"type": "track", "userId": "u", "event": "Report Built", "messageId": format!("ok{i}b")},
        ]});
        let (status, b) = send_batch(&web, &key, &batch).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{b}");
        assert_eq!(b["rejected"][0]["index"], 1, "{b}");
        assert_eq!(b["rejected"][0]["code"], "nul_character", "{b}");
        assert_eq!(b["rejected"].as_array().unwrap().len(), 1, "{b}");
    }
    let ids = stored_ids(&web, &token).await;
    assert_eq!(ids.len(), 12, "every good message stored: {ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("ok")), "{ids:?}");

    // Four clients sending good batches beside one sending NULs: every good batch lands.
    let mut clients = Vec::new();
    for c in 0..5 {
        let (web, key) = (web.router.clone(), key.clone());
        clients.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..20 {
                let event = if c == 4 { "Bad\u{0}" } else { "Good" };
                let batch = json!({"batch": (0..25).map(|m| json!({
                    "type": "track", "userId": "u", "event": event,
                    "messageId": format!("c{c}-{n}-{m}")
                })).collect::<Vec<_>>()});
                let req = Web::segment_batch(&key, &batch);
                let resp = tower::ServiceExt::oneshot(web.clone(), req).await.unwrap();
                statuses.push(resp.status());
            }
            (c, statuses)
        }));
    }
    for client in clients {
        let (c, statuses) = client.await.unwrap();
        let want = if c == 4 {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        assert!(
            statuses.iter().all(|s| *s == want),
            "client {c}: {statuses:?}"
        );
    }
    let a = web
        .api("GET", "/api/v1/intake/status", Some(&token), None)
        .await;
    let status: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(status["accepted"], 12 + 4 * 20 * 25, "{status}");
}

/// Behind the doors, the writer keeps one refused message from failing its batch: a message
/// that reached it with a NUL (which PostgreSQL cannot store) is named, and the others stored.
#[tokio::test]
async fn the_writer_stores_a_batch_without_the_message_the_database_refuses() {
    let web = Web::new().await;
    let writer = sherpa_server::intake::Writer::start(web.db.store.clone());
    let now = web.db.clock.now();
    let message = |id: &str| {
        let text = format!(r#"{{"type":"track","userId":"u","event":"Built","messageId":"{id}"}}"#);
        sherpa_core::intake::parse_message(&text, now).unwrap()
    };
    let mut bad = message("bad");
    bad.name = Some("Bu\u{0}ilt".into());
    bad.body = bad.body.replace("Built", "Bu\\u0000ilt");
    let stored = writer
        .store(vec![message("one"), bad, message("two")], now)
        .await
        .unwrap();
    if web.db.store.engine() == sherpa_store::Engine::Postgres {
        assert_eq!(stored.refused, vec![1]);
        assert_eq!(stored.outcome.accepted, 2);
    } else {
        // SQLite can hold a NUL: nothing is refused there (the doors refuse it first).
        assert_eq!(stored.refused, Vec::<usize>::new());
        assert_eq!(stored.outcome.accepted, 3);
    }
    // The next batch is unaffected.
    let next = writer.store(vec![message("three")], now).await.unwrap();
    assert_eq!((next.outcome.accepted, next.refused.len()), (1, 0));
}
