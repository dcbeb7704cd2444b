//! The storage story, run as it is on SQLite and on PostgreSQL (`SHERPA_TEST_PG`).

mod support;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use sherpa_core::import::*;
use sherpa_core::*;
use sherpa_store::*;
use support::TestDb;

fn admin() -> Actor {
    Actor::system("test")
}

fn none(_: usize) {}

fn names(accounts: &[Account]) -> Vec<&str> {
    accounts.iter().map(|a| a.fields.name.as_str()).collect()
}

async fn team(db: &TestDb) -> User {
    let input = UserInput {
        email: Email::parse("ana.lopez@example.com").unwrap(),
        name: "Ana Lopez".into(),
        function: Function::Csm,
        role: Role::Csm,
        manager_email: None,
        active: true,
    };
    db.store
        .upsert_user(&admin(), &input, Some("$argon2id$fake"))
        .await
        .unwrap()
}

const SALESFORCE: &str = "Account ID,Account Name,Industry,Billing Country,Annual Revenue,Employees,Account Owner,Type\n\
001A,Acme Corp,Software,France,1000000,120,Ana Lopez,Customer - Direct\n\
001B,Beta Ltd,Retail,Germany,,45,ana.lopez@example.com,Customer - Channel\n\
001C,Gamma plc,Software,France,,9000,,Former Customer\n";

async fn import_accounts(db: &TestDb, csv: &str) -> Result<ImportSummary, StoreError> {
    let sheet = read_sheet(csv.as_bytes()).unwrap();
    let parsed = parse_accounts(&sheet, &Mapping::default(), &[]).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    db.store
        .import_accounts(&admin(), &parsed, false, &none)
        .await
}

/// The account with this CRM id.
async fn by_crm_id(db: &TestDb, external_id: &str) -> Account {
    let q = AccountQuery {
        external_id: Some(external_id.into()),
        limit: 1,
        ..Default::default()
    };
    db.store.accounts(&q).await.unwrap().0.remove(0)
}

/// The first 50 accounts of the book, by name.
async fn every_account(db: &TestDb) -> Vec<Account> {
    let q = AccountQuery {
        limit: 50,
        ..Default::default()
    };
    db.store.accounts(&q).await.unwrap().0
}

#[tokio::test]
async fn imports_are_idempotent_and_all_or_nothing() {
    let db = TestDb::new().await;
    let ana = team(&db).await;
    let first = import_accounts(&db, SALESFORCE).await.unwrap();
    assert_eq!((first.created, first.updated, first.unchanged), (3, 0, 0));
    assert_eq!(first.ignored_columns, vec!["Annual Revenue"]);
    let again = import_accounts(&db, SALESFORCE).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));

    let accounts = every_account(&db).await;
    assert_eq!(accounts.len(), 3);
    let acme = accounts
        .iter()
        .find(|a| a.fields.name == "Acme Corp")
        .unwrap();
    assert_eq!(
        acme.fields.owners.ae,
        Some(ana.id),
        "owner named by full name"
    );
    assert_eq!(acme.fields.lifecycle, Some(Lifecycle::Ongoing));
    let gamma = accounts
        .iter()
        .find(|a| a.fields.name == "Gamma plc")
        .unwrap();
    assert_eq!(gamma.fields.lifecycle, Some(Lifecycle::Churned));

    // One row names a parent the book does not hold: nothing of the file is written.
    let bad = "Account ID,Account Name,Account Owner,Parent Account ID\n001D,Delta,Ana Lopez,\n001E,Epsilon,Ana Lopez,001Z\n";
    match import_accounts(&db, bad).await {
        Err(StoreError::Rows(errors)) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].line, 3);
            assert_eq!(errors[0].column.as_deref(), Some("Parent Account ID"));
            assert!(errors[0].message.contains("001Z"), "{}", errors[0].message);
        }
        other => panic!("expected rejected rows, got {other:?}"),
    }
    let accounts = every_account(&db).await;
    assert_eq!(accounts.len(), 3, "Delta must not have been written");

    // An owner who is not a team member does not refuse the row: the name waits on the account.
    let unknown = "Account ID,Account Name,Account Owner\n001F,Zeta,Nobody Here\n";
    let s = import_accounts(&db, unknown).await.unwrap();
    assert_eq!(s.created, 1);
    assert_eq!(s.unknown_owners, vec![("Nobody Here".to_string(), 1)]);
    // The file lacks the three accounts imported before: they are listed, never deleted.
    let missing: Vec<&str> = s.not_in_file.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(missing, ["Acme Corp", "Beta Ltd", "Gamma plc"]);
    let waiting = db.store.pending_owners().await.unwrap();
    assert_eq!(
        (waiting[0].name.as_str(), waiting[0].accounts),
        ("Nobody Here", 1)
    );

    // Every write left an audit entry with before and after.
    let audit = db
        .store
        .audit_entries(&AuditQuery {
            entity: Some("account".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 4, "three accounts, then Zeta");
    assert!(
        audit
            .iter()
            .all(|e| e.before.is_none() && e.after.is_some())
    );

    // "Nobody Here" is Ana in Sherpa: an admin gives her the account that waited, audited.
    let refused = db
        .store
        .assign_pending_owner(&admin(), "Somebody Else", ana.id)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("Somebody Else"), "{refused}");
    let n = db
        .store
        .assign_pending_owner(&admin(), "nobody here", ana.id)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert!(db.store.pending_owners().await.unwrap().is_empty());
    let accounts = every_account(&db).await;
    let zeta = accounts.iter().find(|a| a.fields.name == "Zeta").unwrap();
    assert_eq!(zeta.fields.owners.ae, Some(ana.id));
}

