//! The dated records that feed health metrics, read for many accounts at once: a dozen
//! set-based queries per chunk of accounts instead of a dozen per account, so that the
//! refresher keeps up with ingest and a rebuild of the whole book stays a batch job.

use super::readers::{Fed, Reader};
use crate::rollups::Rollups;
use crate::rows::day as stored_day;
use crate::{Result, Store};
use chrono::{Days, NaiveDate};
use sherpa_core::health::*;
use sherpa_core::text::date;
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

/// Accounts per query: each id is a bound value, and 500 keeps the statements short.
pub(super) const CHUNK: usize = 500;

impl Store {
    /// The feature catalogue as health sees it on `day`: how many features there are (the
    /// catalogue's, and every event name used in the 30 days up to `day` that it does not map,
    /// each its own feature) and which are high-value.
    pub(super) async fn health_catalogue(
        &self,
        day: NaiveDate,
        rollups: Rollups<'_>,
    ) -> Result<FeatureCatalogue> {
        let mut all = self.health_catalogues(&[day], rollups).await?;
        Ok(all.remove(&day).expect("one per day asked"))
    }

    /// The feature catalogue as of each of `days`, from one read of the names used on each
    /// day.
    pub(super) async fn health_catalogues(
        &self,
        days: &[NaiveDate],
        rollups: Rollups<'_>,
    ) -> Result<HashMap<NaiveDate, FeatureCatalogue>> {
        let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
            return Ok(HashMap::new());
        };
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT n.day, COALESCE(f.feature, n.name) FROM usage_day_names n \
             LEFT JOIN feature_catalog f ON f.event_name = n.name WHERE n.day >= $1 AND n.day <= $2",
        )
        .bind(date(*first - Days::new(29)))
        .bind(date(*last))
        .fetch_all(rollups.pool())
        .await?;
        let used: Vec<(NaiveDate, String)> = rows
            .into_iter()
            .map(|(d, f)| Ok((stored_day("day", &d)?, f)))
            .collect::<Result<_>>()?;
        let catalog = self.feature_catalog().await?;
        Ok(days
            .iter()
            .map(|day| {
                let from = *day - Days::new(29);
                let mut features: HashSet<String> = used
                    .iter()
                    .filter(|(d, _)| from <= *d && d <= day)
                    .map(|(_, f)| f.clone())
                    .collect();
                let mut high_value = HashSet::new();
                for (_, feature, high) in &catalog {
                    if *high {
                        high_value.insert(feature.clone());
                    }
                    features.insert(feature.clone());
                }
                (
                    *day,
                    FeatureCatalogue {
                        features: features.len(),
                        high_value,
                    },
                )
            })
            .collect())
    }

    /// Everything dated that feeds the metrics of `ids` as of `day`, with what chooses each
    /// one's scorecard. Accounts that do not exist are left out.
    pub(super) async fn health_inputs(
        &self,
        ids: &[AccountId],
        day: NaiveDate,
        catalogue: &FeatureCatalogue,
        rollups: Rollups<'_>,
    ) -> Result<HashMap<AccountId, Fed>> {
        let high_value = !catalogue.high_value.is_empty();
        let mut on = self
            .health_inputs_on(ids, &[day], high_value, rollups)
            .await?;
        Ok(on.pop().expect("one day asked"))
    }

    /// The inputs of `ids` as of each of `days` (oldest first), one map a day: each source is
    /// read once for all the days. `high_value`: whether the catalogue marks any feature
    /// high-value (else no first value is looked for).
    pub(super) async fn health_inputs_on(
        &self,
        ids: &[AccountId],
        days: &[NaiveDate],
        high_value: bool,
        rollups: Rollups<'_>,
    ) -> Result<Vec<HashMap<AccountId, Fed>>> {
        debug_assert!(days.is_sorted(), "the days are read oldest first");
        let mut out: Vec<HashMap<AccountId, Fed>> = days
            .iter()
            .map(|_| HashMap::with_capacity(ids.len()))
            .collect();
        if days.is_empty() {
            return Ok(out);
        }
        // The catalogue's few names are mapped here rather than joined to every day's names.
        let named: HashMap<String, String> =
            sqlx::query_as("SELECT event_name, feature FROM feature_catalog")
                .fetch_all(rollups.pool())
                .await?
                .into_iter()
                .collect();
        let today = [self.clock().today()];
        for ids in ids.chunks(CHUNK) {
            let read = Reader {
                rollups,
                engine: self.engine,
                named: &named,
                ids,
                days,
                feature_users: days == today,
            };
            read.all(high_value, &mut out).await?;
        }
        Ok(out)
    }
}
