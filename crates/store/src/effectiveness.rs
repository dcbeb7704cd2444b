//! Effectiveness kept current: each account judged by the model its rule gives it, from the
//! metrics and feature use health keeps (no raw events, no rollups read again), its phase kept
//! on it, and its history: the baseline the first time a model judges it, then each change of
//! phase, saying whether the customer moved or the model did.

use crate::rows::time;
use crate::sql::{Arg, Args};
use crate::versions::{ConfigVersion, Versioned};
use crate::{Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::effectiveness::{
    Assessment, EffectivenessConfig, FeatureUse, Judged, Measures, PhaseStep,
};
use sherpa_core::health::{Metrics, scored_now};
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

const EFFECTIVENESS: Versioned = Versioned {
    table: "effectiveness_config_versions",
    entity: "effectiveness_config",
};

/// An account's phase as kept on it.
const KEPT_COLUMNS: [&str; 5] = ["account_id", "model", "phase", "assessed", "assessed_at"];
const KEEP_PHASE: &str = "ON CONFLICT (account_id) DO UPDATE SET model = excluded.model, \
     phase = excluded.phase, assessed = excluded.assessed, assessed_at = excluded.assessed_at";
const HISTORY_COLUMNS: [&str; 6] = [
    "account_id",
    "model",
    "phase",
    "taken_on",
    "reason",
    "assessed",
];

/// Accounts read, judged and written at a time.
const PART: usize = 500;

/// Accounts a page when the whole book is judged: one read and one write transaction each.
const BOOK_PAGE: usize = 5_000;

/// Why a phase history row was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseMove {
    /// The first judgement by a model: day 1, or the day the model first applied.
    Baseline,
    /// The customer's own data moved it.
    ByData,
    /// The models or their rules changed.
    ByModel,
}

impl PhaseMove {
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseMove::Baseline => "baseline",
            PhaseMove::ByData => "change",
            PhaseMove::ByModel => "model_change",
        }
    }

    fn parse(s: &str) -> PhaseMove {
        match s {
            "baseline" => PhaseMove::Baseline,
            "model_change" => PhaseMove::ByModel,
            _ => PhaseMove::ByData,
        }
    }
}

/// What an assessment run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EffectivenessRun {
    /// Accounts judged (churned ones and those without metrics yet are not).
    pub accounts: usize,
    /// Baselines taken.
    pub baselines: usize,
    /// Changes of phase recorded.
    pub changes: usize,
}

/// An account's phase as kept, with every behaviour judged.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptEffectiveness {
    pub assessment: Assessment,
    pub assessed_at: DateTime<Utc>,
}

/// One row of an account's phase history.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseRecord {
    pub model: String,
    pub phase: usize,
    pub on: NaiveDate,
    pub why: PhaseMove,
    /// Every behaviour as judged that day, by phase.
    pub behaviours: Vec<Vec<Judged>>,
}

#[derive(sqlx::FromRow)]
struct KeptRow {
    account_id: i64,
    metrics: String,
    feature_use: Option<String>,
    tier: Option<i64>,
    segment: Option<i64>,
    lifecycle: Option<String>,
    model: Option<String>,
    phase: Option<i64>,
    assessed: Option<String>,
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| crate::rows::bad(what, text).into())
}

/// An account judged, ready to be kept.
struct Judgement {
    id: i64,
    assessment: Assessment,
    assessed: String,
    /// The history row it leaves, if any.
    record: Option<PhaseMove>,
    /// Whether the kept row changes.
    changed: bool,
}

