//! What the forecast rests on: the book's terms, each account's colour now, the probability
//! table (learned by a job from the health back-test's terms, with the cells a leader set),
//! and the year's contraction and expansion on renewal; and the forecast's measured accuracy,
//! computed by the same job.

use crate::{App, Caller, Result};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::export::{Column, Table};
use sherpa_core::revenue::{
    Calibration, ChangeRates, ColourKey, Expected, Figures, HorizonAccuracy, RenewalBook, accuracy,
};
use std::collections::HashMap;

/// The job that learns the table's cases and measures the accuracy.
pub const RENEWAL_FORECAST_JOB: &str = "renewal_forecast";

#[derive(Debug, Clone)]
pub struct ForecastBasis {
    pub book: RenewalBook,
    pub table: Calibration,
    pub rates: ChangeRates,
    colours: HashMap<i64, ColourKey>,
    /// When the table's cases were learned; none while the job computes them (every cell is
    /// then the leader's or empty).
    pub learned_at: Option<DateTime<Utc>>,
    /// The table was learned under an earlier health configuration and is being learned again.
    pub relearning: bool,
    /// Terms left out for want of an exchange rate.
    pub unconverted_terms: i64,
}

/// Accuracy as last measured.
#[derive(Debug, Clone, PartialEq)]
pub enum AccuracyState {
    Ready {
        computed_at: DateTime<Utc>,
        /// The reporting currency the churned ARR is in.
        currency: sherpa_core::Currency,
        horizons: Vec<HorizonAccuracy>,
    },
    Computing,
}

/// One row per past forecast judged: its horizon, the day it was made as of, the renewals,
/// revenue retention forecast and actual, and churned ARR forecast and actual.
pub fn accuracy_table(horizons: &[HorizonAccuracy], currency: sherpa_core::Currency) -> Table {
    let mut t = Table::new(&[
        "Months ahead",
        "As of",
        "Renewals",
        "Forecast retention",
        "Actual retention",
        "Error (points)",
        "Forecast churned ARR",
        "Actual churned ARR",
        "Currency",
    ])
    .with(Column::Whole, &["Months ahead", "Renewals"])
    .with(
        Column::Money,
        &["Forecast churned ARR", "Actual churned ARR"],
    );
    let ratio =
        |v: Option<rust_decimal::Decimal>| v.map(|v| v.round_dp(6).to_string()).unwrap_or_default();
    for h in horizons {
        for p in &h.points {
            t.rows.push(vec![
                h.months.to_string(),
                p.as_of.to_string(),
                p.actual.renewals.to_string(),
                ratio(p.forecast.retention()),
                ratio(p.actual.retention()),
                p.retention_error()
                    .map(|e| e.round_dp(2).to_string())
                    .unwrap_or_default(),
                p.forecast.churned.round_dp(2).to_string(),
                p.actual.churned.round_dp(2).to_string(),
                currency.code().to_string(),
            ]);
        }
    }
    t
}

impl ForecastBasis {
    /// The forecast of the terms ending from `from` until `until`, as of `today`, each renewal
    /// in its account's colour now.
    pub fn forecast(
        &self,
        from: NaiveDate,
        until: NaiveDate,
        today: NaiveDate,
    ) -> (Figures, Vec<Expected>) {
        self.book
            .forecast(from, until, today, &self.table, self.rates, |t, _| {
                self.colours.get(&t.account).copied().flatten()
            })
    }

    /// An account's colour now.
    pub fn colour(&self, account: i64) -> ColourKey {
        self.colours.get(&account).copied().flatten()
    }
}

impl App {
    /// The terms, colours, table and rates, read now. When the table's cases were never
    /// learned, or were learned under another health configuration, the job is queued.
    pub async fn forecast_basis(&self) -> Result<ForecastBasis> {
        let terms = self.store.revenue_terms().await?;
        let today = self.store.clock().today();
        let book = RenewalBook::new(terms.terms);
        let (table, learned_at, relearning) = self.probability_table().await?;
        Ok(ForecastBasis {
            rates: book.change_rates(today),
            table,
            relearning,
            colours: self.store.account_colours().await?.into_iter().collect(),
            book,
            learned_at,
            unconverted_terms: terms.unconverted,
        })
    }

