//! Books, sessions and saved views on SQLite and PostgreSQL: what the web UI reads and keeps.

mod support;

use sherpa_core::*;
use sherpa_store::{AccountQuery, AuditQuery};
use std::collections::BTreeMap;

async fn person(db: &support::TestDb, email: &str, role: Role) -> User {
    let input = UserInput {
        email: Email::parse(email).unwrap(),
        name: email.split('@').next().unwrap().into(),
        function: Function::Csm,
        role,
        manager_email: None,
        active: true,
    };
    db.store
        .upsert_user(&Actor::system("test"), &input, None)
        .await
        .unwrap()
}

async fn account(
    db: &support::TestDb,
    name: &str,
    owners: &[(OwnerFunction, UserId)],
    arr: &str,
) -> Account {
    let owners: BTreeMap<_, _> = owners
        .iter()
        .map(|(f, u)| (*f, Some(PersonRef::Id(*u))))
        .collect();
    let sys = Actor::system("test");
    let a = db
        .store
        .create_account(
            &sys,
            &AccountPatch {
                name: Some(name.into()),
                owners,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let patch = ContractPatch {
        account: Some(AccountRef::Id(a.id)),
        arr: Some(Money::parse(arr, Currency::USD).unwrap()),
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        end_date: chrono::NaiveDate::from_ymd_opt(2027, 6, 30),
        ..Default::default()
    };
    db.store.save_contract(&sys, None, &patch).await.unwrap();
    db.store.account(a.id).await.unwrap()
}

#[tokio::test]
async fn book_sizes_count_an_account_once_per_person_and_totals_follow_the_filters() {
    let db = support::TestDb::new().await;
    let ana = person(&db, "ana@example.com", Role::Csm).await;
    let bo = person(&db, "bo@example.com", Role::Sales).await;
    let cy = person(&db, "cy@example.com", Role::Csm).await;
    // Ana is both CSM and AE of Acme: one account in her book, not two.
    account(
        &db,
        "Acme",
        &[(OwnerFunction::Csm, ana.id), (OwnerFunction::Ae, ana.id)],
        "10000",
    )
    .await;
    account(
        &db,
        "Beta",
        &[(OwnerFunction::Csm, ana.id), (OwnerFunction::Ae, bo.id)],
        "2500.50",
    )
    .await;
    account(
        &db,
        "Gamma",
        &[(OwnerFunction::ExecutiveSponsor, bo.id)],
        "700",
    )
    .await;
    let sizes = db.store.book_sizes(&[ana.id, bo.id, cy.id]).await.unwrap();
    let of = |u: UserId| {
        sizes
            .iter()
            .find(|b| b.user_id == u)
            .map(|b| (b.accounts, b.arr.fixed_amount()))
    };
    assert_eq!(of(ana.id), Some((2, "12500.50".into())));
    assert_eq!(of(bo.id), Some((2, "3200.50".into())));
    assert_eq!(of(cy.id), None, "an empty book has no row");

    let (n, arr) = db
        .store
        .account_totals(&AccountQuery {
            owner: Some(bo.id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((n, arr.fixed_amount()), (2, "3200.50".into()));
    let (n, arr) = db
        .store
        .account_totals(&AccountQuery {
            arr_min: Some("1000".parse().unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((n, arr.fixed_amount()), (2, "12500.50".into()));
    let names = db.store.user_names(&[ana.id, bo.id, ana.id]).await.unwrap();
    assert_eq!(names.len(), 2);
    assert_eq!(names[&bo.id], "bo");
}

#[tokio::test]
async fn the_last_personal_touch_ignores_notes() {
    let db = support::TestDb::new().await;
    let ana = person(&db, "ana@example.com", Role::Csm).await;
    let a = account(&db, "Acme", &[(OwnerFunction::Csm, ana.id)], "100").await;
    let log = |kind: ActivityKind, day: u32| ActivityInput {
        account: AccountRef::Id(a.id),
        external_id: None,
        kind,
        occurred_at: chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc(),
        by: Some(PersonRef::Id(ana.id)),
        attendees: vec![],
        summary: "x".into(),
    };
    let sys = Actor::system("test");
    db.store
        .log_activity(&sys, &log(ActivityKind::Call, 3))
        .await
        .unwrap();
    db.store
        .log_activity(&sys, &log(ActivityKind::Note, 20))
        .await
        .unwrap();
    let touches = db.store.last_personal_touches(&[a.id]).await.unwrap();
    assert_eq!(touches[&a.id].date_naive().to_string(), "2026-11-03");
    // Activities are audited against their account.
    let entries = db
        .store
        .audit_entries(&AuditQuery {
            account_id: Some(a.id),
            entity: Some("activity".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 2);
}

#[tokio::test]
async fn sessions_expire_close_and_keep_only_a_hash() {
    let db = support::TestDb::new().await;
    let ana = person(&db, "ana@example.com", Role::Csm).await;
    let s = db
        .store
        .open_session(ana.id, chrono::Duration::hours(12))
        .await
        .unwrap();
    let other = db
        .store
        .open_session(ana.id, chrono::Duration::hours(12))
        .await
        .unwrap();
    assert_eq!(
        db.store.session(&s.cookie).await.unwrap().unwrap().user.id,
        ana.id
    );
    assert!(db.store.session("not-a-session").await.unwrap().is_none());
    assert_eq!(
        db.store
            .close_sessions_of(ana.id, Some(&s.cookie))
            .await
            .unwrap(),
        1
    );
    assert!(db.store.session(&other.cookie).await.unwrap().is_none());
    db.clock.advance(chrono::Duration::hours(13));
    assert!(
        db.store.session(&s.cookie).await.unwrap().is_none(),
        "expired"
    );
    assert_eq!(db.store.prune_sessions().await.unwrap(), 1);
}

#[tokio::test]
async fn saved_views_are_personal_and_uploads_wait_for_their_owner() {
    let db = support::TestDb::new().await;
    let ana = person(&db, "ana@example.com", Role::Leader).await;
    let bo = person(&db, "bo@example.com", Role::Leader).await;
    db.store
        .save_view(ana.id, "Renewals", "renewal=90")
        .await
        .unwrap();
    db.store
        .save_view(ana.id, "Renewals", "renewal=60")
        .await
        .unwrap();
    let views = db.store.saved_views(ana.id).await.unwrap();
    assert_eq!(views.len(), 1, "saving under the same name replaces");
    assert_eq!(views[0].query, "renewal=60");
    assert!(db.store.saved_views(bo.id).await.unwrap().is_empty());
    assert!(
        db.store.delete_view(bo.id, views[0].id).await.is_err(),
        "not Bo's to delete"
    );

    let bytes = b"\xef\xbb\xbfname\nAcme\n";
    let id = db
        .store
        .stage_upload(ana.id, "accounts", "a.csv", bytes)
        .await
        .unwrap();
    assert!(
        db.store.staged_upload(bo.id, id).await.is_err(),
        "only the uploader confirms"
    );
    assert_eq!(
        db.store.staged_upload(ana.id, id).await.unwrap().content,
        bytes.to_vec()
    );
    db.store.drop_upload(id).await.unwrap();
    assert!(db.store.staged_upload(ana.id, id).await.is_err());
    // An upload nobody confirms is dropped after a day.
    let stale = db
        .store
        .stage_upload(ana.id, "accounts", "b.csv", bytes)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .prune_uploads(chrono::Duration::days(1))
            .await
            .unwrap(),
        0
    );
    db.clock.advance(chrono::Duration::hours(25));
    assert_eq!(
        db.store
            .prune_uploads(chrono::Duration::days(1))
            .await
            .unwrap(),
        1
    );
    assert!(db.store.staged_upload(ana.id, stale).await.is_err());
}

/// A list's totals are kept in memory between reads, and any change to an account, by this
/// server or another on the same database, is seen at the next read.
#[tokio::test]
async fn kept_totals_follow_every_write_from_any_server() {
    let db = support::TestDb::new().await;
    let other = db.second_server().await;
    let ana = person(&db, "ana@example.com", Role::Csm).await;
    let all = AccountQuery::default();
    let big = AccountQuery {
        arr_min: Some("1000".parse().unwrap()),
        ..Default::default()
    };
    let totals = |store: &sherpa_store::Store, q: &AccountQuery| {
        let (store, q) = (store.clone(), q.clone());
        async move {
            let (n, arr) = store.account_totals(&q).await.unwrap();
            (n, arr.fixed_amount())
        }
    };
    let acme = account(&db, "Acme", &[(OwnerFunction::Csm, ana.id)], "1500").await;
    assert_eq!(totals(&db.store, &all).await, (1, "1500.00".into()));
    assert_eq!(totals(&other, &big).await, (1, "1500.00".into()));
    // Another server adds one: this one counts it.
    account(&db, "Beta", &[], "200").await;
    other
        .update_account(
            &Actor::system("test"),
            acme.id,
            &AccountPatch {
                name: Some("Acme Group".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(totals(&db.store, &all).await, (2, "1700.00".into()));
    // A renewal moves ARR: the ARR filter's totals follow on both servers.
    let renewal = ContractPatch {
        account: Some(AccountRef::Id(acme.id)),
        arr: Some(Money::parse("800", Currency::USD).unwrap()),
        start_date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        end_date: chrono::NaiveDate::from_ymd_opt(2027, 6, 30),
        ..Default::default()
    };
    let terms = db
        .store
        .contracts(&sherpa_store::ListQuery {
            account: Some(acme.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    db.store
        .save_contract(&Actor::system("test"), Some(terms[0].id), &renewal)
        .await
        .unwrap();
    assert_eq!(totals(&other, &big).await, (0, "0.00".into()));
    assert_eq!(totals(&db.store, &all).await, (2, "1000.00".into()));
    db.store
        .delete_account(&Actor::system("test"), acme.id, "a test account")
        .await
        .unwrap();
    assert_eq!(totals(&other, &all).await, (1, "200.00".into()));
    // An import moves the counter as it commits: both servers count what it added.
    let sheet = sherpa_core::import::read_sheet(
        "Account ID,Account Name,Annual Revenue\n001A,Delta Inc,\n001B,Epsilon,\n".as_bytes(),
    )
    .unwrap();
    let parsed =
        sherpa_core::import::parse_accounts(&sheet, &sherpa_core::import::Mapping::default(), &[])
            .unwrap();
    other
        .import_accounts(&Actor::system("test"), &parsed, false, &|_| {})
        .await
        .unwrap();
    assert_eq!(totals(&db.store, &all).await, (3, "200.00".into()));
    assert_eq!(totals(&other, &all).await, (3, "200.00".into()));
}

/// A long write of many accounts (an import) holds up no other writer of accounts until it
/// commits: the counter that tells kept totals apart moves only as it commits. (SQLite has
/// one writer at a time; this is PostgreSQL's.)
#[tokio::test]
async fn an_import_in_progress_holds_up_no_other_account_writer() {
    let db = support::TestDb::new().await;
    if db.store.engine() != sherpa_store::Engine::Postgres {
        return;
    }
    let acme = account(&db, "Acme", &[], "1500").await;
    let all = AccountQuery::default();
    assert_eq!(db.store.account_totals(&all).await.unwrap().0, 1);
    // An import's transaction, open and written to, not yet committed.
    let mut import = db.store.pool().begin().await.unwrap();
    sqlx::query("SET LOCAL sherpa.generation_at_commit = 'on'")
        .execute(&mut *import)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO accounts (name, name_key, search_key, created_at, updated_at) \
         VALUES ('Zeta', 'zeta', 'zeta', '2026-11-23T09:00:00Z', '2026-11-23T09:00:00Z')",
    )
    .execute(&mut *import)
    .await
    .unwrap();
    // Another person's edit, on a connection of its own that gives up after two seconds.
    let mut edit = db.store.pool().begin().await.unwrap();
    sqlx::query("SET LOCAL lock_timeout = '2s'")
        .execute(&mut *edit)
        .await
        .unwrap();
    let renamed = sqlx::query("UPDATE accounts SET name = 'Acme Group' WHERE id = $1")
        .bind(acme.id.0)
        .execute(&mut *edit)
        .await;
    match renamed {
        Ok(_) => edit.commit().await.unwrap(),
        Err(_) => edit.rollback().await.unwrap(),
    }
    sqlx::query("UPDATE book_generation SET n = n + 1 WHERE id = 1")
        .execute(&mut *import)
        .await
        .unwrap();
    import.commit().await.unwrap();
    assert!(
        renamed.is_ok(),
        "the edit waited for the import: {renamed:?}"
    );
    assert_eq!(db.store.account_totals(&all).await.unwrap().0, 2);
}