/// Judges one kept row by the configuration; none for an account not judged (churned).
fn judge(
    config: &EffectivenessConfig,
    row: KeptRow,
    based: &HashSet<(i64, String)>,
    why: PhaseMove,
) -> Result<Option<Judgement>> {
    let facts = crate::health::facts(row.tier, row.segment, row.lifecycle)?;
    if !scored_now(&facts) {
        return Ok(None);
    }
    let Some(model) = config.model_for(&facts) else {
        return Ok(None);
    };
    let metrics: Metrics = json("metrics", &row.metrics)?;
    let used: Option<FeatureUse> = row
        .feature_use
        .as_deref()
        .map(|t| json("feature_use", t))
        .transpose()?;
    let metric = |k: &str| metrics.get(k).copied();
    let assessment = model.assess(&Measures {
        metric: &metric,
        features: used.as_ref(),
    });
    let assessed = serde_json::to_string(&assessment.behaviours).expect("plain data");
    let record = if !based.contains(&(row.account_id, model.name.clone())) {
        Some(PhaseMove::Baseline)
    } else if row.model.as_deref() != Some(model.name.as_str())
        || row.phase != Some(assessment.phase as i64)
    {
        Some(why)
    } else {
        None
    };
    let changed = record.is_some() || row.assessed.as_deref() != Some(assessed.as_str());
    Ok(Some(Judgement {
        id: row.account_id,
        assessment,
        assessed,
        record,
        changed,
    }))
}

impl Store {
    /// The effectiveness configuration in force (the built-in model until someone saves one).
    pub async fn effectiveness_config(&self) -> Result<EffectivenessConfig> {
        self.config_in_force(EFFECTIVENESS).await
    }

    /// Every saved version, newest first.
    pub async fn effectiveness_config_versions(
        &self,
    ) -> Result<Vec<ConfigVersion<EffectivenessConfig>>> {
        self.config_versions(EFFECTIVENESS).await
    }

    /// Saves the effectiveness configuration, checked by the caller.
    pub async fn set_effectiveness_config(
        &self,
        actor: &Actor,
        config: &EffectivenessConfig,
        summary: &str,
    ) -> Result<()> {
        let before = self.effectiveness_config().await?;
        self.save_config_version(EFFECTIVENESS, actor, (&before, config), summary, false)
            .await?;
        Ok(())
    }

