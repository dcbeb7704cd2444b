//! Running the `sherpa` binary from a test, as a person would from a shell.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `sherpa --db DB ARGS...`.
pub fn sherpa(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sherpa"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("SHERPA_PASSWORD", "a long enough password")
        .output()
        .expect("run sherpa")
}

/// The output of a command that must succeed.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes a file into `dir`; answers its path.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Waits until a `sherpa serve` on `port` answers `/healthz`, at most 30 seconds.
pub async fn wait_until_serving(port: u16) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
