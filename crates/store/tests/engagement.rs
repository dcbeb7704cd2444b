//! The engagement engine in the book: a Tier 2 account through a whole contract year, each
//! moment firing once, and two servers sweeping together.

mod support;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use sherpa_core::engagement::*;
use sherpa_core::*;
use sherpa_store::TaskQuery;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

async fn person(db: &support::TestDb, email: &str, function: Function) -> User {
    db.store
        .upsert_user(
            &Actor::system("test"),
            &UserInput {
                email: Email::parse(email).unwrap(),
                name: email.split('@').next().unwrap().into(),
                function,
                role: Role::Csm,
                manager_email: None,
                active: true,
            },
            None,
        )
        .await
        .unwrap()
}

/// The default models with every account following "Tier 2: retention".
fn everyone_tier_2() -> EngagementConfig {
    let mut c = default_engagement();
    c.rules.retain(|r| r.when == Default::default());
    c.rules[0].then = "Tier 2: retention".into();
    c
}

fn at(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(6, 0, 0).unwrap())
}

/// "Acme" with these owners and a year's term of $24,000 from `start`.
async fn acme_with_a_term(
    db: &support::TestDb,
    owners: Vec<(OwnerFunction, Option<PersonRef>)>,
    start: NaiveDate,
) -> AccountId {
    account_with_a_term(db, "Acme", owners, start, start + Days::new(364)).await
}

