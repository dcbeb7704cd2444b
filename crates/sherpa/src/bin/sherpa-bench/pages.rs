//! `sherpa-bench pages`: the lists and pages a team waits on, loaded by 32 clients at once over
//! HTTP from a separate `sherpa serve` on a book of 100,000 accounts, with the server's memory.
//!
//! The book is the demo's accounts, contacts, terms and activities (no year of history: the
//! lists read the accounts). Each scenario is loaded by `--clients` clients, each sending its
//! next request when its last was answered, for `--rounds` rounds; p50 and p99 are the medians
//! of the rounds. The floor is one account by id through the API under the same load. The
//! server first settles (it scores a book it has not seen and sweeps it once); its memory is
//! sampled from `/proc` then and under the load: the private memory is the figure, the whole
//! resident set (which counts the database file's pages SQLite maps in, once per pooled
//! connection) is shown beside it.
//!
//! ```sh
//! cargo build --release --bins && target/release/sherpa-bench pages --accounts 100000
//! ```

use crate::harness::{Server, bench_url, drop_bench_schema, median, percentile, table_row};
use sherpa_core::demo::DemoBook;
use sherpa_core::*;
use sherpa_store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct PagesArgs {
    /// Accounts in the book.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: usize,
    /// Clients at once.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Rounds of each scenario (each `--clients` x 20 requests).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// A PostgreSQL database to use (a new schema there) instead of a temporary SQLite file.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// A folder to make the SQLite database in and keep it there afterwards (to profile its
    /// queries), instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep_in: Option<std::path::PathBuf>,
}

/// The p99 a list or page must answer within under that load.
const TARGET_MS: f64 = 50.0;

/// The server's memory under that load, at most (MB).
const MEMORY_MB: f64 = 512.0;

