//! One action, one outcome, whichever door it comes through: each action that both a web form
//! and an API route offer is done twice on fresh, identical books, once through each door, by
//! the same role with the same input. Both must accept it, or both refuse it with the same rule
//! in words, and leave the same stored state and the same audit entries. Runs on SQLite and on
//! PostgreSQL like the rest of the suite.

mod common;

use axum::http::StatusCode;
use common::{Answer, Web};
use serde_json::{Value, json};
use sherpa_app::PrioritisationConfig;
use sherpa_app::config::{engagement_toml, health_toml};
use sherpa_core::engagement::EngagementConfig;
use sherpa_core::health::HealthConfig;
use sherpa_core::prioritise::StaffingSettings;
use sherpa_core::prioritise::{GradingMoment, Growth};
use sherpa_core::*;
use sherpa_store::{AuditQuery, GradeInput, PrioritisationRules, TaskQuery};

/// The book each case starts from: a CSM who owns the account, another CSM, a sales rep who is
/// not its AE, a viewer, a leader, the account (B1 by the default grid: between Tier 1 and
/// Tier 2, or ungraded) with one contact, one open task of the owner's, and for the cases
/// that need it an at-risk playbook (escalated tickets turned the account red).
struct Book {
    web: Web,
    account: AccountId,
    task: TaskId,
    contact: ContactId,
    playbook: Option<i64>,
    csm: User,
    other_csm: User,
    sales: User,
    viewer: User,
    leader: User,
}

