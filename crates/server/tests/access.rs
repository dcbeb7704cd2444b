//! Every route, walked by every role and anonymously: the web UI and the REST API enforce the
//! same role rules. A route missing from the matrix fails the test, so a new page or endpoint
//! cannot ship without saying who may use it.

mod common;

use axum::http::StatusCode;
use common::{Answer, Web};
use serde_json::{Value, json};
use sherpa_core::*;
use std::collections::BTreeSet;

/// What a role gets: allowed, refused (403), sent to sign in (web), or unauthenticated (API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Got {
    Allow,
    Forbid,
    Login,
    Unauth,
}
use Got::*;

/// Anonymous, admin, leader, csm, sales, viewer.
type Row = [Got; 6];
const EVERYONE: Row = [Allow; 6];
const SIGNED: Row = [Login, Allow, Allow, Allow, Allow, Allow];
const ADMIN: Row = [Login, Allow, Forbid, Forbid, Forbid, Forbid];
const MANAGERS: Row = [Login, Allow, Allow, Forbid, Forbid, Forbid];
/// Account edits on an account the CSM owns and where the sales user is the AE.
const OWNER_EDIT: Row = [Login, Allow, Allow, Allow, Forbid, Forbid];
const OWNER_LOG: Row = [Login, Allow, Allow, Allow, Allow, Forbid];
const API_READ: Row = [Unauth, Allow, Allow, Allow, Allow, Allow];
const API_MANAGE: Row = [Unauth, Allow, Allow, Forbid, Forbid, Forbid];
const API_OWNER_EDIT: Row = [Unauth, Allow, Allow, Allow, Forbid, Forbid];
const API_OWNER_LOG: Row = [Unauth, Allow, Allow, Allow, Allow, Forbid];
const API_ADMIN: Row = [Unauth, Allow, Forbid, Forbid, Forbid, Forbid];
/// The Segment intake takes ingest tokens only: every API token is refused.
const INTAKE: Row = [Unauth, Forbid, Forbid, Forbid, Forbid, Forbid];

enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Upload,
    Json(Value),
}

struct Case {
    method: &'static str,
    /// The route as registered, e.g. `/accounts/{id}`.
    route: &'static str,
    path: String,
    body: Body,
    expect: Row,
}

fn case(method: &'static str, route: &'static str, path: &str, body: Body, expect: Row) -> Case {
    Case {
        method,
        route,
        path: path.to_string(),
        body,
        expect,
    }
}

