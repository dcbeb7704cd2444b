//! A renewal: a contract term coming to its end, the CSM's call on it, and the date the team
//! must beat (the notice date when the contract sets one, else the end).

use super::{RetentionTerm, arr_on};
use crate::book::vocabulary;
use chrono::NaiveDate;
use rust_decimal::Decimal;

vocabulary!(
    /// The CSM's call on a renewal, as a sales forecast category.
    RenewalCall, "renewal call" {
        Commit => "commit" | "committed",
        Likely => "likely" | "best_case",
        AtRisk => "at_risk" | "risk",
        Lost => "lost" | "churn",
    }
);

impl RenewalCall {
    pub fn words(self) -> &'static str {
        match self {
            RenewalCall::Commit => "commit",
            RenewalCall::Likely => "likely",
            RenewalCall::AtRisk => "at risk",
            RenewalCall::Lost => "lost",
        }
    }
}

/// Three months: from then on a renewal must have a call, and one without is escalated.
pub const CALL_DUE_DAYS: u32 = 91;
/// Six months: the first renewal checkpoint.
pub const FIRST_CHECKPOINT_DAYS: u32 = 182;

/// The longest note a call keeps.
pub const CALL_NOTE_MAX: usize = 2_000;

/// The default pipeline window: a year of renewals.
pub const DEFAULT_WITHIN_DAYS: i64 = 365;
/// The longest pipeline window: three years.
pub const MAX_WITHIN_DAYS: i64 = 1_095;

/// What the team must beat: the notice date when there is one, else the end.
pub fn deadline(end: NaiveDate, notice: Option<NaiveDate>) -> NaiveDate {
    notice.unwrap_or(end)
}

/// Whole months from `today` to `end` (30.4 days each, rounded down): the band a renewal
/// probability is read in.
pub fn months_to(today: NaiveDate, end: NaiveDate) -> i64 {
    ((end - today).num_days().max(0) as f64 / 30.44).floor() as i64
}

/// How the renewals that fell due in a past period came out: the ARR of the terms that ended,
/// what carried on the day after (at most what was due: growth is expansion, not renewal), and
/// what was lost.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenewalOutcome {
    /// Terms that ended in the period.
    pub renewals: usize,
    pub due: Decimal,
    pub renewed: Decimal,
    pub lost: Decimal,
    /// Accounts with nothing running the day after their last term in the period ended.
    pub churned: usize,
}

impl RenewalOutcome {
    /// The share of the ARR due that renewed, in whole percent; none when nothing was due.
    pub fn renewed_percent(&self) -> Option<Decimal> {
        (!self.due.is_zero()).then(|| (self.renewed / self.due * Decimal::from(100)).round())
    }
}

/// The renewals of the terms (each account's, cancelled ones left out) that ended from `start`
/// to `end`, both included, each account read the day after its last such term ended. A
/// renewal signed after that day counts as lost for the period it fell due in.
pub fn renewal_outcome<'a>(
    accounts: impl IntoIterator<Item = &'a [RetentionTerm]>,
    start: NaiveDate,
    end: NaiveDate,
) -> RenewalOutcome {
    let mut out = RenewalOutcome::default();
    for terms in accounts {
        let ending: Vec<&RetentionTerm> = terms
            .iter()
            .filter(|t| !t.cancelled && start <= t.end && t.end <= end)
            .collect();
        let Some(last) = ending.iter().map(|t| t.end).max() else {
            continue;
        };
        let due: Decimal = ending.iter().map(|t| t.arr).sum();
        let after = arr_on(terms, last + chrono::Days::new(1));
        let renewed = due.min(after);
        out.renewals += ending.len();
        out.due += due;
        out.renewed += renewed;
        out.lost += due - renewed;
        if after.is_zero() {
            out.churned += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(contract: i64, account: i64, arr: i64, start: &str, end: &str) -> RetentionTerm {
        RetentionTerm {
            contract,
            account,
            arr: Decimal::from(arr),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            cancelled: false,
            churn_reason: None,
            outcome: None,
        }
    }

    #[test]
    fn a_quarters_renewals_come_out_renewed_shrunk_grown_or_lost() {
        let q = |s: &str| s.parse::<NaiveDate>().unwrap();
        let renewed = [
            term(1, 1, 100, "2025-07-01", "2026-06-30"),
            term(2, 1, 100, "2026-07-01", "2027-06-30"),
        ];
        let shrunk = [
            term(3, 2, 200, "2025-08-01", "2026-07-31"),
            term(4, 2, 150, "2026-08-01", "2027-07-31"),
        ];
        // Growth on renewal is expansion: only what was due counts as renewed.
        let grown = [
            term(5, 3, 50, "2025-09-01", "2026-08-31"),
            term(6, 3, 80, "2026-09-01", "2027-08-31"),
        ];
        let lost = [term(7, 4, 300, "2025-09-16", "2026-09-15")];
        // Not due in the quarter.
        let later = [term(8, 5, 999, "2026-01-01", "2026-12-31")];
        let mut cancelled = term(9, 6, 500, "2025-07-01", "2026-07-15");
        cancelled.cancelled = true;
        let cancelled = [cancelled];
        let out = renewal_outcome(
            [
                &renewed[..],
                &shrunk[..],
                &grown[..],
                &lost[..],
                &later[..],
                &cancelled[..],
            ],
            q("2026-07-01"),
            q("2026-09-30"),
        );
        // Renewed ended 30 June: the quarter before.
        assert_eq!(out.renewals, 3);
        assert_eq!(out.due, Decimal::from(550));
        assert_eq!(out.renewed, Decimal::from(200));
        assert_eq!(out.lost, Decimal::from(350));
        assert_eq!(out.churned, 1);
        assert_eq!(out.renewed_percent(), Some(Decimal::from(36)));
        assert_eq!(RenewalOutcome::default().renewed_percent(), None);
    }

    #[test]
    fn calls_read_as_people_write_them_and_the_deadline_is_the_notice_date() {
        assert_eq!(
            "At risk".parse::<RenewalCall>().unwrap(),
            RenewalCall::AtRisk
        );
        assert_eq!(
            "best case".parse::<RenewalCall>().unwrap(),
            RenewalCall::Likely
        );
        let e = "maybe".parse::<RenewalCall>().unwrap_err().to_string();
        assert!(e.contains("commit, likely, at_risk, lost"), "{e}");
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            deadline(d("2027-03-31"), Some(d("2027-01-30"))),
            d("2027-01-30")
        );
        assert_eq!(deadline(d("2027-03-31"), None), d("2027-03-31"));
        assert_eq!(months_to(d("2026-12-04"), d("2027-03-10")), 3);
        assert_eq!(months_to(d("2026-12-04"), d("2026-12-20")), 0);
    }
}
