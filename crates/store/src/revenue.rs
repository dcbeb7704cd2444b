//! What revenue reports read: every contract term in the reporting currency (converted in SQL
//! by the same integer rule as account ARR) and the attributes accounts are grouped by.

use crate::rows::{day, parse};
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::Money;
use sherpa_core::revenue::RetentionTerm;

/// The terms revenue reports count, and how many they could not (no exchange rate).
#[derive(Debug, Clone, Default)]
pub struct RevenueTerms {
    pub terms: Vec<RetentionTerm>,
    pub unconverted: i64,
}

/// What an account is grouped by in revenue reports (as it is today).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RevenueAccount {
    pub id: i64,
    pub name: String,
    /// Index into the prioritisation rules' segment names.
    pub segment: Option<i64>,
    pub tier: Option<i64>,
    pub csm: Option<String>,
    pub industry: Option<String>,
    customer_since_text: Option<String>,
}

impl RevenueAccount {
    pub fn customer_since(&self) -> Option<NaiveDate> {
        self.customer_since_text
            .as_deref()
            .and_then(|d| d.parse().ok())
    }
}

#[derive(sqlx::FromRow)]
struct TermRow {
    id: i64,
    account_id: i64,
    arr_minor: i64,
    start_date: String,
    end_date: String,
    churn_reason: Option<String>,
    outcome: Option<String>,
}

/// A term's ARR in reporting minor units: the same rule (and rounding) as account ARR.
pub(crate) const REPORTING_ARR: &str = "CASE WHEN c.currency = $1 THEN c.arr_minor \
     ELSE c.arr_minor * x.minor_ppm / 1000000 END";

/// The terms as last read, with the generation of the book's terms and rates they were read at
/// and the reporting currency they were converted into.
#[derive(Debug)]
pub(crate) struct CachedTerms {
    generation: i64,
    currency: sherpa_core::Currency,
    terms: RevenueTerms,
}

impl Store {
    /// Every term that can count, in the reporting currency. Kept in memory between reads:
    /// a trigger moves a counter on every change to a term or a rate (from any server), so one
    /// cheap read tells whether the copy is still the book's. The counter is read before the
    /// terms: a write between the two leaves a copy newer than its counter, read again next
    /// time, never an older one kept.
    pub async fn revenue_terms(&self) -> Result<RevenueTerms> {
        let (generation,): (i64,) = sqlx::query_as("SELECT n FROM revenue_generation WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let currency = self.currency();
        if let Some(c) = self.terms.lock().expect("terms lock").as_ref()
            && c.generation == generation
            && c.currency == currency
        {
            return Ok(c.terms.clone());
        }
        let terms = self.read_revenue_terms().await?;
        *self.terms.lock().expect("terms lock") = Some(CachedTerms {
            generation,
            currency,
            terms: terms.clone(),
        });
        Ok(terms)
    }

    async fn read_revenue_terms(&self) -> Result<RevenueTerms> {
        let reporting = self.currency();
        let rows: Vec<TermRow> = sqlx::query_as(&format!(
            "SELECT c.id, c.account_id, {REPORTING_ARR} AS arr_minor, c.start_date, c.end_date, \
             CASE WHEN c.churn_reason <> '' THEN c.churn_reason END AS churn_reason, \
             c.outcome FROM contracts c LEFT JOIN exchange_rates x ON x.currency = c.currency \
             WHERE c.status <> 'cancelled' AND (c.currency = $1 OR x.minor_ppm IS NOT NULL)"
        ))
        .bind(reporting.code())
        .fetch_all(&self.pool)
        .await?;
        let (unconverted,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM contracts c LEFT JOIN exchange_rates x ON x.currency = c.currency \
             WHERE c.status <> 'cancelled' AND c.currency <> $1 AND x.minor_ppm IS NULL",
        )
        .bind(reporting.code())
        .fetch_one(&self.pool)
        .await?;
        let terms = rows
            .into_iter()
            .map(|r| {
                Ok(RetentionTerm {
                    contract: r.id,
                    account: r.account_id,
                    arr: Money::from_minor_units(r.arr_minor, reporting).amount,
                    start: day("start_date", &r.start_date)?,
                    end: day("end_date", &r.end_date)?,
                    // Cancelled terms are left out above.
                    cancelled: false,
                    churn_reason: r.churn_reason.filter(|s| !s.trim().is_empty()),
                    outcome: r
                        .outcome
                        .as_deref()
                        .map(|o| parse("outcome", o))
                        .transpose()?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(RevenueTerms { terms, unconverted })
    }

    /// Every account that has a term, with what revenue reports group it by.
    pub async fn revenue_accounts(&self) -> Result<Vec<RevenueAccount>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.name, a.segment, a.tier, u.name AS csm, a.industry, \
             a.customer_since AS customer_since_text FROM accounts a \
             LEFT JOIN users u ON u.id = a.csm_id \
             WHERE EXISTS (SELECT 1 FROM contracts c WHERE c.account_id = a.id)",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The day each account that records one became a customer: what cohorts need when
    /// nothing is grouped.
    pub async fn customers_since(&self) -> Result<Vec<(i64, NaiveDate)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, customer_since FROM accounts WHERE customer_since IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, d)| Ok((id, day("customer_since", &d)?)))
            .collect()
    }
}
