//! The back-test's cases from the book: every contract term whose outcome is known, with the
//! account's metrics worked out as of some days before the term ended from what was dated on
//! or before that day (usage rollups, tickets, surveys, activities, contracts, pulses), so that
//! history imported or back-filled today can be tested. A term that began later than that is
//! scored as of its own start, never before the customer was one. The scoring itself is in
//! core. The result is kept per horizon, with the configuration version it judged, for pages
//! to read without computing it.

use super::Scoring;
use crate::rollups::Rollups;
use crate::rows::{day, parse, time};
use crate::{Result, Store};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use sherpa_core::book::Outcome;
use sherpa_core::health::{
    Backtest, Case, FeatureCatalogue, HorizonAuc, backtest, case_colour, metrics, score_auc,
};
use sherpa_core::revenue::{Band, CalibrationCase};
use sherpa_core::text::timestamp;
use sherpa_core::*;
use std::collections::BTreeMap;

/// The longest horizon a back-test looks back over.
pub const BACKTEST_MAX_HORIZON_DAYS: u32 = 730;

/// The horizons every back-test also shows side by side: how early the score warns.
pub const BACKTEST_HORIZONS: [u32; 3] = [7, 30, 90];

/// The Monday on or before `d`. Terms whose as-of days share a week are scored together, from
/// the data of that Monday: a few days earlier than asked, never later.
fn week_start(d: NaiveDate) -> NaiveDate {
    d - Days::new(d.weekday().num_days_from_monday().into())
}

/// The Monday on or after `d`.
fn next_monday(d: NaiveDate) -> NaiveDate {
    d + Days::new(((7 - d.weekday().num_days_from_monday()) % 7).into())
}

/// When a term is scored `horizon_days` before its end: that week's Monday, or the first
/// Monday of the term when that is earlier than its start (`at start`), or none when the
/// term holds no Monday before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AsOf {
    Horizon(NaiveDate),
    AtStart(NaiveDate),
    LeftOut,
}

fn as_of(start: NaiveDate, end: NaiveDate, horizon_days: u32) -> AsOf {
    let wanted = week_start(end - Days::new(horizon_days.into()));
    if wanted >= start {
        return AsOf::Horizon(wanted);
    }
    let first = next_monday(start);
    if first < end {
        AsOf::AtStart(first)
    } else {
        AsOf::LeftOut
    }
}

/// A contract term with a known outcome.
struct EndedTerm {
    account: AccountId,
    start: NaiveDate,
    end: NaiveDate,
    outcome: Outcome,
}

/// The terms to score at one horizon.
#[derive(Default)]
struct Sample {
    cases: Vec<Case>,
    at_start: usize,
    left_out: usize,
}

/// A back-test as last computed.
#[derive(Debug, Clone)]
pub struct StoredBacktest {
    pub computed_at: DateTime<Utc>,
    pub backtest: Backtest,
}

/// Refuses a horizon outside 1 to [`BACKTEST_MAX_HORIZON_DAYS`], by name.
pub fn check_backtest_horizon(horizon_days: u32) -> Result<()> {
    if !(1..=BACKTEST_MAX_HORIZON_DAYS).contains(&horizon_days) {
        return Err(crate::StoreError::invalid(
            "horizon_days",
            format!("{horizon_days} is not between 1 and {BACKTEST_MAX_HORIZON_DAYS}"),
        ));
    }
    Ok(())
}

impl Store {
    /// The back-test of the health configuration in force over every term with a known
    /// outcome, each account scored as of `horizon_days` before its term ended (rounded back to
    /// that week's Monday, and never before the term began), with the AUC at the other usual
    /// horizons beside it.
    pub async fn health_backtest(&self, horizon_days: u32) -> Result<Backtest> {
        check_backtest_horizon(horizon_days)?;
        let scoring = Scoring {
            config: self.health_config().await?,
        };
        let terms = self.ended_terms().await?;
        let mut horizons: Vec<u32> = BACKTEST_HORIZONS.to_vec();
        if !horizons.contains(&horizon_days) {
            horizons.push(horizon_days);
            horizons.sort_unstable();
        }
        let mut samples = self.backtest_samples(&scoring, &terms, &horizons).await?;
        let main = horizons
            .iter()
            .position(|d| *d == horizon_days)
            .map(|i| std::mem::take(&mut samples[i]))
            .expect("the asked horizon is among them");
        let (at_start, left_out) = (main.at_start, main.left_out);
        let judged = scoring.config.clone();
        // Scoring a book's worth of terms and fitting the regressions is CPU work.
        let mut b =
            tokio::task::spawn_blocking(move || backtest(&judged, &main.cases, horizon_days))
                .await
                .map_err(|e| crate::StoreError::invalid("backtest", e.to_string()))?;
        b.at_start = at_start;
        b.left_out = left_out;
        for (days, sample) in horizons.into_iter().zip(samples) {
            let (terms, auc) = if days == horizon_days {
                (b.terms, b.auc)
            } else {
                (
                    sample.cases.len(),
                    score_auc(&scoring.config, &sample.cases).0,
                )
            };
            b.horizons.push(HorizonAuc { days, terms, auc });
        }
        Ok(b)
    }

