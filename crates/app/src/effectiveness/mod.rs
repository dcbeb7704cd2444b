//! Effectiveness: where each customer stands on the model its rule gives it, against the
//! baseline taken the first time the model judged it, and what to do next (the next phase's
//! unmet behaviours, with the features that deliver them); and the models themselves, kept as
//! configuration by leaders and admins.

use crate::{App, Caller, Error, Result};
use sherpa_core::AccountId;
use sherpa_core::effectiveness::{EffectivenessConfig, EffectivenessModel, Judged, phase_name};
use sherpa_store::{EffectivenessRun, KeptEffectiveness, PhaseMove, PhaseRecord};

mod demo;

/// An account's effectiveness as its pages and the API show it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountEffectiveness {
    /// The model that judges it now.
    pub model: EffectivenessModel,
    /// Its phase and behaviours as last judged by that model; none before its health metrics
    /// were first worked out, or once it churned.
    pub now: Option<KeptEffectiveness>,
    /// It churned: its effectiveness is history, no longer judged.
    pub churned: bool,
    /// The first judgement by this model.
    pub baseline: Option<PhaseRecord>,
    /// Every judgement by this model that moved its phase, oldest first (the baseline first).
    pub history: Vec<PhaseRecord>,
}

/// One behaviour of the model with how the account meets it now and met it at its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct BehaviourView {
    /// The phase it marks (1 for the first) and its name.
    pub phase: usize,
    pub phase_name: String,
    pub name: String,
    /// How it is measured, in words.
    pub measure: String,
    pub feature: Option<String>,
    pub metric: Option<String>,
    /// The unit of its values ("people", "% of seats", a metric's).
    pub unit: &'static str,
    pub now: Option<Judged>,
    pub baseline: Option<Judged>,
}

impl AccountEffectiveness {
    /// The phase now (0 before the first), once judged.
    pub fn phase(&self) -> Option<usize> {
        self.now.as_ref().map(|k| k.assessment.phase)
    }

    /// The name of a phase of the model (0: before the first).
    pub fn phase_name(&self, phase: usize) -> &str {
        phase_name(&self.model, phase)
    }

    /// Every behaviour of the model, phase by phase, judged now and at the baseline.
    pub fn behaviours(&self) -> Vec<BehaviourView> {
        let judged = |r: Option<&Vec<Vec<Judged>>>, p: usize, b: usize| {
            r.and_then(|r| r.get(p)).and_then(|p| p.get(b)).copied()
        };
        let now = self.now.as_ref().map(|k| &k.assessment.behaviours);
        let base = self.baseline.as_ref().map(|r| &r.behaviours);
        self.model
            .phases
            .iter()
            .enumerate()
            .flat_map(|(p, phase)| {
                phase
                    .behaviours
                    .iter()
                    .enumerate()
                    .map(move |(b, beh)| BehaviourView {
                        phase: p + 1,
                        phase_name: phase.name.clone(),
                        name: beh.name.clone(),
                        measure: beh.describe(),
                        feature: beh.feature.clone(),
                        metric: beh.metric.clone(),
                        unit: beh.unit(),
                        now: judged(now, p, b),
                        baseline: judged(base, p, b),
                    })
            })
            .collect()
    }

    /// What to do next: the next phase and its behaviours not met yet. None at the last phase
    /// or before the first judgement.
    pub fn next_steps(&self) -> Option<(usize, Vec<BehaviourView>)> {
        let (next, _) = self.now.as_ref()?.assessment.next_steps()?;
        let unmet = self
            .behaviours()
            .into_iter()
            .filter(|b| b.phase == next && !b.now.is_some_and(|j| j.met))
            .collect();
        Some((next, unmet))
    }
}

impl App {
    /// The effectiveness configuration in force.
    pub async fn effectiveness_config(&self) -> Result<EffectivenessConfig> {
        Ok(self.store.effectiveness_config().await?)
    }

