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
//! reporting currency, converted by the caller); a cancelled term never counts. A period's
//! start MRR is read on its first day and its end MRR on the first day after it (so a term that
//! ends on the last day and is not renewed is a churn of that period). Accounts that became
//! customers during the period are new business, not retention, and are left out.

use super::Grain;
use crate::book::Outcome;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A contract term as retention reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionTerm {
    /// The contract the term is.
    pub contract: i64,
    pub account: i64,
    /// In the reporting currency.
    pub arr: Decimal,
    pub start: NaiveDate,
    /// The term's last day.
    pub end: NaiveDate,
    pub cancelled: bool,
    /// Why the customer left, when this term ended in churn.
    pub churn_reason: Option<String>,
    /// How it ended, once recorded.
    pub outcome: Option<Outcome>,
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

/// Retention of one period (or of one group in it). Amounts are MRR in the reporting currency,
/// to the cent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Retention {
    pub accounts_at_start: usize,
    pub accounts_churned: usize,
    pub start_mrr: Decimal,
    pub churned_mrr: Decimal,
    pub expansion_mrr: Decimal,
    pub contraction_mrr: Decimal,
    /// End MRR of the accounts active at the start.
    pub retained_end_mrr: Decimal,
    /// What NRR keeps without expansion: each account at most its start MRR.
    pub kept_mrr: Decimal,
    /// Churned MRR by the reason recorded on the term that ended ("not recorded" when none).
    pub churn_by_reason: BTreeMap<String, Decimal>,
}

/// Each retention figure's definition, as the page, the API and the report write it out.
pub const DEFINITIONS: [(&str, &str); 6] = [
    (
        "logo_churn",
        "Logo churn rate: accounts paying at the period's start and no longer paying at its end, \
         divided by the accounts paying at its start.",
    ),
    (
        "gross_mrr_churn",
        "Gross MRR churn: the MRR of the accounts that left plus the fall of those that stayed \
         (contraction), divided by the start MRR.",
    ),
    (
        "nrr",
        "Net revenue retention (NRR): the end MRR of the accounts paying at the start, divided by \
         their start MRR. Expansion counts; new customers do not.",
    ),
    (
        "grr",
        "Gross revenue retention (GRR): NRR without expansion; each account counts at most its \
         start MRR.",
    ),
    (
        "expansion",
        "Expansion: the rise in MRR of the accounts that stayed and grew, divided by the start MRR.",
    ),
    (
        "contraction",
        "Contraction: the fall in MRR of the accounts that stayed and shrank, divided by the start \
         MRR.",
    ),
];

/// How the figures are read, in words.
pub const READING: &str = "MRR is a twelfth of the ARR of the contract terms running on a day, in \
     the reporting currency at the configured exchange rates; cancelled terms never count. The \
     start is read on the period's first day and the end on the first day after it (today for \
     the period still running). Accounts that became customers during the period are new \
     business, not retention.";

/// Where the reason for a churn was not written down.
pub const REASON_NOT_RECORDED: &str = "not recorded";

impl Retention {
    pub fn logo_churn(&self) -> Ratio {
        Ratio {
            numerator: self.accounts_churned.into(),
            denominator: self.accounts_at_start.into(),
        }
    }

    pub fn gross_mrr_churn(&self) -> Ratio {
        self.of_start(self.churned_mrr + self.contraction_mrr)
    }

    pub fn nrr(&self) -> Ratio {
        self.of_start(self.retained_end_mrr)
    }

    pub fn grr(&self) -> Ratio {
        self.of_start(self.kept_mrr)
    }

    pub fn expansion(&self) -> Ratio {
        self.of_start(self.expansion_mrr)
    }

    pub fn contraction(&self) -> Ratio {
        self.of_start(self.contraction_mrr)
    }

    fn of_start(&self, numerator: Decimal) -> Ratio {
        Ratio {
            numerator,
            denominator: self.start_mrr,
        }
    }
}

/// Retention as it is summed: ARR, exact, turned into MRR to the cent once at the end.
#[derive(Default)]
struct Tally {
    accounts_at_start: usize,
    accounts_churned: usize,
    start: Decimal,
    churned: Decimal,
    expansion: Decimal,
    contraction: Decimal,
    retained_end: Decimal,
    kept: Decimal,
    churn_by_reason: BTreeMap<String, Decimal>,
}

fn mrr(arr: Decimal) -> Decimal {
    (arr / Decimal::from(12)).round_dp(2)
}

