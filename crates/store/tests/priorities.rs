//! Grades and tiers on SQLite and PostgreSQL: grading, tier decisions and overrides, their
//! histories, and the rules an admin sets.

mod support;

use rust_decimal::Decimal;
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sherpa_store::{GradeInput, PrioritisationRules};

async fn account_with_arr(db: &support::TestDb, name: &str, arr: &str) -> AccountId {
    let id = db.account(name, &format!("EXT-{name}")).await;
    if arr != "0" {
        let patch = ContractPatch {
            account: Some(AccountRef::Id(id)),
            arr: Some(Money::parse(arr, Currency::USD).unwrap()),
            start_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            end_date: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
            ..Default::default()
        };
        db.store
            .save_contract(&Actor::system("test"), None, &patch)
            .await
            .unwrap();
    }
    id
}

fn input(potential: i64, growth: i64, moment: GradingMoment, reason: &str) -> GradeInput {
    GradeInput {
        potential: Decimal::from(potential),
        growth: Growth::new(growth).unwrap(),
        moment,
        reason: reason.into(),
    }
}

fn choice(kind: TierChoiceKind, tier: Tier, reason: &str) -> Option<TierChoice> {
    Some(TierChoice {
        kind,
        tier,
        reason: reason.into(),
    })
}

#[tokio::test]
async fn an_a1_is_tier_1_and_a_b1_waits_for_a_person_to_decide() {
    let db = support::TestDb::new().await;
    let ae = Actor {
        user_id: None,
        via: "api".into(),
    };
    let viacom = account_with_arr(&db, "Viacom", "20000").await;
    let a = db
        .store
        .grade_account(
            &ae,
            viacom,
            &input(
                250_000,
                1,
                GradingMoment::AtClose,
                "three more groups want it",
            ),
        )
        .await
        .unwrap();
    assert_eq!(a.priority.grade.unwrap().to_string(), "A1");
    assert_eq!(a.priority.tier, Some(Tier::ONE));
    assert!(!a.priority.tier_decision_needed);

    let b1 = account_with_arr(&db, "Initech", "0").await;
    let b = db
        .store
        .grade_account(&ae, b1, &input(30_000, 1, GradingMoment::AtClose, "keen"))
        .await
        .unwrap();
    assert_eq!(b.priority.grade.unwrap().to_string(), "B1");
    assert_eq!(b.priority.tier, None);
    assert!(b.priority.tier_decision_needed);
    // A decision must be one of the cell's two tiers, and says so.
    let wrong = db
        .store
        .choose_tier(
            &ae,
            b1,
            choice(TierChoiceKind::Decision, Tier::THREE, "small"),
        )
        .await
        .unwrap_err();
    assert!(
        wrong.to_string().contains("between Tier 1 and Tier 2"),
        "{wrong}"
    );
    assert!(
        db.store
            .account(b1)
            .await
            .unwrap()
            .priority
            .tier_decision_needed
    );
    let decided = db
        .store
        .choose_tier(
            &ae,
            b1,
            choice(TierChoiceKind::Decision, Tier::TWO, "quick call"),
        )
        .await
        .unwrap();
    assert_eq!(decided.priority.tier, Some(Tier::TWO));
    assert!(!decided.priority.tier_decision_needed);
    // Without a reason nothing is recorded.
    let no_reason = db
        .store
        .grade_account(&ae, b1, &input(30_000, 2, GradingMoment::First30Days, " "))
        .await
        .unwrap_err();
    assert!(no_reason.to_string().starts_with("reason"), "{no_reason}");

    let changes = db.store.tier_changes(b1).await.unwrap();
    assert_eq!(changes.len(), 2, "needs a decision, then decided");
    assert_eq!(changes[0].tier, Some(Tier::TWO));
    assert!(changes[0].reason.contains("quick call"));
    assert!(changes[1].decision_needed);
    let gradings = db.store.gradings(viacom).await.unwrap();
    assert_eq!(gradings.len(), 1);
    assert_eq!(gradings[0].moment, GradingMoment::AtClose);
    assert_eq!(gradings[0].reason, "three more groups want it");
    assert_eq!(gradings[0].arr.fixed_amount(), "20000.00");
}