/// A named request: who sends it (a header) and its path.
struct Scenario {
    name: &'static str,
    header: (&'static str, String),
    path: String,
}

pub async fn run(a: PagesArgs) -> anyhow::Result<()> {
    let dir = match &a.keep_in {
        Some(keep) => tempfile::Builder::new()
            .disable_cleanup(true)
            .tempdir_in(keep)?,
        None => tempfile::tempdir()?,
    };
    let url = bench_url(&a.postgres, &dir, "pages").await?;
    let store = Store::open(&url, Arc::new(SystemClock)).await?;
    let engine = store.engine().name();
    let loading = Instant::now();
    let book = DemoBook::new(a.accounts, 42, store.clock().today());
    store
        .load_demo(&book, "$argon2id$bench", &|_, _| {})
        .await?;
    println!(
        "engine {engine}: {} demo accounts loaded in {:.1} s",
        a.accounts,
        loading.elapsed().as_secs_f64()
    );
    let scenarios = scenarios(&store, &book).await?;
    drop(book);
    store.close().await;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(a.clients * 2)
        .build()?;
    let server = Server::start(&url, &dir.path().join("server.log"), &client).await?;
    // A book it has never seen, the server scores and sweeps first: that is not the load.
    let watch = server.watch_memory();
    let settled = server.settle().await?;
    let startup = watch.peak().await?;
    println!(
        "the server settled {:.0} s after starting (scoring the book, the first sweep); its \
         memory meanwhile: {:.0} MB private at most, {:.0} MB resident",
        settled.as_secs_f64(),
        mb(startup.private),
        mb(startup.resident)
    );
    let watch = server.watch_memory();
    let (floor, rest) = scenarios.split_first().expect("a floor");
    let mut floor_p50 = Vec::new();
    let mut results = vec![(Vec::new(), Vec::new()); rest.len()];
    for _ in 0..a.rounds {
        let f = load(&client, &server.base, floor, a.clients).await?;
        floor_p50.push(percentile(&f, 0.5));
        for (i, s) in rest.iter().enumerate() {
            let t = load(&client, &server.base, s, a.clients).await?;
            results[i].0.push(percentile(&t, 0.5));
            results[i].1.push(percentile(&t, 0.99));
        }
    }
    let peak = watch.peak().await?;
    drop(server);
    if let Some(base) = &a.postgres {
        drop_bench_schema(base, "pages").await?;
    }

    let floor = median(floor_p50);
    println!(
        "{} clients at once over HTTP; floor ({}) p50 {floor:.2} ms; {} rounds of {} requests",
        a.clients,
        floor_name(),
        a.rounds,
        a.clients * PER_CLIENT
    );
    println!(
        "{:<32} {:>9} {:>9} {:>12}",
        "scenario", "p50 ms", "p99 ms", "p99 / floor"
    );
    for (s, (p50, p99)) in rest.iter().zip(results) {
        let (p50, p99) = (median(p50), median(p99));
        println!(
            "{:<32} {p50:>9.2} {p99:>9.2} {:>11.1}x",
            s.name,
            p99 / floor
        );
        table_row(
            engine,
            &format!("{}, {} clients over HTTP, p99", s.name, a.clients),
            &format!("{p99:.1} ms"),
            &format!("<= {TARGET_MS:.0} ms"),
            &format!("{floor:.2} ms"),
            Some(p99 / floor),
        );
    }
    let (private, resident) = (mb(peak.private), mb(peak.resident));
    println!(
        "server memory under the load: {private:.0} MB private at most; resident {resident:.0} MB \
         (with the database file's pages SQLite maps in, once per pooled connection)"
    );
    table_row(
        engine,
        &format!(
            "server memory under the list and page load, {} accounts",
            a.accounts
        ),
        &format!("{private:.0} MB private ({resident:.0} MB resident with the mapped file)"),
        &format!("<= {MEMORY_MB:.0} MB"),
        "-",
        None,
    );
    Ok(())
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn floor_name() -> &'static str {
    "one account by id through the API"
}

/// The floor first, then the lists and pages people wait on: a leader's portfolio (whole
/// book, by ARR, filtered, searched), a CSM's book, and the API's lists.
async fn scenarios(store: &Store, book: &DemoBook) -> anyhow::Result<Vec<Scenario>> {
    let bench = Actor::system("bench");
    let admin = store
        .user_by_email(&book.team.users[0].email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo has no admin"))?;
    let csm = store
        .user_by_email(&Email::parse("csm.1@sherpa.example").expect("valid"))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo has no csm.1"))?;
    let token = store
        .create_token(&bench, admin.id, TokenScope::Api, "bench")
        .await?
        .secret;
    let hours = chrono::Duration::hours(2);
    let cookie = |c: String| ("cookie", format!("sherpa_session={c}"));
    let leader = cookie(store.open_session(admin.id, hours).await?.cookie);
    let mine = cookie(store.open_session(csm.id, hours).await?.cookie);
    let api = ("authorization", format!("Bearer {token}"));
    let s = |name, header: &(&'static str, String), path: &str| Scenario {
        name,
        header: header.clone(),
        path: path.to_string(),
    };
    let middle = book.accounts / 2;
    Ok(vec![
        s(floor_name(), &api, &format!("/api/v1/accounts/{middle}")),
        s("portfolio, whole book", &leader, "/portfolio"),
        s("portfolio by ARR desc", &leader, "/portfolio?sort=-arr"),
        s(
            "portfolio, 4 filters",
            &leader,
            "/portfolio?lifecycle=ongoing&renewal=90&arr_min=10000&arr_max=100000&sort=-arr",
        ),
        s("portfolio, text search", &leader, "/portfolio?q=summit"),
        s("my book (CSM)", &mine, "/book"),
        s(
            "API list by ARR desc",
            &api,
            "/api/v1/accounts?sort=-arr&limit=50",
        ),
        s(
            "API list, industry+country+ARR",
            &api,
            "/api/v1/accounts?industry=Software&country=Germany&arr_min=10000&arr_max=100000&sort=-arr&limit=50",
        ),
        s(
            "API list, text search",
            &api,
            "/api/v1/accounts?q=summit&limit=50",
        ),
    ])
}

/// Requests each client sends per round.
const PER_CLIENT: usize = 20;

/// Latencies (ms, sorted) of `clients` clients each sending [`PER_CLIENT`] requests of the
/// scenario, one after another; every answer must be 200.
async fn load(
    client: &reqwest::Client,
    base: &str,
    s: &Scenario,
    clients: usize,
) -> anyhow::Result<Vec<f64>> {
    let url = format!("{base}{}", s.path);
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, url, (name, value)) = (client.clone(), url.clone(), s.header.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::with_capacity(PER_CLIENT);
            for _ in 0..PER_CLIENT {
                let start = Instant::now();
                let resp = client.get(&url).header(name, &value).send().await?;
                let status = resp.status();
                resp.bytes().await?;
                took.push(start.elapsed());
                anyhow::ensure!(status.is_success(), "{url} answered {status}");
            }
            anyhow::Ok(took)
        }));
    }
    let mut out = Vec::with_capacity(clients * PER_CLIENT);
    for t in tasks {
        out.extend(t.await??.iter().map(Duration::as_secs_f64));
    }
    let mut ms: Vec<f64> = out.into_iter().map(|s| s * 1e3).collect();
    ms.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    Ok(ms)
}
