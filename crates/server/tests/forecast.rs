//! The waterfall forecast through the API, on SQLite and on PostgreSQL (`SHERPA_TEST_PG`), as
//! a leader lives it: the probability table learned from last year's renewals, a plan locked,
//! the clock moved past the renewals, actuals arriving from the outcomes, the variance
//! explained, a re-plan that leaves the plan and the closed periods as they were, and the
//! accuracy of the forecast judged from what was known then.

mod common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use sherpa_core::*;

fn body(a: &common::Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or(Value::Null)
}

fn period<'a>(w: &'a Value, start: &str) -> &'a Value {
    w["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["start"] == start)
        .unwrap_or_else(|| panic!("no period {start} in {w}"))
}

/// Locks a plan of `series` by month with the same target for each month of the year from
/// November 2026 (the test clock's month); answers the lock's body.
async fn lock_targets(web: &common::Web, t: &str, series: &str, value: &str, note: &str) -> Value {
    let targets: Vec<Value> = (0..12)
        .map(|i| {
            let (y, m) = (2026 + (10 + i) / 12, (10 + i) % 12 + 1);
            json!({"period": format!("{y}-{m:02}-01"), "value": value})
        })
        .collect();
    let locked = web
        .api(
            "POST",
            "/api/v1/forecast/plans",
            Some(t),
            Some(json!({"series": series, "targets": targets, "note": note})),
        )
        .await;
    assert_eq!(locked.status, StatusCode::CREATED, "{}", locked.body);
    body(&locked)
}

/// The waterfall of a series by month.
async fn waterfall(web: &common::Web, t: &str, series: &str) -> Value {
    let w = web
        .api(
            "GET",
            &format!("/api/v1/forecast/waterfall?series={series}"),
            Some(t),
            None,
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.body);
    body(&w)
}