#[tokio::test]
async fn what_an_account_pays_is_the_floor_and_an_override_outlasts_a_regrade() {
    let db = support::TestDb::new().await;
    let csm = Actor::system("web");
    let big = account_with_arr(&db, "Globex", "60000").await;
    let a = db
        .store
        .grade_account(
            &csm,
            big,
            &input(5_000, 3, GradingMoment::First30Days, "barriers"),
        )
        .await
        .unwrap();
    assert_eq!(
        a.priority.grade.unwrap().to_string(),
        "A3",
        "the ARR is above 50k"
    );
    let o = db
        .store
        .choose_tier(
            &csm,
            big,
            choice(TierChoiceKind::Override, Tier::ONE, "strategic logo"),
        )
        .await
        .unwrap();
    assert_eq!(o.priority.tier, Some(Tier::ONE));
    let regraded = db
        .store
        .grade_account(
            &csm,
            big,
            &input(5_000, 3, GradingMoment::StateChange, "CTO left"),
        )
        .await
        .unwrap();
    assert_eq!(regraded.priority.tier, Some(Tier::ONE));
    assert_eq!(
        regraded.priority.tier_choice.unwrap().reason,
        "strategic logo"
    );
    let cleared = db.store.choose_tier(&csm, big, None).await.unwrap();
    assert!(
        cleared.priority.tier_decision_needed,
        "A3 sits between tiers"
    );
    assert_eq!(db.store.gradings(big).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_grid_retiers_the_graded_accounts_and_bad_bounds_change_nothing() {
    let db = support::TestDb::new().await;
    let admin = Actor::system("web");
    let c1 = account_with_arr(&db, "Hooli", "0").await;
    db.store
        .grade_account(
            &admin,
            c1,
            &input(2_000, 1, GradingMoment::AtClose, "eager"),
        )
        .await
        .unwrap();
    assert_eq!(
        db.store.account(c1).await.unwrap().priority.tier,
        Some(Tier::TWO)
    );

    let mut rules = db.store.prioritisation_rules().await.unwrap();
    assert_eq!(rules, PrioritisationRules::default());
    rules
        .grid
        .set("C1".parse().unwrap(), TierCell::Tier(Tier::THREE));
    db.store
        .set_prioritisation_rules(&admin, &rules)
        .await
        .unwrap();
    assert_eq!(
        db.store.account(c1).await.unwrap().priority.tier,
        Some(Tier::THREE)
    );
    assert_eq!(db.store.prioritisation_rules().await.unwrap(), rules);
    let last = &db.store.tier_changes(c1).await.unwrap()[0];
    assert_eq!(last.reason, "the tier grid changed");

    let mut bad = rules.clone();
    bad.bounds.b_from = Decimal::from(80_000);
    let e = db
        .store
        .set_prioritisation_rules(&admin, &bad)
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("grade_bounds"), "{e}");
    assert_eq!(db.store.prioritisation_rules().await.unwrap(), rules);
}

#[tokio::test]
async fn a_new_account_gets_a_grading_task_that_its_grading_closes() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let person = |email: &str, role: Role| UserInput {
        email: Email::parse(email).unwrap(),
        name: email.into(),
        function: Function::Csm,
        role,
        manager_email: None,
        active: true,
    };
    let ae = db
        .store
        .upsert_user(&sys, &person("ae@example.com", Role::Sales), None)
        .await
        .unwrap();
    let csm = db
        .store
        .upsert_user(&sys, &person("csm@example.com", Role::Csm), None)
        .await
        .unwrap();
    let today = db.store.clock().today();
    let owners = [
        (OwnerFunction::Ae, Some(PersonRef::Id(ae.id))),
        (OwnerFunction::Csm, Some(PersonRef::Id(csm.id))),
    ];
    let create = |name: &str, since: chrono::NaiveDate| AccountPatch {
        name: Some(name.into()),
        customer_since: Some(Some(since)),
        owners: owners.iter().cloned().collect(),
        ..Default::default()
    };
    let new = db
        .store
        .create_account(&sys, &create("Fresh", today - chrono::Days::new(3)))
        .await
        .unwrap();
    db.store
        .create_account(&sys, &create("Old", today - chrono::Days::new(400)))
        .await
        .unwrap();
    assert_eq!(
        db.store.open_grading_tasks().await.unwrap(),
        1,
        "only the new account"
    );
    assert_eq!(
        db.store.open_grading_tasks().await.unwrap(),
        0,
        "one open task per rule"
    );
    let open = |who: UserId| sherpa_store::TaskQuery {
        owner: Some(who),
        status: Some(TaskStatus::Open),
        limit: 100,
        ..Default::default()
    };
    let tasks = db.store.tasks(&open(ae.id)).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].fields.title, "Grade Fresh at close");
    assert_eq!(tasks[0].fields.source, TaskSource::Grading);

    db.store
        .grade_account(
            &sys,
            new.id,
            &input(80_000, 2, GradingMoment::AtClose, "room to grow"),
        )
        .await
        .unwrap();
    // The application sweeps the account's engagement after each grading (the store only stores).
    db.store.run_engagement_for(&[new.id]).await.unwrap();
    assert!(
        db.store.tasks(&open(ae.id)).await.unwrap().is_empty(),
        "the grading closed it"
    );
    assert_eq!(db.store.open_grading_tasks().await.unwrap(), 1);
    let regrade: Vec<Task> = db
        .store
        .tasks(&open(csm.id))
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.fields.source == TaskSource::Grading)
        .collect();
    assert_eq!(
        regrade[0].fields.title,
        "Re-grade Fresh within its first 30 days"
    );
    db.store
        .grade_account(
            &sys,
            new.id,
            &input(40_000, 2, GradingMoment::First30Days, "one team only"),
        )
        .await
        .unwrap();
    let left: Vec<String> = db
        .store
        .tasks(&open(csm.id))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.fields.title)
        .collect();
    assert_eq!(
        left,
        vec!["Personal touch: Fresh"],
        "the grading closed the re-grade; the tier's cadence goes on"
    );
    assert_eq!(db.store.open_grading_tasks().await.unwrap(), 0);
}

