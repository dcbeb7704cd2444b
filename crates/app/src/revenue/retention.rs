//! Retention over reporting periods, for the page, the API, the report command and the
//! export: the whole book per period and, when asked, per segment, tier, CSM, industry or
//! customer-since cohort; and the cohort table. Groups are the accounts' attributes as they
//! are today.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use sherpa_core::Currency;
use sherpa_core::export::{Column, Table};
use sherpa_core::revenue::{Cohort, Grain, Period, PeriodRetention, Ratio, RetentionBook, periods};
use std::collections::HashMap;
use std::str::FromStr;

/// What retention is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevenueGroup {
    Segment,
    Tier,
    Csm,
    Industry,
    Cohort,
}

impl FromStr for RevenueGroup {
    type Err = Error;
    fn from_str(s: &str) -> Result<RevenueGroup> {
        Ok(match s {
            "segment" => RevenueGroup::Segment,
            "tier" => RevenueGroup::Tier,
            "csm" => RevenueGroup::Csm,
            "industry" => RevenueGroup::Industry,
            "cohort" => RevenueGroup::Cohort,
            other => {
                return Err(Error::invalid(
                    "group_by",
                    format!(
                        "{other:?} is not a grouping: use segment, tier, csm, industry or cohort"
                    ),
                ));
            }
        })
    }
}

impl RevenueGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            RevenueGroup::Segment => "segment",
            RevenueGroup::Tier => "tier",
            RevenueGroup::Csm => "csm",
            RevenueGroup::Industry => "industry",
            RevenueGroup::Cohort => "cohort",
        }
    }
}

/// Which retention to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionQuery {
    pub grain: Grain,
    /// The first period is the one holding this day; by default a year of months, two years
    /// of quarters, three years.
    pub from: Option<NaiveDate>,
    /// The last period is the one holding this day (today at the latest).
    pub to: Option<NaiveDate>,
    pub group_by: Option<RevenueGroup>,
}

/// One period's retention, and whether it is still running (its end read today).
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionPeriod {
    pub period: Period,
    pub to_date: bool,
    pub retention: PeriodRetention,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetentionReport {
    pub grain: Grain,
    pub group_by: Option<RevenueGroup>,
    pub currency: Currency,
    pub periods: Vec<RetentionPeriod>,
    /// Cohorts that joined from the first period on, with their cells up to today.
    pub cohorts: Vec<Cohort>,
    /// Terms left out because their currency has no exchange rate.
    pub unconverted_terms: i64,
}

/// A grain named in a query (month when none), or the error naming it.
pub fn parse_grain(raw: Option<&str>) -> Result<Grain> {
    match raw.filter(|g| !g.is_empty()) {
        None => Ok(Grain::Month),
        Some(g) => Grain::parse(g).ok_or_else(|| {
            Error::invalid(
                "grain",
                format!("{g:?} is not a period: use month, quarter, year or week"),
            )
        }),
    }
}

impl RetentionQuery {
    /// Reads a query's words, naming the wrong one.
    pub fn parse(
        grain: Option<&str>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        group_by: Option<&str>,
    ) -> Result<RetentionQuery> {
        Ok(RetentionQuery {
            grain: parse_grain(grain)?,
            from,
            to,
            group_by: group_by
                .filter(|g| !g.is_empty())
                .map(str::parse)
                .transpose()?,
        })
    }

    /// The first day of the first and of the last period, checked.
    fn span(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
        let to = self.to.unwrap_or(today).min(today);
        let back = match self.grain {
            Grain::Week => 12,
            Grain::Month => 11,
            Grain::Quarter => 7,
            Grain::Year => 2,
        };
        let from = self
            .from
            .unwrap_or_else(|| self.grain.back(self.grain.start_of(to), back));
        if from > to {
            return Err(Error::invalid(
                "from",
                format!(
                    "{from} is after the report's end ({to}); retention is only read up to today"
                ),
            ));
        }
        Ok((from, to))
    }
}

impl App {
    /// Retention per period of `q`, grouped as asked.
    pub async fn retention(&self, _by: &Caller, q: &RetentionQuery) -> Result<RetentionReport> {
        let today = self.store.clock().today();
        let (from, to) = q.span(today)?;
        let periods =
            periods(q.grain, from, to).map_err(|e| Error::invalid("from", e.to_string()))?;
        let terms = self.store.revenue_terms().await?;
        // The accounts' groups only when grouping; cohorts need only when each became one.
        let accounts = match q.group_by {
            Some(_) => self.store.revenue_accounts().await?,
            None => Vec::new(),
        };
        // The segments' names only when grouping by them.
        let segments = match q.group_by {
            Some(RevenueGroup::Segment) => self.store.prioritisation_rules().await?.pareto.names,
            _ => Vec::new(),
        };
        let since: HashMap<i64, NaiveDate> = match q.group_by {
            Some(_) => accounts
                .iter()
                .filter_map(|a| a.customer_since().map(|d| (a.id, d)))
                .collect(),
            None => self.store.customers_since().await?.into_iter().collect(),
        };
        let book = RetentionBook::new(terms.terms);
        let group_of: HashMap<i64, String> = match q.group_by {
            None => HashMap::new(),
            Some(g) => accounts
                .iter()
                .map(|a| {
                    let name = match g {
                        RevenueGroup::Segment => a
                            .segment
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| segments.get(i).cloned())
                            .unwrap_or_else(|| "no segment".into()),
                        RevenueGroup::Tier => a
                            .tier
                            .map(|t| format!("Tier {t}"))
                            .unwrap_or_else(|| "no tier".into()),
                        RevenueGroup::Csm => a.csm.clone().unwrap_or_else(|| "no CSM".into()),
                        RevenueGroup::Industry => {
                            a.industry.clone().unwrap_or_else(|| "no industry".into())
                        }
                        RevenueGroup::Cohort => since
                            .get(&a.id)
                            .copied()
                            .or_else(|| book.customer_since(a.id))
                            .map(|d| q.grain.label(q.grain.start_of(d)))
                            .unwrap_or_else(|| "unknown".into()),
                    };
                    (a.id, name)
                })
                .collect(),
        };
        let periods = periods
            .into_iter()
            .map(|period| {
                let to_date = period.next > today;
                let end = period.next.min(today);
                let retention = book.retention(period.start, end, |a| group_of.get(&a).cloned());
                RetentionPeriod {
                    period,
                    to_date,
                    retention,
                }
            })
            .collect::<Vec<_>>();
        let first = periods.first().map(|p| p.period.start).unwrap_or(from);
        let cohorts = book.cohorts(q.grain, first, today, |a| since.get(&a).copied());
        Ok(RetentionReport {
            grain: q.grain,
            group_by: q.group_by,
            currency: self.store.currency(),
            periods,
            cohorts,
            unconverted_terms: terms.unconverted,
        })
    }
}

