//! The server's log as an operator keeps it: plain text without colour codes when written to a
//! file, and with `--log-format json` one JSON object per line that a log collector can parse.

#[path = "../../store/tests/support.rs"]
mod support;

mod common;

use std::process::{Command, Stdio};

/// The log a server writes to a file from its start until it answers.
async fn log_of(db: &str, format: &str) -> String {
    sherpa_server::outreach::install_tls();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sherpa.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sherpa"))
        .args(["--db", db, "--log-format", format, "serve", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&file).unwrap())
        .spawn()
        .expect("start sherpa serve");
    common::wait_until_serving(port).await;
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::read_to_string(&file).unwrap()
}

#[tokio::test]
async fn a_log_written_to_a_file_is_plain_text_or_json_lines() {
    let db = support::TestDb::new().await;
    let text = log_of(&db.url, "text").await;
    assert!(text.contains("INFO"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no colour codes in a file: {text:?}"
    );

    let json = log_of(&db.url, "json").await;
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l["level"].is_string()
            && l["message"].is_string()
            && l["timestamp"].is_string()),
        "{json}"
    );
}