/// An account with these owners and a term of $24,000 from `start` to `end`.
async fn account_with_a_term(
    db: &support::TestDb,
    name: &str,
    owners: Vec<(OwnerFunction, Option<PersonRef>)>,
    start: NaiveDate,
    end: NaiveDate,
) -> AccountId {
    let sys = Actor::system("test");
    let id = db
        .store
        .create_account(
            &sys,
            &AccountPatch {
                name: Some(name.into()),
                owners: owners.into_iter().collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    db.store
        .save_contract(
            &sys,
            None,
            &ContractPatch {
                account: Some(AccountRef::Id(id)),
                arr: Some(Money::parse("24000", Currency::USD).unwrap()),
                start_date: Some(start),
                end_date: Some(end),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn a_tier_2_account_gets_every_plan_task_once_on_its_day_for_the_right_owner() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let start = d("2026-01-15");
    db.clock.set(at(start));
    db.store
        .set_engagement_config(&sys, &everyone_tier_2())
        .await
        .unwrap();
    let csm = person(&db, "casey@example.com", Function::Csm).await;
    let ae = person(&db, "alex@example.com", Function::Sales).await;
    let cd = person(&db, "dana@example.com", Function::CustomerDevelopment).await;
    let owners = [
        (OwnerFunction::Csm, Some(PersonRef::Id(csm.id))),
        (OwnerFunction::Ae, Some(PersonRef::Id(ae.id))),
        (
            OwnerFunction::CustomerDevelopment,
            Some(PersonRef::Id(cd.id)),
        ),
    ];
    let acme = acme_with_a_term(&db, owners.to_vec(), start).await;

    let activity = |kind, day: NaiveDate| ActivityInput {
        account: AccountRef::Id(acme),
        external_id: None,
        kind,
        occurred_at: at(day),
        by: None,
        attendees: vec![],
        summary: String::new(),
    };
    // A year of days, the engine sweeping each morning, the customer living its year.
    for n in 0..365u64 {
        let day = start + Days::new(n);
        db.clock.set(at(day));
        match n {
            3 => {
                db.store
                    .log_activity(&sys, &activity(ActivityKind::Kickoff, day))
                    .await
                    .unwrap();
            }
            20 => {
                db.store
                    .log_activity(&sys, &activity(ActivityKind::Training, day))
                    .await
                    .unwrap();
            }
            58 => db
                .store
                .complete_milestone(&sys, acme, "first_metrics_review", day)
                .await
                .unwrap(),
            85 => db
                .store
                .complete_milestone(&sys, acme, "self_sufficiency", day)
                .await
                .unwrap(),
            146 => {
                db.store
                    .save_survey(
                        &sys,
                        &SurveyFields {
                            account_id: acme,
                            contact_id: None,
                            external_id: Some("S-1".into()),
                            kind: SurveyKind::Nps,
                            score: Some(4),
                            intent: None,
                            comment: Some("slow reports".into()),
                            answered_on: day,
                        },
                    )
                    .await
                    .unwrap();
            }
            200 => {
                db.store
                    .save_ticket(
                        &sys,
                        &support::urgent_ticket(acme, 1, &at(day).to_rfc3339()),
                    )
                    .await
                    .unwrap();
            }
            _ => {}
        }
        db.store.run_engagement().await.unwrap();
        // A second sweep the same day (another server, a restart) fires nothing new.
        let again = db.store.run_engagement().await.unwrap();
        assert_eq!(again.fired, 0, "day {day}");
    }

    let tasks = db
        .store
        .tasks(&TaskQuery {
            account: Some(acme),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut got: Vec<(String, NaiveDate, Option<UserId>)> = tasks
        .iter()
        .filter(|t| t.fields.source == TaskSource::Engagement)
        .map(|t| {
            let moment = t.fields.dedup_key.clone().unwrap();
            (moment, t.created_at.date_naive(), t.fields.owner_id)
        })
        .collect();
    got.sort_by_key(|g| g.1);
    let want = [
        ("sales_kickoff", "2026-01-15", ae.id),
        // No login by day 7, three days' grace: late on day 11.
        ("late_access_activated", "2026-01-26", csm.id),
        ("customer_development_intro", "2026-02-14", cd.id),
        // First value was expected on day 45.
        ("late_first_value", "2026-03-05", csm.id),
        ("q2_success_check_in", "2026-04-16", cd.id),
        ("poor_survey", "2026-06-10", csm.id),
        // Six months before the term ends, the CSM's first renewal checkpoint.
        ("renewal_checkpoint_6m", "2026-07-16", csm.id),
        ("sales_reintroduction", "2026-07-16", ae.id),
        ("high_severity_ticket", "2026-08-03", csm.id),
        // Three months out: the checkpoint, and with no call made, Customer Development.
        ("renewal_checkpoint_3m", "2026-10-15", csm.id),
        ("renewal_without_call", "2026-10-15", cd.id),
        ("renewal_60", "2026-11-15", csm.id),
    ];
    let want: Vec<(String, NaiveDate, Option<UserId>)> = want
        .iter()
        .map(|(m, day, who)| (format!("engagement:{m}"), d(day), Some(*who)))
        .collect();
    assert_eq!(got, want);

    // The kickoff and the training completed their milestones; what they waited for says so.
    let e = db.store.account_engagement(acme).await.unwrap();
    assert_eq!(e.model, "Tier 2: retention");
    assert_eq!(e.why, "rule 1: every account");
    let m = |key: &str| e.milestones.iter().find(|m| m.key == key).unwrap();
    assert_eq!(m("kickoff").completed.as_ref().unwrap().on, d("2026-01-18"));
    assert_eq!(m("kickoff").expected_on, d("2026-01-29"));
    assert_eq!(
        m("initial_training").completed.as_ref().unwrap().how,
        "training logged"
    );
    assert!(m("access_activated").completed.is_none());
    assert!(e.onboarded);
    // Seed 002's analytics: the days between the milestones it reached, in its model's order.
    let a = db.store.onboarding_analytics().await.unwrap();
    let steps: Vec<(&str, &str, f64)> = a
        .steps
        .iter()
        .map(|s| (s.from.as_str(), s.to.as_str(), s.median_days))
        .collect();
    assert_eq!(
        steps,
        [
            ("contract_start", "kickoff", 3.0),
            ("kickoff", "initial_training", 17.0),
            ("initial_training", "first_metrics_review", 38.0),
            ("first_metrics_review", "self_sufficiency", 27.0),
        ]
    );
    assert!(a.slowest.is_none(), "one account is no systemic delay");
    assert_eq!(a.cohorts[0].cohort, "2026-Q1");

    let late = tasks
        .iter()
        .find(|t| t.fields.dedup_key.as_deref() == Some("engagement:late_access_activated"))
        .unwrap();
    assert_eq!(
        late.fields.title,
        "Late: Access activated (first login): Acme"
    );
    assert!(
        late.fields.reason.contains(
            "\"Access activated (first login)\" was expected by 2026-01-22 (day 7 of onboarding) \
             and is 4 days late; waiting for the first login"
        ),
        "{}",
        late.fields.reason
    );
}

#[tokio::test]
async fn two_servers_sweeping_the_same_book_fire_each_moment_once() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let start = d("2026-03-02");
    db.clock.set(at(start));
    db.store
        .set_engagement_config(&sys, &everyone_tier_2())
        .await
        .unwrap();
    for i in 0..40 {
        let id = db.account(&format!("Co {i}"), &format!("C-{i}")).await;
        db.store
            .save_contract(
                &sys,
                None,
                &ContractPatch {
                    account: Some(AccountRef::Id(id)),
                    arr: Some(Money::parse("6000", Currency::USD).unwrap()),
                    start_date: Some(start),
                    end_date: Some(d("2027-03-01")),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let other = db.second_server().await;
    let (a, b) = tokio::join!(db.store.run_engagement(), other.run_engagement());
    let (a, b) = (a.unwrap(), b.unwrap());
    // Day 0 of Tier 2: Sales joins the kickoff, once per account.
    assert_eq!(a.fired + b.fired, 40, "{a:?} {b:?}");
    assert_eq!(a.tasks_opened + b.tasks_opened, 40);
    let tasks = db
        .store
        .tasks(&TaskQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        tasks
            .iter()
            .filter(|t| t.fields.dedup_key.as_deref() == Some("engagement:sales_kickoff"))
            .count(),
        40
    );
}

#[tokio::test]
async fn a_bad_engagement_configuration_names_its_key_and_changes_nothing() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let mut bad = default_engagement();
    bad.models[1].moments[0].when = Trigger::Every("FREQ=HOURLY".into());
    let err = db
        .store
        .set_engagement_config(&sys, &bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("models[1].moments[0].when"), "{err}");
    assert!(
        db.store
            .engagement_config_versions()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.store.engagement_config().await.unwrap(),
        default_engagement()
    );
}

#[tokio::test]
async fn a_task_closed_long_ago_is_archived_not_deleted() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "A-1").await;
    let open = |title: &str| TaskFields {
        account_id: acme,
        title: title.into(),
        owner_id: None,
        due_on: None,
        priority: Priority::Normal,
        source: TaskSource::Manual,
        reason: "test".into(),
        dedup_key: None,
    };
    let (old, _) = db.store.open_task(&sys, &open("Old call")).await.unwrap();
    let (still, _) = db.store.open_task(&sys, &open("Still open")).await.unwrap();
    db.store
        .update_task(
            &sys,
            old.id,
            &TaskChange {
                status: Some(TaskStatus::Done),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let list = |archived| TaskQuery {
        account: Some(acme),
        archived,
        limit: 100,
        ..Default::default()
    };
    db.clock.advance(chrono::Duration::days(89));
    assert_eq!(
        db.store.archive_tasks().await.unwrap(),
        0,
        "closed 89 days ago"
    );
    db.clock.advance(chrono::Duration::days(2));
    assert_eq!(db.store.archive_tasks().await.unwrap(), 1);
    let ids = |ts: Vec<Task>| ts.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(
        ids(db.store.tasks(&list(false)).await.unwrap()),
        vec![still.id]
    );
    assert_eq!(
        ids(db.store.tasks(&list(true)).await.unwrap()),
        vec![old.id, still.id]
    );
    assert_eq!(
        db.store.task(old.id).await.unwrap().status,
        TaskStatus::Done
    );
}

/// A new tier 2 customer onboarding from 2026-01-15 under the default model, with its CSM.
async fn onboarding_customer() -> (support::TestDb, User, AccountId, NaiveDate) {
    let db = support::TestDb::new().await;
    let start = d("2026-01-15");
    db.clock.set(at(start));
    db.store
        .set_engagement_config(&Actor::system("test"), &everyone_tier_2())
        .await
        .unwrap();
    let csm = person(&db, "casey@example.com", Function::Csm).await;
    let acme = acme_with_a_term(
        &db,
        vec![(OwnerFunction::Csm, Some(PersonRef::Id(csm.id)))],
        start,
    )
    .await;
    (db, csm, acme, start)
}

/// The account's task opened for `key`.
async fn task_by_key(db: &support::TestDb, account: AccountId, key: &str) -> Task {
    let all = TaskQuery {
        account: Some(account),
        limit: 100,
        ..Default::default()
    };
    db.store
        .tasks(&all)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.fields.dedup_key.as_deref() == Some(key))
        .expect("the task")
}

#[tokio::test]
async fn a_late_milestone_escalation_closes_when_the_milestone_is_done() {
    let (db, _csm, acme, start) = onboarding_customer().await;
    let sys = Actor::system("test");
    // No login by day 7, three days' grace: the escalation opens on day 11.
    let day = start + Days::new(11);
    db.clock.set(at(day));
    db.store.run_engagement().await.unwrap();
    let escalation = || task_by_key(&db, acme, "engagement:late_access_activated");
    let open = escalation().await;
    assert_eq!(open.status, TaskStatus::Open);

    db.store
        .complete_milestone(&sys, acme, "access_activated", day)
        .await
        .unwrap();
    let closed = escalation().await;
    assert_eq!(closed.status, TaskStatus::Done, "nothing is late any more");
    assert_eq!(
        closed.outcome.as_deref(),
        Some("milestone access_activated done")
    );
    // The next sweep does not open it again.
    db.store.run_engagement().await.unwrap();
    let all = TaskQuery {
        account: Some(acme),
        limit: 100,
        ..Default::default()
    };
    let again = db.store.tasks(&all).await.unwrap();
    assert_eq!(
        again
            .iter()
            .filter(|t| t.fields.dedup_key.as_deref() == Some("engagement:late_access_activated"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_late_milestone_the_sweep_finds_done_closes_its_escalation() {
    let (db, csm, acme, start) = onboarding_customer().await;
    let sys = Actor::system("test");
    // No kickoff by day 14, three days' grace: the escalation opens on day 18.
    let day = start + Days::new(18);
    db.clock.set(at(day));
    db.store.run_engagement().await.unwrap();
    let late = || task_by_key(&db, acme, "engagement:late_kickoff");
    assert_eq!(late().await.status, TaskStatus::Open);

    // The kickoff happens and is logged; the next sweep sees it, records the milestone and
    // closes the escalation.
    db.store
        .log_activity(
            &sys,
            &ActivityInput {
                account: AccountRef::Id(acme),
                external_id: None,
                kind: ActivityKind::Kickoff,
                occurred_at: at(day),
                by: Some(PersonRef::Id(csm.id)),
                attendees: Vec::new(),
                summary: "kickoff".into(),
            },
        )
        .await
        .unwrap();
    db.store.run_engagement().await.unwrap();
    let closed = late().await;
    assert_eq!(closed.status, TaskStatus::Done, "nothing is late any more");
    assert_eq!(closed.outcome.as_deref(), Some("milestone kickoff done"));
}

#[tokio::test]
async fn onboarding_tasks_belong_to_accounts_in_onboarding() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let start = d("2026-01-15");
    db.clock.set(at(start));
    db.store
        .set_engagement_config(&sys, &everyone_tier_2())
        .await
        .unwrap();
    let csm = person(&db, "casey@example.com", Function::Csm).await;
    let owners = vec![(OwnerFunction::Csm, Some(PersonRef::Id(csm.id)))];
    let acme = acme_with_a_term(&db, owners.clone(), start).await;
    // Self-sufficiency is expected by day 90: its escalation opens on day 94.
    let day = start + Days::new(94);
    db.clock.set(at(day));
    db.store.run_engagement().await.unwrap();
    let late = |account: AccountId| {
        let db = &db;
        async move {
            db.store
                .tasks(&TaskQuery {
                    account: Some(account),
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .filter(|t| {
                    t.fields
                        .dedup_key
                        .as_deref()
                        .is_some_and(|k| k.starts_with("engagement:late_"))
                })
                .collect::<Vec<_>>()
        }
    };
    let open = late(acme).await;
    assert!(
        open.iter().any(|t| t.status == TaskStatus::Open),
        "during onboarding a late milestone escalates"
    );
    let e = db.store.account_engagement(acme).await.unwrap();
    assert!(e.in_onboarding());
    let sufficiency = e
        .milestones
        .iter()
        .find(|m| m.key == "self_sufficiency")
        .unwrap();
    assert_eq!(e.days_late(sufficiency, day), Some(4));

    // Once the onboarding is over its escalations close, and its gaps are history.
    let after = start + Days::new(102);
    db.clock.set(at(after));
    db.store.run_engagement().await.unwrap();
    let closed = late(acme).await;
    assert!(closed.iter().all(|t| t.status == TaskStatus::Done));
    assert!(
        closed
            .iter()
            .all(|t| t.outcome.as_deref() == Some("onboarding is over"))
    );
    let e = db.store.account_engagement(acme).await.unwrap();
    assert!(!e.in_onboarding());
    assert!(e.milestones.iter().all(|m| e.days_late(m, after).is_none()));

    // A customer of two years, imported today, has no onboarding debt.
    let mature = account_with_a_term(
        &db,
        "Mature",
        owners,
        after - Days::new(2 * 365),
        after + Days::new(60),
    )
    .await;
    db.store.run_engagement().await.unwrap();
    assert!(late(mature).await.is_empty());
    let e = db.store.account_engagement(mature).await.unwrap();
    assert!(!e.in_onboarding());
}

#[tokio::test]
async fn a_logged_business_review_answers_the_quarters_qbr_task() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let start = d("2026-01-15");
    db.clock.set(at(start));
    let mut everyone_tier_1 = default_engagement();
    everyone_tier_1
        .rules
        .retain(|r| r.when == Default::default());
    everyone_tier_1.rules[0].then = "Tier 1: growth".into();
    db.store
        .set_engagement_config(&sys, &everyone_tier_1)
        .await
        .unwrap();
    let csm = person(&db, "casey@example.com", Function::Csm).await;
    let acme = acme_with_a_term(
        &db,
        vec![(OwnerFunction::Csm, Some(PersonRef::Id(csm.id)))],
        start,
    )
    .await;
    let qbrs = || async {
        db.store
            .tasks(&TaskQuery {
                account: Some(acme),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.fields.dedup_key.as_deref() == Some("engagement:qbr"))
            .collect::<Vec<_>>()
    };
    // Past onboarding, the last day of the fourth quarter: its review has come.
    let day = d("2026-12-31");
    db.clock.set(at(day));
    db.store.run_engagement().await.unwrap();
    let open = qbrs().await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].status, TaskStatus::Open);

    let review = ActivityInput {
        account: AccountRef::Id(acme),
        external_id: None,
        kind: ActivityKind::Qbr,
        occurred_at: at(day),
        by: Some(PersonRef::Id(csm.id)),
        attendees: vec![],
        summary: "Q4 review with the sponsor".into(),
    };
    db.store.log_activity(&sys, &review).await.unwrap();
    let answered = qbrs().await;
    assert_eq!(answered[0].status, TaskStatus::Done);
    assert_eq!(
        answered[0].outcome.as_deref(),
        Some("answered: qbr on 2026-12-31")
    );
    // The next quarter's review comes in its turn, once.
    db.clock.set(at(d("2027-03-31")));
    db.store.run_engagement().await.unwrap();
    let next = qbrs().await;
    assert_eq!(next.len(), 2);
    assert_eq!(
        next.iter().filter(|t| t.status == TaskStatus::Open).count(),
        1
    );
}
