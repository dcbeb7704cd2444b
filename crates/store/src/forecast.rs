//! What the forecast keeps: the back-tested cases its probability table is learned from (and
//! the accuracy measured on them), plans and re-plans as dated snapshots that are never changed
//! once made, the actual of each closed period recorded once, and why each period differed.

use crate::audit::record;
use crate::rows::{day, time};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sherpa_core::revenue::{Band, ColourKey, Count, parse_colour_key};
use sherpa_core::text::{date, timestamp};
use sherpa_core::*;
use std::collections::BTreeMap;

/// Values per period, by measure.
pub type PeriodValues = BTreeMap<NaiveDate, BTreeMap<String, Decimal>>;

/// A plan or a re-plan, as made.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecord {
    pub id: i64,
    /// A re-plan names the plan it revises.
    pub plan_id: Option<i64>,
    pub made_at: DateTime<Utc>,
    pub by: Option<String>,
    pub note: String,
    pub values: PeriodValues,
}

impl PlanRecord {
    pub fn is_replan(&self) -> bool {
        self.plan_id.is_some()
    }
}

/// A renewal a renewal plan expected.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRenewal {
    pub contract: i64,
    pub account: i64,
    pub period: NaiveDate,
    pub colour: ColourKey,
    pub band: Band,
    pub probability: Option<Decimal>,
    pub arr: Decimal,
}

/// A plan or re-plan to keep.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub series: &'a str,
    pub grain: &'a str,
    /// The plan a re-plan revises.
    pub plan_id: Option<i64>,
    pub note: &'a str,
    pub values: &'a PeriodValues,
    pub renewals: &'a [PlannedRenewal],
}

/// Why a period differed from the plan, as last written.
#[derive(Debug, Clone, PartialEq)]
pub struct VarianceNote {
    pub why: String,
    pub by: Option<String>,
    pub written_at: DateTime<Utc>,
}

fn amount(what: &str, s: &str) -> Result<Decimal> {
    s.parse()
        .map_err(|e| StoreError::Db(sqlx::Error::Decode(format!("{what}: {e}").into())))
}

fn band(s: &str) -> Result<Band> {
    s.parse()
        .map_err(|e: String| StoreError::Db(sqlx::Error::Decode(e.into())))
}

fn colour(s: Option<&str>) -> Result<ColourKey> {
    match s {
        None => Ok(None),
        Some(s) => parse_colour_key(s).map_err(|e| StoreError::Db(sqlx::Error::Decode(e.into()))),
    }
}

fn values(rows: Vec<(String, String, String)>) -> Result<PeriodValues> {
    let mut out = PeriodValues::new();
    for (period, measure, a) in rows {
        out.entry(day("period_start", &period)?)
            .or_default()
            .insert(measure, amount("amount", &a)?);
    }
    Ok(out)
}

