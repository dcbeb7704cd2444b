//! Retention from the stored terms equals a plain SQL computation of the same definitions over
//! the same contracts, to the cent, in several currencies. Runs on SQLite and on PostgreSQL
//! (`SHERPA_TEST_PG`).

mod support;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use sherpa_core::revenue::{Grain, RetentionBook, periods};
use sherpa_core::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A small deterministic generator: the book is varied but the same on every run.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Sixty accounts over three years: yearly terms renewed flat, up, down, late (a gap) or not
/// at all, some cancelled, in dollars, euros and pounds, with amounts in odd cents.
async fn book(db: &support::TestDb) {
    let sys = Actor::system("test");
    for (code, rate) in [("EUR", "1.0834"), ("GBP", "1.2671")] {
        db.store
            .set_exchange_rate(&sys, Currency::parse(code).unwrap(), rate.parse().unwrap())
            .await
            .unwrap();
    }
    let currencies = ["USD", "USD", "EUR", "GBP"];
    let reasons = [None, Some("Budget cut"), Some("Chose a competitor")];
    let mut r = Lcg(7);
    for i in 0..60 {
        let account = db.account(&format!("Co {i}"), &format!("EXT-{i}")).await;
        let currency = Currency::parse(currencies[r.next(4) as usize]).unwrap();
        let mut start = day("2023-06-01") + Days::new(r.next(700));
        let mut arr = Decimal::new(500_000 + r.next(9_000_000) as i64, 2);
        for term in 0..4 {
            let end = start + Days::new(364);
            let churns = r.next(5) == 0;
            let patch = ContractPatch {
                account: Some(AccountRef::Id(account)),
                external_id: Some(Some(format!("C-{i}-{term}"))),
                arr: Some(Money {
                    amount: arr,
                    currency,
                }),
                start_date: Some(start),
                end_date: Some(end),
                status: Some((r.next(12) == 0).then_some(ContractStatus::Cancelled)),
                outcome: Some(churns.then_some(Outcome::Churned)),
                churn_reason: Some(if churns {
                    reasons[r.next(3) as usize].map(String::from)
                } else {
                    None
                }),
                ..Default::default()
            };
            db.store.save_contract(&sys, None, &patch).await.unwrap();
            if churns {
                break;
            }
            // Renewed the day after, or a week late; flat, up or down.
            start = end + Days::new(if r.next(6) == 0 { 8 } else { 1 });
            arr = (arr * Decimal::new(80 + r.next(50) as i64, 2)).round_dp(2);
        }
    }
}

/// The same definitions, written once more in plain SQL: ARR per account on the first day and
/// on the day after the period, in reporting minor units by the book's integer rate rule.
const INDEPENDENT: &str = "
WITH t AS (
  SELECT c.account_id, c.start_date, c.end_date,
         CASE WHEN c.currency = 'USD' THEN c.arr_minor
              ELSE (c.arr_minor * r.minor_ppm) / 1000000 END AS arr
  FROM contracts c LEFT JOIN exchange_rates r ON r.currency = c.currency
  WHERE c.status <> 'cancelled' AND (c.currency = 'USD' OR r.currency IS NOT NULL)),
s AS (SELECT account_id, SUM(arr) AS arr FROM t WHERE start_date <= $1 AND end_date >= $1
      GROUP BY account_id HAVING SUM(arr) > 0),
e AS (SELECT account_id, SUM(arr) AS arr FROM t WHERE start_date <= $2 AND end_date >= $2
      GROUP BY account_id)
