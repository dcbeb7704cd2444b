//! What revenue reports read: every contract term in the reporting currency (converted in SQL
//! by the same integer rule as account ARR) and the attributes accounts are grouped by.

use crate::rows::{day, parse};
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::Money;
use sherpa_core::revenue::RetentionTerm;
use std::collections::HashMap;

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

/// Terms packed into one text row when the book is read whole.
const TERMS_PER_ROW: i64 = 10_000;

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

/// One packed line: id, account, ARR in reporting minor units, start, end, outcome (or empty).
fn unpack_term(line: &str, reporting: sherpa_core::Currency) -> Result<RetentionTerm> {
    // A missing field reads as empty, which no column below accepts: the error names it.
    let mut f = line.split(',');
    let mut next = || f.next().unwrap_or("");
    let contract: i64 = parse("id", next())?;
    let account: i64 = parse("account_id", next())?;
    let arr_minor: i64 = parse("arr_minor", next())?;
    let start = day("start_date", next())?;
    let end = day("end_date", next())?;
    let outcome = match next() {
        "" => None,
        o => Some(parse("outcome", o)?),
    };
    Ok(RetentionTerm {
        contract,
        account,
        arr: Money::from_minor_units(arr_minor, reporting).amount,
        start,
        end,
        // Cancelled terms are left out of the read.
        cancelled: false,
        churn_reason: None,
        outcome,
    })
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

    /// Every counted term, read whole. sqlx hands SQLite rows over one by one from its worker
    /// thread, about 2 us a row whatever they hold: a book's 240,000 terms took 1.4 s to read as
    /// rows, and take 0.17 s packed as lines of text, 10,000 to a row, on both engines. Only
    /// fields that cannot hold the separators are packed (numbers, days, the outcome's name);
    /// churn reasons, free text held by few terms, are read apart.
    async fn read_revenue_terms(&self) -> Result<RevenueTerms> {
        let reporting = self.currency();
        let concat = match self.engine {
            crate::Engine::Sqlite => "group_concat(line, char(10))",
            crate::Engine::Postgres => "string_agg(line, chr(10))",
        };
        let counted = "FROM contracts c LEFT JOIN exchange_rates x ON x.currency = c.currency \
             WHERE c.status <> 'cancelled' AND (c.currency = $1 OR x.minor_ppm IS NOT NULL)";
        let packed: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT {concat} FROM (SELECT c.id / {TERMS_PER_ROW} AS chunk, \
             CAST(c.id AS TEXT) || ',' || CAST(c.account_id AS TEXT) || ',' || \
             CAST({REPORTING_ARR} AS TEXT) || ',' || c.start_date || ',' || c.end_date || ',' || \
             COALESCE(c.outcome, '') AS line {counted}) t GROUP BY chunk"
        ))
        .bind(reporting.code())
        .fetch_all(&self.pool)
        .await?;
        let reasons: HashMap<i64, String> = sqlx::query_as(&format!(
            "SELECT c.id, c.churn_reason {counted} AND c.churn_reason <> ''"
        ))
        .bind(reporting.code())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect();
        let (unconverted,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM contracts c LEFT JOIN exchange_rates x ON x.currency = c.currency \
             WHERE c.status <> 'cancelled' AND c.currency <> $1 AND x.minor_ppm IS NULL",
        )
        .bind(reporting.code())
        .fetch_one(&self.pool)
        .await?;
        let mut terms = Vec::new();
        for line in packed.iter().flat_map(|(p,)| p.split('\n')) {
            let mut t = unpack_term(line, reporting)?;
            t.churn_reason = reasons
                .get(&t.contract)
                .filter(|s| !s.trim().is_empty())
                .cloned();
            terms.push(t);
        }
        // The chunks come in no particular order: the terms go out in the contracts' order.
        terms.sort_unstable_by_key(|t: &RetentionTerm| t.contract);
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
