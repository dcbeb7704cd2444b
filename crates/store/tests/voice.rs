//! Tickets and surveys imported from help-desk and survey-tool exports, on SQLite and
//! PostgreSQL: matched to accounts by CRM id or name, updated on re-import, bad rows named.

mod support;

use sherpa_core::import::{ImportFile, ImportKind, Mapping};
use sherpa_core::*;
use sherpa_store::StoreError;

async fn import(
    db: &support::TestDb,
    kind: ImportKind,
    csv: &str,
) -> Result<sherpa_core::import::ImportSummary, StoreError> {
    let file = ImportFile::read(kind, csv.as_bytes(), &Mapping::default(), &[])
        .map_err(|e| StoreError::invalid("file", e))?;
    db.store
        .import_rows(&Actor::system("test"), &file, false, &|_| {})
        .await
}

#[tokio::test]
async fn a_zendesk_export_becomes_tickets_and_a_summary() {
    let db = support::TestDb::new().await;
    let acme = db.account("Acme Corp", "ACME").await;
    // Times relative to the test clock (2026-11-23T09:00Z).
    let csv = "Id,Organization,Subject,Created at,Solved at,Priority,Status,Satisfaction Score,Is Escalated\n\
               101,Acme Corp,Cannot log in,2026-11-20 08:00,2026-11-20 12:00,urgent,solved,good,yes\n\
               102,Acme Corp,Export is slow,2026-11-21 10:00,,normal,open,,no\n\
               103,Acme Corp,Invoice question,2026-06-01 10:00,2026-06-10 10:00,low,closed,bad,no\n";
    let s = import(&db, ImportKind::Tickets, csv).await.unwrap();
    assert_eq!((s.created, s.updated), (3, 0));
    let again = import(
        &db,
        ImportKind::Tickets,
        &csv.replace(
            "102,Acme Corp,Export is slow,2026-11-21 10:00,,normal,open",
            "102,Acme Corp,Export is slow,2026-11-21 10:00,2026-11-22 10:00,normal,solved",
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 1, 2),
        "re-import updates by ticket id"
    );
    let sum = db.store.ticket_summary(acme).await.unwrap();
    assert_eq!(sum.open, 0);
    assert_eq!(sum.opened_last_30_days, 2);
    assert_eq!(sum.escalated_last_90_days, 1);
    assert_eq!(sum.longest_resolution, Some(chrono::Duration::hours(24)));
    assert_eq!(sum.average_resolution, Some(chrono::Duration::hours(14)));

    // Rows that contradict themselves are all named; nothing is written.
    let bad = "Id,Organization,Created at,Solved at,Satisfaction Score\n\
               202,Acme Corp,2026-11-20 08:00,2026-11-19 08:00,\n\
               203,Acme Corp,2026-11-20 08:00,,7\n";
    let Err(StoreError::Rows(rows)) = import(&db, ImportKind::Tickets, bad).await else {
        panic!("refused")
    };
    let lines: Vec<(usize, String)> = rows.iter().map(|r| (r.line, r.message.clone())).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0]
            .1
            .contains("cannot be resolved before it was opened"),
        "{lines:?}"
    );
    assert!(
        lines[1].1.contains("not a satisfaction score from 1 to 5"),
        "{lines:?}"
    );
    let unknown = "Id,Organization,Created at\n201,Nobody Inc,2026-11-20 08:00\n";
    let Err(StoreError::Rows(rows)) = import(&db, ImportKind::Tickets, unknown).await else {
        panic!("refused")
    };
    assert!(
        rows[0]
            .to_string()
            .contains("no account named \"Nobody Inc\""),
        "{}",
        rows[0]
    );
    assert_eq!(
        db.store.tickets(Some(acme), 100).await.unwrap().len(),
        3,
        "nothing written"
    );
}

#[tokio::test]
async fn survey_answers_keep_their_scale_and_their_contact() {
    let db = support::TestDb::new().await;
    let acme = db.account("Acme Corp", "ACME").await;
    db.store
        .save_contact(
            &Actor::system("test"),
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
    let csv = "Response ID,Company ID,Email,Survey,Score,Would renew,Comment,Date\n\
               r1,ACME,kim@acme.example,NPS,9,,Great support,2026-10-01\n\
               r2,ACME,kim@acme.example,renewal intent,,unsure,Budget is tight,2026-11-01\n\
               r3,ACME,,csat,4,,,2026-11-02\n";
    let s = import(&db, ImportKind::Surveys, csv).await.unwrap();
    assert_eq!(s.created, 3);
    let answers = db.store.surveys(Some(acme), 10).await.unwrap();
    assert_eq!(answers[0].fields.kind, SurveyKind::Csat);
    assert_eq!(answers[1].fields.intent, Some(RenewIntent::Unsure));
    assert!(
        answers[2].fields.contact_id.is_some(),
        "the answer names Kim"
    );
    let bad = "Company ID,Survey,Score,Date\nACME,nps,11,2026-11-01\nACME,ces,,2026-11-01\n";
    let Err(StoreError::Rows(rows)) = import(&db, ImportKind::Surveys, bad).await else {
        panic!("refused")
    };
    assert_eq!(rows.len(), 2);
    assert!(rows[0].to_string().contains("0 to 10"), "{}", rows[0]);
    assert!(
        rows[1].to_string().contains("needs a score from 1 to 7"),
        "{}",
        rows[1]
    );
}
