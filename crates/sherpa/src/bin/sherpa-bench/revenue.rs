//! `sherpa-bench revenue`: retention over the demo book's contract terms (three years of
//! them for 100,000 accounts by default), by month for three years, by quarter grouped by
//! segment, the renewal pipeline of a year and the renewal forecast of a year by month, each
//! against the floor of a plain SQL aggregate over the same contract rows in the same run.
//! Medians of `--repeats` runs.
//!
//! SQLite by default (a fresh temporary file); `--postgres URL` uses a new schema there.

use crate::harness::{bench_database, drop_bench_schema, median};
use sherpa_app::{App, Caller, RetentionQuery, RevenueGroup};
use sherpa_core::demo::DemoBook;
use sherpa_core::revenue::Grain;
use sherpa_store::Store;
use std::future::Future;
use std::time::Instant;

#[derive(clap::Args)]
pub struct RevenueArgs {
    /// Accounts in the demo book.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: usize,
    /// Timed runs of each figure (and of the floor); the medians are reported.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// A PostgreSQL database to use instead of a temporary SQLite file (a schema is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Learn the renewal probabilities before timing the forecast (the daily job: it scores
    /// every ended term at four distances, minutes at 100,000 accounts). Without it the
    /// forecast does the same work with an empty table.
    #[arg(long)]
    pub learn: bool,
}

pub async fn run(a: RevenueArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = bench_database(&a.postgres, &dir, "revenue").await?;
    let result = bench(&a, &store).await;
    store.close().await;
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "revenue").await?;
    }
    result
}

/// The median seconds of `repeats` runs of `f`.
async fn timed<F, Fut, T>(repeats: usize, f: F) -> anyhow::Result<(f64, T)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::with_capacity(repeats);
    let mut last = None;
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        last = Some(f().await?);
        times.push(t.elapsed().as_secs_f64());
    }
    Ok((median(times), last.expect("one run")))
}

async fn bench(a: &RevenueArgs, store: &Store) -> anyhow::Result<()> {
    let started = Instant::now();
    let book = DemoBook::new(a.accounts, 7, store.clock().today());
    let hash = sherpa_app::password::hash("bench-revenue")?;
    store.load_demo(&book, &hash, &|_, _| {}).await?;
    let (terms,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contracts")
        .fetch_one(store.pool())
        .await?;
    println!(
        "engine {}: demo book of {} accounts with {terms} contract terms loaded in {:.1} s",
        store.engine().name(),
        a.accounts,
        started.elapsed().as_secs_f64()
    );
    let app = App::new(store.clone());
    let by = Caller::operator();
    let today = store.clock().today();
    // The floor: one pass of the database over the same rows, summing them.
    let (floor, _) = timed(a.repeats, || async {
        let row: (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(arr_minor), 0) AS BIGINT) FROM contracts \
             WHERE status <> 'cancelled'",
        )
        .fetch_one(store.pool())
        .await?;
        anyhow::Ok(row)
    })
    .await?;
    println!(
        "floor: a plain SQL aggregate over the contract rows, {:.3} s (median of {})",
        floor, a.repeats
    );
    let report = |name: &str, secs: f64, what: String| {
        println!(
            "{name}: {secs:.3} s, {:.1}x the floor ({what})",
            secs / floor.max(1e-9)
        );
    };
    // The terms are kept in memory between reads; a change to any term makes the next read go
    // to the database. Cold: right after such a change (a no-op update fires the trigger).
    let touch = || async {
        sqlx::query("UPDATE contracts SET id = id WHERE id = (SELECT MIN(id) FROM contracts)")
            .execute(store.pool())
            .await?;
        anyhow::Ok(())
    };
    let (secs, t) = timed(a.repeats, || async {
        touch().await?;
        Ok(store.revenue_terms().await?)
    })
    .await?;
    report(
        "reading the terms in the reporting currency, right after a change",
        secs,
        format!("{} terms", t.terms.len()),
    );
    let (secs, t) = timed(a.repeats, || async { Ok(store.revenue_terms().await?) }).await?;
    report(
        "reading the terms, kept in memory",
        secs,
        format!("{} terms", t.terms.len()),
    );
    let (secs, n) = timed(a.repeats, || async {
        Ok(store.revenue_accounts().await?.len())
    })
    .await?;
    report(
        "reading the accounts' groups",
        secs,
        format!("{n} accounts"),
    );
    let months = RetentionQuery {
        grain: Grain::Month,
        from: Some(Grain::Month.back(Grain::Month.start_of(today), 35)),
        to: None,
        group_by: None,
    };
    let (secs, r) = timed(a.repeats, || async {
        Ok(app.retention(&by, &months).await?)
    })
    .await?;
    report(
        "retention by month, three years",
        secs,
        format!("{} periods", r.periods.len()),
    );
    let (secs, _) = timed(a.repeats, || async {
        touch().await?;
        Ok(app.retention(&by, &months).await?)
    })
    .await?;
    report(
        "retention by month, three years, right after a change",
        secs,
        "terms read again".into(),
    );
    let quarters = RetentionQuery {
        grain: Grain::Quarter,
        from: Some(Grain::Quarter.back(Grain::Quarter.start_of(today), 11)),
        to: None,
        group_by: Some(RevenueGroup::Segment),
    };
    let (secs, r) = timed(a.repeats, || async {
        Ok(app.retention(&by, &quarters).await?)
    })
    .await?;
    report(
        "retention by quarter and segment, three years",
        secs,
        format!("{} periods, {} cohorts", r.periods.len(), r.cohorts.len()),
    );
    let (secs, p) = timed(a.repeats, || async {
        Ok(app.renewals(&by, Some(365), false).await?)
    })
    .await?;
    report(
        "the renewal pipeline of a year",
        secs,
        format!("{} renewals", p.renewals.len()),
    );
    if a.learn {
        let t = Instant::now();
        let cases = app.learn_renewal_forecast().await?;
        println!(
            "learning the renewal probabilities (the daily job, once): {:.1} s, {cases} cases",
            t.elapsed().as_secs_f64()
        );
    }
    use sherpa_core::revenue::Series;
    let (secs, w) = timed(a.repeats, || async {
        Ok(app.waterfall(&by, Series::Renewals, Grain::Month).await?)
    })
    .await?;
    let expected: usize = w.periods.iter().filter_map(|p| p.forecast.as_ref()).count();
    let (cold, _) = timed(a.repeats, || async {
        touch().await?;
        Ok(app.waterfall(&by, Series::Renewals, Grain::Month).await?)
    })
    .await?;
    report(
        "the renewal forecast, right after a change",
        cold,
        "terms read again".into(),
    );
    report(
        "the renewal forecast by month, a year ahead",
        secs,
        format!(
            "{} periods forecast, {}",
            expected,
            if w.basis.learned_at.is_some() {
                "probabilities learned"
            } else {
                "probabilities not learned"
            }
        ),
    );
    Ok(())
}
