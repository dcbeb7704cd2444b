//! Account health (seed 003) kept current: each account's catalogue metrics, recomputed from
//! the book whenever something that feeds them changes; its score and colour by the scorecard
//! its rule assigns; snapshots a day and at each colour change; what moved since the last one.

mod backtest;
mod config;
mod inputs;
mod playbook;
mod portfolio;
mod pulse;
mod readers;
mod refresh;
mod watch;

pub use backtest::{
    BACKTEST_HORIZONS, BACKTEST_MAX_HORIZON_DAYS, StoredBacktest, check_backtest_horizon,
};
pub use config::{BuiltinFollowed, HealthConfigVersion, ScoringChange};
pub use playbook::AtRiskPlaybook;
pub use portfolio::{ColourDay, ColourMove, colour_slot};
pub use pulse::{CsmPulse, PULSE_MAX_DAYS};
pub use readers::INVOICE_DAYS_OVERDUE;
pub(crate) use readers::facts;
pub use refresh::HealthRefresh;
pub use watch::HealthWatch;

use crate::rows::{parse, time};
use crate::{Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::assignment::{AccountFacts, AssignmentRule, first_match};
use sherpa_core::health::*;
use sherpa_core::*;

/// One snapshot of an account's health.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSnapshot {
    pub taken_at: DateTime<Utc>,
    pub score: Option<f64>,
    pub colour: Option<Colour>,
    /// The colour it changed from (colour changes only).
    pub from_colour: Option<Colour>,
    pub scorecard: String,
    /// daily, colour_change (the account's data moved it) or scorecard_change (a re-score
    /// under changed scorecards or rules moved it).
    pub reason: String,
}

/// An account's score, with the scorecard and the rule that chose it.
#[derive(Debug, Clone)]
pub struct AccountHealth {
    pub health: HealthScore,
    /// "rule 1: lifecycle onboarding".
    pub why: String,
    pub metrics: Metrics,
    /// When the metrics were worked out from the book.
    pub computed_at: DateTime<Utc>,
    /// What moved since the latest snapshot with other metric values, largest first.
    pub changes: Vec<FactorChange>,
    /// When that snapshot was taken.
    pub changes_since: Option<DateTime<Utc>>,
    /// Where the scorecard's colours start.
    pub thresholds: Thresholds,
    /// The account churned: it is no longer scored (`health` has no score and no factor).
    pub churned: bool,
    /// When churned, the last score its history holds.
    pub last_score: Option<HealthSnapshot>,
    /// When its latest colour change in the last 30 days came from a scoring change, not
    /// from its own data: that change.
    pub moved_by_scoring: Option<ScoringMove>,
}

/// A colour an account took because the scorecards or their rules changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringMove {
    pub at: DateTime<Utc>,
    pub from: Option<Colour>,
    pub to: Option<Colour>,
    /// What the scoring change was ("scorecard Default"), when its version is known.
    pub change: Option<ScoringChange>,
}

/// How long after a scoring change an account's page says its colour moved because of it.
pub const SCORING_MOVE_NOTICE_DAYS: i64 = 30;

/// The scorecards, the ordered rules that assign them and the at-risk playbook, as checked
/// when they were saved.
pub(crate) struct Scoring {
    config: HealthConfig,
}

impl Scoring {
    /// The rule that assigns an account its scorecard (1-based), the rule and the scorecard.
    fn card_for(&self, facts: &AccountFacts) -> (usize, &AssignmentRule, &Scorecard) {
        let (n, rule) =
            first_match(&self.config.rules, facts).expect("the rules end with a catch-all");
        let card = self
            .config
            .scorecard(&rule.then)
            .expect("every rule names a scorecard");
        (n, rule, card)
    }
}

