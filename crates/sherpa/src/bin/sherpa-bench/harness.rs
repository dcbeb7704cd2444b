//! What both benchmarks share: a real server with an ingest token, Segment batches shaped like a
//! client's, and the databases they run on (fresh SQLite files, or new PostgreSQL schemas).

use chrono::Utc;
use sherpa_core::*;
use sherpa_store::Store;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Posts a batch until the intake takes it; counts the 429s it answered meanwhile.
pub async fn send(
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
pub async fn serve_with_ingest_key(
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

/// Opens and migrates a database.
async fn open(url: &str) -> anyhow::Result<Store> {
    Ok(Store::open(url, Arc::new(SystemClock)).await?)
}

/// The schema a bench named `name` makes on PostgreSQL.
pub fn bench_schema(name: &str) -> String {
    format!("bench_{name}_{}", std::process::id())
}

/// A fresh database for a bench named `name`: a SQLite file in `dir`, or a new schema of the
/// PostgreSQL database `postgres` (dropped with [`drop_bench_schema`]).
pub async fn bench_database(
    postgres: &Option<String>,
    dir: &tempfile::TempDir,
    name: &str,
) -> anyhow::Result<Store> {
    open(&bench_url(postgres, dir, name).await?).await
}

/// The URL of a fresh database for a bench named `name` (see [`bench_database`]), for a bench
/// that runs `sherpa` as a separate process on it.
pub async fn bench_url(
    postgres: &Option<String>,
    dir: &tempfile::TempDir,
    name: &str,
) -> anyhow::Result<String> {
    Ok(match postgres {
        None => format!("sqlite://{}/{name}.db", dir.path().display()),
        Some(base) => {
            let schema = bench_schema(name);
            let admin = open(base).await?;
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(admin.pool())
                .await?;
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema},public")
        }
    })
}

/// Adds `n` accounts with the external ids the generated events name ("ACC-0", ...).
pub async fn add_accounts(store: &Store, n: usize) -> anyhow::Result<()> {
    let sys = sherpa_core::Actor::system("bench");
    for i in 0..n {
        store
            .create_account(
                &sys,
                &sherpa_core::AccountPatch {
                    name: Some(format!("Account {i}")),
                    external_id: Some(Some(format!("ACC-{i}"))),
                    ..Default::default()
                },
            )
            .await?;
    }
    Ok(())
}

/// Leaves the PostgreSQL database as it was before the bench named `name`.
pub async fn drop_bench_schema(base: &str, name: &str) -> anyhow::Result<()> {
    let admin = open(base).await?;
    sqlx::query(&format!("DROP SCHEMA {} CASCADE", bench_schema(name)))
        .execute(admin.pool())
        .await?;
    Ok(())
}

/// How the events spread: over how many accounts and days.
#[derive(Clone, Copy)]
pub struct Shape {
    pub accounts: usize,
    pub days: u64,
    pub sequential_ids: bool,
    /// Group ids as the demo book's ("ACC-000001" for account 0), not "ACC-0".
    pub demo_ids: bool,
}

/// A Segment batch of `n` track and page messages starting at message number `first`.
pub fn batch_body(first: usize, n: usize, shape: Shape, key: Option<&str>) -> String {
    let mut s = String::with_capacity(n * 260 + 64);
    s.push_str("{\"batch\":[");
    let today = Utc::now().date_naive();
    for i in first..first + n {
        if i > first {
            s.push(',');
        }
        message(&mut s, i, shape, today);
    }
    s.push(']');
    if let Some(k) = key {
        let _ = write!(s, ",\"writeKey\":\"{k}\"");
    }
    s.push('}');
    s
}

/// Message number `i` as JSON: a track or a page of one of 20,000 users, on one of the
/// shape's days up to `today`.
pub fn message(s: &mut String, i: usize, shape: Shape, today: chrono::NaiveDate) {
    let Shape {
        accounts,
        days,
        sequential_ids,
        demo_ids,
    } = shape;
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

/// Peak memory (MB) and wall time of a child process run to its end.
pub fn run_measured(cmd: &mut std::process::Command) -> anyhow::Result<(f64, f64, String)> {
    let started = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // Its pipes are read while it runs, so that it never blocks on a full one.
    let output = child.wait_with_output()?;
    let secs = started.elapsed().as_secs_f64();
    // The largest resident set of any waited-for child (in KB on Linux): this is the only one.
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    let peak_mb = usage.max_rss() as f64 / 1024.0;
    anyhow::ensure!(
        output.status.success(),
        "the command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((
        peak_mb,
        secs,
        String::from_utf8_lossy(&output.stdout).into(),
    ))
}

/// One row of the benchmarks' common table, for `scripts/bench` to gather: what was measured,
/// the figure, its target, the floor measured in the same run and the ratio to it (none when
/// the figure has no floor of its own).
/// Loads the demo book of `accounts` into a bench's store, and says how long it took.
pub async fn load_book(store: &Store, accounts: usize, bench: &str) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let book = sherpa_core::demo::DemoBook::new(accounts, 7, store.clock().today());
    let hash = sherpa_app::password::hash(&format!("bench-{bench}"))?;
    store.load_demo(&book, &hash, &|_, _| {}).await?;
    println!(
        "engine {}: demo book of {accounts} accounts loaded in {:.1} s",
        store.engine().name(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn table_row(
    engine: &str,
    what: &str,
    measured: &str,
    target: &str,
    floor: &str,
    ratio: Option<f64>,
) {
    let ratio = ratio.map_or("-".into(), |r| format!("{r:.1}"));
    println!("TABLE\t{engine}\t{what}\t{measured}\t{target}\t{floor}\t{ratio}");
}

/// `sherpa serve` on a database, as a process of its own (so that its memory is its own),
/// stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// Starts the server next to this benchmark's binary on `url`, logging to `log`, and waits
    /// until it answers.
    pub async fn start(
        url: &str,
        log: &std::path::Path,
        client: &reqwest::Client,
    ) -> anyhow::Result<Server> {
        let sherpa = sherpa_binary()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(log)?;
        let child = std::process::Command::new(&sherpa)
            .args(["--db", url, "serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("SHERPA_LOG", "warn")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let ready = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            anyhow::ensure!(
                ready.elapsed() < Duration::from_secs(120),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the server has done what it does on starting (scoring a book it has not
    /// scored, the engagement engine's first sweep): until it used under a twentieth of a core
    /// for two seconds. Answers how long that took.
    pub async fn settle(&self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut last = cpu_ticks(self.pid())?;
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let now = cpu_ticks(self.pid())?;
            // Ticks are hundredths of a second: 10 in two seconds is a twentieth of a core.
            if now - last < 10 {
                return Ok(started.elapsed());
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(900),
                "the server was still busy after 15 minutes"
            );
            last = now;
        }
    }

    /// Samples the server's memory every 50 ms until the returned watch is stopped.
    pub fn watch_memory(&self) -> MemoryWatch {
        let pid = self.pid();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let mut peak = Peak::default();
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(m) = memory(pid) {
                    peak.private = peak.private.max(m.private);
                    peak.resident = peak.resident.max(m.resident);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        });
        MemoryWatch { stop, task }
    }
}

/// The largest memory (kB) seen by a [`MemoryWatch`]: private (anonymous) and resident. The
/// resident set also counts the pages of the database file that SQLite maps in, once for each
/// pooled connection that maps them: the kernel's to take back, not the server's to keep.
#[derive(Default, Clone, Copy)]
pub struct Peak {
    pub private: u64,
    pub resident: u64,
}

/// A running sample of a process's memory.
pub struct MemoryWatch {
    stop: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<Peak>,
}

impl MemoryWatch {
    /// Stops sampling; answers the largest seen.
    pub async fn peak(self) -> anyhow::Result<Peak> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(self.task.await?)
    }
}

/// CPU time a process has used (user and system), in clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| fields.get(i - 3).and_then(|v| v.parse::<u64>().ok());
    match (tick(14), tick(15)) {
        (Some(u), Some(s)) => Ok(u + s),
        _ => anyhow::bail!("cannot read the CPU time of process {pid}"),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `sherpa` binary beside this one.
pub fn sherpa_binary() -> anyhow::Result<std::path::PathBuf> {
    let sherpa = std::env::current_exe()?.with_file_name("sherpa");
    anyhow::ensure!(
        sherpa.exists(),
        "{} is missing: build it with `cargo build --release --bins`",
        sherpa.display()
    );
    Ok(sherpa)
}

/// A process's memory (kB), from `/proc`: its private (anonymous) resident memory, which a
/// leak grows; and its whole resident set, which also counts the database file's pages that
/// SQLite maps in (`mmap_size`) and so grows with the data, not with a leak.
pub struct Memory {
    pub private: u64,
    pub resident: u64,
}

pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(Memory {
        private: field("RssAnon:"),
        resident: field("VmRSS:"),
    })
}

/// The middle of the figures (the upper one of an even count).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// The figure at `p` (0 to 1) of figures sorted in ascending order, 0 when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