async fn book(graded: Option<(i64, i64)>, at_risk: bool) -> Book {
    let web = Web::new().await;
    let csm = web.user("ana@example.com", Role::Csm, Function::Csm).await;
    let other_csm = web.user("ben@example.com", Role::Csm, Function::Csm).await;
    let sales = web
        .user("sam@example.com", Role::Sales, Function::Sales)
        .await;
    let viewer = web
        .user("vic@example.com", Role::Viewer, Function::Csm)
        .await;
    let leader = web
        .user("lee@example.com", Role::Leader, Function::Csm)
        .await;
    let account = web
        .account("Acme", &[(OwnerFunction::Csm, csm.id)])
        .await
        .id;
    let sys = Actor::system("test");
    if let Some((potential, growth)) = graded {
        web.db
            .store
            .grade_account(
                &sys,
                account,
                &GradeInput {
                    potential: potential.into(),
                    growth: Growth::new(growth).unwrap(),
                    moment: GradingMoment::AtClose,
                    reason: "set up".into(),
                },
            )
            .await
            .unwrap();
    }
    let (task, _) = web
        .db
        .store
        .open_task(
            &sys,
            &TaskFields {
                account_id: account,
                title: "Call about the rollout".into(),
                owner_id: Some(csm.id),
                due_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 25),
                priority: Priority::Normal,
                source: TaskSource::Manual,
                reason: "set up".into(),
                dedup_key: None,
            },
        )
        .await
        .unwrap();
    let contact = web
        .db
        .store
        .save_contact(
            &sys,
            None,
            &ContactPatch {
                account: Some(Some(AccountRef::Id(account))),
                name: Some("Cleo Champion".into()),
                email: Some(Some(Email::parse("cleo@acme.example").unwrap())),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let mut playbook = None;
    if at_risk {
        // Tickets alone tell this team's health: the account has no usage to score.
        web.db.score_on_any_input().await;
        for i in 0..8 {
            let ticket = TicketFields {
                account_id: account,
                external_id: Some(format!("T-{i}")),
                subject: "down".into(),
                opened_at: "2026-11-20T09:00:00Z".parse().unwrap(),
                severity: Severity::Urgent,
                status: TicketStatus::Open,
                resolved_at: None,
                escalated: true,
                csat: None,
            };
            web.db.store.save_ticket(&sys, &ticket).await.unwrap();
            web.db.store.refresh_health(&[account]).await.unwrap();
        }
        let open = web.db.store.account_playbooks(account).await.unwrap();
        playbook = Some(open.first().expect("red opens a playbook").id);
    }
    Book {
        web,
        account,
        task: task.id,
        contact,
        playbook,
        csm,
        other_csm,
        sales,
        viewer,
        leader,
    }
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Leader,
    Csm,
    Sales,
    Viewer,
}

/// One action through both doors. Paths and values name `{account}`, `{task}` and
/// `{other_csm}`, `{viewer}`, filled in from the book.
struct Case {
    name: &'static str,
    graded: Option<(i64, i64)>,
    /// The account starts red, with an open at-risk playbook.
    at_risk: bool,
    who: Who,
    api: Call,
    form: Form,
    accepted: bool,
}

fn fill(b: &Book, s: &str) -> String {
    s.replace("{account}", &b.account.to_string())
        .replace("{task}", &b.task.to_string())
        .replace("{other_csm}", &b.other_csm.id.to_string())
        .replace("{viewer}", &b.viewer.id.to_string())
        .replace("{csm}", &b.csm.id.to_string())
        .replace("{contact}", &b.contact.to_string())
        .replace(
            "{playbook}",
            &b.playbook.map(|p| p.to_string()).unwrap_or_default(),
        )
}

fn fill_json(b: &Book, v: &Value) -> Value {
    serde_json::from_str(&fill(b, &v.to_string())).unwrap()
}

type Form = (String, Vec<(String, String)>);

fn owned(fields: Vec<(&str, &str)>) -> Vec<(String, String)> {
    fields
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
type Call = (&'static str, String, Value);

fn grade(potential: &'static str, growth: i64, growth_text: &'static str) -> (Call, Form) {
    (
        (
            "PUT",
            "/api/v1/accounts/{account}/grade".into(),
            json!({"potential_value": potential, "growth": growth, "moment": "at_close", "reason": "sized at close"}),
        ),
        (
            "/accounts/{account}/grade".into(),
            owned(vec![
                ("potential_value", potential),
                ("growth", growth_text),
                ("moment", "at_close"),
                ("reason", "sized at close"),
            ]),
        ),
    )
}

/// A tier choice: the API's body and the form's fields say the same.
fn tier(body: Value, fields: Vec<(&'static str, &'static str)>) -> (Call, Form) {
    (
        ("PUT", "/api/v1/accounts/{account}/tier".into(), body),
        ("/accounts/{account}/tier".into(), owned(fields)),
    )
}

/// An activity on the 20th of November at 10:00.
fn activity(kind: &'static str, summary: &'static str) -> (Call, Form) {
    (
        (
            "POST",
            "/api/v1/activities".into(),
            json!({"account_id": "{account}", "kind": kind, "occurred_at": "2026-11-20T10:00:00Z", "summary": summary}),
        ),
        (
            "/accounts/{account}/activities".into(),
            owned(vec![
                ("kind", kind),
                ("occurred_at", "2026-11-20T10:00"),
                ("summary", summary),
            ]),
        ),
    )
}

fn task(patch: Value, fields: Vec<(&'static str, &'static str)>) -> (Call, Form) {
    (
        ("PATCH", "/api/v1/tasks/{task}".into(), patch),
        ("/tasks/{task}".into(), owned(fields)),
    )
}

/// The prioritisation settings as the settings page sends them (every field of the form) and
/// as the API's PUT takes them, starting from the defaults with `changes` made to both: a
/// change names a form field ("grid.B1", "a_above") and its value.
fn settings(changes: &[(&str, &str)]) -> (Call, Form) {
    let defaults: Value =
        serde_json::to_value(PrioritisationConfig::from(PrioritisationRules::default())).unwrap();
    let mut fields: Vec<(String, String)> = vec![
        (
            "a_above".into(),
            defaults["grade_bounds"]["a_above"].as_str().unwrap().into(),
        ),
        (
            "b_from".into(),
            defaults["grade_bounds"]["b_from"].as_str().unwrap().into(),
        ),
        (
            "time_zone".into(),
            defaults["cadences"]["time_zone"].as_str().unwrap().into(),
        ),
    ];
    for (section, prefix) in [("tier_grid", "grid."), ("nine_box_labels", "box.")] {
        for (k, v) in defaults[section].as_object().unwrap() {
            fields.push((format!("{prefix}{k}"), v.as_str().unwrap().into()));
        }
    }
    for (k, v) in defaults["cadences"]["rules"].as_object().unwrap() {
        fields.push((format!("cadence.{k}"), v.as_str().unwrap().into()));
    }
    for (k, v) in changes {
        fields.iter_mut().find(|(f, _)| f == k).unwrap().1 = v.to_string();
    }
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).unwrap().1.clone();
    let section = |prefix: &str| -> serde_json::Map<String, Value> {
        fields
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), json!(v))))
            .collect()
    };
    let body = json!({
        "grade_bounds": {"a_above": get("a_above"), "b_from": get("b_from")},
        "tier_grid": section("grid."),
        "nine_box_labels": section("box."),
        "cadences": {"time_zone": get("time_zone"), "rules": section("cadence.")},
    });
    (
        ("PUT", "/api/v1/prioritisation".into(), body),
        ("/admin/prioritisation".into(), fields),
    )
}

