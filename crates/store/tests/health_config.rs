//! Health as configuration and the at-risk playbook, on SQLite and PostgreSQL: an edited
//! scorecard, once the book is re-scored, scores every account by it and keeps its earlier
//! versions; an account that turns
//! red gets one playbook of tasks for its owners, and closing it records the outcome.

mod support;

use sherpa_core::assignment::{AssignmentRule, Condition};
use sherpa_core::health::{Colour, HealthConfig, PlaybookOutcome};
use sherpa_core::*;

fn urgent_ticket(account: AccountId, i: usize) -> TicketFields {
    support::urgent_ticket(account, i, "2026-11-20T09:00:00Z")
}

#[tokio::test]
async fn an_edited_scorecard_rescores_the_book_and_keeps_the_version_before() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-1").await;
    for i in 0..4 {
        db.store
            .save_ticket(&sys, &urgent_ticket(acme, i))
            .await
            .unwrap();
    }
    let before = db.store.account_health(acme).await.unwrap();
    assert_eq!(before.health.scorecard, "Default");
    assert_eq!(db.store.health_config_versions().await.unwrap().len(), 1);

    // Escalations weigh ten times as much, and tier 1 accounts get a scorecard of their own.
    let mut config = db.store.health_config().await.unwrap();
    let escalations = config.scorecards[0]
        .factors
        .iter_mut()
        .find(|f| f.metric == "escalations_90d")
        .unwrap();
    escalations.weight = 10.0;
    let mut strategic = config.scorecards[0].clone();
    strategic.name = "Strategic".into();
    config.scorecards.push(strategic);
    config.rules.insert(
        0,
        AssignmentRule {
            when: Condition {
                tier: Some(1),
                ..Default::default()
            },
            then: "Strategic".into(),
        },
    );
    let changes = db.store.set_health_config(&sys, &config).await.unwrap();
    assert_eq!(
        changes,
        vec!["rules", "scorecard Default", "new scorecard Strategic"]
    );
    db.store.recompute_health().await.unwrap();
    let after = db.store.account_health(acme).await.unwrap();
    assert!(
        after.health.score.unwrap() < before.health.score.unwrap(),
        "re-scored: {:?} -> {:?}",
        before.health.score,
        after.health.score
    );
    assert_eq!(
        after.why, "rule 3: every account",
        "the new rule came first"
    );
    let listed = db.store.account(acme).await.unwrap().health.unwrap();
    assert_eq!(
        Some(listed.0),
        after.health.score,
        "lists show the new score without a refresh"
    );

    // Saving the same again changes nothing; a bad one names its key and changes nothing.
    assert!(
        db.store
            .set_health_config(&sys, &config)
            .await
            .unwrap()
            .is_empty()
    );
    let mut bad = config.clone();
    bad.scorecards[1].factors[0].metric = "vibes".into();
    let e = db.store.set_health_config(&sys, &bad).await.unwrap_err();
    assert!(
        e.to_string().contains("scorecards[1].factors[0].metric"),
        "{e}"
    );
    let mut orphan = config.clone();
    orphan.scorecards.retain(|c| c.name != "Strategic");
    let e = db.store.set_health_config(&sys, &orphan).await.unwrap_err();
    assert!(e.to_string().contains("rules[0].then"), "{e}");
    assert_eq!(db.store.health_config().await.unwrap(), config);

    // Editing one scorecard keeps what the others were.
    let mut lighter = config.clone();
    lighter.scorecards[2].factors.pop();
    assert_eq!(
        db.store.set_health_config(&sys, &lighter).await.unwrap(),
        vec!["scorecard Strategic"]
    );
    let versions = db.store.health_config_versions().await.unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0].summary, "scorecard Strategic");
    assert_eq!(versions[1].config, config, "the version before, whole");
    assert_eq!(
        versions[0].config.scorecards[0], versions[1].config.scorecards[0],
        "Default untouched"
    );
    assert_ne!(HealthConfig::default(), lighter);

    // A threshold edit that re-colours the account keeps the change as a snapshot, but opens
    // no at-risk playbook: the formula changed, not the customer.
    let before = db.store.account_health(acme).await.unwrap().health;
    assert_eq!(before.colour, Some(Colour::Red));
    let mut lenient = lighter.clone();
    lenient.scorecards[0].thresholds.orange = (before.score.unwrap() - 0.5).max(0.1);
    db.store.set_health_config(&sys, &lenient).await.unwrap();
    db.store.recompute_health().await.unwrap();
    let history = db.store.health_history(acme).await.unwrap();
    assert_eq!(
        (history[0].from_colour, history[0].colour),
        (Some(Colour::Red), Some(Colour::Orange))
    );
    assert!(db.store.account_playbooks(acme).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_account_that_turns_red_gets_one_playbook_for_its_owners_until_it_is_closed() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let csm = db.csm("csm@example.com", "Casey").await;
    let acme = db
        .store
        .create_account(
            &sys,
            &AccountPatch {
                name: Some("Acme".into()),
                owners: [(OwnerFunction::Csm, Some(PersonRef::Id(csm.id)))]
                    .into_iter()
                    .collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    db.connect_support(acme).await;
    assert_eq!(
        db.store.account_health(acme).await.unwrap().health.colour,
        Some(Colour::Green)
    );
    assert!(db.store.account_playbooks(acme).await.unwrap().is_empty());

    // Open escalated tickets turn it orange, then red: one playbook, opened at the first turn.
    for i in 0..8 {
        db.store
            .save_ticket(&sys, &urgent_ticket(acme, i))
            .await
            .unwrap();
        db.store.refresh_health(&[acme]).await.unwrap();
    }
    assert_eq!(
        db.store.account_health(acme).await.unwrap().health.colour,
        Some(Colour::Red)
    );
    let red = |colour| sherpa_store::AccountQuery {
        health: Some(colour),
        limit: 10,
        ..Default::default()
    };
    let (reds, _) = db.store.accounts(&red(Colour::Red)).await.unwrap();
    assert_eq!(reds.iter().map(|a| a.id).collect::<Vec<_>>(), vec![acme]);
    let (greens, _) = db.store.accounts(&red(Colour::Green)).await.unwrap();
    assert!(greens.is_empty(), "the book filters by colour");
    let playbooks = db.store.account_playbooks(acme).await.unwrap();
    assert_eq!(playbooks.len(), 1, "one open playbook per account");
    let p = &playbooks[0];
    assert_eq!(p.from_colour, Some(Colour::Green));
    assert!(p.closed_at.is_none());
    let default = HealthConfig::default().at_risk_playbook;
    assert_eq!(p.tasks.len(), default.tasks.len());
    assert!(
        p.tasks.iter().all(|t| t.fields.owner_id == Some(csm.id)),
        "the CSM, also for the vacant executive sponsor's task"
    );
    let first = &p.tasks[0];
    assert_eq!(first.fields.source, TaskSource::Health);
    assert!(
        first
            .fields
            .reason
            .contains(&format!("from green (score {:.1})", p.score.unwrap()))
            && first.fields.reason.contains("task 1 of 4"),
        "{}",
        first.fields.reason
    );
    let today = db.store.clock().today();
    assert_eq!(
        first.fields.due_on,
        Some(today + chrono::Days::new(default.tasks[0].due_in_days.into()))
    );
    let mine = db
        .store
        .tasks(&sherpa_store::TaskQuery {
            owner: Some(csm.id),
            status: Some(TaskStatus::Open),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 4, "in the CSM's task list");

    // Closing records the outcome and cancels what is still open.
    let closed = db
        .store
        .close_playbook(&sys, p.id, PlaybookOutcome::Recovered, "exec call fixed it")
        .await
        .unwrap();
    assert_eq!(closed.outcome, Some(PlaybookOutcome::Recovered));
    assert_eq!(closed.note.as_deref(), Some("exec call fixed it"));
    assert!(
        closed
            .tasks
            .iter()
            .all(|t| t.status == TaskStatus::Cancelled)
    );
    let again = db
        .store
        .close_playbook(&sys, p.id, PlaybookOutcome::Churned, "")
        .await
        .unwrap_err();
    assert!(again.to_string().contains("already closed"), "{again}");

    // A later turn opens a new one; turning green does not.
    let tickets = db.store.tickets(Some(acme), 100).await.unwrap();
    for t in tickets {
        let mut f = t.fields.clone();
        f.status = TicketStatus::Solved;
        f.resolved_at = Some(f.opened_at + chrono::Duration::hours(4));
        f.escalated = false;
        db.store.save_ticket(&sys, &f).await.unwrap();
    }
    db.store.refresh_health(&[acme]).await.unwrap();
    assert_eq!(db.store.account_playbooks(acme).await.unwrap().len(), 1);
    for i in 10..18 {
        db.store
            .save_ticket(&sys, &urgent_ticket(acme, i))
            .await
            .unwrap();
    }
    db.store.refresh_health(&[acme]).await.unwrap();
    let playbooks = db.store.account_playbooks(acme).await.unwrap();
    assert_eq!(playbooks.len(), 2);
    assert!(playbooks[0].closed_at.is_none() && playbooks[1].closed_at.is_some());
}

/// A term that ended on 2026-09-30 with `outcome`, on a new account.
async fn ended_term(db: &support::TestDb, name: &str, outcome: Outcome) -> AccountId {
    let id = db.account(name, &format!("EXT-{name}")).await;
    let term = ContractPatch {
        account: Some(AccountRef::Id(id)),
        arr: Some(Money::parse("12000", Currency::USD).unwrap()),
        start_date: chrono::NaiveDate::from_ymd_opt(2025, 10, 1),
        end_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 30),
        outcome: Some(Some(outcome)),
        ..Default::default()
    };
    db.store
        .save_contract(&Actor::system("test"), None, &term)
        .await
        .unwrap();
    id
}

fn ticket_opened(account: AccountId, i: usize, on: &str) -> TicketFields {
    support::urgent_ticket(account, i, &format!("{on}T09:00:00Z"))
}

#[tokio::test]
async fn the_backtest_scores_each_term_from_what_was_known_before_it_ended_and_nothing_after() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    // Both terms ended on 30 Sep; 90 days before is 2 Jul, a Thursday: scored as of Mon 29 Jun.
    let lost = ended_term(&db, "Lost", Outcome::Churned).await;
    let kept = ended_term(&db, "Kept", Outcome::Renewed).await;
    // The churned account was on fire in June; the renewed one only in August, after its
    // as-of day: that must not count against it.
    for i in 0..8 {
        db.store
            .save_ticket(&sys, &ticket_opened(lost, i, "2026-06-10"))
            .await
            .unwrap();
        db.store
            .save_ticket(&sys, &ticket_opened(kept, i, "2026-08-10"))
            .await
            .unwrap();
    }
    let b = db.store.health_backtest(90).await.unwrap();
    assert_eq!((b.terms, b.unscored), (2, 0));
    let auc = b.auc.unwrap();
    assert_eq!(
        (auc.value, auc.renewed, auc.churned),
        (1.0, 1, 1),
        "the renewed term scored above the churned one: its August tickets were not counted"
    );
    assert!(
        b.verdict.contains("too few to judge"),
        "two terms prove nothing, and it says so: {}",
        b.verdict
    );
    let colour_of = |churned: bool| {
        b.by_colour
            .iter()
            .find(|r| {
                if churned {
                    r.churned == 1
                } else {
                    r.renewed == 1
                }
            })
            .unwrap()
            .colour
    };
    assert_eq!(colour_of(false), Colour::Green);
    assert_eq!(colour_of(true), Colour::Red);
    assert!(b.suggestion.is_none(), "too few terms to fit weights");

    // Scored as of 30 days before the end instead, the August tickets count.
    let b = db.store.health_backtest(30).await.unwrap();
    assert_eq!(b.auc.unwrap().value, 0.5, "both on fire then");
    let e = db.store.health_backtest(0).await.unwrap_err();
    assert!(e.to_string().contains("horizon_days"), "{e}");
}

#[tokio::test]
async fn a_term_younger_than_the_horizon_is_scored_at_its_start_and_the_result_is_kept_per_scorecard_version()
 {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    ended_term(&db, "Annual", Outcome::Renewed).await;
    // A monthly term, 1 to 30 September: 90 days before its end the customer was not one yet.
    let monthly = db.account("Monthly", "EXT-Monthly").await;
    let term = ContractPatch {
        account: Some(AccountRef::Id(monthly)),
        arr: Some(Money::parse("1200", Currency::USD).unwrap()),
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
        end_date: chrono::NaiveDate::from_ymd_opt(2026, 9, 30),
        outcome: Some(Some(Outcome::Churned)),
        ..Default::default()
    };
    db.store
        .save_contract(&Actor::system("test"), None, &term)
        .await
        .unwrap();
    let b = db.store.health_backtest(90).await.unwrap();
    assert_eq!((b.terms, b.at_start, b.left_out), (2, 1, 0));
    assert_eq!(
        b.horizons.iter().map(|h| h.days).collect::<Vec<_>>(),
        vec![7, 30, 90],
        "the usual horizons side by side"
    );
    assert!(b.horizons.iter().all(|h| h.terms == 2));

    // Computed once and kept; a new scorecard version makes it stale, never shown as current.
    assert!(db.store.stored_backtest(90).await.unwrap().is_none());
    let kept = db.store.refresh_backtest(90).await.unwrap();
    let read = db.store.stored_backtest(90).await.unwrap().unwrap();
    assert_eq!(
        (
            read.backtest.terms,
            read.backtest.at_start,
            &read.backtest.verdict
        ),
        (
            kept.backtest.terms,
            kept.backtest.at_start,
            &kept.backtest.verdict
        )
    );
    assert_eq!(read.backtest.factors.len(), kept.backtest.factors.len());
    let mut config = db.store.health_config().await.unwrap();
    config.scorecards[0].factors[0].weight += 1.0;
    db.store
        .set_health_config(&Actor::system("test"), &config)
        .await
        .unwrap();
    assert!(db.store.stored_backtest(90).await.unwrap().is_none());
    assert!(
        db.store.stored_backtest(0).await.is_err(),
        "a bad horizon is named"
    );
}

/// A re-score under changed scorecards marks the colours it moved as moved by the scoring: the
/// account's health says so, the leader's list of colour changes too, and a later change in
/// the account's own data is the account's again.
#[tokio::test]
async fn colours_a_scorecard_change_moved_are_told_apart_from_colours_the_customer_moved() {
    let db = support::TestDb::new().await;
    db.score_on_any_input().await;
    let sys = Actor::system("test");
    let acme = db.account("Acme", "EXT-40").await;
    db.connect_support(acme).await;
    db.store.refresh_health(&[acme]).await.unwrap();
    db.store.snapshot_health_daily().await.unwrap();
    let green = db.store.account_health(acme).await.unwrap();
    assert_eq!(green.health.colour, Some(Colour::Green));

    // The team decides that a quiet help desk is no news: no open ticket earns no points.
    let mut config = db.store.health_config().await.unwrap();
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
    db.store.set_health_config(&sys, &config).await.unwrap();
    let done = db.store.recompute_health().await.unwrap();
    assert_eq!((done.colour_changes, done.playbooks_opened), (1, 0));
    let h = db.store.account_health(acme).await.unwrap();
    assert_ne!(h.health.colour, Some(Colour::Green));
    let moved = h.moved_by_scoring.expect("moved by the scoring");
    assert_eq!(
        (moved.from, moved.to),
        (Some(Colour::Green), h.health.colour)
    );
    assert_eq!(
        moved.change.unwrap().summary,
        "scorecard Default, scorecard Onboarding"
    );
    let history = db.store.health_history(acme).await.unwrap();
    assert_eq!(history[0].reason, "scorecard_change");
    let today = db.clock.today();
    let (_, moves) = db.store.colour_moves_since(today).await.unwrap();
    assert_eq!(
        moves
            .iter()
            .map(|m| (m.account, m.by_scoring))
            .collect::<Vec<_>>(),
        [(acme, true)]
    );

    // Then the customer's own tickets move it again: that move is the account's.
    let by_scoring = h.health.colour;
    for i in 0..3 {
        let ticket = TicketFields {
            escalated: false,
            ..urgent_ticket(acme, 100 + i)
        };
        db.store.save_ticket(&sys, &ticket).await.unwrap();
    }
    db.store.refresh_health(&[acme]).await.unwrap();
    let h = db.store.account_health(acme).await.unwrap();
    assert_ne!(h.health.colour, by_scoring, "{:?}", h.health);
    assert_ne!(h.health.colour, Some(Colour::Green), "{:?}", h.health);
    assert!(h.moved_by_scoring.is_none());
    let (_, moves) = db.store.colour_moves_since(today).await.unwrap();
    assert!(!moves[0].by_scoring);
}

/// A book on Sherpa's built-in scorecards follows a release's new ones as a version of their
/// own (marked as built-in, its day a scoring change); a team's own configuration is kept.
#[tokio::test]
async fn a_release_changing_the_built_in_scorecards_is_a_new_version_and_a_teams_own_is_kept() {
    let db = support::TestDb::new().await;
    let first = db.store.follow_builtin_health_config().await.unwrap();
    assert!(first.recorded && !first.rescores, "{first:?}");
    let again = db.store.follow_builtin_health_config().await.unwrap();
    assert!(!again.recorded, "the same defaults are not a new version");
    let long_ago = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    assert!(
        db.store.scoring_changes(long_ago).await.unwrap().is_empty(),
        "recording the defaults changes no score"
    );

    // Another book, on an earlier release's defaults: this release's differ.
    let db = support::TestDb::new().await;
    let mut older = HealthConfig::default();
    older.scorecards[0].factors[0].weight += 7.0;
    sqlx::query(
        "INSERT INTO health_config_versions (config, saved_at, saved_by, summary, builtin) \
         VALUES ($1, $2, NULL, 'Sherpa''s built-in scorecards', 1)",
    )
    .bind(serde_json::to_string(&older).unwrap())
    .bind("2026-01-01T00:00:00Z")
    .execute(db.store.pool())
    .await
    .unwrap();
    let followed = db.store.follow_builtin_health_config().await.unwrap();
    assert!(followed.recorded && followed.rescores, "{followed:?}");
    let versions = db.store.health_config_versions().await.unwrap();
    assert!(versions[0].builtin);
    assert_eq!(
        versions[0].summary,
        "Sherpa's built-in defaults changed: scorecard Default"
    );
    assert_eq!(versions[0].config, HealthConfig::default());
    let changes = db.store.scoring_changes(long_ago).await.unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.builtin, c.summary.as_str()))
            .collect::<Vec<_>>(),
        [(
            true,
            "Sherpa's built-in defaults changed: scorecard Default"
        )],
        "the first defaults recorded changed nothing; the release's new ones did"
    );

    // The team saves its own: a later release never replaces it.
    let mut own = HealthConfig::default();
    own.scorecards[0].thresholds.green = 80.0;
    db.store
        .set_health_config(&Actor::system("test"), &own)
        .await
        .unwrap();
    let kept = db.store.follow_builtin_health_config().await.unwrap();
    assert!(!kept.recorded);
    assert_eq!(db.store.health_config().await.unwrap(), own);
}