    /// Computes the back-test at `horizon_days` and keeps it for pages to read.
    pub async fn refresh_backtest(&self, horizon_days: u32) -> Result<StoredBacktest> {
        let version = self.health_config_version().await?;
        let backtest = self.health_backtest(horizon_days).await?;
        let computed_at = self.clock().now();
        let body = serde_json::to_string(&backtest)
            .map_err(|e| crate::StoreError::invalid("backtest", e.to_string()))?;
        sqlx::query(
            "INSERT INTO health_backtests (horizon_days, config_version, computed_at, body) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (horizon_days) DO UPDATE SET \
             config_version = excluded.config_version, computed_at = excluded.computed_at, \
             body = excluded.body",
        )
        .bind(i64::from(horizon_days))
        .bind(version)
        .bind(timestamp(computed_at))
        .bind(body)
        .execute(&self.pool)
        .await?;
        Ok(StoredBacktest {
            computed_at,
            backtest,
        })
    }

    /// The back-test at `horizon_days` as last computed for the configuration in force; none
    /// when it never was, or was computed for an earlier configuration.
    pub async fn stored_backtest(&self, horizon_days: u32) -> Result<Option<StoredBacktest>> {
        check_backtest_horizon(horizon_days)?;
        let version = self.health_config_version().await?;
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT computed_at, body FROM health_backtests \
             WHERE horizon_days = $1 AND config_version = $2",
        )
        .bind(i64::from(horizon_days))
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let Some((at, body)) = row else {
            return Ok(None);
        };
        // One kept by an earlier release in another shape is stale like an older version's:
        // computed again, never a failed page.
        let Ok(backtest) = serde_json::from_str(&body) else {
            return Ok(None);
        };
        Ok(Some(StoredBacktest {
            computed_at: time("computed_at", &at)?,
            backtest,
        }))
    }

    /// Every ended term's colour at each band of months before its end (see
    /// [`Band::horizon_days`]), scored by the configuration in force from what was dated on or
    /// before then. A term that had not begun by a band's day is not a case of that band: its
    /// colour then would come from later.
    pub async fn renewal_cases(&self) -> Result<Vec<CalibrationCase>> {
        let scoring = Scoring {
            config: self.health_config().await?,
        };
        let terms = self.ended_terms().await?;
        let horizons = Band::ALL.map(Band::horizon_days);
        let samples = self.backtest_samples(&scoring, &terms, &horizons).await?;
        let mut out = Vec::new();
        for ((band, horizon), sample) in Band::ALL.into_iter().zip(horizons).zip(samples) {
            for c in sample.cases {
                if c.as_of > c.term_end - Days::new(horizon.into()) {
                    continue;
                }
                out.push(CalibrationCase {
                    account: c.account,
                    term_end: c.term_end,
                    band,
                    colour: case_colour(&scoring.config, &c),
                    renewed: c.renewed(),
                });
            }
        }
        Ok(out)
    }

    /// The id of the health configuration version in force (0: the built-in defaults).
    pub async fn health_config_version(&self) -> Result<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM health_config_versions")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    /// Every term with a known outcome, read once for all the horizons of one back-test.
    async fn ended_terms(&self) -> Result<Vec<EndedTerm>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT account_id, start_date, end_date, outcome FROM contracts \
             WHERE outcome IS NOT NULL AND status <> 'cancelled' ORDER BY end_date, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(account, start, end, outcome)| {
                Ok(EndedTerm {
                    account: AccountId(account),
                    start: day("start_date", &start)?,
                    end: day("end_date", &end)?,
                    outcome: parse::<Outcome>("outcome", &outcome)?,
                })
            })
            .collect()
    }

    /// For each of `horizons`, the `terms` whose as-of day at it has passed, with the
    /// account's metrics as of that day. The horizons are read in one pass: their as-of days
    /// are Mondays and mostly the same ones, and each day's inputs are read once for every
    /// term scored as of it.
    async fn backtest_samples(
        &self,
        scoring: &Scoring,
        terms: &[EndedTerm],
        horizons: &[u32],
    ) -> Result<Vec<Sample>> {
        let rollups = self.rollups().await?;
        let today = self.clock().today();
        let mut samples: Vec<Sample> = horizons.iter().map(|_| Sample::default()).collect();
        // Each day's terms, with the sample each is a case of.
        let mut by_day: BTreeMap<NaiveDate, Vec<(usize, &EndedTerm)>> = BTreeMap::new();
        for (h, horizon_days) in horizons.iter().enumerate() {
            let sample = &mut samples[h];
            for t in terms {
                let day = match as_of(t.start, t.end, *horizon_days) {
                    AsOf::Horizon(d) => d,
                    AsOf::AtStart(d) => {
                        // Counted once it is scored: a term whose day is still ahead is not.
                        if d <= today {
                            sample.at_start += 1;
                        }
                        d
                    }
                    AsOf::LeftOut => {
                        sample.left_out += 1;
                        continue;
                    }
                };
                // A term whose as-of day is still ahead cannot be scored as of it yet.
                if day > today {
                    continue;
                }
                by_day.entry(day).or_default().push((h, t));
            }
        }
        let days: Vec<NaiveDate> = by_day.keys().copied().collect();
        let catalogues = self.health_catalogues(&days, rollups).await?;
        // Two days at once, in order: one day's reads wait on the database's thread while the
        // other's cases are worked out.
        let by_day: Vec<_> = by_day.into_iter().collect();
        for pair in by_day.chunks(2) {
            let (a, b) = (&pair[0], pair.get(1));
            let first = self.cases_on(a.0, &a.1, &catalogues[&a.0], scoring, rollups);
            let cases = match b {
                Some(b) => {
                    let second = self.cases_on(b.0, &b.1, &catalogues[&b.0], scoring, rollups);
                    let (mut a, b) = futures::try_join!(first, second)?;
                    a.extend(b);
                    a
                }
                None => first.await?,
            };
            for (h, case) in cases {
                samples[h].cases.push(case);
            }
        }
        Ok(samples)
    }

    /// The cases of the terms scored as of one day, each with its sample.
    async fn cases_on(
        &self,
        as_of: NaiveDate,
        terms: &[(usize, &EndedTerm)],
        catalogue: &FeatureCatalogue,
        scoring: &Scoring,
        rollups: Rollups<'_>,
    ) -> Result<Vec<(usize, Case)>> {
        let mut ids: Vec<AccountId> = terms.iter().map(|(_, t)| t.account).collect();
        ids.sort();
        ids.dedup();
        let fed = self.health_inputs(&ids, as_of, catalogue, rollups).await?;
        // An account's metrics as of the day are the same for each of its terms and horizons.
        let mut measured = std::collections::HashMap::new();
        // Every account with a term is in the book: its inputs are always fed.
        Ok(terms
            .iter()
            .filter_map(|(h, t)| {
                let f = fed.get(&t.account)?;
                let m = measured
                    .entry(t.account)
                    .or_insert_with(|| metrics(&f.inputs, catalogue, as_of));
                let case = Case {
                    account: t.account.0,
                    term_end: t.end,
                    as_of,
                    outcome: t.outcome,
                    scorecard: scoring.card_for(&f.facts).2.name.clone(),
                    metrics: m.clone(),
                };
                Some((*h, case))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_scored_as_of_the_monday_on_or_before_their_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(week_start(d("2026-11-30")), d("2026-11-30"), "a Monday");
        assert_eq!(
            week_start(d("2026-12-06")),
            d("2026-11-30"),
            "the Sunday after"
        );
    }

    #[test]
    fn a_term_younger_than_the_horizon_is_scored_at_its_start_never_before() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // An annual term 90 days out: its Monday.
        assert_eq!(
            as_of(d("2025-12-01"), d("2026-12-01"), 90),
            AsOf::Horizon(d("2026-08-31"))
        );
        // A monthly term (Wednesday 4 November to 4 December): 90 days before its end it had
        // not begun, so it is scored as of its first Monday.
        assert_eq!(
            as_of(d("2026-11-04"), d("2026-12-04"), 90),
            AsOf::AtStart(d("2026-11-09"))
        );
        // Three days long, with no Monday in it: left out.
        assert_eq!(as_of(d("2026-11-04"), d("2026-11-07"), 90), AsOf::LeftOut);
    }
}
