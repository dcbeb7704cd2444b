//! Effectiveness: where each customer stands on the model its rule gives it, against the
//! baseline taken the first time the model judged it, and what to do next (the next phase's
//! unmet behaviours, with the features that deliver them); and the models themselves, kept as
//! configuration by leaders and admins.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::AccountId;
use sherpa_core::effectiveness::{
    Assessment, Benchmark, EffectivenessConfig, EffectivenessModel, Judged, PhaseTime, benchmark,
    phase_name, phase_times, size_band, summarise,
};
use sherpa_store::{
    EffectivenessRun, KeptEffectiveness, PeerJudgement, PhaseCount, PhaseMove, PhaseRecord,
};

/// Peer groups, and each behaviour's benchmark in each (by phase, behaviour, group).
type Benchmarks = (Vec<PeerGroup>, Vec<Vec<Vec<Option<Benchmark>>>>);

mod demo;
mod improvement;

pub use improvement::{Candidate, Improvement};

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
    /// The like companies it is compared with: its industry, its segment, its size band.
    pub groups: Vec<PeerGroup>,
    /// For each behaviour (by phase, as the model lists them), its benchmark in each group
    /// (as `groups`); none from fewer than five peers with a value.
    pub benchmarks: Vec<Vec<Vec<Option<Benchmark>>>>,
    /// The keys of the objectives on its success plan; none when it has no plan.
    pub plan_objectives: Option<Vec<String>>,
    pub today: NaiveDate,
}

/// A model across the book.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelOverview {
    pub model: EffectivenessModel,
    /// Accounts (churned ones aside) in each phase: 0 (before the first) to the last.
    pub phases: Vec<i64>,
    /// The same by tier, in order; the accounts without one last (`None`).
    pub tiers: Vec<(Option<u8>, Vec<i64>)>,
    /// The same by Pareto segment, in order; the accounts without one last (`None`).
    pub segments: Vec<(Option<u8>, Vec<i64>)>,
    /// How long moves from each phase to the next took, lowest phase first.
    pub times: Vec<PhaseTime>,
}

