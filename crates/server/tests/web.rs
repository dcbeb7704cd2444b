//! The web UI's behaviour through the real router, on SQLite and on PostgreSQL: signing in and
//! out, throttling, CSRF, the book and the portfolio, the account 360, the audit log, users and
//! imports.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::Web;
use serde_json::json;
use sherpa_core::*;

/// The application as reached from `peer`, trusting the proxies `trusted`.
fn behind(web: &Web, peer: &str, trusted: &[&str]) -> axum::Router {
    let trusted = sherpa_server::forwarded::TrustedProxies::parse(trusted).unwrap();
    sherpa_server::app_with(web.db.store.clone(), Default::default(), trusted).layer(
        axum::extract::connect_info::MockConnectInfo(peer.parse::<std::net::SocketAddr>().unwrap()),
    )
}

fn login_request(email: &str, password: &str, proto: Option<&str>) -> Request<Body> {
    let body = serde_urlencoded::to_string([
        ("email", email),
        ("password", password),
        ("next", "/portfolio"),
    ])
    .unwrap();
    let mut r = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(p) = proto {
        r = r.header("x-forwarded-proto", p);
    }
    r.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn signing_in_is_throttled_and_the_cookie_is_locked_down() {
    let web = Web::new().await;
    web.with_password("ana@example.com", Role::Csm, "correct horse battery")
        .await;

    let wrong = web
        .send(login_request("ana@example.com", "wrong password!", None))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("The email or password is not right."));

    // A target that a browser would resolve to another host is dropped: home instead.
    for evil in ["/%09/evil.example", "/%5Cevil.example", "//evil.example"] {
        let form = web.get(&format!("/login?next={evil}"), None).await;
        assert!(
            form.body.contains(r#"name="next" value="/">"#),
            "{evil}: {}",
            form.body
        );
    }

    let ok = web.db.store.clone();
    let resp = {
        use tower::ServiceExt;
        behind(&web, "127.0.0.1:40000", &["127.0.0.1"])
            .oneshot(login_request(
                "ana@example.com",
                "correct horse battery",
                Some("https"),
            ))
            .await
            .unwrap()
    };
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[header::LOCATION], "/portfolio");
    let cookie = resp.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"),
        "{cookie}"
    );
    // The database keeps only a hash of the cookie's value.
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .to_string();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM web_sessions WHERE token_hash = $1")
        .bind(&value)
        .fetch_one(ok.pool())
        .await
        .unwrap();
    assert_eq!(n, 0, "the session id is stored in clear");
    assert!(ok.session(&value).await.unwrap().is_some());

    let plain = {
        use tower::ServiceExt;
        web.router
            .clone()
            .oneshot(login_request(
                "ana@example.com",
                "correct horse battery",
                None,
            ))
            .await
            .unwrap()
    };
    let cookie = plain.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP cannot carry a Secure cookie: {cookie}"
    );
    // A client that is not a trusted proxy cannot claim HTTPS.
    let forged = {
        use tower::ServiceExt;
        behind(&web, "203.0.113.9:40000", &["127.0.0.1"])
            .oneshot(login_request(
                "ana@example.com",
                "correct horse battery",
                Some("https"),
            ))
            .await
            .unwrap()
    };
    let cookie = forged.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");

    // A success forgets earlier failures; five in a row lock the account, and the next attempt
    // is refused before the password is checked, even with the right one.
    for _ in 0..5 {
        web.send(login_request("ana@example.com", "still wrong!!", None))
            .await;
    }
    let locked = web
        .send(login_request(
            "ana@example.com",
            "correct horse battery",
            None,
        ))
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .text()
            .contains("Too many failed sign-ins for this account"),
        "{}",
        locked.body
    );
}