/// A CS team grades its book at once: every grading and override lands, none is refused
/// because another person's write came in between its read and its write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_team_grading_at_once_loses_no_grading() {
    let db = support::TestDb::new().await;
    let mut accounts = Vec::new();
    for i in 0..12 {
        accounts.push(account_with_arr(&db, &format!("Acct{i}"), "20000").await);
    }
    let actor = Actor::system("test");
    let mut work = tokio::task::JoinSet::new();
    for round in 0..3 {
        for &id in &accounts {
            let store = db.store.clone();
            let actor = actor.clone();
            work.spawn(async move {
                store
                    .grade_account(
                        &actor,
                        id,
                        &input(60_000, 1 + round, GradingMoment::StateChange, "review"),
                    )
                    .await?;
                store
                    .choose_tier(
                        &actor,
                        id,
                        choice(TierChoiceKind::Override, Tier::TWO, "team call"),
                    )
                    .await
            });
        }
    }
    while let Some(done) = work.join_next().await {
        done.unwrap().expect("no grading is refused");
    }
    for &id in &accounts {
        assert_eq!(db.store.gradings(id).await.unwrap().len(), 3);
        assert_eq!(
            db.store.account(id).await.unwrap().priority.tier,
            Some(Tier::TWO)
        );
    }
}

