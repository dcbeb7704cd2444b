//! The engagement engine through the API, on SQLite and on PostgreSQL (`SHERPA_TEST_PG`): a
//! new customer's onboarding, a milestone marked done, a poor survey's task with its reason.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use sherpa_core::*;

fn body(a: &common::Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_new_customer_follows_its_model_and_each_task_says_why() {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let casey = web
        .user("casey@example.com", Role::Csm, Function::Csm)
        .await;
    let token = web.token(&admin).await;
    let acme = web.account("Acme", &[(OwnerFunction::Csm, casey.id)]).await;
    let id = acme.id.to_string();

    // A bad configuration names its key and changes nothing.
    let mut config = engagement::default_engagement();
    config.models[0].moments[0].when = engagement::Trigger::SeatUtilisationBelow(140);
    let bad = web
        .api(
            "PUT",
            "/api/v1/engagement/config",
            Some(&token),
            Some(serde_json::to_value(&config).unwrap()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        bad.body.contains("models[0].moments[0].when"),
        "{}",
        bad.body
    );

    // Every account follows Tier 2.
    let saved = web.everyone_follows(&token, "Tier 2: retention").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(body(&saved)["saved"], true);

    // The deal closes today (2026-11-23).
    let term = web
        .api(
            "POST",
            "/api/v1/contracts",
            Some(&token),
            Some(
                json!({"account_id": id, "arr": {"amount": "12000", "currency": "USD"},
                "start_date": "2026-11-23", "end_date": "2027-11-22"}),
            ),
        )
        .await;
    assert_eq!(term.status, StatusCode::CREATED, "{}", term.body);
    let swept = web.db.store.run_engagement().await.unwrap();
    assert_eq!(swept.fired, 1, "{swept:?}");

    let tasks = web
        .api(
            "GET",
            &format!("/api/v1/tasks?account_id={id}&status=open&due_before=2026-12-31"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(tasks.status, StatusCode::OK, "{}", tasks.body);
    let items = body(&tasks)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    let kickoff = &items[0];
    assert_eq!(kickoff["title"], "Join the kickoff call: Acme");
    assert_eq!(kickoff["due_on"], "2026-12-07");
    // The AE is vacant: the CSM gets it.
    assert_eq!(kickoff["owner_id"], casey.id.to_string());
    assert_eq!(
        kickoff["moment"],
        json!({"model": "Tier 2: retention", "moment": "sales_kickoff", "rule": "day 0 as a customer",
            "values": "day 0 as a customer (since 2026-11-23)", "occurrence": "customer:2026-11-23"})
    );
    let none = web
        .api(
            "GET",
            &format!("/api/v1/tasks?account_id={id}&due_before=2026-12-01"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(body(&none)["items"], json!([]));

    let e = web
        .api(
            "GET",
            &format!("/api/v1/accounts/{id}/engagement"),
            Some(&token),
            None,
        )
        .await;
    let e = body(&e);
    assert_eq!(e["model"], "Tier 2: retention");
    assert_eq!(e["why"], "rule 1: every account");
    assert_eq!(e["onboarded"], false);
    assert_eq!(e["milestones"][0]["key"], "kickoff");
    assert_eq!(e["milestones"][0]["expected_on"], "2026-12-07");
    assert_eq!(e["milestones"][0]["completed_on"], Value::Null);

    // The CSM marks the kickoff held; a second time is a conflict.
    let csm_token = web.token(&casey).await;
    let done = web
        .api(
            "POST",
            &format!("/api/v1/accounts/{id}/milestones/kickoff"),
            Some(&csm_token),
            Some(json!({})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(body(&done)["milestones"][0]["completed_on"], "2026-11-23");
    let again = web
        .api(
            "POST",
            &format!("/api/v1/accounts/{id}/milestones/kickoff"),
            Some(&csm_token),
            Some(json!({})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let analytics = web
        .api("GET", "/api/v1/onboarding/analytics", Some(&token), None)
        .await;
    let analytics = body(&analytics);
    assert_eq!(analytics["accounts"], 1);
    assert_eq!(
        analytics["steps"],
        json!([{"from": "contract_start", "to": "kickoff", "accounts": 1, "median_days": 0.0, "p90_days": 0.0}])
    );
    assert_eq!(analytics["cohorts"][0]["cohort"], "2026-Q4");
    let unknown = web
        .api(
            "POST",
            &format!("/api/v1/accounts/{id}/milestones/party"),
            Some(&csm_token),
            Some(json!({})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);

    // A poor NPS answer: an event-based task for the CSM, once.
    web.db
        .store
        .save_survey(
            &Actor::system("test"),
            &SurveyFields {
                account_id: acme.id,
                contact_id: None,
                external_id: None,
                kind: SurveyKind::Nps,
                score: Some(3),
                intent: None,
                comment: None,
                answered_on: "2026-11-23".parse().unwrap(),
            },
        )
        .await
        .unwrap();
    web.db.store.run_engagement().await.unwrap();
    web.db.store.run_engagement().await.unwrap();
    let tasks = web
        .api(
            "GET",
            &format!("/api/v1/tasks?owner_id={}&status=open", casey.id),
            Some(&token),
            None,
        )
        .await;
    let poor: Vec<Value> = body(&tasks)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["moment"]["moment"] == "poor_survey")
        .cloned()
        .collect();
    assert_eq!(poor.len(), 1, "{}", tasks.body);
    assert_eq!(poor[0]["moment"]["values"], "nps answer 3 on 2026-11-23");
    assert!(
        poor[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Tier 2: retention, moment \"poor_survey\" (a survey answer of NPS 6 or less, CSAT 2 or less, would not renew): nps answer 3"),
        "{}",
        poor[0]["reason"]
    );

    // A release needs a name.
    let r = web
        .api(
            "POST",
            "/api/v1/releases",
            Some(&token),
            Some(json!({"name": " "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("name"), "{}", r.body);

    // A customer that leaves is churned, not "ongoing": nothing is owed it any more.
    let engagement = format!("/api/v1/accounts/{id}/engagement");
    let before = web.api("GET", &engagement, Some(&token), None).await;
    assert_eq!(body(&before)["phase"], "onboarding");
    let left = web
        .api(
            "PATCH",
            &format!("/api/v1/accounts/{id}"),
            Some(&token),
            Some(json!({"lifecycle": "churned"})),
        )
        .await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.body);
    let after = web.api("GET", &engagement, Some(&token), None).await;
    assert_eq!(body(&after)["phase"], "churned", "{}", after.body);
}

#[tokio::test]
async fn a_misspelt_template_field_is_refused_and_the_preview_names_what_it_cannot_show() {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let token = web.token(&admin).await;
    web.account("Acme", &[]).await;

    let mut config = engagement::default_engagement();
    let tier_3 = config.models.len() - 1;
    let i = config.models[tier_3]
        .moments
        .iter()
        .position(|m| m.key == "welcome_email")
        .unwrap();
    config.models[tier_3].moments[i]
        .email
        .as_mut()
        .unwrap()
        .subject = "Welcome {{ contact.frist_name }}".into();
    let bad = web
        .api(
            "PUT",
            "/api/v1/engagement/config",
            Some(&token),
            Some(serde_json::to_value(&config).unwrap()),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        bad.body
            .contains(&format!("models[{tier_3}].moments[{i}].email.subject")),
        "{}",
        bad.body
    );

    // The preview of a moment with no action, or of one that does not exist, says so.
    for (moment, says) in [
        ("renewal_60", "has no email or webhook"),
        ("nope", "has no moment"),
    ] {
        let r = web
            .api(
                "POST",
                "/api/v1/engagement/preview",
                Some(&token),
                Some(json!({"model": "Tier 3: automated", "moment": moment})),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains(says), "{}", r.body);
    }
    // Acme has no contacts: the preview says why nobody would get the welcome email.
    let r = web
        .api(
            "POST",
            "/api/v1/engagement/preview",
            Some(&token),
            Some(json!({"model": "Tier 3: automated", "moment": "welcome_email"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = body(&r);
    assert_eq!(p["live"], false);
    assert_eq!(p["accounts"][0]["account_name"], "Acme");
    let send = &p["accounts"][0]["sends"][0];
    assert_eq!(send["outcome"], "skipped");
    assert_eq!(
        send["reason"],
        "no current contact of the account is a champion or admin"
    );
    // A champion who asked on a call to get no automated email is skipped; asked back, is not.
    let acme = p["accounts"][0]["account_id"].as_str().unwrap().to_string();
    let jane = web
        .api(
            "POST",
            "/api/v1/contacts",
            Some(&token),
            Some(json!({"account_id": acme, "name": "Jane Doe", "email": "jane@acme.test", "roles": ["champion"]})),
        )
        .await;
    let jane = body(&jane)["id"].as_str().unwrap().to_string();
    let outcome =
        |answer: &common::Answer| body(answer)["accounts"][0]["sends"][0]["outcome"].clone();
    let preview = json!({"model": "Tier 3: automated", "moment": "welcome_email"});
    let path = format!("/api/v1/contacts/{jane}/unsubscribe");
    let stop = web.api("POST", &path, Some(&token), None).await;
    assert_eq!(body(&stop)["unsubscribed"], true, "{}", stop.body);
    let r = web
        .api(
            "POST",
            "/api/v1/engagement/preview",
            Some(&token),
            Some(preview.clone()),
        )
        .await;
    assert_eq!(outcome(&r), "skipped", "{}", r.body);
    let lifted = web
        .api(
            "DELETE",
            &format!("{path}?reason=she%20asked%20again"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(body(&lifted)["unsubscribed"], false, "{}", lifted.body);
    let r = web
        .api(
            "POST",
            "/api/v1/engagement/preview",
            Some(&token),
            Some(preview),
        )
        .await;
    assert_eq!(outcome(&r), "dry_run", "{}", r.body);

    let r = web
        .api("GET", "/api/v1/sends?status=lost", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("status"), "{}", r.body);
}
