//! Keeping health current: recomputing accounts' metrics from the book (the refresher, within
//! a second of a change; the daily rebuild), re-scoring every account from its stored metrics
//! (`sherpa health recompute`, and after a scorecard change), and the snapshots a colour
//! change and each day leave behind.

use super::inputs::CHUNK;
use super::playbook::Turn;
use super::readers::{Before, facts};
use super::{Scoring, metrics_json};
use crate::rollups::Rollups;
use crate::sql::{Arg, Args};
use crate::{Engine, Result, Store};
use chrono::NaiveDate;
use sherpa_core::assignment::AccountFacts;
use sherpa_core::effectiveness::FeatureUse;
use sherpa_core::health::*;
use sherpa_core::*;

const SNAPSHOT_COLUMNS: [&str; 9] = [
    "account_id",
    "taken_on",
    "taken_at",
    "score",
    "colour",
    "from_colour",
    "scorecard",
    "metrics",
    "reason",
];

/// A row of values: `?` each on SQLite, where numbered ones made long statements slow (see
/// `bulk`), the numbers on PostgreSQL.
fn placeholders(engine: Engine, numbered: &[String]) -> String {
    match engine {
        Engine::Sqlite => format!("({})", vec!["?"; numbered.len()].join(", ")),
        Engine::Postgres => format!("({})", numbered.join(", ")),
    }
}

fn metrics_ids(rows: &[Vec<Arg>]) -> Vec<Vec<Arg>> {
    rows.iter().map(|r| vec![r[0].clone()]).collect()
}

/// Upserts accounts' metrics and feature use (JSON) as computed at `now`.
async fn keep_metrics(
    conn: &mut sqlx::AnyConnection,
    engine: Engine,
    now: &str,
    metrics: Vec<(AccountId, String, Option<String>)>,
) -> Result<()> {
    let rows: Vec<Vec<Arg>> = metrics
        .into_iter()
        .map(|(id, m, used)| {
            vec![
                Arg::Int(id.0),
                Arg::Text(now.into()),
                Arg::Text(m),
                Arg::OptText(used),
            ]
        })
        .collect();
    let ids: Vec<Vec<Arg>> = metrics_ids(&rows);
    crate::bulk::upsert_rows(
        conn,
        engine,
        "health_metrics",
        &["account_id", "computed_at", "metrics", "feature_use"],
        rows,
        "ON CONFLICT (account_id) DO UPDATE SET computed_at = excluded.computed_at, \
         metrics = excluded.metrics, feature_use = excluded.feature_use",
    )
    .await?;
    // The account's score row, for the scores to be written into.
    crate::bulk::upsert_rows(
        conn,
        engine,
        "account_health",
        &["account_id"],
        ids,
        "ON CONFLICT (account_id) DO NOTHING",
    )
    .await?;
    Ok(())
}

/// Accounts a recompute reads, scores and writes at a time while reading the next.
const RECOMPUTE_PART: usize = 10_000;

/// Every account's kept metrics with what assigns its scorecard and its score as kept.
const KEPT: &str = "SELECT m.account_id AS id, m.metrics, a.tier, a.segment, a.lifecycle, h.score, \
                    h.colour, h.scorecard FROM health_metrics m JOIN accounts a ON a.id = m.account_id \
                    LEFT JOIN account_health h ON h.account_id = m.account_id";
#[derive(sqlx::FromRow)]
struct KeptRow {
    id: i64,
    metrics: String,
    tier: Option<i64>,
    segment: Option<i64>,
    lifecycle: Option<String>,
    score: Option<f64>,
    colour: Option<String>,
    scorecard: Option<String>,
}

/// A score without its explanation: what is kept on the account.
pub(super) struct Standing {
    pub score: Option<f64>,
    pub colour: Option<Colour>,
    pub scorecard: String,
    /// Not scored, for it churned: no colour change, snapshot or playbook follows.
    pub churned: bool,
}