impl Tally {
    fn add(&mut self, before: Decimal, after: Decimal, reason: impl FnOnce() -> String) {
        self.accounts_at_start += 1;
        self.start += before;
        self.retained_end += after;
        if after.is_zero() {
            self.accounts_churned += 1;
            self.churned += before;
            *self.churn_by_reason.entry(reason()).or_default() += before;
        } else if after > before {
            self.expansion += after - before;
            self.kept += before;
        } else {
            self.contraction += before - after;
            self.kept += after;
        }
    }

    fn finish(self) -> Retention {
        Retention {
            accounts_at_start: self.accounts_at_start,
            accounts_churned: self.accounts_churned,
            start_mrr: mrr(self.start),
            churned_mrr: mrr(self.churned),
            expansion_mrr: mrr(self.expansion),
            contraction_mrr: mrr(self.contraction),
            retained_end_mrr: mrr(self.retained_end),
            kept_mrr: mrr(self.kept),
            churn_by_reason: self
                .churn_by_reason
                .into_iter()
                .map(|(k, v)| (k, mrr(v)))
                .collect(),
        }
    }
}

/// The book's terms by account, read once for every period and group.
#[derive(Debug, Clone, Default)]
pub struct RetentionBook {
    accounts: BTreeMap<i64, Vec<RetentionTerm>>,
}

/// Retention of one period: the whole book and each group.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRetention {
    pub start: NaiveDate,
    /// The day the end is read on: the first day after the period, or today while it runs.
    pub end: NaiveDate,
    pub total: Retention,
    pub groups: BTreeMap<String, Retention>,
}

/// A cohort's row: its customers' MRR and logos at the end of each period since it joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// The first day of the period the accounts became customers in.
    pub start: NaiveDate,
    pub accounts: usize,
    /// MRR at the end of the joining period: what the later cells are shares of.
    pub base_mrr: Decimal,
    /// Per period after joining (0 = the joining period's end): MRR and accounts still paying.
    pub cells: Vec<(Decimal, usize)>,
}

/// The ARR `terms` hold on `day`: those running that day (a cancelled one holds none).
pub fn arr_on(terms: &[RetentionTerm], day: NaiveDate) -> Decimal {
    terms
        .iter()
        .filter(|t| !t.cancelled && t.start <= day && day <= t.end)
        .map(|t| t.arr)
        .sum()
}

impl RetentionBook {
    pub fn new(terms: Vec<RetentionTerm>) -> RetentionBook {
        let mut accounts: BTreeMap<i64, Vec<RetentionTerm>> = BTreeMap::new();
        for t in terms.into_iter().filter(|t| !t.cancelled) {
            accounts.entry(t.account).or_default().push(t);
        }
        RetentionBook { accounts }
    }

    /// ARR of one account's terms on `day`.
    fn arr_on(terms: &[RetentionTerm], day: NaiveDate) -> Decimal {
        arr_on(terms, day)
    }

    /// The reason on the last term of `terms` that ended in `[start, end)`.
    fn reason(terms: &[RetentionTerm], start: NaiveDate, end: NaiveDate) -> String {
        terms
            .iter()
            .filter(|t| t.end >= start && t.end < end)
            .max_by_key(|t| t.end)
            .and_then(|t| t.churn_reason.clone())
            .unwrap_or_else(|| REASON_NOT_RECORDED.into())
    }

    /// Retention from `start` to `end`: MRR read on both days. `group` names the group an
    /// account is counted in (`None` counts it only in the total).
    pub fn retention(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        group: impl Fn(i64) -> Option<String>,
    ) -> PeriodRetention {
        let mut total = Tally::default();
        let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
        for (account, terms) in &self.accounts {
            let before = Self::arr_on(terms, start);
            if before <= Decimal::ZERO {
                continue;
            }
            let after = Self::arr_on(terms, end);
            let reason = || Self::reason(terms, start, end);
            total.add(before, after, reason);
            if let Some(g) = group(*account) {
                groups.entry(g).or_default().add(before, after, reason);
            }
        }
        PeriodRetention {
            start,
            end,
            total: total.finish(),
            groups: groups.into_iter().map(|(k, t)| (k, t.finish())).collect(),
        }
    }

    /// The day an account became a customer: `since` when the book records it, else the start
    /// of its first term.
    pub fn customer_since(&self, account: i64) -> Option<NaiveDate> {
        self.accounts
            .get(&account)
            .and_then(|terms| terms.iter().map(|t| t.start).min())
    }