/// An account's kept metrics and when they were worked out, on `conn` (inside a transaction).
pub(crate) async fn kept_metrics(
    conn: &mut sqlx::AnyConnection,
    id: AccountId,
) -> Result<Option<(Metrics, DateTime<Utc>)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT metrics, computed_at FROM health_metrics WHERE account_id = $1")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|(json, at)| {
        let metrics =
            serde_json::from_str(&json).map_err(|_| crate::rows::bad("metrics", &json))?;
        Ok((metrics, time("computed_at", &at)?))
    })
    .transpose()
}

pub(crate) fn metrics_json(m: &Metrics) -> String {
    serde_json::to_string(m).expect("numbers and names")
}

impl Store {
    /// The marks of accounts whose health must be recomputed.
    pub fn health_watch(&self) -> &HealthWatch {
        &self.health
    }

    /// The scorecards in force and the rules that assign them.
    pub(crate) async fn scoring(&self) -> Result<Scoring> {
        Ok(Scoring {
            config: self.health_config().await?,
        })
    }

    async fn health_catalogue_cached(
        &self,
        day: NaiveDate,
        rollups: crate::rollups::Rollups<'_>,
    ) -> Result<FeatureCatalogue> {
        if let Some((d, c)) = &*self.health.catalogue.lock().expect("the catalogue")
            && *d == day
        {
            return Ok(c.clone());
        }
        let c = self.health_catalogue(day, rollups).await?;
        *self.health.catalogue.lock().expect("the catalogue") = Some((day, c.clone()));
        Ok(c)
    }

    /// Drops the cached feature catalogue (an admin changed it).
    pub(crate) fn forget_health_catalogue(&self) {
        *self.health.catalogue.lock().expect("the catalogue") = None;
    }

    /// The account's kept metrics, recomputed first when something fed them since.
    pub async fn account_metrics(&self, id: AccountId) -> Result<Metrics> {
        self.account(id).await?;
        Ok(self.current_metrics(id).await?.0)
    }

    /// The account's metrics as kept, and when they were worked out; none when never. Unlike
    /// [`Store::account_metrics`] it never recomputes them: what the refresher has done so far.
    pub async fn kept_metrics(&self, id: AccountId) -> Result<Option<(Metrics, DateTime<Utc>)>> {
        let mut conn = self.pool.acquire().await?;
        kept_metrics(&mut conn, id).await
    }

    async fn current_metrics(&self, id: AccountId) -> Result<(Metrics, DateTime<Utc>)> {
        match self.kept_metrics(id).await? {
            Some(kept) if !self.health.take_one(id) => Ok(kept),
            _ => {
                self.refresh_health(&[id]).await?;
                self.kept_metrics(id)
                    .await?
                    .ok_or_else(|| crate::StoreError::NotFound {
                        entity: "account",
                        id: id.to_string(),
                    })
            }
        }
    }

    /// The account's health by the scorecard its rule assigns, factor by factor, with what
    /// moved since the latest snapshot that showed another score.
    pub async fn account_health(&self, id: AccountId) -> Result<AccountHealth> {
        let account = self.account(id).await?;
        let (metrics, computed_at) = self.current_metrics(id).await?;
        let facts = AccountFacts::from(&account);
        let scoring = self.scoring().await?;
        let (n, rule, card) = scoring.card_for(&facts);
        if !scored_now(&facts) {
            let history = self.health_history(id).await?;
            return Ok(AccountHealth {
                health: HealthScore {
                    scorecard: String::new(),
                    score: None,
                    colour: None,
                    coverage: 0.0,
                    factors: Vec::new(),
                },
                why: "churned: no longer scored".into(),
                metrics,
                computed_at,
                changes: Vec::new(),
                changes_since: None,
                thresholds: card.thresholds,
                churned: true,
                last_score: history.into_iter().find(|s| s.score.is_some()),
                moved_by_scoring: None,
            });
        }
        let health = card.score(|k| metrics.get(k).copied());
        let mut changed = Vec::new();
        let mut changes_since = None;
        if let Some((at, before, shown)) = self.latest_other_snapshot(id, health.score).await? {
            changed = what_moved(
                card,
                |k| before.get(k).copied(),
                |k| metrics.get(k).copied(),
                shown,
            );
            changes_since = Some(at);
        }
        Ok(AccountHealth {
            health,
            why: format!("rule {n}: {}", rule.when.describe()),
            metrics,
            computed_at,
            changes: changed,
            changes_since,
            thresholds: card.thresholds,
            churned: false,
            last_score: None,
            moved_by_scoring: self.moved_by_scoring(id).await?,
        })
    }