/// The staffing form's CSM hours a year and share for accounts, and the same through the API.
fn staffing(hours: u32, share: u8) -> (Call, Form) {
    let plan = StaffingSettings {
        hours_per_year: hours,
        account_time_percent: share,
        ..Default::default()
    };
    (
        (
            "PUT",
            "/api/v1/prioritisation".into(),
            json!({"staffing": plan}),
        ),
        (
            "/staffing".into(),
            owned(vec![
                ("hours_per_year", &hours.to_string()),
                ("account_time_percent", &share.to_string()),
                ("basis", "tier"),
            ]),
        ),
    )
}

/// A placement in this quarter's 9-box (the form places in the current quarter).
fn place(relationship: &'static str, upsell: &'static str) -> (Call, Form) {
    let rating = |v: &str| v.parse::<i64>().map_or(json!(v), |n| json!(n));
    (
        (
            "PUT",
            "/api/v1/accounts/{account}/nine-box".into(),
            json!({"relationship": rating(relationship), "upsell": rating(upsell), "note": "champion is new"}),
        ),
        (
            "/accounts/{account}/nine-box".into(),
            owned(vec![
                ("relationship", relationship),
                ("upsell", upsell),
                ("note", "champion is new"),
            ]),
        ),
    )
}

/// A proposed schedule of moves of the CSM's accounts.
fn reassign(kind: &'static str, recipient: &'static str, target_arr: &'static str) -> (Call, Form) {
    (
        (
            "POST",
            "/api/v1/reassignments".into(),
            json!({"kind": kind, "csm": "{csm}", "recipients": [recipient], "day": "2026-12-15",
                   "target_arr": target_arr, "reason": "Ana moves to onboarding"}),
        ),
        (
            "/reassignments".into(),
            owned(vec![
                ("kind", kind),
                ("csm", "{csm}"),
                ("recipients", recipient),
                ("day", "2026-12-15"),
                ("target_arr", target_arr),
                ("reason", "Ana moves to onboarding"),
            ]),
        ),
    )
}

/// An edit of the account: the API's merge patch of one field, and the account page's form
/// with every field as the page fills it and that one changed.
fn edit(field: &'static str, value: &'static str) -> (Call, Form) {
    let mut fields = vec![
        ("name", "Acme"),
        ("domain", ""),
        ("industry", ""),
        ("country", ""),
        ("employees", ""),
        ("lifecycle", "ongoing"),
        ("customer_since", ""),
        ("owner_csm", "ana@example.com"),
    ];
    fields.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value;
    (
        (
            "PATCH",
            "/api/v1/accounts/{account}".into(),
            json!({ field: value }),
        ),
        ("/accounts/{account}".into(), owned(fields)),
    )
}

/// The CSM's pulse of the account.
fn pulse(colour: &'static str, days: i64, note: &'static str) -> (Call, Form) {
    (
        (
            "POST",
            "/api/v1/accounts/{account}/pulse".into(),
            json!({"colour": colour, "note": note, "expires_in_days": days}),
        ),
        (
            "/accounts/{account}/pulse".into(),
            owned(vec![
                ("colour", colour),
                ("note", note),
                ("days", &days.to_string()),
            ]),
        ),
    )
}

