//! Low-touch automation in the book: a moment's email and webhook written as send records when
//! it fires (once), to the right contacts, claimed by one sender at a time, retried with the
//! same Message-ID after an interrupted attempt, given up visibly, and on the timeline.

mod support;

use chrono::NaiveDate;
use sherpa_core::engagement::*;
use sherpa_core::*;
use sherpa_store::{LEASE, MAX_ATTEMPTS, SendQuery, Store};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Everyone follows one model whose day-3 moment emails champions and posts a webhook.
fn welcome(live: bool, body: &str) -> EngagementConfig {
    let mut c = default_engagement();
    c.rules.retain(|r| r.when == Default::default());
    c.rules[0].then = "Tier 3: automated".into();
    let m = c
        .models
        .iter_mut()
        .find(|m| m.name == "Tier 3: automated")
        .unwrap();
    m.moments.retain(|m| m.email.is_none());
    m.moments.push(Moment {
        key: "welcome".into(),
        title: "Welcome".into(),
        owner: OwnerFunction::Csm,
        objective: "A good start".into(),
        when: Trigger::CustomerDay(3),
        due_in_days: 0,
        priority: Priority::Low,
        task: false,
        email: Some(EmailAction {
            to: vec![RelationshipRole::Champion],
            subject: "Welcome, {{ contact.first_name }}".into(),
            body: body.into(),
            live,
        }),
        webhook: Some(WebhookAction {
            url: Some("http://127.0.0.1:9/hooks/secret-path".into()),
            url_env: None,
            secret_env: Some("HOOK_SIGNING_SECRET".into()),
            slack: true,
            text: None,
            live,
        }),
        answered_by: Vec::new(),
    });
    c
}

