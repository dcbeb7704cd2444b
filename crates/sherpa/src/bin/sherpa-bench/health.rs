//! `sherpa-bench health`: the two promises of real-time health, measured on a demo book.
//!
//! - Recompute: every account re-scored from its kept metrics (what `sherpa health recompute`
//!   and a scorecard change run), against the floor of reading the same rows in the same run.
//!   Before each timed run every account's metrics are replaced (untimed) by another full set,
//!   so that every account moves and is written, as after a scorecard change.
//! - Freshness: with a real server and its refresher running and a steady `--load` events/s
//!   posted in Segment batches, a probe event for a new user of a quiet account is sent and the
//!   kept metrics polled until its active users rise: the time from sending to the score
//!   being updated, p50 and p99 over `--probes` probes.
//!
//! SQLite by default (a fresh temporary file); `--postgres URL` uses a new schema there.

use crate::harness::{
    Shape, batch_body, bench_database, drop_bench_schema, median, send, serve_with_ingest_key,
    table_row,
};
use sherpa_core::health::{METRICS, Metrics};
use sherpa_core::*;
use sherpa_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct HealthArgs {
    /// Accounts in the demo book.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: usize,
    /// Timed recomputes (and floors); the medians are reported.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Background events per second while probing freshness.
    #[arg(long, default_value_t = 10_000)]
    pub load: usize,
    /// The accounts the background events belong to.
    #[arg(long, default_value_t = 1_000)]
    pub load_accounts: usize,
    #[arg(long, default_value_t = 200)]
    pub probes: usize,
    /// A PostgreSQL database to use instead of a temporary SQLite file (a schema is made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

pub async fn run(a: HealthArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.accounts > a.load_accounts,
        "--accounts must exceed --load-accounts: the probe account is one the load leaves quiet"
    );
    let dir = tempfile::tempdir()?;
    let store = bench_database(&a.postgres, &dir, "health").await?;
    let result = bench(&a, &store).await;
    store.close().await;
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "health").await?;
    }
    result
}

async fn bench(a: &HealthArgs, store: &Store) -> anyhow::Result<()> {
    crate::harness::load_book(store, a.accounts, "health").await?;
    let t = Instant::now();
    let rebuilt = store.rebuild_health().await?;
    println!(
        "metrics of {} accounts worked out from the book (contracts, contacts, activities) in {:.1} s",
        rebuilt.accounts,
        t.elapsed().as_secs_f64()
    );
    recompute(a, store).await?;
    freshness(a, store).await
}

/// A full set of the catalogue's metrics for every account, different for each `round`.
pub(crate) fn full_metrics(ids: &[AccountId], round: u64) -> Vec<(AccountId, Metrics)> {
    ids.iter()
        .map(|id| {
            let mut m = Metrics::new();
            for (k, metric) in METRICS.iter().enumerate() {
                let h = (id.0 as u64 ^ (round << 40) ^ (k as u64) << 20)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    >> 40;
                let v = match metric.unit {
                    "%" => (h % 1200) as f64 / 10.0,
                    "days" => (h % 400) as f64,
                    "yes/no" => (h % 2) as f64,
                    "score" => (h % 11) as f64,
                    _ => (h % 50) as f64,
                };
                m.insert(metric.key.to_string(), v);
            }
            (*id, m)
        })
        .collect()
}

fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let i = ((xs.len() as f64 * p).ceil() as usize).clamp(1, xs.len()) - 1;
    xs[i]
}