#[tokio::test]
async fn the_leader_applies_pareto_segments_and_the_book_filters_by_them() {
    let db = support::TestDb::new().await;
    // ARR 600k, 240k, 120k, 60k, 60k: MRR 50k, 20k, 10k, 5k, 5k of 90k.
    let mut ids = Vec::new();
    for (name, arr) in [
        ("Big", "600000"),
        ("Mid", "240000"),
        ("Small", "120000"),
        ("Tail1", "60000"),
        ("Tail2", "60000"),
    ] {
        ids.push(account_with_arr(&db, name, arr).await);
    }
    let prospect = account_with_arr(&db, "Prospect", "0").await;
    let view = db.store.pareto().await.unwrap();
    assert_eq!(view.without_revenue, 1);
    assert_eq!(view.would_change, 5, "nothing applied yet");
    let counts: Vec<usize> = view.curve.segments.iter().map(|s| s.accounts).collect();
    // 50/90 = 56% reaches 45%; 70/90 = 78% reaches 75%; the rest is the tail.
    assert_eq!(counts, vec![1, 1, 3]);
    assert_eq!(view.curve.segments[1].floor_mrr, Decimal::from(20_000));

    let applied = db
        .store
        .apply_segments(&Actor::system("test"))
        .await
        .unwrap();
    assert_eq!(applied.accounts, 5);
    assert_eq!(applied.names[0], "High touch");
    assert_eq!(
        db.store
            .last_segment_application()
            .await
            .unwrap()
            .unwrap()
            .floors,
        vec![
            Decimal::from(50_000),
            Decimal::from(20_000),
            Decimal::from(5_000)
        ]
    );
    let big = db.store.account(ids[0]).await.unwrap();
    assert_eq!(big.priority.segment, Some(1));
    assert_eq!(
        db.store.account(prospect).await.unwrap().priority.segment,
        None
    );
    let tail = sherpa_store::AccountQuery {
        segment: Some(3),
        limit: 50,
        ..Default::default()
    };
    let (page, _) = db.store.accounts(&tail).await.unwrap();
    assert_eq!(page.len(), 3);
    assert_eq!(db.store.pareto().await.unwrap().would_change, 0);

    // A new large customer: the page says the applied cut is out of date until re-applied.
    account_with_arr(&db, "Newcomer", "1200000").await;
    assert!(db.store.pareto().await.unwrap().would_change >= 1);
}