async fn contact(
    db: &support::TestDb,
    account: AccountId,
    name: &str,
    email: &str,
    roles: Vec<RelationshipRole>,
    departed: Option<NaiveDate>,
) {
    db.store
        .save_contact(
            &Actor::system("test"),
            None,
            &ContactPatch {
                account: Some(Some(AccountRef::Id(account))),
                name: Some(name.into()),
                email: Some(Some(Email::parse(email).unwrap())),
                roles: Some(roles),
                departed_on: Some(departed),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// A customer whose contract started three days ago, with a champion, an unsubscribed
/// champion, a departed champion and an admin.
async fn customer(db: &support::TestDb, config: &EngagementConfig) -> AccountId {
    let sys = Actor::system("test");
    db.store.set_engagement_config(&sys, config).await.unwrap();
    let acme = db.account("Acme", "ACME").await;
    db.store
        .save_contract(
            &sys,
            None,
            &ContractPatch {
                account: Some(AccountRef::Id(acme)),
                arr: Some(Money::parse("6000", Currency::USD).unwrap()),
                start_date: Some(d("2026-11-20")),
                end_date: Some(d("2027-11-19")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    use RelationshipRole::*;
    contact(db, acme, "Jane Doe", "jane@acme.test", vec![Champion], None).await;
    contact(db, acme, "Olaf Out", "olaf@acme.test", vec![Champion], None).await;
    contact(
        db,
        acme,
        "Gone Person",
        "gone@acme.test",
        vec![Champion],
        Some(d("2026-10-01")),
    )
    .await;
    contact(db, acme, "Ada Admin", "ada@acme.test", vec![Admin], None).await;
    acme
}

async fn all(store: &Store) -> Vec<sherpa_store::Send> {
    store
        .sends(&SendQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_moment_writes_its_sends_once_to_the_right_contacts_and_respects_unsubscribes() {
    let db = support::TestDb::new().await;
    let acme = customer(
        &db,
        &welcome(
            true,
            "Hi {{ contact.first_name }} of {{ account.name }}. Stop: {{ unsubscribe_url }}",
        ),
    )
    .await;
    assert!(!db.store.is_unsubscribed("olaf@acme.test").await.unwrap());
    db.store
        .stop_emails("Olaf@Acme.test", "asked on a call")
        .await
        .unwrap();
    assert!(db.store.is_unsubscribed("olaf@acme.test").await.unwrap());
    let done = db.store.run_engagement().await.unwrap();
    assert_eq!(done.fired, 1, "{done:?}");
    assert_eq!(done.tasks_opened, 0, "an automated moment opens no task");
    let again = db.store.run_engagement().await.unwrap();
    assert_eq!((again.fired, again.sends), (0, 0), "fired once");

    let sends = all(&db.store).await;
    let of = |r: &str| sends.iter().find(|s| s.recipient == r).unwrap();
    assert_eq!(sends.len(), 3, "{sends:#?}");
    let jane = of("jane@acme.test");
    assert_eq!(jane.status, SendStatus::Pending);
    assert_eq!(jane.subject, "Welcome, Jane");
    assert!(
        jane.body.starts_with("Hi Jane of Acme. Stop: "),
        "{}",
        jane.body
    );
    assert!(jane.body.contains(sherpa_store::UNSUBSCRIBE_MARK));
    assert_eq!(jane.account_id, acme);
    let olaf = of("olaf@acme.test");
    assert_eq!(olaf.status, SendStatus::Skipped);
    assert_eq!(olaf.last_error.as_deref(), Some("unsubscribed"));
    let hook = sends
        .iter()
        .find(|s| s.channel == Channel::Webhook)
        .unwrap();
    assert_eq!(
        hook.recipient_name, "http://127.0.0.1:9",
        "the path is a secret"
    );
    assert_eq!(
        hook.signing_env.as_deref(),
        Some("HOOK_SIGNING_SECRET"),
        "a signed webhook's send names where its secret is, never the secret"
    );
    let body: serde_json::Value = serde_json::from_str(&hook.body).unwrap();
    assert!(body["text"].as_str().unwrap().contains("Acme"));
    assert!(
        !sends
            .iter()
            .any(|s| s.recipient.starts_with("gone@") || s.recipient.starts_with("ada@")),
        "departed contacts and other roles get nothing"
    );
    // Jane stops them through her link, changes her mind through the same link; the lifting
    // is audited as hers.
    let link = jane.message_id.clone();
    assert_eq!(
        db.store.unsubscribe(&link).await.unwrap().as_deref(),
        Some("jane@acme.test")
    );
    assert!(db.store.is_unsubscribed("jane@acme.test").await.unwrap());
    assert_eq!(
        db.store.resubscribe(&link).await.unwrap().as_deref(),
        Some("jane@acme.test")
    );
    assert!(!db.store.is_unsubscribed("jane@acme.test").await.unwrap());
    let lifted = db
        .store
        .audit_entries(&sherpa_store::AuditQuery {
            entity: Some("unsubscribe".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(lifted.len(), 1);
    assert_eq!(lifted[0].actor.via, "unsubscribe link");
    assert_eq!(db.store.resubscribe("sherpa.unknown").await.unwrap(), None);
}

#[tokio::test]
async fn one_sender_holds_a_send_and_an_interrupted_one_is_sent_again_under_the_same_id() {
    let db = support::TestDb::new().await;
    let acme = customer(&db, &welcome(true, "Hi")).await;
    db.store.run_engagement().await.unwrap();
    let other = db.second_server().await;
    let emails = [Channel::Email];
    let (a, b) = tokio::join!(
        db.store.claim_sends("a", &emails, 10),
        other.claim_sends("b", &emails, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    // Jane's and Olaf's emails, each claimed by one of the two.
    let mut ids: Vec<i64> = a.iter().chain(&b).map(|s| s.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((a.len() + b.len(), ids.len()), (2, 2), "{a:?} {b:?}");
    let (mine, name, theirs) = match a.iter().find(|s| s.recipient == "jane@acme.test") {
        Some(s) => (s.clone(), "a", &other),
        None => (
            b.iter()
                .find(|s| s.recipient == "jane@acme.test")
                .unwrap()
                .clone(),
            "b",
            &db.store,
        ),
    };
    // The sender dies after handing the email to the mail server: its lease runs out.
    db.clock.advance(LEASE + chrono::Duration::seconds(1));
    let again = theirs.claim_sends("c", &emails, 10).await.unwrap();
    assert_eq!(again.len(), 2, "both leases ran out");
    let again: Vec<_> = again.into_iter().filter(|s| s.id == mine.id).collect();
    assert_eq!(again[0].message_id, mine.message_id, "same Message-ID");
    assert_eq!(again[0].attempts, 2);
    assert!(
        again[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("interrupted")
    );
    assert!(
        !db.store.send_delivered(&mine, name).await.unwrap(),
        "the dead sender's late word changes nothing"
    );
    assert!(theirs.send_delivered(&again[0], "c").await.unwrap());
    let sent = all(&db.store).await;
    let jane = sent
        .iter()
        .find(|s| s.recipient == "jane@acme.test")
        .unwrap();
    assert_eq!(jane.status, SendStatus::Sent);
    let timeline = db.store.timeline(acme, None, 10).await.unwrap();
    let entry = timeline
        .iter()
        .find(|e| e.fields.kind == ActivityKind::Automated)
        .expect("the send is on the timeline");
    assert!(
        entry
            .fields
            .summary
            .contains("\"Welcome, Jane\" sent to Jane Doe <jane@acme.test>")
    );
    assert!(entry.fields.summary.contains(&jane.message_id));
}

#[tokio::test]
async fn failures_are_retried_then_given_up_visibly() {
    let db = support::TestDb::new().await;
    let acme = customer(&db, &welcome(true, "Hi")).await;
    db.store.run_engagement().await.unwrap();
    let hooks = [Channel::Webhook];
    for attempt in 1..=MAX_ATTEMPTS {
        db.clock.advance(chrono::Duration::hours(2));
        let due = db.store.claim_sends("s", &hooks, 10).await.unwrap();
        assert_eq!(due.len(), 1, "attempt {attempt}");
        assert_eq!(due[0].attempts, attempt);
        let status = db
            .store
            .send_failed(&due[0], "s", "127.0.0.1:9 answered 503", false)
            .await
            .unwrap();
        let expected = if attempt < MAX_ATTEMPTS {
            SendStatus::Pending
        } else {
            SendStatus::Failed
        };
        assert_eq!(status, expected);
        // Not due again until its back-off has passed.
        assert!(
            db.store
                .claim_sends("s", &hooks, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
    let hook = all(&db.store)
        .await
        .into_iter()
        .find(|s| s.channel == Channel::Webhook)
        .unwrap();
    assert_eq!(hook.status, SendStatus::Failed);
    assert_eq!(hook.last_error.as_deref(), Some("127.0.0.1:9 answered 503"));
    let timeline = db.store.timeline(acme, None, 10).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.fields.kind == ActivityKind::Automated
                && e.fields.summary.contains("failed after 5 attempts"))
    );
    assert_eq!(db.store.outbox_counts().await.unwrap().failed, 1);
    // A person fixed the receiver: sent again.
    assert!(db.store.retry_send(hook.id).await.unwrap());
    assert_eq!(
        db.store.claim_sends("s", &hooks, 10).await.unwrap().len(),
        1
    );
}

#[tokio::test]
async fn a_dry_run_is_recorded_never_claimed_and_a_bad_field_fails_with_its_name() {
    let db = support::TestDb::new().await;
    customer(&db, &welcome(false, "Hi")).await;
    db.store.run_engagement().await.unwrap();
    let sends = all(&db.store).await;
    assert_eq!(sends.len(), 3);
    assert!(sends.iter().all(|s| s.status == SendStatus::DryRun));
    assert!(
        db.store
            .claim_sends("s", &[Channel::Email, Channel::Webhook], 10)
            .await
            .unwrap()
            .is_empty()
    );

    let db = support::TestDb::new().await;
    let acme = customer(
        &db,
        &welcome(
            true,
            "You have {{ metrics.seat_utilisation }}% of seats in use",
        ),
    )
    .await;
    db.store.run_engagement().await.unwrap();
    let jane = all(&db.store)
        .await
        .into_iter()
        .find(|s| s.recipient == "jane@acme.test")
        .unwrap();
    assert_eq!(jane.status, SendStatus::Failed);
    assert!(
        jane.last_error.as_deref().unwrap().contains("undefined"),
        "{:?}",
        jane.last_error
    );
    let timeline = db.store.timeline(acme, None, 10).await.unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.fields.summary.contains("not sent: body:"))
    );
}

#[tokio::test]
async fn the_outbox_reads_in_any_columns_order_a_page_at_a_time() {
    use sherpa_store::{SendColumn, SendOrder};
    let db = support::TestDb::new().await;
    customer(&db, &welcome(true, "Hi {{ contact.first_name }}")).await;
    db.store
        .stop_emails("olaf@acme.test", "asked on a call")
        .await
        .unwrap();
    db.store.run_engagement().await.unwrap();
    let read = |column, descending, offset, limit| {
        let store = &db.store;
        async move {
            store
                .sends(&SendQuery {
                    order: SendOrder { column, descending },
                    offset,
                    limit,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.recipient_name)
                .collect::<Vec<_>>()
        }
    };
    // Jane's email, Olaf's skipped one and the webhook's post, by whom they go to.
    let to = read(SendColumn::To, false, 0, 10).await;
    assert_eq!(to, ["http://127.0.0.1:9", "Jane Doe", "Olaf Out"]);
    assert_eq!(
        read(SendColumn::To, true, 0, 10).await,
        ["Olaf Out", "Jane Doe", "http://127.0.0.1:9"]
    );
    // A page of one, from the second.
    assert_eq!(read(SendColumn::To, false, 1, 1).await, ["Jane Doe"]);
    // Skipped after pending; the newest first within a status.
    let by_status = read(SendColumn::Status, true, 0, 10).await;
    assert_eq!(by_status[0], "Olaf Out", "{by_status:?}");
    let newest = read(SendColumn::When, true, 0, 10).await;
    let oldest = read(SendColumn::When, false, 0, 10).await;
    assert_eq!(
        newest.iter().rev().collect::<Vec<_>>(),
        oldest.iter().collect::<Vec<_>>()
    );
}
