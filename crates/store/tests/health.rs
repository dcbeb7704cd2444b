//! Health metrics and scores from the book, on SQLite and PostgreSQL: what is known is scored,
//! what is missing stays missing.

mod support;

use chrono::{DateTime, NaiveDate};
use sherpa_core::health::Colour;
use sherpa_core::*;

fn at(s: &str) -> DateTime<chrono::Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// The messages of a Segment batch, as the intake parses them.
fn messages(body: &str, now: DateTime<chrono::Utc>) -> Vec<sherpa_core::intake::Message> {
    sherpa_core::intake::parse_request(None, body.as_bytes(), now)
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.unwrap())
        .collect()
}

#[tokio::test]
async fn an_account_with_only_surveys_and_tickets_is_not_enough_data_unless_the_team_says_so() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-1").await;
    let survey = |kind, score: Option<i64>, intent, on: &str| SurveyFields {
        account_id: acme,
        contact_id: None,
        external_id: None,
        kind,
        score,
        intent,
        comment: None,
        answered_on: on.parse::<NaiveDate>().unwrap(),
    };
    for s in [
        survey(SurveyKind::Nps, Some(9), None, "2026-05-01"),
        survey(SurveyKind::Nps, Some(4), None, "2026-11-01"),
        survey(
            SurveyKind::RenewIntent,
            None,
            Some(RenewIntent::No),
            "2026-11-02",
        ),
    ] {
        db.store.save_survey(&sys, &s).await.unwrap();
    }
    for (i, escalated) in [false, true, false].into_iter().enumerate() {
        db.store
            .save_ticket(
                &sys,
                &TicketFields {
                    account_id: acme,
                    external_id: Some(format!("T-{i}")),
                    subject: "broken".into(),
                    opened_at: at("2026-11-10T09:00:00Z"),
                    severity: Severity::High,
                    status: TicketStatus::Open,
                    resolved_at: None,
                    escalated,
                    csat: None,
                },
            )
            .await
            .unwrap();
    }
    let m = db.store.account_metrics(acme).await.unwrap();
    assert_eq!(m["nps_latest"], 4.0, "the latest answer");
    assert_eq!(m["nps_trend"], -5.0);
    assert_eq!(m["renew_intent"], 0.0);
    assert_eq!((m["open_tickets"], m["escalations_90d"]), (3.0, 1.0));
    assert!(
        !m.contains_key("seat_utilisation"),
        "no usage: missing, not zero"
    );
    assert!(!m.contains_key("champion_departed"), "no contacts: unknown");

    // No usage at all: no colour, whatever the surveys say.
    let h = db.store.account_health(acme).await.unwrap();
    assert_eq!((h.health.score, h.health.colour), (None, None));
    assert!(h.health.coverage > 0.15, "{}", h.health.coverage);

    // A team that judges health on surveys and tickets alone lowers the bar.
    db.score_on_any_input().await;
    let h = db.store.account_health(acme).await.unwrap();
    assert_eq!(h.health.scorecard, "Default");
    assert_eq!(h.why, "rule 2: every account");
    let seats = h
        .health
        .factors
        .iter()
        .find(|f| f.metric == "seat_utilisation")
        .unwrap();
    assert_eq!((seats.value, seats.contribution), (None, None));
    assert!(h.health.score.unwrap() < 35.0, "{:?}", h.health);
    assert_eq!(h.health.colour, Some(Colour::Red));
}

#[tokio::test]
async fn an_onboarding_account_is_judged_by_the_onboarding_scorecard() {
    let db = support::TestDb::new().await;
    let id = db.account("Fresh", "EXT-2").await;
    let patch = AccountPatch {
        lifecycle: Some(Some(Lifecycle::Onboarding)),
        ..Default::default()
    };
    db.store
        .update_account(&Actor::system("test"), id, &patch)
        .await
        .unwrap();
    let h = db.store.account_health(id).await.unwrap();
    assert_eq!(h.health.scorecard, "Onboarding");
    assert_eq!(h.why, "rule 1: lifecycle onboarding");
    // Nothing is known for it yet (no usage, no support desk): the score says so instead of
    // a zero or a green 100.
    let known: Vec<&str> = h
        .health
        .factors
        .iter()
        .filter(|f| f.value.is_some())
        .map(|f| f.metric.as_str())
        .collect();
    assert!(known.is_empty(), "{known:?}");
    assert_eq!(
        (h.health.score, h.health.colour),
        (None, None),
        "not enough data, not a green 100"
    );
    assert_eq!(h.health.coverage, 0.0, "and says it rests on nothing");
}