fn classify(a: &Answer, api: bool) -> Got {
    match a.status {
        StatusCode::FORBIDDEN => Forbid,
        StatusCode::UNAUTHORIZED if api => Unauth,
        StatusCode::SEE_OTHER if a.location.starts_with("/login") => Login,
        _ => Allow,
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_matrix_says() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let leader = web
        .user("lead@example.com", Role::Leader, Function::Csm)
        .await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let sales = web
        .user("ae@example.com", Role::Sales, Function::Sales)
        .await;
    let viewer = web
        .user("viewer@example.com", Role::Viewer, Function::Operations)
        .await;
    let other = web
        .user("other@example.com", Role::Csm, Function::Csm)
        .await;
    let own = web
        .account(
            "Own Co",
            &[(OwnerFunction::Csm, csm.id), (OwnerFunction::Ae, sales.id)],
        )
        .await;
    let foreign = web
        .account("Foreign Co", &[(OwnerFunction::Csm, other.id)])
        .await;
    let admin_token = web.token(&admin).await;
    let (o, f) = (own.id.to_string(), foreign.id.to_string());
    let contact = web
        .api(
            "POST",
            "/api/v1/contacts",
            Some(&admin_token),
            Some(json!({"account_id": o, "name": "Kim"})),
        )
        .await;
    let contact: Value = serde_json::from_str(&contact.body).unwrap();
    let contract = web
        .api("POST", "/api/v1/contracts", Some(&admin_token), Some(json!({"account_id": o, "arr": {"amount": "1000", "currency": "USD"}, "start_date": "2026-01-01", "end_date": "2026-12-31"})))
        .await;
    let contract: Value = serde_json::from_str(&contract.body).unwrap();
    let task = web
        .api(
            "POST",
            "/api/v1/tasks",
            Some(&admin_token),
            Some(json!({"account_id": o, "title": "Call", "owner_id": csm.id.to_string()})),
        )
        .await;
    let task: Value = serde_json::from_str(&task.body).unwrap();
    web.api(
        "PATCH",
        &format!("/api/v1/accounts/{f}"),
        Some(&admin_token),
        Some(json!({"external_id": "FOREIGN-1"})),
    )
    .await;
    let mut movers = Vec::new();
    for name in ["Mo", "Mia"] {
        let a = web
            .api(
                "POST",
                "/api/v1/contacts",
                Some(&admin_token),
                Some(json!({"account_id": o, "name": name})),
            )
            .await;
        let v: Value = serde_json::from_str(&a.body).unwrap();
        movers.push(v["id"].as_str().unwrap().to_string());
    }
    let (mover, mover2) = (movers[0].clone(), movers[1].clone());
    let (contact, contract, task) = (
        contact["id"].as_str().unwrap().to_string(),
        contract["id"].as_str().unwrap().to_string(),
        task["id"].as_str().unwrap().to_string(),
    );

    let form = |pairs: &[(&'static str, &str)]| {
        Body::Form(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    };
    let edit = form(&[
        ("name", "Renamed"),
        ("domain", ""),
        ("industry", "Retail"),
        ("country", ""),
        ("employees", ""),
        ("lifecycle", "ongoing"),
        ("customer_since", ""),
    ]);
    let edit2 = form(&[
        ("name", "Renamed"),
        ("domain", ""),
        ("industry", "Retail"),
        ("country", ""),
        ("employees", ""),
        ("lifecycle", "ongoing"),
        ("customer_since", ""),
    ]);
    let grade = || {
        form(&[
            ("potential_value", "20000"),
            ("growth", "2"),
            ("moment", "state_change"),
            ("reason", "new budget owner"),
        ])
    };
    let log = || {
        form(&[
            ("kind", "call"),
            ("occurred_at", "2026-11-20T10:00"),
            ("summary", "Checked in"),
        ])
    };
    let viewer_id = viewer.id.to_string();
    let mut cases = vec![
        case("GET", "/", "/", Body::None, SIGNED),
        case("GET", "/login", "/login", Body::None, EVERYONE),
        case(
            "POST",
            "/login",
            "/login",
            form(&[
                ("email", "nobody@example.com"),
                ("password", "wrong password"),
            ]),
            EVERYONE,
        ),
        case(
            "POST",
            "/unsubscribe/{id}/resume",
            "/unsubscribe/sherpa.1.x/resume",
            form(&[]),
            EVERYONE,
        ),
        case(
            "GET",
            "/unsubscribe/{id}",
            "/unsubscribe/sherpa.1.x",
            Body::None,
            EVERYONE,
        ),
        case(
            "POST",
            "/unsubscribe/{id}",
            "/unsubscribe/sherpa.1.x",
            form(&[]),
            EVERYONE,
        ),
        case("GET", "/password", "/password", Body::None, SIGNED),
        case(
            "POST",
            "/password",
            "/password",
            form(&[("current", "not it at all"), ("new", "x"), ("repeat", "x")]),
            SIGNED,
        ),
        case("GET", "/today", "/today", Body::None, SIGNED),
        case("GET", "/search", "/search?q=acme", Body::None, SIGNED),
        case(
            "GET",
            "/search/people",
            "/search/people?q=an",
            Body::None,
            SIGNED,
        ),
        case("GET", "/me/time-zone", "/me/time-zone", Body::None, SIGNED),
        case(
            "POST",
            "/me/time-zone",
            "/me/time-zone",
            form(&[("time_zone", "Europe/Berlin")]),
            SIGNED,
        ),
        case("GET", "/overview", "/overview", Body::None, MANAGERS),
        case("GET", "/system", "/system", Body::None, ADMIN),
        case("GET", "/book", "/book", Body::None, SIGNED),
        case(
            "GET",
            "/portfolio/health",
            "/portfolio/health",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/portfolio",
            "/portfolio?lifecycle=ongoing",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/portfolio/export",
            "/portfolio/export?format=csv",
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/portfolio/views",
            "/portfolio/views",
            form(&[("name", "Mine"), ("query", "lifecycle=ongoing")]),
            SIGNED,
        ),
        case(
            "POST",
            "/portfolio/views/{id}/delete",
            "/portfolio/views/999999/delete",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/accounts/{id}",
            &format!("/accounts/{o}"),
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/accounts/{id}",
            &format!("/accounts/{o}"),
            edit,
            OWNER_EDIT,
        ),
        case(
            "POST",
            "/accounts/{id}",
            &format!("/accounts/{f}"),
            edit2,
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/activities",
            &format!("/accounts/{o}/activities"),
            log(),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/activities",
            &format!("/accounts/{f}/activities"),
            log(),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/grade",
            &format!("/accounts/{o}/grade"),
            grade(),
            OWNER_EDIT,
        ),
        // The AE grades at close; later moments are the CS team's.
        case(
            "POST",
            "/accounts/{id}/grade",
            &format!("/accounts/{o}/grade"),
            form(&[
                ("potential_value", "20000"),
                ("growth", "2"),
                ("moment", "at_close"),
                ("reason", "signed"),
            ]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/contacts/{contact}/emails",
            &format!("/accounts/{o}/contacts/{contact}/emails"),
            form(&[("stop", "true")]),
            OWNER_EDIT,
        ),
        case(
            "POST",
            "/accounts/{id}/contacts/{contact}/emails",
            &format!("/accounts/{o}/contacts/{contact}/emails"),
            form(&[("stop", "false"), ("reason", "asked on the call")]),
            ADMIN,
        ),
        // Blank reasons: admins reach their refusal, and nothing is deleted or erased.
        case(
            "POST",
            "/accounts/{id}/delete",
            &format!("/accounts/{o}/delete"),
            form(&[("reason", "")]),
            ADMIN,
        ),
        case(
            "POST",
            "/accounts/{id}/contacts/{contact}/erase",
            &format!("/accounts/{o}/contacts/{contact}/erase"),
            form(&[("reason", "")]),
            ADMIN,
        ),
        case(
            "POST",
            "/accounts/{id}/pulse",
            &format!("/accounts/{o}/pulse"),
            form(&[
                ("colour", "yellow"),
                ("note", "budget review"),
                ("days", "30"),
            ]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/pulse",
            &format!("/accounts/{f}/pulse"),
            form(&[
                ("colour", "yellow"),
                ("note", "budget review"),
                ("days", "30"),
            ]),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/grade",
            &format!("/accounts/{f}/grade"),
            grade(),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/tier",
            &format!("/accounts/{o}/tier"),
            form(&[
                ("tier", "1"),
                ("kind", "override"),
                ("reason", "strategic logo"),
            ]),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/tier",
            &format!("/accounts/{f}/tier"),
            form(&[("tier", "1"), ("reason", "strategic logo")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/nine-box",
            &format!("/accounts/{o}/nine-box"),
            form(&[("relationship", "3"), ("upsell", "2"), ("note", "sponsor")]),
            OWNER_EDIT,
        ),
        case("GET", "/segments", "/segments", Body::None, SIGNED),
        case(
            "GET",
            "/segments/export",
            "/segments/export?format=xlsx",
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/segments/apply",
            "/segments/apply",
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/segments/settings",
            "/segments/settings",
            form(&[("shares", "40, 70"), ("names", "Top, Middle, Tail")]),
            MANAGERS,
        ),
        case(
            "GET",
            "/nine-box",
            "/nine-box?quarter=2026-Q4",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/calendar/{file}",
            "/calendar/sherpa_cal_unknown.ics",
            Body::None,
            EVERYONE,
        ),
        case(
            "GET",
            "/reassignments",
            "/reassignments",
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/reassignments",
            "/reassignments",
            form(&[("kind", "departure"), ("csm", "nobody"), ("reason", "x")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/reassignments/{id}/approve",
            "/reassignments/999999/approve",
            Body::None,
            MANAGERS,
        ),
        case(
            "GET",
            "/admin/prioritisation",
            "/admin/prioritisation",
            Body::None,
            MANAGERS,
        ),
        case(
            "GET",
            "/portfolio/health/backtest",
            "/portfolio/health/backtest",
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/portfolio/health/backtest/recompute",
            "/portfolio/health/backtest/recompute",
            form(&[("horizon_days", "90")]),
            SIGNED,
        ),
        case(
            "POST",
            "/portfolio/health/backtest/apply",
            "/portfolio/health/backtest/apply",
            form(&[("scorecard", "Default"), ("weight.seat_utilisation", "3")]),
            MANAGERS,
        ),
        case(
            "GET",
            "/admin/health",
            "/admin/health",
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/health/scorecards/{n}",
            "/admin/health/scorecards/0",
            form(&[
                ("action", "preview"),
                ("green", "80"),
                ("yellow", "55"),
                ("orange", "35"),
            ]),
            MANAGERS,
        ),
        // The rules as in force: a save changes nothing.
        case(
            "POST",
            "/admin/health/rules",
            "/admin/health/rules",
            form(&[
                ("r0.lifecycle", "onboarding"),
                ("r0.then", "Onboarding"),
                ("r1.then", "Default"),
            ]),
            MANAGERS,
        ),
        // Incomplete (a rule without its model): refused as bad input, by role first.
        case(
            "POST",
            "/admin/engagement/rules",
            "/admin/engagement/rules",
            form(&[("r0.tier", "1")]),
            MANAGERS,
        ),
        // A model's milestones, from a page older than the models: refused, by role first.
        case(
            "POST",
            "/admin/engagement/models/{n}/milestones",
            "/admin/engagement/models/0/milestones",
            form(&[("model", "not a model"), ("m0.title", "x")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/engagement/models/{n}/moments",
            "/admin/engagement/models/0/moments",
            form(&[("model", "not a model"), ("m0.title", "x")]),
            MANAGERS,
        ),
        // The playbook as in force (red or orange, no task changed): a save changes nothing.
        case(
            "POST",
            "/admin/health/playbook",
            "/admin/health/playbook",
            form(&[
                ("colour.red", "on"),
                ("colour.orange", "on"),
                ("t0.title", "Find out why it turned: call the champion"),
                ("t0.owner", "csm"),
                ("t0.days", "2"),
                ("t0.priority", "urgent"),
            ]),
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/health",
            "/admin/health",
            form(&[
                (
                    "text",
                    &sherpa_app::config::health_toml(&sherpa_core::health::HealthConfig::default()),
                ),
                ("action", "check"),
            ]),
            MANAGERS,
        ),
        case("GET", "/tasks", "/tasks", Body::None, SIGNED),
        case(
            "GET",
            "/admin/engagement",
            "/admin/engagement",
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/engagement",
            "/admin/engagement",
            form(&[
                (
                    "text",
                    &sherpa_app::config::engagement_toml(
                        &sherpa_core::engagement::default_engagement(),
                    ),
                ),
                ("action", "check"),
            ]),
            MANAGERS,
        ),
        case("GET", "/admin/plans", "/admin/plans", Body::None, MANAGERS),
        case(
            "POST",
            "/admin/plans",
            "/admin/plans",
            form(&[
                (
                    "text",
                    &sherpa_app::config::plans_toml(&sherpa_core::plan::PlansConfig::default()),
                ),
                ("action", "check"),
            ]),
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/plans/lists",
            "/admin/plans/lists",
            form(&[("new_d.name", "Network")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/plans/templates",
            "/admin/plans/templates",
            form(&[("name", ""), ("copy_of", "")]),
            MANAGERS,
        ),
        // A template's form from a page older than the templates: refused, by role first.
        case(
            "POST",
            "/admin/plans/templates/{n}",
            "/admin/plans/templates/0",
            form(&[("template", "not a template"), ("success", "x")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/engagement/releases",
            "/admin/engagement/releases",
            form(&[("name", "Reports 2.0"), ("released_on", "2026-11-20")]),
            MANAGERS,
        ),
        case("GET", "/tasks/team", "/tasks/team", Body::None, MANAGERS),
        case(
            "GET",
            "/admin/engagement/preview",
            "/admin/engagement/preview?model=Tier+3%3A+automated&moment=welcome_email",
            Body::None,
            MANAGERS,
        ),
        case(
            "GET",
            "/admin/engagement/sends",
            "/admin/engagement/sends?status=failed&sort=-tries",
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/engagement/sends/{id}/retry",
            "/admin/engagement/sends/999999/retry",
            form(&[]),
            MANAGERS,
        ),
        case(
            "POST",
            "/tasks/{id}",
            &format!("/tasks/{task}"),
            form(&[("action", "snooze"), ("days", "1")]),
            OWNER_EDIT,
        ),
        // The CSM stays the same person: later cases still find the account theirs.
        case(
            "POST",
            "/portfolio/reassign",
            "/portfolio/reassign",
            form(&[
                ("account", &o),
                ("function", "csm"),
                ("to", "csm@example.com"),
            ]),
            OWNER_EDIT,
        ),
        case(
            "POST",
            "/tasks/bulk",
            "/tasks/bulk",
            form(&[("action", "snooze"), ("task", &task.to_string())]),
            OWNER_EDIT,
        ),
        case(
            "GET",
            "/effectiveness",
            "/effectiveness",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/admin/effectiveness",
            "/admin/effectiveness",
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/effectiveness/models/{n}",
            "/admin/effectiveness/models/0",
            form(&[("model", "Nobody")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/effectiveness/rules",
            "/admin/effectiveness/rules",
            form(&[("r0.then", "Nobody")]),
            MANAGERS,
        ),
        case(
            "GET",
            "/admin/adoption",
            "/admin/adoption",
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/admin/adoption",
            "/admin/adoption",
            form(&[("f0.feature", "Nobody")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/effectiveness/objectives",
            &format!("/accounts/{o}/effectiveness/objectives"),
            form(&[("behaviour", "Reports built")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/whitespace/introductions",
            &format!("/accounts/{o}/whitespace/introductions"),
            form(&[("feature", "Report Built"), ("peer", "999999")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/milestones/{key}",
            &format!("/accounts/{o}/milestones/kickoff"),
            form(&[("completed_on", "2026-11-23")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/playbooks/{playbook}/close",
            &format!("/accounts/{o}/playbooks/999999/close"),
            form(&[("outcome", "recovered"), ("note", "")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/admin/prioritisation",
            "/admin/prioritisation",
            form(&[("a_above", "60000"), ("b_from", "12000")]),
            MANAGERS,
        ),
        case("GET", "/staffing", "/staffing", Body::None, SIGNED),
        case(
            "POST",
            "/staffing",
            "/staffing",
            form(&[("hours_per_year", "1700"), ("account_time_percent", "65")]),
            MANAGERS,
        ),
        case("GET", "/calendar", "/calendar", Body::None, SIGNED),
        case("POST", "/calendar", "/calendar", Body::None, SIGNED),
        case(
            "POST",
            "/calendar/revoke",
            "/calendar/revoke",
            Body::None,
            SIGNED,
        ),
        case("GET", "/team", "/team", Body::None, SIGNED),
        case("GET", "/audit", "/audit", Body::None, ADMIN),
        case("GET", "/admin/users", "/admin/users", Body::None, ADMIN),
        case(
            "POST",
            "/admin/users",
            "/admin/users",
            form(&[
                ("email", "new@example.com"),
                ("name", "New"),
                ("function", "csm"),
                ("role", "viewer"),
                ("manager", ""),
                ("password", "a long password"),
            ]),
            ADMIN,
        ),
        case(
            "POST",
            "/admin/users/{id}",
            &format!("/admin/users/{viewer_id}"),
            form(&[
                ("function", "operations"),
                ("role", "viewer"),
                ("manager", "admin@example.com"),
                ("active", "yes"),
            ]),
            ADMIN,
        ),
        case(
            "POST",
            "/admin/pending-owners",
            "/admin/pending-owners",
            form(&[("name", "Sam Seller"), ("member", "viewer@example.com")]),
            ADMIN,
        ),
        case(
            "POST",
            "/admin/users/{id}/password",
            &format!("/admin/users/{viewer_id}/password"),
            form(&[("password", "another long password")]),
            ADMIN,
        ),
        case(
            "POST",
            "/admin/tokens",
            "/admin/tokens",
            form(&[
                ("user", "viewer@example.com"),
                ("scope", "api"),
                ("name", "matrix"),
            ]),
            ADMIN,
        ),
        case(
            "POST",
            "/admin/tokens/{id}/revoke",
            "/admin/tokens/999999/revoke",
            Body::None,
            ADMIN,
        ),
        case("GET", "/admin/intake", "/admin/intake", Body::None, ADMIN),
        case(
            "POST",
            "/admin/intake/retention",
            "/admin/intake/retention",
            form(&[("days", "200")]),
            ADMIN,
        ),
        case(
            "POST",
            "/admin/features",
            "/admin/features",
            form(&[
                ("event", "Report Built"),
                ("feature", "Reporting"),
                ("high_value", "on"),
            ]),
            ADMIN,
        ),
        case("GET", "/import", "/import", Body::None, MANAGERS),
        case("POST", "/import", "/import", Body::Upload, MANAGERS),
        case(
            "POST",
            "/import/{id}",
            "/import/999999",
            Body::None,
            MANAGERS,
        ),
        case(
            "GET",
            "/assets/{file}",
            "/assets/sherpa.css",
            Body::None,
            EVERYONE,
        ),
        // Signing out always lands on the sign-in page.
        case("POST", "/logout", "/logout", Body::None, [Login; 6]),
    ];
    for r in sherpa_server::SYSTEM_ROUTES {
        cases.push(case("GET", r, r, Body::None, EVERYONE));
    }
    let api = |method, route, path: String, body, expect| case(method, route, &path, body, expect);
    cases.extend([
        api("GET", "/api/v1/accounts", "/api/v1/accounts".into(), Body::None, API_READ),
        api("POST", "/api/v1/accounts", "/api/v1/accounts".into(), Body::Json(json!({"name": "Via API"})), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}", format!("/api/v1/accounts/{o}"), Body::None, API_READ),
        api("PATCH", "/api/v1/accounts/{id}", format!("/api/v1/accounts/{o}"), Body::Json(json!({"industry": "Media"})), API_OWNER_EDIT),
        api("PATCH", "/api/v1/accounts/{id}", format!("/api/v1/accounts/{f}"), Body::Json(json!({"industry": "Media"})), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/arr-history", format!("/api/v1/accounts/{o}/arr-history"), Body::None, API_READ),
        api("POST", "/api/v1/accounts/{id}/pulse", format!("/api/v1/accounts/{o}/pulse"), Body::Json(json!({"colour": "red", "note": "champion quiet"})), API_OWNER_LOG),
        api("POST", "/api/v1/accounts/{id}/pulse", format!("/api/v1/accounts/{f}/pulse"), Body::Json(json!({"colour": "red", "note": "champion quiet"})), API_MANAGE),
        api("PUT", "/api/v1/accounts/{id}/grade", format!("/api/v1/accounts/{o}/grade"), Body::Json(json!({"potential_value": "60000", "growth": 1, "moment": "at_close", "reason": "big"})), API_OWNER_LOG),
        api("PUT", "/api/v1/accounts/{id}/grade", format!("/api/v1/accounts/{f}/grade"), Body::Json(json!({"potential_value": "60000", "growth": 1, "moment": "at_close", "reason": "big"})), API_MANAGE),
        api("PUT", "/api/v1/accounts/{id}/tier", format!("/api/v1/accounts/{o}/tier"), Body::Json(json!({"tier": 2, "kind": "override", "reason": "capacity"})), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/priority-history", format!("/api/v1/accounts/{o}/priority-history"), Body::None, API_READ),
        api("PUT", "/api/v1/accounts/{id}/nine-box", format!("/api/v1/accounts/{o}/nine-box"), Body::Json(json!({"relationship": 3, "upsell": 2, "note": "exec sponsor"})), API_OWNER_EDIT),
        api("GET", "/api/v1/nine-box", "/api/v1/nine-box?quarter=2026-Q4".into(), Body::None, API_READ),
        api("GET", "/api/v1/segments/pareto", "/api/v1/segments/pareto".into(), Body::None, API_READ),
        api("POST", "/api/v1/segments/pareto/apply", "/api/v1/segments/pareto/apply".into(), Body::None, API_MANAGE),
        api("GET", "/api/v1/me/calendar", "/api/v1/me/calendar".into(), Body::None, API_READ),
        api("POST", "/api/v1/me/calendar", "/api/v1/me/calendar".into(), Body::None, API_READ),
        api("DELETE", "/api/v1/me/calendar", "/api/v1/me/calendar".into(), Body::None, API_READ),
        api("GET", "/api/v1/touches/overdue", "/api/v1/touches/overdue".into(), Body::None, API_READ),
        api("GET", "/api/v1/staffing", "/api/v1/staffing".into(), Body::None, API_READ),
        api("GET", "/api/v1/reassignments", "/api/v1/reassignments".into(), Body::None, API_READ),
        api("POST", "/api/v1/reassignments", "/api/v1/reassignments".into(), Body::Json(json!({"kind": "departure", "csm": "nobody@example.com", "recipients": [], "reason": "x"})), API_MANAGE),
        api("POST", "/api/v1/reassignments/{id}/approve", "/api/v1/reassignments/999999/approve".into(), Body::None, API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/health", format!("/api/v1/accounts/{o}/health"), Body::None, API_READ),
        api("GET", "/api/v1/accounts/{id}/health/history", format!("/api/v1/accounts/{o}/health/history"), Body::None, API_READ),
        api("GET", "/api/v1/accounts/{id}/effectiveness", format!("/api/v1/accounts/{o}/effectiveness"), Body::None, API_READ),
        api("GET", "/api/v1/adoption/matrix", "/api/v1/adoption/matrix?tier=1".into(), Body::None, API_READ),
        api("GET", "/api/v1/adoption/config", "/api/v1/adoption/config".into(), Body::None, API_READ),
        api("PUT", "/api/v1/adoption/config", "/api/v1/adoption/config".into(), Body::Json(json!({"features": []})), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/whitespace", format!("/api/v1/accounts/{o}/whitespace"), Body::None, API_READ),
        api("POST", "/api/v1/accounts/{id}/whitespace/introductions", format!("/api/v1/accounts/{o}/whitespace/introductions"), Body::Json(json!({"feature": "Report Built", "peer_account_id": "999999"})), API_OWNER_LOG),
        api("POST", "/api/v1/accounts/{id}/effectiveness/objectives", format!("/api/v1/accounts/{o}/effectiveness/objectives"), Body::Json(json!({"behaviour": "Reports built"})), API_OWNER_LOG),
        api("POST", "/api/v1/accounts/{id}/effectiveness/objectives", format!("/api/v1/accounts/{f}/effectiveness/objectives"), Body::Json(json!({"behaviour": "Reports built"})), API_MANAGE),
        api("GET", "/api/v1/effectiveness/models", "/api/v1/effectiveness/models".into(), Body::None, API_READ),
        api("PUT", "/api/v1/effectiveness/models", "/api/v1/effectiveness/models".into(), Body::Json(serde_json::to_value(sherpa_core::effectiveness::EffectivenessConfig::default()).unwrap()), API_MANAGE),
        api("GET", "/api/v1/health/config", "/api/v1/health/config".into(), Body::None, API_READ),
        api("PUT", "/api/v1/health/config", "/api/v1/health/config".into(), Body::Json(serde_json::to_value(sherpa_core::health::HealthConfig::default()).unwrap()), API_MANAGE),
        api("GET", "/api/v1/health/backtest", "/api/v1/health/backtest?horizon_days=90".into(), Body::None, API_READ),
        api("POST", "/api/v1/health/backtest/recompute", "/api/v1/health/backtest/recompute?horizon_days=90".into(), Body::None, API_READ),
        api("GET", "/api/v1/accounts/{id}/playbooks", format!("/api/v1/accounts/{o}/playbooks"), Body::None, API_READ),
        api("POST", "/api/v1/playbooks/{id}/close", "/api/v1/playbooks/999999/close".into(), Body::Json(json!({"outcome": "recovered"})), API_OWNER_LOG),
        api("GET", "/api/v1/engagement/config", "/api/v1/engagement/config".into(), Body::None, API_READ),
        api("PUT", "/api/v1/engagement/config", "/api/v1/engagement/config".into(), Body::Json(serde_json::to_value(sherpa_core::engagement::default_engagement()).unwrap()), API_MANAGE),
        api("GET", "/api/v1/plans/config", "/api/v1/plans/config".into(), Body::None, API_READ),
        api("PUT", "/api/v1/plans/config", "/api/v1/plans/config".into(), Body::Json(serde_json::to_value(sherpa_core::plan::PlansConfig::default()).unwrap()), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/engagement", format!("/api/v1/accounts/{o}/engagement"), Body::None, API_READ),
        api("POST", "/api/v1/accounts/{id}/milestones/{key}", format!("/api/v1/accounts/{o}/milestones/kickoff"), Body::Json(json!({})), API_OWNER_LOG),
        api("GET", "/api/v1/releases", "/api/v1/releases".into(), Body::None, API_READ),
        api("GET", "/api/v1/onboarding/analytics", "/api/v1/onboarding/analytics".into(), Body::None, API_READ),
        api("POST", "/api/v1/releases", "/api/v1/releases".into(), Body::Json(json!({"name": "Reports 2.0"})), API_MANAGE),
        api("GET", "/api/v1/sends", "/api/v1/sends".into(), Body::None, API_READ),
        api("POST", "/api/v1/sends/{id}/retry", "/api/v1/sends/999999/retry".into(), Body::None, API_MANAGE),
        api("POST", "/api/v1/engagement/preview", "/api/v1/engagement/preview".into(), Body::Json(json!({"model": "Tier 3: automated", "moment": "welcome_email"})), API_MANAGE),
        api("POST", "/api/v1/engagement/run", "/api/v1/engagement/run".into(), Body::None, API_MANAGE),
        api("GET", "/api/v1/prioritisation", "/api/v1/prioritisation".into(), Body::None, API_READ),
        api("PUT", "/api/v1/prioritisation", "/api/v1/prioritisation".into(), Body::Json(json!({"grade_bounds": {"a_above": "50000", "b_from": "10000"}, "tier_grid": {"A1": "1", "A2": "1", "A3": "1-2", "B1": "1-2", "B2": "2", "B3": "2", "C1": "2", "C2": "3", "C3": "3"}})), API_MANAGE),
        api("POST", "/api/v1/accounts/bulk", "/api/v1/accounts/bulk".into(), Body::Json(json!({"items": [{"external_id": "B-1", "name": "Bulk"}]})), API_MANAGE),
        api("POST", "/api/v1/contacts/bulk", "/api/v1/contacts/bulk".into(), Body::Json(json!({"items": []})), API_MANAGE),
        api("POST", "/api/v1/contracts/bulk", "/api/v1/contracts/bulk".into(), Body::Json(json!({"items": []})), API_MANAGE),
        api("GET", "/api/v1/contacts", "/api/v1/contacts".into(), Body::None, API_READ),
        api("POST", "/api/v1/contacts", "/api/v1/contacts".into(), Body::Json(json!({"account_id": o, "name": "Lee"})), API_OWNER_EDIT),
        api("GET", "/api/v1/contacts/{id}", format!("/api/v1/contacts/{contact}"), Body::None, API_READ),
        api("PATCH", "/api/v1/contacts/{id}", format!("/api/v1/contacts/{contact}"), Body::Json(json!({"title": "CTO"})), API_OWNER_EDIT),
        api("POST", "/api/v1/contacts/{id}/unsubscribe", format!("/api/v1/contacts/{contact}/unsubscribe"), Body::None, API_OWNER_EDIT),
        // A blank reason: admins get as far as the reason's refusal, and nothing is erased.
        api("DELETE", "/api/v1/accounts/{id}", format!("/api/v1/accounts/{o}?reason="), Body::None, API_ADMIN),
        api("POST", "/api/v1/contacts/{id}/erase", format!("/api/v1/contacts/{contact}/erase"), Body::Json(json!({"reason": ""})), API_ADMIN),
        api("DELETE", "/api/v1/contacts/{id}/unsubscribe", format!("/api/v1/contacts/{contact}/unsubscribe?reason=asked%20on%20the%20call"), Body::None, API_ADMIN),
        // Moving a contact of an account the CSM owns to one they do not: refused, by id or
        // by the CRM id alike (the other direction is walked in the test below).
        api("PATCH", "/api/v1/contacts/{id}", format!("/api/v1/contacts/{mover}"), Body::Json(json!({"account_id": f})), API_MANAGE),
        api("PATCH", "/api/v1/contacts/{id}", format!("/api/v1/contacts/{mover2}"), Body::Json(json!({"account_external_id": "FOREIGN-1"})), API_MANAGE),
        api("GET", "/api/v1/contracts", "/api/v1/contracts".into(), Body::None, API_READ),
        api("POST", "/api/v1/contracts", "/api/v1/contracts".into(), Body::Json(json!({"account_id": o, "arr": {"amount": "500", "currency": "USD"}, "start_date": "2027-01-01", "end_date": "2027-12-31"})), API_OWNER_EDIT),
        api("GET", "/api/v1/contracts/{id}", format!("/api/v1/contracts/{contract}"), Body::None, API_READ),
        api("PATCH", "/api/v1/contracts/{id}", format!("/api/v1/contracts/{contract}"), Body::Json(json!({"seats": 12})), API_OWNER_EDIT),
        api("GET", "/api/v1/activities", format!("/api/v1/activities?account_id={o}"), Body::None, API_READ),
        api("POST", "/api/v1/activities", "/api/v1/activities".into(), Body::Json(json!({"account_id": o, "kind": "call", "summary": "API call"})), API_OWNER_LOG),
        api("POST", "/api/v1/activities", "/api/v1/activities".into(), Body::Json(json!({"account_id": f, "kind": "call", "summary": "API call"})), API_MANAGE),
        api("GET", "/api/v1/tasks", "/api/v1/tasks".into(), Body::None, API_READ),
        api("POST", "/api/v1/tasks", "/api/v1/tasks".into(), Body::Json(json!({"account_id": o, "title": "Follow up"})), API_OWNER_LOG),
        api("PATCH", "/api/v1/tasks/{id}", format!("/api/v1/tasks/{task}"), Body::Json(json!({"priority": "high"})), API_OWNER_EDIT),
        api("POST", "/api/v1/accounts/reassign", "/api/v1/accounts/reassign".into(), Body::Json(json!({"account_ids": [o], "function": "csm", "to": "csm@example.com"})), API_OWNER_EDIT),
        api("GET", "/api/v1/today", "/api/v1/today".into(), Body::None, API_READ),
        api("GET", "/api/v1/overview", "/api/v1/overview".into(), Body::None, API_MANAGE),
        api("GET", "/api/v1/system", "/api/v1/system".into(), Body::None, API_ADMIN),
        api("GET", "/api/v1/users", "/api/v1/users".into(), Body::None, API_READ),
        // One's own settings: every role, as "Time zone" in one's menu.
        api("GET", "/api/v1/me", "/api/v1/me".into(), Body::None, API_READ),
        api("PATCH", "/api/v1/me", "/api/v1/me".into(), Body::Json(json!({"time_zone": "Europe/Paris"})), API_READ),
        api("PATCH", "/api/v1/users/{id}", format!("/api/v1/users/{viewer_id}"), Body::Json(json!({"role": "viewer", "function": "operations"})), API_ADMIN),
        api("GET", "/api/v1/pending-owners", "/api/v1/pending-owners".into(), Body::None, API_ADMIN),
        api("POST", "/api/v1/pending-owners/assign", "/api/v1/pending-owners/assign".into(), Body::Json(json!({"name": "Sam Seller", "user_id": viewer_id.to_string()})), API_ADMIN),
        api("GET", "/api/v1/custom-fields", "/api/v1/custom-fields".into(), Body::None, API_READ),
        api("POST", "/api/v1/custom-fields", "/api/v1/custom-fields".into(), Body::Json(json!({"key": "tier_note", "label": "Tier note", "kind": "text"})), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/usage", format!("/api/v1/accounts/{o}/usage?from=2026-11-01&to=2026-11-30"), Body::None, API_READ),
        api("GET", "/api/v1/events", format!("/api/v1/events?account_id={o}"), Body::None, API_ADMIN),
        api("GET", "/api/v1/intake/status", "/api/v1/intake/status".into(), Body::None, API_ADMIN),
        api("GET", "/api/v1/tickets", format!("/api/v1/tickets?account_id={o}"), Body::None, API_READ),
        api("POST", "/api/v1/tickets", "/api/v1/tickets".into(), Body::Json(json!({"account_id": o, "subject": "Login fails", "opened_at": "2026-11-20T10:00:00Z", "severity": "high"})), API_OWNER_EDIT),
        api("GET", "/api/v1/surveys", "/api/v1/surveys".into(), Body::None, API_READ),
        api("POST", "/api/v1/surveys", "/api/v1/surveys".into(), Body::Json(json!({"account_id": o, "kind": "nps", "score": 9, "answered_on": "2026-11-20"})), API_OWNER_EDIT),
        api("POST", sherpa_server::intake::INTAKE_ROUTE, "/v1/track".into(), Body::Json(json!({"userId": "u1", "event": "Login"})), INTAKE),
        // Success plans: the account's owners (the AE too) and leaders edit; everyone reads.
        api("PUT", "/api/v1/accounts/{id}/plan", format!("/api/v1/accounts/{o}/plan"), Body::Json(json!({"content": {"success": "Live in a month"}})), API_OWNER_LOG),
        api("PUT", "/api/v1/accounts/{id}/plan", format!("/api/v1/accounts/{f}/plan"), Body::Json(json!({"content": {"success": "Live in a month"}})), API_MANAGE),
        api("GET", "/api/v1/accounts/{id}/plan", format!("/api/v1/accounts/{o}/plan"), Body::None, API_READ),
        api("GET", "/api/v1/accounts/{id}/plan/versions", format!("/api/v1/accounts/{o}/plan/versions"), Body::None, API_READ),
        api("GET", "/api/v1/accounts/{id}/plan/draft", format!("/api/v1/accounts/{o}/plan/draft?template=Strategic%20account"), Body::None, API_READ),
        api("POST", "/api/v1/accounts/{id}/plan/objectives/{key}/values", format!("/api/v1/accounts/{o}/plan/objectives/none/values"), Body::Json(json!({"value": "3"})), API_OWNER_LOG),
        api("POST", "/api/v1/accounts/{id}/plan/shares", format!("/api/v1/accounts/{o}/plan/shares"), Body::Json(json!({"days": 7})), API_OWNER_LOG),
        api("GET", "/api/v1/accounts/{id}/plan/shares", format!("/api/v1/accounts/{o}/plan/shares"), Body::None, API_OWNER_LOG),
        api("DELETE", "/api/v1/accounts/{id}/plan/shares/{share}", format!("/api/v1/accounts/{o}/plan/shares/999999"), Body::None, API_OWNER_LOG),
        api("GET", "/api/v1/plans/patterns", "/api/v1/plans/patterns?group_by=label".into(), Body::None, API_READ),
        api("GET", "/api/v1/renewals", "/api/v1/renewals?within_days=90".into(), Body::None, API_READ),
        api("PUT", "/api/v1/renewals/{contract_id}/call", format!("/api/v1/renewals/{contract}/call"), Body::Json(json!({"call": "likely"})), API_OWNER_LOG),
        api("GET", "/api/v1/renewals/{contract_id}/call", format!("/api/v1/renewals/{contract}/call"), Body::None, API_READ),
        api("GET", "/api/v1/renewals/{contract_id}/meddicc", format!("/api/v1/renewals/{contract}/meddicc"), Body::None, API_READ),
        api("PUT", "/api/v1/renewals/{contract_id}/meddicc", format!("/api/v1/renewals/{contract}/meddicc"), Body::Json(json!({"elements": {"metrics": {"rating": "green"}}})), API_OWNER_LOG),
        api("GET", "/api/v1/accounts/{id}/competitors", format!("/api/v1/accounts/{o}/competitors"), Body::None, API_READ),
        api("POST", "/api/v1/accounts/{id}/competitors", format!("/api/v1/accounts/{o}/competitors"), Body::Json(json!({"competitor": "Nobody"})), API_OWNER_LOG),
        api("GET", "/api/v1/revenue/retention", "/api/v1/revenue/retention?grain=quarter&group_by=tier".into(), Body::None, API_READ),
        api("GET", "/api/v1/forecast/waterfall", "/api/v1/forecast/waterfall?grain=quarter".into(), Body::None, API_READ),
        api("GET", "/api/v1/forecast/accuracy", "/api/v1/forecast/accuracy".into(), Body::None, API_READ),
        api("POST", "/api/v1/forecast/plans", "/api/v1/forecast/plans".into(), Body::Json(json!({"grain": "week"})), API_MANAGE),
        api("POST", "/api/v1/forecast/replans", "/api/v1/forecast/replans".into(), Body::Json(json!({"grain": "week"})), API_MANAGE),
        api("PUT", "/api/v1/forecast/variances", "/api/v1/forecast/variances".into(), Body::Json(json!({"period": "2026-01-01", "why": "a reason"})), API_MANAGE),
    ]);
    cases.extend(vec![
        case(
            "GET",
            "/accounts/{id}/plan",
            &format!("/accounts/{o}/plan"),
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/accounts/{id}/plan/edit",
            &format!("/accounts/{o}/plan/edit"),
            Body::None,
            OWNER_LOG,
        ),
        case(
            "GET",
            "/accounts/{id}/plan/edit",
            &format!("/accounts/{f}/plan/edit"),
            Body::None,
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/plan/edit",
            &format!("/accounts/{o}/plan/edit"),
            form(&[("success", "")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/plan/edit",
            &format!("/accounts/{f}/plan/edit"),
            form(&[("success", "")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/accounts/{id}/plan/objectives/{key}/values",
            &format!("/accounts/{o}/plan/objectives/none/values"),
            form(&[("value", "x"), ("on", "2026-11-20")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/plan/shares",
            &format!("/accounts/{o}/plan/shares"),
            form(&[("days", "0")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/accounts/{id}/plan/shares/{share}/revoke",
            &format!("/accounts/{o}/plan/shares/999999/revoke"),
            Body::None,
            OWNER_LOG,
        ),
        case(
            "GET",
            "/plans/patterns",
            "/plans/patterns",
            Body::None,
            SIGNED,
        ),
        case("GET", "/adoption", "/adoption?tier=1", Body::None, SIGNED),
        case(
            "GET",
            "/adoption.xlsx",
            "/adoption.xlsx",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/plans/patterns.xlsx",
            "/plans/patterns.xlsx?group_by=csm",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/revenue/retention",
            "/revenue/retention?grain=quarter&group_by=cohort",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/revenue/renewals",
            "/revenue/renewals?book=all",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/revenue/forecast",
            "/revenue/forecast?series=nrr&grain=quarter",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/revenue/forecast.xlsx",
            "/revenue/forecast.xlsx?grain=week",
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/revenue/forecast/{action}",
            "/revenue/forecast/plans",
            form(&[("grain", "week"), ("note", "plan")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/revenue/forecast/{action}",
            "/revenue/forecast/replans",
            form(&[("grain", "week")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/revenue/forecast/{action}",
            "/revenue/forecast/variances",
            form(&[("grain", "week"), ("period", "2026-01-05"), ("note", "why")]),
            MANAGERS,
        ),
        case(
            "POST",
            "/revenue/forecast/{action}",
            "/revenue/forecast/probabilities",
            form(&[
                ("colour", "orange"),
                ("months", "3-6"),
                ("renewal_percent", "60"),
            ]),
            MANAGERS,
        ),
        case(
            "POST",
            "/revenue/forecast/{action}",
            "/revenue/forecast/strategic-features",
            form(&[("series", "adoption")]),
            MANAGERS,
        ),
        case(
            "GET",
            "/revenue/accuracy",
            "/revenue/accuracy",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/revenue/accuracy.xlsx",
            "/revenue/accuracy.xlsx",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/revenue/renewals/{contract}/meddicc",
            &format!("/revenue/renewals/{contract}/meddicc"),
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/revenue/renewals/{contract}/meddicc",
            &format!("/revenue/renewals/{contract}/meddicc"),
            form(&[("rating.metrics", "green")]),
            OWNER_LOG,
        ),
        case(
            "POST",
            "/revenue/renewals/{contract}/competitors",
            &format!("/revenue/renewals/{contract}/competitors"),
            form(&[("competitor", "Nobody")]),
            OWNER_LOG,
        ),
        case(
            "GET",
            "/revenue/renewals.xlsx",
            "/revenue/renewals.xlsx?within_days=90",
            Body::None,
            SIGNED,
        ),
        case(
            "POST",
            "/revenue/renewals/{contract}/call",
            &format!("/revenue/renewals/{contract}/call"),
            form(&[("call", "likely")]),
            OWNER_LOG,
        ),
        case(
            "GET",
            "/revenue/retention.xlsx",
            "/revenue/retention.xlsx?group_by=segment",
            Body::None,
            SIGNED,
        ),
        case(
            "GET",
            "/shared/plans/{secret}",
            "/shared/plans/sherpa_plan_unknown",
            Body::None,
            EVERYONE,
        ),
    ]);

    // Every registered route has at least one case.
    let covered: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_string(), c.route.to_string()))
        .collect();
    let mut registered: BTreeSet<(String, String)> = sherpa_server::web_routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let doc = web.api("GET", "/api/v1/openapi.json", None, None).await;
    let doc: Value = serde_json::from_str(&doc.body).unwrap();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            registered.insert((method.to_uppercase(), path.clone()));
        }
    }
    for r in sherpa_server::SYSTEM_ROUTES {
        registered.insert(("GET".into(), r.to_string()));
    }
    registered.insert((
        "POST".into(),
        sherpa_server::intake::INTAKE_ROUTE.to_string(),
    ));
    let missing: Vec<_> = registered.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in the access matrix: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "matrix entries for routes that do not exist: {stale:?}"
    );

    let people = [
        None,
        Some(&admin),
        Some(&leader),
        Some(&csm),
        Some(&sales),
        Some(&viewer),
    ];
    let mut wrong = Vec::new();
    for c in &cases {
        for (who, expected) in people.iter().zip(c.expect) {
            let api = (c.path.starts_with("/api/v1/") && !c.route.ends_with("openapi.json"))
                || c.path.starts_with("/v1/");
            let answer = if api {
                let token = match who {
                    Some(u) => Some(web.token(u).await),
                    None => None,
                };
                let body = match &c.body {
                    Body::Json(v) => Some(v.clone()),
                    _ => None,
                };
                web.api(c.method, &c.path, token.as_deref(), body).await
            } else {
                let browser = match who {
                    Some(u) => Some(web.sign_in(u).await),
                    None => None,
                };
                match (&c.body, c.method) {
                    (_, "GET") => web.get(&c.path, browser.as_ref()).await,
                    (Body::Upload, _) => match &browser {
                        Some(b) => {
                            web.upload(b, "accounts", "a.csv", "name\nUploaded Co\n")
                                .await
                        }
                        None => web.post(&c.path, None, &[], false).await,
                    },
                    (Body::Form(pairs), _) => {
                        let pairs: Vec<(&str, &str)> =
                            pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        web.post(&c.path, browser.as_ref(), &pairs, true).await
                    }
                    _ => web.post(&c.path, browser.as_ref(), &[], true).await,
                }
            };
            assert!(
                answer.status.as_u16() < 500,
                "{} {} as {:?}: {} {}",
                c.method,
                c.path,
                who.map(|u| u.role),
                answer.status,
                answer.body
            );
            let got = classify(&answer, api);
            if got != expected {
                wrong.push(format!(
                    "{} {} as {}: expected {expected:?}, got {got:?} ({})",
                    c.method,
                    c.path,
                    who.map(|u| u.role.to_string())
                        .unwrap_or("anonymous".into()),
                    answer.status
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Writes that reach across accounts: a CSM may neither pull another account's record into
/// their own nor push one of theirs out, nor lift another person's unsubscribe by making a
/// contact with the same address; tickets and survey answers stay on their account.
#[tokio::test]
async fn cross_account_writes_need_the_right_on_both_accounts() {
    let web = Web::new().await;
    let admin = web
        .user("admin@example.com", Role::Admin, Function::Operations)
        .await;
    let csm = web.user("csm@example.com", Role::Csm, Function::Csm).await;
    let other = web
        .user("other@example.com", Role::Csm, Function::Csm)
        .await;
    let own = web.account("Own Co", &[(OwnerFunction::Csm, csm.id)]).await;
    let foreign = web
        .account("Foreign Co", &[(OwnerFunction::Csm, other.id)])
        .await;
    let (admin_token, csm_token) = (web.token(&admin).await, web.token(&csm).await);
    let (o, f) = (own.id.to_string(), foreign.id.to_string());
    let call = |method: &'static str, path: String, token: &str, body: Option<Value>| {
        let (web, token) = (&web, token.to_string());
        async move {
            let a = web.api(method, &path, Some(&token), body).await;
            let v: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
            (a.status, v)
        }
    };
    call(
        "PATCH",
        format!("/api/v1/accounts/{f}"),
        &admin_token,
        Some(json!({"external_id": "FOREIGN-1"})),
    )
    .await;
    let (_, theirs) = call(
        "POST",
        "/api/v1/contacts".into(),
        &admin_token,
        Some(json!({"account_id": f, "name": "Pat", "email": "pat@foreign.example"})),
    )
    .await;
    let theirs = theirs["id"].as_str().unwrap().to_string();

    // Pulling their contact into the CSM's account, by id or by CRM id: refused, unchanged.
    for body in [
        json!({"account_id": o}),
        json!({"account_external_id": "FOREIGN-1"}),
        json!({"account_id": null}),
    ] {
        let (status, problem) = call(
            "PATCH",
            format!("/api/v1/contacts/{theirs}"),
            &csm_token,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {problem}");
    }
    let (_, now) = call(
        "GET",
        format!("/api/v1/contacts/{theirs}"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(now["account_id"], f.as_str());

    // Their contact unsubscribed; a contact the CSM makes with the same address cannot lift it.
    let (status, _) = call(
        "POST",
        format!("/api/v1/contacts/{theirs}/unsubscribe"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, twin) = call(
        "POST",
        "/api/v1/contacts".into(),
        &csm_token,
        Some(json!({"account_id": o, "name": "Pat again", "email": "pat@foreign.example"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{twin}");
    let twin = twin["id"].as_str().unwrap().to_string();
    let (status, problem) = call(
        "DELETE",
        format!("/api/v1/contacts/{twin}/unsubscribe?reason=trust%20me"),
        &csm_token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("person's choice"),
        "{problem}"
    );
    let browser = web.sign_in(&csm).await;
    let page = web
        .post(
            &format!("/accounts/{o}/contacts/{twin}/emails"),
            Some(&browser),
            &[("stop", "false"), ("reason", "x")],
            true,
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        web.db
            .store
            .is_unsubscribed("pat@foreign.example")
            .await
            .unwrap()
    );
    // An admin lifts it only with the person's word, which the audit log keeps.
    let (status, problem) = call(
        "DELETE",
        format!("/api/v1/contacts/{twin}/unsubscribe"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason")),
        "{problem}"
    );
    assert!(
        web.db
            .store
            .is_unsubscribed("pat@foreign.example")
            .await
            .unwrap()
    );
    let (status, _) = call(
        "DELETE",
        format!("/api/v1/contacts/{twin}/unsubscribe?reason=asked%20on%20the%203%20Dec%20call"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !web.db
            .store
            .is_unsubscribed("pat@foreign.example")
            .await
            .unwrap()
    );
    let lifted = web
        .db
        .store
        .audit_entries(&sherpa_store::AuditQuery {
            entity: Some("unsubscribe".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(lifted.len(), 1);
    assert_eq!(lifted[0].actor.user_id, Some(admin.id));
    assert!(
        lifted[0]
            .after
            .as_ref()
            .unwrap()
            .to_string()
            .contains("asked on the 3 Dec call")
    );

    // A ticket or survey answer under another account's external id is not moved onto the CSM's.
    let ticket = json!({"account_id": f, "external_id": "ZD-1", "subject": "Login fails", "opened_at": "2026-11-20T10:00:00Z", "severity": "high"});
    let (status, _) = call(
        "POST",
        "/api/v1/tickets".into(),
        &admin_token,
        Some(ticket.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut grab = ticket.clone();
    grab["account_id"] = json!(o);
    grab["subject"] = json!("mine now");
    let (status, problem) = call("POST", "/api/v1/tickets".into(), &csm_token, Some(grab)).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("external_id")),
        "{problem}"
    );
    let survey = json!({"account_id": f, "external_id": "NPS-1", "kind": "nps", "score": 3, "answered_on": "2026-11-20"});
    let (status, _) = call(
        "POST",
        "/api/v1/surveys".into(),
        &admin_token,
        Some(survey.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut grab = survey.clone();
    grab["account_id"] = json!(o);
    grab["score"] = json!(10);
    let (status, problem) = call("POST", "/api/v1/surveys".into(), &csm_token, Some(grab)).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("external_id")),
        "{problem}"
    );
    let (_, tickets) = call(
        "GET",
        format!("/api/v1/tickets?account_id={f}"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(tickets["items"][0]["subject"], "Login fails");
    let (_, tickets) = call(
        "GET",
        format!("/api/v1/tickets?account_id={o}"),
        &admin_token,
        None,
    )
    .await;
    assert_eq!(tickets["items"].as_array().unwrap().len(), 0);
}