#[tokio::test]
async fn contract_terms_drive_arr_renewal_and_history() {
    let db = TestDb::new().await;
    team(&db).await;
    import_accounts(&db, SALESFORCE).await.unwrap();
    let csv = "external_id,account_external_id,product,arr,currency,seats,start_date,end_date,outcome\n\
        T1,001A,Core,\"12,000.00\",USD,10,2024-12-01,2025-11-30,expanded\n\
        T2,001A,Core,18000.50,USD,15,2025-12-01,2026-11-30,\n\
        T3,001B,Core,6000,USD,5,2026-02-01,2027-01-31,\n";
    let parsed =
        parse_contracts(&read_sheet(csv.as_bytes()).unwrap(), &Mapping::default()).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let s = db
        .store
        .import_contracts(&admin(), &parsed, false, &none)
        .await
        .unwrap();
    assert_eq!(s.created, 3);
    let again = db
        .store
        .import_contracts(&admin(), &parsed, false, &none)
        .await
        .unwrap();
    assert_eq!(again.unchanged, 3);

    let acme = &by_crm_id(&db, "001A").await;
    assert_eq!(acme.arr.amount, Decimal::new(1_800_050, 2));
    assert_eq!(
        db.store.renewal_date(acme.id).await.unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 30)
    );
    // The running term's end is a renewal due, not a churn.
    let history = db.store.arr_history(acme.id).await.unwrap();
    let kinds: Vec<_> = history.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        vec![ArrMovementKind::New, ArrMovementKind::Expansion]
    );

    // Filters: renewal window and ARR range; sorting by ARR descending.
    let today = db.clock.today();
    let q = AccountQuery {
        renewal_from: Some(today),
        renewal_to: Some(today + Duration::days(30)),
        limit: 10,
        ..Default::default()
    };
    let (renewing, _) = db.store.accounts(&q).await.unwrap();
    assert_eq!(names(&renewing), vec!["Acme Corp"]);
    let q = AccountQuery {
        sort: AccountSort {
            field: SortField::Arr,
            descending: true,
        },
        arr_min: Some(Decimal::from(1)),
        limit: 10,
        ..Default::default()
    };
    let (by_arr, _) = db.store.accounts(&q).await.unwrap();
    assert_eq!(names(&by_arr), vec!["Acme Corp", "Beta Ltd"]);

    // A bad term changes nothing and names its line and column.
    let bad = "external_id,account_external_id,arr,start_date,end_date\nT9,001C,12k$,2026-01-01,2026-12-31\n";
    let parsed =
        parse_contracts(&read_sheet(bad.as_bytes()).unwrap(), &Mapping::default()).unwrap();
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].column.as_deref(), Some("arr"));
    assert!(
        parsed.errors[0].message.contains("\"12k$\""),
        "{}",
        parsed.errors[0].message
    );
}

#[tokio::test]
async fn won_opportunities_and_deals_become_contract_terms() {
    let db = TestDb::new().await;
    team(&db).await;
    import_accounts(&db, SALESFORCE).await.unwrap();
    let terms = |csv: &str| {
        parse_contracts(&read_sheet(csv.as_bytes()).unwrap(), &Mapping::default()).unwrap()
    };

    // A Salesforce opportunity report: open and lost deals are left out and counted; a won
    // deal's term starts at its close date and, with no term length, lasts 12 months.
    let report = "\"Opportunity ID\",\"Account ID\",\"Opportunity Name\",\"Stage\",\"Amount\",\"Close Date\",\"Type\"\r\n\
        \"0065g00000X1AAA\",\"001A\",\"Acme renewal\",\"Closed Won\",\"24,000.00\",\"1/15/2026\",\"Existing Business\"\r\n\
        \"0065g00000X2AAA\",\"001B\",\"Beta new\",\"Closed Lost\",\"5,000.00\",\"2/1/2026\",\"New Business\"\r\n\
        \"0065g00000X3AAA\",\"001B\",\"Beta upsell\",\"Prospecting\",\"7,000.00\",\"3/1/2026\",\"Existing Business\"\r\n";
    let parsed = terms(report);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let s = db
        .store
        .import_contracts(&admin(), &parsed, false, &none)
        .await
        .unwrap();
    assert_eq!(s.created, 1);
    assert_eq!(
        s.left_out,
        vec![
            ("Closed Lost".to_string(), 1),
            ("Prospecting".to_string(), 1)
        ]
    );
    assert_eq!(s.assumed_annual, 1);
    assert_eq!(
        s.left_out_words(ImportKind::Contracts).unwrap(),
        "2 rows left out, not closed-won deals: 1 Closed Lost, 1 Prospecting."
    );
    let acme = by_crm_id(&db, "001A").await;
    assert_eq!(acme.arr.amount, Decimal::new(24_000, 0));
    assert_eq!(
        db.store.renewal_date(acme.id).await.unwrap(),
        NaiveDate::from_ymd_opt(2027, 1, 14)
    );

    // A HubSpot deal export: the stage by its internal name, the close date with its time,
    // the first of the associated companies, a term length in months.
    let deals = "Record ID,Deal Name,Deal Stage,Amount,Close Date,Associated Company IDs,Term (months)\n\
        9001,Beta two years,closedwon,6000,2026-02-01 14:03,001B;001A,24\n\
        9002,Gamma pilot,appointmentscheduled,1000,2026-04-01 09:00,001C,12\n";
    let s = db
        .store
        .import_contracts(&admin(), &terms(deals), false, &none)
        .await
        .unwrap();
    assert_eq!((s.created, s.assumed_annual), (1, 0));
    assert_eq!(s.left_out, vec![("appointmentscheduled".to_string(), 1)]);
    // The file has the HubSpot deal and not the Salesforce one: it is listed, not deleted.
    let missing: Vec<&str> = s.not_in_file.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(missing, ["Acme Corp, 2026-01-15 to 2027-01-14"]);
    let beta = by_crm_id(&db, "001B").await;
    assert_eq!(
        db.store.renewal_date(beta.id).await.unwrap(),
        NaiveDate::from_ymd_opt(2028, 1, 31)
    );

    // A won deal with a term of 0 months names its line and column.
    let bad = terms(
        "Id,AccountId,StageName,Amount,CloseDate,Term Months\n006X,001C,Closed Won,10,2026-01-01,0\n",
    );
    assert_eq!(bad.errors.len(), 1);
    assert_eq!(
        (bad.errors[0].line, bad.errors[0].column.as_deref()),
        (2, Some("Term Months"))
    );
}

