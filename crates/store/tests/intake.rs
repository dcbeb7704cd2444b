//! Event intake on SQLite and PostgreSQL: messages stored once, mapped to accounts, and rollups
//! that always equal a recomputation from the stored events.

mod support;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use sherpa_core::intake::{Message, RollupDelta, parse_request};
use sherpa_core::*;
use std::collections::BTreeSet;

fn batch(items: &[String]) -> Vec<Message> {
    let body = format!("{{\"batch\": [{}]}}", items.join(","));
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
    parse_request(None, body.as_bytes(), now)
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.unwrap())
        .collect()
}

/// One track message of `user` with this message id, naming the group.
fn track(user: &str, id: &str, group: &str) -> Vec<Message> {
    batch(&[format!(
        r#"{{"type":"track","userId":"{user}","event":"E","messageId":"{id}","context":{{"groupId":"{group}"}}}}"#
    )])
}

/// Ingests one message, written as Segment sends it.
async fn ingest_one(db: &support::TestDb, message: &str) {
    db.store
        .ingest(batch(&[message.to_string()]), Utc::now())
        .await
        .unwrap();
}

/// The rollups as stored, in the delta's shape, once the intake wrote what it held.
async fn stored_rollups(db: &support::TestDb) -> RollupDelta {
    db.store.settle_usage().await.unwrap();
    let pool = db.store.pool();
    let mut d = RollupDelta::default();
    let days: Vec<(i64, String, i64, i64)> =
        sqlx::query_as("SELECT account_id, day, events, page_views FROM usage_days")
            .fetch_all(pool)
            .await
            .unwrap();
    for (a, day, events, page_views) in days {
        d.days.insert(
            (AccountId(a), day.parse().unwrap()),
            sherpa_core::intake::DayCounts { events, page_views },
        );
    }
    let names: Vec<(i64, String, String, i64)> =
        sqlx::query_as("SELECT account_id, day, name, events FROM usage_names")
            .fetch_all(pool)
            .await
            .unwrap();
    for (a, day, name, n) in names {
        d.add_name(AccountId(a), day.parse().unwrap(), &name, n);
    }
    let users: Vec<(i64, String, String, i64)> =
        sqlx::query_as("SELECT account_id, month, user_key, days FROM usage_user_months")
            .fetch_all(pool)
            .await
            .unwrap();
    for (a, month, u, bits) in users {
        let month = format!("{month}-01").parse().unwrap();
        d.add_user(AccountId(a), month, &u, bits as u32);
    }
    let name_users: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT account_id, name, user_key, last_day FROM usage_name_users")
            .fetch_all(pool)
            .await
            .unwrap();
    for (a, name, u, day) in name_users {
        d.add_name_user(AccountId(a), &name, &u, day.parse().unwrap());
    }
    d
}

/// The rollups recomputed from the stored raw events.
async fn recomputed(db: &support::TestDb) -> RollupDelta {
    let mut d = RollupDelta::default();
    for e in db.store.events(None, 0, 10_000).await.unwrap() {
        if let Some(a) = e.account_id {
            d.add(a, &e.to_message());
        }
    }
    d
}