fn ticket(account: AccountId, i: usize) -> TicketFields {
    support::urgent_ticket(account, i, "2026-11-20T09:00:00Z")
}

#[tokio::test]
async fn a_snapshot_a_day_and_one_at_each_colour_change_with_what_moved() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-3").await;
    db.connect_support(acme).await;
    let h = db.store.account_health(acme).await.unwrap();
    assert_eq!(h.health.colour, Some(Colour::Green));
    assert!(h.changes.is_empty() && h.changes_since.is_none());
    assert_eq!(db.store.snapshot_health_daily().await.unwrap(), 1);
    assert_eq!(
        db.store.snapshot_health_daily().await.unwrap(),
        0,
        "one a day"
    );
    // Eight open escalated tickets turn a green account red; two more no longer move the score.
    for i in 0..10 {
        db.store.save_ticket(&sys, &ticket(acme, i)).await.unwrap();
        if i == 7 {
            db.store.refresh_health(&[acme]).await.unwrap();
        }
    }
    let h = db.store.account_health(acme).await.unwrap();
    assert_eq!(h.health.colour, Some(Colour::Red));
    assert_eq!(
        h.changes[0].text, "Open tickets rose from 0 to 10: -50.0 points",
        "measured against the daily snapshot that showed another score, not the colour change \
         that just happened"
    );
    assert!(
        h.changes.iter().all(|c| c.points < 0.0),
        "every move listed pulled the score down: {:?}",
        h.changes
    );
    let history = db.store.health_history(acme).await.unwrap();
    let reasons: Vec<&str> = history.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, vec!["colour_change", "daily"]);
    assert_eq!(
        (history[0].from_colour, history[0].colour),
        (Some(Colour::Green), Some(Colour::Red))
    );
    db.clock.advance(chrono::Duration::days(1));
    assert_eq!(db.store.snapshot_health_daily().await.unwrap(), 1);
    let history = db.store.health_history(acme).await.unwrap();
    let reasons: Vec<&str> = history.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, vec!["daily", "colour_change", "daily"]);
    assert_eq!(history[0].colour, Some(Colour::Red));
    assert_eq!(history[2].colour, Some(Colour::Green));
}

#[tokio::test]
async fn every_write_that_feeds_health_marks_its_account_for_the_refresher() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-4").await;
    let other = db.account("Other", "EXT-5").await;
    db.connect_support(acme).await;
    db.store.health_watch().take();
    db.store.save_ticket(&sys, &ticket(acme, 1)).await.unwrap();
    let body = r#"{"batch": [{"type":"track","userId":"u1","event":"Report","messageId":"m1","context":{"groupId":"EXT-5"}}]}"#;
    let now = at("2026-11-23T08:00:00Z");
    db.store.ingest(messages(body, now), now).await.unwrap();
    let marked = db.store.health_watch().take();
    assert_eq!(
        marked
            .accounts
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        [acme, other].into(),
        "the ticket's account and the event's"
    );
    let done = db.store.refresh_health(&[acme, other]).await.unwrap();
    assert_eq!((done.accounts, done.colour_changes), (2, 0));
    let m = db.store.account_metrics(other).await.unwrap();
    assert_eq!(
        (m["active_users_30d"], m["days_since_login"]),
        (1.0, 0.0),
        "the event counted at once"
    );
    assert!(
        db.store
            .account_health(other)
            .await
            .unwrap()
            .health
            .colour
            .is_some(),
        "and scored at once"
    );
}