/// A milestone of the account's onboarding marked done on a day.
fn milestone(key: &'static str, on: &'static str) -> (Call, Form) {
    (
        (
            "POST",
            format!("/api/v1/accounts/{{account}}/milestones/{key}"),
            json!({ "completed_on": on }),
        ),
        (
            format!("/accounts/{{account}}/milestones/{key}"),
            owned(vec![("completed_on", on)]),
        ),
    )
}

/// The Pareto segments' cut-offs and names, from the segments page or the API.
fn pareto(shares: &'static str, names: &'static str) -> (Call, Form) {
    let list = |text: &str, f: fn(&str) -> Value| -> Vec<Value> {
        text.split(',').map(|x| f(x.trim())).collect()
    };
    let shares_json = list(shares, |x| json!(x.parse::<u8>().unwrap()));
    let names_json = list(names, |x| json!(x));
    (
        (
            "PUT",
            "/api/v1/prioritisation".into(),
            json!({"pareto": {"shares": shares_json, "names": names_json}}),
        ),
        (
            "/segments/settings".into(),
            owned(vec![("shares", shares), ("names", names)]),
        ),
    )
}

/// Applying the suggested segments to every account.
fn apply_segments() -> (Call, Form) {
    (
        ("POST", "/api/v1/segments/pareto/apply".into(), json!({})),
        ("/segments/apply".into(), Vec::new()),
    )
}

/// The health configuration with the first factor of the first scorecard weighed `weight`:
/// the API's JSON and the settings editor's TOML of the same configuration.
fn health_config(weight: f64) -> (Call, Form) {
    let mut config = HealthConfig::default();
    config.scorecards[0].factors[0].weight = weight;
    (
        (
            "PUT",
            "/api/v1/health/config".into(),
            serde_json::to_value(&config).unwrap(),
        ),
        (
            "/admin/health".into(),
            owned(vec![("text", &health_toml(&config)), ("action", "save")]),
        ),
    )
}

/// The engagement configuration with the first model's first milestone titled `title`.
fn engagement_config(title: &str) -> (Call, Form) {
    let mut config = EngagementConfig::default();
    config.models[0].milestones[0].title = title.into();
    (
        (
            "PUT",
            "/api/v1/engagement/config".into(),
            serde_json::to_value(&config).unwrap(),
        ),
        (
            "/admin/engagement".into(),
            owned(vec![
                ("text", &engagement_toml(&config)),
                ("action", "save"),
            ]),
        ),
    )
}

/// A product release recorded on the 1st of December.
fn release(name: &'static str) -> (Call, Form) {
    (
        (
            "POST",
            "/api/v1/releases".into(),
            json!({"name": name, "released_on": "2026-12-01", "notes": "SSO for everyone"}),
        ),
        (
            "/admin/engagement/releases".into(),
            owned(vec![
                ("name", name),
                ("released_on", "2026-12-01"),
                ("notes", "SSO for everyone"),
            ]),
        ),
    )
}

/// Closing the account's at-risk playbook with an outcome.
fn close_playbook(outcome: &'static str) -> (Call, Form) {
    (
        (
            "POST",
            "/api/v1/playbooks/{playbook}/close".into(),
            json!({"outcome": outcome, "note": "exec sponsor call fixed it"}),
        ),
        (
            "/accounts/{account}/playbooks/{playbook}/close".into(),
            owned(vec![
                ("outcome", outcome),
                ("note", "exec sponsor call fixed it"),
            ]),
        ),
    )
}

/// Stopping the contact's automated emails.
fn stop_emails() -> (Call, Form) {
    (
        (
            "POST",
            "/api/v1/contacts/{contact}/unsubscribe".into(),
            json!({}),
        ),
        (
            "/accounts/{account}/contacts/{contact}/emails".into(),
            owned(vec![("stop", "true")]),
        ),
    )
}

/// Issuing oneself a calendar feed of one's touches.
fn issue_feed() -> (Call, Form) {
    (
        ("POST", "/api/v1/me/calendar".into(), json!({})),
        ("/calendar".into(), Vec::new()),
    )
}

/// A case on an account that starts red with an open at-risk playbook.
fn at_risk(mut c: Case) -> Case {
    c.at_risk = true;
    c
}

