//! Retention over a period, by the common SaaS definitions (the page writes them out):
//! - logo churn rate = accounts active at the period's start and not at its end / accounts
//!   active at the start;
//! - gross MRR churn = (MRR of the accounts that churned + contraction of those retained) /
//!   start MRR;
//! - net MRR retention (NRR) = end MRR of the accounts active at the start / their start MRR;
//! - gross revenue retention (GRR) = NRR without expansion: each retained account counts at
//!   most its start MRR;
//! - expansion and contraction: the rise and fall of the retained accounts' MRR.
//!
//! An account's MRR on a day is a twelfth of the ARR of its terms running that day (in the
//! reporting currency, converted by the caller); a cancelled term never counts. Accounts that
//! became customers during the period are new business, not retention, and are left out.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A contract term as retention reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionTerm {
    pub account: i64,
    /// In the reporting currency.
    pub arr: Decimal,
    pub start: NaiveDate,
    /// The term's last day.
    pub end: NaiveDate,
    pub cancelled: bool,
    /// Why the customer left, when this term ended in churn.
    pub churn_reason: Option<String>,
}

/// A ratio with what it is made of, so that a person can check it.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub numerator: Decimal,
    pub denominator: Decimal,
}

impl Ratio {
    /// The ratio, or `None` when there is nothing to divide by.
    pub fn value(&self) -> Option<Decimal> {
        (!self.denominator.is_zero()).then(|| self.numerator / self.denominator)
    }
}

/// Retention of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Retention {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub accounts_at_start: usize,
    pub accounts_churned: usize,
    pub start_mrr: Decimal,
    pub churned_mrr: Decimal,
    pub expansion_mrr: Decimal,
    pub contraction_mrr: Decimal,
    /// End MRR of the accounts active at the start.
    pub retained_end_mrr: Decimal,
    pub logo_churn: Ratio,
    pub gross_mrr_churn: Ratio,
    pub nrr: Ratio,
    pub grr: Ratio,
    /// Churned MRR by the reason recorded on the term that ended ("not recorded" when none).
    pub churn_by_reason: BTreeMap<String, Decimal>,
}

/// Each account's MRR on `day`.
fn mrr_on(terms: &[RetentionTerm], day: NaiveDate) -> BTreeMap<i64, Decimal> {
    let mut out: BTreeMap<i64, Decimal> = BTreeMap::new();
    for t in terms
        .iter()
        .filter(|t| !t.cancelled && t.start <= day && day <= t.end)
    {
        *out.entry(t.account).or_default() += t.arr / Decimal::from(12);
    }
    out
}