#[tokio::test]
async fn cursors_never_skip_or_repeat() {
    let db = TestDb::new().await;
    let mut csv = String::from("external_id,name,industry,employees\n");
    for i in 0..57 {
        // Repeated names and missing values put ties and NULLs on page edges.
        let employees = if i % 4 == 0 {
            String::new()
        } else {
            (i % 5).to_string()
        };
        let industry = if i % 3 == 0 { "" } else { "Software" };
        csv.push_str(&format!("X{i},Company {},{industry},{employees}\n", i % 7));
    }
    import_accounts(&db, &csv).await.unwrap();
    // Values read from other tables: health (ties, and unscored accounts), a personal touch,
    // a CSM (some accounts have none) and a success plan.
    let ana = team(&db).await;
    let pool = db.store.pool();
    for id in 1..=57i64 {
        if id % 5 != 0 {
            sqlx::query(
                "INSERT INTO account_health (account_id, score, colour, scorecard) VALUES ($1, $2, 'green', 'Default')",
            )
            .bind(id)
            .bind(f64::from((id % 9) as i32) * 10.5)
            .execute(pool)
            .await
            .unwrap();
        }
        if id % 3 == 0 {
            sqlx::query("UPDATE accounts SET csm_id = $1 WHERE id = $2")
                .bind(ana.id.0)
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    for (i, id) in [4i64, 9, 9, 16, 25, 36].iter().enumerate() {
        let input = ActivityInput {
            account: AccountRef::Id(AccountId(*id)),
            kind: ActivityKind::Call,
            occurred_at: chrono::DateTime::parse_from_rfc3339(&format!(
                "2026-0{}-0{}T10:00:00Z",
                1 + i % 3,
                1 + i
            ))
            .unwrap()
            .with_timezone(&chrono::Utc),
            external_id: None,
            by: None,
            attendees: Vec::new(),
            summary: "Check-in".into(),
        };
        db.store.log_activity(&admin(), &input).await.unwrap();
    }
    let by_health = |page: &[Account]| -> Vec<Option<i64>> {
        page.iter()
            .map(|a| a.health.map(|(s, _)| (s * 10.0) as i64))
            .collect()
    };
    let mut health_order = Vec::new();
    for field in [
        SortField::Name,
        SortField::Employees,
        SortField::Industry,
        SortField::Arr,
        SortField::Tier,
        SortField::Health,
        SortField::LastTouch,
        SortField::Csm,
        SortField::PlanUpdated,
    ] {
        for descending in [false, true] {
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let q = AccountQuery {
                    sort: AccountSort { field, descending },
                    cursor: cursor.clone(),
                    limit: 10,
                    ..Default::default()
                };
                let (page, next) = db.store.accounts(&q).await.unwrap();
                seen.extend(page.iter().map(|a| a.id));
                if field == SortField::Health && !descending {
                    health_order.extend(by_health(&page));
                }
                match next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                (seen.len(), unique.len()),
                (57, 57),
                "{field:?} desc={descending}"
            );
            // A text search pages the same way: its 8 matches ("Company 2"), each once.
            let mut found = Vec::new();
            let mut cursor = None;
            loop {
                let q = AccountQuery {
                    text: Some("any 2".into()),
                    sort: AccountSort { field, descending },
                    cursor: cursor.clone(),
                    limit: 3,
                    ..Default::default()
                };
                let (page, next) = db.store.accounts(&q).await.unwrap();
                found.extend(page.iter().map(|a| (a.id, a.fields.name.clone())));
                match next {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            // In the list's own order: the book's, with only the matches.
            let in_order: Vec<AccountId> = seen
                .iter()
                .copied()
                .filter(|id| found.iter().any(|(f, _)| f == id))
                .collect();
            let found_order: Vec<AccountId> = found.iter().map(|(id, _)| *id).collect();
            assert_eq!(
                found_order, in_order,
                "search order by {field:?} desc={descending}"
            );
            found.sort();
            let expected: Vec<_> = (0..57)
                .filter(|i| i % 7 == 2)
                .map(|i| (AccountId(i + 1), "Company 2".to_string()))
                .collect();
            assert_eq!(found, expected, "search by {field:?} desc={descending}");
        }
    }
    let searched = AccountQuery {
        text: Some("any 2".into()),
        industry: Some("Software".into()),
        ..Default::default()
    };
    // "Company 2" with an industry: i = 2, 16, 23, 37, 44 (not a multiple of 3).
    assert_eq!(db.store.account_totals(&searched).await.unwrap().0, 5);
    // Health ascending: the weakest first, the unscored last.
    let scored: Vec<i64> = health_order.iter().flatten().copied().collect();
    assert!(scored.windows(2).all(|w| w[0] <= w[1]), "{health_order:?}");
    assert_eq!(scored.len(), 46);
    assert!(health_order[46..].iter().all(Option::is_none));
}

#[tokio::test]
async fn database_passwords_never_show() {
    let clock = std::sync::Arc::new(SystemClock);
    // A URL the parser refuses must not echo its password.
    let err = Store::connect("mysql://sherpa:hunter2secret@db/x", clock.clone())
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2secret"), "{err}");
    // The handle keeps only the redacted URL, so Debug output and messages cannot leak it.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/a.db", dir.path().display());
    let store = Store::open(&url, clock).await.unwrap();
    assert_eq!(store.display_url(), url);
    assert!(!format!("{store:?}").contains("hunter2secret"));
    assert_eq!(
        redacted("postgres://sherpa:hunter2secret@db/x"),
        "postgres://sherpa:***@db/x"
    );
}

#[tokio::test]
async fn tokens_are_hashed_and_revocable() {
    let db = TestDb::new().await;
    let ana = team(&db).await;
    let t = db
        .store
        .create_token(&admin(), ana.id, TokenScope::Api, "ci")
        .await
        .unwrap();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_all(db.store.pool())
        .await
        .unwrap();
    assert!(
        !stored[0].0.contains(&t.secret),
        "the secret itself is never stored"
    );
    let p = db
        .store
        .authenticate_token(&t.secret)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((p.user.id, p.scope), (ana.id, TokenScope::Api));
    assert!(
        db.store
            .authenticate_token("sherpa_api_wrong")
            .await
            .unwrap()
            .is_none()
    );
    db.store.revoke_token(&admin(), t.id).await.unwrap();
    assert!(
        db.store
            .authenticate_token(&t.secret)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn one_rule_never_opens_two_open_tasks() {
    let db = TestDb::new().await;
    let ana = team(&db).await;
    import_accounts(&db, SALESFORCE).await.unwrap();
    let (accounts, _) = db
        .store
        .accounts(&AccountQuery {
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let fields = TaskFields {
        account_id: accounts[0].id,
        title: "Grade this account".into(),
        owner_id: Some(ana.id),
        due_on: Some(db.clock.today()),
        priority: Priority::High,
        source: TaskSource::Grading,
        reason: "New account without a grade".into(),
        dedup_key: Some("grade-at-close".into()),
    };
    let (first, new) = db.store.open_task(&admin(), &fields).await.unwrap();
    assert!(new);
    let (second, new) = db.store.open_task(&admin(), &fields).await.unwrap();
    assert!(!new);
    assert_eq!(first.id, second.id);
    let done = TaskChange {
        status: Some(TaskStatus::Done),
        outcome: Some(Some("graded B2".into())),
        ..Default::default()
    };
    let closed = db
        .store
        .update_task(&admin(), first.id, &done)
        .await
        .unwrap();
    assert_eq!(
        (closed.status, closed.outcome.as_deref()),
        (TaskStatus::Done, Some("graded B2"))
    );
    assert!(closed.closed_at.is_some());
    let (third, new) = db.store.open_task(&admin(), &fields).await.unwrap();
    assert!(new, "a closed task does not block the rule");
    assert_ne!(third.id, first.id);
}

#[tokio::test]
async fn jobs_run_once_and_retry_with_back_off() {
    let db = TestDb::new().await;
    let now = db.clock.now();
    assert!(
        db.store
            .enqueue_job(
                "refresh_arr",
                &serde_json::json!({}),
                "refresh:2026-11-23",
                now
            )
            .await
            .unwrap()
    );
    assert!(
        !db.store
            .enqueue_job(
                "refresh_arr",
                &serde_json::json!({}),
                "refresh:2026-11-23",
                now
            )
            .await
            .unwrap()
    );
    let job = db.store.claim_job("w1").await.unwrap().unwrap();
    assert!(
        db.store.claim_job("w2").await.unwrap().is_none(),
        "a claimed job is not handed out twice"
    );
    assert_eq!(
        db.store.fail_job(&job, "boom").await.unwrap(),
        JobStatus::Queued
    );
    assert!(
        db.store.claim_job("w1").await.unwrap().is_none(),
        "not before its back-off"
    );
    db.clock.advance(Duration::seconds(31));
    let again = db.store.claim_job("w1").await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    db.store.complete_job(again.id).await.unwrap();
    let done = db.store.job("refresh:2026-11-23").await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.last_error.as_deref()),
        (JobStatus::Done, Some("boom"))
    );
    assert_eq!(db.store.pending_jobs().await.unwrap(), 0);
    // Done jobs leave the table after a month (the engine alone enqueues 144 a day); a failed
    // one stays, for a person to see.
    let failing = db
        .store
        .enqueue_job("health", &serde_json::json!({}), "health:2026-11-23", now)
        .await
        .unwrap();
    assert!(failing);
    let f = db.store.claim_job("w1").await.unwrap().unwrap();
    let f = sherpa_store::Job {
        attempts: f.max_attempts,
        ..f
    };
    assert_eq!(
        db.store.fail_job(&f, "broken").await.unwrap(),
        JobStatus::Failed
    );
    assert_eq!(db.store.prune_jobs(Duration::days(30)).await.unwrap(), 0);
    db.clock.advance(Duration::days(31));
    assert_eq!(db.store.prune_jobs(Duration::days(30)).await.unwrap(), 1);
    assert!(db.store.job("refresh:2026-11-23").await.unwrap().is_none());
    assert!(db.store.job("health:2026-11-23").await.unwrap().is_some());
}

#[tokio::test]
async fn the_demo_book_has_the_pareto_shape_and_backs_up() {
    let db = TestDb::new().await;
    let book = demo::DemoBook::new(2_000, 42, db.clock.today());
    db.store
        .load_demo(&book, "$argon2id$shared", &|_, _| {})
        .await
        .unwrap();
    // The Pareto page's numbers, as the store gives them: seed 002's shape.
    let view = db.store.pareto().await.unwrap();
    let segments = view.curve.segments;
    assert!(
        (0.08..=0.12).contains(&segments[0].share_of_accounts),
        "{segments:?}"
    );
    assert!(
        (0.27..=0.33).contains(&(segments[0].share_of_accounts + segments[1].share_of_accounts)),
        "{segments:?}"
    );
    let floor1: f64 = segments[0].floor_mrr.try_into().unwrap();
    let floor2: f64 = segments[1].floor_mrr.try_into().unwrap();
    assert!(
        (4_500.0..=5_500.0).contains(&floor1) && (1_500.0..=1_900.0).contains(&floor2),
        "{segments:?}"
    );
    // The book is prioritised: every tier used, some grades waiting for a person's decision,
    // new accounts left for the grading tasks, and this quarter's 9-box filled in.
    let count = |q: AccountQuery| {
        let store = db.store.clone();
        async move { store.account_totals(&q).await.unwrap().0 }
    };
    for tier in [
        prioritise::Tier::ONE,
        prioritise::Tier::TWO,
        prioritise::Tier::THREE,
    ] {
        let n = count(AccountQuery {
            tier: Some(tier),
            ..Default::default()
        })
        .await;
        assert!(n > 50, "{tier}: {n}");
    }
    let deciding = count(AccountQuery {
        tier_decision_needed: true,
        ..Default::default()
    })
    .await;
    assert!(
        (10..400).contains(&deciding),
        "{deciding} waiting for a tier decision"
    );
    assert!(db.store.open_grading_tasks().await.unwrap() > 10);
    let view = db
        .store
        .nine_box(prioritise::Quarter::of(db.clock.today()))
        .await
        .unwrap();
    assert!(view.entries.len() > 200, "{} placed", view.entries.len());
    assert!(
        view.entries
            .iter()
            .any(|e| e.before.is_some_and(|b| b != e.nine_box))
    );
    assert!(
        db.store.load_demo(&book, "x", &|_, _| {}).await.is_err(),
        "the demo refuses a non-empty book"
    );
    if db.store.engine() == Engine::Sqlite {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("backup.db");
        assert!(db.store.backup(&file).await.unwrap() > 0);
        let url = format!("sqlite://{}/restored.db", dir.path().display());
        restore_sqlite(&url, &file).await.unwrap();
        let restored = Store::open(&url, db.clock.clone()).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(restored.pool())
            .await
            .unwrap();
        assert_eq!(n, 2_000);
        // A database in use is not swapped under its user: the restore is refused, and says
        // how to restore beside it instead.
        let refused = restore_sqlite(&url, &file).await.unwrap_err().to_string();
        assert!(refused.contains("in use by a running Sherpa"), "{refused}");
        assert!(refused.contains("restore into a new file"), "{refused}");
        sqlx::query("DELETE FROM saved_views")
            .execute(restored.pool())
            .await
            .unwrap();
        restored.close().await;
        drop(restored);
        restore_sqlite(&url, &file).await.unwrap();
        // The database, its WAL and the backup are the owner's alone.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let reopened = Store::open(&url, db.clock.clone()).await.unwrap();
            sqlx::query("DELETE FROM saved_views")
                .execute(reopened.pool())
                .await
                .unwrap();
            for f in ["backup.db", "restored.db", "restored.db-wal"] {
                let mode = std::fs::metadata(dir.path().join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
            let fresh = dir.path().join("fresh.db");
            let made = Store::open(&format!("sqlite://{}", fresh.display()), db.clock.clone())
                .await
                .unwrap();
            made.close().await;
            for f in ["fresh.db", "fresh.db-wal", "fresh.db.lock"] {
                let p = dir.path().join(f);
                if p.exists() {
                    let mode = std::fs::metadata(&p).unwrap().permissions().mode();
                    assert_eq!(mode & 0o777, 0o600, "{f}");
                }
            }
        }
    }
}

/// Contracts that renew flat, expand, contract, churn and are still running: the history says
/// what happened, up to today, and nothing of what has not.
#[tokio::test]
async fn arr_history_tells_what_happened_and_nothing_that_has_not() {
    let db = TestDb::new().await;
    team(&db).await;
    import_accounts(&db, SALESFORCE).await.unwrap();
    let today = db.clock.today();
    let year = |back: i64| today - Duration::days(365 * back);
    let csv = format!(
        "external_id,account_external_id,arr,currency,start_date,end_date,outcome,churn_reason\n\
         A1,001A,10000,USD,{},{},renewed,\n\
         A2,001A,10000,USD,{},{},expanded,\n\
         A3,001A,14000,USD,{},{},,\n\
         B1,001B,9000,USD,{},{},contracted,\n\
         B2,001B,6000,USD,{},{},,\n\
         B3,001B,6000,USD,{},{},,\n\
         C1,001C,5000,USD,{},{},churned,Budget cut\n",
        year(3),
        year(2) - Duration::days(1),
        year(2),
        year(1) - Duration::days(1),
        year(1),
        year(0) + Duration::days(30),
        year(2),
        year(1) - Duration::days(1),
        year(1),
        today + Duration::days(10),
        // Signed to start after the running term: not ARR yet.
        today + Duration::days(11),
        today + Duration::days(375),
        year(2),
        year(1) - Duration::days(1),
    );
    let parsed =
        parse_contracts(&read_sheet(csv.as_bytes()).unwrap(), &Mapping::default()).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    db.store
        .import_contracts(&admin(), &parsed, false, &none)
        .await
        .unwrap();
    let kinds = |external: &'static str| {
        let store = db.store.clone();
        async move {
            let (a, _) = store
                .accounts(&AccountQuery {
                    external_id: Some(external.into()),
                    limit: 1,
                    ..Default::default()
                })
                .await
                .unwrap();
            let h = store.arr_history(a[0].id).await.unwrap();
            assert!(h.iter().all(|m| m.on <= today), "{h:?}");
            h.iter()
                .map(|m| (m.kind, m.change.amount))
                .collect::<Vec<_>>()
        }
    };
    let d = |n: i64| Decimal::from(n);
    // Renewed flat (no movement), then expanded; the running term has no outcome yet.
    assert_eq!(
        kinds("001A").await,
        [
            (ArrMovementKind::New, d(10_000)),
            (ArrMovementKind::Expansion, d(4_000))
        ]
    );
    // Contracted; a renewal already signed is no movement until it starts.
    assert_eq!(
        kinds("001B").await,
        [
            (ArrMovementKind::New, d(9_000)),
            (ArrMovementKind::Contraction, d(-3_000))
        ]
    );
    // Churned a year ago: that is history.
    assert_eq!(
        kinds("001C").await,
        [
            (ArrMovementKind::New, d(5_000)),
            (ArrMovementKind::Churn, d(-5_000))
        ]
    );
}

#[tokio::test]
async fn terms_in_other_currencies_count_once_a_rate_is_set() {
    let db = TestDb::new().await;
    team(&db).await;
    import_accounts(&db, SALESFORCE).await.unwrap();
    let csv = "external_id,account_external_id,arr,currency,start_date,end_date\n\
        E1,001A,10000.00,EUR,2026-01-01,2026-12-31\n\
        U1,001A,5000.00,USD,2026-01-01,2026-12-31\n";
    let parsed =
        parse_contracts(&read_sheet(csv.as_bytes()).unwrap(), &Mapping::default()).unwrap();
    match db
        .store
        .import_contracts(&admin(), &parsed, false, &none)
        .await
    {
        Err(StoreError::Rows(e)) => {
            assert_eq!(e[0].line, 2);
            assert!(
                e[0].message.contains("no exchange rate from EUR to USD"),
                "{}",
                e[0].message
            );
        }
        other => panic!("expected a rejected row, got {other:?}"),
    }
    let eur = Currency::parse("EUR").unwrap();
    db.store
        .set_exchange_rate(&admin(), eur, Decimal::new(108, 2))
        .await
        .unwrap();
    db.store
        .import_contracts(&admin(), &parsed, false, &none)
        .await
        .unwrap();
    assert_eq!(
        by_crm_id(&db, "001A").await.arr.amount,
        Decimal::new(1_580_000, 2),
        "10,000 EUR at 1.08 + 5,000 USD"
    );
    db.store
        .set_exchange_rate(&admin(), eur, Decimal::new(110, 2))
        .await
        .unwrap();
    assert_eq!(
        by_crm_id(&db, "001A").await.arr.amount,
        Decimal::new(1_600_000, 2),
        "a new rate refreshes ARR"
    );
    assert!(
        db.store
            .set_exchange_rate(&admin(), Currency::USD, Decimal::ONE)
            .await
            .is_err()
    );
    assert_eq!(
        db.store.exchange_rates().await.unwrap(),
        vec![(eur, Decimal::new(110, 2))]
    );
}

/// A hierarchy never loops: an account cannot sit under itself or under one of its own
/// subsidiaries, whether edited one by one or imported in one file (the line is named).
#[tokio::test]
async fn parent_loops_are_refused_on_edit_and_import() {
    let db = TestDb::new().await;
    team(&db).await;
    import_accounts(
        &db,
        "external_id,name,parent_external_id\nG,Group,\nE,Europe,G\nF,France,E\n",
    )
    .await
    .unwrap();
    let id = |x: &str| {
        let store = db.store.clone();
        let x = x.to_string();
        async move {
            store
                .find_account(&AccountRef::ExternalId(x))
                .await
                .unwrap()
        }
    };
    let (group, france) = (id("G").await, id("F").await);
    let under = |parent: AccountId| AccountPatch {
        parent: Some(Some(AccountRef::Id(parent))),
        ..Default::default()
    };
    for (child, parent) in [(group, france), (group, group)] {
        let e = db
            .store
            .update_account(&admin(), child, &under(parent))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid { field, .. } if field == "parent"),
            "{e}"
        );
    }
    let e = db
        .store
        .update_account(&admin(), group, &under(france))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("France is this account or one of its subsidiaries"),
        "{e}"
    );
    // In one file: Group under France closes the loop; nothing of the file is kept.
    let e = import_accounts(
        &db,
        "external_id,name,parent_external_id\nN,Nordics,G\nG,Group,F\n",
    )
    .await
    .unwrap_err();
    let StoreError::Rows(rows) = e else {
        panic!("{e}")
    };
    assert_eq!(rows[0].line, 3, "{rows:?}");
    assert!(rows[0].message.contains("loop"), "{rows:?}");
    assert!(
        db.store
            .find_account(&AccountRef::ExternalId("N".into()))
            .await
            .is_err()
    );
    // A legal move still works: France directly under Group.
    db.store
        .update_account(&admin(), france, &under(group))
        .await
        .unwrap();
}

#[tokio::test]
async fn countries_written_before_they_were_codes_become_codes() {
    let db = TestDb::new().await;
    let mut ids = Vec::new();
    for (name, country) in [
        ("Old One", "United Kingdom"),
        ("Old Two", "UK"),
        ("Kept", "Atlantis"),
    ] {
        let patch = AccountPatch {
            name: Some(name.into()),
            country: Some(Some(country.into())),
            ..Default::default()
        };
        ids.push(db.store.create_account(&admin(), &patch).await.unwrap().id);
    }
    // Opening the database again turns what names a country into its code; the rest stays.
    db.store.migrate().await.unwrap();
    let mut now = Vec::new();
    for id in ids {
        now.push(db.store.account(id).await.unwrap().fields.country.unwrap());
    }
    assert_eq!(now, ["GB", "GB", "Atlantis"]);
}

#[tokio::test]
async fn a_search_paged_while_the_book_changes_goes_on_from_where_it_was() {
    let db = TestDb::new().await;
    let csv: String = (1..=6).map(|i| format!("CRM-{i},Summit {i}\n")).collect();
    import_accounts(&db, &format!("external_id,name\n{csv}"))
        .await
        .unwrap();
    let page = |cursor: Option<String>| AccountQuery {
        text: Some("summit".into()),
        cursor,
        limit: 2,
        ..Default::default()
    };
    let names =
        |p: &[Account]| -> Vec<String> { p.iter().map(|a| a.fields.name.clone()).collect() };
    let (first, next) = db.store.accounts(&page(None)).await.unwrap();
    assert_eq!(names(&first), ["Summit 1", "Summit 2"]);
    // The page's last account no longer matches, and another one is gone from further on.
    for (crm, name) in [("CRM-2", "Valley 2"), ("CRM-4", "Valley 4")] {
        let a = by_crm_id(&db, crm).await;
        let patch = AccountPatch {
            name: Some(name.into()),
            ..Default::default()
        };
        db.store
            .update_account(&admin(), a.id, &patch)
            .await
            .unwrap();
    }
    let (second, next) = db.store.accounts(&page(next)).await.unwrap();
    assert_eq!(names(&second), ["Summit 3", "Summit 5"]);
    let (third, next) = db.store.accounts(&page(next)).await.unwrap();
    assert_eq!((names(&third), next), (vec!["Summit 6".to_string()], None));
    // Read again from the start, the search is the book as it now is.
    let (again, _) = db.store.accounts(&page(None)).await.unwrap();
    assert_eq!(names(&again), ["Summit 1", "Summit 3"]);
}

/// The names a text search finds, by name.
async fn found(db: &TestDb, text: &str) -> Vec<String> {
    let q = AccountQuery {
        text: Some(text.into()),
        limit: 50,
        ..Default::default()
    };
    let mut out: Vec<String> = db
        .store
        .accounts(&q)
        .await
        .unwrap()
        .0
        .into_iter()
        .map(|a| a.fields.name)
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn text_search_finds_text_anywhere_and_follows_every_change() {
    let db = TestDb::new().await;
    import_accounts(
        &db,
        "external_id,name,domain\nCRM-1,Acme Corp,acme.example\nCRM-2,Société Générale,sg.example\n\
         CRM-3,\"Quote \"\"Q\"\" Ltd\",quote.example\nCRM-4,100% Pure,pure.example\n",
    )
    .await
    .unwrap();
    // Anywhere in the name, the CRM id or the domain; case and accents aside.
    assert_eq!(found(&db, "cme").await, ["Acme Corp"]);
    // Asked twice, the second time from the matches kept (a rename below must reach them).
    for _ in 0..2 {
        assert_eq!(found(&db, "acme corp").await, ["Acme Corp"]);
    }
    assert_eq!(found(&db, "ACME CO").await, ["Acme Corp"]);
    assert_eq!(found(&db, "générale").await, ["Société Générale"]);
    assert_eq!(found(&db, "crm-3").await, ["Quote \"Q\" Ltd"]);
    assert_eq!(found(&db, "pure.exam").await, ["100% Pure"]);
    assert_eq!(found(&db, "\"q\"").await, ["Quote \"Q\" Ltd"]);
    assert_eq!(found(&db, "0% p").await, ["100% Pure"]);
    // Short text matches too, and text found nowhere finds nothing.
    assert_eq!(found(&db, "%").await, ["100% Pure"]);
    assert_eq!(found(&db, "sg").await, ["Société Générale"]);
    assert!(found(&db, "zzz").await.is_empty());
    // A rename, a re-import and a deletion are searched as they now are.
    let acme = by_crm_id(&db, "CRM-1").await;
    db.store
        .update_account(
            &admin(),
            acme.id,
            &AccountPatch {
                name: Some("Apex Corp".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(found(&db, "acme corp").await.is_empty());
    assert_eq!(found(&db, "apex").await, ["Apex Corp"]);
    import_accounts(&db, "external_id,name\nCRM-2,Banque Nouvelle\n")
        .await
        .unwrap();
    assert!(found(&db, "générale").await.is_empty());
    assert_eq!(found(&db, "nouvelle").await, ["Banque Nouvelle"]);
    db.store
        .delete_account(&admin(), acme.id, "closed down")
        .await
        .unwrap();
    assert!(found(&db, "apex").await.is_empty());
    let totals = db
        .store
        .account_totals(&AccountQuery {
            text: Some("example".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(totals.0, 3);
}

#[tokio::test]
async fn an_accounts_file_is_applied_row_after_row() {
    let db = TestDb::new().await;
    team(&db).await;
    // A parent named below its subsidiaries, and an owner who is not a member.
    let first = "external_id,name,domain,parent_external_id,csm_email,industry\n\
        S-1,Sub One,sub1.example,P-1,ana.lopez@example.com,Retail\n\
        P-1,Parent Co,parent.example,,Sam Seller,Retail\n\
        S-2,Sub Two,sub2.example,P-1,,Software\n";
    let s = import_accounts(&db, first).await.unwrap();
    assert_eq!((s.created, s.updated, s.unchanged), (3, 0, 0));
    assert_eq!(s.unknown_owners, vec![("Sam Seller".to_string(), 1)]);
    let parent = by_crm_id(&db, "P-1").await;
    let sub1 = by_crm_id(&db, "S-1").await;
    let sub2 = by_crm_id(&db, "S-2").await;
    assert_eq!(sub1.fields.parent_id, Some(parent.id));
    assert_eq!(sub2.fields.parent_id, Some(parent.id));
    assert_eq!(sub2.fields.industry.as_deref(), Some("Software"));
    assert!(sub1.fields.owners.csm.is_some());
    // Every account is audited once, as the file leaves it: three creations, two of them
    // with their parent.
    let audit = db
        .store
        .audit_entries(&AuditQuery {
            entity: Some("account".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let made: Vec<(&str, &str, serde_json::Value)> = audit
        .iter()
        .map(|e| {
            let after = e.after.as_ref().unwrap();
            (
                e.action.as_str(),
                after["external_id"].as_str().unwrap(),
                after["parent_id"].clone(),
            )
        })
        .collect();
    let parent_id = serde_json::json!(parent.id.to_string());
    assert_eq!(
        made,
        vec![
            ("create", "S-2", parent_id.clone()),
            ("create", "P-1", serde_json::Value::Null),
            ("create", "S-1", parent_id),
        ]
    );
    // The same file again changes nothing.
    let again = import_accounts(&db, first).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    // A domain another account holds, and a parent loop, are refused with their line; nothing
    // of the file is written.
    let bad = "external_id,name,domain,parent_external_id\n\
        N-1,New One,new1.example,\n\
        N-2,New Two,sub1.example,\n\
        P-1,Parent Co,parent.example,S-1\n";
    match import_accounts(&db, bad).await {
        Err(StoreError::Rows(errors)) => {
            let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, [3]);
            assert!(errors[0].message.contains("sub1.example"), "{errors:?}");
        }
        other => panic!("expected rejected rows, got {other:?}"),
    }
    let only_loop =
        "external_id,name,domain,parent_external_id\nP-1,Parent Co,parent.example,S-1\n";
    match import_accounts(&db, only_loop).await {
        Err(StoreError::Rows(errors)) => {
            assert_eq!(errors[0].line, 2);
            assert!(errors[0].message.contains("loop"), "{errors:?}");
        }
        other => panic!("expected rejected rows, got {other:?}"),
    }
    assert_eq!(found(&db, "new one").await, Vec::<String>::new());
    assert_eq!(by_crm_id(&db, "P-1").await.fields.parent_id, None);
}

/// The book's indexes of the accounts table, by name.
async fn account_indexes(db: &TestDb) -> Vec<String> {
    let sql = match db.store.engine() {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts' ORDER BY 1"
        }
        Engine::Postgres => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = 'accounts' ORDER BY 1"
        }
    };
    sqlx::query_scalar(sql)
        .fetch_all(db.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_first_import_of_many_accounts_is_searchable_indexed_and_audited_once_each() {
    let db = TestDb::new().await;
    let indexes = account_indexes(&db).await;
    // Large enough to be written before the indexes are built (on SQLite); every tenth a
    // subsidiary of the one before it.
    let rows = 12_000;
    let mut csv = String::from("Account ID,Account Name,Website,Industry,Parent Account ID\n");
    for i in 0..rows {
        let parent = if i % 10 == 9 {
            format!("CRM-{:05}", i - 1)
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "CRM-{i:05},Company {i} Holdings,company{i}.example,{},{parent}\n",
            ["Software", "Retail", "Healthcare"][i % 3]
        ));
    }
    let sheet = read_sheet(csv.as_bytes()).unwrap();
    let parsed = parse_accounts(&sheet, &Mapping::default(), &[]).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);

    // A dry run leaves the book as it was, indexes and all.
    let dry = db
        .store
        .import_accounts(&admin(), &parsed, true, &none)
        .await
        .unwrap();
    assert_eq!(dry.created, rows);
    assert!(every_account(&db).await.is_empty());
    assert_eq!(account_indexes(&db).await, indexes);

    let done = db
        .store
        .import_accounts(&admin(), &parsed, false, &none)
        .await
        .unwrap();
    assert_eq!((done.created, done.rejected), (rows, 0));
    assert_eq!(account_indexes(&db).await, indexes, "every index is back");

    // Found by a word of the name, through the search index, and by the indexed filters.
    let q = AccountQuery {
        text: Some("company 11999".into()),
        limit: 10,
        ..Default::default()
    };
    let (found, _) = db.store.accounts(&q).await.unwrap();
    assert_eq!(names(&found), vec!["Company 11999 Holdings"]);
    let child = by_crm_id(&db, "CRM-11999").await;
    let parent = by_crm_id(&db, "CRM-11998").await;
    assert_eq!(child.fields.parent_id, Some(parent.id));
    let q = AccountQuery {
        industry: Some("Retail".into()),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(
        db.store.account_totals(&q).await.unwrap().0,
        rows as i64 / 3
    );

    // One entry per account, made with its parent: not a creation and then an update.
    let entries = db
        .store
        .audit_entries(&AuditQuery {
            entity: Some("account".into()),
            account_id: Some(child.id),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "create");
    let after = entries[0].after.as_ref().unwrap();
    assert_eq!(after["parent_id"], parent.id.to_string(), "{after}");

    // New accounts after it are indexed one by one again.
    db.account("Zephyr Analytics", "CRM-Z").await;
    let q = AccountQuery {
        text: Some("zephyr".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        names(&db.store.accounts(&q).await.unwrap().0),
        vec!["Zephyr Analytics"]
    );
}
