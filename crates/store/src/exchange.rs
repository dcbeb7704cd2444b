//! Exchange rates into the reporting currency: account ARR and totals add up terms in any
//! currency that has a rate. Changing a rate refreshes every account's ARR.

use crate::{Result, Store, StoreError};
use rust_decimal::Decimal;
use sherpa_core::*;
use sqlx::AnyConnection;
use std::str::FromStr;

/// Whether a term in `currency` can count toward ARR: the reporting currency, or one with a rate.
pub(crate) async fn check_convertible(
    conn: &mut AnyConnection,
    currency: Currency,
    reporting: Currency,
) -> Result<()> {
    if currency == reporting {
        return Ok(());
    }
    let found: Option<(String,)> =
        sqlx::query_as("SELECT currency FROM exchange_rates WHERE currency = $1")
            .bind(currency.code())
            .fetch_optional(conn)
            .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::invalid(
            "currency",
            format!(
                "no exchange rate from {currency} to {reporting}; an admin sets one with `sherpa rate set {currency} RATE`"
            ),
        )),
    }
}

impl Store {
    /// Sets 1 `currency` = `rate` reporting currency, and refreshes every account's ARR.
    pub async fn set_exchange_rate(
        &self,
        actor: &Actor,
        currency: Currency,
        rate: Decimal,
    ) -> Result<()> {
        let reporting = self.currency();
        if currency == reporting {
            return Err(StoreError::invalid(
                "currency",
                format!("{currency} is the reporting currency"),
            ));
        }
        let ppm = minor_ppm(currency, reporting, rate)
            .map_err(|e| StoreError::invalid("rate", e.to_string()))?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let before: Option<(String,)> =
            sqlx::query_as("SELECT rate FROM exchange_rates WHERE currency = $1")
                .bind(currency.code())
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO exchange_rates (currency, rate, minor_ppm, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (currency) DO UPDATE SET rate = excluded.rate, minor_ppm = excluded.minor_ppm, updated_at = excluded.updated_at",
        )
        .bind(currency.code())
        .bind(rate.normalize().to_string())
        .bind(ppm)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let json = |r: &str| serde_json::json!({"currency": currency.code(), "rate": r, "reporting": reporting.code()});
        let after = json(&rate.normalize().to_string());
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "exchange_rate",
            currency,
            before.map(|(r,)| json(&r)).as_ref(),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        self.refresh_all_arr().await?;
        Ok(())
    }

    /// Rates into the reporting currency, by currency code.
    pub async fn exchange_rates(&self) -> Result<Vec<(Currency, Decimal)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT currency, rate FROM exchange_rates ORDER BY currency")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(c, r)| {
                let currency = Currency::parse(&c).map_err(|_| crate::rows::bad("currency", &c))?;
                let rate = Decimal::from_str(&r).map_err(|_| crate::rows::bad("rate", &r))?;
                Ok((currency, rate))
            })
            .collect()
    }
}