#[tokio::test]
async fn messages_map_to_accounts_once_and_unmapped_ones_wait_for_their_account() {
    let db = support::TestDb::new().await;
    let acme = db.account("ACME", "ACME").await;
    let first = batch(&[
        r#"{"type":"group","userId":"u1","groupId":"ACME","messageId":"g1"}"#.into(),
        r#"{"type":"track","userId":"u1","event":"Report Built","messageId":"t1","timestamp":"2026-11-23T10:00:00Z"}"#.into(),
        r#"{"type":"track","userId":"u2","event":"Login","messageId":"t2","context":{"groupId":"NEWCO"}}"#.into(),
        r#"{"type":"track","userId":"u1","event":"Report Built","messageId":"t1"}"#.into(),
    ]);
    let out = db.store.ingest(first.clone(), Utc::now()).await.unwrap();
    assert_eq!((out.accepted, out.duplicates, out.unmapped), (3, 1, 1));
    // The same request again (a client retry) adds nothing.
    let again = db.store.ingest(first.clone(), Utc::now()).await.unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 4));

    let events = db.store.events(Some(acme), 0, 10).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.message_id.as_str())
            .collect::<Vec<_>>(),
        ["g1", "t1"]
    );
    let usage = db
        .store
        .usage(
            acme,
            "2026-11-01".parse().unwrap(),
            "2026-11-30".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(
        (
            usage[0].events,
            usage[0].active_users,
            usage[0].seats_in_use,
            usage[0].features_used
        ),
        (1, 1, 1, 1)
    );

    let status = db.store.intake_status().await.unwrap();
    assert_eq!(
        (status.accepted, status.duplicates, status.unmapped),
        (3, 5, 1)
    );
    assert_eq!(stored_rollups(&db).await, recomputed(&db).await);
    assert_eq!(status.unmapped_groups, vec![("NEWCO".to_string(), 1)]);

    // NEWCO joins the book: its waiting event attaches and counts.
    let newco = db.account("NEWCO", "NEWCO").await;
    assert_eq!(db.store.attach_unmapped().await.unwrap(), 1);
    assert!(
        db.store
            .intake_status()
            .await
            .unwrap()
            .unmapped_groups
            .is_empty()
    );
    assert_eq!(db.store.events(Some(newco), 0, 10).await.unwrap().len(), 1);
    assert_eq!(stored_rollups(&db).await, recomputed(&db).await);
}