impl Standing {
    fn of(card: &Scorecard, m: impl Fn(&str) -> Option<f64>) -> Standing {
        let (score, colour) = card.score_only(m);
        Standing {
            score,
            colour,
            scorecard: card.name.clone(),
            churned: false,
        }
    }

    /// An account's standing today: by the scorecard its rule assigns, or none once churned.
    fn now(scoring: &Scoring, facts: &AccountFacts, m: impl Fn(&str) -> Option<f64>) -> Standing {
        if !scored_now(facts) {
            return Standing {
                score: None,
                colour: None,
                scorecard: String::new(),
                churned: true,
            };
        }
        Standing::of(scoring.card_for(facts).2, m)
    }
}

/// An account scored, ready to be kept.
pub(super) struct Scored {
    pub id: AccountId,
    pub health: Standing,
    /// The metrics as JSON.
    pub metrics: String,
    /// Each feature's users and the seats as JSON, when known (only a fresh one is kept).
    pub feature_use: Option<String>,
    /// Whether they were recomputed from the book (and are to be kept), not read back.
    pub fresh: bool,
    pub before: Before,
}

impl Scored {
    fn moved(&self) -> bool {
        let colour = self.health.colour.map(|c| c.as_str());
        let score_moved = match (self.before.score, self.health.score) {
            (Some(a), Some(b)) => (a - b).abs() > 1e-9,
            (a, b) => a.is_some() != b.is_some(),
        };
        score_moved
            || self.before.colour.as_deref() != colour
            || self.before.scorecard.as_deref() != Some(self.health.scorecard.as_str())
    }

    /// The colour it turned from, when it changed colour.
    fn turned_from(&self) -> Option<Option<&str>> {
        let colour = self.health.colour.map(|c| c.as_str());
        (self.before.colour.as_deref() != colour).then_some(self.before.colour.as_deref())
    }
}

/// What moved a colour: the account's own data (a refresh) or the scoring (a re-score from
/// kept metrics under changed scorecards or rules). Snapshots keep which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moved {
    ByData,
    ByScoring,
}

impl Moved {
    fn reason(self) -> &'static str {
        match self {
            Moved::ByData => "colour_change",
            Moved::ByScoring => "scorecard_change",
        }
    }
}

/// What a refresh or recompute did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthRefresh {
    /// Accounts scored.
    pub accounts: usize,
    /// Whose score or colour moved.
    pub moved: usize,
    /// Whose colour changed (each left a snapshot).
    pub colour_changes: usize,
    /// At-risk playbooks opened for accounts that turned.
    pub playbooks_opened: usize,
}

impl HealthRefresh {
    fn add(&mut self, o: HealthRefresh) {
        self.accounts += o.accounts;
        self.moved += o.moved;
        self.colour_changes += o.colour_changes;
        self.playbooks_opened += o.playbooks_opened;
    }
}

/// Scores kept rows by the scorecards their rules assign, split across the machine's cores.
fn score_kept(scoring: &Scoring, rows: Vec<KeptRow>) -> Result<Vec<Scored>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = rows.len().div_ceil(cores).max(1);
    let mut parts: Vec<Vec<KeptRow>> = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        parts.push(rows.by_ref().take(per).collect());
    }
    std::thread::scope(|s| {
        let running: Vec<_> = parts
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter()
                        .map(|r| score_row(scoring, r))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for r in running {
            out.extend(r.join().expect("scoring does not panic")?);
        }
        Ok(out)
    })
}

/// Kept metrics as read for a re-score: the names borrowed from the text and the pairs in one
/// sorted vector, for a book's worth of small strings and tree nodes was most of its cost.
struct KeptMetrics<'a>(Vec<(&'a str, f64)>);

