//! `sherpa-bench ingest`: how fast Segment events go in over HTTP, against the floor measured in
//! the same run (the same messages written straight into the store, no HTTP, no parsing).
//!
//! A real server listens on a local port; `--clients` tasks post batches of `--batch` events
//! (as Segment clients do) with an ingest token. Events spread over `--accounts` accounts and
//! 20,000 users and 30 event names, so mapping and rollups do real work. They happened today,
//! as a live stream's do; `--days 14` spreads them over the last 14 days, as a back-fill's.
//! Message ids are random UUIDs, as real clients send them (`--sequential-ids` for ordered ones).
//! SQLite by default (fresh temporary files); `--postgres URL` uses two new schemas there.

use crate::harness::{
    Shape, add_accounts, batch_body, bench_database, drop_bench_schema, send,
    serve_with_ingest_key, table_row,
};
use chrono::Utc;
use sherpa_core::intake::{Message, parse_request};
use sherpa_store::Store;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub struct IngestArgs {
    #[arg(long, default_value_t = 5_000_000)]
    pub events: usize,
    /// Concurrent senders. An intake serves many: with few, each waiting for its answer
    /// before it sends again, the bench measures their round trips rather than the server.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    #[arg(long, default_value_t = 1_000)]
    pub accounts: usize,
    /// The days the events happened on: today and the days before it.
    #[arg(long, default_value_t = 1)]
    pub days: u64,
    /// Message ids in sending order ("bench-1", "bench-2", ...) instead of random UUIDs. Real
    /// clients send random ones (analytics-python: uuid4), which the dedup index takes at any
    /// place: slower once it no longer fits in memory.
    #[arg(long)]
    pub sequential_ids: bool,
    /// A PostgreSQL database to use instead of temporary SQLite files (two schemas are made).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

pub async fn run(a: IngestArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let floor_store = bench_store(&a, &dir, "floor").await?;
    let http_store = bench_store(&a, &dir, "http").await?;
    println!(
        "engine {}: {} events in batches of {}, {} clients, {} accounts",
        floor_store.engine().name(),
        a.events,
        a.batch,
        a.clients,
        a.accounts
    );

    // The floor: the same messages, parsed beforehand, straight into the store.
    let now = Utc::now();
    let mut floor_secs = 0.0;
    let mut stored = 0;
    for first in (0..a.events).step_by(10_000) {
        let end = (first + 10_000).min(a.events);
        let mut msgs: Vec<Message> = Vec::with_capacity(end - first);
        // Parsed in batches the intake accepts, stored 10,000 at a time.
        for start in (first..end).step_by(2_500) {
            let body = batch_body(start, 2_500.min(end - start), Shape::of(&a), None);
            let parsed = parse_request(None, body.as_bytes(), now)
                .map_err(|e| anyhow::anyhow!(e.message))?;
            for m in parsed.messages {
                msgs.push(m.map_err(|e| anyhow::anyhow!(e.message))?);
            }
        }
        // Only the store's time counts toward the floor.
        let t = Instant::now();
        stored += floor_store.ingest(msgs, now).await?.accepted;
        floor_secs += t.elapsed().as_secs_f64();
    }
    anyhow::ensure!(
        stored == a.events,
        "the floor stored {stored} of {} events",
        a.events
    );
    let floor = a.events as f64 / floor_secs;
    println!("floor (store.ingest, 10,000 a call): {floor:>10.0} events/s ({floor_secs:.1} s)");

    // Over HTTP.
    let (addr, key) = serve_with_ingest_key(&http_store).await?;
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/v1/batch");
    // The senders' bodies are composed before the clock starts, as the floor's messages are
    // parsed before its clock starts: composing JSON is the clients' work, not the server's,
    // and on a 2-core machine it would take the server's cores.
    let shape = Shape::of(&a);
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..a.events)
            .step_by(a.batch)
            .map(|first| batch_body(first, a.batch.min(a.events - first), shape, Some(&key)))
            .collect(),
    );
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let throttled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.clients {
        let (client, url, bodies, next, throttled) = (
            client.clone(),
            url.clone(),
            bodies.clone(),
            next.clone(),
            throttled.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    return Ok::<_, anyhow::Error>(());
                };
                send(&client, &url, body.clone(), &throttled).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let http_secs = started.elapsed().as_secs_f64();
    let status = http_store.intake_status().await?;
    anyhow::ensure!(
        status.accepted as usize == a.events,
        "the intake stored {} of {} events",
        status.accepted,
        a.events
    );
    let http = a.events as f64 / http_secs;
    println!(
        "over HTTP:                           {http:>10.0} events/s ({http_secs:.1} s, {} requests answered 429 and were retried)",
        throttled.load(std::sync::atomic::Ordering::Relaxed)
    );
    println!("ratio HTTP / floor: {:.2}", http / floor);
    table_row(
        http_store.engine().name(),
        "HTTP ingest, Segment batches",
        &format!("{http:.0} events/s"),
        ">= 150000 events/s",
        &format!("{floor:.0} events/s"),
        Some(http / floor),
    );
    // The PostgreSQL schemas were the bench's own: leave the database as it was.
    if let Some(base) = &a.postgres {
        floor_store.close().await;
        http_store.close().await;
        for name in ["floor", "http"] {
            drop_bench_schema(base, name).await?;
        }
    }
    Ok(())
}

/// A store for one half of the bench, holding `accounts` accounts with external ids.
async fn bench_store(a: &IngestArgs, dir: &tempfile::TempDir, name: &str) -> anyhow::Result<Store> {
    let store = bench_database(&a.postgres, dir, name).await?;
    add_accounts(&store, a.accounts).await?;
    Ok(store)
}

impl Shape {
    pub(crate) fn of(a: &IngestArgs) -> Shape {
        Shape {
            accounts: a.accounts,
            days: a.days.max(1),
            sequential_ids: a.sequential_ids,
            demo_ids: false,
        }
    }
}
