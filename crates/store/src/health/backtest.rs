//! The back-test's cases from the book: every contract term whose outcome is known, with the
//! account's metrics worked out as of some days before the term ended from what was dated on
//! or before that day (usage rollups, tickets, surveys, activities, contracts, pulses), so that
//! history imported or back-filled today can be tested. The scoring itself is in core.

use super::Scoring;
use crate::rows::{day, parse};
use crate::{Result, Store};
use chrono::{Datelike, Days, NaiveDate};
use sherpa_core::book::Outcome;
use sherpa_core::health::{Backtest, Case, backtest, metrics};
use sherpa_core::*;
use std::collections::BTreeMap;

/// The longest horizon a back-test looks back over.
pub const BACKTEST_MAX_HORIZON_DAYS: u32 = 730;

/// The Monday on or before `d`. Terms whose as-of days share a week are scored together, from
/// the data of that Monday: a few days earlier than asked, never later.
fn week_start(d: NaiveDate) -> NaiveDate {
    d - Days::new(d.weekday().num_days_from_monday().into())
}

impl Store {
    /// The back-test of the health configuration in force over every term with a known
    /// outcome, each account scored as of `horizon_days` before its term ended (rounded back to
    /// that week's Monday).
    pub async fn health_backtest(&self, horizon_days: u32) -> Result<Backtest> {
        if !(1..=BACKTEST_MAX_HORIZON_DAYS).contains(&horizon_days) {
            return Err(crate::StoreError::invalid(
                "horizon_days",
                format!("{horizon_days} is not between 1 and {BACKTEST_MAX_HORIZON_DAYS}"),
            ));
        }
        let rollups = self.rollups().await?;
        let today = self.clock().today();
        let terms: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT account_id, end_date, outcome FROM contracts \
             WHERE outcome IS NOT NULL AND status <> 'cancelled' ORDER BY end_date, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_day: BTreeMap<NaiveDate, Vec<(AccountId, NaiveDate, Outcome)>> = BTreeMap::new();
        for (account, end, outcome) in terms {
            let end = day("end_date", &end)?;
            let as_of = week_start(end - Days::new(horizon_days.into()));
            // A term whose as-of day is still ahead cannot be scored as of it yet.
            if as_of > today {
                continue;
            }
            by_day.entry(as_of).or_default().push((
                AccountId(account),
                end,
                parse::<Outcome>("outcome", &outcome)?,
            ));
        }
        let scoring = Scoring {
            config: self.health_config().await?,
        };
        let days: Vec<NaiveDate> = by_day.keys().copied().collect();
        let catalogues = self.health_catalogues(&days, rollups).await?;
        let mut cases = Vec::new();
        for (as_of, terms) in by_day {
            let catalogue = &catalogues[&as_of];
            let mut ids: Vec<AccountId> = terms.iter().map(|t| t.0).collect();
            ids.sort();
            ids.dedup();
            let fed = self.health_inputs(&ids, as_of, catalogue, rollups).await?;
            for (account, term_end, outcome) in terms {
                let Some(f) = fed.get(&account) else {
                    continue;
                };
                cases.push(Case {
                    account: account.0,
                    term_end,
                    as_of,
                    outcome,
                    scorecard: scoring.card_for(&f.facts).2.name.clone(),
                    metrics: metrics(&f.inputs, catalogue, as_of),
                });
            }
        }
        let config = scoring.config;
        // Scoring a book's worth of terms and fitting the regressions is CPU work.
        tokio::task::spawn_blocking(move || backtest(&config, &cases, horizon_days))
            .await
            .map_err(|e| crate::StoreError::invalid("backtest", e.to_string()))
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
}
