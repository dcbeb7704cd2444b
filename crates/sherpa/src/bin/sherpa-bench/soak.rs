//! `sherpa-bench soak`: the server as a team and a Segment pipeline use it at once, for minutes.
//!
//! `sherpa demo` fills a book; `sherpa serve` runs as its own process (so its memory is its
//! own); then, for `--minutes`:
//! - `--clients` people (CSMs, leaders, an admin) load signed-in pages in a loop over plain
//!   HTTP: home, their book, tasks, the portfolio, health, segments, the 9-box, staffing and
//!   account pages;
//! - a Segment sender posts events at half the intake's maximum, measured on this machine
//!   just before (so the server is busy, not drowned);
//! - the engagement engine is swept every 30 seconds through the API, and the health
//!   refresher re-scores the accounts the events touch, as in production.
//!
//! It reports errors (any answer but 200, or a redirect to sign in; a 429 from the intake is
//! counted apart, as back-pressure), latency percentiles per kind of request, and the server's
//! private memory after a warm-up (`--warm-up-minutes`, 4 by default: a 1-minute baseline on
//! SQLite is taken while the page caches still fill, and reads as +50%), every minute, and at
//! the end. It fails when there
//! was an error or that memory grew 10% or more.
//! Not part of `./scripts/test`: it takes the minutes it is given, on each engine.

use crate::harness::{
    Server, Shape, batch_body, bench_url, drop_bench_schema, memory, percentile, sherpa_binary,
};
use sherpa_core::*;
use sherpa_store::{AccountQuery, Store};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(clap::Args)]
pub struct SoakArgs {
    /// How long the load runs after the warm-up.
    #[arg(long, default_value_t = 5.0)]
    pub minutes: f64,
    /// People loading pages at once.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Load before the memory baseline is taken: long enough for the database's page caches
    /// (on SQLite up to 64 MB per pooled connection and 192 MB for the intake's) to fill, so
    /// that what grows after it is what a leak would grow.
    #[arg(long, default_value_t = 4.0)]
    pub warm_up_minutes: f64,
    /// The demo book's size.
    #[arg(long, default_value_t = 2_000)]
    pub accounts: usize,
    /// A PostgreSQL database to use (a new schema there) instead of a temporary SQLite file.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

/// Latencies and failures of one kind of request.
#[derive(Default)]
struct Tally {
    millis: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
}

type Tallies = Arc<Mutex<BTreeMap<&'static str, Tally>>>;

async fn note(t: &Tallies, kind: &'static str, took: Duration, error: Option<String>) {
    let mut all = t.lock().await;
    let tally = all.entry(kind).or_default();
    tally.millis.push(took.as_secs_f64() * 1000.0);
    if let Some(e) = error {
        tally.errors += 1;
        tally.first_error.get_or_insert(e);
    }
}

/// The people who load pages, signed in: cookies of CSMs, leaders and admins of the demo.
async fn sessions(store: &Store, n: usize) -> anyhow::Result<Vec<String>> {
    let people: Vec<User> = store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active && matches!(u.role, Role::Csm | Role::Leader | Role::Admin))
        .collect();
    anyhow::ensure!(!people.is_empty(), "the demo has no CSM to sign in as");
    let mut cookies = Vec::with_capacity(n);
    for i in 0..n {
        let who = &people[i % people.len()];
        let s = store
            .open_session(who.id, chrono::Duration::hours(4))
            .await?;
        cookies.push(s.cookie);
    }
    Ok(cookies)
}

pub async fn run(a: SoakArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = bench_url(&a.postgres, &dir, "soak").await?;
    let sherpa = sherpa_binary()?;
    let started = Instant::now();
    let demo = std::process::Command::new(&sherpa)
        .args(["--db", &url, "demo", "--no-serve", "--accounts"])
        .arg(a.accounts.to_string())
        .stdout(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(demo.success(), "sherpa demo failed");
    println!(
        "demo book of {} accounts in {:.0} s",
        a.accounts,
        started.elapsed().as_secs_f64()
    );

    // Sessions, tokens and the pages to load, straight from the store; then it lets go.
    let store = Store::open(&url, Arc::new(SystemClock)).await?;
    let engine = store.engine().name();
    let cookies = sessions(&store, a.clients).await?;
    let admin = store
        .users()
        .await?
        .into_iter()
        .find(|u| u.role == Role::Admin)
        .ok_or_else(|| anyhow::anyhow!("the demo has no admin"))?;
    let api_token = store
        .create_token(&Actor::system("soak"), admin.id, TokenScope::Api, "soak")
        .await?
        .secret;
    let ingest_key = store
        .create_token(&Actor::system("soak"), admin.id, TokenScope::Ingest, "soak")
        .await?
        .secret;
    let (page, _) = store
        .accounts(&AccountQuery {
            limit: 200,
            ..Default::default()
        })
        .await?;
    let account_ids: Vec<String> = page.iter().map(|a| a.id.to_string()).collect();
    store.close().await;
    drop(store);

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(a.clients * 2)
        .build()?;
    let server = Server::start(&url, &dir.path().join("server.log"), &client).await?;
    let (base, pid) = (server.base.clone(), server.pid());
    let result = soak(
        &a,
        &client,
        &base,
        pid,
        &cookies,
        &api_token,
        &ingest_key,
        &account_ids,
    )
    .await;
    drop(server);
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "soak").await?;
    }
    let report = result?;
    println!("engine {engine}: {report}");
    Ok(())
}

