//! The health back-test as people read it. It reads every term's history and fits regressions,
//! so a job computes it (daily, when the scorecard changes, or when a person asks) and pages and
//! the API show the result with the time it was computed: both doors answer alike.

use crate::{App, Caller, Result};
use sherpa_store::StoredBacktest;

/// The back-test at one horizon: as last computed for the configuration in force, or being
/// computed.
#[derive(Debug, Clone)]
pub enum BacktestState {
    Ready(Box<StoredBacktest>),
    /// A job is queued or running; ask again shortly.
    Computing {
        horizon_days: u32,
    },
}

/// The job that computes it.
pub const BACKTEST_JOB: &str = "health_backtest";

impl App {
    /// The back-test at `horizon_days` for the configuration in force. When there is none (never
    /// computed, or computed before the scorecard changed), one job per configuration version
    /// computes it.
    pub async fn health_backtest(&self, _by: &Caller, horizon_days: u32) -> Result<BacktestState> {
        if let Some(stored) = self.store.stored_backtest(horizon_days).await? {
            return Ok(BacktestState::Ready(Box::new(stored)));
        }
        let version = self.store.health_config_version().await?;
        self.queue_backtest(horizon_days, &format!("v{version}"))
            .await?;
        Ok(BacktestState::Computing { horizon_days })
    }

    /// Asks for the back-test at `horizon_days` to be computed again now (at most once a
    /// minute per horizon, however often asked).
    pub async fn recompute_backtest(&self, _by: &Caller, horizon_days: u32) -> Result<()> {
        sherpa_store::check_backtest_horizon(horizon_days)?;
        let minute = self.store.clock().now().timestamp() / 60;
        self.queue_backtest(horizon_days, &format!("m{minute}"))
            .await
    }

    async fn queue_backtest(&self, horizon_days: u32, slot: &str) -> Result<()> {
        self.store
            .enqueue_job(
                BACKTEST_JOB,
                &serde_json::json!({ "horizon_days": horizon_days }),
                &format!("{BACKTEST_JOB}:{horizon_days}:{slot}"),
                self.store.clock().now(),
            )
            .await?;
        Ok(())
    }
}
