//! Success plans through both doors, on SQLite and on PostgreSQL (`SHERPA_TEST_PG`): a plan
//! started from a template and refused field by field until its targets are set, steps that
//! open tasks, a value that turns an objective at risk and notifies the CSM, a refresh with
//! what changed, the patterns across two accounts' plans, the link shared with the customer,
//! customer-reported figures imported, and the editor and pages in the web.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use sherpa_core::*;

fn body(a: &common::Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or(Value::Null)
}

struct Book {
    web: common::Web,
    admin: String,
    casey: User,
    casey_t: String,
    dana: User,
    dana_t: String,
    viewer_t: String,
    acme: String,
    globex: String,
}

/// Two customers since today (2026-11-23), Acme ($12,000, Casey's) and Globex ($30,000,
/// Dana's), every account following the Tier 2 model.
async fn book() -> Book {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let casey = web
        .user("casey@example.com", Role::Csm, Function::Csm)
        .await;
    let dana = web.user("dana@example.com", Role::Csm, Function::Csm).await;
    let viewer = web
        .user("vic@example.com", Role::Viewer, Function::Operations)
        .await;
    let admin_t = web.token(&admin).await;
    let saved = web.everyone_follows(&admin_t, "Tier 2: retention").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let acme = web
        .account("Acme", &[(OwnerFunction::Csm, casey.id)])
        .await
        .id
        .to_string();
    let globex = web
        .account("Globex", &[(OwnerFunction::Csm, dana.id)])
        .await
        .id
        .to_string();
    for (id, arr) in [(&acme, "12000"), (&globex, "30000")] {
        let term = web
            .api(
                "POST",
                "/api/v1/contracts",
                Some(&admin_t),
                Some(
                    json!({"account_id": id, "arr": {"amount": arr, "currency": "USD"},
                    "start_date": "2026-11-23", "end_date": "2027-11-22"}),
                ),
            )
            .await;
        assert_eq!(term.status, StatusCode::CREATED, "{}", term.body);
    }
    Book {
        casey_t: web.token(&casey).await,
        dana_t: web.token(&dana).await,
        viewer_t: web.token(&viewer).await,
        admin: admin_t,
        web,
        casey,
        dana,
        acme,
        globex,
    }
}

/// The open task of the account whose title starts with `title`.
async fn open_task(b: &Book, account: &str, title: &str) -> Value {
    let tasks = b
        .web
        .api(
            "GET",
            &format!("/api/v1/tasks?account_id={account}&status=open"),
            Some(&b.casey_t),
            None,
        )
        .await;
    let items = body(&tasks)["items"].as_array().unwrap().clone();
    items
        .iter()
        .find(|t| t["title"].as_str().unwrap().starts_with(title))
        .unwrap_or_else(|| panic!("no open task \"{title}\" in {items:?}"))
        .clone()
}

fn put(content: &Value, template: Option<&str>, refresh: bool) -> Value {
    json!({"content": content, "template": template, "refresh": refresh})
}