#[tokio::test]
async fn recompute_rescores_every_account_from_its_kept_metrics_and_keeps_lists_in_step() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let ids = [
        db.account("A", "EXT-6").await,
        db.account("B", "EXT-7").await,
        db.account("C", "EXT-8").await,
    ];
    db.connect_support(ids[0]).await;
    db.store.health_watch().take();
    let first = db.store.recompute_health().await.unwrap();
    assert_eq!(first.accounts, 0, "nothing kept yet");
    let never = db.store.health_watch().take().accounts;
    assert_eq!(
        never.len(),
        3,
        "the never computed are marked for the refresher"
    );
    db.store.refresh_health(&ids).await.unwrap();
    let again = db.store.recompute_health().await.unwrap();
    assert_eq!((again.accounts, again.moved), (3, 0), "nothing changed");

    // The kept metrics are the input: edit one (as a scorecard change would re-weigh them).
    for i in 0..8 {
        db.store
            .save_ticket(&sys, &ticket(ids[1], i))
            .await
            .unwrap();
    }
    db.store.refresh_health(&[ids[1]]).await.unwrap();
    let listed: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT account_id, colour, scorecard FROM account_health ORDER BY account_id",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    let colours: Vec<Option<&str>> = listed.iter().map(|r| r.1.as_deref()).collect();
    assert_eq!(colours, vec![Some("green"), Some("red"), Some("green")]);
    assert!(listed.iter().all(|r| r.2.as_deref() == Some("Default")));
    let after = db.store.recompute_health().await.unwrap();
    assert_eq!((after.accounts, after.moved), (3, 0));
}

#[tokio::test]
async fn the_leader_sees_the_books_colours_by_day_and_who_changed_colour_this_week() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let calm = db.account("Calm", "EXT-9").await;
    let stormy = db.account("Stormy", "EXT-10").await;
    db.connect_support(calm).await;
    db.store.refresh_health(&[calm, stormy]).await.unwrap();
    db.store.snapshot_health_daily().await.unwrap();
    db.clock.advance(chrono::Duration::days(7));
    for i in 0..8 {
        db.store
            .save_ticket(&sys, &ticket(stormy, i))
            .await
            .unwrap();
    }
    db.store.refresh_health(&[stormy]).await.unwrap();
    db.store.snapshot_health_daily().await.unwrap();

    let days = db
        .store
        .health_distribution("2026-11-01".parse().unwrap())
        .await
        .unwrap();
    let counts: Vec<[i64; 5]> = days.iter().map(|d| d.counts).collect();
    assert_eq!(
        counts,
        vec![[2, 0, 0, 0, 0], [1, 0, 0, 1, 0]],
        "green, yellow, orange, red, none"
    );

    let (base, moves) = db
        .store
        .colour_moves_since("2026-11-23".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(base, Some("2026-11-23".parse().unwrap()));
    assert_eq!(moves.len(), 1, "the calm one did not move");
    assert_eq!(moves[0].name, "Stormy");
    assert_eq!(
        (moves[0].from, moves[0].to),
        (Some(Colour::Green), Some(Colour::Red))
    );
    assert!(moves[0].worse());
}

#[tokio::test]
async fn a_csm_pulse_counts_in_the_score_until_it_expires() {
    let db = support::TestDb::new().await;
    let csm = Actor::system("test");
    let acme = db.account("Acme", "EXT-11").await;
    assert!(
        !db.store
            .account_metrics(acme)
            .await
            .unwrap()
            .contains_key("csm_pulse")
    );
    let refused = db
        .store
        .set_csm_pulse(&csm, acme, Colour::Orange, "meh", 30)
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "colour: a pulse is green, yellow or red"
    );
    let too_long = db
        .store
        .set_csm_pulse(&csm, acme, Colour::Red, "quiet", 365)
        .await
        .unwrap_err();
    assert!(
        too_long.to_string().starts_with("expires_in_days: 365"),
        "{too_long}"
    );
    assert!(
        db.store.csm_pulse(acme).await.unwrap().is_none(),
        "nothing was kept"
    );

    let p = db
        .store
        .set_csm_pulse(&csm, acme, Colour::Red, "the champion went quiet", 7)
        .await
        .unwrap();
    assert_eq!(p.expires_on, "2026-11-30".parse().unwrap());
    assert_eq!(
        db.store.account_metrics(acme).await.unwrap()["csm_pulse"],
        0.0
    );
    db.clock.advance(chrono::Duration::days(8));
    assert!(db.store.csm_pulse(acme).await.unwrap().is_none());
    db.store.rebuild_health().await.unwrap();
    assert!(
        !db.store
            .account_metrics(acme)
            .await
            .unwrap()
            .contains_key("csm_pulse"),
        "expired: missing, not red forever"
    );
}

