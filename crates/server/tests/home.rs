//! The first page after sign-in, on SQLite and PostgreSQL: a CSM's day lists their own work due
//! and finishes a task in one press; a leader's overview says how much renewing ARR is at risk
//! and who owns it; an admin's says whether the data still arrives.

mod common;

use axum::http::StatusCode;
use chrono::{Datelike, Days};
use common::Web;
use serde_json::json;
use sherpa_core::*;

/// A task on `account` for `owner`, due `due`.
async fn task(web: &Web, account: AccountId, owner: UserId, title: &str, due: chrono::NaiveDate) {
    web.db
        .store
        .open_task(
            &Actor::system("test"),
            &TaskFields {
                account_id: account,
                title: title.into(),
                owner_id: Some(owner),
                due_on: Some(due),
                priority: Priority::Normal,
                source: TaskSource::Manual,
                reason: "asked for in the test".into(),
                dedup_key: None,
            },
        )
        .await
        .unwrap();
}

/// A term of `account` worth `arr` dollars a year, ending `ends`.
async fn term(web: &Web, token: &str, account: AccountId, arr: i64, ends: chrono::NaiveDate) {
    let start = ends - Days::new(364);
    let r = web
        .api(
            "POST",
            "/api/v1/contracts",
            Some(token),
            Some(json!({"account_id": account.to_string(), "arr": {"amount": arr.to_string(), "currency": "USD"}, "start_date": start.to_string(), "end_date": ends.to_string()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// The table row of a page whose first cell is `first`, up to its end.
fn table_row(text: &str, first: &str) -> String {
    let at = text
        .find(&format!("<tr><td>{first}</td>"))
        .unwrap_or_else(|| panic!("{first} is listed: {text}"));
    text[at..at + text[at..].find("</tr>").unwrap()].to_string()
}

#[tokio::test]
async fn a_csm_sees_their_day_and_finishes_a_task_from_it() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let token = web.token(&admin).await;
    let me = web.user("me@example.com", Role::Csm, Function::Csm).await;
    let other = web
        .user("other@example.com", Role::Csm, Function::Csm)
        .await;
    let mine = web.account("Mine Co", &[(OwnerFunction::Csm, me.id)]).await;
    let theirs = web
        .account("Theirs Co", &[(OwnerFunction::Csm, other.id)])
        .await;
    let today = web.db.clock.today();
    task(&web, mine.id, me.id, "Send the recap", today - Days::new(2)).await;
    task(&web, mine.id, me.id, "Call the sponsor", today).await;
    task(
        &web,
        mine.id,
        me.id,
        "Plan the review",
        today + Days::new(5),
    )
    .await;
    task(
        &web,
        theirs.id,
        other.id,
        "Their overdue call",
        today - Days::new(1),
    )
    .await;
    term(&web, &token, mine.id, 48_000, today + Days::new(60)).await;
    term(&web, &token, theirs.id, 90_000, today + Days::new(30)).await;

    let b = web.sign_in(&me).await;
    let home = web.get("/", Some(&b)).await;
    assert_eq!(
        (home.status, home.location.as_str()),
        (StatusCode::SEE_OTHER, "/today"),
        "a CSM starts on their day"
    );
    let day = web.get("/today", Some(&b)).await;
    assert_eq!(day.status, StatusCode::OK, "{}", day.body);
    let text = day.text();
    assert!(
        text.contains("Due today and overdue <span class=\"muted\">(2)</span>"),
        "{text}"
    );
    assert!(text.contains("Send the recap") && text.contains("Call the sponsor"));
    assert!(
        !text.contains("Plan the review"),
        "a task due next week is not today's"
    );
    assert!(
        !text.contains("Their overdue call"),
        "another CSM's task is not mine"
    );
    assert!(text.contains("Renewals in the next 90 days <span class=\"muted\">(1)</span>"));
    assert!(
        text.contains("Mine Co") && text.contains("$48,000"),
        "{text}"
    );
    assert!(
        !text.contains("Theirs Co"),
        "another CSM's renewal is not mine"
    );

    // Done in one press, and the day says so.
    let id = web
        .db
        .store
        .open_tasks_of(me.id)
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t.fields.title == "Send the recap")
        .unwrap()
        .0
        .id;
    let done = web
        .post(
            &format!("/tasks/{id}"),
            Some(&b),
            &[("action", "done"), ("back", "today")],
            true,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(done.location.starts_with("/today?"), "{}", done.location);
    let after = web.get(&done.location, Some(&b)).await.text();
    assert!(after.contains("Done: Send the recap"), "{after}");
    assert!(after.contains("Due today and overdue <span class=\"muted\">(1)</span>"));

    // Done by mistake: Undo opens it again, back on the day.
    let undo = web
        .post(
            &format!("/tasks/{id}"),
            Some(&b),
            &[("action", "reopen"), ("back", "today")],
            true,
        )
        .await;
    assert_eq!(undo.status, StatusCode::SEE_OTHER, "{}", undo.body);
    let again = web.get(&undo.location, Some(&b)).await.text();
    assert!(again.contains("Open again: Send the recap"), "{again}");
    assert!(again.contains("Due today and overdue <span class=\"muted\">(2)</span>"));
    let task = web.db.store.task(id).await.unwrap();
    assert_eq!((task.status, task.outcome), (TaskStatus::Open, None));
    // Another CSM cannot undo what was mine.
    let stranger = web.sign_in(&other).await;
    web.post(
        &format!("/tasks/{id}"),
        Some(&b),
        &[("action", "done")],
        true,
    )
    .await;
    let refused = web
        .post(
            &format!("/tasks/{id}"),
            Some(&stranger),
            &[("action", "reopen")],
            true,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        web.db.store.task(id).await.unwrap().status,
        TaskStatus::Done
    );

    // The overview is a leader's.
    assert_eq!(
        web.get("/overview", Some(&b)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_leader_reads_the_arr_at_risk_in_the_next_two_quarters_and_who_owns_it() {
    let web = Web::new().await;
    web.db.score_on_any_input().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let token = web.token(&leader).await;
    let ann = web.user("ann@example.com", Role::Csm, Function::Csm).await;
    let bob = web.user("bob@example.com", Role::Csm, Function::Csm).await;
    let today = web.db.clock.today();
    let troubled = web
        .account("Troubled Co", &[(OwnerFunction::Csm, ann.id)])
        .await;
    let steady = web
        .account("Steady Co", &[(OwnerFunction::Csm, bob.id)])
        .await;
    let later = web
        .account("Later Co", &[(OwnerFunction::Csm, ann.id)])
        .await;
    term(&web, &token, troubled.id, 120_000, today + Days::new(45)).await;
    term(&web, &token, steady.id, 80_000, today + Days::new(100)).await;
    // Past the two quarters: not in the horizon.
    term(&web, &token, later.id, 70_000, today + Days::new(250)).await;
    let store = &web.db.store;
    web.db.connect_support(steady.id).await;
    let sys = Actor::system("test");
    for i in 0..8 {
        let t = common::support::urgent_ticket(troubled.id, i, "2026-11-20T09:00:00Z");
        store.save_ticket(&sys, &t).await.unwrap();
    }
    store
        .refresh_health(&[troubled.id, steady.id, later.id])
        .await
        .unwrap();
    let colour = |a: AccountId| async move { store.account(a).await.unwrap().health.map(|h| h.1) };
    assert_eq!(colour(troubled.id).await, Some(health::Colour::Red));
    assert_eq!(colour(steady.id).await, Some(health::Colour::Green));

    let b = web.sign_in(&leader).await;
    let home = web.get("/", Some(&b)).await;
    assert_eq!(
        home.location, "/overview",
        "a leader starts on the overview"
    );
    let page = web.get("/overview", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    // The headline: what renews in two quarters, and the part on accounts at risk.
    assert!(
        text.contains("<b id=\"horizon-arr\">$200,000</b>"),
        "the two renewals of the next two quarters: {text}"
    );
    assert!(
        text.contains(
            "<b id=\"horizon-at-risk\">$120,000</b><span>of it on orange or red accounts (1)</span>"
        ),
        "{text}"
    );
    // Who owns it: Ann's row carries the risk, Bob's none.
    let row = |name: &str| table_row(&text, name);
    assert!(
        row("ann").contains("$120,000 <span class=\"muted\">(1)</span>"),
        "{}",
        row("ann")
    );
    assert!(
        row("bob").contains("<td class=\"num\">$0</td>"),
        "{}",
        row("bob")
    );
    // The ARR by colour adds up to the book.
    assert!(text.contains("<b id=\"book-arr\">$270,000</b>"), "{text}");
    assert!(text.contains("<b>red</b> $120,000"), "{text}");
    // The API answers the same question with the same figures.
    let api = web.api("GET", "/api/v1/overview", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(
        (&v["arr"], &v["currency"]),
        (&json!("270000"), &json!("USD"))
    );
    assert_eq!(v["renewals"]["arr"], "200000");
    assert_eq!(v["renewals"]["at_risk"], "120000");
    assert_eq!(v["renewals"]["at_risk_count"], 1);
    let of = |list: &str, key: &str, value: &str| -> serde_json::Value {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[key] == value)
            .cloned()
            .unwrap_or_else(|| panic!("no {value} in {list}: {v}"))
    };
    assert_eq!(of("renewals_by_csm", "csm", "ann")["at_risk"], "120000");
    assert_eq!(of("renewals_by_csm", "csm", "bob")["at_risk"], "0");
    assert_eq!(of("mix", "colour", "red")["arr"], "120000");
    // A CSM has no overview, through either door.
    let ann_token = web.token(&ann).await;
    assert_eq!(
        web.api("GET", "/api/v1/overview", Some(&ann_token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_admin_sees_when_each_source_last_wrote_and_who_has_access() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    web.user("ann@example.com", Role::Csm, Function::Csm).await;
    web.user("bob@example.com", Role::Csm, Function::Csm).await;
    let acme = web.account("Acme", &[]).await;
    // A ticket eight days ago, nothing since: the support desk has gone quiet.
    web.db.clock.advance(chrono::Duration::days(-8));
    web.db
        .store
        .save_ticket(
            &Actor::system("test"),
            &common::support::urgent_ticket(acme.id, 1, "2026-11-15T09:00:00Z"),
        )
        .await
        .unwrap();
    web.db.clock.advance(chrono::Duration::days(8));
    let b = web.sign_in(&admin).await;
    assert_eq!(web.get("/", Some(&b)).await.location, "/system");
    let page = web.get("/system", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    let row = |source: &str| table_row(&text, source);
    assert!(
        row("Accounts").contains(">0 minutes</td>"),
        "{}",
        row("Accounts")
    );
    assert!(
        row("Support tickets").contains("class=\"late\">8 days</td>"),
        "{}",
        row("Support tickets")
    );
    assert!(
        row("Product events").contains("<td>never</td>"),
        "{}",
        row("Product events")
    );
    assert!(text.contains("<li><b>2</b> CSMs</li>"), "{text}");
    // The API gives an admin's monitoring the same state.
    let token = web.token(&admin).await;
    let api = web.api("GET", "/api/v1/system", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let source = |name: &str| {
        v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"] == name)
            .cloned()
            .unwrap()
    };
    assert!(source("Product events")["last_write"].is_null(), "{v}");
    assert!(
        source("Support tickets")["last_write"]
            .as_str()
            .unwrap()
            .starts_with(&(web.db.clock.today() - Days::new(8)).to_string()),
        "{v}"
    );
    let csms = v["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "csm")
        .cloned()
        .unwrap();
    assert_eq!(csms["active"], 2, "{v}");
    // The page is an admin's.
    let csm = web.user("carl@example.com", Role::Csm, Function::Csm).await;
    let c = web.sign_in(&csm).await;
    assert_eq!(
        web.get("/system", Some(&c)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_csm_finishes_or_hands_over_many_tasks_at_once_or_none() {
    let web = Web::new().await;
    let me = web.user("me@example.com", Role::Csm, Function::Csm).await;
    let other = web
        .user("other@example.com", Role::Csm, Function::Csm)
        .await;
    let mine = web.account("Mine Co", &[(OwnerFunction::Csm, me.id)]).await;
    let theirs = web
        .account("Theirs Co", &[(OwnerFunction::Csm, other.id)])
        .await;
    let today = web.db.clock.today();
    for title in ["One", "Two", "Three"] {
        task(&web, mine.id, me.id, title, today).await;
    }
    task(&web, theirs.id, other.id, "Not mine", today).await;
    let id_of = |title: &'static str| {
        let web = &web;
        async move {
            let mut open = web.db.store.open_tasks_of(me.id).await.unwrap();
            open.extend(web.db.store.open_tasks_of(other.id).await.unwrap());
            open.into_iter()
                .map(|(t, _)| t)
                .find(|t| t.fields.title == title)
                .unwrap()
        }
    };
    let (one, two, three, foreign) = (
        id_of("One").await,
        id_of("Two").await,
        id_of("Three").await,
        id_of("Not mine").await,
    );
    let b = web.sign_in(&me).await;
    let bulk = |action: &'static str, ids: Vec<TaskId>, to: Option<&'static str>| {
        let web = &web;
        let b = &b;
        async move {
            let mut f: Vec<(String, String)> = vec![("action".into(), action.into())];
            f.extend(ids.iter().map(|i| ("task".to_string(), i.to_string())));
            if let Some(to) = to {
                f.push(("to".into(), to.to_string()));
            }
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            web.post("/tasks/bulk", Some(b), &f, true).await
        }
    };
    // One task of another CSM's in the lot: nothing is done.
    let refused = bulk("done", vec![one.id, foreign.id], None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(
        web.db.store.task(one.id).await.unwrap().status,
        TaskStatus::Open
    );
    // Nothing ticked: the list says so.
    let none = bulk("done", vec![], None).await;
    let page = web.get(&none.location, Some(&b)).await.text();
    assert!(
        page.contains("Nothing was changed: tasks: choose at least one task"),
        "{page}"
    );

    let done = bulk("done", vec![one.id, two.id], None).await;
    let page = web.get(&done.location, Some(&b)).await.text();
    assert!(page.contains("2 tasks done."), "{page}");
    for t in [one.id, two.id] {
        assert_eq!(web.db.store.task(t).await.unwrap().status, TaskStatus::Done);
    }
    // The person is typed (a name or email, as the field suggests them): one nobody has is
    // refused on the list, and the task stays.
    let nobody = bulk("reassign", vec![three.id], Some("Nobody Here")).await;
    let page = web.get(&nobody.location, Some(&b)).await.text();
    assert!(
        page.contains("Nothing was changed: to: no team member \"Nobody Here\""),
        "{page}"
    );
    assert_eq!(
        web.db.store.task(three.id).await.unwrap().fields.owner_id,
        Some(me.id)
    );
    let handed = bulk("reassign", vec![three.id], Some("other@example.com")).await;
    let page = web.get(&handed.location, Some(&b)).await.text();
    assert!(page.contains("1 task handed over."), "{page}");
    assert_eq!(
        web.db.store.task(three.id).await.unwrap().fields.owner_id,
        Some(other.id)
    );
}

#[tokio::test]
async fn a_persons_day_follows_their_time_zone() {
    let web = Web::new().await;
    let me = web.user("me@example.com", Role::Csm, Function::Csm).await;
    let mine = web.account("Mine Co", &[(OwnerFunction::Csm, me.id)]).await;
    // 23:30 in London is already 12:30 the next day in Auckland.
    let utc_day = web.db.clock.today();
    web.db
        .clock
        .set(utc_day.and_hms_opt(23, 30, 0).unwrap().and_utc());
    let tomorrow = utc_day + Days::new(1);
    task(&web, mine.id, me.id, "Call from Auckland", tomorrow).await;
    let b = web.sign_in(&me).await;
    let section = |page: &str, id: &str| -> bool {
        page.find(&format!("id=\"tasks-{id}\""))
            .map(|at| {
                page[at..]
                    .split("</section>")
                    .next()
                    .unwrap()
                    .contains("Call from Auckland")
            })
            .unwrap_or(false)
    };
    let before = web.get("/tasks", Some(&b)).await.text();
    assert!(
        !section(&before, "today"),
        "not yet today in the team's zone: {before}"
    );

    // A zone that is not one: beside the field, as typed, nothing saved.
    let bad = web
        .post(
            "/me/time-zone",
            Some(&b),
            &[("time_zone", "Mars/Olympus")],
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let text = bad.text();
    assert!(
        text.contains("id=\"tz-err\" data-key=\"time_zone\">\"Mars/Olympus\" is not a time zone"),
        "{text}"
    );
    assert!(text.contains("value=\"Mars/Olympus\""));
    assert_eq!(web.db.store.user(me.id).await.unwrap().time_zone, None);

    let saved = web
        .post(
            "/me/time-zone",
            Some(&b),
            &[("time_zone", "Pacific/Auckland")],
            true,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = web.get("/me/time-zone", Some(&b)).await.text();
    assert!(
        page.contains(&tomorrow.format("%A %d %B").to_string()),
        "{page}"
    );
    let after = web.get("/tasks", Some(&b)).await.text();
    assert!(section(&after, "today"), "today in Auckland: {after}");
    let day = web.get("/today", Some(&b)).await.text();
    assert!(
        day.contains("Call from Auckland"),
        "the day lists it: {day}"
    );
}

#[tokio::test]
async fn the_api_sets_ones_own_time_zone_as_the_menu_does() {
    let web = Web::new().await;
    let me = web.user("me@example.com", Role::Csm, Function::Csm).await;
    let token = web.token(&me).await;
    let json = |a: &common::Answer| serde_json::from_str::<serde_json::Value>(&a.body).unwrap();

    // The same refusal as the menu's form, naming the field; nothing saved.
    let bad = web
        .api(
            "PATCH",
            "/api/v1/me",
            Some(&token),
            Some(serde_json::json!({"time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let problem = json(&bad);
    assert_eq!(problem["field"], "time_zone");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("\"Mars/Olympus\" is not a time zone"),
        "{problem}"
    );
    let other = web
        .api(
            "PATCH",
            "/api/v1/me",
            Some(&token),
            Some(serde_json::json!({"role": "admin"})),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::BAD_REQUEST,
        "one's role is not one's own to set"
    );
    assert_eq!(json(&other)["field"], "role");
    assert_eq!(web.db.store.user(me.id).await.unwrap().time_zone, None);

    let set = web
        .api(
            "PATCH",
            "/api/v1/me",
            Some(&token),
            Some(serde_json::json!({"time_zone": "Pacific/Auckland"})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(json(&set)["time_zone"], "Pacific/Auckland");
    let read = web.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(json(&read)["email"], "me@example.com");
    assert_eq!(json(&read)["time_zone"], "Pacific/Auckland");
    assert_eq!(
        web.db.store.user(me.id).await.unwrap().time_zone.as_deref(),
        Some("Pacific/Auckland")
    );

    // Null follows the team's zone again.
    let cleared = web
        .api(
            "PATCH",
            "/api/v1/me",
            Some(&token),
            Some(serde_json::json!({"time_zone": null})),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.body);
    assert_eq!(json(&cleared)["time_zone"], serde_json::Value::Null);
    assert_eq!(web.db.store.user(me.id).await.unwrap().time_zone, None);
}

#[tokio::test]
async fn the_overview_shows_arr_by_colour_at_each_past_quarters_end() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let token = web.token(&leader).await;
    let today = web.db.clock.today();
    let red = web.account("Red Co", &[]).await;
    let green = web.account("Green Co", &[]).await;
    // A year's term on each, running through the last quarter's end.
    let ends = today + Days::new(200);
    term(&web, &token, red.id, 30_000, ends).await;
    term(&web, &token, green.id, 10_000, ends).await;
    for (a, colour) in [(red.id, "red"), (green.id, "green")] {
        for sql in [
            "INSERT INTO account_health (account_id, score, colour, scorecard) VALUES ($1, 50, $2, 'Default')",
            "INSERT INTO health_metrics (account_id, computed_at, metrics) VALUES ($1, '2026-01-01T00:00:00Z', '{}') ",
        ] {
            let q = sqlx::query(sql).bind(a.0);
            let q = if sql.contains("$2") {
                q.bind(colour)
            } else {
                q
            };
            q.execute(web.db.store.pool()).await.unwrap();
        }
    }
    // The daily snapshot taken on the last quarter's last day.
    let now = web.db.clock.now();
    let quarter_end = chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
    assert!(
        today > quarter_end && today.month() >= 10,
        "the test clock is in Q4 2026"
    );
    web.db
        .clock
        .set(quarter_end.and_hms_opt(23, 0, 0).unwrap().and_utc());
    assert_eq!(web.db.store.snapshot_health_daily().await.unwrap(), 2);
    // A task opened that evening, due that day, still open at the quarter's end: overdue as
    // the next day began, when the day's snapshot of the team's load is taken (once).
    task(&web, red.id, leader.id, "Call the sponsor", quarter_end).await;
    web.db.clock.set(
        (quarter_end + Days::new(1))
            .and_hms_opt(0, 5, 0)
            .unwrap()
            .and_utc(),
    );
    assert!(web.db.store.record_load_snapshot().await.unwrap());
    assert!(
        !web.db.store.record_load_snapshot().await.unwrap(),
        "once a day"
    );
    web.db.clock.set(now);
    // Two renewals fell due in Q3: one renewed (its next term starts the day after), one
    // not (the customer left). Neither is scored, so the mix above is unchanged.
    let kept = web.account("Kept Co", &[]).await;
    let gone = web.account("Gone Co", &[]).await;
    let aug_31 = chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    term(&web, &token, kept.id, 8_000, aug_31).await;
    term(&web, &token, kept.id, 8_000, aug_31 + Days::new(365)).await;
    term(&web, &token, gone.id, 2_000, aug_31 + Days::new(15)).await;

    let b = web.sign_in(&leader).await;
    let page = web.get("/overview", Some(&b)).await.text();
    let at = page.find("id=\"quarters\"").expect("the quarters section");
    let section = &page[at..at + page[at..].find("</section>").unwrap()];
    assert!(section.contains("<b>Q3 2026</b>"), "{section}");
    assert!(
        section.contains("end 30 Sep · $40,000 ARR, colours of 30 Sep"),
        "{section}"
    );
    assert!(
        section.contains("75% at risk"),
        "red holds 30,000 of 40,000: {section}"
    );
    assert!(section.contains("<b>Now</b>"), "{section}");
    assert!(
        section.contains(
            "Renewals:</span> 2 renewals due, $10,000: 80% renewed, $2,000 lost (1 customer left)"
        ),
        "{section}"
    );
    assert!(
        section.contains(
            "Team:</span> 1 task open at its end held by one person, 1 overdue (0 of them \
             personal touches, recorded 2026-10-01 00:05 UTC); 0 done in it"
        ),
        "{section}"
    );
    // No history before Q3: no quarter is made up.
    assert!(!section.contains("Q2 2026"), "{section}");
    let api = web.api("GET", "/api/v1/overview", Some(&token), None).await;
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let quarters = v["quarters"].as_array().unwrap();
    assert_eq!(quarters[0]["quarter"], "Q3 2026", "{v}");
    assert_eq!(quarters[0]["at_risk_percent"], "75", "{v}");
    assert_eq!(
        (
            &quarters[0]["renewals"]["due"],
            &quarters[0]["renewals"]["lost"],
            &quarters[0]["renewals"]["churned"]
        ),
        (&json!("10000"), &json!("2000"), &json!(1)),
        "{v}"
    );
    assert_eq!(quarters[0]["tasks"]["open"], 1, "{v}");
    assert_eq!(
        quarters[0]["tasks"]["overdue"],
        json!({"as_of": "2026-10-01", "recorded_at": "2026-10-01T00:05:00Z", "tasks": 1, "personal_touches": 0}),
        "{v}"
    );
}

#[tokio::test]
async fn my_tasks_sort_within_each_group_and_the_staffing_books_by_each_column() {
    let web = Web::new().await;
    let me = web.user("me@example.com", Role::Csm, Function::Csm).await;
    let zeta = web.account("Zeta Co", &[(OwnerFunction::Csm, me.id)]).await;
    let alpha = web
        .account("Alpha Co", &[(OwnerFunction::Csm, me.id)])
        .await;
    let later = web.db.clock.today() + Days::new(30);
    // Two tasks in "Later": Zeta's due first, Alpha's a day after.
    task(&web, zeta.id, me.id, "Send the recap", later).await;
    task(
        &web,
        alpha.id,
        me.id,
        "Book the review",
        later + Days::new(1),
    )
    .await;
    let b = web.sign_in(&me).await;
    let order = |page: &str| -> (usize, usize) {
        (
            page.find(">Zeta Co</a>").unwrap(),
            page.find(">Alpha Co</a>").unwrap(),
        )
    };
    let by_due = web.get("/tasks", Some(&b)).await.text();
    let (z, a) = order(&by_due);
    assert!(z < a, "by due day first");
    let by_account = web.get("/tasks?sort=account", Some(&b)).await;
    assert_eq!(by_account.status, StatusCode::OK, "{}", by_account.body);
    let (z, a) = order(&by_account.text());
    assert!(a < z, "Alpha before Zeta by account");
    assert!(
        by_account.text().contains(&format!(
            "aria-sort=\"ascending\"><a href=\"?user={}&sort=-account\">Account</a>",
            me.id
        )),
        "{}",
        by_account.body
    );
    let bad = web.get("/tasks?sort=colour", Some(&b)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // A task done from the sorted list goes back to the list sorted the same way.
    assert!(
        by_account
            .text()
            .contains("name=\"sort\" value=\"account\""),
        "each form carries the sort"
    );
    let (first, _) = web.db.store.open_tasks_of(me.id).await.unwrap().remove(0);
    let me_id = me.id.to_string();
    let done = web
        .post(
            &format!("/tasks/{}", first.id),
            Some(&b),
            &[
                ("action", "done"),
                ("back", me_id.as_str()),
                ("sort", "account"),
            ],
            true,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(
        done.location.starts_with(&format!(
            "/tasks?user={}&sort=account&done={}",
            me.id, first.id
        )),
        "{}",
        done.location
    );

    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let l = web.sign_in(&leader).await;
    for sort in ["csm", "-accounts", "arr", "plan_hours", "-time", "capacity"] {
        let page = web.get(&format!("/staffing?sort={sort}"), Some(&l)).await;
        assert_eq!(page.status, StatusCode::OK, "{sort}: {}", page.body);
    }
    let books = web.get("/staffing?sort=-accounts", Some(&l)).await.text();
    assert!(
        books.contains("aria-sort=\"descending\"><a href=\"?sort=accounts#books\">Accounts</a>"),
        "{books}"
    );
    let bad = web.get("/staffing?sort=height", Some(&l)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_api_gives_a_csm_the_same_day_as_the_today_page() {
    let web = Web::new().await;
    let me = web.user("me@example.com", Role::Csm, Function::Csm).await;
    let mine = web.account("Mine Co", &[(OwnerFunction::Csm, me.id)]).await;
    let today = web.db.clock.today();
    task(
        &web,
        mine.id,
        me.id,
        "Chase the invoice",
        today - Days::new(2),
    )
    .await;
    task(&web, mine.id, me.id, "Prepare the review", today).await;
    task(
        &web,
        mine.id,
        me.id,
        "Plan next quarter",
        today + Days::new(20),
    )
    .await;
    let token = web.token(&me).await;
    let day = web.api("GET", "/api/v1/today", Some(&token), None).await;
    assert_eq!(day.status, StatusCode::OK, "{}", day.body);
    let v: serde_json::Value = serde_json::from_str(&day.body).unwrap();
    assert_eq!(v["today"], today.to_string());
    let titles = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(titles("overdue"), ["Chase the invoice"]);
    assert_eq!(titles("due_today"), ["Prepare the review"]);
    assert_eq!(v["overdue"][0]["account_name"], "Mine Co");
    assert_eq!(v["overdue"][0]["account_id"], mine.id.to_string());
    // What the page lists, the API lists.
    let b = web.sign_in(&me).await;
    let page = web.get("/today", Some(&b)).await.text();
    assert!(
        page.contains("Chase the invoice") && page.contains("Prepare the review"),
        "{page}"
    );
    assert!(!page.contains("Plan next quarter") && !day.body.contains("Plan next quarter"));
}

#[tokio::test]
async fn the_users_page_and_a_reassignment_schedule_sort_by_each_column() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let ana = web.user("ana@example.com", Role::Csm, Function::Csm).await;
    web.user("zed@example.com", Role::Leader, Function::Csm)
        .await;
    let bea = web.user("bea@example.com", Role::Csm, Function::Csm).await;
    let b = web.sign_in(&admin).await;
    let order = |page: &str, names: &[&str]| -> Vec<usize> {
        names
            .iter()
            .map(|n| page.find(&format!("<b>{n}</b>")).unwrap())
            .collect()
    };
    let by_role = web.get("/admin/users?sort=role", Some(&b)).await;
    assert_eq!(by_role.status, StatusCode::OK, "{}", by_role.body);
    // admin, csm (ana, bea), leader (zed): a stable sort keeps names in order.
    let at = order(&by_role.text(), &["admin", "ana", "bea", "zed"]);
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    let by_name = web.get("/admin/users?sort=-name", Some(&b)).await.text();
    let at = order(&by_name, &["zed", "bea", "ana", "admin"]);
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    assert!(
        by_name.contains("aria-sort=\"descending\"><a href=\"?sort=name\">Name</a>"),
        "{by_name}"
    );
    assert_eq!(
        web.get("/admin/users?sort=height", Some(&b)).await.status,
        StatusCode::BAD_REQUEST
    );

    // A departure's schedule: Ana's two accounts, by day, or by ARR.
    let token = web.token(&admin).await;
    let small = web
        .account("Small Co", &[(OwnerFunction::Csm, ana.id)])
        .await;
    let big = web.account("Big Co", &[(OwnerFunction::Csm, ana.id)]).await;
    let ends = web.db.clock.today() + Days::new(300);
    term(&web, &token, small.id, 5_000, ends).await;
    term(&web, &token, big.id, 90_000, ends).await;
    let plan = web
        .post(
            "/reassignments",
            Some(&b),
            &[
                ("kind", "departure"),
                ("csm", &ana.id.to_string()),
                ("recipients", &bea.id.to_string()),
                ("day", &(web.db.clock.today() + Days::new(14)).to_string()),
                ("target_arr", ""),
                ("reason", "Ana moves to onboarding"),
            ],
            true,
        )
        .await;
    assert_eq!(plan.status, StatusCode::SEE_OTHER, "{}", plan.body);
    let rows = |page: &str| {
        (
            page.find(">Small Co</a>").unwrap(),
            page.find(">Big Co</a>").unwrap(),
        )
    };
    let by_arr = web.get("/reassignments?sort=-arr", Some(&b)).await;
    assert_eq!(by_arr.status, StatusCode::OK, "{}", by_arr.body);
    let (s, g) = rows(&by_arr.text());
    assert!(g < s, "the most ARR first");
    let (s, g) = rows(&web.get("/reassignments?sort=arr", Some(&b)).await.text());
    assert!(s < g, "the least ARR first");
    assert_eq!(
        web.get("/reassignments?sort=colour", Some(&b)).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_pareto_segments_sort_by_each_column() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let token = web.token(&admin).await;
    let ends = web.db.clock.today() + Days::new(200);
    // One big account takes the first segment; four small ones share the other two.
    for (name, arr) in [
        ("Big", 900_000),
        ("M1", 60_000),
        ("M2", 50_000),
        ("T1", 5_000),
        ("T2", 4_000),
    ] {
        let a = web.account(name, &[]).await;
        term(&web, &token, a.id, arr, ends).await;
    }
    let segments = |page: &str| -> Vec<usize> {
        ["1. High touch", "2. Hybrid", "3. Automated"]
            .iter()
            .map(|n| page.find(&format!(">{n}</a>")).unwrap_or(usize::MAX))
            .collect()
    };
    let first = web.get("/segments", Some(&b)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let at = segments(&first.text());
    assert!(
        at[0] < at[1] && at[1] < at[2],
        "by segment at first: {at:?}"
    );
    let by_mrr = web.get("/segments?sort=-mrr", Some(&b)).await.text();
    let at = segments(&by_mrr);
    assert!(at[0] < at[1], "the most MRR first: {at:?}");
    assert!(
        by_mrr.contains("aria-sort=\"descending\"><a href=\"?sort=mrr#seg-h\">MRR</a>"),
        "{by_mrr}"
    );
    let by_customers = web.get("/segments?sort=-customers", Some(&b)).await.text();
    let at = segments(&by_customers);
    assert!(
        at[0] > at[1].min(at[2]),
        "the first segment has the fewest customers: {at:?}"
    );
    web.refused("/segments?sort=colour", &b, "\"colour\" is not a column")
        .await;
}