#[tokio::test]
async fn the_nine_box_shows_each_accounts_move_and_the_touches_of_the_quarter() {
    let db = support::TestDb::new().await;
    let actor = Actor::system("test");
    let acme = account_with_arr(&db, "Acme", "50000").await;
    let initech = account_with_arr(&db, "Initech", "50000").await;
    let q3: Quarter = "2026-Q3".parse().unwrap();
    let q4: Quarter = "2026-Q4".parse().unwrap();
    let rescue = NineBox::new(1, 1).unwrap();
    let invest = NineBox::new(3, 3).unwrap();
    for id in [acme, initech] {
        db.store
            .place_in_nine_box(&actor, id, q3, rescue, "at risk")
            .await
            .unwrap();
    }
    let a = db
        .store
        .place_in_nine_box(&actor, acme, q4, invest, "exec sponsor won")
        .await
        .unwrap();
    assert_eq!(a.priority.nine_box, Some((q4, invest)));
    // Re-placing an older quarter does not move the account's current box.
    let a = db
        .store
        .place_in_nine_box(&actor, acme, q3, NineBox::new(2, 1).unwrap(), "fixed")
        .await
        .unwrap();
    assert_eq!(a.priority.nine_box, Some((q4, invest)));

    for (kind, day) in [
        (ActivityKind::Call, "2026-10-05T10:00:00Z"),
        (ActivityKind::Meeting, "2026-12-31T23:00:00Z"),
        (ActivityKind::Note, "2026-11-01T10:00:00Z"),
        (ActivityKind::Call, "2026-09-30T10:00:00Z"),
    ] {
        db.store
            .log_activity(
                &actor,
                &ActivityInput {
                    account: AccountRef::Id(acme),
                    external_id: None,
                    kind,
                    occurred_at: chrono::DateTime::parse_from_rfc3339(day).unwrap().to_utc(),
                    by: None,
                    attendees: vec![],
                    summary: "touch".into(),
                },
            )
            .await
            .unwrap();
    }
    let view = db.store.nine_box(q4).await.unwrap();
    assert_eq!(view.entries.len(), 1);
    let e = &view.entries[0];
    assert_eq!(
        (e.nine_box, e.before),
        (invest, Some(NineBox::new(2, 1).unwrap()))
    );
    assert_eq!(
        e.touches, 2,
        "a call and a meeting in Q4; the note and the Q3 call do not count"
    );
    assert_eq!(
        view.not_yet_placed, 1,
        "Initech was placed in Q3, not yet in Q4"
    );
    assert_eq!(view.labels.label(invest), "Heavily invest");
    let q = sherpa_store::AccountQuery {
        nine_box: Some(invest),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(db.store.accounts(&q).await.unwrap().0.len(), 1);
    // The lists sort by box: Initech's 1-1 before Acme's 3-3, both ways round.
    for (descending, first) in [(false, "Initech"), (true, "Acme")] {
        let q = sherpa_store::AccountQuery {
            sort: sherpa_store::AccountSort {
                field: sherpa_store::SortField::NineBox,
                descending,
            },
            limit: 50,
            ..Default::default()
        };
        let (page, _) = db.store.accounts(&q).await.unwrap();
        assert_eq!(page[0].fields.name, first);
    }
}

async fn log(db: &support::TestDb, id: AccountId, kind: ActivityKind, at: &str) {
    db.store
        .log_activity(
            &Actor::system("test"),
            &ActivityInput {
                account: AccountRef::Id(id),
                external_id: None,
                kind,
                occurred_at: chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc(),
                by: None,
                attendees: vec![],
                summary: "touch".into(),
            },
        )
        .await
        .unwrap();
}

async fn touch_task(db: &support::TestDb, id: AccountId) -> Option<Task> {
    let q = sherpa_store::TaskQuery {
        account: Some(id),
        limit: 50,
        ..Default::default()
    };
    db.store.tasks(&q).await.unwrap().into_iter().find(|t| {
        t.fields.dedup_key.as_deref() == Some(PERSONAL_TOUCH) && t.status == TaskStatus::Open
    })
}

#[tokio::test]
async fn a_tier_1_account_wants_a_personal_touch_every_week_and_a_call_not_a_note_gives_it() {
    let db = support::TestDb::new().await;
    let actor = Actor::system("test");
    // The clock stands on Monday 23 November 2026.
    let acme = account_with_arr(&db, "Acme", "80000").await;
    db.store
        .grade_account(
            &actor,
            acme,
            &input(250_000, 1, GradingMoment::AtClose, "big"),
        )
        .await
        .unwrap();
    // The application sweeps the account's engagement after each grading (the store only stores).
    db.store.run_engagement_for(&[acme]).await.unwrap();
    let t = touch_task(&db, acme)
        .await
        .expect("Tier 1 opens its weekly touch at once");
    assert_eq!(
        t.fields.due_on,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
    );
    assert_eq!(t.fields.source, TaskSource::Cadence);
    assert_eq!(t.fields.title, "Personal touch: Acme");
    assert!(
        t.fields
            .reason
            .contains("Tier 1 accounts get a personal touch weekly (their tier's cadence)"),
        "{}",
        t.fields.reason
    );
    log(&db, acme, ActivityKind::Note, "2026-11-24T10:00:00Z").await;
    assert!(
        touch_task(&db, acme).await.is_some(),
        "a note is not a touch"
    );
    log(&db, acme, ActivityKind::Call, "2026-11-24T11:00:00Z").await;
    assert!(touch_task(&db, acme).await.is_none(), "the call answers it");
    assert_eq!(
        db.store.run_engagement().await.unwrap().tasks_opened,
        0,
        "this week is done"
    );

    // The next week has no touch: the engine opens one, and after its Sunday it is overdue.
    db.clock.advance(chrono::Duration::days(8));
    assert_eq!(db.store.run_engagement().await.unwrap().tasks_opened, 1);
    assert_eq!(
        db.store.run_engagement().await.unwrap().tasks_opened,
        0,
        "one open at a time"
    );
    assert!(db.store.overdue_touches().await.unwrap().is_empty());
    db.clock.advance(chrono::Duration::days(7));
    let overdue = db.store.overdue_touches().await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        (overdue[0].count, overdue[0].oldest_due.to_string()),
        (1, "2026-12-06".to_string())
    );
    // An old call imported late does not answer this week's touch.
    log(&db, acme, ActivityKind::Meeting, "2026-10-01T10:00:00Z").await;
    assert!(touch_task(&db, acme).await.is_some());
}

