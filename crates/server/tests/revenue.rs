//! Revenue through both doors, on SQLite and on PostgreSQL (`SHERPA_TEST_PG`): retention per
//! quarter worked out by hand (with a term in euros), grouped and by cohort; wrong queries
//! refused by name; the page and its export.

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
    admin_user: User,
}

/// Today is 2026-11-23. Acme renews on 1 Jan 2026 from $12,000 to $18,000; Globex leaves at the
/// end of February 2026 ("Budget cut"); Initech pays €12,000 (1 EUR = 1.10 USD) through May
/// 2026 and renews flat; Hooli joins in February 2026.
async fn book() -> Book {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let casey = web
        .user("casey@example.com", Role::Csm, Function::Csm)
        .await;
    let admin_t = web.token(&admin).await;
    web.db
        .store
        .set_exchange_rate(
            &Actor::system("test"),
            Currency::parse("EUR").unwrap(),
            "1.10".parse().unwrap(),
        )
        .await
        .unwrap();
    let terms = [
        ("Acme", "12000", "USD", "2025-01-01", "2025-12-31", None),
        ("Acme", "18000", "USD", "2026-01-01", "2026-12-31", None),
        (
            "Globex",
            "24000",
            "USD",
            "2025-03-01",
            "2026-02-28",
            Some("Budget cut"),
        ),
        ("Initech", "12000", "EUR", "2025-06-01", "2026-05-31", None),
        ("Initech", "12000", "EUR", "2026-06-01", "2027-05-31", None),
        ("Hooli", "60000", "USD", "2026-02-01", "2027-01-31", None),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, arr, currency, start, end, reason) in terms {
        if !ids.contains_key(name) {
            let a = web.account(name, &[(OwnerFunction::Csm, casey.id)]).await;
            ids.insert(name, a.id.to_string());
        }
        let mut term = json!({"account_id": ids[name], "arr": {"amount": arr, "currency": currency},
            "start_date": start, "end_date": end});
        if let Some(r) = reason {
            term["outcome"] = json!("churned");
            term["churn_reason"] = json!(r);
        }
        let made = web
            .api("POST", "/api/v1/contracts", Some(&admin_t), Some(term))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    Book {
        web,
        admin: admin_t,
        admin_user: admin,
    }
}

#[tokio::test]
async fn retention_per_quarter_as_worked_out_by_hand() {
    let b = book().await;
    let got = b
        .web
        .api(
            "GET",
            "/api/v1/revenue/retention?grain=quarter&from=2026-01-01&to=2026-06-30&group_by=cohort",
            Some(&b.admin),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let r = body(&got);
    let q1 = &r["periods"][0];
    assert_eq!(q1["label"], "2026 Q1");
    assert_eq!(q1["end"], "2026-04-01");
    let t = &q1["total"];
    // Start of Q1 (1 Jan): Acme $18,000 (renewed that day), Globex $24,000, Initech
    // €12,000 = $13,200: $55,200 ARR, $4,600 MRR. Hooli joined in February: new business.
    assert_eq!(t["accounts_at_start"], 3);
    assert_eq!(t["start_mrr"]["amount"], "4600.00");
    // Globex left at the end of February: one logo in three, $2,000 MRR.
    assert_eq!(t["accounts_churned"], 1);
    assert_eq!(t["churned_mrr"]["amount"], "2000.00");
    assert_eq!(t["logo_churn"]["numerator"], "1");
    assert_eq!(t["logo_churn"]["denominator"], "3");
    assert_eq!(t["logo_churn"]["value"], "0.3333");
    // NRR: (1,500 + 1,100) / 4,600.
    assert_eq!(t["nrr"]["numerator"], "2600");
    assert_eq!(t["nrr"]["value"], "0.5652");
    assert_eq!(t["grr"]["numerator"], "2600");
    assert_eq!(t["churn_by_reason"][0]["reason"], "Budget cut");
    // Q4 2025 holds Acme's renewal: read on 1 January it is Q1's start, so Q1 shows no
    // expansion; the rise belongs to the quarter that ends on the renewal day.
    assert_eq!(t["expansion_mrr"]["amount"], "0.00");
    let q4 = body(
        &b.web
            .api(
                "GET",
                "/api/v1/revenue/retention?grain=quarter&from=2025-10-01&to=2025-12-31",
                Some(&b.admin),
                None,
            )
            .await,
    );
    assert_eq!(
        q4["periods"][0]["total"]["expansion_mrr"]["amount"],
        "500.00"
    );
    // (1,500 + 2,000 + 1,100) / (1,000 + 2,000 + 1,100).
    assert_eq!(q4["periods"][0]["total"]["nrr"]["value"], "1.1220");

    // Cohorts by customer-since quarter: Hooli alone in 2026 Q1, still paying.
    let cohort = r["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == "2026 Q1")
        .unwrap();
    assert_eq!(cohort["accounts"], 1);
    assert_eq!(cohort["base_mrr"]["amount"], "5000.00");
    assert_eq!(q1["groups"][0]["name"], "2025 Q1");
    assert!(
        r["definitions"].as_array().unwrap().iter().any(
            |d| d["figure"] == "nrr" && d["definition"].as_str().unwrap().contains("start MRR")
        ),
        "{r}"
    );
}

#[tokio::test]
async fn wrong_queries_are_refused_by_name_and_the_page_and_export_show_the_figures() {
    let b = book().await;
    for (query, field) in [
        ("grain=fortnight", "grain"),
        ("group_by=colour", "group_by"),
        ("from=2026-12-01&to=2026-01-01", "from"),
        ("grain=week&from=2000-01-01", "from"),
    ] {
        let a = b
            .web
            .api(
                "GET",
                &format!("/api/v1/revenue/retention?{query}"),
                Some(&b.admin),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{query}: {}", a.body);
        assert!(a.body.contains(field), "{query}: {}", a.body);
    }
    let browser = b.web.sign_in(&b.admin_user).await;
    let page = b
        .web
        .get(
            "/revenue/retention?grain=quarter&from=2026-01-01&to=2026-03-31",
            Some(&browser),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("2026 Q1"), "{text}");
    assert!(text.contains("56.5%"), "NRR shown: {text}");
    assert!(
        text.contains("$2,600.00 / $4,600.00") || text.contains("$2,600 / $4,600"),
        "{text}"
    );
    assert!(text.contains("Budget cut"));
    let xlsx = b
        .web
        .get(
            "/revenue/retention.xlsx?grain=quarter&from=2026-01-01&to=2026-03-31",
            Some(&browser),
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.contains("spreadsheetml"));
}

/// Acme (Casey's, Cody from Customer Development) ends on 19 February 2027, 88 days from today
/// (its three-month checkpoint came three days ago), with 30 days' notice; Globex (Dana's) ends on 30 September 2027.
struct Pipeline {
    web: common::Web,
    casey: User,
    casey_t: String,
    dana: User,
    dana_t: String,
    cody: User,
    acme_term: String,
}

async fn pipeline() -> Pipeline {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let casey = web
        .user("casey@example.com", Role::Csm, Function::Csm)
        .await;
    let dana = web.user("dana@example.com", Role::Csm, Function::Csm).await;
    let cody = web
        .user("cody@example.com", Role::Csm, Function::CustomerDevelopment)
        .await;
    let admin_t = web.token(&admin).await;
    let saved = web.everyone_follows(&admin_t, "Tier 2: retention").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let acme = web
        .account(
            "Acme",
            &[
                (OwnerFunction::Csm, casey.id),
                (OwnerFunction::CustomerDevelopment, cody.id),
            ],
        )
        .await;
    let globex = web
        .account("Globex", &[(OwnerFunction::Csm, dana.id)])
        .await;
    let mut terms = Vec::new();
    for (id, start, end, notice) in [
        (acme.id, "2026-02-20", "2027-02-19", Some(30)),
        (globex.id, "2026-10-01", "2027-09-30", None),
    ] {
        let made = web
            .api(
                "POST",
                "/api/v1/contracts",
                Some(&admin_t),
                Some(json!({"account_id": id.to_string(), "arr": {"amount": "24000", "currency": "USD"},
                    "start_date": start, "end_date": end, "notice_days": notice})),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        terms.push(body(&made)["id"].as_str().unwrap().to_string());
    }
    Pipeline {
        casey_t: web.token(&casey).await,
        dana_t: web.token(&dana).await,
        web,
        casey,
        dana,
        cody,
        acme_term: terms[0].clone(),
    }
}

async fn open_titles(p: &Pipeline, owner: &User) -> Vec<String> {
    let tasks = p
        .web
        .api(
            "GET",
            &format!("/api/v1/tasks?owner_id={}&status=open", owner.id),
            Some(&p.casey_t),
            None,
        )
        .await;
    assert_eq!(tasks.status, StatusCode::OK, "{}", tasks.body);
    body(&tasks)["items"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|t| t["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_pipeline_the_call_and_the_escalation_of_a_renewal_without_one() {
    let p = pipeline().await;
    let near = body(
        &p.web
            .api(
                "GET",
                "/api/v1/renewals?within_days=120",
                Some(&p.casey_t),
                None,
            )
            .await,
    );
    let rows = near["renewals"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only Acme ends within 120 days: {near}");
    let acme = &rows[0];
    assert_eq!(acme["days_to_renewal"], 88);
    assert_eq!(acme["notice_date"], "2027-01-20");
    assert_eq!(acme["deadline"], "2027-01-20");
    assert_eq!(acme["days_to_deadline"], 58);
    assert_eq!(acme["call"], Value::Null);
    let year = body(
        &p.web
            .api("GET", "/api/v1/renewals", Some(&p.casey_t), None)
            .await,
    );
    assert_eq!(year["renewals"].as_array().unwrap().len(), 2);
    let mine = body(
        &p.web
            .api("GET", "/api/v1/renewals?mine=true", Some(&p.dana_t), None)
            .await,
    );
    assert_eq!(mine["renewals"][0]["account_name"], "Globex");
    assert_eq!(mine["renewals"].as_array().unwrap().len(), 1);
    let bad = p
        .web
        .api(
            "GET",
            "/api/v1/renewals?within_days=0",
            Some(&p.casey_t),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("within_days"), "{}", bad.body);

    // Three months out and no call: the CSM's checkpoint, and Customer Development is told.
    p.web.db.store.run_engagement().await.unwrap();
    let cody = open_titles(&p, &p.cody).await;
    assert!(
        cody.iter()
            .any(|t| t.starts_with("Renewal in three months with no call")),
        "{cody:?}"
    );
    let casey = open_titles(&p, &p.casey).await;
    assert!(
        casey
            .iter()
            .any(|t| t.starts_with("Renewal checkpoint: three months out")),
        "{casey:?}"
    );

    // Only the account's owners make the call, and only one of the four calls.
    let call = |token: &str, b: Value| {
        let path = format!("/api/v1/renewals/{}/call", p.acme_term);
        let web = &p.web;
        let token = token.to_string();
        async move { web.api("PUT", &path, Some(&token), Some(b)).await }
    };
    let refused = call(&p.dana_t, json!({"call": "commit"})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let wrong = call(&p.casey_t, json!({"call": "maybe"})).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("call"), "{}", wrong.body);
    let long = call(
        &p.casey_t,
        json!({"call": "commit", "note": "x".repeat(2_001)}),
    )
    .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(long.body.contains("note"), "{}", long.body);
    let made = call(
        &p.casey_t,
        json!({"call": "commit", "note": "Verbal yes from the CFO"}),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(body(&made)["call"]["call"], "commit");
    assert_eq!(body(&made)["call"]["by"], "casey");
    // The call answers the escalation; nothing fires again for this term.
    let cody = open_titles(&p, &p.cody).await;
    assert!(
        !cody
            .iter()
            .any(|t| t.starts_with("Renewal in three months with no call")),
        "{cody:?}"
    );
    p.web.db.store.run_engagement().await.unwrap();
    assert!(
        !open_titles(&p, &p.cody)
            .await
            .iter()
            .any(|t| t.starts_with("Renewal in three months")),
        "a made call is not asked for again"
    );
    let again = call(&p.casey_t, json!({"call": "at risk", "note": "CFO left"})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let history = body(
        &p.web
            .api(
                "GET",
                &format!("/api/v1/renewals/{}/call", p.acme_term),
                Some(&p.dana_t),
                None,
            )
            .await,
    )["items"]
        .take();
    let calls: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call"].as_str().unwrap())
        .collect();
    assert_eq!(
        calls,
        ["at_risk", "commit"],
        "every call kept, the latest first"
    );

    // The page: Casey's own renewals by default; Dana cannot make Casey's call there either.
    let browser = p.web.sign_in(&p.casey).await;
    let page = p.web.get("/revenue/renewals", Some(&browser)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Acme") && !text.contains("Globex"), "{text}");
    assert!(text.contains("notice due in 58 days"), "{text}");
    let posted = p
        .web
        .post(
            &format!("/revenue/renewals/{}/call", p.acme_term),
            Some(&browser),
            &[("call", "likely"), ("note", "Budget approved")],
            true,
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let dana = p.web.sign_in(&p.dana).await;
    let refused = p
        .web
        .post(
            &format!("/revenue/renewals/{}/call", p.acme_term),
            Some(&dana),
            &[("call", "lost")],
            true,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let xlsx = p
        .web
        .get("/revenue/renewals.xlsx?book=all", Some(&browser))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.contains("spreadsheetml"));
}

#[tokio::test]
async fn a_renewal_is_qualified_with_meddicc_and_what_the_book_knows_is_beside_each_element() {
    let p = pipeline().await;
    let acme = body(
        &p.web
            .api(
                "GET",
                "/api/v1/renewals?within_days=120",
                Some(&p.casey_t),
                None,
            )
            .await,
    )["renewals"][0]["account_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The economic buyer left; nobody is the champion; the team drops Decision criteria and
    // tracks one competitor.
    let made = p
        .web
        .api(
            "POST",
            "/api/v1/contacts",
            Some(&p.casey_t),
            Some(
                json!({"account_id": acme, "name": "Ada Buyer", "roles": ["economic_buyer"],
                "departed_on": "2026-10-01"}),
            ),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    p.web
        .db
        .store
        .set_revenue_config(
            &Actor::system("test"),
            &sherpa_core::revenue::RevenueConfig {
                meddicc: sherpa_core::revenue::meddicc::MeddiccSwitches {
                    decision_process: true,
                    decision_criteria: false,
                },
                competitors: vec!["Rival Co".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let path = format!("/api/v1/renewals/{}/meddicc", p.acme_term);
    let q = body(&p.web.api("GET", &path, Some(&p.dana_t), None).await);
    assert_eq!(q["of"], 6, "decision criteria is switched off: {q}");
    assert_eq!(q["rated"], 0);
    let element = |q: &Value, key: &str| {
        q["elements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["element"] == key)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert!(
        element(&q, "economic_buyer")["flag"]
            .as_str()
            .unwrap()
            .contains("Ada Buyer"),
        "{q}"
    );
    assert_eq!(
        element(&q, "champion")["flag"],
        "no champion on the relationship map"
    );
    assert!(
        element(&q, "metrics")["facts"]
            .to_string()
            .contains("no success plan")
    );

    // Wrong input is refused by name and changes nothing; a viewer of another book cannot.
    for (b, field) in [
        (
            json!({"elements": {"metrics": {"rating": "blue"}}}),
            "elements.metrics.rating",
        ),
        (
            json!({"elements": {"money": {"rating": "red"}}}),
            "elements.money",
        ),
        (
            json!({"elements": {"decision_criteria": {"rating": "red"}}}),
            "elements.decision_criteria",
        ),
    ] {
        let a = p.web.api("PUT", &path, Some(&p.casey_t), Some(b)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert!(a.body.contains(field), "{field}: {}", a.body);
    }
    let refused = p
        .web
        .api(
            "PUT",
            &path,
            Some(&p.dana_t),
            Some(json!({"elements": {"metrics": {"rating": "green"}}})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let saved = p
        .web
        .api(
            "PUT",
            &path,
            Some(&p.casey_t),
            Some(json!({"elements": {
                "metrics": {"rating": "green", "note": "Hours saved shown at the QBR"},
                "economic_buyer": {"rating": "red", "note": "New CFO, not met yet"},
                "champion": {"note": "Looking for one"}
            }})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let q = body(&saved);
    assert_eq!((q["rated"].as_u64(), q["of"].as_u64()), (Some(2), Some(6)));
    assert_eq!(element(&q, "economic_buyer")["rating"], "red");
    assert_eq!(element(&q, "champion")["note"], "Looking for one");
    assert_eq!(q["history"].as_array().unwrap().len(), 1);
    let pipeline = body(
        &p.web
            .api(
                "GET",
                "/api/v1/renewals?within_days=120",
                Some(&p.casey_t),
                None,
            )
            .await,
    );
    assert_eq!(pipeline["renewals"][0]["meddicc_rated"], 2);

    // Competitors: only the listed ones, then beside Competition.
    let mention = |name: &str| {
        let path = format!("/api/v1/accounts/{acme}/competitors");
        let web = &p.web;
        let token = p.casey_t.clone();
        let b = json!({"competitor": name, "note": "Offered a discount"});
        async move { web.api("POST", &path, Some(&token), Some(b)).await }
    };
    let unknown = mention("Nobody Inc").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("Rival Co"), "{}", unknown.body);
    let listed = mention("rival co").await;
    assert_eq!(listed.status, StatusCode::CREATED, "{}", listed.body);
    let q = body(&p.web.api("GET", &path, Some(&p.casey_t), None).await);
    assert!(
        element(&q, "competition")["facts"][0]
            .as_str()
            .unwrap()
            .starts_with("Rival Co on 2026-11-23"),
        "{q}"
    );

    // The page: the owner saves from the form; the history grows.
    let browser = p.web.sign_in(&p.casey).await;
    let page = p
        .web
        .get(
            &format!("/revenue/renewals/{}/meddicc", p.acme_term),
            Some(&browser),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("no champion on the relationship map"));
    let posted = p
        .web
        .post(
            &format!("/revenue/renewals/{}/meddicc", p.acme_term),
            Some(&browser),
            &[
                ("rating.metrics", "green"),
                ("note.metrics", "Hours saved"),
                ("rating.champion", "yellow"),
                ("note.champion", "Ops lead, warming up"),
            ],
            true,
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let q = body(&p.web.api("GET", &path, Some(&p.casey_t), None).await);
    assert_eq!(q["rated"], 2);
    assert_eq!(element(&q, "champion")["rating"], "yellow");
    assert_eq!(
        element(&q, "economic_buyer")["rating"],
        Value::Null,
        "the form is the whole qualification"
    );
    assert_eq!(q["history"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_pipeline_sorts_by_each_of_its_columns() {
    let p = pipeline().await;
    let browser = p.web.sign_in(&p.cody).await;
    let order = |text: &str| -> (usize, usize) {
        (
            text.find(">Acme</a>").expect("Acme listed"),
            text.find(">Globex</a>").expect("Globex listed"),
        )
    };
    // By end (the default) Acme comes first; the other way round, Globex does.
    let by_end = p
        .web
        .get("/revenue/renewals?book=all&within_days=365", Some(&browser))
        .await
        .text();
    let (acme, globex) = order(&by_end);
    assert!(acme < globex, "{by_end}");
    let later_first = p
        .web
        .get(
            "/revenue/renewals?book=all&within_days=365&sort=-ends",
            Some(&browser),
        )
        .await;
    assert_eq!(later_first.status, StatusCode::OK);
    let (acme, globex) = order(&later_first.text());
    assert!(globex < acme);
    assert!(later_first.text().contains("aria-sort=\"descending\""));
    let by_account = p
        .web
        .get(
            "/revenue/renewals?book=all&within_days=365&sort=-account",
            Some(&browser),
        )
        .await
        .text();
    let (acme, globex) = order(&by_account);
    assert!(globex < acme, "Z to A");
    for column in [
        "csm",
        "arr",
        "deadline",
        "auto_renew",
        "health",
        "chance",
        "meddicc",
        "call",
    ] {
        let page = p
            .web
            .get(
                &format!("/revenue/renewals?book=all&within_days=365&sort={column}"),
                Some(&browser),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{column}");
    }
    let bad = p
        .web
        .get("/revenue/renewals?sort=colour", Some(&browser))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("sort: \"colour\" is not a column"),
        "{}",
        bad.text()
    );
}