    /// The account's latest colour change when a scoring change made it, within
    /// [`SCORING_MOVE_NOTICE_DAYS`].
    async fn moved_by_scoring(&self, id: AccountId) -> Result<Option<ScoringMove>> {
        let since = self.clock().now() - chrono::Duration::days(SCORING_MOVE_NOTICE_DAYS);
        let row: Option<(String, Option<String>, Option<String>, String)> = sqlx::query_as(
            "SELECT taken_at, colour, from_colour, reason FROM health_snapshots \
             WHERE account_id = $1 AND reason IN ('colour_change', 'scorecard_change') \
             ORDER BY taken_at DESC, id DESC LIMIT 1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some((at, to, from, reason)) = row else {
            return Ok(None);
        };
        let at = time("taken_at", &at)?;
        if reason != "scorecard_change" || at < since {
            return Ok(None);
        }
        let colour = |c: Option<String>| c.map(|c| parse::<Colour>("colour", &c)).transpose();
        let change = self
            .scoring_changes(at - chrono::Duration::days(1))
            .await?
            .into_iter()
            .rfind(|c| c.at <= at);
        Ok(Some(ScoringMove {
            at,
            from: colour(from)?,
            to: colour(to)?,
            change,
        }))
    }

    /// The newest of the account's recent snapshots that showed another score than today's, with
    /// that score. A snapshot with other metrics but the same score (a colour change taken
    /// halfway through a burst of tickets, say) explains nothing: every factor's move since it
    /// would be worth no points, while the move a person sees is the score's.
    async fn latest_other_snapshot(
        &self,
        id: AccountId,
        score: Option<f64>,
    ) -> Result<Option<(DateTime<Utc>, Metrics, Option<f64>)>> {
        // Scores are kept and shown to a tenth.
        let tenths = |s: Option<f64>| s.map(|s| (s * 10.0).round() as i64);
        let rows: Vec<(String, String, Option<f64>)> = sqlx::query_as(
            "SELECT taken_at, metrics, score FROM health_snapshots WHERE account_id = $1 \
             ORDER BY taken_at DESC, id DESC LIMIT 60",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let Some((at, json, shown)) = rows
            .into_iter()
            .find(|(_, _, shown)| tenths(*shown) != tenths(score))
        else {
            return Ok(None);
        };
        let m: Metrics =
            serde_json::from_str(&json).map_err(|_| crate::rows::bad("metrics", &json))?;
        Ok(Some((time("taken_at", &at)?, m, shown)))
    }

    /// The account's snapshots, newest first.
    pub async fn health_history(&self, id: AccountId) -> Result<Vec<HealthSnapshot>> {
        type Row = (
            String,
            Option<f64>,
            Option<String>,
            Option<String>,
            String,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT taken_at, score, colour, from_colour, scorecard, reason FROM health_snapshots \
             WHERE account_id = $1 ORDER BY taken_at DESC, id DESC LIMIT 400",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let colour = |c: Option<String>| c.map(|c| parse::<Colour>("colour", &c)).transpose();
        rows.into_iter()
            .map(|(at, score, c, from, scorecard, reason)| {
                Ok(HealthSnapshot {
                    taken_at: time("taken_at", &at)?,
                    score,
                    colour: colour(c)?,
                    from_colour: colour(from)?,
                    scorecard,
                    reason,
                })
            })
            .collect()
    }
}
