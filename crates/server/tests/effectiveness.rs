//! Effectiveness through both doors, on SQLite and on PostgreSQL (`SHERPA_TEST_PG`): a model
//! refused by key, an account's phase measured from who used each feature and a health metric,
//! its baseline, a change the customer made and one the model made, what to do next, the phase
//! counts, and the account page; then the demo's phases recomputed from its events alone.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use common::Web;
use serde_json::{Value, json};
use sherpa_core::demo::{DemoBook, demo_model};
use sherpa_core::effectiveness::{FeatureUse, Measures};
use sherpa_core::*;
use std::collections::{BTreeMap, BTreeSet};

fn body(a: &common::Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or(Value::Null)
}

/// Sends Segment track events of ACME: (user, event, day).
async fn send(web: &Web, key: &str, events: &[(&str, &str, &str)]) {
    let batch: Vec<Value> = events
        .iter()
        .map(|(u, e, day)| {
            json!({"type": "track", "userId": u, "event": e, "context": {"groupId": "ACME"},
                   "timestamp": format!("{day}T10:00:00Z")})
        })
        .collect();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
    let sent = web
        .send(
            Request::builder()
                .method("POST")
                .uri("/v1/batch")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Basic {basic}"))
                .body(Body::from(json!({ "batch": batch }).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
}

/// Three phases: reports built by two people; shared by 30% of the seats; automated by one
/// person with at least `active` people active in 30 days.
fn model(active: f64, automators: u32) -> Value {
    json!({
        "rules": [{"then": "Reporting"}],
        "models": [{
            "name": "Reporting",
            "phases": [
                {"name": "Building", "behaviours": [
                    {"name": "Reports built", "feature": "Report Built", "users_at_least": 2}]},
                {"name": "Sharing", "behaviours": [
                    {"name": "Reports shared", "feature": "Report Shared", "seats_percent_at_least": 30}]},
                {"name": "Automating", "behaviours": [
                    {"name": "Workflows", "feature": "Workflow Automated", "users_at_least": automators},
                    {"name": "A team on it", "metric": "active_users_30d", "at_least": active}]}
            ]
        }]
    })
}

/// A book of one account, Acme (external id ACME, 10 seats), owned by Casey; and its people.
struct Book {
    web: Web,
    app: sherpa_app::App,
    acme: Account,
    casey: User,
    admin_t: String,
    casey_t: String,
    viewer_t: String,
    key: String,
}

async fn book() -> Book {
    let web = Web::new().await;
    let store = &web.db.store;
    let app = sherpa_app::App::new(store.clone());
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let casey = web
        .user("casey@example.com", Role::Csm, Function::Csm)
        .await;
    let viewer = web
        .user("vic@example.com", Role::Viewer, Function::Operations)
        .await;
    let (admin_t, casey_t, viewer_t) = (
        web.token(&admin).await,
        web.token(&casey).await,
        web.token(&viewer).await,
    );
    let key = web.ingest_key(&admin).await;
    let acme = store
        .create_account(
            &Actor::system("test"),
            &AccountPatch {
                name: Some("Acme".into()),
                external_id: Some(Some("ACME".into())),
                owners: [(OwnerFunction::Csm, Some(PersonRef::Id(casey.id)))].into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let term = web
        .api(
            "POST",
            "/api/v1/contracts",
            Some(&admin_t),
            Some(json!({"account_id": acme.id.to_string(), "arr": {"amount": "12000", "currency": "USD"},
                "seats": 10, "start_date": "2026-01-01", "end_date": "2026-12-31"})),
        )
        .await;
    assert_eq!(term.status, StatusCode::CREATED, "{}", term.body);
    Book {
        web,
        app,
        acme,
        casey,
        admin_t,
        casey_t,
        viewer_t,
        key,
    }
}

/// Two people built reports, one shared one, a workflow was automated 40 days ago.
const FIRST_USE: &[(&str, &str, &str)] = &[
    ("u1", "Report Built", "2026-11-20"),
    ("u2", "Report Built", "2026-11-21"),
    ("u1", "Report Shared", "2026-11-21"),
    ("u3", "Workflow Automated", "2026-10-14"),
];

/// Sends events of Acme and refreshes its health (and so its phase).
async fn use_product(b: &Book, events: &[(&str, &str, &str)]) {
    send(&b.web, &b.key, events).await;
    b.web.db.store.settle_usage().await.unwrap();
    b.web.db.store.health_watch().mark([b.acme.id]);
    b.app.refresh_marked_health().await.unwrap();
}

#[tokio::test]
async fn a_phase_is_measured_from_who_uses_each_feature_with_its_baseline_and_history() {
    let b = book().await;
    let Book {
        web,
        app,
        acme,
        casey,
        admin_t,
        casey_t,
        viewer_t,
        ..
    } = &b;
    let store = &web.db.store;

    // A model naming features no event has brought is refused by key, and nothing changes.
    let refused = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(admin_t),
            Some(model(4.0, 1)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains(
            "models[0].phases[0].behaviours[0].feature: \\\"Report Built\\\" is not a feature of the catalogue"
        ),
        "{}",
        refused.body
    );
    let two = json!({"rules": [{"then": "X"}], "models": [{"name": "X", "phases": [
        {"name": "a", "behaviours": [{"name": "b", "metric": "dau_mau", "at_least": 1}]},
        {"name": "c", "behaviours": [{"name": "d", "metric": "dau_mau", "at_least": 2}]}]}]});
    let refused = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(admin_t),
            Some(two),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("models[0].phases: 3 to 7 phases"),
        "{}",
        refused.body
    );
    assert!(
        store
            .effectiveness_config_versions()
            .await
            .unwrap()
            .is_empty()
    );

    // Two people built reports; one shared one; a workflow was automated 40 days ago.
    use_product(&b, FIRST_USE).await;

    // A CSM may not change the models; an admin may, now that the catalogue knows them.
    let denied = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(casey_t),
            Some(model(4.0, 1)),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);
    let saved = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(admin_t),
            Some(model(4.0, 1)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    let path = format!("/api/v1/accounts/{}/effectiveness", acme.id);
    let e = body(&web.api("GET", &path, Some(viewer_t), None).await);
    assert_eq!(e["model"], "Reporting");
    assert_eq!(e["phase"], 1, "{e}");
    assert_eq!(e["phase_name"], "Building");
    assert_eq!(e["baseline"]["phase"], 1);
    assert_eq!(e["baseline"]["reason"], "baseline");
    // One of ten seats shared a report: 10%, under 30%; the workflow is older than 30 days.
    let shared = &e["behaviours"][1];
    assert_eq!(shared["now"], json!({"value": 10.0, "met": false}), "{e}");
    assert_eq!(shared["unit"], "% of seats");
    assert_eq!(e["behaviours"][2]["now"]["value"], 0.0);
    assert_eq!(e["next_steps"]["phase_name"], "Sharing");
    // Alone in its book, the account is compared with nobody: no benchmark is shown.
    assert!(
        e["behaviours"][0]["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_null)
    );
    assert_eq!(e["next_steps"]["behaviours"][0]["name"], "Reports shared");

    // The team takes it up: three more share, one automates; four people active.
    use_product(
        &b,
        &[
            ("u2", "Report Shared", "2026-11-22"),
            ("u3", "Report Shared", "2026-11-22"),
            ("u4", "Workflow Automated", "2026-11-23"),
        ],
    )
    .await;
    let e = body(&web.api("GET", &path, Some(casey_t), None).await);
    assert_eq!(e["phase"], 3, "{e}");
    assert!(e["next_steps"].is_null(), "the last phase has no next: {e}");
    assert_eq!(e["behaviours"][1]["now"]["value"], 30.0);
    assert_eq!(
        e["behaviours"][1]["baseline"]["value"], 10.0,
        "the baseline keeps its value"
    );
    let reasons: Vec<(i64, String)> = e["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["phase"].as_i64().unwrap(),
                h["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(reasons, [(1, "baseline".into()), (3, "change".into())]);

    // A stricter model moves the phase: the model's doing, not the customer's.
    let stricter = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(admin_t),
            Some(model(4.0, 2)),
        )
        .await;
    assert_eq!(stricter.status, StatusCode::OK, "{}", stricter.body);
    let models = body(&stricter);
    assert_eq!(models["models"][0]["phases"][1]["accounts"], 1, "{models}");
    assert_eq!(
        models["models"][0]["phases"][0]["behaviours"][0]["measure"],
        "Report Built used by at least 2 people in the last 30 days"
    );
    let e = body(&web.api("GET", &path, Some(casey_t), None).await);
    assert_eq!(e["phase"], 2);
    assert_eq!(e["history"][2]["reason"], "model_change");
    assert_eq!(
        e["next_steps"]["behaviours"][0]["measure"],
        "Workflow Automated used by at least 2 people in the last 30 days"
    );

    // The account page says the same.
    let browser = web.sign_in(casey).await;
    let page = web
        .get(&format!("/accounts/{}", acme.id), Some(&browser))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Sharing (phase 2 of 3)"), "{text}");
    assert!(text.contains("What to do next: reach <span id=\"effectiveness-next\">Automating"));
    assert!(text.contains("Baseline 23 Nov 2026: Building"), "{text}");

    // The configuration file carries the models, checked the same way.
    let file = app.export_config().await.unwrap();
    assert!(file.contains("[effectiveness]") || file.contains("[[effectiveness.models]]"));
    let bad = file.replace("users_at_least = 2", "users_at_least = 0");
    let refused = app
        .import_config(&sherpa_app::Caller::operator(), &bad, false)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("effectiveness.models[0].phases[0].behaviours[0].users_at_least: at least 1"),
        "{refused}"
    );
}

/// The next phase is due the model's days after the account reached its own; each unmet
/// behaviour becomes, with one press, a success-plan objective read by Sherpa from the measure
/// the model judges: from today's value to the threshold by that date.
#[tokio::test]
async fn the_next_phases_unmet_behaviours_become_success_plan_objectives() {
    let b = book().await;
    let (web, acme) = (&b.web, &b.acme);
    use_product(&b, FIRST_USE).await;
    let mut reporting = model(4.0, 1);
    reporting["models"][0]["phase_days"] = json!(60);
    let saved = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(&b.admin_t),
            Some(reporting),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    let path = format!("/api/v1/accounts/{}/effectiveness", acme.id);
    let e = body(&web.api("GET", &path, Some(&b.casey_t), None).await);
    let plan = &e["improvement"];
    assert_eq!(plan["phase_name"], "Sharing", "{e}");
    assert_eq!(plan["reached_on"], "2026-11-23");
    assert_eq!(
        plan["due_on"], "2027-01-22",
        "60 days after it reached Building"
    );
    assert_eq!(plan["overdue"], false);
    let shared = &plan["objectives"][0];
    assert_eq!(shared["behaviour"], "Reports shared");
    assert_eq!(shared["on_plan"], false);
    let measure = &shared["objective"]["measure"];
    assert_eq!(measure["unit"], "% of seats using Report Shared");
    assert_eq!(
        (&measure["baseline"], &measure["target"]),
        (&json!("10"), &json!("30")),
        "{shared}"
    );
    assert_eq!(measure["target_on"], "2027-01-22");
    assert_eq!(
        shared["objective"]["source"],
        json!({"from": "feature", "feature": "Report Shared", "share_of_seats": true})
    );

    // No plan yet: the objective has nowhere to go, and the refusal says what to do.
    let add = |token: &str, behaviour: &str| {
        let url = format!("/api/v1/accounts/{}/effectiveness/objectives", acme.id);
        let token = token.to_string();
        let behaviour = behaviour.to_string();
        async move {
            web.api(
                "POST",
                &url,
                Some(&token),
                Some(json!({ "behaviour": behaviour })),
            )
            .await
        }
    };
    let refused = add(&b.casey_t, "Reports shared").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("no success plan yet"),
        "{}",
        refused.body
    );
    let plan_path = format!("/api/v1/accounts/{}/plan", acme.id);
    let started = web
        .api(
            "PUT",
            &plan_path,
            Some(&b.casey_t),
            Some(json!({"content": {"success": "The board reads our reports every month"}})),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);

    // A behaviour of a later phase is not a next step; a viewer changes nothing.
    let refused = add(&b.casey_t, "Workflows").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains(
            "not an unmet behaviour of the next phase, Sharing; use one of \\\"Reports shared\\\""
        ),
        "{}",
        refused.body
    );
    let refused = add(&b.viewer_t, "Reports shared").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // One press: the objective is on the plan, its first value read at once.
    let added = add(&b.casey_t, "Reports shared").await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let plan = body(&added);
    let objective = &plan["objectives"][0];
    assert_eq!(objective["key"], "reports-shared", "{plan}");
    assert_eq!(
        objective["source"],
        "share of seats (%) that used \"Report Shared\" in the last 30 days"
    );
    assert_eq!(objective["values"][0]["value"], "10", "{plan}");
    assert_eq!(objective["values"][0]["source"], "feature");
    assert_eq!(objective["status"], "on_track", "{plan}");
    let again = add(&b.casey_t, "Reports shared").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let e = body(&web.api("GET", &path, Some(&b.casey_t), None).await);
    assert_eq!(e["improvement"]["objectives"][0]["on_plan"], true);

    // The pages agree: the section marks it, and the plan's form keeps where it is read from.
    let browser = web.sign_in(&b.casey).await;
    let page = web
        .get(&format!("/accounts/{}", acme.id), Some(&browser))
        .await
        .text();
    assert!(
        page.contains("by 22 Jan 2027, 60 days after it reached Building"),
        "{page}"
    );
    assert!(page.contains("on the success plan"), "{page}");
    let form = web
        .get(&format!("/accounts/{}/plan/edit", acme.id), Some(&browser))
        .await
        .text();
    assert!(
        form.contains("<option value=\"feature_seats\" selected>"),
        "{form}"
    );
    assert!(form.contains("value=\"Report Shared\""), "{form}");

    // Twenty days on, two more people share: 30% of the seats. The objective is reached, read
    // by Sherpa; the account moved up a phase, and the book shows how long that took.
    web.db.clock.advance(chrono::Duration::days(20));
    use_product(
        &b,
        &[
            ("u2", "Report Shared", "2026-12-12"),
            ("u3", "Report Shared", "2026-12-12"),
        ],
    )
    .await;
    b.app.measure_plans().await.unwrap();
    let plan = body(&web.api("GET", &plan_path, Some(&b.casey_t), None).await);
    assert_eq!(plan["objectives"][0]["status"], "achieved", "{plan}");
    assert_eq!(plan["objectives"][0]["achieved_on"], "2026-12-13");
    let models = body(
        &web.api(
            "GET",
            "/api/v1/effectiveness/models",
            Some(&b.viewer_t),
            None,
        )
        .await,
    );
    let m = &models["models"][0];
    assert_eq!(m["phases"][1]["accounts"], 1, "{m}");
    assert_eq!(
        m["segments"],
        json!([{"segment": null, "accounts": [0, 0, 1, 0]}])
    );
    assert_eq!(
        m["phase_times"],
        json!([{"from_phase": 1, "to_phase": 2, "accounts": 1, "median_days": 20,
                "p25_days": 20, "p75_days": 20}])
    );
    // (Twenty days outlast the session: sign in again.)
    let browser = web.sign_in(&b.casey).await;
    let page = web.get("/effectiveness", Some(&browser)).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(
        page.contains("<td>Building</td><td>Sharing</td><td class=\"num\">1</td><td class=\"num\">20 days</td>"),
        "{page}"
    );
    assert!(
        page.contains(
            "aria-label=\"All accounts: Not started 0, Building 0, Sharing 1, Automating 0\""
        ),
        "{page}"
    );
}

/// An admin edits the models, their rules and which offerings entitle which features as forms,
/// checked as the API checks them: a refusal sits beside its field and changes nothing.
#[tokio::test]
async fn models_rules_and_entitlements_are_edited_as_forms() {
    let b = book().await;
    let web = &b.web;
    use_product(&b, FIRST_USE).await;
    let saved = web
        .api(
            "PUT",
            "/api/v1/effectiveness/models",
            Some(&b.admin_t),
            Some(model(4.0, 1)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let admin = web
        .user("ops@example.com", Role::Admin, Function::Operations)
        .await;
    let browser = web.sign_in(&admin).await;
    let action = "/admin/effectiveness/models/0";
    let shown = common::form_fields(
        &web.get("/admin/effectiveness", Some(&browser)).await.text(),
        action,
    );
    let phase = |e: &Value| e["phase"].clone();
    let path = format!("/api/v1/accounts/{}/effectiveness", b.acme.id);
    assert_eq!(
        phase(&body(&web.api("GET", &path, Some(&b.casey_t), None).await)),
        1
    );

    // A threshold of no one is refused beside its field, with what was typed kept.
    let refused = web
        .post_edited(action, &browser, &shown, &[("p0.b0.at_least", "0")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains(
            "data-key=\"models[0].phases[0].behaviours[0].users_at_least\">at least 1</span>"
        ),
        "{text}"
    );
    assert!(
        text.contains("id=\"m0-p0-b0-at_least\" name=\"p0.b0.at_least\" value=\"0\""),
        "{text}"
    );

    // Three builders needed now, and 45 days to the next phase: Acme drops to "Not started".
    let done = web
        .post_edited(
            action,
            &browser,
            &shown,
            &[("p0.b0.at_least", "3"), ("phase_days", "45")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.text()
            .contains("Saved: model Reporting. Every account was judged again: 1 changed phase"),
        "{}",
        done.body
    );
    let e = body(&web.api("GET", &path, Some(&b.casey_t), None).await);
    assert_eq!(phase(&e), 0);
    assert_eq!(
        e["history"].as_array().unwrap().last().unwrap()["reason"],
        "model_change"
    );
    let config = body(
        &web.api(
            "GET",
            "/api/v1/effectiveness/models",
            Some(&b.admin_t),
            None,
        )
        .await,
    );
    let m = &config["config"]["models"][0];
    assert_eq!(
        (
            m["phase_days"].clone(),
            m["phases"][0]["behaviours"][0]["users_at_least"].clone()
        ),
        (json!(45), json!(3))
    );

    // A phase added at the end needs a behaviour; a rule may not give a model nobody defined.
    let added = web
        .post_edited(action, &browser, &shown, &[("new.name", "Leading")])
        .await;
    assert_eq!(added.status, StatusCode::BAD_REQUEST);
    assert!(
        added.text().contains("id=\"m0-new-name\""),
        "{}",
        added.body
    );
    let rules = common::form_fields(&done.text(), "/admin/effectiveness/rules");
    let refused = web
        .post_edited(
            "/admin/effectiveness/rules",
            &browser,
            &rules,
            &[("r0.then", "Nobody")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.text().contains("Nothing was changed"),
        "{}",
        refused.body
    );

    // Which offering entitles which feature: a box per offering the contracts name.
    let term = web
        .api(
            "POST",
            "/api/v1/contracts",
            Some(&b.admin_t),
            Some(json!({"account_id": b.acme.id.to_string(), "arr": {"amount": "1000", "currency": "USD"},
                "seats": 10, "start_date": "2026-01-01", "end_date": "2026-12-31",
                "products": ["Automation pack"]})),
        )
        .await;
    assert_eq!(term.status, StatusCode::CREATED, "{}", term.body);
    let page = web.get("/admin/adoption", Some(&browser)).await.text();
    let shown = common::form_fields(&page, "/admin/adoption");
    let row_of = |shown: &[(String, String)]| {
        shown
            .iter()
            .find(|(k, v)| k.ends_with(".feature") && v == "Workflow Automated")
            .map(|(k, _)| k.trim_end_matches(".feature").to_string())
            .unwrap()
    };
    let row = row_of(&shown);
    assert!(
        shown.contains(&("o0".into(), "Automation pack".into())),
        "{shown:?}"
    );
    let done = web
        .post_edited(
            "/admin/adoption",
            &browser,
            &shown,
            &[
                (&format!("{row}.function"), "Automation"),
                (&format!("{row}.o0"), "on"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.text().contains("Saved."), "{}", done.body);
    let config = body(
        &web.api("GET", "/api/v1/adoption/config", Some(&b.admin_t), None)
            .await,
    );
    assert_eq!(
        config["features"],
        json!([{"feature": "Workflow Automated", "function": "Automation", "products": ["Automation pack"]}]),
        "{config}"
    );
    // The form shows what is in force: the feature now heads its function's columns.
    let shown = common::form_fields(&done.text(), "/admin/adoption");
    let row = row_of(&shown);
    assert!(
        shown.contains(&(format!("{row}.o0"), "on".into())),
        "{shown:?}"
    );
    assert!(shown.contains(&(format!("{row}.function"), "Automation".into())));
}

/// The demo's phases, recomputed for each account from the events its product sends (the
/// users of each feature and the seats in use over 30 days) and the model alone, are the
/// phases Sherpa keeps.
#[tokio::test]
async fn the_demos_phases_follow_from_its_events_and_the_model_alone() {
    let web = Web::new().await;
    let store = &web.db.store;
    let app = sherpa_app::App::new(store.clone());
    let today = web.db.clock.today();
    let book = DemoBook::new(120, 42, today);
    store
        .load_demo(&book, "$argon2id$x", &|_, _| {})
        .await
        .unwrap();
    let voice = store.load_demo_voice(&book).await.unwrap();
    let weeks: Vec<chrono::NaiveDate> = (1..=4)
        .rev()
        .map(|w| today - chrono::Days::new(7 * w))
        .collect();
    store.backfill_health_snapshots(&weeks).await.unwrap();
    store.rebuild_health().await.unwrap();
    app.load_demo_effectiveness(&book, &voice).await.unwrap();

    let model = demo_model();
    let mut phases = BTreeSet::new();
    let mut compared = 0;
    for i in 0..book.accounts {
        let a = book.account(i);
        let id = AccountId(i as i64 + 1);
        let kept = store.account_effectiveness(id).await.unwrap();
        if a.fields.lifecycle == Some(Lifecycle::Churned) {
            continue;
        }
        let kept = kept.unwrap_or_else(|| panic!("account {i} is judged"));
        // Who did what in the last 30 days, from the raw events.
        let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut active: BTreeSet<String> = BTreeSet::new();
        for m in book.usage_messages(&a, 30) {
            let m: Value = serde_json::from_str(&m).unwrap();
            let user = m["userId"].as_str().unwrap().to_string();
            active.insert(user.clone());
            if let Some(event) = m["event"].as_str() {
                users.entry(event.into()).or_default().insert(user);
            }
        }
        let seats = book.seats_on(&a, today);
        let used = (!active.is_empty()).then(|| FeatureUse {
            seats,
            users: users
                .into_iter()
                .map(|(f, u)| (f, u.len() as u32))
                .collect(),
        });
        let utilisation = seats
            .filter(|s| *s > 0 && !active.is_empty())
            .map(|s| active.len() as f64 * 100.0 / s as f64);
        let metric = |k: &str| (k == "seat_utilisation").then_some(utilisation).flatten();
        let judged = model.assess(&Measures {
            metric: &metric,
            features: used.as_ref(),
        });
        assert_eq!(
            kept.assessment.phase, judged.phase,
            "account {i}: kept {:?}, from its events {:?}",
            kept.assessment.behaviours, judged.behaviours
        );
        phases.insert(judged.phase);
        compared += 1;
    }
    assert!(compared > 80, "{compared}");

    // Benchmarks compare with like companies, never from fewer than five: an account's
    // percentile for its first behaviour in its industry, counted here from every account's
    // kept values.
    let mut kept: Vec<(usize, Option<String>, Option<f64>)> = Vec::new();
    for i in 0..book.accounts {
        let a = book.account(i);
        if a.fields.lifecycle == Some(Lifecycle::Churned) {
            continue;
        }
        let k = store
            .account_effectiveness(AccountId(i as i64 + 1))
            .await
            .unwrap()
            .unwrap();
        kept.push((
            i,
            a.fields.industry.clone(),
            k.assessment.behaviours[0][0].value,
        ));
    }
    let mut shown = 0;
    for (i, industry, value) in kept.iter().take(30) {
        let e = app
            .account_effectiveness(&sherpa_app::Caller::operator(), AccountId(*i as i64 + 1))
            .await
            .unwrap();
        let first = &e.behaviours()[0];
        for b in first.benchmarks.iter().flatten() {
            assert!(b.peers >= 5, "account {i}: {b:?}");
        }
        let Some(at) = e.groups.iter().position(|g| g.kind == "industry") else {
            continue;
        };
        let peers: Vec<f64> = kept
            .iter()
            .filter(|(j, ind, _)| j != i && ind == industry)
            .filter_map(|(_, _, v)| *v)
            .collect();
        let expected = value.and_then(|v| sherpa_core::effectiveness::benchmark(v, &peers));
        assert_eq!(first.benchmarks[at], expected, "account {i}");
        shown += usize::from(expected.is_some());
    }
    assert!(shown > 10, "{shown} benchmarks shown");
    assert!(
        phases.len() >= 3,
        "the demo's customers stand in different phases: {phases:?}"
    );
}