    /// How many accounts stand in each phase of each model: (model, phase, accounts).
    pub async fn phase_counts(&self) -> Result<Vec<(String, usize, i64)>> {
        Ok(self.store.phase_counts().await?)
    }

    /// An account's effectiveness: anyone who may see the account.
    pub async fn account_effectiveness(
        &self,
        _by: &Caller,
        id: AccountId,
    ) -> Result<AccountEffectiveness> {
        let account = self.store.account(id).await?;
        let config = self.store.effectiveness_config().await?;
        let facts = (&account).into();
        let churned = !sherpa_core::health::scored_now(&facts);
        let model = config
            .model_for(&facts)
            .cloned()
            .unwrap_or_else(sherpa_core::effectiveness::default_model);
        let now = self
            .store
            .account_effectiveness(id)
            .await?
            .filter(|k| k.assessment.model == model.name && !churned);
        let history: Vec<PhaseRecord> = self
            .store
            .effectiveness_history(id)
            .await?
            .into_iter()
            .filter(|r| r.model == model.name)
            .collect();
        let baseline = history
            .iter()
            .find(|r| r.why == PhaseMove::Baseline)
            .cloned();
        Ok(AccountEffectiveness {
            model,
            churned,
            now,
            baseline,
            history,
        })
    }

    /// Saves the effectiveness models and their rules (leaders and admins), checked: a bad key
    /// or a feature the catalogue does not know is refused by name and changes nothing. Every
    /// account is judged again at once; a phase this moves is recorded as the model's doing.
    pub async fn set_effectiveness_config(
        &self,
        by: &Caller,
        config: &EffectivenessConfig,
    ) -> Result<EffectivenessRun> {
        by.may(|u| u.may_manage_book())?;
        self.check_effectiveness(config).await?;
        let before = self.store.effectiveness_config().await?;
        if &before == config {
            return Ok(EffectivenessRun::default());
        }
        self.store
            .set_effectiveness_config(&by.actor(), config, &changes(&before, config))
            .await?;
        Ok(self
            .store
            .assess_effectiveness(None, PhaseMove::ByModel)
            .await?)
    }

    /// Checks a configuration and that every feature it names is in the catalogue.
    pub(crate) async fn check_effectiveness(&self, config: &EffectivenessConfig) -> Result<()> {
        config
            .check()
            .map_err(|e| Error::invalid("effectiveness", e.to_string()))?;
        let known = self.strategic_features().await?.catalogue;
        for (i, m) in config.models.iter().enumerate() {
            for (j, p) in m.phases.iter().enumerate() {
                for (k, b) in p.behaviours.iter().enumerate() {
                    if let Some(f) = b.feature().filter(|f| !known.contains_key(*f)) {
                        return Err(Error::invalid(
                            "effectiveness",
                            format!(
                                "models[{i}].phases[{j}].behaviours[{k}].feature: \"{f}\" is not \
                                 a feature of the catalogue (see Usage: features)"
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Judges accounts again after their metrics moved (every account with `None`).
    pub(crate) async fn assess_moved(&self, ids: Option<&[AccountId]>) -> Result<EffectivenessRun> {
        Ok(self
            .store
            .assess_effectiveness(ids, PhaseMove::ByData)
            .await?)
    }
}

/// What a saved configuration changed, in words: "model Product effectiveness", "rules".
fn changes(before: &EffectivenessConfig, after: &EffectivenessConfig) -> String {
    let mut out: Vec<String> = Vec::new();
    if before.rules != after.rules {
        out.push("rules".into());
    }
    for m in &after.models {
        match before.model(&m.name) {
            None => out.push(format!("new model {}", m.name)),
            Some(old) if old != m => out.push(format!("model {}", m.name)),
            Some(_) => {}
        }
    }
    for m in &before.models {
        if after.model(&m.name).is_none() {
            out.push(format!("removed model {}", m.name));
        }
    }
    out.join(", ")
}