    /// The probability table, when its cases were learned, and whether they were learned
    /// under an earlier health configuration. When they never were, or the scorecard has
    /// changed since, the job is queued; meanwhile the last table learned still answers (said
    /// so on the page), and with none only the cells a leader set have a figure.
    pub async fn probability_table(&self) -> Result<(Calibration, Option<DateTime<Utc>>, bool)> {
        let run = self.store.renewal_calibration_run().await?;
        let version = self.store.health_config_version().await?;
        let stale = run.as_ref().is_none_or(|(_, v, _)| *v != version);
        if stale {
            self.queue_renewal_forecast(&format!("v{version}")).await?;
        }
        let learned_at = run.map(|(at, _, _)| at);
        let counts = if learned_at.is_some() {
            self.store.renewal_case_counts().await?
        } else {
            Vec::new()
        };
        let edits = self.store.revenue_config().await?.probability_edits();
        Ok((
            Calibration::from_counts(&counts, &edits),
            learned_at,
            stale && learned_at.is_some(),
        ))
    }

    async fn queue_renewal_forecast(&self, slot: &str) -> Result<()> {
        self.store
            .enqueue_job(
                RENEWAL_FORECAST_JOB,
                &serde_json::json!({}),
                &format!("{RENEWAL_FORECAST_JOB}:{slot}"),
                self.store.clock().now(),
            )
            .await?;
        Ok(())
    }

    /// The forecast's accuracy as last measured; when the health configuration has changed
    /// since (or it never was), the job is queued, and the last measure answers meanwhile.
    pub async fn forecast_accuracy(&self, _by: &Caller) -> Result<AccuracyState> {
        let version = self.store.health_config_version().await?;
        let run = self.store.renewal_calibration_run().await?;
        if run.as_ref().is_none_or(|(_, v, _)| *v != version) {
            self.queue_renewal_forecast(&format!("v{version}")).await?;
        }
        if let Some((computed_at, _, body)) = run
            && let Ok(horizons) = serde_json::from_value(body)
        {
            return Ok(AccuracyState::Ready {
                computed_at,
                currency: self.store.currency(),
                horizons,
            });
        }
        // Kept by an earlier release in another shape: measured again.
        self.queue_renewal_forecast(&format!("v{version}-again"))
            .await?;
        Ok(AccuracyState::Computing)
    }

    /// Learns the probabilities now when they are missing, were learned under another health
    /// configuration or before today (for the report command, which has no job worker: the
    /// server's daily job keeps them a day old at most). Answers whether it did.
    pub async fn learn_renewal_forecast_if_stale(&self) -> Result<bool> {
        let version = self.store.health_config_version().await?;
        let today = self.store.clock().today();
        match self.store.renewal_calibration_run().await? {
            Some((at, v, _)) if v == version && at.date_naive() >= today => Ok(false),
            _ => {
                self.learn_renewal_forecast().await?;
                Ok(true)
            }
        }
    }

    /// Sets one cell of the probability table by hand (`None` gives it back to what the
    /// renewals of the past say): leaders and admins. Kept as a new version of the revenue
    /// settings, like an edit of the configuration file.
    pub async fn set_renewal_probability(
        &self,
        by: &Caller,
        colour: &str,
        months: &str,
        renewal_percent: Option<rust_decimal::Decimal>,
    ) -> Result<()> {
        by.may(|u| u.may_manage_book())?;
        let mut config = self.store.revenue_config().await?;
        let edit = sherpa_core::revenue::ProbabilityEdit {
            colour: colour.trim().to_string(),
            months: months.trim().to_string(),
            renewal_percent: renewal_percent.unwrap_or_default(),
        };
        let (cell_colour, band, _) = edit.parse().map_err(|e| {
            let field = if e.contains("colour") {
                "colour"
            } else if e.contains("months") {
                "months"
            } else {
                "renewal_percent"
            };
            crate::Error::invalid(field, e)
        })?;
        config
            .probabilities
            .retain(|p| p.parse().map(|(c, b, _)| (c, b)).ok() != Some((cell_colour, band)));
        if renewal_percent.is_some() {
            config.probabilities.push(edit);
        }
        config
            .check()
            .map_err(|e| crate::Error::invalid("probabilities", e))?;
        self.store.set_revenue_config(&by.actor(), &config).await?;
        Ok(())
    }

    /// The job: every ended term's colour at each band, scored by the configuration in force,
    /// and the accuracy measured on them. Answers how many cases.
    pub async fn learn_renewal_forecast(&self) -> Result<usize> {
        let version = self.store.health_config_version().await?;
        let cases = self.store.renewal_cases().await?;
        let book = RenewalBook::new(self.store.revenue_terms().await?.terms);
        let today = self.store.clock().today();
        let measured = accuracy(&book, &cases, today);
        let body = serde_json::to_value(&measured).unwrap_or(serde_json::Value::Null);
        self.store
            .save_renewal_counts(version, &Calibration::count(&cases), &body)
            .await?;
        Ok(cases.len())
    }
}
