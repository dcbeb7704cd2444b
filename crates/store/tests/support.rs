//! A fresh database per test, on the engine the run is for: SQLite in a temporary folder, or,
//! when `SHERPA_TEST_PG` names a PostgreSQL server, a schema of its own there, dropped on Drop.
//! Shared by the store and server test binaries; each uses part of it.
#![allow(dead_code)]

use sherpa_core::{ManualClock, SystemClock};
use sherpa_store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct TestDb {
    pub store: Store,
    /// The URL of this test's database, for commands run as separate processes.
    pub url: String,
    pub clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// An open, urgent, escalated ticket of the account opened at `opened_at` (RFC 3339): enough
/// of them turn a healthy account red.
pub fn urgent_ticket(
    account: sherpa_core::AccountId,
    i: usize,
    opened_at: &str,
) -> sherpa_core::TicketFields {
    sherpa_core::TicketFields {
        account_id: account,
        external_id: Some(format!("T-{account}-{i}")),
        subject: "down".into(),
        opened_at: chrono::DateTime::parse_from_rfc3339(opened_at)
            .unwrap()
            .to_utc(),
        severity: sherpa_core::Severity::Urgent,
        status: sherpa_core::TicketStatus::Open,
        resolved_at: None,
        escalated: true,
        csat: None,
    }
}

impl TestDb {
    /// Scores on any known input, as a team that judges health on tickets and surveys alone
    /// would set it: for tests of what happens to scores, not of how much data one needs.
    pub async fn score_on_any_input(&self) {
        let mut config = sherpa_core::health::HealthConfig::default();
        for card in &mut config.scorecards {
            card.thresholds.min_known_percent = 0.0;
            card.thresholds.needs_usage = false;
        }
        self.store
            .set_health_config(&sherpa_core::Actor::system("test"), &config)
            .await
            .unwrap();
    }

    /// A ticket solved long ago on `account`: the book's support desk is connected, so "no open
    /// tickets" is known (and scored) for every account from then on.
    #[allow(dead_code)]
    pub async fn connect_support(&self, account: sherpa_core::AccountId) {
        let mut solved = urgent_ticket(account, 999, "2025-01-06T09:00:00Z");
        solved.status = sherpa_core::TicketStatus::Solved;
        solved.resolved_at = Some(solved.opened_at + chrono::Duration::hours(4));
        solved.escalated = false;
        self.store
            .save_ticket(&sherpa_core::Actor::system("test"), &solved)
            .await
            .unwrap();
    }

    /// An account with this name and CRM id.
    pub async fn account(&self, name: &str, external_id: &str) -> sherpa_core::AccountId {
        self.store
            .create_account(
                &sherpa_core::Actor::system("test"),
                &sherpa_core::AccountPatch {
                    name: Some(name.into()),
                    external_id: Some(Some(external_id.into())),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id
    }

    /// A CSM named `name` with this email.
    pub async fn csm(&self, email: &str, name: &str) -> sherpa_core::User {
        self.store
            .upsert_user(
                &sherpa_core::Actor::system("test"),
                &sherpa_core::UserInput {
                    email: sherpa_core::Email::parse(email).unwrap(),
                    name: name.into(),
                    function: sherpa_core::Function::Csm,
                    role: sherpa_core::Role::Csm,
                    manager_email: None,
                    active: true,
                },
                None,
            )
            .await
            .unwrap()
    }

    /// Another store on the same database with the same clock: a second `sherpa serve`.
    pub async fn second_server(&self) -> Store {
        Store::open(&self.url, self.clock.clone())
            .await
            .expect("a second server")
    }

    pub async fn new() -> TestDb {
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
            .unwrap()
            .to_utc();
        let clock = Arc::new(ManualClock::at(start));
        match std::env::var("SHERPA_TEST_PG")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(base) => {
                let schema = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    chrono::Utc::now().timestamp_subsec_nanos()
                );
                let admin = Store::connect(&base, Arc::new(SystemClock))
                    .await
                    .expect("reach PostgreSQL");
                // Parallel tests migrate their schemas at once, and CREATE EXTENSION IF NOT EXISTS
                // races with itself: create it once up front (a lost race means it exists).
                let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
                    .execute(admin.pool())
                    .await;
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(admin.pool())
                    .await
                    .unwrap();
                admin.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                let store = Store::open(&url, clock.clone()).await.expect("migrate");
                TestDb {
                    store,
                    url,
                    clock,
                    _dir: None,
                    schema: Some((base, schema)),
                }
            }
            None => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/sherpa.db", dir.path().display());
                let store = Store::open(&url, clock.clone()).await.expect("migrate");
                TestDb {
                    store,
                    url,
                    clock,
                    _dir: Some(dir),
                    schema: None,
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.schema.take() {
            // Drop runs outside the test's runtime: clean up on a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Store::connect(&base, Arc::new(SystemClock)).await {
                        // The test is over, but a connection of its pool may still hold a
                        // transaction whose rollback waits for the test's runtime, which this
                        // drop blocks: DROP SCHEMA then waited for it forever. Sessions still
                        // holding locks in the schema are the test's own leftovers; they end.
                        let _ = sqlx::query(
                            "SELECT pg_terminate_backend(pid) FROM (SELECT DISTINCT l.pid FROM pg_locks l \
                             JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace \
                             WHERE n.nspname = $1 AND l.pid <> pg_backend_pid()) held",
                        )
                        .bind(&schema)
                        .execute(admin.pool())
                        .await;
                        let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                            .execute(admin.pool())
                            .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}