/// Today is 2026-11-23. Forty customers had a term through 2025: thirty renewed for 2026 at
/// $12,000, ten left. The thirty renew on 31 December 2026.
#[tokio::test]
async fn a_plan_is_locked_its_actuals_arrive_and_a_replan_never_changes_it() {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let casey = web
        .user("casey@example.com", Role::Csm, Function::Csm)
        .await;
    let t = web.token(&admin).await;
    let casey_t = web.token(&casey).await;
    let mut renewals = Vec::new();
    for i in 0..40 {
        let a = web
            .account(&format!("Customer {i}"), &[(OwnerFunction::Csm, casey.id)])
            .await;
        let mut last = json!({"account_id": a.id.to_string(),
            "arr": {"amount": "12000", "currency": "USD"},
            "start_date": "2025-01-01", "end_date": "2025-12-31",
            "outcome": if i < 30 { "renewed" } else { "churned" }});
        if i >= 30 {
            last["churn_reason"] = json!("Budget cut");
        }
        let made = web
            .api("POST", "/api/v1/contracts", Some(&t), Some(last))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        if i < 30 {
            let next = web
                .api(
                    "POST",
                    "/api/v1/contracts",
                    Some(&t),
                    Some(json!({"account_id": a.id.to_string(),
                        "arr": {"amount": "12000", "currency": "USD"},
                        "start_date": "2026-01-01", "end_date": "2026-12-31"})),
                )
                .await;
            assert_eq!(next.status, StatusCode::CREATED, "{}", next.body);
            renewals.push(body(&next)["id"].as_str().unwrap().to_string());
        }
    }
    let app = sherpa_app::App::new(web.db.store.clone());
    let waterfall = |token: &str| {
        let token = token.to_string();
        let web = &web;
        async move {
            web.api("GET", "/api/v1/forecast/waterfall", Some(&token), None)
                .await
        }
    };

    // Before the table is learned, nothing is guessed: December's renewals are undecided.
    let before = body(&waterfall(&casey_t).await);
    assert_eq!(before["learned_at"], Value::Null);
    assert_eq!(
        period(&before, "2026-12-01")["forecast"]["undecided"],
        "360000"
    );
    sherpa_app::jobs::run_due_jobs(&app, "test").await.unwrap();

    // Learned: 30 of the 40 renewed, and no account had a score, so the "unscored" row holds.
    let w = body(&waterfall(&casey_t).await);
    assert!(w["learned_at"].is_string(), "{w}");
    let cell = w["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["colour"] == "unscored" && c["months"] == "1-3")
        .unwrap();
    assert_eq!(cell["terms"], 40);
    assert_eq!(cell["renewed"], 30);
    assert_eq!(cell["probability"], "0.75");
    let dec = period(&w, "2026-12-01");
    assert_eq!(dec["forecast"]["due"], "360000");
    assert_eq!(dec["forecast"]["renewed"], "270000");
    assert_eq!(dec["forecast"]["churned"], "90000");
    assert_eq!(w["periods"].as_array().unwrap().len(), 12);
    let pipeline = body(
        &web.api(
            "GET",
            "/api/v1/renewals?within_days=60",
            Some(&casey_t),
            None,
        )
        .await,
    );
    assert_eq!(pipeline["renewals"][0]["renewal_probability"], "0.75");

    // Only a leader locks a plan; the renewals plan is the forecast and takes no targets.
    let lock = |token: &str, b: Value| {
        let token = token.to_string();
        let web = &web;
        async move {
            web.api("POST", "/api/v1/forecast/plans", Some(&token), Some(b))
                .await
        }
    };
    assert_eq!(
        lock(&casey_t, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let targets = lock(
        &t,
        json!({"targets": [{"period": "2026-12-01", "value": "90"}]}),
    )
    .await;
    assert_eq!(targets.status, StatusCode::BAD_REQUEST, "{}", targets.body);
    assert!(targets.body.contains("targets"), "{}", targets.body);
    let nrr = lock(
        &t,
        json!({"series": "nrr", "targets": [{"period": "2026-12-01", "value": "101"}]}),
    )
    .await;
    assert_eq!(nrr.status, StatusCode::BAD_REQUEST, "{}", nrr.body);
    assert!(nrr.body.contains("no target for Nov 2026"), "{}", nrr.body);
    let locked = lock(&t, json!({"note": "FY27 plan"})).await;
    assert_eq!(locked.status, StatusCode::CREATED, "{}", locked.body);
    let plan = body(&locked);
    assert_eq!(plan["plan"]["note"], "FY27 plan");
    assert_eq!(period(&plan, "2026-12-01")["plan"]["renewed"], "270000");
    let again = lock(&t, json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("re-plan"), "{}", again.body);

    // January 2027. December has closed, but no outcome is recorded yet: its actual so far
    // is all undecided, not frozen, and asks no why.
    web.db.clock.advance(chrono::Duration::days(40));
    let waiting = body(&waterfall(&t).await);
    let dec = period(&waiting, "2026-12-01");
    assert_eq!(dec["closed"], true);
    assert_eq!(dec["actual_frozen"], false);
    assert_eq!(dec["actual"]["undecided"], "360000");
    assert_eq!(dec["why_needed"], false);
    // Twenty renewed, ten left.
    for (i, id) in renewals.iter().enumerate() {
        let outcome = if i < 20 { "renewed" } else { "churned" };
        let done = web
            .api(
                "PATCH",
                &format!("/api/v1/contracts/{id}"),
                Some(&t),
                Some(json!({"outcome": outcome})),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    }
    let w = body(&waterfall(&t).await);
    let dec = period(&w, "2026-12-01");
    assert_eq!(dec["actual_frozen"], true);
    assert_eq!(dec["actual"]["renewed"], "240000");
    assert_eq!(dec["actual"]["churned"], "120000");
    assert_eq!(dec["variance"], "-30000");
    assert_eq!(dec["why_needed"], true);
    assert_eq!(period(&w, "2026-11-01")["why_needed"], false);
    assert_eq!(
        w["colour_checks"][0]["words"],
        "We predicted 25% of unscored renewals to churn (7.5 of 30); 33% did (10 of 30)."
    );

    // No re-plan while December is unexplained; a why must say something.
    let replan = |b: Value| {
        let web = &web;
        let t = t.clone();
        async move {
            web.api("POST", "/api/v1/forecast/replans", Some(&t), Some(b))
                .await
        }
    };
    let refused = replan(json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("Dec 2026"), "{}", refused.body);
    let why = |text: &str| {
        let web = &web;
        let t = t.clone();
        let text = text.to_string();
        async move {
            web.api(
                "PUT",
                "/api/v1/forecast/variances",
                Some(&t),
                Some(json!({"period": "2026-12-15", "why": text})),
            )
            .await
        }
    };
    assert_eq!(why("  ").await.status, StatusCode::BAD_REQUEST);
    let explained = why("Two accounts consolidated after an acquisition").await;
    assert_eq!(explained.status, StatusCode::OK, "{}", explained.body);
    assert_eq!(
        period(&body(&explained), "2026-12-01")["why"]["why"],
        "Two accounts consolidated after an acquisition"
    );

    // The re-plan covers the open periods only; the plan and the closed periods stay.
    let made = replan(json!({"note": "after December"})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let after = body(&made);
    assert_eq!(after["replans"].as_array().unwrap().len(), 1);
    for p in after["periods"].as_array().unwrap() {
        let was = period(&w, p["start"].as_str().unwrap());
        assert_eq!(p["plan"], was["plan"], "the plan never changes");
        if p["closed"] == true {
            assert_eq!(
                p["replans"][0],
                Value::Null,
                "closed periods are not re-planned"
            );
            assert_eq!(p["actual"], was["actual"]);
        } else {
            assert!(p["replans"][0].is_object());
        }
    }

    // A closed period is frozen: an outcome corrected later does not move its actual.
    let fix = web
        .api(
            "PATCH",
            &format!("/api/v1/contracts/{}", renewals[29]),
            Some(&t),
            Some(json!({"outcome": "renewed"})),
        )
        .await;
    assert_eq!(fix.status, StatusCode::OK, "{}", fix.body);
    let frozen = body(&waterfall(&t).await);
    assert_eq!(
        period(&frozen, "2026-12-01")["actual"],
        period(&w, "2026-12-01")["actual"]
    );
    let fix = web
        .api(
            "PATCH",
            &format!("/api/v1/contracts/{}", renewals[29]),
            Some(&t),
            Some(json!({"outcome": "churned"})),
        )
        .await;
    assert_eq!(fix.status, StatusCode::OK, "{}", fix.body);

    // The accuracy: as of 1 October 2026, the table knew 2025's terms (75% renewed); the
    // renewals of December kept 240,000 of 360,000 (66.67%): 8.33 points too hopeful.
    app.learn_renewal_forecast().await.unwrap();
    let acc = web
        .api("GET", "/api/v1/forecast/accuracy", Some(&casey_t), None)
        .await;
    assert_eq!(acc.status, StatusCode::OK, "{}", acc.body);
    let acc = body(&acc);
    let three = &acc["horizons"][0];
    assert_eq!(three["months"], 3);
    assert_eq!(three["forecasts"], 1, "{three}");
    assert_eq!(three["points"][0]["as_of"], "2026-10-01");
    assert_eq!(three["renewals"], 30);
    assert_eq!(three["mean_error_points"], "8.33");
    assert_eq!(three["bias_points"], "8.33");
    assert!(
        three["words"].as_str().unwrap().starts_with(
            "Looking 3 months ahead, the forecast of revenue retention was off by 8.3 points"
        ),
        "{three}"
    );
    // As of 1 January 2026, a year ahead: the same renewals, judged against the benchmark.
    let year = &acc["horizons"][1];
    assert_eq!(year["points"][0]["as_of"], "2026-01-01");
    assert_eq!(year["within_benchmark"], 0);
    assert_eq!(
        year["words"],
        "Looking 12 months ahead, the forecast of revenue retention was off by 8.3 points on \
         average, over 1 forecast and 30 renewals. On average it was too hopeful by 8.3 points. \
         Churned ARR was missed by 25% of what churned. \
         A team that knows its book aims to be within 5 points after a year: 0 of 1 were."
    );

    // Wrong words are refused by name.
    let bad = web
        .api(
            "GET",
            "/api/v1/forecast/waterfall?series=bookings",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("series"), "{}", bad.body);
    let bad = web
        .api(
            "GET",
            "/api/v1/forecast/waterfall?grain=year",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("grain"), "{}", bad.body);
}

/// What the property test does between checks.
#[derive(Debug, Clone)]
enum Step {
    /// Days pass.
    Advance(u8),
    /// A renewal's outcome is recorded (or corrected).
    Outcome(usize, bool),
    Replan,
    /// A leader says why every period that needs it differed.
    Explain,
}

fn steps() -> impl proptest::strategy::Strategy<Value = Vec<Step>> {
    use proptest::prelude::*;
    prop::collection::vec(
        prop_oneof![
            (1u8..70).prop_map(Step::Advance),
            (0usize..12, any::<bool>()).prop_map(|(i, r)| Step::Outcome(i, r)),
            Just(Step::Replan),
            Just(Step::Explain),
        ],
        1..14,
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 10, ..Default::default() })]
    /// Whatever happens after a plan is locked (days pass, outcomes are recorded and
    /// corrected, re-plans and whys), the plan, every earlier re-plan and every frozen actual
    /// stay as they were, and no re-plan covers a period that had closed.
    #[test]
    fn a_replan_never_changes_the_plan_an_earlier_replan_or_a_closed_period(steps in steps()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let web = common::Web::new().await;
            let admin = web
                .user("admin@example.com", Role::Admin, Function::Operations)
                .await;
            let t = web.token(&admin).await;
            let mut renewals = Vec::new();
            for i in 0..12 {
                let a = web.account(&format!("Customer {i}"), &[]).await;
                for (start, end, outcome) in [
                    ("2025-01-01", "2025-12-31", Some(if i % 4 == 0 { "churned" } else { "renewed" })),
                    ("2026-01-01", "2026-12-31", None),
                ] {
                    let mut b = json!({"account_id": a.id.to_string(),
                        "arr": {"amount": format!("{}", 10_000 + i * 1_000), "currency": "USD"},
                        "start_date": start, "end_date": end});
                    if let Some(o) = outcome {
                        b["outcome"] = json!(o);
                    }
                    let made = web.api("POST", "/api/v1/contracts", Some(&t), Some(b)).await;
                    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
                    if outcome.is_none() {
                        renewals.push(body(&made)["id"].as_str().unwrap().to_string());
                    }
                }
            }
            let app = sherpa_app::App::new(web.db.store.clone());
            let by = sherpa_app::Caller::operator();
            app.learn_renewal_forecast().await.unwrap();
            let request = |note: &str| sherpa_app::PlanRequest {
                series: sherpa_core::revenue::Series::Renewals,
                grain: sherpa_core::revenue::Grain::Month,
                note: note.into(),
                targets: Default::default(),
            };
            app.lock_plan(&by, request("plan")).await.unwrap();
            let series = sherpa_core::revenue::Series::Renewals;
            let grain = sherpa_core::revenue::Grain::Month;
            let mut seen_plans = web.db.store.forecast_plans("renewals", "month").await.unwrap();
            let mut frozen: std::collections::BTreeMap<chrono::NaiveDate, _> = Default::default();
            for step in steps {
                match step {
                    Step::Advance(days) => web.db.clock.advance(chrono::Duration::days(days.into())),
                    Step::Outcome(i, renewed) => {
                        let o = if renewed { "renewed" } else { "churned" };
                        let done = web
                            .api("PATCH", &format!("/api/v1/contracts/{}", renewals[i]), Some(&t),
                                Some(json!({"outcome": o})))
                            .await;
                        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
                    }
                    Step::Replan => {
                        let before = app.waterfall(&by, series, grain).await.unwrap();
                        let closed: Vec<_> = before.periods.iter().filter(|p| p.closed).map(|p| p.period.start).collect();
                        match app.replan(&by, request("again")).await {
                            Ok(id) => {
                                let all = web.db.store.forecast_plans("renewals", "month").await.unwrap();
                                let made = all.iter().find(|p| p.id == id).unwrap();
                                assert!(made.values.keys().all(|d| !closed.contains(d)), "a re-plan covers a closed period");
                            }
                            // Refused: a period waits for its why, or every period has closed.
                            Err(sherpa_app::Error::Conflict(_)) => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                    Step::Explain => {
                        let w = app.waterfall(&by, series, grain).await.unwrap();
                        for p in w.periods.iter().filter(|p| p.why_needed()) {
                            app.explain_variance(&by, series, grain, p.period.start, "a reason").await.unwrap();
                        }
                    }
                }
                // The plan and every earlier re-plan are as they were made.
                let plans = web.db.store.forecast_plans("renewals", "month").await.unwrap();
                for earlier in &seen_plans {
                    let now = plans.iter().find(|p| p.id == earlier.id).unwrap();
                    assert_eq!(now, earlier, "a kept plan changed");
                }
                seen_plans = plans;
                // A frozen actual never moves.
                let w = app.waterfall(&by, series, grain).await.unwrap();
                for p in w.periods.iter().filter(|p| p.frozen) {
                    let actual = p.actual.clone().unwrap();
                    let was = frozen.entry(p.period.start).or_insert_with(|| actual.clone());
                    assert_eq!(&actual, was, "{} moved after it froze", p.period.label);
                }
            }
        });
    }
}

/// A tracked figure is planned as a target per period and its actual is the book's figure for
/// the period once it closes: net revenue retention here.
#[tokio::test]
async fn a_tracked_figure_is_planned_as_targets_and_met_by_the_book() {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let t = web.token(&admin).await;
    for (name, terms) in [
        (
            "Grows",
            vec![
                ("2026-01-01", "2026-12-31", "12000", "expanded"),
                ("2027-01-01", "2027-12-31", "18000", ""),
            ],
        ),
        (
            "Leaves",
            vec![("2026-01-01", "2026-12-31", "12000", "churned")],
        ),
    ] {
        let a = web.account(name, &[]).await;
        for (start, end, arr, outcome) in terms {
            let mut b = json!({"account_id": a.id.to_string(),
                "arr": {"amount": arr, "currency": "USD"}, "start_date": start, "end_date": end});
            if !outcome.is_empty() {
                b["outcome"] = json!(outcome);
            }
            let made = web
                .api("POST", "/api/v1/contracts", Some(&t), Some(b))
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        }
    }
    // Today is 23 November 2026: a year of months from November.
    let locked = lock_targets(&web, &t, "nrr", "100", "hold the book").await;
    assert_eq!(period(&locked, "2026-12-01")["plan"]["value"], "100");
    web.db.clock.advance(chrono::Duration::days(40));
    let w = waterfall(&web, &t, "nrr").await;
    // November kept everyone; in December one of two $1,000 MRR customers left and the other
    // grew to $1,500: NRR 75%.
    assert_eq!(period(&w, "2026-11-01")["actual"]["value"], "100");
    assert_eq!(period(&w, "2026-11-01")["why_needed"], false);
    let dec = period(&w, "2026-12-01");
    assert_eq!(dec["actual"]["value"], "75");
    assert_eq!(dec["actual_frozen"], true);
    assert_eq!(dec["variance"], "-25");
    assert_eq!(dec["why_needed"], true);
    assert_eq!(w["colour_checks"], json!([]));
}

/// The NPS of a period's answers is tracked like any figure: a target per period, the actual
/// once the period closes, and none recorded for a period without an answer.
#[tokio::test]
async fn the_nps_of_each_period_is_tracked_against_its_target() {
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let t = web.token(&admin).await;
    let a = web.account("Acme", &[]).await;
    // December: two promoters, one passive, one detractor: (2 - 1) / 4 = NPS 25.
    for (score, day) in [
        (10, "2026-12-02"),
        (9, "2026-12-10"),
        (8, "2026-12-11"),
        (3, "2026-12-20"),
    ] {
        let made = web
            .api(
                "POST",
                "/api/v1/surveys",
                Some(&t),
                Some(json!({"account_id": a.id.to_string(), "kind": "nps", "score": score, "answered_on": day})),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let targets: Vec<Value> = ["2026-11-01", "2026-12-01", "2027-01-01", "2027-02-01"]
        .iter()
        .map(|d| json!({"period": d, "value": "40"}))
        .collect();
    let locked = web
        .api(
            "POST",
            "/api/v1/forecast/plans",
            Some(&t),
            Some(json!({"series": "nps", "grain": "month", "targets": targets})),
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::BAD_REQUEST,
        "a year of targets: {}",
        locked.body
    );
    assert!(
        locked.body.contains("no target for Mar 2027"),
        "{}",
        locked.body
    );
    lock_targets(&web, &t, "nps", "40", "").await;
    web.db.clock.advance(chrono::Duration::days(40));
    let w = waterfall(&web, &t, "nps").await;
    assert_eq!(
        period(&w, "2026-11-01")["actual"],
        Value::Null,
        "no answer, no figure"
    );
    let dec = period(&w, "2026-12-01");
    assert_eq!(dec["actual"]["value"], "25");
    assert_eq!(dec["variance"], "-15");
    assert_eq!(dec["why_needed"], true);
}

/// Strategic feature adoption counts the features a leader picked: three paying customers in
/// November, one on dashboards, one on exports (both high-value), one only signing in.
#[tokio::test]
async fn adoption_counts_the_strategic_features_a_leader_picked() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use base64::Engine;
    let web = common::Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let t = web.token(&admin).await;
    let store = &web.db.store;
    for (event, feature, high) in [
        ("Dashboard Viewed", "Dashboards", true),
        ("Export Run", "Exports", true),
        ("Signed In", "Sign-in", false),
    ] {
        store
            .set_feature(&Actor::system("test"), event, feature, high)
            .await
            .unwrap();
    }
    let mut batch = Vec::new();
    for (i, event) in ["Dashboard Viewed", "Export Run", "Signed In"]
        .iter()
        .enumerate()
    {
        let a = web
            .api(
                "POST",
                "/api/v1/accounts",
                Some(&t),
                Some(json!({"name": format!("Customer {i}"), "external_id": format!("C-{i}")})),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let id = body(&a)["id"].as_str().unwrap().to_string();
        let made = web
            .api(
                "POST",
                "/api/v1/contracts",
                Some(&t),
                Some(json!({"account_id": id,
                    "arr": {"amount": "12000", "currency": "USD"},
                    "start_date": "2026-01-01", "end_date": "2026-12-31"})),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        batch.push(
            json!({"type": "track", "userId": format!("u{i}"), "event": event,
            "context": {"groupId": format!("C-{i}")}, "timestamp": "2026-11-20T09:00:00Z"}),
        );
    }
    let key = web.ingest_key(&admin).await;
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
    let nov = ("2026-11-01".parse().unwrap(), "2026-12-01".parse().unwrap());
    assert_eq!(
        store.adoption_between(nov.0, nov.1, &[]).await.unwrap(),
        (2, 3)
    );
    // A pick that is not in the catalogue is refused by name and changes nothing.
    let leader = web.sign_in(&admin).await;
    let wrong = web
        .post(
            "/revenue/forecast/strategic-features",
            Some(&leader),
            &[("series", "adoption"), ("feature.Nope", "on")],
            true,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong
            .body
            .contains("&#34;Nope&#34; is not a feature of the catalogue"),
        "{}",
        wrong.body
    );
    assert!(
        store
            .revenue_config()
            .await
            .unwrap()
            .strategic_features
            .is_empty()
    );
    // The same check holds for the configuration file.
    let app = sherpa_app::App::new(store.clone());
    let config = app.export_config().await.unwrap();
    let config = config.replace("[revenue]", "[revenue]\nstrategic_features = [\"Nope\"]");
    let refused = app
        .import_config(&sherpa_app::Caller::operator(), &config, false)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("revenue.strategic_features: \"Nope\" is not a feature of the catalogue"),
        "{refused}"
    );
    let picked = web
        .post(
            "/revenue/forecast/strategic-features",
            Some(&leader),
            &[("series", "adoption"), ("feature.Dashboards", "on")],
            true,
        )
        .await;
    assert_eq!(picked.status, StatusCode::SEE_OTHER, "{}", picked.body);
    let page = web
        .get("/revenue/forecast?series=adoption", Some(&leader))
        .await;
    assert!(
        page.body.contains("Dashboards (picked as strategic)"),
        "{}",
        page.body
    );
    lock_targets(&web, &t, "adoption", "50", "").await;
    web.db.clock.advance(chrono::Duration::days(10));
    let w = waterfall(&web, &t, "adoption").await;
    // One of the three used dashboards: 33.33%, not the 66.67% of any high-value feature.
    let nov = period(&w, "2026-11-01");
    assert_eq!(nov["actual"]["value"], "33.33");
    assert_eq!(nov["variance"], "-16.67");
}
