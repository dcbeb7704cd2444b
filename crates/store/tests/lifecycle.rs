//! Lifecycles from contract terms, for accounts that came without one: the onboarding
//! scorecard and engagement models apply to them, and a person's own choice always wins.
//! Runs on SQLite and on PostgreSQL (`SHERPA_TEST_PG`).

mod support;

use chrono::{Days, NaiveDate};
use sherpa_core::*;

async fn term(db: &support::TestDb, account: AccountId, start: NaiveDate, days: u64) {
    let patch = ContractPatch {
        account: Some(AccountRef::Id(account)),
        arr: Some(Money::parse("12000", Currency::USD).unwrap()),
        start_date: Some(start),
        end_date: Some(start + Days::new(days)),
        ..Default::default()
    };
    db.store
        .save_contract(&Actor::system("test"), None, &patch)
        .await
        .unwrap();
}

#[tokio::test]
async fn accounts_without_a_lifecycle_get_one_from_their_terms_and_a_chosen_one_is_kept() {
    let db = support::TestDb::new().await;
    let today = db.store.clock().today();
    let new = db.account("New Co", "EXT-NEW").await;
    let settled = db.account("Settled Co", "EXT-SETTLED").await;
    let gone = db.account("Gone Co", "EXT-GONE").await;
    let chosen = db.account("Chosen Co", "EXT-CHOSEN").await;
    let bare = db.account("No Terms Co", "EXT-BARE").await;
    term(&db, new, today - Days::new(20), 365).await;
    term(&db, settled, today - Days::new(400), 365).await;
    term(&db, settled, today - Days::new(35), 365).await;
    term(&db, gone, today - Days::new(500), 365).await;
    term(&db, chosen, today - Days::new(10), 365).await;
    let sys = Actor::system("test");
    db.store
        .update_account(
            &sys,
            chosen,
            &AccountPatch {
                lifecycle: Some(Some(Lifecycle::Ongoing)),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    assert_eq!(db.store.derive_lifecycles().await.unwrap(), 3);
    let lifecycle = |a| {
        let store = db.store.clone();
        async move { store.account(a).await.unwrap().fields.lifecycle }
    };
    assert_eq!(lifecycle(new).await, Some(Lifecycle::Onboarding));
    assert_eq!(lifecycle(settled).await, Some(Lifecycle::Ongoing));
    assert_eq!(lifecycle(gone).await, Some(Lifecycle::Churned));
    assert_eq!(
        lifecycle(chosen).await,
        Some(Lifecycle::Ongoing),
        "a person's choice stays, though its term began ten days ago"
    );
    assert_eq!(lifecycle(bare).await, None, "no term, nothing to tell");
    assert_eq!(
        db.store.derive_lifecycles().await.unwrap(),
        0,
        "nothing changes twice"
    );

    // A person who sets a worked-out lifecycle makes it theirs: the terms no longer move it.
    db.store
        .update_account(
            &sys,
            gone,
            &AccountPatch {
                lifecycle: Some(Some(Lifecycle::Ongoing)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(db.store.derive_lifecycles().await.unwrap(), 0);
    assert_eq!(lifecycle(gone).await, Some(Lifecycle::Ongoing));
}
