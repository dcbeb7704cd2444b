//! The health configuration in force (scorecards, their assignment rules, the at-risk
//! playbook) and every version saved before it. Saving one that scores differently re-scores
//! the whole book at once from the kept metrics; earlier snapshots keep the scores they had.

use crate::versions::{ConfigVersion, Versioned};
use crate::{Result, Store, StoreError};
use sherpa_core::health::HealthConfig;
use sherpa_core::*;

/// One saved version of the health configuration.
pub type HealthConfigVersion = ConfigVersion<HealthConfig>;

const HEALTH: Versioned = Versioned {
    table: "health_config_versions",
    entity: "health_config",
};

impl Store {
    /// The health configuration in force: the latest saved, or the built-in defaults.
    pub async fn health_config(&self) -> Result<HealthConfig> {
        self.config_in_force(HEALTH).await
    }

    /// Every saved version, newest first.
    pub async fn health_config_versions(&self) -> Result<Vec<HealthConfigVersion>> {
        self.config_versions(HEALTH).await
    }

    /// Saves `new` as the configuration in force when it differs from it; answers what
    /// changed (nothing: nothing saved). A bad one names its key and changes nothing. Scores
    /// do not move here: re-scoring the book is the caller's follow-up (`recompute_health`).
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
        self.save_config_version(HEALTH, actor, &before, new, &changes.join(", "))
            .await?;
        Ok(changes)
    }
}