/// The intake's maximum on this machine: 16 senders posting 500-event batches for 10 seconds
/// (enough at once that the server, not the senders' round trips, is what limits them).
async fn intake_maximum(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    next: &AtomicUsize,
    shape: Shape,
) -> anyhow::Result<f64> {
    let t = Instant::now();
    let until = t + Duration::from_secs(10);
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (client, url, key) = (client.clone(), url.to_string(), key.to_string());
        let first = next.fetch_add(1_000_000, Ordering::Relaxed);
        senders.push(tokio::spawn(async move {
            let mut sent = 0usize;
            while Instant::now() < until {
                let body = batch_body(first + sent, 500, shape, Some(&key));
                let r = client.post(&url).body(body).send().await?;
                if r.status().is_success() {
                    sent += 500;
                }
            }
            anyhow::Ok(sent)
        }));
    }
    let mut sent = 0;
    for s in senders {
        sent += s.await??;
    }
    Ok(sent as f64 / t.elapsed().as_secs_f64())
}

#[allow(clippy::too_many_arguments)]
async fn soak(
    a: &SoakArgs,
    client: &reqwest::Client,
    base: &str,
    pid: u32,
    cookies: &[String],
    api_token: &str,
    ingest_key: &str,
    account_ids: &[String],
) -> anyhow::Result<String> {
    let shape = Shape {
        accounts: a.accounts,
        days: 1,
        sequential_ids: false,
        demo_ids: true,
    };
    let intake_url = format!("{base}/v1/batch");
    let next = Arc::new(AtomicUsize::new(0));
    let maximum = intake_maximum(client, &intake_url, ingest_key, &next, shape).await?;
    let rate = maximum / 2.0;
    println!("intake maximum {maximum:.0} events/s; soaking at {rate:.0} events/s");

    let tallies: Tallies = Arc::default();
    let warm_up = Duration::from_secs_f64(a.warm_up_minutes * 60.0);
    let deadline = Instant::now() + warm_up + Duration::from_secs_f64(a.minutes * 60.0);
    let throttled = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();

    // People loading pages.
    let mut pages: Vec<(&'static str, String)> = vec![
        ("home", "/".into()),
        ("my book", "/book".into()),
        ("my tasks", "/tasks".into()),
        ("portfolio", "/portfolio?sort=-arr".into()),
        ("portfolio search", "/portfolio?q=co".into()),
        ("health", "/portfolio/health".into()),
        ("segments", "/segments".into()),
        ("9-box", "/nine-box".into()),
        ("staffing", "/staffing".into()),
        ("team", "/team".into()),
    ];
    for id in account_ids.iter().take(10) {
        pages.push(("account 360", format!("/accounts/{id}")));
    }
    let pages = Arc::new(pages);
    for (i, cookie) in cookies.iter().enumerate() {
        let (client, base, tallies, pages) = (
            client.clone(),
            base.to_string(),
            tallies.clone(),
            pages.clone(),
        );
        let cookie = format!("sherpa_session={cookie}");
        tasks.push(tokio::spawn(async move {
            let mut n = i * 7;
            while Instant::now() < deadline {
                let (kind, path) = &pages[n % pages.len()];
                n += 1;
                let t = Instant::now();
                let r = client
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await;
                // Home sends each person on to their own first page; a sign-in page would be
                // a lost session, an error.
                let error = match r {
                    Ok(r) if r.status().is_success() => {
                        r.bytes().await.err().map(|e| e.to_string())
                    }
                    Ok(r)
                        if r.status().is_redirection()
                            && !r
                                .headers()
                                .get("location")
                                .and_then(|l| l.to_str().ok())
                                .is_some_and(|l| l.starts_with("/login")) =>
                    {
                        None
                    }
                    Ok(r) => Some(format!("{path}: {}", r.status())),
                    Err(e) => Some(format!("{path}: {e}")),
                };
                note(&tallies, kind, t.elapsed(), error).await;
            }
        }));
    }

    // The Segment pipeline: every 100 ms, a tenth of a second's events in batches of 500.
    {
        let (client, tallies, key, next, throttled) = (
            client.clone(),
            tallies.clone(),
            ingest_key.to_string(),
            next.clone(),
            throttled.clone(),
        );
        let per_tick = ((rate / 10.0) as usize).max(1);
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut inflight = Vec::new();
            while Instant::now() < deadline {
                tick.tick().await;
                let mut left = per_tick;
                while left > 0 {
                    let n = left.min(500);
                    left -= n;
                    let first = next.fetch_add(n, Ordering::Relaxed);
                    let body = batch_body(first, n, shape, Some(&key));
                    let (client, url, tallies, throttled) = (
                        client.clone(),
                        intake_url.clone(),
                        tallies.clone(),
                        throttled.clone(),
                    );
                    inflight.push(tokio::spawn(async move {
                        let t = Instant::now();
                        let error = match client.post(&url).body(body).send().await {
                            Ok(r) if r.status().is_success() => None,
                            Ok(r) if r.status().as_u16() == 429 => {
                                throttled.fetch_add(1, Ordering::Relaxed);
                                None
                            }
                            Ok(r) => Some(format!("intake: {}", r.status())),
                            Err(e) => Some(format!("intake: {e}")),
                        };
                        note(&tallies, "intake batch", t.elapsed(), error).await;
                    }));
                }
                inflight.retain(|h: &tokio::task::JoinHandle<()>| !h.is_finished());
            }
            for h in inflight {
                let _ = h.await;
            }
        }));
    }

    // The engagement engine, swept through the API every 30 seconds.
    {
        let (client, base, tallies, token) = (
            client.clone(),
            base.to_string(),
            tallies.clone(),
            api_token.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/engagement/run"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let error = match r {
                    Ok(r) if r.status().is_success() => None,
                    Ok(r) => Some(format!("engagement run: {}", r.status())),
                    Err(e) => Some(format!("engagement run: {e}")),
                };
                note(&tallies, "engagement sweep", t.elapsed(), error).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }));
    }

    tokio::time::sleep(warm_up).await;
    let start = memory(pid)?;
    // The private memory every minute, to tell a plateau from a climb.
    let mut trace = vec![start.private];
    while Instant::now() + Duration::from_secs(60) < deadline {
        tokio::time::sleep(Duration::from_secs(60)).await;
        trace.push(memory(pid)?.private);
    }
    for t in tasks {
        t.await?;
    }
    let end = memory(pid)?;
    trace.push(end.private);

    let mut out = String::new();
    let mut errors = 0;
    let mut first_error = None;
    let mut requests = 0;
    let mut worst_p99: f64 = 0.0;
    let all = tallies.lock().await;
    for (kind, t) in all.iter() {
        let mut ms = t.millis.clone();
        ms.sort_by(|a, b| a.total_cmp(b));
        requests += ms.len();
        errors += t.errors;
        if first_error.is_none() {
            first_error = t.first_error.clone();
        }
        let p99 = percentile(&ms, 0.99);
        if *kind != "engagement sweep" && *kind != "intake batch" {
            worst_p99 = worst_p99.max(p99);
        }
        out.push_str(&format!(
            "\n  {kind:<18} {:>7} requests  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>8.1} ms  errors {}",
            ms.len(),
            percentile(&ms, 0.5),
            p99,
            ms.last().copied().unwrap_or(0.0),
            t.errors
        ));
    }
    let mb = |kb: u64| kb as f64 / 1024.0;
    let growth = (end.private as f64 - start.private as f64) / start.private.max(1) as f64 * 100.0;
    let trace: Vec<String> = trace.iter().map(|kb| format!("{:.0}", mb(*kb))).collect();
    let summary = format!(
        "{requests} requests in {:.1} min, {errors} errors, {} intake 429s; worst page p99 \
         {worst_p99:.0} ms; intake at {rate:.0} events/s (half of {maximum:.0}); server private \
         memory {:.0} MB after the warm-up, {:.0} MB at the end ({growth:+.1}%; each minute: {} \
         MB); resident with the mapped database {:.0} MB then {:.0} MB{out}",
        a.minutes,
        throttled.load(Ordering::Relaxed),
        mb(start.private),
        mb(end.private),
        trace.join(", "),
        mb(start.resident),
        mb(end.resident),
    );
    anyhow::ensure!(
        errors == 0,
        "{summary}\nfirst error: {}",
        first_error.unwrap_or_default()
    );
    anyhow::ensure!(growth < 10.0, "{summary}\nmemory grew 10% or more");
    Ok(summary)
}