-- PostgreSQL sums BIGINT into NUMERIC: cast back for one reading on both engines.
SELECT COUNT(*),
       CAST(COALESCE(SUM(CASE WHEN e.arr IS NULL OR e.arr = 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
       CAST(COALESCE(SUM(s.arr), 0) AS BIGINT),
       CAST(COALESCE(SUM(CASE WHEN e.arr IS NULL OR e.arr = 0 THEN s.arr ELSE 0 END), 0) AS BIGINT),
       CAST(COALESCE(SUM(CASE WHEN e.arr > s.arr THEN e.arr - s.arr ELSE 0 END), 0) AS BIGINT),
       CAST(COALESCE(SUM(CASE WHEN e.arr > 0 AND e.arr < s.arr THEN s.arr - e.arr ELSE 0 END), 0) AS BIGINT),
       CAST(COALESCE(SUM(COALESCE(e.arr, 0)), 0) AS BIGINT),
       CAST(COALESCE(SUM(CASE WHEN e.arr > s.arr THEN s.arr ELSE COALESCE(e.arr, 0) END), 0) AS BIGINT)
FROM s LEFT JOIN e ON e.account_id = s.account_id";

/// Minor units of yearly revenue as monthly revenue, to the cent.
fn mrr(minor: i64) -> Decimal {
    (Decimal::new(minor, 2) / Decimal::from(12)).round_dp(2)
}

#[tokio::test]
async fn retention_equals_a_plain_sql_computation_to_the_cent() {
    let db = support::TestDb::new().await;
    book(&db).await;
    let terms = db.store.revenue_terms().await.unwrap();
    assert_eq!(terms.unconverted, 0);
    let book = RetentionBook::new(terms.terms);
    let mut checked = 0;
    for grain in [Grain::Month, Grain::Quarter, Grain::Year] {
        for p in periods(grain, day("2024-01-01"), day("2026-10-31")).unwrap() {
            let ours = book.retention(p.start, p.next, |_| None).total;
            let sql: (i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(INDEPENDENT)
                .bind(p.start.to_string())
                .bind(p.next.to_string())
                .fetch_one(db.store.pool())
                .await
                .unwrap();
            let label = format!("{grain} {}", p.label);
            assert_eq!(ours.accounts_at_start as i64, sql.0, "{label}: accounts");
            assert_eq!(
                ours.accounts_churned as i64, sql.1,
                "{label}: churned logos"
            );
            assert_eq!(ours.start_mrr, mrr(sql.2), "{label}: start MRR");
            assert_eq!(ours.churned_mrr, mrr(sql.3), "{label}: churned MRR");
            assert_eq!(ours.expansion_mrr, mrr(sql.4), "{label}: expansion");
            assert_eq!(ours.contraction_mrr, mrr(sql.5), "{label}: contraction");
            assert_eq!(ours.retained_end_mrr, mrr(sql.6), "{label}: NRR numerator");
            assert_eq!(ours.kept_mrr, mrr(sql.7), "{label}: GRR numerator");
            checked += usize::from(sql.0 > 0);
        }
    }
    assert!(
        checked > 30,
        "the periods compared had customers: {checked}"
    );

    // The churn of the whole span, by reason, adds up to its churned MRR.
    let span = book
        .retention(day("2024-01-01"), day("2026-01-01"), |_| None)
        .total;
    assert!(span.accounts_churned > 3, "{span:?}");
    let by_reason: Decimal = span.churn_by_reason.values().sum();
    assert!((by_reason - span.churned_mrr).abs() <= Decimal::new(2, 2));
    assert!(span.churn_by_reason.contains_key("Budget cut"), "{span:?}");
}

#[tokio::test]
async fn a_term_in_a_currency_without_a_rate_is_counted_as_left_out() {
    let db = support::TestDb::new().await;
    let account = db.account("Yen Co", "EXT-Y").await;
    // A term saved before its rate was removed cannot be made through the store (it refuses
    // a currency without a rate), so the rate goes after the term.
    let sys = Actor::system("test");
    let jpy = Currency::parse("JPY").unwrap();
    db.store
        .set_exchange_rate(&sys, jpy, "0.0067".parse().unwrap())
        .await
        .unwrap();
    db.store
        .save_contract(
            &sys,
            None,
            &ContractPatch {
                account: Some(AccountRef::Id(account)),
                arr: Some(Money::parse("1200000", jpy).unwrap()),
                start_date: Some(day("2026-01-01")),
                end_date: Some(day("2026-12-31")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let counted = db.store.revenue_terms().await.unwrap();
    assert_eq!(counted.terms.len(), 1);
    assert_eq!(counted.terms[0].arr, Decimal::from(8_040));
    sqlx::query("DELETE FROM exchange_rates")
        .execute(db.store.pool())
        .await
        .unwrap();
    let left = db.store.revenue_terms().await.unwrap();
    assert_eq!((left.terms.len(), left.unconverted), (0, 1));
}

/// The terms are kept in memory between reads, and any change to a term or a rate, by this
/// server or another on the same database, is seen at the next read.
#[tokio::test]
async fn terms_kept_in_memory_follow_every_write_from_any_server() {
    let db = support::TestDb::new().await;
    let other = db.second_server().await;
    let account = db.account("Acme", "EXT-A").await;
    let sys = Actor::system("test");
    let term = |start: &str, end: &str, arr: &str| ContractPatch {
        account: Some(AccountRef::Id(account)),
        arr: Some(Money::parse(arr, Currency::USD).unwrap()),
        start_date: Some(day(start)),
        end_date: Some(day(end)),
        ..Default::default()
    };
    let first = db
        .store
        .save_contract(&sys, None, &term("2025-01-01", "2025-12-31", "12000"))
        .await
        .unwrap();
    assert_eq!(other.revenue_terms().await.unwrap().terms.len(), 1);
    // Another server adds a term and records the first one's outcome.
    db.store
        .save_contract(&sys, None, &term("2026-01-01", "2026-12-31", "15000"))
        .await
        .unwrap();
    let read = other.revenue_terms().await.unwrap();
    assert_eq!(read.terms.len(), 2);
    assert_eq!(
        read.terms.iter().map(|t| t.arr).sum::<Decimal>(),
        Decimal::from(27_000)
    );
    let outcome = ContractPatch {
        outcome: Some(Some(Outcome::Expanded)),
        ..Default::default()
    };
    db.store
        .save_contract(&sys, Some(first.id), &outcome)
        .await
        .unwrap();
    let read = other.revenue_terms().await.unwrap();
    let ended = read
        .terms
        .iter()
        .find(|t| t.contract == first.id.0)
        .unwrap();
    assert_eq!(ended.outcome, Some(Outcome::Expanded));
    // Unchanged, it is the same book.
    assert_eq!(other.revenue_terms().await.unwrap().terms, read.terms);
}

/// Calls recorded together (a book's, loaded at once) are all kept or, when one names a
/// contract that does not exist, none is; the same holds for competitor mentions.
#[tokio::test]
async fn calls_and_mentions_recorded_together_are_all_kept_or_none() {
    use sherpa_core::revenue::RenewalCall;
    let db = support::TestDb::new().await;
    let sys = Actor::system("test");
    let account = db.account("Calls Co", "EXT-CALLS").await;
    let patch = ContractPatch {
        account: Some(AccountRef::Id(account)),
        arr: Some(Money {
            amount: Decimal::new(1_200_000, 2),
            currency: Currency::parse("USD").unwrap(),
        }),
        start_date: Some(day("2026-01-01")),
        end_date: Some(day("2026-12-31")),
        ..Default::default()
    };
    let contract = db.store.save_contract(&sys, None, &patch).await.unwrap().id;
    let missing = ContractId(contract.0 + 1000);
    let calls = |c: ContractId| {
        (
            sys.clone(),
            c,
            RenewalCall::Likely,
            "Expect to renew".to_string(),
        )
    };
    let refused = db
        .store
        .record_renewal_calls(&[calls(contract), calls(missing)])
        .await;
    assert!(refused.is_err(), "a call on a missing contract is refused");
    assert!(db.store.renewal_calls(contract).await.unwrap().is_empty());
    db.store
        .record_renewal_calls(&[calls(contract), calls(contract)])
        .await
        .unwrap();
    assert_eq!(db.store.renewal_calls(contract).await.unwrap().len(), 2);

    let on = day("2026-06-01");
    let mention = |a: AccountId| {
        (
            sys.clone(),
            a,
            "Northwind Success",
            on,
            "Offered a discount",
        )
    };
    let refused = db
        .store
        .mention_competitors(&[mention(account), mention(AccountId(account.0 + 1000))])
        .await;
    assert!(
        refused.is_err(),
        "a mention on a missing account is refused"
    );
    let since = day("2026-01-01");
    assert!(
        db.store
            .competitor_mentions(account, since)
            .await
            .unwrap()
            .is_empty()
    );
    db.store
        .mention_competitors(&[mention(account)])
        .await
        .unwrap();
    let kept = db.store.competitor_mentions(account, since).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].competitor, "Northwind Success");
}