    /// Judges `ids` (every account with metrics when none are given) by the models in force,
    /// from their kept metrics and feature use, keeps each phase and records baselines and
    /// changes of phase; `why` says what moved a phase that changed.
    pub async fn assess_effectiveness(
        &self,
        ids: Option<&[AccountId]>,
        why: PhaseMove,
    ) -> Result<EffectivenessRun> {
        let config = self.effectiveness_config().await?;
        let mut out = EffectivenessRun::default();
        const KEPT: &str = "SELECT m.account_id, m.metrics, m.feature_use, a.tier, a.segment, \
             a.lifecycle, e.model, e.phase, e.assessed FROM health_metrics m \
             JOIN accounts a ON a.id = m.account_id \
             LEFT JOIN account_effectiveness e ON e.account_id = m.account_id";
        const BASED: &str = "SELECT DISTINCT account_id, model FROM effectiveness_history WHERE reason = 'baseline'";
        let Some(ids) = ids else {
            // The whole book: pages in account order, read by a range rather than a list of
            // ids, and written a page a transaction.
            let mut after = 0i64;
            loop {
                let rows: Vec<KeptRow> = sqlx::query_as(&format!(
                    "{KEPT} WHERE m.account_id > $1 ORDER BY m.account_id LIMIT {BOOK_PAGE}"
                ))
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
                let Some(last) = rows.last().map(|r| r.account_id) else {
                    break;
                };
                let based: HashSet<(i64, String)> =
                    sqlx::query_as(&format!("{BASED} AND account_id > $1 AND account_id <= $2"))
                        .bind(after)
                        .bind(last)
                        .fetch_all(&self.pool)
                        .await?
                        .into_iter()
                        .collect();
                self.judge_and_keep(&config, rows, &based, why, &mut out)
                    .await?;
                after = last;
            }
            return Ok(out);
        };
        for part in ids.chunks(PART) {
            let mut a = Args::default();
            let list = a.ids(part);
            let rows: Vec<KeptRow> = sqlx::query_as_with(
                &format!("{KEPT} WHERE m.account_id IN ({list})"),
                a.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
            let mut a = Args::default();
            let list = a.ids(part);
            let based: HashSet<(i64, String)> = sqlx::query_as_with::<_, (i64, String), _>(
                &format!("{BASED} AND account_id IN ({list})"),
                a.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .collect();
            self.judge_and_keep(&config, rows, &based, why, &mut out)
                .await?;
        }
        Ok(out)
    }

    /// Judges kept rows and writes what changed.
    async fn judge_and_keep(
        &self,
        config: &EffectivenessConfig,
        rows: Vec<KeptRow>,
        based: &HashSet<(i64, String)>,
        why: PhaseMove,
        out: &mut EffectivenessRun,
    ) -> Result<()> {
        let mut judged = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(j) = judge(config, row, based, why)? {
                judged.push(j);
            }
        }
        out.accounts += judged.len();
        self.keep_effectiveness(&judged, out).await
    }

    /// Writes the judgements that changed and their history rows, in one transaction.
    async fn keep_effectiveness(
        &self,
        judged: &[Judgement],
        out: &mut EffectivenessRun,
    ) -> Result<()> {
        let changed: Vec<&Judgement> = judged.iter().filter(|j| j.changed).collect();
        if changed.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let today = sherpa_core::text::date(self.clock().today());
        let kept = changed.iter().map(|j| {
            vec![
                Arg::Int(j.id),
                Arg::Text(j.assessment.model.clone()),
                Arg::Int(j.assessment.phase as i64),
                Arg::Text(j.assessed.clone()),
                Arg::Text(now.clone()),
            ]
        });
        let history: Vec<Vec<Arg>> = changed
            .iter()
            .filter_map(|j| {
                let why = j.record?;
                match why {
                    PhaseMove::Baseline => out.baselines += 1,
                    _ => out.changes += 1,
                }
                Some(vec![
                    Arg::Int(j.id),
                    Arg::Text(j.assessment.model.clone()),
                    Arg::Int(j.assessment.phase as i64),
                    Arg::Text(today.clone()),
                    Arg::Text(why.as_str().into()),
                    Arg::Text(j.assessed.clone()),
                ])
            })
            .collect();
        let mut tx = self.write_tx().await?;
        crate::bulk::upsert_rows(
            &mut tx,
            self.engine,
            "account_effectiveness",
            &KEPT_COLUMNS,
            kept,
            KEEP_PHASE,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
            "effectiveness_history",
            &HISTORY_COLUMNS,
            history,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's phase as last judged, if it was.
    pub async fn account_effectiveness(&self, id: AccountId) -> Result<Option<KeptEffectiveness>> {
        let row: Option<(String, i64, String, String)> = sqlx::query_as(
            "SELECT model, phase, assessed, assessed_at FROM account_effectiveness WHERE account_id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(model, phase, assessed, at)| {
            Ok(KeptEffectiveness {
                assessment: Assessment {
                    model,
                    phase: usize::try_from(phase).unwrap_or(0),
                    behaviours: json("assessed", &assessed)?,
                },
                assessed_at: time("assessed_at", &at)?,
            })
        })
        .transpose()
    }

    /// An account's phase history, oldest first: baselines and changes of phase.
    pub async fn effectiveness_history(&self, id: AccountId) -> Result<Vec<PhaseRecord>> {
        let rows: Vec<(String, i64, String, String, String)> = sqlx::query_as(
            "SELECT model, phase, taken_on, reason, assessed FROM effectiveness_history \
             WHERE account_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(model, phase, on, why, assessed)| {
                Ok(PhaseRecord {
                    model,
                    phase: usize::try_from(phase).unwrap_or(0),
                    on: crate::rows::day("taken_on", &on)?,
                    why: PhaseMove::parse(&why),
                    behaviours: json("assessed", &assessed)?,
                })
            })
            .collect()
    }

    /// How many accounts (churned ones aside) stand in each phase of each model, by tier and
    /// Pareto segment.
    pub async fn phase_counts(&self) -> Result<Vec<PhaseCount>> {
        let rows: Vec<CountRow> = sqlx::query_as(
            "SELECT e.model, a.tier, a.segment, e.phase, COUNT(*) FROM account_effectiveness e \
             JOIN accounts a ON a.id = e.account_id WHERE COALESCE(a.lifecycle, '') <> 'churned' \
             GROUP BY e.model, a.tier, a.segment, e.phase",
        )
        .fetch_all(&self.pool)
        .await?;
        let small = |x: Option<i64>| x.and_then(|s| u8::try_from(s).ok());
        Ok(rows
            .into_iter()
            .map(|(model, tier, segment, phase, accounts)| PhaseCount {
                model,
                tier: small(tier),
                segment: small(segment),
                phase: usize::try_from(phase).unwrap_or(0),
                accounts,
            })
            .collect())
    }

    /// Every account's phase history under each model, without the behaviours, oldest first:
    /// what the time between phases is read from.
    pub async fn phase_histories(&self) -> Result<HashMap<String, Vec<Vec<PhaseStep>>>> {
        let rows: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
            "SELECT account_id, model, phase, taken_on, reason FROM effectiveness_history \
             ORDER BY account_id, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<String, Vec<Vec<PhaseStep>>> = HashMap::new();
        // The account being read, and where each of its models' histories is in `out`.
        let mut account_of = None;
        let mut places: HashMap<String, usize> = HashMap::new();
        for (account, model, phase, on, why) in rows {
            if account_of != Some(account) {
                account_of = Some(account);
                places.clear();
            }
            let step = PhaseStep {
                phase: usize::try_from(phase).unwrap_or(0),
                on: crate::rows::day("taken_on", &on)?,
                by_data: PhaseMove::parse(&why) != PhaseMove::ByModel,
            };
            let histories = out.entry(model.clone()).or_default();
            let at = *places.entry(model).or_insert_with(|| {
                histories.push(Vec::new());
                histories.len() - 1
            });
            histories[at].push(step);
        }
        Ok(out)
    }
}

/// Accounts in one phase of a model, of one tier and one Pareto segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseCount {
    pub model: String,
    pub tier: Option<u8>,
    pub segment: Option<u8>,
    /// 0 before the first phase.
    pub phase: usize,
    pub accounts: i64,
}