impl RetentionReport {
    /// One row per period (and group when grouped), every figure with its parts: the export
    /// and the report command.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            "Period",
            "Start",
            "End read on",
            "Still running",
            "Group",
            "Accounts at start",
            "Accounts churned",
            "Start MRR",
            "Churned MRR",
            "Contraction MRR",
            "Expansion MRR",
            "End MRR of start accounts",
            "Logo churn",
            "Gross MRR churn",
            "GRR",
            "NRR",
            "Currency",
        ])
        .with(Column::Whole, &["Accounts at start", "Accounts churned"])
        .with(
            Column::Money,
            &[
                "Start MRR",
                "Churned MRR",
                "Contraction MRR",
                "Expansion MRR",
                "End MRR of start accounts",
            ],
        );
        let ratio = |r: Ratio| {
            r.value()
                .map(|v| v.round_dp(6).to_string())
                .unwrap_or_default()
        };
        let money = |amount| {
            sherpa_core::Money {
                amount,
                currency: self.currency,
            }
            .fixed_amount()
        };
        for p in &self.periods {
            let whole = std::iter::once(("", &p.retention.total));
            let groups = p.retention.groups.iter().map(|(n, g)| (n.as_str(), g));
            for (group, f) in whole.chain(groups) {
                t.rows.push(vec![
                    p.period.label.clone(),
                    p.period.start.to_string(),
                    p.retention.end.to_string(),
                    if p.to_date { "yes" } else { "no" }.into(),
                    if group.is_empty() {
                        "whole book".into()
                    } else {
                        group.to_string()
                    },
                    f.accounts_at_start.to_string(),
                    f.accounts_churned.to_string(),
                    money(f.start_mrr),
                    money(f.churned_mrr),
                    money(f.contraction_mrr),
                    money(f.expansion_mrr),
                    money(f.retained_end_mrr),
                    ratio(f.logo_churn()),
                    ratio(f.gross_mrr_churn()),
                    ratio(f.grr()),
                    ratio(f.nrr()),
                    self.currency.code().to_string(),
                ]);
            }
        }
        t
    }
}