async fn recompute(a: &HealthArgs, store: &Store) -> anyhow::Result<()> {
    let ids: Vec<AccountId> = (1..=a.accounts as i64).map(AccountId).collect();
    let (mut floors, mut runs) = (Vec::new(), Vec::new());
    for round in 0..a.repeats.max(1) {
        store
            .keep_health_metrics(&full_metrics(&ids, round as u64))
            .await?;
        let t = Instant::now();
        let read = store.read_kept_health().await?;
        let floor = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let done = store.recompute_health().await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        anyhow::ensure!(
            read == a.accounts && done.accounts == a.accounts,
            "read {read} and re-scored {} of {} accounts",
            done.accounts,
            a.accounts
        );
        println!(
            "  recompute {}: {ms:.0} ms ({} moved, {} changed colour); floor (reading the same rows) {floor:.0} ms",
            round + 1,
            done.moved,
            done.colour_changes
        );
        floors.push(floor);
        runs.push(ms);
    }
    let (floor, run) = (median(floors), median(runs));
    println!(
        "recompute of {} accounts: median {run:.0} ms; floor {floor:.0} ms; ratio {:.2}",
        a.accounts,
        run / floor
    );
    table_row(
        store.engine().name(),
        &format!("full health recompute, {} accounts", a.accounts),
        &format!("{run:.0} ms"),
        "<= 1000 ms",
        &format!("{floor:.0} ms"),
        Some(run / floor),
    );
    Ok(())
}

async fn freshness(a: &HealthArgs, store: &Store) -> anyhow::Result<()> {
    let (addr, key) = serve_with_ingest_key(store).await?;
    let refresher = tokio::spawn(sherpa_server::refresher::run(sherpa_app::App::new(
        store.clone(),
    )));
    let url = format!("http://{addr}/v1/batch");
    let client = reqwest::Client::new();
    // Let the refresher's first re-score pass before the clock starts.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The load: four senders, each a batch every 100 ms.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let throttled = Arc::new(AtomicUsize::new(0));
    let senders = 4;
    let per_batch = (a.load / (senders * 10)).max(1);
    let shape = Shape {
        accounts: a.load_accounts,
        days: 1,
        sequential_ids: false,
        demo_ids: true,
    };
    let mut tasks = Vec::new();
    for s in 0..senders {
        let (client, url, key) = (client.clone(), url.clone(), key.clone());
        let (stop, sent, throttled) = (stop.clone(), sent.clone(), throttled.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut next = s * 1_000_000_000;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let body = batch_body(next, per_batch, shape, Some(&key));
                send(&client, &url, body, &throttled).await?;
                next += per_batch;
                sent.fetch_add(per_batch, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The probes, on the book's last account: the load never touches it.
    let probe = AccountId(a.accounts as i64);
    let group = format!("ACC-{:06}", a.accounts);
    let users = |m: Option<(Metrics, _)>| {
        m.and_then(|(m, _)| m.get("active_users_30d").copied())
            .unwrap_or(0.0)
    };
    // Its kept metrics are the recompute's made-up ones: work out the real ones first.
    store.refresh_health(&[probe]).await?;
    let load_started = Instant::now();
    let sent_before = sent.load(Ordering::Relaxed);
    let mut latencies = Vec::with_capacity(a.probes);
    for i in 0..a.probes {
        let before = users(store.kept_metrics(probe).await?);
        let body = format!(
            r#"{{"batch":[{{"type":"track","userId":"probe-{i}","event":"Probe","messageId":"probe-{}-{i}","context":{{"groupId":"{group}"}}}}],"writeKey":"{key}"}}"#,
            std::process::id()
        );
        let t = Instant::now();
        send(&client, &url, body, &throttled).await?;
        loop {
            if users(store.kept_metrics(probe).await?) > before {
                break;
            }
            anyhow::ensure!(
                t.elapsed() < Duration::from_secs(30),
                "probe {i}: the score was not updated within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rate =
        (sent.load(Ordering::Relaxed) - sent_before) as f64 / load_started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await??;
    }
    refresher.abort();
    println!(
        "freshness (event sent -> score updated), {} probes under {rate:.0} events/s over {} accounts: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({} batches answered 429 and were retried)",
        a.probes,
        a.load_accounts,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        throttled.load(Ordering::Relaxed)
    );
    table_row(
        store.engine().name(),
        &format!("freshness under {rate:.0} events/s, p99"),
        &format!("{:.0} ms", percentile(&latencies, 0.99)),
        "<= 1000 ms",
        "-",
        None,
    );
    Ok(())
}