#[tokio::test]
async fn forms_need_their_csrf_token_and_sign_out_ends_the_session() {
    let web = Web::new().await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let mine = web
        .account("Mine Inc", &[(OwnerFunction::Csm, csm.id)])
        .await;
    let b = web.sign_in(&csm).await;
    let path = format!("/accounts/{}/activities", mine.id);
    let fields = [
        ("kind", "call"),
        ("occurred_at", "2026-11-20T09:30"),
        ("summary", "Renewal chat"),
    ];

    let forged = web.post(&path, Some(&b), &fields, false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text().contains("security token"), "{}", forged.body);
    let mut other_site = web.post(&path, Some(&b), &fields, true).await;
    assert_eq!(other_site.status, StatusCode::SEE_OTHER);
    let timeline = web.db.store.timeline(mine.id, None, 10).await.unwrap();
    assert_eq!(timeline.len(), 1, "only the form with its token was logged");

    let req = Request::builder()
        .method("POST")
        .uri(&path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("sherpa_session={}", b.cookie))
        .header(header::ORIGIN, "https://evil.example")
        .header(header::HOST, "sherpa.example")
        .body(Body::from(
            serde_urlencoded::to_string([
                ("csrf", b.csrf.as_str()),
                ("kind", "call"),
                ("occurred_at", "2026-11-20T09:30"),
                ("summary", "x"),
            ])
            .unwrap(),
        ))
        .unwrap();
    other_site = web.send(req).await;
    assert_eq!(other_site.status, StatusCode::FORBIDDEN);

    let page = web.get(&format!("/accounts/{}", mine.id), Some(&b)).await;
    assert!(
        page.text().contains("Renewal chat"),
        "the timeline shows the logged call"
    );

    let out = web.post("/logout", Some(&b), &[], true).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = web.get("/book", Some(&b)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert!(
        after.location.starts_with("/login?next=%2Fbook"),
        "{}",
        after.location
    );
}

#[tokio::test]
async fn a_password_change_signs_out_other_browsers_and_deactivation_signs_out_everywhere() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let ana = web
        .with_password("ana@example.com", Role::Csm, "correct horse battery")
        .await;
    let laptop = web.sign_in(&ana).await;
    let phone = web.sign_in(&ana).await;
    let bad = web
        .post(
            "/password",
            Some(&laptop),
            &[
                ("current", "not the password"),
                ("new", "a brand new secret"),
                ("repeat", "a brand new secret"),
            ],
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("The current password is not right."));
    let good = web
        .post(
            "/password",
            Some(&laptop),
            &[
                ("current", "correct horse battery"),
                ("new", "a brand new secret"),
                ("repeat", "a brand new secret"),
            ],
            true,
        )
        .await;
    assert_eq!(good.status, StatusCode::OK);
    assert!(good.text().contains("Your password is changed."));
    assert_eq!(web.get("/book", Some(&laptop)).await.status, StatusCode::OK);
    assert_eq!(
        web.get("/book", Some(&phone)).await.status,
        StatusCode::SEE_OTHER
    );

    let boss = web.sign_in(&admin).await;
    let off = web
        .post(
            &format!("/admin/users/{}", ana.id),
            Some(&boss),
            &[
                ("function", "csm"),
                ("role", "csm"),
                ("manager", ""),
                ("active", "no"),
            ],
            true,
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(
        web.get("/book", Some(&laptop)).await.status,
        StatusCode::SEE_OTHER
    );
    let hash = web.db.store.password_hash(&ana.email).await.unwrap();
    assert!(hash.is_none(), "an inactive user cannot sign in");
}

#[tokio::test]
async fn the_portfolio_filters_totals_and_exports_exactly_what_it_shows() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let admin_token = web.token(&leader).await;
    for (i, arr) in [12_000, 30_000, 55_000, 8_000].iter().enumerate() {
        let a = web
            .account(&format!("Client {i}"), &[(OwnerFunction::Csm, csm.id)])
            .await;
        let r = web
            .api("POST", "/api/v1/contracts", Some(&admin_token), Some(json!({"account_id": a.id.to_string(), "arr": {"amount": arr.to_string(), "currency": "USD"}, "start_date": "2026-01-01", "end_date": "2027-01-31"})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    web.account("Prospect", &[]).await;
    let b = web.sign_in(&leader).await;
    let all = web.get("/portfolio", Some(&b)).await;
    assert!(
        all.text().contains(r#"<b id="total-accounts">5</b>"#),
        "{}",
        all.body
    );
    assert!(all.text().contains(r#"<b id="total-arr">$105,000</b>"#));

    let q = "arr_min=10000&arr_max=40000&sort=-arr";
    let some = web.get(&format!("/portfolio?{q}"), Some(&b)).await;
    assert!(some.text().contains(r#"<b id="total-accounts">2</b>"#));
    assert!(some.text().contains(r#"<b id="total-arr">$42,000</b>"#));
    let first = some.body.find("Client 1").unwrap();
    let second = some.body.find("Client 0").unwrap();
    assert!(first < second, "sorted by ARR, largest first");

    let csv = web
        .get(&format!("/portfolio/export?format=csv&{q}"), Some(&b))
        .await;
    assert!(csv.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(
        lines[1].contains(",Client 1,,30000.00,USD,2027-01-31,"),
        "{}",
        lines[1]
    );
    let xlsx = web
        .get(&format!("/portfolio/export?format=xlsx&{q}"), Some(&b))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.contains("spreadsheetml"));

    let bad = web.get("/portfolio?arr_min=lots", Some(&b)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("arr_min: \"lots\" is not an amount"),
        "{}",
        bad.body
    );

    let saved = web
        .post(
            "/portfolio/views",
            Some(&b),
            &[("name", "Mid-size"), ("query", q)],
            true,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let blank = web
        .post(
            "/portfolio/views",
            Some(&b),
            &[("name", "  "), ("query", q)],
            true,
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.text().contains("name: view name is required"));
    let page = web.get("/portfolio", Some(&b)).await;
    assert!(page.text().contains("Mid-size"));
    assert!(
        page.text()
            .contains("/portfolio?arr_min=10000&arr_max=40000&sort=-arr")
    );

    // The CSM's book holds their four clients, not the prospect.
    let mine = web.get("/book", Some(&web.sign_in(&csm).await)).await;
    assert!(mine.text().contains(r#"<b id="total-accounts">4</b>"#));
    assert!(!mine.text().contains("Prospect"));
}

#[tokio::test]
async fn the_account_360_flags_the_relationship_and_audits_every_edit() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let other = web
        .user("other@example.com", Role::Csm, Function::Csm)
        .await;
    let mine = web.account("Globex", &[(OwnerFunction::Csm, csm.id)]).await;
    let theirs = web
        .account("Initech", &[(OwnerFunction::Csm, other.id)])
        .await;
    let token = web.token(&admin).await;
    web.api("POST", "/api/v1/contacts", Some(&token), Some(json!({"account_id": mine.id.to_string(), "name": "Hank Scorpio", "roles": ["economic_buyer"], "departed_on": "2026-10-01"}))).await;
    let b = web.sign_in(&csm).await;

    let page = web.get(&format!("/accounts/{}", mine.id), Some(&b)).await;
    assert!(
        page.text().contains("No champion named"),
        "a missing champion is flagged"
    );
    assert!(
        page.text()
            .contains("The economic buyer has left; name a new one")
    );
    assert!(
        page.text().contains("Edit account"),
        "the owner sees the edit form"
    );
    let foreign = web.get(&format!("/accounts/{}", theirs.id), Some(&b)).await;
    assert!(
        !foreign.text().contains("Edit account"),
        "no edit form on an account the CSM does not own"
    );

    let fields = |employees: &'static str| {
        vec![
            ("name", "Globex Corporation"),
            ("domain", "globex.example"),
            ("industry", "Energy"),
            ("country", "US"),
            ("employees", employees),
            ("lifecycle", "ongoing"),
            ("customer_since", "2024-03-01"),
        ]
    };
    let bad = web
        .post(
            &format!("/accounts/{}", mine.id),
            Some(&b),
            &fields("a few"),
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text()
            .contains("employees: \"a few\" is not a whole number"),
        "{}",
        bad.body
    );
    // Beside the field, with everything typed kept.
    let form = bad.text();
    assert!(
        form.contains("id=\"f-employees-err\">\"a few\" is not a whole number"),
        "{form}"
    );
    assert!(
        form.contains("value=\"a few\" aria-invalid=\"true\""),
        "{form}"
    );
    assert!(form.contains("value=\"Globex Corporation\""), "{form}");
    // Owners are picked from the team as one types: the page carries no team list, the
    // field asks for a few matches.
    assert!(form.contains("list=\"people-found\" data-people"), "{form}");
    assert!(
        !form.contains("<option value=\"admin@example.com\">"),
        "{form}"
    );
    let found = web.get("/search/people?q=ADM", Some(&b)).await.text();
    assert!(
        found.contains("<option value=\"admin@example.com\">"),
        "{found}"
    );
    assert!(
        web.get("/search/people?q=a", Some(&b))
            .await
            .text()
            .trim()
            .is_empty()
    );
    assert_eq!(
        web.db.store.account(mine.id).await.unwrap().fields.name,
        "Globex"
    );

    let refused = web
        .post(
            &format!("/accounts/{}", theirs.id),
            Some(&b),
            &fields("10"),
            true,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("edits only the accounts they own"));

    let mut edit = fields("5200");
    let owner_key = "owner_executive_sponsor";
    edit.push((owner_key, "admin@example.com"));
    let ok = web
        .post(&format!("/accounts/{}", mine.id), Some(&b), &edit, true)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let saved = web.db.store.account(mine.id).await.unwrap();
    assert_eq!(saved.fields.name, "Globex Corporation");
    assert_eq!(saved.fields.employees, Some(5200));
    assert_eq!(saved.fields.owners.executive_sponsor, Some(admin.id));

    // The country is kept as its code, shown by name, and filtered by either, as in the API;
    // one that names no country is refused on the form and in the filter alike.
    assert_eq!(saved.fields.country.as_deref(), Some("US"));
    let page = web.get(&format!("/accounts/{}", mine.id), Some(&b)).await;
    assert!(
        page.text().contains("Energy · United States"),
        "{}",
        page.body
    );
    let listed = web.get("/portfolio?country=united+states", Some(&b)).await;
    assert!(
        listed.text().contains("Globex Corporation"),
        "{}",
        listed.body
    );
    let unknown = web.get("/portfolio?country=Atlantis", Some(&b)).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.text().contains("\"Atlantis\" is not a country"),
        "{}",
        unknown.body
    );
    let mut atlantis = edit.clone();
    atlantis.retain(|(k, _)| *k != "country");
    atlantis.push(("country", "Atlantis"));
    let refused = web
        .post(&format!("/accounts/{}", mine.id), Some(&b), &atlantis, true)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .contains("country: \"Atlantis\" is not a country"),
        "{}",
        refused.body
    );

    // Marked churned, it is no longer scored: the page and the API both say so, and there is
    // no pulse to set on a customer that left.
    let mut churned = edit.clone();
    churned.retain(|(k, _)| *k != "lifecycle");
    churned.push(("lifecycle", "churned"));
    let ok = web
        .post(&format!("/accounts/{}", mine.id), Some(&b), &churned, true)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = web.get(&format!("/accounts/{}", mine.id), Some(&b)).await;
    assert!(
        page.text().contains("This account churned.") && !page.text().contains("Set the CSM pulse"),
        "{}",
        page.body
    );
    let health = web
        .api(
            "GET",
            &format!("/api/v1/accounts/{}/health", mine.id),
            Some(&token),
            None,
        )
        .await;
    let health: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(
        (&health["churned"], &health["score"]),
        (&json!(true), &json!(null)),
        "{health}"
    );

    let audit = web
        .get(
            &format!("/audit?account={}&user={}", mine.id, csm.id),
            Some(&web.sign_in(&admin).await),
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(
        audit.text().contains("<del>Globex</del>")
            && audit.text().contains("<ins>Globex Corporation</ins>"),
        "{}",
        audit.body
    );
    assert!(audit.text().contains("csm"), "who made the change");
    let nothing = web
        .get(
            &format!("/audit?account={}&from=2000-01-01&to=2000-01-02", mine.id),
            Some(&web.sign_in(&admin).await),
        )
        .await;
    assert!(nothing.text().contains("No changes match."));
}

#[tokio::test]
async fn an_import_previews_every_rejected_row_and_writes_only_when_confirmed() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let b = web.sign_in(&leader).await;
    let bad = web
        .upload(
            &b,
            "accounts",
            "crm.csv",
            "Account ID,Account Name,Employees\nA1,Acme,12\nB2,Beta,lots\nC3,,5\n",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("cannot be imported"), "{}", bad.body);
    assert!(
        bad.text()
            .contains("<td class=\"num\">3</td><td>Employees</td>"),
        "line 3's employees cell is named: {}",
        bad.body
    );
    assert!(
        bad.text().contains("<td class=\"num\">4</td>"),
        "line 4 (no name) is listed"
    );
    assert_eq!(
        web.db.store.book_size().await.unwrap().0,
        0,
        "nothing written"
    );

    let good = web
        .upload(
            &b,
            "accounts",
            "crm.csv",
            "Account ID,Account Name,Employees\nA1,Acme,12\nB2,Beta,40\n",
        )
        .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert!(good.text().contains(r#"<b id="created">2</b>"#));
    assert_eq!(
        web.db.store.book_size().await.unwrap().0,
        0,
        "a preview writes nothing"
    );
    let action = good.body.split("action=\"/import/").nth(1).unwrap();
    let id = &action[..action.find('"').unwrap()];
    let done = web
        .post(&format!("/import/{id}"), Some(&b), &[], true)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.text().contains("Imported crm.csv"));
    assert_eq!(web.db.store.book_size().await.unwrap().0, 2);
    // A help-desk export goes the same way.
    let tickets = web
        .upload(
            &b,
            "tickets",
            "zendesk.csv",
            "Id,Organization,Created at,Priority\nT1,Acme,2026-11-20 10:00,urgent\n",
        )
        .await;
    assert_eq!(tickets.status, StatusCode::OK, "{}", tickets.text());
    assert!(tickets.body.contains(r#"<b id="created">1</b>"#));
    // A CRM export with prospects in it: the preview says they are left out.
    let mixed = web
        .upload(
            &b,
            "accounts",
            "salesforce.csv",
            "Account ID,Account Name,Type\r\nC1,Gamma,Customer - Direct\r\nP1,Delta,Prospect\r\nP2,Epsilon,Prospect\r\n",
        )
        .await;
    assert_eq!(mixed.status, StatusCode::OK, "{}", mixed.text());
    assert!(mixed.body.contains(r#"<b id="created">1</b>"#));
    assert!(
        mixed
            .text()
            .contains("2 rows left out, not customers: 2 Prospect."),
        "{}",
        mixed.text()
    );
    // The upload is gone once imported: confirming twice does not import twice.
    assert_eq!(
        web.post(&format!("/import/{id}"), Some(&b), &[], true)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn admins_add_people_and_create_tokens_shown_once() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let added = web
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("email", "new.csm@example.com"),
                ("name", "New CSM"),
                ("function", "csm"),
                ("role", "csm"),
                ("manager", "admin@example.com"),
                ("password", "a long enough password"),
            ],
            true,
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert!(
        added
            .text()
            .contains("New CSM <new.csm@example.com> added as a csm."),
        "{}",
        added.body
    );
    let short = web
        .post(
            "/admin/users",
            Some(&b),
            &[
                ("email", "x@example.com"),
                ("name", "X"),
                ("function", "csm"),
                ("role", "csm"),
                ("manager", ""),
                ("password", "short"),
            ],
            true,
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.text().contains("password: the password is too short"));
    assert!(
        web.db
            .store
            .user_by_email(&Email::parse("x@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    let new = web
        .db
        .store
        .user_by_email(&Email::parse("new.csm@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.manager_id, Some(admin.id));
    let made = web
        .post(
            "/admin/tokens",
            Some(&b),
            &[
                ("user", "new.csm@example.com"),
                ("scope", "api"),
                ("name", "CRM sync"),
            ],
            true,
        )
        .await;
    let secret = made.body.split("<code id=\"new-token\">").nth(1).unwrap();
    let secret = &secret[..secret.find('<').unwrap()];
    assert!(secret.starts_with("sherpa_api_"));
    let list = web.api("GET", "/api/v1/accounts", Some(secret), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let page = web.get("/admin/users", Some(&b)).await;
    assert!(
        !page.text().contains(secret),
        "the secret is shown only once"
    );
}

#[tokio::test]
async fn an_admin_tunes_the_intake_and_a_bad_value_is_named_and_changes_nothing() {
    let web = Web::new().await;
    let admin = web
        .user("root@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let store = &web.db.store;

    let kept = web
        .post("/admin/intake/retention", Some(&b), &[("days", "45")], true)
        .await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(kept.text().contains("Raw events are now kept 45 days"));
    assert_eq!(store.event_retention_days().await.unwrap(), 45);

    for (days, why) in [
        ("0", "event_retention_days: between 1 and 36,500 days"),
        ("forever", "retention: \"forever\" is not a whole number"),
    ] {
        let refused = web
            .post("/admin/intake/retention", Some(&b), &[("days", days)], true)
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{days}");
        assert!(refused.text().contains(why), "{days}: {}", refused.text());
        assert_eq!(store.event_retention_days().await.unwrap(), 45);
    }

    let mapped = web
        .post(
            "/admin/features",
            Some(&b),
            &[
                ("event", "Report Exported"),
                ("feature", "Reporting"),
                ("high_value", "on"),
            ],
            true,
        )
        .await;
    assert!(mapped.text().contains("now counts as the feature"));
    let blank = web
        .post(
            "/admin/features",
            Some(&b),
            &[("event", "Report Viewed"), ("feature", "  ")],
            true,
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST);
    assert!(blank.text().contains("feature: feature is required"));
    assert_eq!(
        store.feature_catalog().await.unwrap(),
        vec![("Report Exported".into(), "Reporting".into(), true)]
    );
}

#[tokio::test]
async fn the_backtest_is_computed_by_a_job_and_both_doors_show_the_same_result() {
    let web = Web::new().await;
    let leader = web
        .user("leader@example.com", Role::Leader, Function::Csm)
        .await;
    let browser = web.sign_in(&leader).await;
    let token = web.token(&leader).await;

    // Nothing computed yet: both doors say it is being computed, and one job is queued.
    let api = web
        .api("GET", "/api/v1/health/backtest", Some(&token), None)
        .await;
    assert_eq!(api.status, StatusCode::ACCEPTED, "{}", api.body);
    assert!(api.body.contains("\"computing\""), "{}", api.body);
    let page = web.get("/portfolio/health/backtest", Some(&browser)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("is being computed"), "{}", page.body);
    assert!(page.body.contains("http-equiv=\"refresh\""));
    assert_eq!(web.db.store.pending_jobs().await.unwrap(), 1);

    let app = sherpa_app::App::new(web.db.store.clone());
    sherpa_app::jobs::run_due_jobs(&app, "test").await.unwrap();
    let api = web
        .api("GET", "/api/v1/health/backtest", Some(&token), None)
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let body: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert!(body["computed_at"].is_string(), "{body}");
    assert_eq!(body["horizons"].as_array().unwrap().len(), 3);
    let page = web.get("/portfolio/health/backtest", Some(&browser)).await;
    assert!(
        page.body.contains("id=\"backtest-computed\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("<b id=\"backtest-terms\">{}</b>", body["terms"])),
        "the page shows the API's figures"
    );

    // Asking again shows the computing page until a result newer than the ask is kept.
    let asked = web
        .post(
            "/portfolio/health/backtest/recompute",
            Some(&browser),
            &[("horizon_days", "90")],
            true,
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert!(asked.location.contains("since="), "{}", asked.location);
    let bad = web
        .post(
            "/portfolio/health/backtest/recompute",
            Some(&browser),
            &[("horizon_days", "0")],
            true,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("horizon_days"), "{}", bad.body);
    let api = web
        .api(
            "POST",
            "/api/v1/health/backtest/recompute?horizon_days=0",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
}

#[tokio::test]
async fn an_import_preview_of_terms_shows_derived_outcomes_and_each_accounts_arr() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let browser = web.sign_in(&admin).await;
    web.db.account("Grows Co", "A2").await;
    let preview = web
        .upload(
            &browser,
            "contracts",
            "terms.csv",
            "external_id,account_external_id,product,arr,currency,start_date,renewal_date\n\
             G1,A2,Platform,10000,USD,2024-03-01,2025-03-01\n\
             G2,A2,Platform,15000,USD,2025-03-01,2027-03-01\n",
        )
        .await;
    let text = preview.text();
    assert!(
        text.contains("1 ended term without an outcome will be given one"),
        "{}",
        preview.body
    );
    let arr = &text[text.find("id=\"arr-after\"").expect("ARR per account")..];
    assert!(arr.contains("Grows Co") && arr.contains("$15,000"), "{arr}");
}

/// When the scorecards change, the colours they moved say so: on the account and on the
/// leader's health page, with the day marked on the charts.
#[tokio::test]
async fn colours_moved_by_a_scorecard_change_say_so_on_the_account_and_the_health_page() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let acme = web.account("Acme", &[(OwnerFunction::Csm, csm.id)]).await;
    let store = &web.db.store;
    let sys = Actor::system("test");
    let mut config = sherpa_core::health::HealthConfig::default();
    for card in &mut config.scorecards {
        card.thresholds.min_known_percent = 0.0;
        card.thresholds.needs_usage = false;
    }
    store.set_health_config(&sys, &config).await.unwrap();
    let old = sherpa_core::TicketFields {
        account_id: acme.id,
        external_id: Some("T-old".into()),
        subject: "how do I".into(),
        opened_at: "2026-01-05T09:00:00Z".parse().unwrap(),
        severity: sherpa_core::Severity::Low,
        status: sherpa_core::TicketStatus::Solved,
        resolved_at: Some("2026-01-06T09:00:00Z".parse().unwrap()),
        escalated: false,
        csat: None,
    };
    store.save_ticket(&sys, &old).await.unwrap();
    store.refresh_health(&[acme.id]).await.unwrap();
    store.snapshot_health_daily().await.unwrap();
    web.db.clock.advance(chrono::Duration::days(7));
    // A week later, no open ticket earns no points: the account is no longer green.
    for card in &mut config.scorecards {
        for f in card
            .factors
            .iter_mut()
            .filter(|f| f.metric == "open_tickets")
        {
            f.rule = sherpa_core::health::ScoringRule::Linear {
                zero: 0.0,
                full: 10.0,
            };
        }
    }
    store.set_health_config(&sys, &config).await.unwrap();
    store.recompute_health().await.unwrap();

    let b = web.sign_in(&leader).await;
    let page = web.get(&format!("/accounts/{}", acme.id), Some(&b)).await;
    let text = page.text();
    assert!(
        text.contains("Its colour moved from <b>green</b> to")
            && text.contains(
                "because the scorecards changed (scorecard Default, scorecard Onboarding)"
            ),
        "{}",
        page.body
    );
    let token = web.token(&leader).await;
    let api = web
        .api(
            "GET",
            &format!("/api/v1/accounts/{}/health", acme.id),
            Some(&token),
            None,
        )
        .await;
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(
        (
            &api["moved_by_scoring"]["from_colour"],
            &api["moved_by_scoring"]["change"]
        ),
        (
            &json!("green"),
            &json!("scorecard Default, scorecard Onboarding")
        ),
        "{api}"
    );
    let book = web.get("/book", Some(&web.sign_in(&csm).await)).await;
    assert!(
        book.text()
            .contains("1 of these accounts changed colour because of it, not because of anything at the customer"),
        "{}",
        book.body
    );
    let health = web.get("/portfolio/health", Some(&b)).await;
    let text = health.text();
    assert!(
        text.contains("1 because the scorecards changed</b>, not the customer")
            && text.contains("class=\"muted by-scoring\""),
        "{}",
        health.body
    );
}

/// Every answer, page or API, tells the browser to run only this site's scripts, never to frame
/// it, to keep content types as sent and to keep paths out of other sites' Referer; over HTTPS
/// it also asks for HTTPS from then on.
#[tokio::test]
async fn every_answer_carries_the_security_headers_and_hsts_only_over_https() {
    use tower::ServiceExt;
    let web = Web::new().await;
    // (page, sent by a trusted proxy saying HTTPS, by an untrusted peer saying so, plainly)
    for (uri, proxy, tls) in [
        ("/login", None, false),
        ("/api/v1/accounts", None, false),
        ("/login", Some("127.0.0.1:40000"), true),
        ("/login", Some("203.0.113.9:40000"), false),
    ] {
        let mut r = Request::builder().uri(uri);
        if proxy.is_some() {
            r = r.header("x-forwarded-proto", "https");
        }
        let router = match proxy {
            Some(peer) => behind(&web, peer, &["127.0.0.1"]),
            None => web.router.clone(),
        };
        let resp = router
            .oneshot(r.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = resp.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(
            h[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin",
            "{uri}"
        );
        assert_eq!(
            h.contains_key(header::STRICT_TRANSPORT_SECURITY),
            tls,
            "{uri}: HSTS only over HTTPS"
        );
    }
    // No page of the product runs an inline script the policy would block.
    for page in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")).unwrap() {
        let text = std::fs::read_to_string(page.unwrap().path()).unwrap();
        assert!(
            !text.contains("<script>")
                && !text.contains("javascript:")
                && !text.contains(" onclick="),
            "inline script in a template"
        );
    }
}

/// The throttle counts each attempt before its password is checked, and counts the address a
/// trusted proxy reports, never one a client writes itself.
#[tokio::test]
async fn the_sign_in_throttle_holds_under_a_burst_and_forged_forwarding() {
    use tower::ServiceExt;
    let web = Web::new().await;
    web.with_password("ana@example.com", Role::Csm, "correct horse battery")
        .await;
    // 40 wrong passwords at once: only the limit's worth are checked, the rest refused.
    let router = behind(&web, "198.51.100.1:5000", &[]);
    let burst: Vec<_> = (0..40)
        .map(|_| {
            let router = router.clone();
            tokio::spawn(async move {
                router
                    .oneshot(login_request("ana@example.com", "wrong password!", None))
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut checked = 0;
    for b in burst {
        match b.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(checked, 5, "the limit is 5 failures per account");

    // An untrusted client forging X-Forwarded-For is still counted as itself: after 20
    // failures (across accounts) its address is refused, whatever it claims to be.
    let from = |forged: &str, email: &str, router: &axum::Router| {
        let mut r = login_request(email, "wrong password!", None);
        r.headers_mut()
            .insert("x-forwarded-for", forged.parse().unwrap());
        router.clone().oneshot(r)
    };
    let attacker = behind(&web, "203.0.113.66:5000", &[]);
    for i in 0..20 {
        let a = from(
            &format!("10.0.0.{i}"),
            &format!("u{i}@example.com"),
            &attacker,
        )
        .await
        .unwrap();
        assert_eq!(a.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let refused = from("10.0.0.99", "new@example.com", &attacker)
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // Behind a trusted proxy, the client it reports is counted: another client is not
    // refused for the first one's failures.
    let proxy = behind(&web, "10.0.0.2:5000", &["10.0.0.0/8"]);
    for i in 0..20 {
        from("192.0.2.10", &format!("p{i}@example.com"), &proxy)
            .await
            .unwrap();
    }
    let first = from("192.0.2.10", "q@example.com", &proxy).await.unwrap();
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    let other = from("192.0.2.11", "q@example.com", &proxy).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_unknown_address_is_a_page_for_people_and_a_problem_for_the_api() {
    let web = Web::new().await;
    let page = web.get("/acounts/12", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(
        page.text().contains("there is no page at /acounts/12"),
        "{}",
        page.body
    );
    let api = web.get("/api/v1/acounts", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.content_type.starts_with("application/problem+json"),
        "{}",
        api.content_type
    );
}

#[tokio::test]
async fn the_portfolio_sorts_by_health_and_marks_only_broken_cadences() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let token = web.token(&leader).await;
    let today = web.db.clock.today();
    let mut ids = Vec::new();
    for (name, score) in [
        ("Steady", Some(81.0)),
        ("Sliding", Some(34.5)),
        ("Unscored", None),
    ] {
        let a = web.account(name, &[(OwnerFunction::Csm, leader.id)]).await;
        if let Some(score) = score {
            sqlx::query("INSERT INTO account_health (account_id, score, colour, scorecard) VALUES ($1, $2, 'green', 'Default')")
                .bind(a.id.0)
                .bind(score)
                .execute(web.db.store.pool())
                .await
                .unwrap();
        }
        // Every account was last touched 100 days ago.
        let r = web
            .api("POST", "/api/v1/activities", Some(&token), Some(json!({"account_id": a.id.to_string(), "kind": "call", "occurred_at": format!("{}T10:00:00Z", today - chrono::Days::new(100)), "summary": "check-in"})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(a.id);
    }
    // Only Sliding's tier cadence wants a touch it did not get.
    web.db
        .store
        .open_task(
            &Actor::system("test"),
            &TaskFields {
                account_id: ids[1],
                title: "Personal touch: Sliding".into(),
                owner_id: Some(leader.id),
                due_on: Some(today - chrono::Days::new(3)),
                priority: Priority::Normal,
                source: TaskSource::Cadence,
                reason: "the tier's cadence".into(),
                dedup_key: Some(sherpa_core::prioritise::PERSONAL_TOUCH.into()),
            },
        )
        .await
        .unwrap();
    let b = web.sign_in(&leader).await;
    let order = |body: &str| -> Vec<usize> {
        ["Steady", "Sliding", "Unscored"]
            .iter()
            .map(|n| body.find(&format!(">{n}</a>")).unwrap())
            .collect()
    };
    let weakest = web.get("/portfolio?sort=health", Some(&b)).await;
    assert_eq!(weakest.status, StatusCode::OK, "{}", weakest.body);
    let at = order(&weakest.body);
    assert!(
        at[1] < at[0] && at[0] < at[2],
        "weakest first, unscored last"
    );
    let strongest = web.get("/portfolio?sort=-health", Some(&b)).await;
    let at = order(&strongest.body);
    assert!(
        at[0] < at[1] && at[1] < at[2],
        "strongest first, unscored last"
    );
    for sort in ["last_touch", "-last_touch", "csm", "plan_updated"] {
        let page = web.get(&format!("/portfolio?sort={sort}"), Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK, "{sort}: {}", page.body);
    }
    let api = web
        .api("GET", "/api/v1/accounts?sort=-health", Some(&token), None)
        .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);

    // 100 days without a touch is red only where the cadence's touch is overdue.
    let text = weakest.text();
    let red: Vec<&str> = text
        .match_indices("class=\"num hide-narrow late\"")
        .map(|(i, _)| &text[i..i + 200])
        .collect();
    assert_eq!(red.len(), 1, "{red:?}");
    assert!(
        red[0].contains("a personal touch was due by") && red[0].contains("100 d ago"),
        "{}",
        red[0]
    );
}

#[tokio::test]
async fn the_audit_log_names_people_and_accounts_and_folds_the_systems_runs() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let ann = web.user("ann@example.com", Role::Csm, Function::Csm).await;
    let bob = web.user("bob@example.com", Role::Csm, Function::Csm).await;
    let acme = web
        .account("Acme Rockets", &[(OwnerFunction::Csm, ann.id)])
        .await;
    let mut first = None;
    for i in 0..4 {
        let (t, _) = web
            .db
            .store
            .open_task(
                &Actor::system("engagement"),
                &TaskFields {
                    account_id: acme.id,
                    title: format!("Moment {i}"),
                    owner_id: Some(ann.id),
                    due_on: None,
                    priority: Priority::Normal,
                    source: TaskSource::Engagement,
                    reason: "a moment came".into(),
                    dedup_key: Some(format!("moment-{i}")),
                },
            )
            .await
            .unwrap();
        first.get_or_insert(t.id);
    }
    let b = web.sign_in(&admin).await;
    let moved = web
        .post(
            &format!("/tasks/{}", first.unwrap()),
            Some(&b),
            &[("action", "reassign"), ("to", &bob.id.to_string())],
            true,
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let page = web.get("/audit", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    // The hand-over reads as people, on the account by its name.
    assert!(
        text.contains(
            "<th scope=\"row\">owner</th><td><del>ann</del></td><td>→ <ins>bob</ins></td>"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("task {} · Acme Rockets", first.unwrap())),
        "{text}"
    );
    assert!(
        !text.contains(&format!("→ <ins>{}</ins>", bob.id)),
        "{text}"
    );
    // The engine's four new tasks are one line that opens to the four.
    assert!(text.contains("<summary>4 tasks</summary>"), "{text}");
    assert!(
        !text.contains("Moment 2"),
        "a folded run lists records, not every field: {text}"
    );
}

#[tokio::test]
async fn the_audit_log_sorts_by_each_column_and_pages_each_way() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let zoe = web
        .user("zoe@example.com", Role::Admin, Function::Operations)
        .await;
    // 60 accounts, one change each by a person: more than a page of 50 lines.
    for (i, who) in (0..60).map(|i| (i, if i % 2 == 0 { &admin } else { &zoe })) {
        let token = web.token(who).await;
        let r = web
            .api(
                "POST",
                "/api/v1/accounts",
                Some(&token),
                Some(json!({"name": format!("A{i:02}")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let b = web.sign_in(&admin).await;
    // The accounts a page lists, in its order, and its next page's link.
    let read = |text: String| -> (Vec<String>, Option<String>) {
        let names = text
            .match_indices("\">A")
            .map(|(i, _)| &text[i + 2..])
            .filter(|n| n[1..3].bytes().all(|b| b.is_ascii_digit()) && n[3..].starts_with('<'))
            .map(|n| n[..3].to_string())
            .collect();
        let next = text.find("rel=\"next\"").map(|end| {
            let start = text[..end].rfind("href=\"").unwrap() + 6;
            text[start..end]
                .trim_end_matches("\" ")
                .replace("&amp;", "&")
        });
        (names, next)
    };
    let walk = |sort: &'static str| {
        let web = &web;
        let b = &b;
        async move {
            let mut all = Vec::new();
            let mut path = format!("/audit?sort={sort}");
            loop {
                let page = web.get(&path, Some(b)).await;
                assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
                let (names, next) = read(page.text());
                all.extend(names);
                match next {
                    Some(n) => path = format!("/audit{n}"),
                    None => return all,
                }
            }
        }
    };
    let newest = walk("-when").await;
    assert_eq!(
        newest.len(),
        60,
        "every account once across the pages: {newest:?}"
    );
    assert_eq!((newest[0].as_str(), newest[59].as_str()), ("A59", "A00"));
    let oldest = walk("when").await;
    assert_eq!(oldest, newest.iter().rev().cloned().collect::<Vec<_>>());
    let by_record = walk("record").await;
    let mut sorted = by_record.clone();
    sorted.sort();
    assert_eq!(by_record, sorted, "accounts by name, across pages");
    let by_who = walk("-who").await;
    assert_eq!(by_who.len(), 60);
    assert!(
        by_who[..30]
            .iter()
            .all(|n| n[1..].parse::<u32>().unwrap() % 2 == 1),
        "zoe's thirty first: {by_who:?}"
    );
    assert_eq!(walk("action").await.len(), 60);

    let first = web.get("/audit", Some(&b)).await.text();
    assert!(
        first.contains("aria-sort=\"descending\"><a href=\"?sort=when\">When</a>"),
        "newest first, and a press turns it round: {first}"
    );
    web.refused("/audit?sort=colour", &b, "\"colour\" is not a column")
        .await;
}

#[tokio::test]
async fn the_outbox_has_its_own_page_that_refuses_an_unknown_column_or_status_by_name() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let models = web.get("/admin/engagement", Some(&b)).await.text();
    assert!(
        models.contains("href=\"/admin/engagement/sends\""),
        "{models}"
    );
    let page = web
        .get("/admin/engagement/sends?status=failed", Some(&b))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    assert!(text.contains("No send has this status."), "{text}");
    assert!(
        text.contains("aria-current=\"page\">0 failed</a>"),
        "the filter in force is marked: {text}"
    );
    for (query, words) in [
        ("sort=colour", "sort: \"colour\" is not a column"),
        ("status=lost", "status:"),
        ("skip=-3", "skip: \"-3\" is not a count"),
    ] {
        web.refused(&format!("/admin/engagement/sends?{query}"), &b, words)
            .await;
    }
}

#[tokio::test]
async fn one_search_box_finds_accounts_contacts_and_the_team() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let token = web.token(&admin).await;
    let csm = web
        .user("rocket.ranger@example.com", Role::Csm, Function::Csm)
        .await;
    let rockets = web
        .account("Acme Rockets", &[(OwnerFunction::Csm, csm.id)])
        .await;
    web.account("Beta Boats", &[]).await;
    let r = web
        .api("POST", "/api/v1/contacts", Some(&token), Some(json!({"account_id": rockets.id.to_string(), "name": "Rita Rocketeer", "email": "rita@acme.example", "title": "VP Operations"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let b = web.sign_in(&csm).await;

    // As the box asks while a person types: the list alone, each kind under its heading.
    let list = web.get("/search?partial=1&q=rocket", Some(&b)).await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.text();
    assert!(!text.contains("<html"), "only the list: {text}");
    for (heading, hit, href) in [
        (
            "Accounts",
            "Acme Rockets",
            format!("/accounts/{}", rockets.id),
        ),
        (
            "Contacts",
            "Rita Rocketeer",
            format!("/accounts/{}#people", rockets.id),
        ),
        ("Team", "rocket ranger", format!("/book?user={}", csm.id)),
    ] {
        assert!(
            text.contains(&format!("<h3>{heading}</h3>")),
            "{heading}: {text}"
        );
        assert!(
            text.contains(&format!("<a href=\"{href}\"><b>{hit}</b>")),
            "{hit}: {text}"
        );
    }
    assert!(!text.contains("Beta Boats"));
    // A contact is found by email too; one letter finds nothing yet.
    let by_email = web
        .get("/search?partial=1&q=RITA@ACME", Some(&b))
        .await
        .text();
    assert!(by_email.contains("Rita Rocketeer"), "{by_email}");
    let short = web.get("/search?partial=1&q=r", Some(&b)).await.text();
    assert!(short.contains("Type two letters or more."), "{short}");
    // Without the script, the form opens a page of the same results.
    let page = web.get("/search?q=boats", Some(&b)).await;
    assert!(page.text().contains("<html") && page.text().contains("Beta Boats"));
    let none = web.get("/search?q=zzzz", Some(&b)).await.text();
    assert!(none.contains("Nothing matches “zzzz”."), "{none}");
}

#[tokio::test]
async fn the_portfolio_pager_says_where_you_are_and_goes_back() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    for i in 0..130 {
        web.account(&format!("Client {i:03}"), &[]).await;
    }
    let b = web.sign_in(&leader).await;
    let link = |body: &str, rel: &str| -> String {
        let at = body
            .find(&format!("rel=\"{rel}\""))
            .unwrap_or_else(|| panic!("a {rel} link: {body}"));
        let start = body[..at].rfind("href=\"").unwrap() + 6;
        let end = start + body[start..].find('"').unwrap();
        format!("/portfolio{}", body[start..end].replace("&amp;", "&"))
    };
    let first = web.get("/portfolio", Some(&b)).await.text();
    assert!(first.contains("Rows 1–50 of 130 · page 1 of 3"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    let second = web.get(&link(&first, "next"), Some(&b)).await.text();
    assert!(
        second.contains("Rows 51–100 of 130 · page 2 of 3"),
        "{second}"
    );
    assert!(second.contains(">Client 050</a>") && !second.contains(">Client 049</a>"));
    let third = web.get(&link(&second, "next"), Some(&b)).await.text();
    assert!(
        third.contains("Rows 101–130 of 130 · page 3 of 3"),
        "{third}"
    );
    assert!(!third.contains("rel=\"next\""));
    // Back, page by page, to the same rows.
    let back = web.get(&link(&third, "prev"), Some(&b)).await.text();
    assert!(back.contains("Rows 51–100 of 130 · page 2 of 3"), "{back}");
    assert!(back.contains(">Client 050</a>") && back.contains(">Client 099</a>"));
    let start = web.get(&link(&back, "prev"), Some(&b)).await.text();
    assert!(start.contains("Rows 1–50 of 130 · page 1 of 3"), "{start}");
}

#[tokio::test]
async fn cadences_are_picked_by_name_and_a_refusal_sits_beside_its_field() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let page = web.get("/admin/prioritisation", Some(&b)).await.text();
    // The defaults read as words: weekly, every 2 weeks, monthly.
    for (tier, words) in [("1", "weekly"), ("2", "every 2 weeks"), ("3", "monthly")] {
        let at = page.find(&format!("id=\"cad-{tier}\"")).unwrap();
        let select = &page[at..at + page[at..].find("</select>").unwrap()];
        assert!(
            select.contains(&format!("selected>{words}</option>")),
            "{select}"
        );
    }
    let mut form: Vec<(String, String)> = vec![
        ("a_above".into(), "50000".into()),
        ("b_from".into(), "10000".into()),
        ("time_zone".into(), "Europe/Berlin".into()),
        ("cadence.1".into(), "FREQ=WEEKLY".into()),
        ("cadence.2".into(), "custom".into()),
        ("cadence_custom.2".into(), "FREQ=WEEKLY;INTERVAL=3".into()),
        ("cadence.3".into(), "".into()),
    ];
    for g in ["A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2", "C3"] {
        form.push((format!("grid.{g}"), "2".into()));
    }
    let fields = |form: &[(String, String)]| -> Vec<(String, String)> { form.to_vec() };
    let post = |form: Vec<(String, String)>| {
        let web = &web;
        let b = &b;
        async move {
            let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            web.post("/admin/prioritisation", Some(b), &f, true).await
        }
    };
    let saved = post(fields(&form)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let rules = web.db.store.prioritisation_rules().await.unwrap().cadences;
    assert_eq!(
        rules.rules.get("2").map(String::as_str),
        Some("FREQ=WEEKLY;INTERVAL=3")
    );
    assert_eq!(rules.rules.get("3"), None, "no cadence for tier 3");
    assert_eq!(rules.time_zone, "Europe/Berlin");

    // A bad custom rule: the page again, as typed, the message beside tier 2's cadence.
    let mut bad = form.clone();
    bad.iter_mut()
        .find(|(k, _)| k == "cadence_custom.2")
        .unwrap()
        .1 = "FREQ=SOMETIMES".into();
    bad.iter_mut().find(|(k, _)| k == "a_above").unwrap().1 = "75000".into();
    let refused = post(bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains("id=\"cad-2-err\" data-key=\"cadences.rules.2\""),
        "{text}"
    );
    assert!(
        text.contains("value=\"FREQ=SOMETIMES\""),
        "what was typed stays: {text}"
    );
    assert!(text.contains("value=\"75000\""), "{text}");
    let kept = web.db.store.prioritisation_rules().await.unwrap();
    assert_eq!(
        kept.cadences.rules.get("2").map(String::as_str),
        Some("FREQ=WEEKLY;INTERVAL=3")
    );
    assert_eq!(kept.bounds.a_above.to_string(), "50000");
}

#[tokio::test]
async fn a_scorecard_is_edited_as_a_form_with_a_preview_and_refusals_beside_their_field() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let before = web.db.store.health_config().await.unwrap();
    let n = before
        .scorecards
        .iter()
        .position(|c| c.name == "Default")
        .unwrap();
    let card = &before.scorecards[n];
    let page = web.get("/admin/health", Some(&b)).await.text();
    assert!(
        page.contains(&format!("action=\"/admin/health/scorecards/{n}\"")),
        "{page}"
    );
    // Every field as in force, so that a press changes only what was touched.
    let mut form: Vec<(String, String)> = vec![
        ("green".into(), card.thresholds.green.to_string()),
        ("yellow".into(), card.thresholds.yellow.to_string()),
        ("orange".into(), card.thresholds.orange.to_string()),
    ];
    for (i, f) in card.factors.iter().enumerate() {
        form.push((format!("f{i}.weight"), f.weight.to_string()));
        match &f.rule {
            sherpa_core::health::ScoringRule::Linear { zero, full } => {
                form.push((format!("f{i}.zero"), zero.to_string()));
                form.push((format!("f{i}.full"), full.to_string()));
            }
            sherpa_core::health::ScoringRule::Bands { bands } => {
                let text: Vec<String> = bands
                    .iter()
                    .map(|b| format!("{}: {}", b.from, b.points))
                    .collect();
                form.push((format!("f{i}.bands"), text.join("; ")));
            }
        }
    }
    let send = |form: Vec<(String, String)>, action: &'static str| {
        let web = &web;
        let b = &b;
        async move {
            let mut f = form.clone();
            f.push(("action".into(), action.into()));
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            web.post(&format!("/admin/health/scorecards/{n}"), Some(b), &f, true)
                .await
        }
    };
    let set = |form: &mut Vec<(String, String)>, k: &str, v: &str| match form
        .iter_mut()
        .find(|(f, _)| f == k)
    {
        Some(x) => x.1 = v.into(),
        None => form.push((k.into(), v.into())),
    };

    // A weight that is not a number: beside it, as typed, nothing saved.
    let mut bad = form.clone();
    set(&mut bad, "f0.weight", "lots");
    let refused = send(bad, "save").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = refused.text();
    assert!(
        text.contains(&format!(
            "data-key=\"scorecards[{n}].factors[0].weight\">\"lots\" is not a number</span>"
        )),
        "{text}"
    );
    assert!(text.contains("value=\"lots\""), "{text}");
    // A rule the scorecard refuses (0 and 100 at the same value) comes back beside it too.
    let mut same = form.clone();
    if card.factors[0].rule.describe().starts_with("0 points") {
        set(
            &mut same,
            "f0.full",
            &form.iter().find(|(k, _)| k == "f0.zero").unwrap().1.clone(),
        );
        let refused = send(same, "preview").await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused.text().contains(&format!("id=\"c{n}-f0.zero-err\"")),
            "{}",
            refused.text()
        );
    }
    assert_eq!(web.db.store.health_config().await.unwrap(), before);

    // Preview: in words, and nothing saved yet.
    let mut heavier = form.clone();
    set(&mut heavier, "f0.weight", "9");
    let unused = sherpa_core::health::METRICS
        .iter()
        .find(|m| card.factors.iter().all(|f| f.metric != m.key))
        .unwrap()
        .key;
    set(&mut heavier, "new.metric", unused);
    set(&mut heavier, "new.zero", "0");
    set(&mut heavier, "new.full", "10");
    set(&mut heavier, "new.weight", "1");
    let preview = send(heavier.clone(), "preview").await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let text = preview.text();
    assert!(
        text.contains("Saving it would re-score every account."),
        "{text}"
    );
    assert!(
        text.contains("would change colour") || text.contains("No account would change colour."),
        "{text}"
    );
    assert_eq!(web.db.store.health_config().await.unwrap(), before);

    let saved = send(heavier, "save").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert!(
        saved.text().contains("Saved: scorecard Default."),
        "{}",
        saved.text()
    );
    let after = web.db.store.health_config().await.unwrap();
    let card = &after.scorecards[n];
    assert_eq!(card.factors[0].weight, 9.0);
    let added = card.factors.last().unwrap();
    assert_eq!((added.metric.as_str(), added.weight), (unused, 1.0));
    assert_eq!(
        added.name,
        sherpa_core::health::metric(unused).unwrap().name
    );
}

#[tokio::test]
async fn the_team_sorts_by_each_column_across_pages_and_refuses_an_unknown_one() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let ann = web.user("ann@example.com", Role::Csm, Function::Csm).await;
    let bob = web.user("bob@example.com", Role::Csm, Function::Csm).await;
    let cy = web.user("cy@example.com", Role::Csm, Function::Csm).await;
    // Bob holds three accounts, Cy one, Ann none.
    for (n, owner) in [(1, bob.id), (2, bob.id), (3, bob.id), (4, cy.id)] {
        web.account(&format!("Book {n}"), &[(OwnerFunction::Csm, owner)])
            .await;
    }
    let b = web.sign_in(&leader).await;
    let order = |body: &str| -> Vec<usize> {
        [&ann, &bob, &cy]
            .iter()
            .map(|u| body.find(&format!("/book?user={}\"", u.id)).unwrap())
            .collect()
    };
    let most = web.get("/team?sort=-accounts", Some(&b)).await;
    assert_eq!(most.status, StatusCode::OK, "{}", most.body);
    let at = order(&most.body);
    assert!(at[1] < at[2] && at[2] < at[0], "the biggest book first");
    assert!(
        most.body
            .contains("aria-sort=\"descending\"><a href=\"?sort=accounts\">Accounts</a>"),
        "the heading says so and turns it round: {}",
        most.body
    );
    let fewest = web.get("/team?sort=accounts", Some(&b)).await;
    let at = order(&fewest.body);
    assert!(at[0] < at[2] && at[2] < at[1], "the smallest book first");
    // The search keeps the sort, and the sort the search.
    let found = web
        .get("/team?q=example.com&sort=-accounts", Some(&b))
        .await;
    assert!(
        found.body.contains("name=\"sort\" value=\"-accounts\""),
        "{}",
        found.body
    );
    for sort in [
        "name", "-email", "function", "role", "manager", "arr", "-overdue",
    ] {
        let page = web.get(&format!("/team?sort={sort}"), Some(&b)).await;
        assert_eq!(page.status, StatusCode::OK, "{sort}: {}", page.body);
    }
    web.refused("/team?sort=height", &b, "sort: \"height\" is not a column")
        .await;
}

#[tokio::test]
async fn ticked_accounts_move_to_one_owner_at_once_through_either_door_or_none_do() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let ann = web.user("ann@example.com", Role::Csm, Function::Csm).await;
    let bob = web.user("bob@example.com", Role::Csm, Function::Csm).await;
    let one = web.account("One Co", &[(OwnerFunction::Csm, ann.id)]).await;
    let two = web.account("Two Co", &[(OwnerFunction::Csm, ann.id)]).await;
    let bobs = web
        .account("Bobs Co", &[(OwnerFunction::Csm, bob.id)])
        .await;
    let csm_of = |id: AccountId| {
        let store = web.db.store.clone();
        async move { store.account(id).await.unwrap().fields.owners.csm }
    };

    // A leader ticks two in the portfolio and gives them to Bob.
    let b = web.sign_in(&leader).await;
    let page = web.get("/portfolio?sort=name", Some(&b)).await.text();
    assert!(
        page.contains(&format!(
            "name=\"account\" value=\"{}\" form=\"bulk-accounts\"",
            one.id
        )),
        "each row can be ticked: {page}"
    );
    let (one_id, two_id) = (one.id.to_string(), two.id.to_string());
    let bob_id = bob.id.to_string();
    let moved = web
        .post(
            "/portfolio/reassign",
            Some(&b),
            &[
                ("account", one_id.as_str()),
                ("account", two_id.as_str()),
                ("function", "csm"),
                ("to", bob_id.as_str()),
                ("back", "sort=name"),
            ],
            true,
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert!(
        moved.location.starts_with("/portfolio?sort=name&"),
        "{}",
        moved.location
    );
    let back = web.get(&moved.location, Some(&b)).await.text();
    assert!(back.contains("2 accounts given to bob."), "{back}");
    assert_eq!(csm_of(one.id).await, Some(bob.id));
    assert_eq!(csm_of(two.id).await, Some(bob.id));

    // A name that is no one's: said beside the list, nothing changed.
    let nobody = web
        .post(
            "/portfolio/reassign",
            Some(&b),
            &[
                ("account", one_id.as_str()),
                ("function", "csm"),
                ("to", "ghost@example.com"),
            ],
            true,
        )
        .await;
    let said = web.get(&nobody.location, Some(&b)).await.text();
    assert!(
        said.contains("Nothing was changed: to: no team member ghost@example.com"),
        "{said}"
    );
    assert_eq!(csm_of(one.id).await, Some(bob.id));

    // Through the API, a CSM may move only accounts they own: one of another's among them
    // refuses all, naming it.
    let ann_token = web.token(&ann).await;
    let bob_token = web.token(&bob).await;
    let refused = web
        .api(
            "POST",
            "/api/v1/accounts/reassign",
            Some(&ann_token),
            Some(json!({"account_ids": [one_id, bobs.id.to_string()], "function": "csm", "to": "ann@example.com"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("One Co"), "{}", refused.body);
    assert_eq!(csm_of(one.id).await, Some(bob.id));
    assert_eq!(csm_of(bobs.id).await, Some(bob.id));
    let bad = web
        .api(
            "POST",
            "/api/v1/accounts/reassign",
            Some(&bob_token),
            Some(json!({"account_ids": ["x"], "function": "csm", "to": "ann@example.com"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("account_ids[0]"), "{}", bad.body);
    let wrong = web
        .api(
            "POST",
            "/api/v1/accounts/reassign",
            Some(&bob_token),
            Some(json!({"account_ids": [one_id], "function": "janitor", "to": "ann@example.com"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong.body.contains("\"field\":\"function\""),
        "{}",
        wrong.body
    );
    let handed = web
        .api(
            "POST",
            "/api/v1/accounts/reassign",
            Some(&bob_token),
            Some(json!({"account_ids": [one_id, two_id, bobs.id.to_string()], "function": "csm", "to": "ann@example.com"})),
        )
        .await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
    assert!(handed.body.contains("\"accounts\":3"), "{}", handed.body);
    assert_eq!(csm_of(bobs.id).await, Some(ann.id));
    // Each move is in the audit log of its account.
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let audit = web
        .get("/audit", Some(&web.sign_in(&admin).await))
        .await
        .text();
    assert!(
        audit.contains("Bobs Co") && audit.contains("Two Co"),
        "{audit}"
    );
}

#[tokio::test]
async fn the_at_risk_playbook_is_edited_as_a_form_and_a_refusal_sits_on_its_row() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let before = web.db.store.health_config().await.unwrap().at_risk_playbook;
    assert!(before.tasks.len() >= 2, "the built-in playbook has tasks");
    let page = web.get("/admin/health", Some(&b)).await.text();
    assert!(
        page.contains("action=\"/admin/health/playbook\"")
            && page.contains(&format!(
                "name=\"t0.title\" value=\"{}\"",
                before.tasks[0].title
            )),
        "{page}"
    );
    // The form as in force: each task's row, and the colours ticked.
    let mut form: Vec<(String, String)> = before
        .colours
        .iter()
        .map(|c| (format!("colour.{}", c.as_str()), "on".to_string()))
        .collect();
    for (i, t) in before.tasks.iter().enumerate() {
        form.push((format!("t{i}.title"), t.title.clone()));
        form.push((format!("t{i}.owner"), t.owner.as_str().into()));
        form.push((format!("t{i}.days"), t.due_in_days.to_string()));
        form.push((format!("t{i}.priority"), t.priority.as_str().into()));
    }
    let send = |extra: &[(&str, &str)]| {
        let mut owned = form.clone();
        owned.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let (web, b) = (&web, &b);
        async move {
            let f: Vec<(&str, &str)> = owned
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            web.post("/admin/health/playbook", Some(b), &f, true).await
        }
    };

    // Pressed as shown, it changes nothing.
    let same = send(&[]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(
        same.text().contains("It matches the playbook in force"),
        "{}",
        same.body
    );

    // The first task removed and a new one whose days are too many: the refusal is on the new
    // row (the core's key counts the rows left), as typed, and nothing is saved.
    let refused = send(&[
        ("t0.remove", "on"),
        ("new.title", "Ask the executive sponsor to call"),
        ("new.owner", "executive_sponsor"),
        ("new.days", "400"),
        ("new.priority", "high"),
    ])
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let text = refused.text();
    assert!(
        text.contains("id=\"pb-new.days-err\" data-key=\"at_risk_playbook.tasks[")
            && text.contains("at most 365 days"),
        "{text}"
    );
    assert!(
        text.contains("value=\"Ask the executive sponsor to call\""),
        "kept as typed"
    );
    assert_eq!(
        web.db.store.health_config().await.unwrap().at_risk_playbook,
        before
    );
    // Days that are not a number, on an existing row.
    let words = send(&[("t1.days", "soon")]).await;
    assert_eq!(words.status, StatusCode::BAD_REQUEST);
    assert!(
        words.text().contains("id=\"pb-t1.days-err\" data-key=\"at_risk_playbook.tasks[1].due_in_days\">\"soon\" is not a whole number of days"),
        "{}",
        words.body
    );

    // Saved: the first task gone, the sponsor's added, yellow now opens it too.
    let saved = send(&[
        ("t0.remove", "on"),
        ("colour.yellow", "on"),
        ("new.title", "Ask the executive sponsor to call"),
        ("new.owner", "executive_sponsor"),
        ("new.days", "5"),
        ("new.priority", "high"),
    ])
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(
        saved.text().contains("Saved: the at-risk playbook."),
        "{}",
        saved.body
    );
    let after = web.db.store.health_config().await.unwrap().at_risk_playbook;
    assert_eq!(after.tasks.len(), before.tasks.len());
    assert_eq!(after.tasks[0], before.tasks[1]);
    let added = after.tasks.last().unwrap();
    assert_eq!(added.title, "Ask the executive sponsor to call");
    assert_eq!(added.owner, OwnerFunction::ExecutiveSponsor);
    assert_eq!(added.due_in_days, 5);
    assert!(after.colours.contains(&sherpa_core::health::Colour::Yellow));
}

#[tokio::test]
async fn the_rules_that_pick_scorecards_and_models_are_edited_as_forms() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let page = web.get("/admin/health", Some(&b)).await.text();
    assert!(
        page.contains("action=\"/admin/health/rules\"")
            && page.contains("<option value=\"onboarding\" selected>onboarding</option>"),
        "the rules as in force: {page}"
    );
    let post = |path: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let (web, b) = (&web, &b);
        async move { web.post(path, Some(b), &fields, true).await }
    };
    // A tier that is not one: beside the new rule's tier, as typed; nothing saved.
    let before = web.db.store.health_config().await.unwrap().rules;
    let refused = post(
        "/admin/health/rules",
        vec![
            ("r0.lifecycle", "onboarding"),
            ("r0.then", "Onboarding"),
            ("r1.then", "Default"),
            ("new.tier", "first"),
            ("new.then", "Default"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.text().contains("id=\"rule-new.tier-err\" data-key=\"rules[1].when.tier\">\"first\" is not a tier: 1, 2 or 3"),
        "{}",
        refused.body
    );
    assert_eq!(web.db.store.health_config().await.unwrap().rules, before);
    // The catch-all removed: the core says every account needs one, beside the last rule.
    let open_ended = post(
        "/admin/health/rules",
        vec![
            ("r0.lifecycle", "onboarding"),
            ("r0.then", "Onboarding"),
            ("r1.then", "Default"),
            ("r1.remove", "on"),
        ],
    )
    .await;
    assert_eq!(open_ended.status, StatusCode::BAD_REQUEST);
    assert!(
        open_ended.text().contains(
            "id=\"rule-r0.lifecycle-err\" data-key=\"rules\">end with a rule without conditions"
        ),
        "{}",
        open_ended.body
    );
    // Tier 1 accounts judged by the default scorecard too, before the catch-all.
    let saved = post(
        "/admin/health/rules",
        vec![
            ("r0.lifecycle", "onboarding"),
            ("r0.then", "Onboarding"),
            ("r1.then", "Default"),
            ("new.tier", "1"),
            ("new.then", "Default"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.text().contains("Saved: the rules."), "{}", saved.body);
    let rules = web.db.store.health_config().await.unwrap().rules;
    assert_eq!(rules.len(), 3);
    assert_eq!(
        (rules[1].when.tier, rules[1].then.as_str()),
        (Some(1), "Default")
    );
    assert_eq!(rules[2].when, sherpa_core::assignment::Condition::default());

    // The engagement models' rules, by the same form: a model that does not exist is refused
    // beside the rule that names it.
    let models = web.get("/admin/engagement", Some(&b)).await.text();
    assert!(
        models.contains("action=\"/admin/engagement/rules\""),
        "{models}"
    );
    let config = web.db.store.engagement_config().await.unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for (i, r) in config.rules.iter().enumerate() {
        if let Some(t) = r.when.tier {
            fields.push((format!("r{i}.tier"), t.to_string()));
        }
        if let Some(s) = r.when.segment {
            fields.push((format!("r{i}.segment"), s.to_string()));
        }
        if let Some(l) = r.when.lifecycle {
            fields.push((format!("r{i}.lifecycle"), l.as_str().into()));
        }
        fields.push((format!("r{i}.then"), r.then.clone()));
    }
    let send = |extra: Vec<(&str, &str)>| {
        let mut all = fields.clone();
        all.extend(
            extra
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let (web, b) = (&web, &b);
        async move {
            let f: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            web.post("/admin/engagement/rules", Some(b), &f, true).await
        }
    };
    let same = send(vec![]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(
        same.text().contains("They match the rules in force"),
        "{}",
        same.body
    );
    let unknown = send(vec![("new.segment", "2"), ("new.then", "Nobody's model")]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert!(
        unknown.text().contains("id=\"rule-new.then-err\""),
        "{}",
        unknown.body
    );
    assert_eq!(web.db.store.engagement_config().await.unwrap(), config);
}

/// An admin edits a model's onboarding milestones by form, not TOML: a day moved, one removed,
/// one added that active users mark done; a bad day is refused beside its field with what was
/// typed kept, and nothing is saved.
#[tokio::test]
async fn an_admin_edits_a_models_milestones_by_form() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let page = web.get("/admin/engagement", Some(&b)).await.text();
    assert!(
        page.contains("action=\"/admin/engagement/models/0/milestones\""),
        "{page}"
    );
    let config = web.db.store.engagement_config().await.unwrap();
    let model = &config.models[0];
    assert!(model.milestones.len() >= 2, "the default has milestones");
    let shown = common::form_fields(&page, "/admin/engagement/models/0/milestones");
    let send = |changes: Vec<(&'static str, &'static str)>| {
        let (web, b, shown) = (&web, &b, &shown);
        async move {
            web.post_edited("/admin/engagement/models/0/milestones", b, shown, &changes)
                .await
        }
    };
    let same = send(vec![]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(
        same.text().contains("They match the milestones in force"),
        "{}",
        same.body
    );
    let bad = send(vec![("m1.due_days", "next week")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let text = bad.text();
    assert!(
        text.contains("data-key=\"models[0].milestones[1].due_days\">\"next week\" is not a whole number of days"),
        "{text}"
    );
    assert!(
        text.contains("value=\"next week\""),
        "what was typed is kept"
    );
    assert_eq!(web.db.store.engagement_config().await.unwrap(), config);

    let saved = send(vec![
        ("m0.due_days", "5"),
        ("m1.remove", "on"),
        ("new.title", "Five users active"),
        ("new.owner", "csm"),
        ("new.objective", "The team uses it"),
        ("new.due_days", "45"),
        ("new.escalate", "7"),
        ("new.done_by", "active_users"),
        ("new.done_value", "5"),
    ])
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(
        saved.text().contains("Saved: the milestones of"),
        "{}",
        saved.body
    );
    let after = web.db.store.engagement_config().await.unwrap();
    let now = &after.models[0].milestones;
    assert_eq!(now.len(), model.milestones.len());
    assert_eq!(
        (now[0].key.as_str(), now[0].due_days),
        (model.milestones[0].key.as_str(), 5)
    );
    assert!(
        !now.iter().any(|m| m.key == model.milestones[1].key),
        "removed"
    );
    let added = now.last().unwrap();
    assert_eq!(added.key, "five_users_active");
    assert_eq!(
        added.completed_by,
        Some(sherpa_core::engagement::Completion::ActiveUsers(5))
    );
    // The other models are as they were.
    assert_eq!(after.models[1..], config.models[1..]);
}

/// An admin edits a model's ongoing moments by form: the form as shown changes nothing; a
/// moment moved to a cadence by name, one removed, one added on an event with the names it
/// needs; a bad rule is refused beside its field with what was typed kept. A moment's email
/// the form shows is kept as it was.
#[tokio::test]
async fn an_admin_edits_a_models_moments_by_form() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let config = web.db.store.engagement_config().await.unwrap();
    let n = config
        .models
        .iter()
        .position(|m| m.moments.len() >= 3)
        .expect("a default model with moments");
    let before = &config.models[n];
    let action = format!("/admin/engagement/models/{n}/moments");
    let page = web.get("/admin/engagement", Some(&b)).await.text();
    let shown = common::form_fields(&page, &action);
    let send = |changes: Vec<(&'static str, &'static str)>| {
        let (web, b, shown, action) = (&web, &b, &shown, &action);
        async move { web.post_edited(action, b, shown, &changes).await }
    };
    let same = send(vec![]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(
        same.text().contains("They match the moments in force"),
        "the form as shown is the configuration: {}",
        same.body
    );
    let bad = send(vec![
        ("m0.when", "every"),
        ("m0.cadence", "custom"),
        ("m0.when_value", "FREQ=SOMETIMES"),
    ])
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let text = bad.text();
    assert!(
        text.contains(&format!("data-key=\"models[{n}].moments[0].when\">")),
        "{text}"
    );
    assert!(
        text.contains("value=\"FREQ=SOMETIMES\""),
        "what was typed is kept"
    );
    assert_eq!(web.db.store.engagement_config().await.unwrap(), config);

    let saved = send(vec![
        ("m0.when", "every"),
        ("m0.cadence", "FREQ=WEEKLY;INTERVAL=2"),
        ("m0.when_value", ""),
        ("m1.remove", "on"),
        ("new.title", "Champion or buyer left"),
        ("new.objective", "Find the new champion"),
        ("new.owner", "csm"),
        ("new.when", "departed"),
        ("new.when_value", "champion, economic buyer"),
        ("new.due_in_days", "3"),
        ("new.priority", "high"),
        ("new.answered_by", "call, meeting"),
        ("new.task", "on"),
    ])
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let after = web.db.store.engagement_config().await.unwrap();
    let now = &after.models[n].moments;
    use sherpa_core::engagement::Trigger;
    assert_eq!(now[0].key, before.moments[0].key);
    assert_eq!(now[0].when, Trigger::Every("FREQ=WEEKLY;INTERVAL=2".into()));
    assert_eq!(now[0].email, before.moments[0].email, "its email kept");
    assert!(
        !now.iter().any(|m| m.key == before.moments[1].key),
        "removed"
    );
    let added = now.last().unwrap();
    assert_eq!(added.key, "champion_or_buyer_left");
    assert_eq!(
        added.when,
        Trigger::Departed(vec![
            RelationshipRole::Champion,
            RelationshipRole::EconomicBuyer
        ])
    );
    assert_eq!(
        added.answered_by,
        vec![ActivityKind::Call, ActivityKind::Meeting]
    );
    assert_eq!(
        (added.priority, added.due_in_days, added.task),
        (Priority::High, 3, true)
    );
}

/// A moment's email and webhook are form fields too: an admin turns an email live, rewrites its
/// subject, adds a signed Slack post; a webhook without a usable address is refused beside
/// its field, its fold open, with what was typed kept.
#[tokio::test]
async fn an_admin_writes_a_moments_email_and_webhook_by_form() {
    use sherpa_core::engagement::WebhookAction;
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let b = web.sign_in(&admin).await;
    let config = web.db.store.engagement_config().await.unwrap();
    let (n, i) = config
        .models
        .iter()
        .enumerate()
        .find_map(|(n, m)| {
            m.moments
                .iter()
                .position(|x| x.email.is_some())
                .map(|i| (n, i))
        })
        .expect("a default moment with an email");
    let before = config.models[n].moments[i].clone();
    let action = format!("/admin/engagement/models/{n}/moments");
    let page = web.get("/admin/engagement", Some(&b)).await.text();
    let shown = common::form_fields(&page, &action);
    let row = |what: &str| format!("m{i}.{what}");
    let (subject, live, hook, url, secret, slack) = (
        row("email_subject"),
        row("email_live"),
        row("webhook"),
        row("webhook_url"),
        row("webhook_secret_env"),
        row("webhook_slack"),
    );
    assert!(
        shown
            .iter()
            .any(|(k, v)| *k == subject && *v == before.email.as_ref().unwrap().subject),
        "the email's subject is a field: {shown:?}"
    );
    let bad = web
        .post_edited(
            &action,
            &b,
            &shown,
            &[(&hook, "on"), (&url, "hooks.example/x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let text = bad.text();
    assert!(
        text.contains(&format!(
            "data-key=\"models[{n}].moments[{i}].webhook.url\">an http:// or https:// address"
        )),
        "{text}"
    );
    assert!(
        text.contains("value=\"hooks.example/x\""),
        "what was typed is kept"
    );
    assert!(
        text.contains("<details class=\"fold automation\" open>"),
        "its fold is open"
    );
    assert_eq!(web.db.store.engagement_config().await.unwrap(), config);

    let saved = web
        .post_edited(
            &action,
            &b,
            &shown,
            &[
                (&subject, "Welcome aboard, {{ contact.first_name }}"),
                (&live, "on"),
                (&hook, "on"),
                (&url, "https://hooks.example/services/T0"),
                (&secret, "HOOK_SECRET"),
                (&slack, "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let now = web.db.store.engagement_config().await.unwrap().models[n].moments[i].clone();
    let email = now.email.unwrap();
    assert_eq!(email.subject, "Welcome aboard, {{ contact.first_name }}");
    assert!(email.live);
    assert_eq!(email.body, before.email.unwrap().body, "the body as it was");
    assert_eq!(
        now.webhook,
        Some(WebhookAction {
            url: Some("https://hooks.example/services/T0".into()),
            url_env: None,
            secret_env: Some("HOOK_SECRET".into()),
            slack: true,
            text: None,
            live: false,
        })
    );
}

/// A leader keeps the plan dimensions and blocker labels by form, reads the templates in
/// words, and the API reads and replaces the same configuration through the same checks.
#[tokio::test]
async fn a_leader_keeps_plan_dimensions_and_labels_by_form_and_the_api_agrees() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let b = web.sign_in(&leader).await;
    let page = web.get("/admin/plans", Some(&b)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let text = page.text();
    let config = web.db.store.plans_config().await.unwrap();
    let first = config.templates.first().expect("default templates");
    assert!(text.contains(&first.name), "the templates in words: {text}");
    assert!(text.contains("Success looks like:"), "{text}");
    let shown = common::form_fields(&text, "/admin/plans/lists");
    let send = |changes: Vec<(&'static str, &'static str)>| {
        let (web, b, shown) = (&web, &b, &shown);
        async move {
            web.post_edited("/admin/plans/lists", b, shown, &changes)
                .await
        }
    };
    let same = send(vec![]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(same.text().contains("nothing to change"), "{}", same.body);
    let saved = send(vec![
        ("new_d.name", "Network"),
        ("new_l.label", "No VPN access for the vendor"),
        ("new_l.dimension", "Network"),
    ])
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let after = web.db.store.plans_config().await.unwrap();
    assert_eq!(after.dimensions.last().map(String::as_str), Some("Network"));
    let label = after.labels.last().unwrap();
    assert_eq!(
        (label.label.as_str(), label.dimension.as_str()),
        ("No VPN access for the vendor", "Network")
    );
    // A label twice: refused beside the new one, as typed; nothing saved.
    let page = web.get("/admin/plans", Some(&b)).await.text();
    let twice = web
        .post_edited(
            "/admin/plans/lists",
            &b,
            &common::form_fields(&page, "/admin/plans/lists"),
            &[
                ("new_l.label", "No VPN access for the vendor"),
                ("new_l.dimension", "People"),
            ],
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.body);
    assert!(
        twice.text().contains("id=\"new_l-label-err\""),
        "beside the new label: {}",
        twice.body
    );
    assert_eq!(web.db.store.plans_config().await.unwrap(), after);

    // The API: the same configuration, and the same refusal by key.
    let token = web.token(&leader).await;
    let got = web
        .api("GET", "/api/v1/plans/config", Some(&token), None)
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    let mut v: serde_json::Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(v["dimensions"], json!(["Network"]));
    v["labels"][0]["dimension"] = json!("Nowhere");
    let bad = web
        .api("PUT", "/api/v1/plans/config", Some(&token), Some(v))
        .await;
    assert!(bad.status.is_client_error(), "{}", bad.body);
    assert!(bad.body.contains("labels[0].dimension"), "{}", bad.body);
    assert_eq!(web.db.store.plans_config().await.unwrap(), after);
}

/// A leader edits a plan template by form: the form as shown changes nothing; a step's day
/// moved, an objective added; a month out of range refused beside its field with what was
/// typed kept. An objective kept keeps where its values come from.
#[tokio::test]
async fn a_leader_edits_a_plan_template_by_form() {
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let b = web.sign_in(&leader).await;
    let before = web.db.store.plans_config().await.unwrap();
    let t = &before.templates[0];
    assert!(!t.steps.is_empty() && !t.objectives.is_empty());
    let page = web.get("/admin/plans", Some(&b)).await.text();
    let shown = common::form_fields(&page, "/admin/plans/templates/0");
    let send = |changes: Vec<(&'static str, &'static str)>| {
        let (web, b, shown) = (&web, &b, &shown);
        async move {
            web.post_edited("/admin/plans/templates/0", b, shown, &changes)
                .await
        }
    };
    let same = send(vec![]).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    assert!(
        same.text().contains("It matches the template in force"),
        "{}",
        same.body
    );
    let bad = send(vec![("o0.months", "48")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let text = bad.text();
    assert!(
        text.contains(
            "data-key=\"templates[0].objectives[0].months\">the target date is 1 to 36 months"
        ),
        "{text}"
    );
    assert!(text.contains("value=\"48\""), "what was typed is kept");
    assert_eq!(web.db.store.plans_config().await.unwrap(), before);

    let saved = send(vec![
        ("s0.due_days", "10"),
        ("new_o.title", "Support tickets per month"),
        ("new_o.unit", "tickets"),
        ("new_o.kind", "quality"),
        ("new_o.months", "6"),
        ("new_o.owner", "csm"),
    ])
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let after = web.db.store.plans_config().await.unwrap();
    let now = &after.templates[0];
    assert_eq!(now.steps[0].due_days, 10);
    assert_eq!(
        now.objectives[0], t.objectives[0],
        "kept as it was, its source too"
    );
    let added = now.objectives.last().unwrap();
    assert_eq!(
        (added.title.as_str(), added.unit.as_str(), added.months),
        ("Support tickets per month", "tickets", 6)
    );
    assert_eq!(added.source, sherpa_core::plan::ValueSource::Entry);
    assert_eq!(after.templates[1..], before.templates[1..]);
}

/// Whom a template is for, where an objective's values come from and what to watch for are
/// form fields too; a template is added as a copy of another, and removed.
#[tokio::test]
async fn a_leader_adds_a_template_sets_whom_it_is_for_and_removes_it_without_toml() {
    use sherpa_core::plan::{BlockerLabel, ValueSource};
    let web = Web::new().await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let b = web.sign_in(&leader).await;
    let before = web.db.store.plans_config().await.unwrap();
    let n = before.templates.len();
    let page = web.get("/admin/plans", Some(&b)).await.text();

    // A copy of the strategic template, for the Hybrid segment's tier-2 accounts.
    let refused = web
        .post_edited(
            "/admin/plans/templates",
            &b,
            &common::form_fields(&page, "/admin/plans/templates"),
            &[
                ("name", &before.templates[0].name),
                ("copy_of", &before.templates[1].name),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.text().contains("two templates share this name"),
        "{}",
        refused.body
    );
    let added = web
        .post_edited(
            "/admin/plans/templates",
            &b,
            &common::form_fields(&page, "/admin/plans/templates"),
            &[
                ("name", "Mid-market expansion"),
                ("copy_of", &before.templates[1].name),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let config = web.db.store.plans_config().await.unwrap();
    assert_eq!(config.templates.len(), n + 1);
    let copy = &config.templates[n];
    assert_eq!(copy.name, "Mid-market expansion");
    assert_eq!(copy.objectives, before.templates[1].objectives, "a copy");

    let action = format!("/admin/plans/templates/{n}");
    let page = web.get("/admin/plans", Some(&b)).await.text();
    let shown = common::form_fields(&page, &action);
    assert!(
        shown.iter().any(|(k, _)| k == "watch.No executive sponsor"),
        "the copy watches for what its original did: {shown:?}"
    );
    let bad = web
        .post_edited(
            &action,
            &b,
            &shown,
            &[
                ("o0.source", "event"),
                ("o0.event", "report_exported"),
                ("o0.window_days", "900"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let text = bad.text();
    assert!(
        text.contains(&format!(
            "data-key=\"templates[{n}].objectives[0].source.window_days\">900 is not a window"
        )),
        "{text}"
    );
    assert!(text.contains("value=\"900\""), "what was typed is kept");
    let saved = web
        .post_edited(
            &action,
            &b,
            &shown,
            &[
                ("tier.1", ""),
                ("tier.2", "on"),
                ("segment.Hybrid", "on"),
                ("watch.No executive sponsor", ""),
                ("watch.Reporting gap", "on"),
                ("o0.source", "event"),
                ("o0.event", "report_exported"),
                ("o0.property", ""),
                ("o0.window_days", "30"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let now = web.db.store.plans_config().await.unwrap().templates[n].clone();
    assert_eq!(
        (now.tiers.clone(), now.segments.clone()),
        (vec![2], vec!["Hybrid".to_string()])
    );
    assert!(now.fits(Some(2), Some("hybrid")) && !now.fits(Some(1), Some("Hybrid")));
    assert_eq!(
        now.watch_for,
        [BlockerLabel {
            label: "Reporting gap".into(),
            dimension: "Product".into()
        }]
    );
    assert_eq!(
        now.objectives[0].source,
        ValueSource::Event {
            event: "report_exported".into(),
            property: None,
            window_days: 30
        }
    );
    let page = web.get("/admin/plans", Some(&b)).await.text();
    assert!(
        page.contains("Mid-market expansion <span class=\"muted\">· for tier 2 · segment Hybrid"),
        "{page}"
    );

    let removed = web
        .post_edited(
            &action,
            &b,
            &common::form_fields(&page, &action),
            &[("remove_template", "on")],
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert!(
        removed
            .text()
            .contains("Removed the template Mid-market expansion"),
        "{}",
        removed.body
    );
    assert_eq!(web.db.store.plans_config().await.unwrap(), before);
}
