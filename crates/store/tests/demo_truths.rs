//! What a person would conclude from the demo holds, on SQLite and PostgreSQL: no open task
//! whose condition is already met, no onboarding task on an account past onboarding, every
//! "what moved" adds up to the score's change, no history in the future, no colour without
//! usage data, and the pooled digital queue, which is not a person, serves the long tail only.

mod support;

use chrono::{Datelike, NaiveDate};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

type Open = Vec<(i64, i64, String, String)>;

#[tokio::test]
async fn the_demo_tells_the_truth() {
    let db = support::TestDb::new().await;
    let store = &db.store;
    let today = db.clock.today();
    let book = DemoBook::new(300, 42, today);
    // The demo's steps, as `sherpa demo` runs them.
    store
        .load_demo(&book, "$argon2id$x", &|_, _| {})
        .await
        .unwrap();
    store.load_demo_voice(&book).await.unwrap();
    let weeks: Vec<NaiveDate> = (1..=12)
        .rev()
        .map(|w| today - chrono::Days::new(7 * w))
        .collect();
    store.backfill_health_snapshots(&weeks).await.unwrap();
    store.rebuild_health().await.unwrap();
    store.snapshot_health_daily().await.unwrap();
    store.run_engagement().await.unwrap();

    let pool = store.pool();
    let open: Open = sqlx::query_as(
        "SELECT id, account_id, dedup_key, created_at FROM tasks \
         WHERE status = 'open' AND dedup_key IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(open.len() > 50, "the demo has work to do: {}", open.len());

    // A logged touch answers the personal touch; a business review this quarter, the QBR.
    let activities: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT account_id, kind, occurred_at FROM activities")
            .fetch_all(pool)
            .await
            .unwrap();
    let quarter = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)
        .unwrap()
        .to_string();
    for (task, account, key, created) in &open {
        let mine = activities.iter().filter(|(a, _, _)| a == account);
        let mut kinds = mine.map(|(_, k, at)| (k.parse::<ActivityKind>().unwrap(), at));
        match key.as_str() {
            "personal-touch" => assert!(
                !kinds.any(|(k, at)| k.is_personal_touch() && at.as_str() >= created.as_str()),
                "task {task}: a touch was logged after it opened"
            ),
            "engagement:qbr" => assert!(
                !kinds.any(|(k, at)| matches!(k, ActivityKind::Qbr | ActivityKind::Ebr)
                    && at.as_str() >= quarter.as_str()),
                "task {task}: the quarter's review is held"
            ),
            _ => {}
        }
    }

    // Onboarding tasks only on accounts in onboarding, and never for a milestone done.
    let mut engagement = HashMap::new();
    for (task, account, key, _) in &open {
        let Some(milestone) = key.strip_prefix("engagement:late_") else {
            continue;
        };
        if !engagement.contains_key(account) {
            let e = store.account_engagement(AccountId(*account)).await.unwrap();
            engagement.insert(*account, e);
        }
        let e = &engagement[account];
        assert!(
            e.in_onboarding(),
            "task {task}: {account} is past onboarding"
        );
        let m = e.milestones.iter().find(|m| m.key == milestone).unwrap();
        assert!(m.completed.is_none(), "task {task}: {milestone} is done");
    }

    // What moved adds up to the change of the score shown, within rounding.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut explained = 0;
    for id in ids.iter().take(120) {
        let h = store.account_health(AccountId(*id)).await.unwrap();
        let Some(since) = h.changes_since else {
            continue;
        };
        let history = store.health_history(AccountId(*id)).await.unwrap();
        let before = history.iter().find(|s| s.taken_at == since).unwrap();
        if let (Some(was), Some(is)) = (before.score, h.health.score) {
            let sum: f64 = h.changes.iter().map(|c| c.points).sum();
            let slack = 0.05 * (h.changes.len() + 2) as f64;
            assert!(
                (sum - (is - was)).abs() <= slack,
                "account {id}: {was} to {is} explained as {:?}",
                h.changes
            );
            explained += 1;
        }
    }
    assert!(explained > 20, "only {explained} scores moved");

    // No history in the future: a running term's end is a renewal due, not a churn.
    for id in &ids {
        let history = store.arr_history(AccountId(*id)).await.unwrap();
        assert!(
            history.iter().all(|m| m.on <= today),
            "account {id}: {history:?}"
        );
    }

    // No colour without usage data.
    let coloured_without_usage: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM account_health h WHERE h.colour IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM usage_days u WHERE u.account_id = h.account_id)",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(coloured_without_usage, 0);

    // Time to first value: recent cohorts reached it, in days, not on their first day.
    let onboarding = store.onboarding_analytics().await.unwrap();
    let firsts: Vec<_> = onboarding
        .cohorts
        .iter()
        .filter_map(|c| c.first_value.clone())
        .collect();
    assert!(!firsts.is_empty(), "{:?}", onboarding.cohorts);
    assert!(firsts.iter().all(|f| f.median_days > 0.0), "{firsts:?}");

    // The pooled digital queue holds no Tier 1 or Tier 2 account.
    let pooled: Vec<(Option<i64>,)> = sqlx::query_as(
        "SELECT a.tier FROM accounts a JOIN users u ON u.id = a.csm_id \
         WHERE u.email = 'digital@sherpa.example'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let tiers: HashSet<Option<i64>> = pooled.into_iter().map(|(t,)| t).collect();
    assert!(
        !tiers.contains(&Some(1)) && !tiers.contains(&Some(2)),
        "{tiers:?}"
    );
    // ... and it is a queue, not a person: staffing does not count it among the CSMs.
    let digital = store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email.as_str() == "digital@sherpa.example")
        .unwrap();
    assert_eq!(digital.function, Function::DigitalPool);
}