/// The usual onboarding order: the product sends a group call for a company the book does not
/// hold yet, then that user's tracks without a group, and another user identifies and joins the
/// group; only then is the account created. Every one of those messages waits under the group,
/// and all of them attach once the account appears, with a message the first user sent in
/// between; the user's later messages go straight to the account.
#[tokio::test]
async fn usage_sent_before_its_account_attaches_when_the_account_appears() {
    let db = support::TestDb::new().await;
    let mut early =
        vec![r#"{"type":"group","userId":"u1","groupId":"NEWCO","messageId":"g1"}"#.to_string()];
    for i in 0..5 {
        early.push(format!(
            r#"{{"type":"track","userId":"u1","event":"Report Built","messageId":"t{i}"}}"#
        ));
    }
    early.push(
        r#"{"type":"identify","userId":"u2","traits":{"email":"pat@newco.example"},"messageId":"i2"}"#
            .into(),
    );
    db.store.ingest(batch(&early), Utc::now()).await.unwrap();
    ingest_one(
        &db,
        r#"{"type":"group","userId":"u2","groupId":"NEWCO","messageId":"g2"}"#,
    )
    .await;
    let status = db.store.intake_status().await.unwrap();
    assert_eq!(status.unmapped, 8);
    assert_eq!(status.unmapped_groups, vec![("NEWCO".to_string(), 8)]);
    let newco = db.account("NewCo", "NEWCO").await;
    // Sent after the account was created, before the attaching pass.
    ingest_one(
        &db,
        r#"{"type":"track","userId":"u1","event":"Export","messageId":"late"}"#,
    )
    .await;
    assert_eq!(db.store.attach_unmapped().await.unwrap(), 9);
    let status = db.store.intake_status().await.unwrap();
    assert_eq!((status.unmapped, status.unmapped_groups.len()), (0, 0));
    assert_eq!(db.store.events(Some(newco), 0, 20).await.unwrap().len(), 9);
    assert_eq!(stored_rollups(&db).await, recomputed(&db).await);
    // Now the user is the account's: a new message needs no pass.
    ingest_one(
        &db,
        r#"{"type":"track","userId":"u1","event":"Export","messageId":"after"}"#,
    )
    .await;
    assert_eq!(db.store.events(Some(newco), 0, 20).await.unwrap().len(), 10);
    assert_eq!(db.store.attach_unmapped().await.unwrap(), 0);
    assert_eq!(stored_rollups(&db).await, recomputed(&db).await);
}

#[tokio::test]
async fn a_users_events_that_arrive_before_their_group_call_follow_the_user() {
    let db = support::TestDb::new().await;
    let acme = db.account("ACME", "ACME").await;
    // A client sent these in two requests that arrived out of order.
    ingest_one(
        &db,
        r#"{"type":"track","userId":"u9","event":"Login","messageId":"early"}"#,
    )
    .await;
    ingest_one(
        &db,
        r#"{"type":"group","userId":"u9","groupId":"ACME","messageId":"g"}"#,
    )
    .await;
    assert_eq!(db.store.attach_unmapped().await.unwrap(), 1);
    let ids: Vec<String> = db
        .store
        .events(Some(acme), 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(ids, ["early", "g"]);
    assert_eq!(stored_rollups(&db).await, recomputed(&db).await);
}

#[tokio::test]
async fn identify_ties_a_user_to_the_contact_and_its_account() {
    let db = support::TestDb::new().await;
    let acme = db.account("ACME", "ACME").await;
    let admin = Actor::system("test");
    db.store
        .save_contact(
            &admin,
            None,
            &ContactPatch {
                account: Some(Some(AccountRef::Id(acme))),
                name: Some("Kim".into()),
                email: Some(Some(Email::parse("kim@acme.example").unwrap())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let msgs = batch(&[
        r#"{"type":"identify","userId":"k1","traits":{"email":"Kim@Acme.example"}}"#.into(),
        r#"{"type":"page","userId":"k1","name":"Dashboard"}"#.into(),
    ]);
    let out = db.store.ingest(msgs.clone(), Utc::now()).await.unwrap();
    assert_eq!(out.unmapped, 0, "the page follows the contact's account");
    assert_eq!(db.store.events(Some(acme), 0, 10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn raw_events_older_than_the_retention_are_pruned_and_rollups_stay() {
    let db = support::TestDb::new().await;
    let acme = db.account("ACME", "ACME").await;
    let msg = |i: usize| {
        format!(
            r#"{{"type":"track","userId":"u","event":"E","messageId":"m{i}","context":{{"groupId":"ACME"}}}}"#
        )
    };
    for i in 0..5 {
        db.store
            .ingest(batch(&[msg(i)]), db.clock.now())
            .await
            .unwrap();
        db.clock.advance(chrono::Duration::days(10));
    }
    // Received 50, 40, 30, 20 and 10 days ago; keep 25 days.
    db.store
        .set_event_retention_days(&Actor::system("test"), 25)
        .await
        .unwrap();
    assert_eq!(db.store.prune_events().await.unwrap(), 3);
    let left: Vec<String> = db
        .store
        .events(None, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(left, ["m3", "m4"]);
    assert_eq!(db.store.prune_events().await.unwrap(), 0);
    let usage = db
        .store
        .usage(
            acme,
            "2026-01-01".parse().unwrap(),
            "2027-12-31".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        usage.iter().map(|d| d.events).sum::<i64>(),
        5,
        "rollups are kept"
    );

    // Who used each event name is kept while it can count (a feature's users are counted
    // over 30 days), and dropped once the user has not been seen for 90.
    let users = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usage_name_users")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        n
    };
    // The events were dated 23 Nov, 50 days before today.
    db.clock.advance(chrono::Duration::days(39));
    db.store.prune_events().await.unwrap();
    assert_eq!(users().await, 1, "last seen 89 days ago");
    db.clock.advance(chrono::Duration::days(2));
    db.store.prune_events().await.unwrap();
    assert_eq!(users().await, 0, "last seen 91 days ago");
}

fn arb_stream() -> impl Strategy<Value = Vec<(u8, u8, u8, u8, u8, bool)>> {
    // (kind, user, group, day, event name, give an id)
    prop::collection::vec(
        (0u8..4, 0u8..5, 0u8..4, 0u8..3, 0u8..3, any::<bool>()),
        1..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn rollups_equal_a_recomputation_from_the_stored_events(stream in arb_stream(), cuts in prop::collection::vec(1usize..20, 1..6), crash in any::<bool>()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = support::TestDb::new().await;
            for g in ["G0", "G1"] {
                db.account(g, g).await;
            }
            let items: Vec<String> = stream
                .iter()
                .enumerate()
                .map(|(i, (kind, user, group, day, name, id))| {
                    let kind = ["track", "page", "group", "identify"][*kind as usize];
                    // G2 and G3 are not in the book; some messages name no group at all.
                    let group = ["G0", "G1", "G2", ""][*group as usize];
                    let mut m = serde_json::json!({
                        "type": kind, "userId": format!("u{user}"), "event": format!("e{name}"),
                        "timestamp": format!("2026-11-2{day}T08:00:00Z"),
                    });
                    if kind == "group" {
                        m["groupId"] = serde_json::json!(if group.is_empty() { "G3" } else { group });
                    } else if !group.is_empty() {
                        m["context"] = serde_json::json!({"groupId": group});
                    }
                    // Repeats of earlier message ids are retries.
                    if *id {
                        m["messageId"] = serde_json::json!(format!("m{}", i % 7));
                    }
                    m.to_string()
                })
                .collect();
            let mut rest = items.as_slice();
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at((*cut).min(rest.len()));
                db.store.ingest(batch(now), Utc::now()).await.unwrap();
                rest = later;
            }
            if crash {
                // The process dies before its rollups are written: the next one to open the
                // database rolls them up from the stored events, and the first one's memory,
                // if it came back, must not count them again.
                let next = sherpa_store::Store::open(&db.url, db.clock.clone()).await.unwrap();
                next.settle_usage().await.unwrap();
                next.close().await;
            }
            let stored = stored_rollups(&db).await;
            assert_eq!(stored, recomputed(&db).await);
            let ids: BTreeSet<String> = db.store.events(None, 0, 10_000).await.unwrap().into_iter().map(|e| e.message_id).collect();
            assert_eq!(ids.len(), db.store.events(None, 0, 10_000).await.unwrap().len(), "each message once");
        });
    }
}

#[tokio::test]
async fn seats_in_use_count_the_users_of_the_last_30_days_across_months() {
    let db = support::TestDb::new().await;
    let acme = db.account("ACME", "ACME").await;
    let track = |user: &str, at: &str| {
        format!(
            r#"{{"type":"track","userId":"{user}","event":"Login","timestamp":"{at}T09:00:00Z","context":{{"groupId":"ACME"}}}}"#
        )
    };
    db.store
        .ingest(
            batch(&[
                track("old", "2026-09-30"),
                track("october", "2026-10-25"),
                track("november", "2026-11-20"),
                track("november", "2026-11-21"),
            ]),
            Utc::now(),
        )
        .await
        .unwrap();
    let day = |s: &str| s.parse().unwrap();
    assert_eq!(
        db.store
            .seats_in_use(acme, day("2026-11-23"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        db.store
            .seats_in_use(acme, day("2026-10-29"))
            .await
            .unwrap(),
        2,
        "old is within 30 days of Oct 29"
    );
    assert_eq!(
        db.store
            .seats_in_use(acme, day("2026-12-30"))
            .await
            .unwrap(),
        0,
        "nobody since Nov 21"
    );
    let usage = db
        .store
        .usage(acme, day("2026-11-01"), day("2026-11-30"))
        .await
        .unwrap();
    assert_eq!(
        usage
            .iter()
            .map(|d| (d.active_users, d.seats_in_use))
            .collect::<Vec<_>>(),
        [(1, 2), (1, 2)],
        "the 20th and the 21st: one active user each, two seats (october and november)"
    );
}

#[tokio::test]
async fn a_second_process_sees_the_messages_the_first_one_holds_in_memory() {
    let db = support::TestDb::new().await;
    db.account("ACME", "ACME").await;
    let first = batch(&[
        r#"{"type":"track","userId":"u1","event":"Report Built","messageId":"a","context":{"groupId":"ACME"}}"#.into(),
        r#"{"type":"page","userId":"u2","name":"Home","messageId":"b","context":{"groupId":"ACME"}}"#.into(),
    ]);
    let out = db.store.ingest(first.clone(), Utc::now()).await.unwrap();
    assert_eq!(out.accepted, 2);
    // Another process on the same database (a CLI import beside the server) gets a retry.
    let other = sherpa_store::Store::open(&db.url, db.clock.clone())
        .await
        .unwrap();
    let again = other.ingest(first.clone(), Utc::now()).await.unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 2));
    let more = batch(&[
        r#"{"type":"track","userId":"u1","event":"Export","messageId":"c","context":{"groupId":"ACME"}}"#.into(),
    ]);
    assert_eq!(
        db.store
            .ingest(more.clone(), Utc::now())
            .await
            .unwrap()
            .accepted,
        1
    );
    assert_eq!(other.ingest(more, Utc::now()).await.unwrap().accepted, 0);
    other.close().await;
    assert_eq!(db.store.events(None, 0, 100).await.unwrap().len(), 3);
    assert_eq!(stored_rollups(&db).await, recomputed(&db).await);
}

#[tokio::test]
async fn a_user_moved_by_another_writer_is_followed_at_once() {
    let db = support::TestDb::new().await;
    db.account("ACME", "ACME").await;
    let newco = db.account("NewCo", "NEWCO").await;
    let send = |json: &str| db.store.ingest(batch(&[json.to_string()]), Utc::now());
    send(r#"{"type":"group","userId":"u1","groupId":"ACME","messageId":"g"}"#)
        .await
        .unwrap();
    // Another writer (here, a plain SQL connection) ties the user to another account.
    sqlx::query("UPDATE product_users SET account_id = $1 WHERE user_key = 'u1'")
        .bind(newco.0)
        .execute(db.store.pool())
        .await
        .unwrap();
    send(r#"{"type":"track","userId":"u1","event":"Export","messageId":"t"}"#)
        .await
        .unwrap();
    let events = db.store.events(Some(newco), 0, 10).await.unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| e.message_id.as_str())
            .collect::<Vec<_>>(),
        ["t"],
        "the message follows the user to NewCo"
    );
}

#[tokio::test]
async fn the_events_list_pages_in_ingest_order_across_blocks_and_waiting_events() {
    let db = support::TestDb::new().await;
    let acme = db.account("ACME", "ACME").await;
    db.account("Globex", "GLOBEX").await;
    // Each batch mixes two accounts (a block each) and a group not in the book (a row each).
    let groups = ["ACME", "GLOBEX", "NEWCO"];
    for b in 0..4 {
        let items: Vec<String> = (0..9)
            .map(|i| {
                format!(
                    r#"{{"type":"track","userId":"u{i}","event":"E","messageId":"b{b}-{i}","context":{{"groupId":"{}"}}}}"#,
                    groups[i % 3]
                )
            })
            .collect();
        db.store.ingest(batch(&items), Utc::now()).await.unwrap();
    }
    let all = db.store.events(None, 0, 10_000).await.unwrap();
    assert_eq!(all.len(), 36);
    let mut paged = Vec::new();
    let mut cursor = 0;
    loop {
        let page = db.store.events(None, cursor, 5).await.unwrap();
        let Some(last) = page.last() else { break };
        cursor = last.id;
        paged.extend(page);
    }
    assert_eq!(paged, all, "pages of 5 give every event once, in order");
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    // One account's events keep the order they were sent in, batch after batch.
    let acme_ids: Vec<String> = db
        .store
        .events(Some(acme), 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    let sent: Vec<String> = (0..4)
        .flat_map(|b| (0..9).step_by(3).map(move |i| format!("b{b}-{i}")))
        .collect();
    assert_eq!(acme_ids, sent);
    let waiting = all.iter().filter(|e| e.account_id.is_none()).count();
    assert_eq!(waiting, 12);
    // Once NEWCO is in the book its waiting events attach, and the list still pages in order.
    let newco = db.account("Newco", "NEWCO").await;
    db.store.attach_unmapped().await.unwrap();
    let newco_events = db.store.events(Some(newco), 0, 100).await.unwrap();
    assert_eq!(newco_events.len(), 12);
    assert!(newco_events.windows(2).all(|w| w[0].id < w[1].id));
}

#[tokio::test]
async fn a_message_another_process_stored_and_indexed_is_a_duplicate_here_too() {
    let db = support::TestDb::new().await;
    db.account("ACME", "ACME").await;
    let message = |id: &str| track("u1", id, "ACME");
    db.store.ingest(message("first"), Utc::now()).await.unwrap();
    // This process writes its ids and knows, from then on, which ids are stored.
    db.store.write_held_intake().await.unwrap();
    let other = sherpa_store::Store::open(&db.url, db.clock.clone())
        .await
        .unwrap();
    assert_eq!(
        other
            .ingest(message("x"), Utc::now())
            .await
            .unwrap()
            .accepted,
        1
    );
    // The other process indexes its ids too: nothing of "x" is left pending.
    other.close().await;
    let retry = db.store.ingest(message("x"), Utc::now()).await.unwrap();
    assert_eq!((retry.accepted, retry.duplicates), (0, 1));
    assert_eq!(db.store.events(None, 0, 100).await.unwrap().len(), 2);
}

/// The dedup index's key of a message id on SQLite (XXH3, as the store defines it).
fn message_key(id: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes()) as i64
}

#[tokio::test]
async fn a_message_whose_hash_another_has_is_stored_once_and_older_ids_still_count() {
    let db = support::TestDb::new().await;
    if db.store.engine() != sherpa_store::Engine::Sqlite {
        return; // PostgreSQL deduplicates on the text ids alone.
    }
    db.account("ACME", "ACME").await;
    let message = |id: &str| track("u1", id, "ACME");
    db.store.ingest(message("first"), Utc::now()).await.unwrap();
    db.store.write_held_intake().await.unwrap();
    // A collision: "clash" hashes to a key that the index says is the first event's.
    let (first_event,): (i64,) = sqlx::query_as("SELECT event_id FROM message_keys")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO message_keys (key, event_id) VALUES ($1, $2)")
        .bind(message_key("clash"))
        .bind(first_event)
        .execute(db.store.pool())
        .await
        .unwrap();
    // An id stored before the keyed index existed is only in the text table.
    sqlx::query("INSERT INTO message_ids (message_id) VALUES ('legacy')")
        .execute(db.store.pool())
        .await
        .unwrap();
    let fresh = sherpa_store::Store::open(&db.url, db.clock.clone())
        .await
        .unwrap();
    let legacy = fresh.ingest(message("legacy"), Utc::now()).await.unwrap();
    assert_eq!((legacy.accepted, legacy.duplicates), (0, 1));
    let clash = fresh.ingest(message("clash"), Utc::now()).await.unwrap();
    assert_eq!(
        clash.accepted, 1,
        "a shared key does not make a new message a retry"
    );
    fresh.write_held_intake().await.unwrap();
    let retry = fresh.ingest(message("clash"), Utc::now()).await.unwrap();
    assert_eq!((retry.accepted, retry.duplicates), (0, 1));
    let again = fresh.ingest(message("first"), Utc::now()).await.unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 1));
    fresh.close().await;
    assert_eq!(db.store.events(None, 0, 100).await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_account_added_after_its_group_was_seen_takes_the_next_events_at_once() {
    let db = support::TestDb::new().await;
    db.account("ACME", "ACME").await;
    let message = |id: &str| track(&format!("u-{id}"), id, "LATER");
    let first = db.store.ingest(message("one"), Utc::now()).await.unwrap();
    assert_eq!(first.unmapped, 1);
    let later = db.account("Later Inc", "LATER").await;
    let second = db.store.ingest(message("two"), Utc::now()).await.unwrap();
    assert_eq!(
        second.unmapped, 0,
        "the new account is known without waiting"
    );
    let events = db.store.events(Some(later), 0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message_id, "two");
}

/// A fresh book's history goes in part by part (the demo's parts are 100 accounts each): the
/// parts' accounts differ, but their days' names and the catalogue are the book's, so a later
/// part meets rows an earlier one wrote. Every part is stored, and reads back exactly.
#[tokio::test]
async fn fresh_histories_of_different_accounts_share_the_days_names_and_the_catalogue() {
    let db = support::TestDb::new().await;
    let mut all = RollupDelta::default();
    for n in 0..3 {
        let account = db.account(&format!("A{n}"), &format!("Account {n}")).await;
        let mut part = RollupDelta::default();
        for d in 1..=3 {
            let day = chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
            part.days.insert(
                (account, day),
                sherpa_core::intake::DayCounts {
                    events: 3,
                    page_views: 1,
                },
            );
            part.add_name(account, day, "Report Built", 2);
            part.add_name(account, day, "Login", 1);
            let (month, bit) = sherpa_core::intake::month_bit(day);
            part.add_user(account, month, &format!("user-{n}"), bit);
        }
        all.merge(part.clone());
        db.store.add_fresh_usage_history(part).await.unwrap();
    }
    assert_eq!(stored_rollups(&db).await, all);
    let catalogue: Vec<(String,)> =
        sqlx::query_as("SELECT event_name FROM feature_catalog ORDER BY event_name")
            .fetch_all(db.store.pool())
            .await
            .unwrap();
    assert_eq!(catalogue, [("Login".into(),), ("Report Built".into(),)]);
}