#[tokio::test]
async fn a_read_while_the_refresher_holds_the_mark_still_sees_the_write() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-12").await;
    db.connect_support(acme).await;
    assert_eq!(
        db.store.account_metrics(acme).await.unwrap()["open_tickets"],
        0.0
    );
    db.store.save_ticket(&sys, &ticket(acme, 1)).await.unwrap();
    // The refresher has taken the mark and not written yet.
    let taken = db.store.health_watch().take();
    assert!(taken.accounts.contains(&acme));
    assert_eq!(
        db.store.account_metrics(acme).await.unwrap()["open_tickets"],
        1.0
    );
    db.store.health_watch().finish(&taken);
}

#[tokio::test]
async fn of_two_answers_on_one_day_the_one_recorded_later_is_the_latest() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-1").await;
    for score in [0, 10] {
        let answer = SurveyFields {
            account_id: acme,
            contact_id: None,
            external_id: None,
            kind: SurveyKind::Nps,
            score: Some(score),
            intent: None,
            comment: None,
            answered_on: "2026-11-20".parse::<NaiveDate>().unwrap(),
        };
        db.store.save_survey(&sys, &answer).await.unwrap();
    }
    let m = db.store.account_metrics(acme).await.unwrap();
    assert_eq!(m["nps_latest"], 10.0, "the 10 came after the 0");
    assert_eq!(m["nps_trend"], 10.0);
}

/// The running term's own facts are metrics: its length, the days to its end and whether it
/// renews by itself; a book that does not say leaves the last unknown, not "no".
#[tokio::test]
async fn the_running_terms_facts_are_metrics_and_an_unsaid_auto_renewal_is_unknown() {
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let today = db.clock.today();
    let term = |account, auto_renew| ContractPatch {
        account: Some(AccountRef::Id(account)),
        products: Some(vec!["Platform".into()]),
        arr: Some(Money::from_minor_units(1_200_000, Currency::USD)),
        start_date: Some(today - chrono::Days::new(65)),
        end_date: Some(today + chrono::Days::new(299)),
        auto_renew,
        ..Default::default()
    };
    let acme = db.account("Acme", "EXT-20").await;
    let plain = db.account("Plain", "EXT-21").await;
    let unsaid = db.account("Unsaid", "EXT-22").await;
    for (account, auto) in [
        (acme, Some(Some(true))),
        (plain, Some(Some(false))),
        (unsaid, None),
    ] {
        db.store
            .save_contract(&sys, None, &term(account, auto))
            .await
            .unwrap();
    }
    let m = db.store.account_metrics(acme).await.unwrap();
    assert_eq!(
        (
            m["auto_renews"],
            m["days_to_term_end"],
            m["term_months"].round()
        ),
        (1.0, 299.0, 12.0)
    );
    assert_eq!(
        db.store.account_metrics(plain).await.unwrap()["auto_renews"],
        0.0
    );
    assert_eq!(
        db.store
            .account_metrics(unsaid)
            .await
            .unwrap()
            .get("auto_renews"),
        None
    );
}

