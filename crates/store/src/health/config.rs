//! The health configuration in force (scorecards, their assignment rules, the at-risk
//! playbook) and every version saved before it. Saving one that scores differently re-scores
//! the whole book at once from the kept metrics; earlier snapshots keep the scores they had.
//! A book on Sherpa's built-in scorecards follows a release's new ones as a new version, so
//! that colours that moved with them are told apart from colours the customers moved.

use crate::versions::{ConfigVersion, Versioned};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use sherpa_core::health::HealthConfig;
use sherpa_core::*;

/// A version of the health configuration that changed how accounts are scored.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringChange {
    pub at: DateTime<Utc>,
    /// What it changed ("scorecard Default, rules").
    pub summary: String,
    /// A release's built-in scorecards, not a person's save.
    pub builtin: bool,
}

/// What following the built-in defaults did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuiltinFollowed {
    /// A version was recorded.
    pub recorded: bool,
    /// The book is to be re-scored: the scoring moved, or the book was scored before by
    /// defaults no version recorded.
    pub rescores: bool,
}

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
        self.save_config_version(HEALTH, actor, (&before, new), &changes.join(", "), false)
            .await?;
        Ok(changes)
    }

    /// Records this release's built-in health configuration as the version in force when the
    /// book is on the built-in one and it differs (or none was recorded yet). A configuration
    /// the team saved is never replaced. Re-scoring is the caller's follow-up.
    pub async fn follow_builtin_health_config(&self) -> Result<BuiltinFollowed> {
        let builtin = HealthConfig::default();
        let latest = self.health_config_versions().await?.into_iter().next();
        let (summary, rescores) = match &latest {
            None => {
                // Scores kept before any version was recorded came from the defaults of the
                // release that scored them, which may not be these.
                let scored: Option<i64> = sqlx::query_scalar(
                    "SELECT account_id FROM account_health WHERE score IS NOT NULL LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?;
                ("Sherpa's built-in scorecards".to_string(), scored.is_some())
            }
            Some(v) if v.builtin && v.config != builtin => (
                format!(
                    "Sherpa's built-in defaults changed: {}",
                    builtin.changes_from(&v.config).join(", ")
                ),
                builtin.rescores_from(&v.config),
            ),
            Some(_) => return Ok(BuiltinFollowed::default()),
        };
        let before = latest.map_or_else(|| builtin.clone(), |v| v.config);
        self.save_config_version(
            HEALTH,
            &Actor::system("release"),
            (&before, &builtin),
            &summary,
            true,
        )
        .await?;
        Ok(BuiltinFollowed {
            recorded: true,
            rescores,
        })
    }

    /// The versions that changed how accounts are scored (their scorecards or the rules that
    /// assign them), oldest first, from `since` on. A first version recorded from a release's
    /// built-in scorecards changed nothing; a first one a person saved counts when it scores
    /// otherwise than the built-in defaults.
    pub async fn scoring_changes(&self, since: DateTime<Utc>) -> Result<Vec<ScoringChange>> {
        let mut versions = self.health_config_versions().await?;
        versions.reverse();
        let mut before = match versions.first() {
            Some(first) if first.builtin => first.config.clone(),
            _ => HealthConfig::default(),
        };
        let mut out = Vec::new();
        for v in versions {
            if v.config.rescores_from(&before) && v.saved_at >= since {
                out.push(ScoringChange {
                    at: v.saved_at,
                    summary: v.summary,
                    builtin: v.builtin,
                });
            }
            before = v.config;
        }
        Ok(out)
    }
}
