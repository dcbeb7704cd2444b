//! The health configuration in force (scorecards, their assignment rules, the at-risk
//! playbook) and every version saved before it. Saving one that scores differently re-scores
//! the whole book at once from the kept metrics; earlier snapshots keep the scores they had.

use crate::rows::time;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sherpa_core::health::HealthConfig;
use sherpa_core::*;

/// One saved version of the health configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfigVersion {
    pub id: i64,
    pub saved_at: DateTime<Utc>,
    pub saved_by: Option<UserId>,
    /// What it changed from the version before.
    pub summary: String,
    pub config: HealthConfig,
}

type VersionRow = (i64, String, Option<i64>, String, String);

fn version(r: VersionRow) -> Result<HealthConfigVersion> {
    let (id, at, by, summary, json) = r;
    Ok(HealthConfigVersion {
        id,
        saved_at: time("saved_at", &at)?,
        saved_by: by.map(UserId),
        summary,
        config: serde_json::from_str(&json).map_err(|_| crate::rows::bad("config", &json))?,
    })
}

const VERSION_COLUMNS: &str = "id, saved_at, saved_by, summary, config";

impl Store {
    /// The health configuration in force: the latest saved, or the built-in defaults.
    pub async fn health_config(&self) -> Result<HealthConfig> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT config FROM health_config_versions ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        match json {
            Some(j) => Ok(serde_json::from_str(&j).map_err(|_| crate::rows::bad("config", &j))?),
            None => Ok(HealthConfig::default()),
        }
    }

    /// Every saved version, newest first.
    pub async fn health_config_versions(&self) -> Result<Vec<HealthConfigVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM health_config_versions ORDER BY id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(version).collect()
    }

    /// Saves `new` as the configuration in force when it differs from it; answers what
    /// changed (nothing: nothing saved). A bad one names its key and changes nothing. When the
    /// scorecards or rules changed, every account is re-scored before this returns.
    pub async fn set_health_config(
        &self,
        actor: &Actor,
        new: &HealthConfig,
    ) -> Result<Vec<String>> {
        new.check()
            .map_err(|e| StoreError::invalid(&e.key, e.message))?;
        let before = self.health_config().await?;
        let changes = new.changes_from(&before);
        if changes.is_empty() {
            return Ok(changes);
        }
        let now = self.now();
        let summary = changes.join(", ");
        let json = serde_json::to_string(new).expect("plain data");
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO health_config_versions (config, saved_at, saved_by, summary) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&json)
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&summary)
        .fetch_one(&mut *tx)
        .await?;
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "health_config",
            id,
            Some(&serde_json::to_value(&before).expect("plain data")),
            Some(&serde_json::to_value(new).expect("plain data")),
        )
        .await?;
        tx.commit().await?;
        if new.rescores_from(&before) {
            self.recompute_health().await?;
        }
        Ok(changes)
    }
}