/// A churned account's health is history: it is no longer scored, its last colour stays the
/// last in its history, and nothing that would call a CSM to act follows (no colour change,
/// daily snapshot or at-risk playbook). Back-filled history stops when its terms did.
#[tokio::test]
async fn a_churned_account_is_no_longer_scored_and_its_history_keeps_its_last_colour() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let today = db.clock.today();
    let gone = db.account("Gone Co", "EXT-30").await;
    db.connect_support(gone).await;
    db.store
        .save_contract(
            &sys,
            None,
            &ContractPatch {
                account: Some(AccountRef::Id(gone)),
                arr: Some(Money::from_minor_units(1_200_000, Currency::USD)),
                start_date: Some(today - chrono::Days::new(375)),
                end_date: Some(today - chrono::Days::new(11)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    db.store.refresh_health(&[gone]).await.unwrap();
    assert_eq!(db.store.snapshot_health_daily().await.unwrap(), 1);
    let green = db.store.account(gone).await.unwrap().health;
    assert_eq!(green.map(|h| h.1), Some(Colour::Green));

    db.store
        .update_account(
            &sys,
            gone,
            &AccountPatch {
                lifecycle: Some(Some(Lifecycle::Churned)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Eight escalated tickets would turn a customer red: a churned account turns nothing.
    for i in 0..8 {
        db.store.save_ticket(&sys, &ticket(gone, i)).await.unwrap();
    }
    let done = db.store.refresh_health(&[gone]).await.unwrap();
    assert_eq!((done.colour_changes, done.playbooks_opened), (0, 0));
    assert_eq!(db.store.account(gone).await.unwrap().health, None);
    let h = db.store.account_health(gone).await.unwrap();
    assert!(h.churned && h.health.score.is_none() && h.health.factors.is_empty());
    let last = h.last_score.expect("its last score");
    assert_eq!(last.colour, Some(Colour::Green));
    db.clock.advance(chrono::Duration::days(1));
    assert_eq!(db.store.snapshot_health_daily().await.unwrap(), 0);
    let history = db.store.health_history(gone).await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert!(db.store.account_playbooks(gone).await.unwrap().is_empty());
    // Re-scoring from kept metrics leaves it unscored too.
    db.store.recompute_health().await.unwrap();
    assert_eq!(db.store.account(gone).await.unwrap().health, None);

    // History filled in afterwards covers the days its term ran, and none after.
    let during = today - chrono::Days::new(20);
    let after = today - chrono::Days::new(5);
    assert_eq!(
        db.store
            .backfill_health_snapshots(&[during, after])
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_back_filled_day_reads_as_the_score_read_on_that_day() {
    let db = support::TestDb::new().await;
    let store = &db.store;
    let today = db.clock.today();
    let book = sherpa_core::demo::DemoBook::new(120, 7, today);
    store
        .load_demo(&book, "$argon2id$x", &|_, _| {})
        .await
        .unwrap();
    store.load_demo_voice(&book).await.unwrap();
    // One user's one use of a feature no one else uses, 45 days ago: inside the 30-day
    // windows of two of the days and the 60-day window of a third, outside the others.
    let once = today - chrono::Days::new(45);
    let body = format!(
        r#"{{"batch": [{{"type":"track","userId":"lone.user","event":"Sandbox exported","messageId":"once-1","timestamp":"{once}T10:00:00Z","context":{{"groupId":"ACC-000001"}}}}]}}"#
    );
    let now = db.clock.now();
    let sent = store.ingest(messages(&body, now), now).await.unwrap();
    assert_eq!(sent.accepted, 1);
    store.settle_usage().await.unwrap();
    // Days far apart and close together, read in one back-fill.
    let days: Vec<NaiveDate> = [200, 63, 35, 28, 1]
        .map(|d| today - chrono::Days::new(d))
        .to_vec();
    let taken = store.backfill_health_snapshots(&days).await.unwrap();
    assert!(taken > 300, "most accounts on most days: {taken}");
    let ids: Vec<AccountId> = (1..=120).map(AccountId).collect();
    let mut compared = 0;
    for day in &days {
        // The score as it would have been read at the end of that day.
        db.clock.set(day.and_hms_opt(23, 59, 59).unwrap().and_utc());
        store.refresh_health(&ids).await.unwrap();
        let kept: Vec<(i64, String)> =
            sqlx::query_as("SELECT account_id, metrics FROM health_metrics")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let snapped: Vec<(i64, String)> = sqlx::query_as(
            "SELECT account_id, metrics FROM health_snapshots WHERE taken_on = $1 AND reason = 'daily'",
        )
        .bind(day.to_string())
        .fetch_all(store.pool())
        .await
        .unwrap();
        let kept: std::collections::HashMap<i64, serde_json::Value> = kept
            .into_iter()
            .map(|(a, m)| (a, serde_json::from_str(&m).unwrap()))
            .collect();
        for (account, metrics) in snapped {
            let metrics: serde_json::Value = serde_json::from_str(&metrics).unwrap();
            assert_eq!(metrics, kept[&account], "account {account} on {day}");
            compared += 1;
        }
    }
    assert_eq!(compared as u64, taken);
}