fn case(
    name: &'static str,
    graded: Option<(i64, i64)>,
    who: Who,
    (api, form): (Call, Form),
    accepted: bool,
) -> Case {
    Case {
        name,
        graded,
        at_risk: false,
        who,
        api,
        form,
        accepted,
    }
}

fn cases() -> Vec<Case> {
    let b1 = Some((30_000, 1));
    let a1 = Some((250_000, 1));
    vec![
        case(
            "a leader saves a heavier health factor",
            None,
            Who::Leader,
            health_config(40.0),
            true,
        ),
        case(
            "a health factor of negative weight",
            None,
            Who::Leader,
            health_config(-1.0),
            false,
        ),
        case(
            "a leader saves an engagement milestone's new title",
            None,
            Who::Leader,
            engagement_config("Kickoff call held"),
            true,
        ),
        case(
            "an engagement milestone without a title",
            None,
            Who::Leader,
            engagement_config(" "),
            false,
        ),
        case(
            "a leader records a release",
            None,
            Who::Leader,
            release("Winter release"),
            true,
        ),
        case(
            "a release without a name",
            None,
            Who::Leader,
            release("  "),
            false,
        ),
        at_risk(case(
            "the owner closes the playbook",
            None,
            Who::Csm,
            close_playbook("recovered"),
            true,
        )),
        at_risk(case(
            "a playbook outcome nobody knows",
            None,
            Who::Csm,
            close_playbook("fixed"),
            false,
        )),
        at_risk(case(
            "a sales rep who is not the AE closes the playbook",
            None,
            Who::Sales,
            close_playbook("recovered"),
            false,
        )),
        case(
            "the owner stops a contact's emails",
            None,
            Who::Csm,
            stop_emails(),
            true,
        ),
        case(
            "a sales rep who is not the AE stops a contact's emails",
            None,
            Who::Sales,
            stop_emails(),
            false,
        ),
        case(
            "a CSM issues their calendar feed",
            None,
            Who::Csm,
            issue_feed(),
            true,
        ),
        case(
            "grade an account",
            None,
            Who::Csm,
            grade("250000", 1, "1"),
            true,
        ),
        case(
            "grade with an amount that is not one",
            None,
            Who::Csm,
            grade("12k", 1, "1"),
            false,
        ),
        case(
            "grade with a growth out of range",
            None,
            Who::Csm,
            grade("250000", 4, "4"),
            false,
        ),
        case(
            "grade an account where the sales rep is not the AE",
            None,
            Who::Sales,
            grade("250000", 1, "1"),
            false,
        ),
        case(
            "Tier 3 on a B1 with no kind given",
            b1,
            Who::Csm,
            tier(
                json!({"tier": 3, "reason": "small team"}),
                vec![("tier", "3"), ("reason", "small team")],
            ),
            false,
        ),
        case(
            "decide Tier 2 on a B1",
            b1,
            Who::Csm,
            tier(
                json!({"tier": 2, "kind": "decision", "reason": "quick call"}),
                vec![
                    ("tier", "2"),
                    ("kind", "decision"),
                    ("reason", "quick call"),
                ],
            ),
            true,
        ),
        case(
            "a CSM overrides the grid: a leader's decision",
            b1,
            Who::Csm,
            tier(
                json!({"tier": 3, "kind": "override", "reason": "strategic logo"}),
                vec![
                    ("tier", "3"),
                    ("kind", "override"),
                    ("reason", "strategic logo"),
                ],
            ),
            false,
        ),
        case(
            "a leader overrides a B1 to Tier 3",
            b1,
            Who::Leader,
            tier(
                json!({"tier": 3, "kind": "override", "reason": "strategic logo"}),
                vec![
                    ("tier", "3"),
                    ("kind", "override"),
                    ("reason", "strategic logo"),
                ],
            ),
            true,
        ),
        case(
            "decide a tier where the grid has nothing to decide",
            a1,
            Who::Csm,
            tier(
                json!({"tier": 2, "kind": "decision", "reason": "quick call"}),
                vec![
                    ("tier", "2"),
                    ("kind", "decision"),
                    ("reason", "quick call"),
                ],
            ),
            false,
        ),
        case(
            "override without a reason",
            b1,
            Who::Csm,
            tier(
                json!({"tier": 3, "kind": "override", "reason": " "}),
                vec![("tier", "3"), ("kind", "override"), ("reason", " ")],
            ),
            false,
        ),
        case(
            "back to the grid",
            b1,
            Who::Csm,
            tier(
                json!({"tier": null}),
                vec![("tier", "grid"), ("reason", "")],
            ),
            true,
        ),
        case(
            "log a call",
            None,
            Who::Csm,
            activity("call", "Walked through the rollout"),
            true,
        ),
        case(
            "log a call with nothing said of it",
            None,
            Who::Csm,
            activity("call", ""),
            false,
        ),
        case(
            "log an automated entry by hand",
            None,
            Who::Csm,
            activity("automated", "sent"),
            false,
        ),
        case(
            "log a call as a viewer",
            None,
            Who::Viewer,
            activity("call", "hello"),
            false,
        ),
        case(
            "finish a task with its outcome",
            None,
            Who::Csm,
            task(
                json!({"status": "done", "outcome": "They start on Monday"}),
                vec![("action", "done"), ("outcome", "They start on Monday")],
            ),
            true,
        ),
        case(
            "hand a task to another CSM",
            None,
            Who::Csm,
            task(
                json!({"owner_id": "{other_csm}"}),
                vec![("action", "reassign"), ("to", "{other_csm}")],
            ),
            true,
        ),
        case(
            "hand a task to a viewer",
            None,
            Who::Csm,
            task(
                json!({"owner_id": "{viewer}"}),
                vec![("action", "reassign"), ("to", "{viewer}")],
            ),
            false,
        ),
        case(
            "place an account in the 9-box",
            None,
            Who::Csm,
            place("3", "2"),
            true,
        ),
        case(
            "a relationship out of range",
            None,
            Who::Csm,
            place("4", "2"),
            false,
        ),
        case(
            "place an account the sales rep is not the AE of",
            None,
            Who::Sales,
            place("3", "2"),
            false,
        ),
        case(
            "a red pulse for a month",
            None,
            Who::Csm,
            pulse("red", 30, "their sponsor left"),
            true,
        ),
        case(
            "a pulse for longer than it may count",
            None,
            Who::Csm,
            pulse("yellow", 400, "quiet"),
            false,
        ),
        case(
            "an orange pulse",
            None,
            Who::Csm,
            pulse("orange", 30, "unsure"),
            false,
        ),
        case(
            "a pulse without a note",
            None,
            Who::Csm,
            pulse("green", 30, " "),
            false,
        ),
        case(
            "the kickoff done last week",
            None,
            Who::Csm,
            milestone("kickoff", "2026-11-16"),
            true,
        ),
        case(
            "a milestone done on a day to come",
            None,
            Who::Csm,
            milestone("kickoff", "2026-12-31"),
            false,
        ),
        case(
            "a milestone the model does not have",
            None,
            Who::Csm,
            milestone("moon_landing", "2026-11-16"),
            false,
        ),
        case(
            "set the account's industry",
            None,
            Who::Csm,
            edit("industry", "Logistics"),
            true,
        ),
        case(
            "a domain that is not one",
            None,
            Who::Csm,
            edit("domain", "not a domain"),
            false,
        ),
        case(
            "edit an account one does not own",
            None,
            Who::Sales,
            edit("industry", "Logistics"),
            false,
        ),
        case(
            "an edit that changes nothing, on an account not one's own",
            None,
            Who::Sales,
            edit("industry", ""),
            false,
        ),
        case(
            "plan a CSM's departure",
            None,
            Who::Leader,
            reassign("departure", "{other_csm}", ""),
            true,
        ),
        case(
            "a rebalance without the ARR the book keeps",
            None,
            Who::Leader,
            reassign("rebalance", "{other_csm}", ""),
            false,
        ),
        case(
            "hand the accounts to someone not on the team",
            None,
            Who::Leader,
            reassign("departure", "nobody@example.com", ""),
            false,
        ),
        case(
            "new Pareto cut-offs",
            None,
            Who::Leader,
            pareto("40, 70", "Top, Middle, Tail"),
            true,
        ),
        case(
            "Pareto cut-offs that fall",
            None,
            Who::Leader,
            pareto("75, 45", "Top, Middle, Tail"),
            false,
        ),
        case(
            "apply the segments",
            None,
            Who::Leader,
            apply_segments(),
            true,
        ),
        case(
            "a CSM applies the segments",
            None,
            Who::Csm,
            apply_segments(),
            false,
        ),
        case(
            "raise the A bound and settle B1 as Tier 2",
            None,
            Who::Leader,
            settings(&[("a_above", "60000"), ("grid.B1", "2")]),
            true,
        ),
        case(
            "a tier grid cell that is not one",
            None,
            Who::Leader,
            settings(&[("grid.B1", "4")]),
            false,
        ),
        case(
            "a CSM changes the prioritisation settings",
            None,
            Who::Csm,
            settings(&[("a_above", "60000")]),
            false,
        ),
        case(
            "fewer CSM hours for accounts",
            None,
            Who::Leader,
            staffing(1600, 60),
            true,
        ),
        case(
            "more hours than a year holds",
            None,
            Who::Leader,
            staffing(5000, 70),
            false,
        ),
    ]
}