/// A group of like companies: "industry Healthcare", and how many of them the model judges.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerGroup {
    /// industry, segment or size.
    pub kind: &'static str,
    pub name: String,
    /// Accounts of the group judged by the model, the account itself aside.
    pub accounts: usize,
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
    /// Its benchmark in each peer group of the account (see `AccountEffectiveness::groups`).
    pub benchmarks: Vec<Option<Benchmark>>,
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
                        benchmarks: self
                            .benchmarks
                            .get(p)
                            .and_then(|p| p.get(b))
                            .cloned()
                            .unwrap_or_default(),
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

    /// Each model of the configuration across the book: how many accounts stand in each
    /// phase, in all and by segment, and how long accounts took to move from each phase to
    /// the next. Anyone signed in reads it.
    pub async fn effectiveness_overview(&self) -> Result<Vec<ModelOverview>> {
        let config = self.store.effectiveness_config().await?;
        let counts = self.store.phase_counts().await?;
        let mut histories = self.store.phase_histories().await?;
        Ok(config
            .models
            .into_iter()
            .map(|model| {
                let n = model.phases.len() + 1;
                let mine: Vec<&PhaseCount> = counts
                    .iter()
                    .filter(|c| c.model == model.name && c.phase < n)
                    .collect();
                let by = |key: fn(&PhaseCount) -> Option<u8>| spread(&mine, n, key);
                let phases = spread(&mine, n, |_| None)
                    .pop()
                    .map_or_else(|| vec![0; n], |(_, all)| all);
                let times = summarise(
                    histories
                        .remove(&model.name)
                        .unwrap_or_default()
                        .iter()
                        .flat_map(|h| phase_times(h))
                        .filter(|(from, _)| from + 1 < n),
                );
                ModelOverview {
                    model,
                    phases,
                    tiers: by(|c| c.tier),
                    segments: by(|c| c.segment),
                    times,
                }
            })
            .collect())
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
        let (groups, benchmarks) = match &now {
            Some(k) => self.benchmarks(&account, &model, &k.assessment).await?,
            None => (Vec::new(), Vec::new()),
        };
        let plan_objectives = self
            .store
            .plan_content(id)
            .await?
            .map(|c| c.objectives.into_iter().map(|o| o.key).collect());
        Ok(AccountEffectiveness {
            plan_objectives,
            today: self.store.clock().today(),
            groups,
            benchmarks,
            model,
            churned,
            now,
            baseline,
            history,
        })
    }

    /// The account's peer groups and, for each behaviour, its benchmark in each.
    async fn benchmarks(
        &self,
        account: &sherpa_core::Account,
        model: &EffectivenessModel,
        judged: &Assessment,
    ) -> Result<Benchmarks> {
        let industry = account.fields.industry.as_deref();
        let segment = account.priority.segment;
        let band = size_band(account.fields.employees);
        let peers = self
            .store
            .effectiveness_peers(&model.name, industry, segment, band.map(|b| (b.from, b.to)))
            .await?;
        let peers: Vec<PeerJudgement> = peers
            .into_iter()
            .filter(|p| p.account != account.id)
            .collect();
        let mut groups: Vec<(PeerGroup, Vec<&PeerJudgement>)> = Vec::new();
        if let Some(i) = industry {
            let of = peers
                .iter()
                .filter(|p| p.industry.as_deref() == Some(i))
                .collect();
            groups.push(group("industry", i.to_string(), of));
        }
        if let Some(s) = segment {
            let of = peers.iter().filter(|p| p.segment == Some(s)).collect();
            groups.push(group("segment", format!("Pareto segment {s}"), of));
        }
        if let Some(b) = band {
            let of = peers
                .iter()
                .filter(|p| p.employees.is_some_and(|e| b.from <= e && e <= b.to))
                .collect();
            groups.push(group("size", b.name.to_string(), of));
        }
        let value = |p: &PeerJudgement, i: usize, j: usize| {
            p.behaviours
                .get(i)
                .and_then(|b| b.get(j))
                .and_then(|b| b.value)
        };
        let benchmarks = judged
            .behaviours
            .iter()
            .enumerate()
            .map(|(i, phase)| {
                phase
                    .iter()
                    .enumerate()
                    .map(|(j, mine)| {
                        groups
                            .iter()
                            .map(|(_, of)| {
                                let values: Vec<f64> =
                                    of.iter().filter_map(|p| value(p, i, j)).collect();
                                mine.value.and_then(|v| benchmark(v, &values))
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Ok((groups.into_iter().map(|(g, _)| g).collect(), benchmarks))
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

    /// Judges accounts again after their metrics moved (every account with `None`), and
    /// works out their whitespace, which follows the same feature use.
    pub(crate) async fn assess_moved(&self, ids: Option<&[AccountId]>) -> Result<EffectivenessRun> {
        let run = self
            .store
            .assess_effectiveness(ids, PhaseMove::ByData)
            .await?;
        self.store.keep_whitespace(ids).await?;
        Ok(run)
    }
}

/// Accounts in each of `n` phases by a key (a tier, a segment), keys in order and `None` last.
fn spread(
    counts: &[&PhaseCount],
    n: usize,
    key: fn(&PhaseCount) -> Option<u8>,
) -> Vec<(Option<u8>, Vec<i64>)> {
    let mut rows: Vec<(Option<u8>, Vec<i64>)> = Vec::new();
    for c in counts {
        let k = key(c);
        let at = match rows.iter().position(|(r, _)| *r == k) {
            Some(at) => at,
            None => {
                rows.push((k, vec![0; n]));
                rows.len() - 1
            }
        };
        rows[at].1[c.phase] += c.accounts;
    }
    rows.sort_by_key(|(k, _)| k.map_or(u16::MAX, u16::from));
    rows
}

/// A peer group and its accounts.
fn group<'a>(
    kind: &'static str,
    name: String,
    of: Vec<&'a PeerJudgement>,
) -> (PeerGroup, Vec<&'a PeerJudgement>) {
    let accounts = of.len();
    (
        PeerGroup {
            kind,
            name,
            accounts,
        },
        of,
    )
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
