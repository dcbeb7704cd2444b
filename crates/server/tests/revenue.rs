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
