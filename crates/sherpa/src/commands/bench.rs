//! `sherpa bench ingest`: how fast Segment events go in over HTTP, against the floor measured in
//! the same run (the same messages written straight into the store, no HTTP, no parsing).
//!
//! A real server listens on a local port; `--clients` tasks post batches of `--batch` events
//! (as Segment clients do) with an ingest token. Events spread over `--accounts` accounts and
//! 20,000 users and 30 event names, so mapping and rollups do real work. They happened today,
//! as a live stream's do; `--days 14` spreads them over the last 14 days, as a back-fill's.
//! Message ids are random UUIDs, as real clients send them (`--sequential-ids` for ordered ones).
//! SQLite by default (fresh temporary files); `--postgres URL` uses two new schemas there.

use chrono::Utc;
use sherpa_core::intake::{Message, parse_request};
use sherpa_core::*;
use sherpa_store::Store;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Events per second through the Segment intake, and the store's floor.
    Ingest(IngestArgs),
    /// Health: a full re-score of the book against reading it, and how soon an event shows in
    /// its account's health under a steady ingest load.
    Health(super::bench_health::HealthArgs),
}

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

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ingest(a) => ingest(a).await,
        BenchCommand::Health(a) => super::bench_health::run(a).await,
    }
}

async fn ingest(a: IngestArgs) -> anyhow::Result<()> {
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

/// Posts a batch until the intake takes it; counts the 429s it answered meanwhile.
pub(super) async fn send(
    client: &reqwest::Client,
    url: &str,
    body: String,
    throttled: &std::sync::atomic::AtomicUsize,
) -> anyhow::Result<()> {
    loop {
        let resp = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await?;
        match resp.status().as_u16() {
            200 => return Ok(()),
            // Back-pressure: wait as told, then send the same batch again.
            429 => {
                throttled.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            s => anyhow::bail!("the intake answered {s}: {}", resp.text().await?),
        }
    }
}

/// Serves `store` on a local port as `sherpa serve` would; answers the address and an ingest
/// key.
pub(super) async fn serve_with_ingest_key(
    store: &Store,
) -> anyhow::Result<(std::net::SocketAddr, String)> {
    let admin = store
        .upsert_user(
            &Actor::system("bench"),
            &UserInput {
                email: Email::parse("bench@sherpa.example").expect("valid"),
                name: "Bench".into(),
                function: Function::Operations,
                role: Role::Admin,
                manager_email: None,
                active: true,
            },
            None,
        )
        .await?;
    let key = store
        .create_token(
            &Actor::system("bench"),
            admin.id,
            TokenScope::Ingest,
            "bench",
        )
        .await?
        .secret;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = sherpa_server::app(store.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, key))
}

/// The schema a bench named `name` makes on PostgreSQL.
pub(super) fn bench_schema(name: &str) -> String {
    format!("bench_{name}_{}", std::process::id())
}

/// A fresh database for a bench named `name`: a SQLite file in `dir`, or a new schema of the
/// PostgreSQL database `postgres` (dropped with [`drop_bench_schema`]).
pub(super) async fn bench_database(
    postgres: &Option<String>,
    dir: &tempfile::TempDir,
    name: &str,
) -> anyhow::Result<Store> {
    let url = match postgres {
        None => format!("sqlite://{}/{name}.db", dir.path().display()),
        Some(base) => {
            let schema = bench_schema(name);
            let admin = crate::open(base).await?;
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(admin.pool())
                .await?;
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema},public")
        }
    };
    Ok(Store::open(&url, Arc::new(SystemClock)).await?)
}

/// Leaves the PostgreSQL database as it was before the bench named `name`.
pub(super) async fn drop_bench_schema(base: &str, name: &str) -> anyhow::Result<()> {
    let admin = crate::open(base).await?;
    sqlx::query(&format!("DROP SCHEMA {} CASCADE", bench_schema(name)))
        .execute(admin.pool())
        .await?;
    Ok(())
}

/// A store for one half of the bench, holding `accounts` accounts with external ids.
async fn bench_store(a: &IngestArgs, dir: &tempfile::TempDir, name: &str) -> anyhow::Result<Store> {
    let store = bench_database(&a.postgres, dir, name).await?;
    let sys = Actor::system("bench");
    for i in 0..a.accounts {
        store
            .create_account(
                &sys,
                &AccountPatch {
                    name: Some(format!("Account {i}")),
                    external_id: Some(Some(format!("ACC-{i}"))),
                    ..Default::default()
                },
            )
            .await?;
    }
    Ok(store)
}

/// How the events spread: over how many accounts and days.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    pub accounts: usize,
    pub days: u64,
    pub sequential_ids: bool,
    /// Group ids as the demo book's ("ACC-000001" for account 0), not "ACC-0".
    pub demo_ids: bool,
}

impl Shape {
    fn of(a: &IngestArgs) -> Shape {
        Shape {
            accounts: a.accounts,
            days: a.days.max(1),
            sequential_ids: a.sequential_ids,
            demo_ids: false,
        }
    }
}

/// A Segment batch of `n` track and page messages starting at message number `first`.
pub(super) fn batch_body(first: usize, n: usize, shape: Shape, key: Option<&str>) -> String {
    let Shape {
        accounts,
        days,
        sequential_ids,
        demo_ids,
    } = shape;
    let mut s = String::with_capacity(n * 260 + 64);
    s.push_str("{\"batch\":[");
    let today = Utc::now().date_naive();
    for i in first..first + n {
        if i > first {
            s.push(',');
        }
        // A cheap, fixed mix: the same message number always gives the same message.
        let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let user = h % 20_000;
        let account = user as usize % accounts;
        let group = if demo_ids {
            format!("ACC-{:06}", account + 1)
        } else {
            format!("ACC-{account}")
        };
        let day = today - chrono::Days::new(h % days);
        let kind = if h.is_multiple_of(5) { "page" } else { "track" };
        let _ = write!(
            s,
            r#"{{"type":"{kind}","messageId":"{id}","userId":"user-{user}","event":"Feature {f}","name":"Screen {f}","context":{{"groupId":"{group}","library":{{"name":"bench"}}}},"properties":{{"plan":"pro","value":{v}}},"timestamp":"{day}T{hh:02}:{mm:02}:00Z"}}"#,
            id = MessageId(i, h, sequential_ids),
            f = (h >> 20) % 30,
            v = (h >> 30) % 1000,
            hh = (h >> 8) % 24,
            mm = (h >> 12) % 60,
        );
    }
    s.push(']');
    if let Some(k) = key {
        let _ = write!(s, ",\"writeKey\":\"{k}\"");
    }
    s.push('}');
    s
}

/// A message id: "bench-N", or a UUID made from the message's hash, as analytics-python's uuid4.
struct MessageId(usize, u64, bool);

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let MessageId(i, h, sequential) = *self;
        if sequential {
            return write!(f, "bench-{i}");
        }
        write!(
            f,
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xffff,
            h & 0xfff,
            (h.rotate_left(7) & 0x3fff) | 0x8000,
            h.rotate_left(29) & 0xffff_ffff_ffff
        )
    }
}
