//! A `kill -9` of a real `sherpa serve` while events stream in loses no acknowledged message and
//! stores none twice. Runs on SQLite and on PostgreSQL (`SHERPA_TEST_PG`).

#[path = "../../store/tests/support.rs"]
mod support;

mod common;

use std::collections::{BTreeSet, HashMap};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn sherpa(db: &str, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_sherpa"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("SHERPA_PASSWORD", "a long enough password")
        .output()
        .expect("run sherpa");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &str, port: u16) -> Child {
    sherpa_server::outreach::install_tls();
    let child = Command::new(env!("CARGO_BIN_EXE_sherpa"))
        .args(["--db", db, "serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sherpa serve");
    common::wait_until_serving(port).await;
    child
}

fn batch(client: usize, n: usize, size: usize) -> (Vec<String>, String) {
    let ids: Vec<String> = (0..size).map(|i| format!("c{client}-b{n}-m{i}")).collect();
    let items: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"type":"track","userId":"u{client}","event":"Crash Test","messageId":"{id}","context":{{"groupId":"ACME"}}}}"#))
        .collect();
    (ids, format!(r#"{{"batch":[{}]}}"#, items.join(",")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_loses_no_acknowledged_message() {
    let db = support::TestDb::new().await;
    let url = db.url.clone();
    sherpa(&url, &["user", "add", "ops@example.com", "--role", "admin"]);
    let key = sherpa(
        &url,
        &["token", "create", "ops@example.com", "--scope", "ingest"],
    );
    let key = key.lines().last().unwrap().trim().to_string();
    let port = free_port();
    let mut server = start(&url, port).await;

    // Four clients stream batches of 200; the server is killed while they do.
    let acked: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let mut clients = Vec::new();
    for c in 0..4 {
        let (acked, key) = (acked.clone(), key.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in 0.. {
                let (ids, body) = batch(c, n, 200);
                let sent = http
                    .post(format!("http://127.0.0.1:{port}/v1/batch"))
                    .basic_auth(&key, Some(""))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().extend(ids),
                    Ok(r) if r.status() == 429 => {
                        tokio::time::sleep(Duration::from_millis(20)).await
                    }
                    Ok(r) => panic!("the intake answered {}", r.status()),
                    // The server is gone: what was not acknowledged may or may not be stored.
                    Err(_) => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().expect("kill -9");
    server.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 1000,
        "the clients got going before the kill ({} acknowledged)",
        acked.len()
    );

    // After a restart every acknowledged message is there, once.
    let mut server = start(&url, port).await;
    let mut stored = Vec::new();
    loop {
        let after = stored
            .last()
            .map_or(0, |e: &sherpa_store::StoredEvent| e.id);
        let page = db.store.events(None, after, 10_000).await.unwrap();
        if page.is_empty() {
            break;
        }
        stored.extend(page);
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for e in &stored {
        *seen.entry(e.message_id.as_str()).or_default() += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "a message stored twice");
    let stored_ids: BTreeSet<&str> = seen.keys().copied().collect();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|id| !stored_ids.contains(id.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged messages lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(3)]
    );
    let status = db.store.intake_status().await.unwrap();
    assert_eq!(
        status.accepted as usize,
        stored.len(),
        "the counters match what is stored"
    );
}