#[tokio::test]
async fn a_touch_missed_for_weeks_is_overdue_since_the_first_week_without_one() {
    let db = support::TestDb::new().await;
    let actor = Actor::system("test");
    // Tiered on Monday 23 November 2026, after ten months as a customer.
    let acme = account_with_arr(&db, "Acme", "80000").await;
    db.store
        .grade_account(
            &actor,
            acme,
            &input(250_000, 1, GradingMoment::AtClose, "big"),
        )
        .await
        .unwrap();
    // Nobody swept or touched it for five weeks (a book imported, a server down).
    db.clock.advance(chrono::Duration::days(35));
    db.store.run_engagement().await.unwrap();
    let t = touch_task(&db, acme).await.expect("a touch is due");
    assert_eq!(
        t.fields.due_on,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 29),
        "due since its first week in Tier 1, not since it became a customer"
    );
    let overdue = db.store.overdue_touches().await.unwrap();
    assert_eq!(
        (overdue[0].count, overdue[0].oldest_due.to_string()),
        (1, "2026-11-29".to_string())
    );
    // A call answers it; the next week without one is the next due.
    log(&db, acme, ActivityKind::Call, "2026-12-28T10:00:00Z").await;
    assert!(touch_task(&db, acme).await.is_none());
    assert!(db.store.overdue_touches().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_cadence_is_refused_by_name_and_changes_nothing() {
    let db = support::TestDb::new().await;
    let mut rules = db.store.prioritisation_rules().await.unwrap();
    rules
        .cadences
        .rules
        .insert("2".into(), "FREQ=FORTNIGHTLY".into());
    let e = db
        .store
        .set_prioritisation_rules(&Actor::system("test"), &rules)
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("cadences.rules.2"), "{e}");
    assert_eq!(
        db.store.prioritisation_rules().await.unwrap().cadences,
        CadenceSettings::default()
    );
}