/// A count's row: model, tier, segment, phase, accounts.
type CountRow = (String, Option<i64>, Option<i64>, i64, i64);

/// A peer's row: account, industry, segment, employees, its behaviours judged (JSON).
type PeerRow = (i64, Option<String>, Option<i64>, Option<i64>, String);

/// An account judged by a model, with what makes another account its peer.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerJudgement {
    pub account: AccountId,
    pub industry: Option<String>,
    pub segment: Option<u8>,
    pub employees: Option<i64>,
    pub behaviours: Vec<Vec<Judged>>,
}

impl Store {
    /// The accounts judged by `model` (churned ones aside) that share the industry, the
    /// segment or the employee range (inclusive) given: the peers a benchmark compares with.
    pub async fn effectiveness_peers(
        &self,
        model: &str,
        industry: Option<&str>,
        segment: Option<u8>,
        employees: Option<(i64, i64)>,
    ) -> Result<Vec<PeerJudgement>> {
        let mut a = Args::default();
        let model = a.text(model);
        let mut like = vec!["1 = 0".to_string()];
        if let Some(i) = industry {
            like.push(format!("a.industry = {}", a.text(i)));
        }
        if let Some(s) = segment {
            like.push(format!("a.segment = {}", a.push(Arg::Int(i64::from(s)))));
        }
        if let Some((lo, hi)) = employees {
            let (lo, hi) = (a.push(Arg::Int(lo)), a.push(Arg::Int(hi)));
            like.push(format!("a.employees BETWEEN {lo} AND {hi}"));
        }
        let rows: Vec<PeerRow> = sqlx::query_as_with(
            &format!(
                "SELECT e.account_id, a.industry, a.segment, a.employees, e.assessed \
                     FROM account_effectiveness e JOIN accounts a ON a.id = e.account_id \
                     WHERE e.model = {model} AND COALESCE(a.lifecycle, '') <> 'churned' AND ({})",
                like.join(" OR ")
            ),
            a.into_arguments(),
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, industry, segment, employees, assessed)| {
                Ok(PeerJudgement {
                    account: AccountId(id),
                    industry,
                    segment: segment.and_then(|s| u8::try_from(s).ok()),
                    employees,
                    behaviours: json("assessed", &assessed)?,
                })
            })
            .collect()
    }

    /// The metrics of each of `ids`' daily health snapshots on `days`: what an account was
    /// measured at then, for a history judged afterwards.
    pub async fn snapshot_metrics(
        &self,
        ids: &[AccountId],
        days: &[NaiveDate],
    ) -> Result<HashMap<(AccountId, NaiveDate), Metrics>> {
        let mut out = HashMap::new();
        for part in ids.chunks(PART) {
            let mut a = Args::default();
            let list = a.ids(part);
            let on: Vec<String> = days
                .iter()
                .map(|d| a.text(sherpa_core::text::date(*d)))
                .collect();
            let rows: Vec<(i64, String, String)> = sqlx::query_as_with(
                &format!(
                    "SELECT account_id, taken_on, metrics FROM health_snapshots \
                     WHERE reason = 'daily' AND account_id IN ({list}) AND taken_on IN ({})",
                    on.join(", ")
                ),
                a.into_arguments(),
            )
            .fetch_all(&self.pool)
            .await?;
            for (id, on, metrics) in rows {
                out.insert(
                    (AccountId(id), crate::rows::day("taken_on", &on)?),
                    json("metrics", &metrics)?,
                );
            }
        }
        Ok(out)
    }

    /// Adds phase history judged afterwards (a demo's past, a migration's), oldest first per
    /// account, and keeps each account's last record as its phase: the next judgement records
    /// a change from there.
    pub async fn add_effectiveness_history(
        &self,
        records: &[(AccountId, PhaseRecord)],
    ) -> Result<()> {
        let now = self.now();
        let rows = records.iter().map(|(id, r)| {
            vec![
                Arg::Int(id.0),
                Arg::Text(r.model.clone()),
                Arg::Int(r.phase as i64),
                Arg::Text(sherpa_core::text::date(r.on)),
                Arg::Text(r.why.as_str().into()),
                Arg::Text(serde_json::to_string(&r.behaviours).expect("plain data")),
            ]
        });
        let mut last: HashMap<AccountId, &PhaseRecord> = HashMap::new();
        for (id, r) in records {
            last.insert(*id, r);
        }
        let kept = last.into_iter().map(|(id, r)| {
            vec![
                Arg::Int(id.0),
                Arg::Text(r.model.clone()),
                Arg::Int(r.phase as i64),
                Arg::Text(serde_json::to_string(&r.behaviours).expect("plain data")),
                Arg::Text(now.clone()),
            ]
        });
        let mut tx = self.write_tx().await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
            "effectiveness_history",
            &HISTORY_COLUMNS,
            rows,
        )
        .await?;
        crate::bulk::upsert_rows(
            &mut tx,
            self.engine,
            "account_effectiveness",
            &KEPT_COLUMNS,
            kept,
            KEEP_PHASE,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The feature use kept for an account (each feature's users in 30 days, the seats).
    pub async fn feature_use(&self, id: AccountId) -> Result<Option<FeatureUse>> {
        let used: Option<Option<String>> =
            sqlx::query_scalar("SELECT feature_use FROM health_metrics WHERE account_id = $1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        used.flatten().map(|t| json("feature_use", &t)).transpose()
    }
}