/// What a person would compare: the account's grade and tier with their history, its timeline,
/// its tasks and the audit entries, without ids, times or the door's name.
async fn state(b: &Book) -> String {
    let store = &b.web.db.store;
    let a = store.account(b.account).await.unwrap();
    let gradings: Vec<_> = store
        .gradings(b.account)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.grade, g.moment, g.reason, g.potential))
        .collect();
    let tiers: Vec<_> = store
        .tier_changes(b.account)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.tier, c.decision_needed, c.choice, c.reason))
        .collect();
    let timeline: Vec<_> = store
        .timeline(b.account, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.fields.kind, t.fields.summary, t.fields.occurred_at))
        .collect();
    let mut tasks: Vec<_> = store
        .tasks(&TaskQuery {
            account: Some(b.account),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                t.fields.title,
                t.status,
                t.outcome,
                t.fields.owner_id,
                t.fields.due_on,
            )
        })
        .collect();
    tasks.sort_by(|x, y| x.0.cmp(&y.0));
    let audit: Vec<_> = store
        .audit_entries(&AuditQuery {
            account_id: Some(b.account),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.entity, e.actor.user_id))
        .collect();
    let rules = store.prioritisation_rules().await.unwrap();
    let milestones: Vec<_> = store
        .account_engagement(b.account)
        .await
        .unwrap()
        .milestones
        .into_iter()
        .map(|m| format!("{m:?}"))
        .collect();
    let pulse = store
        .csm_pulse(b.account)
        .await
        .unwrap()
        .map(|p| (p.colour, p.note, p.set_by, p.expires_on));
    let plans: Vec<_> = store
        .reassignments()
        .await
        .unwrap()
        .into_iter()
        .map(|p| {
            let moves: Vec<_> = p
                .moves
                .into_iter()
                .map(|m| (m.account, m.to, m.on))
                .collect();
            (p.kind, p.from, p.status, p.reason, moves)
        })
        .collect();
    let quarter = sherpa_core::prioritise::Quarter::of(store.clock().today());
    let nine_box: Vec<_> = store
        .nine_box(quarter)
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.nine_box, e.note))
        .collect();
    let playbooks: Vec<_> = store
        .account_playbooks(b.account)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.colour, p.outcome, p.note, p.closed_at.is_some()))
        .collect();
    let mut unsubscribed: Vec<_> = store
        .unsubscribed_of(b.account)
        .await
        .unwrap()
        .into_iter()
        .collect();
    unsubscribed.sort();
    let releases: Vec<_> = store
        .releases()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.released_on, r.notes))
        .collect();
    let health = store.account_health(b.account).await.unwrap().health;
    let mut feeds = Vec::new();
    for u in [&b.csm, &b.other_csm, &b.sales, &b.viewer, &b.leader] {
        feeds.push(store.calendar_feed_issued(u.id).await.unwrap().is_some());
    }
    let configs = (
        store.health_config().await.unwrap(),
        store.health_config_versions().await.unwrap().len(),
        store.engagement_config().await.unwrap(),
        store.engagement_config_versions().await.unwrap().len(),
    );
    format!(
        "feeds: {feeds:?}\nhealth: {:?} {:?}\nplaybooks: {playbooks:?}\nunsubscribed: {unsubscribed:?}\nreleases: {releases:?}\nconfigs: {configs:?}\nmilestones: {milestones:?}\npulse: {pulse:?}\naccount: {:?}\nrules: {rules:?}\nreassignments: {plans:?}\nnine-box: {nine_box:?}\npriority: {:?}\ngradings: {gradings:?}\ntier changes: {tiers:?}\ntimeline: {timeline:?}\ntasks: {tasks:?}\naudit: {audit:?}",
        health.score, health.colour, a.fields, a.priority
    )
}