#[tokio::test]
async fn a_calendar_feed_secret_is_kept_hashed_and_a_new_one_retires_the_old() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let user = db.csm("csm@example.com", "Casey").await;
    let first = db.store.issue_calendar_feed(&sys, user.id).await.unwrap();
    assert_eq!(
        db.store
            .calendar_feed_owner(&first.secret)
            .await
            .unwrap()
            .unwrap()
            .id,
        user.id
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM calendar_feeds")
        .fetch_all(db.store.pool())
        .await
        .unwrap();
    assert!(
        stored.iter().all(|h| !h.contains(&first.secret[11..])),
        "only a hash is kept"
    );
    let second = db.store.issue_calendar_feed(&sys, user.id).await.unwrap();
    assert!(
        db.store
            .calendar_feed_owner(&first.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.store
            .calendar_feed_owner(&second.secret)
            .await
            .unwrap()
            .is_some()
    );
    assert!(db.store.revoke_calendar_feed(&sys, user.id).await.unwrap());
    assert!(
        db.store
            .calendar_feed_owner(&second.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.store
            .calendar_feed_issued(user.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_moved_arr_prompts_a_regrade_that_the_state_change_grading_answers() {
    let db = support::TestDb::new().await;
    let actor = Actor::system("test");
    let acme = account_with_arr(&db, "Acme", "100000").await;
    db.store
        .grade_account(
            &actor,
            acme,
            &input(300_000, 1, GradingMoment::First30Days, "room"),
        )
        .await
        .unwrap();
    assert_eq!(
        db.store.open_regrade_prompts().await.unwrap(),
        0,
        "nothing moved"
    );
    let upsell = ContractPatch {
        account: Some(AccountRef::Id(acme)),
        arr: Some(Money::parse("30000", Currency::USD).unwrap()),
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
        end_date: chrono::NaiveDate::from_ymd_opt(2027, 5, 31),
        ..Default::default()
    };
    db.store.save_contract(&actor, None, &upsell).await.unwrap();
    assert_eq!(db.store.open_regrade_prompts().await.unwrap(), 1);
    assert_eq!(
        db.store.open_regrade_prompts().await.unwrap(),
        0,
        "one prompt open at a time"
    );
    let prompt = |db: &support::TestDb| {
        let store = db.store.clone();
        async move {
            let q = sherpa_store::TaskQuery {
                account: Some(acme),
                status: Some(TaskStatus::Open),
                limit: 50,
                ..Default::default()
            };
            store
                .tasks(&q)
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.fields.dedup_key.as_deref() == Some(REGRADE_STATE_CHANGE))
        }
    };
    let t = prompt(&db).await.expect("open");
    assert!(t.fields.reason.contains("ARR +30%"), "{}", t.fields.reason);
    db.store
        .grade_account(
            &actor,
            acme,
            &input(300_000, 1, GradingMoment::StateChange, "upsold"),
        )
        .await
        .unwrap();
    assert!(prompt(&db).await.is_none(), "the re-grade answered it");
    assert_eq!(
        db.store.open_regrade_prompts().await.unwrap(),
        0,
        "graded at the new ARR"
    );
}

#[tokio::test]
async fn a_departing_csms_accounts_move_on_the_day_after_the_leader_approves() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let person = |email: &str| UserInput {
        email: Email::parse(email).unwrap(),
        name: email.into(),
        function: Function::Csm,
        role: Role::Csm,
        manager_email: None,
        active: true,
    };
    let leaving = db
        .store
        .upsert_user(&sys, &person("leaving@example.com"), None)
        .await
        .unwrap();
    let a = db
        .store
        .upsert_user(&sys, &person("a@example.com"), None)
        .await
        .unwrap();
    let b = db
        .store
        .upsert_user(&sys, &person("b@example.com"), None)
        .await
        .unwrap();
    let mut accounts = Vec::new();
    for (name, arr) in [("One", "90000"), ("Two", "60000"), ("Three", "40000")] {
        let id = account_with_arr(&db, name, arr).await;
        let patch = AccountPatch {
            owners: std::collections::BTreeMap::from([(
                OwnerFunction::Csm,
                Some(PersonRef::Id(leaving.id)),
            )]),
            ..Default::default()
        };
        db.store.update_account(&sys, id, &patch).await.unwrap();
        accounts.push(id);
    }
    let today = db.clock.today();
    let request = sherpa_store::ReassignmentRequest {
        kind: ReassignmentKind::Departure,
        from: leaving.id,
        recipients: vec![a.id, b.id],
        day: today + chrono::Days::new(7),
        target_arr: Decimal::ZERO,
        reason: "leaves for a sabbatical".into(),
    };
    let plan = db.store.propose_reassignment(&sys, &request).await.unwrap();
    assert_eq!((plan.status.as_str(), plan.moves.len()), ("proposed", 3));
    let given = sherpa_store::received(&plan);
    assert_eq!(given[&a.id].1, Decimal::from(90_000), "the largest alone");
    assert_eq!(given[&b.id], (2, Decimal::from(100_000)));
    assert_eq!(
        db.store.make_due_moves().await.unwrap(),
        0,
        "not approved yet"
    );

    db.store.approve_reassignment(&sys, plan.id).await.unwrap();
    assert!(
        db.store.approve_reassignment(&sys, plan.id).await.is_err(),
        "approved once"
    );
    assert_eq!(
        db.store.make_due_moves().await.unwrap(),
        0,
        "not the day yet"
    );
    // Meanwhile a leader hands one account to someone else by hand: that move is skipped.
    let by_hand = AccountPatch {
        owners: std::collections::BTreeMap::from([(OwnerFunction::Csm, Some(PersonRef::Id(a.id)))]),
        ..Default::default()
    };
    db.store
        .update_account(&sys, accounts[2], &by_hand)
        .await
        .unwrap();
    db.clock.advance(chrono::Duration::days(7));
    assert_eq!(db.store.make_due_moves().await.unwrap(), 2);
    assert_eq!(
        db.store
            .account(accounts[0])
            .await
            .unwrap()
            .fields
            .owners
            .csm,
        Some(a.id)
    );
    assert_eq!(
        db.store
            .account(accounts[1])
            .await
            .unwrap()
            .fields
            .owners
            .csm,
        Some(b.id)
    );
    let after = db.store.reassignment(plan.id).await.unwrap();
    let statuses: Vec<&str> = after.moves.iter().map(|m| m.status.as_str()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "done").count(), 2);
    assert!(statuses.contains(&"skipped"));

    let bad = sherpa_store::ReassignmentRequest {
        recipients: vec![],
        ..request
    };
    let e = db.store.propose_reassignment(&sys, &bad).await.unwrap_err();
    assert!(e.to_string().contains("recipients"), "{e}");
}
