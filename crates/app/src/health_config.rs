//! The health configuration as leaders change it: checking or saving the scorecards, their
//! rules and the at-risk playbook, and putting a back-test's suggested weights into a
//! scorecard. A save that scores differently re-scores every account after it is stored.

use crate::{App, Caller, Error, Result};
use sherpa_core::health::HealthConfig;
use sherpa_store::BuiltinFollowed;

/// What saving a health configuration does, or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthConfigChange {
    /// What differs from the configuration in force ("scorecard Default", "rules"); empty
    /// when nothing does, and then nothing is saved.
    pub changes: Vec<String>,
    /// Whether every account's score follows from it (the scorecards or their rules moved).
    pub rescores: bool,
    /// When it re-scores: the accounts whose colour it would change, per move (colour
    /// before, colour after; none is "not enough data"), the most first.
    pub moves: Vec<(Option<String>, Option<String>, usize)>,
}

impl HealthConfigChange {
    /// The colour moves in words: "12 accounts would change colour: 8 green → yellow, 4
    /// yellow → orange"; empty when none would.
    pub fn moves_in_words(&self) -> String {
        let total: usize = self.moves.iter().map(|m| m.2).sum();
        if total == 0 {
            return if self.rescores {
                "No account would change colour.".into()
            } else {
                String::new()
            };
        }
        let name = |c: &Option<String>| c.clone().unwrap_or_else(|| "not enough data".into());
        let each: Vec<String> = self
            .moves
            .iter()
            .map(|(from, to, n)| format!("{n} {} → {}", name(from), name(to)))
            .collect();
        format!(
            "{total} {} would change colour: {}.",
            if total == 1 { "account" } else { "accounts" },
            each.join(", ")
        )
    }
}

/// Put suggested weights into a scorecard: a weight of zero or less drops the factor.
#[derive(Debug, Clone)]
pub struct ApplyWeights {
    pub scorecard: String,
    pub weights: Vec<(String, f64)>,
}

impl ApplyWeights {
    /// A weight as a form carries it: a number, or "drop".
    pub fn weight(field: &str, text: &str) -> Result<f64> {
        match text.trim() {
            "drop" => Ok(0.0),
            v => v
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite())
                .ok_or_else(|| Error::invalid(field, format!("\"{v}\" is not a weight"))),
        }
    }
}

impl App {
    /// What saving `config` would change, without saving it (leaders and admins). A bad
    /// configuration is refused with its key (`scorecards[0].factors[2].weight`).
    pub async fn check_health_config(
        &self,
        by: &Caller,
        config: &HealthConfig,
    ) -> Result<HealthConfigChange> {
        self.change_of(by, config, true).await
    }

    /// What `config` changes; with `preview`, the colours it would move too.
    async fn change_of(
        &self,
        by: &Caller,
        config: &HealthConfig,
        preview: bool,
    ) -> Result<HealthConfigChange> {
        by.may(|u| u.may_manage_book())?;
        config
            .check()
            .map_err(|e| Error::invalid(&e.key, e.message))?;
        let before = self.store.health_config().await?;
        let rescores = config.rescores_from(&before);
        Ok(HealthConfigChange {
            changes: config.changes_from(&before),
            rescores,
            moves: if rescores && preview {
                self.store.preview_health(config).await?
            } else {
                Vec::new()
            },
        })
    }

    /// Saves `config` as the one in force when it differs (leaders and admins); the version
    /// before is kept. When it scores differently, every account is re-scored before this
    /// answers; a re-score that fails is logged and queued, the save stands.
    pub async fn save_health_config(
        &self,
        by: &Caller,
        config: &HealthConfig,
    ) -> Result<HealthConfigChange> {
        let change = self.change_of(by, config, false).await?;
        if change.changes.is_empty() {
            return Ok(change);
        }
        self.store.set_health_config(&by.actor(), config).await?;
        if change.rescores {
            self.rescore().await;
        }
        Ok(change)
    }

    /// Follows this release's built-in scorecards when the book is on them (at start): they
    /// become a new version, and the book is re-scored when they score differently, so that
    /// colours that move are marked as moved by the scoring. A team's own configuration is
    /// never replaced.
    pub async fn follow_builtin_health_config(&self) -> Result<BuiltinFollowed> {
        let done = self.store.follow_builtin_health_config().await?;
        if done.rescores {
            self.rescore().await;
        }
        Ok(done)
    }

    /// Puts the weights into the named scorecard and saves the configuration.
    pub async fn apply_weights(
        &self,
        by: &Caller,
        cmd: ApplyWeights,
    ) -> Result<HealthConfigChange> {
        by.may(|u| u.may_manage_book())?;
        let mut config = self.store.health_config().await?;
        let card = config
            .scorecards
            .iter_mut()
            .find(|c| c.name == cmd.scorecard)
            .ok_or_else(|| {
                Error::invalid(
                    "scorecard",
                    format!("no scorecard named {:?}", cmd.scorecard),
                )
            })?;
        card.set_weights(cmd.weights.iter().map(|(m, w)| (m.as_str(), *w)));
        self.save_health_config(by, &config).await
    }
}