impl Store {
    /// Replaces the counts the probability table is learned from, and the accuracy measured
    /// with them, for a health configuration version.
    pub async fn save_renewal_counts(
        &self,
        config_version: i64,
        counts: &[(ColourKey, Band, Count)],
        accuracy: &serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM renewal_case_counts")
            .execute(&mut *tx)
            .await?;
        for (colour, band, count) in counts {
            sqlx::query(
                "INSERT INTO renewal_case_counts (colour, band, terms, renewed) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(colour.map(|c| c.as_str()))
            .bind(band.key())
            .bind(i64::from(count.terms))
            .bind(i64::from(count.renewed))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO renewal_calibrations (id, config_version, computed_at, accuracy) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
             config_version = excluded.config_version, computed_at = excluded.computed_at, \
             accuracy = excluded.accuracy",
        )
        .bind(config_version)
        .bind(timestamp(self.clock().now()))
        .bind(accuracy.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// When the cases were last computed, for which health configuration version, and the
    /// accuracy measured on them; none when never.
    pub async fn renewal_calibration_run(
        &self,
    ) -> Result<Option<(DateTime<Utc>, i64, serde_json::Value)>> {
        let row: Option<(String, i64, String)> = sqlx::query_as(
            "SELECT computed_at, config_version, accuracy FROM renewal_calibrations WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(at, v, a)| {
            Ok((
                time("computed_at", &at)?,
                v,
                serde_json::from_str(&a).unwrap_or(serde_json::Value::Null),
            ))
        })
        .transpose()
    }

    /// The cases counted per colour and band: what the probability table is learned from.
    pub async fn renewal_case_counts(&self) -> Result<Vec<(ColourKey, Band, Count)>> {
        let rows: Vec<(Option<String>, String, i64, i64)> =
            sqlx::query_as("SELECT colour, band, terms, renewed FROM renewal_case_counts")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(c, b, n, r)| {
                Ok((
                    colour(c.as_deref())?,
                    band(&b)?,
                    Count {
                        terms: u32::try_from(n).unwrap_or(u32::MAX),
                        renewed: u32::try_from(r).unwrap_or(u32::MAX),
                    },
                ))
            })
            .collect()
    }

    /// Keeps a plan or a re-plan; answers its id.
    pub async fn save_forecast_plan(&self, actor: &Actor, new: NewPlan<'_>) -> Result<i64> {
        let now = timestamp(self.clock().now());
        let mut tx = self.write_tx().await?;
        let kind = if new.plan_id.is_some() {
            "replan"
        } else {
            "plan"
        };
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO forecast_plans (series, grain, kind, plan_id, made_at, user_id, note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(new.series)
        .bind(new.grain)
        .bind(kind)
        .bind(new.plan_id)
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .bind(new.note)
        .fetch_one(&mut *tx)
        .await?;
        for (period, measures) in new.values {
            for (measure, a) in measures {
                sqlx::query(
                    "INSERT INTO forecast_plan_values (plan_id, period_start, measure, amount) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(date(*period))
                .bind(measure)
                .bind(a.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        for r in new.renewals {
            sqlx::query(
                "INSERT INTO forecast_plan_renewals (plan_id, contract_id, account_id, \
                 period_start, colour, band, probability, arr) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(r.contract)
            .bind(r.account)
            .bind(date(r.period))
            .bind(r.colour.map(|c| c.as_str()))
            .bind(r.band.key())
            .bind(r.probability.map(|p| p.to_string()))
            .bind(r.arr.to_string())
            .execute(&mut *tx)
            .await?;
        }
        record(
            &mut tx,
            &now,
            actor,
            "create",
            &format!("forecast_{kind}"),
            id,
            None,
            Some(&serde_json::json!({
                "series": new.series,
                "grain": new.grain,
                "plan_id": new.plan_id,
                "periods": new.values.len(),
                "note": new.note,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every plan and re-plan of a series at a grain, oldest first.
    pub async fn forecast_plans(&self, series: &str, grain: &str) -> Result<Vec<PlanRecord>> {
        type Row = (i64, Option<i64>, String, Option<String>, String);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT p.id, p.plan_id, p.made_at, u.name, p.note FROM forecast_plans p \
             LEFT JOIN users u ON u.id = p.user_id \
             WHERE p.series = $1 AND p.grain = $2 ORDER BY p.id",
        )
        .bind(series)
        .bind(grain)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, plan_id, at, by, note) in rows {
            let v: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT period_start, measure, amount FROM forecast_plan_values \
                 WHERE plan_id = $1",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
            out.push(PlanRecord {
                id,
                plan_id,
                made_at: time("made_at", &at)?,
                by,
                note,
                values: values(v)?,
            });
        }
        Ok(out)
    }

    /// The renewals a renewal plan expected.
    pub async fn planned_renewals(&self, plan_id: i64) -> Result<Vec<PlannedRenewal>> {
        type Row = (
            i64,
            i64,
            String,
            Option<String>,
            String,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT contract_id, account_id, period_start, colour, band, probability, arr \
             FROM forecast_plan_renewals WHERE plan_id = $1",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(contract, account, period, c, b, p, arr)| {
                Ok(PlannedRenewal {
                    contract,
                    account,
                    period: day("period_start", &period)?,
                    colour: colour(c.as_deref())?,
                    band: band(&b)?,
                    probability: p.as_deref().map(|p| amount("probability", p)).transpose()?,
                    arr: amount("arr", &arr)?,
                })
            })
            .collect()
    }

    /// Records a closed period's actual once: a period already recorded keeps what it was
    /// (closed periods are frozen). Answers whether this call recorded it.
    pub async fn record_forecast_actual(
        &self,
        series: &str,
        grain: &str,
        period: NaiveDate,
        measures: &BTreeMap<String, Decimal>,
    ) -> Result<bool> {
        let now = timestamp(self.clock().now());
        let mut tx = self.write_tx().await?;
        let mut recorded = false;
        for (measure, a) in measures {
            let done = sqlx::query(
                "INSERT INTO forecast_actuals (series, grain, period_start, measure, amount, \
                 recorded_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (series, grain, period_start, measure) DO NOTHING",
            )
            .bind(series)
            .bind(grain)
            .bind(date(period))
            .bind(measure)
            .bind(a.to_string())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            recorded |= done.rows_affected() > 0;
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// The recorded actuals of a series at a grain.
    pub async fn forecast_actuals(&self, series: &str, grain: &str) -> Result<PeriodValues> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT period_start, measure, amount FROM forecast_actuals \
             WHERE series = $1 AND grain = $2",
        )
        .bind(series)
        .bind(grain)
        .fetch_all(&self.pool)
        .await?;
        values(rows)
    }

    /// Writes why a period differed from the plan (every note is kept; the latest is shown).
    pub async fn write_forecast_variance(
        &self,
        actor: &Actor,
        series: &str,
        grain: &str,
        period: NaiveDate,
        why: &str,
    ) -> Result<()> {
        let now = timestamp(self.clock().now());
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO forecast_variances (series, grain, period_start, why, user_id, \
             written_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(series)
        .bind(grain)
        .bind(date(period))
        .bind(why)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        record(
            &mut tx,
            &now,
            actor,
            "create",
            "forecast_variance",
            id,
            None,
            Some(&serde_json::json!({
                "series": series,
                "grain": grain,
                "period": date(period),
                "why": why,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest note of each period of a series at a grain.
    pub async fn forecast_variances(
        &self,
        series: &str,
        grain: &str,
    ) -> Result<BTreeMap<NaiveDate, VarianceNote>> {
        let rows: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT v.period_start, v.why, u.name, v.written_at FROM forecast_variances v \
             LEFT JOIN users u ON u.id = v.user_id \
             WHERE v.series = $1 AND v.grain = $2 ORDER BY v.id",
        )
        .bind(series)
        .bind(grain)
        .fetch_all(&self.pool)
        .await?;
        let mut out = BTreeMap::new();
        for (period, why, by, at) in rows {
            out.insert(
                day("period_start", &period)?,
                VarianceNote {
                    why,
                    by,
                    written_at: time("written_at", &at)?,
                },
            );
        }
        Ok(out)
    }
}

impl Store {
    /// The NPS of the survey answers given from `from` until (not including) `until`; none
    /// without an answer.
    pub async fn nps_between(&self, from: NaiveDate, until: NaiveDate) -> Result<Option<i64>> {
        let scores: Vec<(i64,)> = sqlx::query_as(
            "SELECT score FROM surveys WHERE kind = 'nps' AND score IS NOT NULL \
             AND answered_on >= $1 AND answered_on < $2",
        )
        .bind(date(from))
        .bind(date(until))
        .fetch_all(&self.pool)
        .await?;
        let scores: Vec<i64> = scores.into_iter().map(|(s,)| s).collect();
        Ok(sherpa_core::nps(&scores))
    }

    /// Of the accounts paying on the last day before `until`, how many used one of `features`
    /// of the catalogue (by name; every high-value feature when none) from `from` until
    /// `until`, and how many there were.
    pub async fn adoption_between(
        &self,
        from: NaiveDate,
        until: NaiveDate,
        features: &[String],
    ) -> Result<(i64, i64)> {
        let last = date(until.pred_opt().unwrap_or(until));
        let paying = "SELECT account_id FROM contracts WHERE status <> 'cancelled' \
             AND start_date <= $1 AND end_date >= $1";
        let (accounts,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(DISTINCT account_id) FROM ({paying}) p"
        ))
        .bind(&last)
        .fetch_one(&self.pool)
        .await?;
        let rollups = self.rollups().await?;
        let counted = if features.is_empty() {
            "f.high_value = 1".to_string()
        } else {
            let names: Vec<String> = (0..features.len()).map(|i| format!("${}", i + 4)).collect();
            format!("f.feature IN ({})", names.join(", "))
        };
        let sql = format!(
            "SELECT COUNT(DISTINCT n.account_id) FROM usage_names n \
             JOIN feature_catalog f ON f.event_name = n.name AND {counted} \
             WHERE n.day >= $2 AND n.day < $3 AND n.account_id IN ({paying})"
        );
        let mut q = sqlx::query_as(&sql)
            .bind(&last)
            .bind(date(from))
            .bind(date(until));
        for f in features {
            q = q.bind(f);
        }
        let (used,): (i64,) = q.fetch_one(rollups.pool()).await?;
        Ok((used, accounts))
    }

    /// Every scored account's colour now.
    pub async fn account_colours(&self) -> Result<Vec<(i64, ColourKey)>> {
        let rows: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT account_id, colour FROM account_health")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(a, c)| Ok((a, colour(c.as_deref())?)))
            .collect()
    }
}