fn user(b: &Book, who: Who) -> User {
    match who {
        Who::Leader => b.leader.clone(),
        Who::Csm => b.csm.clone(),
        Who::Sales => b.sales.clone(),
        Who::Viewer => b.viewer.clone(),
    }
}

/// The API's refusal in the words a page shows: "field: message".
fn reason(a: &Answer) -> String {
    let p: Value = serde_json::from_str(&a.body).unwrap();
    match p["field"].as_str() {
        Some(f) => format!("{f}: {}", p["detail"].as_str().unwrap()),
        None => p["detail"].as_str().unwrap().to_string(),
    }
}

#[tokio::test]
async fn every_action_has_one_outcome_whichever_door_it_comes_through() {
    for case in cases() {
        let api = book(case.graded, case.at_risk).await;
        let token = api.web.token(&user(&api, case.who)).await;
        let (method, path, body) = &case.api;
        let by_api = api
            .web
            .api(
                method,
                &fill(&api, path),
                Some(&token),
                Some(fill_json(&api, body)),
            )
            .await;

        let web = book(case.graded, case.at_risk).await;
        let browser = web.web.sign_in(&user(&web, case.who)).await;
        let fields: Vec<(String, String)> = case
            .form
            .1
            .iter()
            .map(|(k, v)| (k.to_string(), fill(&web, v)))
            .collect();
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let by_form = web
            .web
            .post(&fill(&web, &case.form.0), Some(&browser), &fields, true)
            .await;

        let name = case.name;
        // A settings form answers a refusal by going back to its page with the problem.
        let problem = by_form.location.split_once("problem=").map(|(_, p)| {
            form_urlencoded::parse(format!("p={p}").as_bytes())
                .next()
                .unwrap()
                .1
                .into_owned()
        });
        if case.accepted {
            assert!(
                by_api.status.is_success(),
                "{name}: the API refused: {} {}",
                by_api.status,
                by_api.body
            );
            // A form goes back to its page, or (a settings editor) shows the page saved.
            assert!(
                [StatusCode::SEE_OTHER, StatusCode::OK].contains(&by_form.status),
                "{name}: the form refused: {} {}",
                by_form.status,
                by_form.text()
            );
            assert_eq!(problem, None, "{name}: the form refused");
        } else {
            assert!(
                by_api.status.is_client_error(),
                "{name}: the API accepted: {} {}",
                by_api.status,
                by_api.body
            );
            let why = reason(&by_api);
            match problem {
                Some(p) => assert_eq!(p, why, "{name}: not the same refusal"),
                None => {
                    assert_eq!(
                        by_form.status, by_api.status,
                        "{name}: not the same refusal"
                    );
                    // The page says it in full, or beside the field the API named.
                    let beside = serde_json::from_str::<Value>(&by_api.body)
                        .ok()
                        .and_then(|p| {
                            Some(format!(
                                "data-key=\"{}\">{}</span>",
                                p["field"].as_str()?,
                                p["detail"].as_str()?
                            ))
                        });
                    assert!(
                        by_form.text().contains(&why)
                            || beside.is_some_and(|b| by_form.text().contains(&b)),
                        "{name}: the API said \"{why}\"; the form's page does not"
                    );
                }
            }
        }
        assert_eq!(
            state(&api).await,
            state(&web).await,
            "{name}: the two doors left different books"
        );
    }
}
