//! A renewal: a contract term coming to its end, the CSM's call on it, and the date the team
//! must beat (the notice date when the contract sets one, else the end).

use crate::book::vocabulary;
use chrono::NaiveDate;

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

#[cfg(test)]
mod tests {
    use super::*;

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