#[tokio::test]
async fn a_plan_from_a_template_measures_progress_notifies_when_it_slips_and_shows_the_patterns() {
    let b = book().await;
    let w = &b.web;
    let plan = format!("/api/v1/accounts/{}/plan", b.acme);
    let none = w.api("GET", &plan, Some(&b.casey_t), None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);

    // The template's draft waits for its targets: saved as it is, it is refused by field.
    let draft = w
        .api(
            "GET",
            &format!("{plan}/draft?template=Onboarding%20to%20first%20value"),
            Some(&b.casey_t),
            None,
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let mut content = body(&draft);
    let refused = w
        .api(
            "PUT",
            &plan,
            Some(&b.casey_t),
            Some(put(&content, Some("Onboarding to first value"), false)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("content.objectives[0].measure.target"),
        "{}",
        refused.body
    );

    content["success"] = json!("Month-end close in two days, not five");
    content["objectives"][0]["measure"]["baseline"] = json!("2");
    content["objectives"][0]["measure"]["target"] = json!("10");
    content["objectives"][1]["measure"]["baseline"] = json!("0");
    content["objectives"][1]["measure"]["target"] = json!("8");
    // Dana owns the first result: when it slips she hears too.
    content["objectives"][1]["owner"] = json!(format!("user:{}", b.dana.id));
    content["blockers"] = json!([
        {"dimension": "product", "label": "SSO not configured", "summary": "IT will not roll out without SSO",
         "severity": "high", "status": "open", "raised_on": "2026-11-23"},
        {"dimension": "People", "summary": "Their VP doubts the ROI", "severity": "medium",
         "status": "open", "raised_on": "2026-11-23", "internal": true}
    ]);

    // Only the account's owners and leaders edit it.
    for token in [&b.dana_t, &b.viewer_t] {
        let no = w
            .api("PUT", &plan, Some(token), Some(put(&content, None, false)))
            .await;
        assert_eq!(no.status, StatusCode::FORBIDDEN, "{}", no.body);
    }
    // Bad input names the field and changes nothing.
    let mut bad = Vec::new();
    let mut c = content.clone();
    c["objectives"][0]["measure"]["kind"] = json!("widgets");
    bad.push((c, "widgets"));
    let mut c = content.clone();
    c["blockers"][0]["dimension"] = json!("Weather");
    bad.push((c, "content.blockers[0].dimension"));
    let mut c = content.clone();
    c["objectives"][0]["source"] = json!({"from": "metric", "metric": "happiness"});
    bad.push((c, "content.objectives[0].source.metric"));
    let mut c = content.clone();
    c["objectives"][1]["measure"]["target_on"] = json!("2026-11-01");
    bad.push((c, "content.objectives[1].measure.target_on"));
    for (c, field) in bad {
        let no = w
            .api("PUT", &plan, Some(&b.casey_t), Some(put(&c, None, false)))
            .await;
        assert_eq!(no.status, StatusCode::BAD_REQUEST, "{field}: {}", no.body);
        assert!(no.body.contains(field), "{field}: {}", no.body);
    }
    assert_eq!(
        w.api("GET", &plan, Some(&b.casey_t), None).await.status,
        StatusCode::NOT_FOUND
    );

    let saved = w
        .api(
            "PUT",
            &plan,
            Some(&b.casey_t),
            Some(put(&content, Some("Onboarding to first value"), false)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let p = body(&saved);
    assert_eq!(p["version"], 1);
    assert_eq!(p["template"], "Onboarding to first value");
    assert_eq!(
        p["content"]["blockers"][0]["dimension"], "Product",
        "spelled as the book spells it"
    );
    assert_eq!(p["objectives"][1]["key"], "first-result-delivered");
    assert_eq!(
        p["objectives"][1]["status"], "on_track",
        "{}",
        p["objectives"][1]["reason"]
    );
    assert_eq!(p["in_place"], true);
    assert_eq!(p["refresh_due_on"], "2027-02-23");

    // Each step opened one task for its owner, the CSM.
    let kickoff = open_task(
        &b,
        &b.acme,
        "Plan step: Kickoff with the champion and the economic buyer",
    )
    .await;
    assert_eq!(kickoff["owner_id"], b.casey.id.to_string());
    assert_eq!(kickoff["due_on"], "2026-11-30");
    assert_eq!(p["steps"][0]["task_id"], kickoff["id"]);

    // Values: recorded only where a person records them, from the baseline's day to today.
    let values = |key: &str| format!("{plan}/objectives/{key}/values");
    let no = w
        .api(
            "POST",
            &values("weekly-active-users"),
            Some(&b.casey_t),
            Some(json!({"value": "5"})),
        )
        .await;
    assert_eq!(no.status, StatusCode::BAD_REQUEST, "{}", no.body);
    assert!(no.body.contains("read from the metric"), "{}", no.body);
    let no = w
        .api(
            "POST",
            &values("first-result-delivered"),
            Some(&b.casey_t),
            Some(json!({"value": "1", "on": "2026-11-01"})),
        )
        .await;
    assert_eq!(no.status, StatusCode::BAD_REQUEST, "{}", no.body);
    assert!(no.body.contains("before the baseline"), "{}", no.body);
    let no = w
        .api(
            "POST",
            &values("first-result-delivered"),
            Some(&b.casey_t),
            Some(json!({"value": "1", "on": "2026-12-30"})),
        )
        .await;
    assert!(no.body.contains("in the future"), "{}", no.body);

    // A month on the straight path is halfway (31 of 61 days): 2.5 of 8 hours is 31%, at risk.
    w.db.clock.advance(chrono::Duration::days(31));
    let at_risk = w
        .api(
            "POST",
            &values("first-result-delivered"),
            Some(&b.casey_t),
            Some(json!({"value": "2.5", "note": "from their ops lead"})),
        )
        .await;
    assert_eq!(at_risk.status, StatusCode::CREATED, "{}", at_risk.body);
    let o = &body(&at_risk)["objectives"][1];
    assert_eq!(o["status"], "at_risk", "{}", o["reason"]);
    assert!(
        o["reason"].as_str().unwrap().contains("20 points behind"),
        "{}",
        o["reason"]
    );
    // Its owner hears at once, with the reason.
    let slipping = open_task(&b, &b.acme, "A success plan objective is slipping").await;
    let tasks = w
        .api(
            "GET",
            &format!("/api/v1/tasks?account_id={}&status=open", b.acme),
            Some(&b.casey_t),
            None,
        )
        .await;
    let mut told: Vec<String> = body(&tasks)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["title"]
                .as_str()
                .unwrap()
                .starts_with("A success plan objective is slipping")
        })
        .map(|t| t["owner_id"].as_str().unwrap().to_string())
        .collect();
    told.sort();
    let mut expected = vec![b.casey.id.to_string(), b.dana.id.to_string()];
    expected.sort();
    assert_eq!(told, expected, "the CSM and the objective's owner");
    assert_eq!(slipping["owner_id"], b.casey.id.to_string());
    assert!(
        slipping["reason"]
            .as_str()
            .unwrap()
            .contains("turned at risk"),
        "{}",
        slipping["reason"]
    );

    // Finishing a step's task finishes the step.
    let done = w
        .api(
            "PATCH",
            &format!("/api/v1/tasks/{}", kickoff["id"].as_str().unwrap()),
            Some(&b.casey_t),
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let p = body(&w.api("GET", &plan, Some(&b.casey_t), None).await);
    assert_eq!(p["steps"][0]["done"], true);
    assert_eq!(p["steps"][1]["done"], false);

    // The quarterly refresh keeps the last version and says what changed.
    let mut c = p["content"].clone();
    c["objectives"][1]["measure"]["target"] = json!("10");
    let refreshed = w
        .api("PUT", &plan, Some(&b.casey_t), Some(put(&c, None, true)))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert_eq!(body(&refreshed)["refreshed_on"], "2026-12-24");
    let versions = body(
        &w.api("GET", &format!("{plan}/versions"), Some(&b.casey_t), None)
            .await,
    )["items"]
        .take();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["kind"], "refresh");
    assert!(
        versions[0]["changes"]
            .to_string()
            .contains("target 10 hours saved a week"),
        "{}",
        versions[0]["changes"]
    );
    assert_eq!(versions[1]["kind"], "start");

    // Globex meets the same blocker, named in another hand: the book sees one pattern.
    let globex = json!({"success": "Fewer support hours", "blockers": [
        {"dimension": "Product", "label": "sso  not-configured", "summary": "No SAML yet", "severity": "critical",
         "status": "open", "raised_on": "2026-12-20"}]});
    let g = w
        .api(
            "PUT",
            &format!("/api/v1/accounts/{}/plan", b.globex),
            Some(&b.dana_t),
            Some(put(&globex, None, false)),
        )
        .await;
    assert_eq!(g.status, StatusCode::OK, "{}", g.body);
    let pat = w
        .api(
            "GET",
            "/api/v1/plans/patterns?group_by=label",
            Some(&b.viewer_t),
            None,
        )
        .await;
    assert_eq!(pat.status, StatusCode::OK, "{}", pat.body);
    let pat = body(&pat);
    assert_eq!(pat["plans"], 2);
    assert_eq!(pat["groups"][0]["name"], "SSO not configured");
    assert_eq!(pat["groups"][0]["arr"]["amount"], "42000.00");
    let names: Vec<&str> = pat["groups"][0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Globex", "Acme"], "most ARR first");
    assert_eq!(pat["common"][0]["name"], "SSO not configured");
    assert_eq!(pat["common"][0]["this_quarter"], 2);
    let dims = body(
        &w.api("GET", "/api/v1/plans/patterns", Some(&b.viewer_t), None)
            .await,
    );
    assert_eq!(dims["groups"][0]["name"], "Product");
    assert_eq!(dims["groups"][0]["blockers"], 2);
    let no = w
        .api(
            "GET",
            "/api/v1/plans/patterns?group_by=weather",
            Some(&b.viewer_t),
            None,
        )
        .await;
    assert_eq!(no.status, StatusCode::BAD_REQUEST, "{}", no.body);

    // The customer's link: signed out, without the internal blocker; revoked, it is gone.
    let link = w
        .api(
            "POST",
            &format!("{plan}/shares"),
            Some(&b.casey_t),
            Some(json!({"days": 30})),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);
    let link = body(&link);
    let path = link["path"].as_str().unwrap().to_string();
    let shared = w.get(&path, None).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    let text = shared.text();
    assert!(
        text.contains("Month-end close in two days, not five"),
        "{text}"
    );
    assert!(text.contains("IT will not roll out without SSO"), "{text}");
    assert!(
        !text.contains("Their VP doubts the ROI"),
        "an internal blocker stays inside"
    );
    assert!(
        !text.contains("from their ops lead"),
        "the team's notes stay inside"
    );
    let audit =
        w.db.store
            .audit_entries(&sherpa_store::AuditQuery {
                entity: Some("plan_share".into()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
    assert!(
        audit.iter().any(|e| e.action == "view"),
        "each view is in the audit log"
    );
    let gone = w
        .api(
            "DELETE",
            &format!("{plan}/shares/{}", link["id"].as_str().unwrap()),
            Some(&b.casey_t),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
    assert_eq!(w.get(&path, None).await.status, StatusCode::NOT_FOUND);
    let _ = (&b.admin, &b.dana);
}

#[tokio::test]
async fn a_month_without_an_update_asks_for_one_and_reported_figures_import_all_or_nothing() {
    let b = book().await;
    let w = &b.web;
    let plan = format!("/api/v1/accounts/{}/plan", b.acme);
    let content = json!({"success": "Support costs down a third", "objectives": [
        {"key": "cost", "title": "Support cost", "source": {"from": "import"},
         "measure": {"kind": "cost", "unit": "USD a month", "baseline": "9000", "baseline_on": "2026-11-23",
                     "target": "6000", "target_on": "2027-11-23"}}]});
    let saved = w
        .api(
            "PUT",
            &plan,
            Some(&b.casey_t),
            Some(put(&content, None, false)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // The customer's own figures, imported: one bad row and nothing is stored.
    let browser = w
        .sign_in(
            &w.user(
                "lee@example.com",
                Role::Leader,
                Function::CustomerDevelopment,
            )
            .await,
        )
        .await;
    let bad = format!(
        "sherpa_id,objective,value,date,note\n{acme},Support cost,8500,2026-11-23,finance report\n{acme},Support cost,lots,2026-11-23,\n{acme},Headcount,3,2026-11-23,\n",
        acme = b.acme
    );
    let refused = w
        .upload(&browser, "objective-values", "figures.csv", &bad)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let text = refused.text();
    assert!(text.contains("\"lots\" is not a number"), "{text}");
    assert!(
        text.contains("\"Headcount\" is not an objective of the plan of Acme"),
        "{text}"
    );
    let p = body(&w.api("GET", &plan, Some(&b.casey_t), None).await);
    assert_eq!(p["objectives"][0]["values"], json!([]), "nothing stored");
    let good = format!(
        "sherpa_id,objective,value,date,note\n{},support cost,8500,2026-11-23,finance report\n",
        b.acme
    );
    let app = sherpa_app::App::new(w.db.store.clone());
    let summary = app
        .import_objective_values(
            &sherpa_app::Caller::operator(),
            good.as_bytes(),
            &Default::default(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(summary.created, 1);
    let p = body(&w.api("GET", &plan, Some(&b.casey_t), None).await);
    assert_eq!(p["objectives"][0]["values"][0]["value"], "8500");
    assert_eq!(p["objectives"][0]["values"][0]["source"], "import");

    // A month and a day with nothing moving: the plan is no longer in place and the engine
    // asks for the update, once.
    w.db.clock.advance(chrono::Duration::days(32));
    let p = body(&w.api("GET", &plan, Some(&b.casey_t), None).await);
    assert_eq!(p["in_place"], false);
    let first = w.db.store.run_engagement().await.unwrap();
    let again = w.db.store.run_engagement().await.unwrap();
    assert!(first.fired >= 1 && again.fired == 0, "{first:?} {again:?}");
    let update = open_task(&b, &b.acme, "Update the success plan").await;
    assert!(
        update["reason"]
            .as_str()
            .unwrap()
            .contains("nothing on the plan has moved since 2026-11-23"),
        "{}",
        update["reason"]
    );
}

#[tokio::test]
async fn a_csm_starts_edits_and_reads_a_plan_in_the_web() {
    let b = book().await;
    let w = &b.web;
    let me = w.sign_in(&b.casey).await;
    let page = w
        .get(&format!("/accounts/{}/plan", b.acme), Some(&me))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("No success plan yet"), "{}", page.body);
    let form = w
        .get(
            &format!(
                "/accounts/{}/plan/edit?template=Onboarding%20to%20first%20value",
                b.acme
            ),
            Some(&me),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.text().contains("First result delivered"),
        "{}",
        form.body
    );

    let mut fields: Vec<(&str, &str)> = vec![
        ("template", "Onboarding to first value"),
        ("success", "Invoices out the same day"),
        ("value_drivers", "Cash collected sooner"),
        ("o0_title", "Invoices sent a week"),
        ("o0_kind", "other"),
        ("o0_unit", "invoices a week"),
        ("o0_baseline", "40"),
        ("o0_baseline_on", "2026-11-23"),
        ("o0_target", "40"),
        ("o0_target_on", "2027-05-23"),
        ("o0_source", "entry"),
        ("o0_owner", "csm"),
        ("first_value", "0"),
        ("s0_title", "Connect the billing system"),
        ("s0_owner", "csm"),
        ("s0_due_on", "2026-12-15"),
        ("b0_dimension", "Product"),
        ("b0_label", "Missing integration"),
        ("b0_summary", "No connector for their ERP"),
        ("b0_severity", "high"),
        ("b0_status", "open"),
        ("b0_raised_on", "2026-11-23"),
        ("save", "update"),
    ];
    let path = format!("/accounts/{}/plan/edit", b.acme);
    let refused = w.post(&path, Some(&me), &fields, true).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let text = refused.text();
    assert!(
        text.contains("objectives[0].measure.target: the target equals the baseline"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Invoices sent a week\""),
        "what was typed is kept"
    );
    for f in &mut fields {
        if f.0 == "o0_target" {
            f.1 = "100";
        }
    }
    let saved = w.post(&path, Some(&me), &fields, true).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = w
        .get(&format!("/accounts/{}/plan", b.acme), Some(&me))
        .await;
    let text = page.text();
    assert!(text.contains("Invoices out the same day"), "{text}");
    assert!(text.contains("Invoices sent a week"), "{text}");
    assert!(text.contains("on track"), "{text}");
    assert!(text.contains("No connector for their ERP"), "{text}");

    let recorded = w
        .post(
            &format!(
                "/accounts/{}/plan/objectives/invoices-sent-a-week/values",
                b.acme
            ),
            Some(&me),
            &[("value", "abc"), ("on", "2026-11-23")],
            true,
        )
        .await;
    assert_eq!(recorded.status, StatusCode::BAD_REQUEST);
    assert!(
        recorded.text().contains("\"abc\" is not a number"),
        "{}",
        recorded.body
    );

    let patterns = w.get("/plans/patterns?group_by=label", Some(&me)).await;
    assert_eq!(patterns.status, StatusCode::OK, "{}", patterns.body);
    assert!(
        patterns.text().contains("Missing integration"),
        "{}",
        patterns.body
    );
    // Each table sorts by each of its columns; the column's name says which table.
    for sort in [
        "-arr",
        "group",
        "blocker",
        "-open_arr",
        "template",
        "-median",
    ] {
        let sorted = w
            .get(
                &format!("/plans/patterns?group_by=label&sort={sort}"),
                Some(&me),
            )
            .await;
        assert_eq!(sorted.status, StatusCode::OK, "{sort}: {}", sorted.body);
    }
    let by_arr = w
        .get("/plans/patterns?group_by=label&sort=-arr", Some(&me))
        .await
        .text();
    assert!(
        by_arr.contains(
            "aria-sort=\"descending\"><a href=\"?group_by=label&sort=arr#groups-h\">ARR at stake</a>"
        ),
        "{by_arr}"
    );
    assert_eq!(
        w.get("/plans/patterns?sort=weather", Some(&me))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let xlsx = w
        .get("/plans/patterns.xlsx?group_by=label", Some(&me))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.content_type.contains("spreadsheetml"),
        "{}",
        xlsx.content_type
    );
    let other = w.sign_in(&b.dana).await;
    let no = w.post(&path, Some(&other), &fields, true).await;
    assert_eq!(no.status, StatusCode::FORBIDDEN, "{}", no.body);
}