/// Retention from `start` to `end` (both days included).
pub fn retention(terms: &[RetentionTerm], start: NaiveDate, end: NaiveDate) -> Retention {
    let at_start = mrr_on(terms, start);
    let at_end = mrr_on(terms, end);
    let mut r = Retention {
        start,
        end,
        accounts_at_start: 0,
        accounts_churned: 0,
        start_mrr: Decimal::ZERO,
        churned_mrr: Decimal::ZERO,
        expansion_mrr: Decimal::ZERO,
        contraction_mrr: Decimal::ZERO,
        retained_end_mrr: Decimal::ZERO,
        logo_churn: Ratio {
            numerator: Decimal::ZERO,
            denominator: Decimal::ZERO,
        },
        gross_mrr_churn: Ratio {
            numerator: Decimal::ZERO,
            denominator: Decimal::ZERO,
        },
        nrr: Ratio {
            numerator: Decimal::ZERO,
            denominator: Decimal::ZERO,
        },
        grr: Ratio {
            numerator: Decimal::ZERO,
            denominator: Decimal::ZERO,
        },
        churn_by_reason: BTreeMap::new(),
    };
    let mut kept = Decimal::ZERO;
    for (account, before) in at_start.iter().filter(|(_, m)| **m > Decimal::ZERO) {
        r.accounts_at_start += 1;
        r.start_mrr += before;
        let after = at_end.get(account).copied().unwrap_or_default();
        r.retained_end_mrr += after;
        if after.is_zero() {
            r.accounts_churned += 1;
            r.churned_mrr += before;
            let reason = terms
                .iter()
                .filter(|t| t.account == *account && t.end >= start && t.end < end)
                .max_by_key(|t| t.end)
                .and_then(|t| t.churn_reason.clone())
                .unwrap_or_else(|| "not recorded".into());
            *r.churn_by_reason.entry(reason).or_default() += before;
        } else if after > *before {
            r.expansion_mrr += after - before;
            kept += before;
        } else {
            r.contraction_mrr += before - after;
            kept += after;
        }
    }
    r.logo_churn = Ratio {
        numerator: r.accounts_churned.into(),
        denominator: r.accounts_at_start.into(),
    };
    r.gross_mrr_churn = Ratio {
        numerator: r.churned_mrr + r.contraction_mrr,
        denominator: r.start_mrr,
    };
    r.nrr = Ratio {
        numerator: r.retained_end_mrr,
        denominator: r.start_mrr,
    };
    r.grr = Ratio {
        numerator: kept,
        denominator: r.start_mrr,
    };
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn term(account: i64, arr: i64, start: &str, end: &str) -> RetentionTerm {
        RetentionTerm {
            account,
            arr: arr.into(),
            start: day(start),
            end: day(end),
            cancelled: false,
            churn_reason: None,
        }
    }

    /// Four customers on 1 Jan, by hand: A renews flat, B expands from 12,000 to 18,000 ARR,
    /// C contracts from 24,000 to 12,000, D leaves at the end of March; E arrives in February.
    fn book() -> Vec<RetentionTerm> {
        let mut d = term(4, 6_000, "2025-04-01", "2026-03-31");
        d.churn_reason = Some("Budget cut".into());
        vec![
            term(1, 12_000, "2025-07-01", "2026-06-30"),
            term(2, 12_000, "2025-06-01", "2026-02-28"),
            term(2, 18_000, "2026-03-01", "2027-02-28"),
            term(3, 24_000, "2025-03-01", "2026-02-28"),
            term(3, 12_000, "2026-03-01", "2027-02-28"),
            d,
            term(5, 60_000, "2026-02-01", "2027-01-31"),
        ]
    }

    #[test]
    fn a_quarter_read_by_the_common_definitions() {
        let q = retention(&book(), day("2026-01-01"), day("2026-04-01"));
        // Start MRR: 1,000 + 1,000 + 2,000 + 500 = 4,500; E is new business.
        assert_eq!(q.accounts_at_start, 4);
        assert_eq!(q.start_mrr, Decimal::from(4_500));
        assert_eq!(q.accounts_churned, 1);
        assert_eq!(q.churned_mrr, Decimal::from(500));
        assert_eq!(q.expansion_mrr, Decimal::from(500));
        assert_eq!(q.contraction_mrr, Decimal::from(1_000));
        // End MRR of the four: 1,000 + 1,500 + 1,000 + 0 = 3,500.
        assert_eq!(
            q.nrr.value(),
            Some(Decimal::from(3_500) / Decimal::from(4_500))
        );
        // GRR counts B at its start: 1,000 + 1,000 + 1,000 = 3,000.
        assert_eq!(
            q.grr.value(),
            Some(Decimal::from(3_000) / Decimal::from(4_500))
        );
        assert_eq!(q.logo_churn.value(), Some(Decimal::new(25, 2)));
        assert_eq!(
            q.gross_mrr_churn.value(),
            Some(Decimal::from(1_500) / Decimal::from(4_500))
        );
        assert_eq!(
            q.churn_by_reason.get("Budget cut"),
            Some(&Decimal::from(500))
        );
    }

    #[test]
    fn a_cancelled_term_never_counts_and_an_empty_period_has_no_ratio() {
        let mut terms = book();
        terms[0].cancelled = true;
        let q = retention(&terms, day("2026-01-01"), day("2026-04-01"));
        assert_eq!(q.accounts_at_start, 3);
        let none = retention(&[], day("2026-01-01"), day("2026-04-01"));
        assert_eq!(none.nrr.value(), None);
        assert_eq!(none.logo_churn.value(), None);
    }
}