impl KeptMetrics<'_> {
    fn get(&self, name: &str) -> Option<f64> {
        self.0
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .map(|i| self.0[i].1)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for KeptMetrics<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = KeptMetrics<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of metric names to numbers")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut pairs: Vec<(&'de str, f64)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(32));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                // Written from a sorted map, so already in order: checked, not assumed.
                if !pairs.is_sorted_by(|a, b| a.0 < b.0) {
                    pairs.sort_by(|a, b| a.0.cmp(b.0));
                }
                Ok(KeptMetrics(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

fn score_row(scoring: &Scoring, row: KeptRow) -> Result<Scored> {
    let m: KeptMetrics = serde_json::from_str(&row.metrics)
        .map_err(|_| crate::rows::bad("metrics", &row.metrics))?;
    let facts = facts(row.tier, row.segment, row.lifecycle)?;
    let health = Standing::now(scoring, &facts, |k| m.get(k));
    drop(m);
    Ok(Scored {
        id: AccountId(row.id),
        health,
        metrics: row.metrics,
        feature_use: None,
        fresh: false,
        before: Before {
            score: row.score,
            colour: row.colour,
            scorecard: row.scorecard,
        },
    })
}

/// What every part of a back-fill of snapshots shares: the days (oldest first), the
/// snapshots already taken (day, account), each day's catalogue, and the scoring.
struct Backfill<'a> {
    days: &'a [NaiveDate],
    had: &'a std::collections::HashSet<(String, i64)>,
    catalogues: &'a std::collections::HashMap<NaiveDate, FeatureCatalogue>,
    scoring: &'a Scoring,
    rollups: Rollups<'a>,
}

impl Store {
    /// Accounts per statement when writing scores and snapshots. On SQLite 500: its statements
    /// take `?` placeholders, and longer ones cost more than they save. On PostgreSQL each
    /// statement is a round trip, so fewer and longer ones (4 parameters a row, far below its
    /// limit of 65,535).
    fn write_chunk(&self) -> usize {
        match self.engine {
            Engine::Sqlite => CHUNK,
            Engine::Postgres => 10_000,
        }
    }

    /// Recomputes the metrics of `ids` from the book as of today, keeps them, and re-scores
    /// the accounts.
    pub async fn refresh_health(&self, ids: &[AccountId]) -> Result<HealthRefresh> {
        let rollups = self.rollups().await?;
        let today = self.clock().today();
        let catalogue = self.health_catalogue_cached(today, rollups).await?;
        let scoring = self.scoring().await?;
        let mut out = HealthRefresh::default();
        for chunk in ids.chunks(CHUNK) {
            let fed = self
                .health_inputs(chunk, today, &catalogue, rollups)
                .await?;
            let scored: Vec<Scored> = fed
                .into_iter()
                .map(|(id, f)| {
                    let m = metrics(&f.inputs, &catalogue, today);
                    Scored {
                        id,
                        health: Standing::now(&scoring, &f.facts, |k| m.get(k).copied()),
                        metrics: metrics_json(&m),
                        feature_use: sherpa_core::effectiveness::feature_use(&f.inputs)
                            .map(|u| serde_json::to_string(&u).expect("plain data")),
                        fresh: true,
                        before: f.before,
                    }
                })
                .collect();
            out.add(
                self.keep_scores(scored, Some(&scoring.config.at_risk_playbook))
                    .await?,
            );
        }
        Ok(out)
    }

    /// Recomputes every account's metrics from the book (the daily rebuild: days since a login
    /// grow without any write).
    pub async fn rebuild_health(&self) -> Result<HealthRefresh> {
        let taken = self.health_watch().take();
        self.forget_health_catalogue();
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let ids: Vec<AccountId> = ids.into_iter().map(AccountId).collect();
        let done = self.refresh_health(&ids).await;
        self.health_watch().finish(&taken);
        done
    }

    /// Re-scores every account from its kept metrics, by the scorecard its rule assigns now.
    /// Accounts whose metrics were never computed are marked for the refresher.
    pub async fn recompute_health(&self) -> Result<HealthRefresh> {
        let scoring = std::sync::Arc::new(self.scoring().await?);
        // Reading, scoring and writing overlap: a reader streams the kept rows a part at a
        // time while the parts before are scored and written. The reader's snapshot began
        // before the writes, so it sees every score as it was kept; nothing is committed
        // until the last part is written.
        let (parts, mut received) = tokio::sync::mpsc::channel::<Result<Vec<KeptRow>>>(2);
        let pool = self.pool.clone();
        let reader = tokio::spawn(async move {
            use futures::TryStreamExt;
            let mut rows = sqlx::query_as::<_, KeptRow>(KEPT).fetch(&pool);
            let mut part = Vec::with_capacity(RECOMPUTE_PART);
            loop {
                match rows.try_next().await {
                    Ok(Some(row)) => {
                        part.push(row);
                        if part.len() == RECOMPUTE_PART
                            && parts.send(Ok(std::mem::take(&mut part))).await.is_err()
                        {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = parts.send(Err(e.into())).await;
                        return;
                    }
                }
            }
            if !part.is_empty() {
                let _ = parts.send(Ok(part)).await;
            }
        });
        // Parsing and scoring is CPU work: off the async threads, a part at a time.
        let (scored_parts, mut scored) = tokio::sync::mpsc::channel::<Result<Vec<Scored>>>(2);
        let scorer = tokio::task::spawn_blocking(move || {
            while let Some(part) = received.blocking_recv() {
                let done = part.and_then(|p| score_kept(&scoring, p));
                let failed = done.is_err();
                if scored_parts.blocking_send(done).is_err() || failed {
                    return;
                }
            }
        });
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let mut out = HealthRefresh::default();
        while let Some(part) = scored.recv().await {
            // A re-score changes how accounts are judged, not the accounts: colour changes
            // are kept as snapshots, but open no playbook (a new scorecard would otherwise
            // hand every CSM a pile of tasks at once). The next change in an account's own
            // data does.
            out.add(
                self.keep_standings(&mut tx, &now, &part?, Moved::ByScoring)
                    .await?
                    .0,
            );
        }
        scorer
            .await
            .map_err(|e| crate::StoreError::invalid("health", e.to_string()))?;
        reader
            .await
            .map_err(|e| crate::StoreError::invalid("health", e.to_string()))?;
        tx.commit().await?;
        let never: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM health_metrics m WHERE m.account_id = a.id)",
        )
        .fetch_all(&self.pool)
        .await?;
        self.health_watch().mark(never.into_iter().map(AccountId));
        Ok(out)
    }

    /// Takes the snapshot each account would have had at the end of each of `days` had Sherpa
    /// been watching: scored from what was dated on or before that day (contacts' roles and
    /// departures as they stand now). For a book whose history was imported or back-filled;
    /// a day an account already has a daily snapshot of is left as it is. Answers how many
    /// were taken.
    pub async fn backfill_health_snapshots(&self, days: &[NaiveDate]) -> Result<u64> {
        use futures::{StreamExt, TryStreamExt};
        let rollups = self.rollups().await?;
        let scoring = self.scoring().await?;
        let mut days = days.to_vec();
        days.sort_unstable();
        days.dedup();
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Ok(0);
        };
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let ids: Vec<AccountId> = ids.into_iter().map(AccountId).collect();
        let had: Vec<(String, i64)> = sqlx::query_as(
            "SELECT taken_on, account_id FROM health_snapshots \
             WHERE taken_on >= $1 AND taken_on <= $2 AND reason = 'daily'",
        )
        .bind(sherpa_core::text::date(*first))
        .bind(sherpa_core::text::date(*last))
        .fetch_all(&self.pool)
        .await?;
        let had: std::collections::HashSet<(String, i64)> = had.into_iter().collect();
        let catalogues = self.health_catalogues(&days, rollups).await?;
        let backfill = Backfill {
            days: &days,
            had: &had,
            catalogues: &catalogues,
            scoring: &scoring,
            rollups,
        };
        // Two parts at once: one part's reads wait on the database's thread while the other's
        // are scored on the other core.
        futures::stream::iter(ids.chunks(CHUNK))
            .map(|part| self.backfill_part(part, &backfill))
            .buffered(2)
            .try_fold(0, |taken, part| async move { Ok(taken + part) })
            .await
    }

    /// The snapshots of one part of the accounts on every day of a back-fill, each source read
    /// once for all the days; answers how many.
    async fn backfill_part(&self, ids: &[AccountId], backfill: &Backfill<'_>) -> Result<u64> {
        let days = backfill.days;
        let high_value = backfill
            .catalogues
            .values()
            .any(|c| !c.high_value.is_empty());
        let fed = self
            .health_inputs_on(ids, days, high_value, backfill.rollups)
            .await?;
        let mut rows: Vec<Vec<Arg>> = Vec::new();
        for (day, fed) in days.iter().zip(fed) {
            let on = sherpa_core::text::date(*day);
            let at = sherpa_core::text::timestamp(
                day.and_hms_opt(23, 59, 59).expect("a time").and_utc(),
            );
            let catalogue = &backfill.catalogues[day];
            let mut fed: Vec<_> = fed
                .into_iter()
                // A day an account already has a snapshot of is left as it is.
                .filter(|(id, _)| !backfill.had.contains(&(on.clone(), id.0)))
                // A churned account has a history while its terms ran, none after.
                .filter(|(_, f)| {
                    let running = f
                        .inputs
                        .term
                        .is_some_and(|t| t.start <= *day && t.end >= *day);
                    scored_on(&f.facts, running)
                })
                .collect();
            fed.sort_unstable_by_key(|(id, _)| *id);
            rows.extend(fed.into_iter().map(|(id, f)| {
                let m = metrics(&f.inputs, catalogue, *day);
                let h = Standing::of(backfill.scoring.card_for(&f.facts).2, |k| m.get(k).copied());
                vec![
                    Arg::Int(id.0),
                    Arg::Text(on.clone()),
                    Arg::Text(at.clone()),
                    Arg::OptFloat(h.score),
                    Arg::OptText(h.colour.map(|c| c.as_str().into())),
                    Arg::OptText(None),
                    Arg::Text(h.scorecard),
                    Arg::Text(metrics_json(&m)),
                    Arg::Text("daily".into()),
                ]
            }));
        }
        let taken = rows.len() as u64;
        let mut tx = self.write_tx().await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
            "health_snapshots",
            &SNAPSHOT_COLUMNS,
            rows,
        )
        .await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// How the book's colours would move if `config` scored it: from each account's kept
    /// metrics, as a recompute would score them, nothing written. Answers the accounts per
    /// move (colour before, colour after), the most first.
    pub async fn preview_health(
        &self,
        config: &sherpa_core::health::HealthConfig,
    ) -> Result<Vec<(Option<String>, Option<String>, usize)>> {
        let scoring = Scoring {
            config: config.clone(),
        };
        let rows: Vec<KeptRow> = sqlx::query_as(KEPT).fetch_all(&self.pool).await?;
        let scored = tokio::task::spawn_blocking(move || score_kept(&scoring, rows))
            .await
            .map_err(|e| crate::StoreError::invalid("health", e.to_string()))??;
        let mut moves: std::collections::BTreeMap<(Option<String>, Option<String>), usize> =
            Default::default();
        for s in scored.iter().filter(|s| !s.health.churned) {
            if let Some(from) = s.turned_from() {
                let to = s.health.colour.map(|c| c.as_str().to_string());
                *moves.entry((from.map(str::to_string), to)).or_default() += 1;
            }
        }
        let mut out: Vec<_> = moves.into_iter().map(|((f, t), n)| (f, t, n)).collect();
        out.sort_by_key(|m| std::cmp::Reverse(m.2));
        Ok(out)
    }

    /// Reads what a recompute reads and nothing more: the floor its benchmark is measured
    /// against. Answers how many accounts it read.
    pub async fn read_kept_health(&self) -> Result<usize> {
        let rows: Vec<KeptRow> = sqlx::query_as(KEPT).fetch_all(&self.pool).await?;
        Ok(rows.len())
    }

    /// Keeps what moved: recomputed metrics, scores and colours on the accounts, a snapshot
    /// at each colour change, in one transaction; then opens `playbook` for accounts that
    /// turned.
    async fn keep_scores(
        &self,
        scored: Vec<Scored>,
        playbook: Option<&Playbook>,
    ) -> Result<HealthRefresh> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let fresh = scored
            .iter()
            .filter(|s| s.fresh)
            .map(|s| (s.id, s.metrics.clone(), s.feature_use.clone()))
            .collect();
        keep_metrics(&mut tx, self.engine, &now, fresh).await?;
        let (mut out, turns) = self
            .keep_standings(&mut tx, &now, &scored, Moved::ByData)
            .await?;
        tx.commit().await?;
        // After the scores are in: a playbook's tasks say what the account turned to.
        if let Some(playbook) = playbook {
            out.playbooks_opened = self.open_playbooks(playbook, &turns).await?;
        }
        Ok(out)
    }

    /// Writes the scores and colours that moved onto the accounts and a snapshot at each
    /// colour change, inside the caller's transaction, for `why` (its snapshots' reason).
    /// Answers the counts and the turns.
    async fn keep_standings(
        &self,
        tx: &mut sqlx::AnyConnection,
        now: &str,
        scored: &[Scored],
        why: Moved,
    ) -> Result<(HealthRefresh, Vec<Turn>)> {
        let mut out = HealthRefresh {
            accounts: scored.len(),
            ..HealthRefresh::default()
        };
        let today = sherpa_core::text::date(self.clock().today());
        let moved: Vec<&Scored> = scored.iter().filter(|s| s.moved()).collect();
        out.moved = moved.len();
        for chunk in moved.chunks(self.write_chunk()) {
            let mut args = Args::default();
            let rows: Vec<String> = chunk
                .iter()
                .map(|s| {
                    let values = [
                        args.push(Arg::Int(s.id.0)),
                        args.push(Arg::OptFloat(s.health.score)),
                        args.push(Arg::OptText(s.health.colour.map(|c| c.as_str().into()))),
                        args.push(Arg::Text(s.health.scorecard.clone())),
                    ];
                    placeholders(self.engine, &values)
                })
                .collect();
            sqlx::query_with(
                &format!(
                    "WITH v (id, score, colour, scorecard) AS (VALUES {}) \
                     UPDATE account_health SET score = v.score, colour = v.colour, scorecard = v.scorecard \
                     FROM v WHERE account_health.account_id = v.id",
                    rows.join(", ")
                ),
                args.into_arguments(),
            )
            .execute(&mut *tx)
            .await?;
        }
        let turned: Vec<(&Scored, Option<&str>)> = moved
            .iter()
            .filter_map(|s| s.turned_from().map(|from| (*s, from)))
            // An account scored for the first time did not change colour.
            .filter(|(_, from)| from.is_some())
            // Nor did one that churned: its last colour stays the last in its history.
            .filter(|(s, _)| !s.health.churned)
            .collect();
        out.colour_changes = turned.len();
        // The snapshot copies score, colour and metrics from the rows just written: only the
        // id and the colour it came from travel, not the metrics a second time.
        for chunk in turned.chunks(self.write_chunk()) {
            let mut args = Args::default();
            let rows: Vec<String> = chunk
                .iter()
                .map(|(s, from)| {
                    let values = [
                        args.push(Arg::Int(s.id.0)),
                        args.push(Arg::OptText(from.map(str::to_string))),
                    ];
                    placeholders(self.engine, &values)
                })
                .collect();
            let on = args.push(Arg::Text(today.clone()));
            let at = args.push(Arg::Text(now.to_string()));
            let (on, at) = match self.engine {
                Engine::Sqlite => ("?".to_string(), "?".to_string()),
                Engine::Postgres => (on, at),
            };
            sqlx::query_with(
                &format!(
                    "WITH v (id, from_colour) AS (VALUES {}) \
                     INSERT INTO health_snapshots ({}) \
                     SELECT v.id, {on}, {at}, h.score, h.colour, v.from_colour, \
                     COALESCE(h.scorecard, ''), m.metrics, '{}' \
                     FROM v JOIN account_health h ON h.account_id = v.id \
                     JOIN health_metrics m ON m.account_id = v.id",
                    rows.join(", "),
                    SNAPSHOT_COLUMNS.join(", "),
                    why.reason()
                ),
                args.into_arguments(),
            )
            .execute(&mut *tx)
            .await?;
        }
        let turns = turned
            .iter()
            .filter_map(|(s, from)| {
                Some(Turn {
                    id: s.id,
                    colour: s.health.colour?,
                    from: from.and_then(|f| f.parse().ok()),
                    score: s.health.score,
                })
            })
            .collect();
        Ok((out, turns))
    }

    /// Keeps metrics worked out elsewhere as the accounts' current ones (a benchmark's, or a
    /// migration's from another tool), without re-scoring: `recompute_health` does that.
    pub async fn keep_health_metrics(&self, metrics: &[(AccountId, Metrics)]) -> Result<()> {
        let rows: Vec<_> = metrics.iter().map(|(id, m)| (*id, m, None)).collect();
        self.keep_health_measures(&rows).await
    }

    /// Keeps accounts' metrics with who used each feature (what effectiveness and the
    /// adoption matrix read), as a refresh would have worked them out.
    pub async fn keep_health_measures(
        &self,
        measures: &[(AccountId, &Metrics, Option<&FeatureUse>)],
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let rows = measures
            .iter()
            .map(|(id, m, used)| {
                let used = used.map(|u| serde_json::to_string(u).unwrap_or_default());
                (*id, metrics_json(m), used)
            })
            .collect();
        keep_metrics(&mut tx, self.engine, &now, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes today's snapshot of every account that has none yet: its kept score, colour and
    /// metrics. Answers how many were taken.
    pub async fn snapshot_health_daily(&self) -> Result<u64> {
        let today = sherpa_core::text::date(self.clock().today());
        let mut tx = self.write_tx().await?;
        let taken = sqlx::query(
            "INSERT INTO health_snapshots (account_id, taken_on, taken_at, score, colour, from_colour, scorecard, metrics, reason) \
             SELECT h.account_id, $1, $2, h.score, h.colour, NULL, COALESCE(h.scorecard, ''), m.metrics, 'daily' \
             FROM account_health h JOIN health_metrics m ON m.account_id = h.account_id \
             JOIN accounts a ON a.id = h.account_id \
             WHERE COALESCE(a.lifecycle, '') <> 'churned' AND NOT EXISTS (SELECT 1 FROM health_snapshots s WHERE s.account_id = h.account_id AND s.taken_on = $1 AND s.reason = 'daily')",
        )
        .bind(&today)
        .bind(self.now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::KeptMetrics;

    #[test]
    fn kept_metrics_are_found_by_name_whatever_order_they_were_written_in() {
        for json in [
            r#"{"nps": 9.0, "active_users_30d": 12.0, "tenure_days": 400.0}"#,
            r#"{"active_users_30d": 12.0, "nps": 9.0, "tenure_days": 400.0}"#,
        ] {
            let m: KeptMetrics = serde_json::from_str(json).unwrap();
            assert_eq!(
                (
                    m.get("nps"),
                    m.get("active_users_30d"),
                    m.get("tenure_days")
                ),
                (Some(9.0), Some(12.0), Some(400.0))
            );
            assert_eq!(m.get("seat_utilisation"), None);
        }
    }
}