    /// The cohort table: accounts by the period they became customers in (`since` gives the
    /// recorded day, falling back to the first term), for each cohort starting from `from`,
    /// their MRR and logos at the end of each later period up to `today`.
    pub fn cohorts(
        &self,
        grain: Grain,
        from: NaiveDate,
        today: NaiveDate,
        since: impl Fn(i64) -> Option<NaiveDate>,
    ) -> Vec<Cohort> {
        let mut members: BTreeMap<NaiveDate, Vec<&[RetentionTerm]>> = BTreeMap::new();
        for (account, terms) in &self.accounts {
            let Some(joined) = since(*account).or_else(|| self.customer_since(*account)) else {
                continue;
            };
            let cohort = grain.start_of(joined);
            if cohort >= grain.start_of(from) && cohort <= today {
                members.entry(cohort).or_default().push(terms);
            }
        }
        members
            .into_iter()
            .filter_map(|(start, accounts)| {
                let mut cells = Vec::new();
                let mut end = grain.next(start);
                while end <= today {
                    let mut arr = Decimal::ZERO;
                    let mut paying = 0;
                    for terms in &accounts {
                        let a = Self::arr_on(terms, end);
                        if a > Decimal::ZERO {
                            arr += a;
                            paying += 1;
                        }
                    }
                    cells.push((mrr(arr), paying));
                    end = grain.next(end);
                }
                let (base_mrr, base_accounts) = *cells.first()?;
                Some(Cohort {
                    start,
                    accounts: base_accounts,
                    base_mrr,
                    cells,
                })
            })
            .collect()
    }
}

/// Retention from `start` to `end` over the whole book.
pub fn retention(terms: &[RetentionTerm], start: NaiveDate, end: NaiveDate) -> Retention {
    RetentionBook::new(terms.to_vec())
        .retention(start, end, |_| None)
        .total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn term(account: i64, arr: i64, start: &str, end: &str) -> RetentionTerm {
        RetentionTerm {
            contract: account * 10 + start[3..4].parse::<i64>().unwrap(),
            account,
            arr: arr.into(),
            start: day(start),
            end: day(end),
            cancelled: false,
            churn_reason: None,
            outcome: None,
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
            q.nrr().value(),
            Some(Decimal::from(3_500) / Decimal::from(4_500))
        );
        // GRR counts B at its start: 1,000 + 1,000 + 1,000 = 3,000.
        assert_eq!(
            q.grr().value(),
            Some(Decimal::from(3_000) / Decimal::from(4_500))
        );
        assert_eq!(q.logo_churn().value(), Some(Decimal::new(25, 2)));
        assert_eq!(
            q.gross_mrr_churn().value(),
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
        assert_eq!(none.nrr().value(), None);
        assert_eq!(none.logo_churn().value(), None);
    }

    #[test]
    fn groups_add_up_to_the_book_and_cohorts_follow_their_customers() {
        let book = RetentionBook::new(book());
        let q = book.retention(day("2026-01-01"), day("2026-04-01"), |a| {
            Some(if a <= 2 { "small" } else { "large" }.to_string())
        });
        let small = &q.groups["small"];
        let large = &q.groups["large"];
        assert_eq!(small.start_mrr + large.start_mrr, q.total.start_mrr);
        assert_eq!(small.accounts_churned, 0);
        assert_eq!(large.accounts_churned, 1);
        assert_eq!(large.contraction_mrr, Decimal::from(1_000));

        // By quarter, from 2025: the cohort of 2025 Q2 is B (June) and D (April), 1,500 MRR at
        // the quarter's end; B expands in March 2026 and D leaves at the end of March.
        let cohorts = book.cohorts(Grain::Quarter, day("2025-01-01"), day("2026-05-01"), |_| {
            None
        });
        let q2 = cohorts
            .iter()
            .find(|c| c.start == day("2025-04-01"))
            .unwrap();
        assert_eq!(q2.accounts, 2);
        assert_eq!(q2.base_mrr, Decimal::from(1_500));
        assert_eq!(
            q2.cells,
            vec![
                (Decimal::from(1_500), 2),
                (Decimal::from(1_500), 2),
                (Decimal::from(1_500), 2),
                (Decimal::from(1_500), 1),
            ]
        );
        // E joined in 2026 Q1: one cell so far, read on 1 April.
        let q1 = cohorts.last().unwrap();
        assert_eq!(q1.start, day("2026-01-01"));
        assert_eq!(q1.cells, vec![(Decimal::from(5_000), 1)]);
    }
}
