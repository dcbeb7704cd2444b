//! Contract terms (one row per term) and the ARR history that follows from them: new business,
//! expansion, contraction and churn, each with its date.

use super::enums::vocabulary;
use super::{AccountId, ContractId};
use crate::money::{Currency, Money};
use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

vocabulary!(
    ContractStatus, "contract status" {
        Active => "active" | "current" | "open",
        Pending => "pending" | "future" | "signed",
        Ended => "ended" | "expired" | "closed",
        Cancelled => "cancelled" | "canceled" | "void",
    }
);

vocabulary!(
    /// How a term ended.
    Outcome, "contract outcome" {
        Renewed => "renewed" | "renewal",
        Expanded => "expanded" | "expansion" | "upsell",
        Contracted => "contracted" | "contraction" | "downsell",
        Churned => "churned" | "churn" | "lost",
    }
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: ContractId,
    pub fields: ContractFields,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFields {
    pub account_id: AccountId,
    pub external_id: Option<String>,
    pub products: Vec<String>,
    pub arr: Money,
    pub seats: Option<i64>,
    pub start_date: NaiveDate,
    /// The last day of the term: the renewal date.
    pub end_date: NaiveDate,
    pub status: ContractStatus,
    pub outcome: Option<Outcome>,
    pub churn_reason: Option<String>,
    pub terms: Option<String>,
    /// Whether the term renews by itself unless the customer cancels; `None` when not known.
    pub auto_renew: Option<bool>,
    /// Days before the end by which the customer must give notice to cancel (or the team
    /// must renew by): the date to beat. `None` when the contract does not say.
    pub notice_days: Option<i64>,
}

impl ContractFields {
    /// A term counts toward an account's ARR on the days it covers, unless cancelled.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.status != ContractStatus::Cancelled
            && self.start_date <= today
            && today <= self.end_date
    }

    /// The status a term has on a day when none was given.
    pub fn status_on(start: NaiveDate, end: NaiveDate, today: NaiveDate) -> ContractStatus {
        if today < start {
            ContractStatus::Pending
        } else if today > end {
            ContractStatus::Ended
        } else {
            ContractStatus::Active
        }
    }

    /// The last day to give notice of cancellation, when the contract sets a notice period.
    pub fn notice_date(&self) -> Option<NaiveDate> {
        notice_date(self.end_date, self.notice_days)
    }

    pub fn mrr(&self) -> Decimal {
        (self.arr.amount / Decimal::from(12)).round_dp(2)
    }
}

/// The last day to give notice of cancellation of a term ending on `end` with a notice period
/// of `notice_days`; `None` when the contract sets none.
pub fn notice_date(end: NaiveDate, notice_days: Option<i64>) -> Option<NaiveDate> {
    notice_days
        .and_then(|d| u64::try_from(d).ok())
        .map(|d| end - chrono::Days::new(d))
}

vocabulary!(
    /// A change in an account's ARR.
    ArrMovementKind, "ARR movement" {
        New => "new",
        Expansion => "expansion",
        Contraction => "contraction",
        Churn => "churn",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArrMovement {
    pub on: NaiveDate,
    pub kind: ArrMovementKind,
    /// Signed change: negative for contraction and churn.
    pub change: Money,
    pub arr_after: Money,
}

/// The ARR history of one account from its contract terms, up to `today`. ARR on a day is the
/// sum of the terms covering it; every day on which that sum changes is a movement. History
/// ends today: a running term's end is a renewal due, not a churn, and a term signed to start
/// later is not yet new ARR. Terms in other currencies than `currency` are skipped (the caller
/// converts them first).
pub fn arr_history(
    terms: &[ContractFields],
    currency: Currency,
    today: NaiveDate,
) -> Vec<ArrMovement> {
    let terms: Vec<&ContractFields> = terms
        .iter()
        .filter(|t| t.status != ContractStatus::Cancelled && t.arr.currency == currency)
        .collect();
    let mut days: Vec<NaiveDate> = terms
        .iter()
        .flat_map(|t| [t.start_date, t.end_date + Duration::days(1)])
        .filter(|d| *d <= today)
        .collect();
    days.sort();
    days.dedup();
    let mut out = Vec::new();
    let mut before = Decimal::ZERO;
    for day in days {
        let after: Decimal = terms
            .iter()
            .filter(|t| t.is_current(day))
            .map(|t| t.arr.amount)
            .sum();
        if after == before {
            continue;
        }
        let kind = if before.is_zero() {
            ArrMovementKind::New
        } else if after.is_zero() {
            ArrMovementKind::Churn
        } else if after > before {
            ArrMovementKind::Expansion
        } else {
            ArrMovementKind::Contraction
        };
        out.push(ArrMovement {
            on: day,
            kind,
            change: Money {
                amount: after - before,
                currency,
            },
            arr_after: Money {
                amount: after,
                currency,
            },
        });
        before = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(arr: i64, start: &str, end: &str) -> ContractFields {
        ContractFields {
            account_id: AccountId(1),
            external_id: None,
            products: vec!["core".into()],
            arr: Money {
                amount: Decimal::from(arr),
                currency: Currency::USD,
            },
            seats: None,
            start_date: start.parse().unwrap(),
            end_date: end.parse().unwrap(),
            status: ContractStatus::Ended,
            outcome: None,
            churn_reason: None,
            terms: None,
            auto_renew: None,
            notice_days: None,
        }
    }

    #[test]
    fn history_follows_the_terms() {
        let terms = [
            term(12_000, "2024-01-01", "2024-12-31"),
            term(18_000, "2025-01-01", "2025-12-31"),
            term(15_000, "2026-01-01", "2026-12-31"),
        ];
        let h = arr_history(&terms, Currency::USD, day("2027-06-30"));
        let kinds: Vec<_> = h
            .iter()
            .map(|m| (m.on.to_string(), m.kind, m.change.amount))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (
                    "2024-01-01".into(),
                    ArrMovementKind::New,
                    Decimal::from(12_000)
                ),
                (
                    "2025-01-01".into(),
                    ArrMovementKind::Expansion,
                    Decimal::from(6_000)
                ),
                (
                    "2026-01-01".into(),
                    ArrMovementKind::Contraction,
                    Decimal::from(-3_000)
                ),
                (
                    "2027-01-01".into(),
                    ArrMovementKind::Churn,
                    Decimal::from(-15_000)
                ),
            ]
        );
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn history_ends_today_a_running_term_has_no_outcome_yet() {
        let terms = [
            term(12_000, "2025-01-01", "2025-12-31"),
            // Running: its end is a renewal due.
            term(15_000, "2026-01-01", "2026-12-31"),
            // Signed to start next year: not ARR yet.
            term(20_000, "2027-01-01", "2027-12-31"),
        ];
        let h = arr_history(&terms, Currency::USD, day("2026-12-03"));
        let kinds: Vec<_> = h.iter().map(|m| (m.on.to_string(), m.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("2025-01-01".to_string(), ArrMovementKind::New),
                ("2026-01-01".to_string(), ArrMovementKind::Expansion)
            ]
        );
        assert!(h.iter().all(|m| m.on <= day("2026-12-03")));
        // The day the next term starts, it is an expansion, and never a churn in between.
        let h = arr_history(&terms, Currency::USD, day("2027-01-01"));
        assert_eq!(h.last().unwrap().kind, ArrMovementKind::Expansion);
        assert!(h.iter().all(|m| m.kind != ArrMovementKind::Churn));
    }

    #[test]
    fn a_flat_renewal_is_no_movement() {
        let terms = [
            term(10_000, "2024-01-01", "2024-12-31"),
            term(10_000, "2025-01-01", "2025-12-31"),
        ];
        let h = arr_history(&terms, Currency::USD, day("2026-06-30"));
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].kind, ArrMovementKind::Churn);
        assert_eq!(h[1].on.to_string(), "2026-01-01");
    }
}

/// Days after a term's end before a missing next term reads as churn: renewals are often
/// signed, or entered, a little late.
pub const OUTCOME_GRACE_DAYS: i64 = 30;

/// The outcome of an ended term from the term that followed it (same product): renewed at the
/// same ARR, expanded above it, contracted below it; churned when none followed. Terms in two
/// currencies count as renewed (no rate is assumed here).
pub fn outcome_from_next(arr: &Money, next: Option<&Money>) -> Outcome {
    match next {
        None => Outcome::Churned,
        Some(n) if n.currency != arr.currency => Outcome::Renewed,
        Some(n) if n.amount > arr.amount => Outcome::Expanded,
        Some(n) if n.amount < arr.amount => Outcome::Contracted,
        Some(_) => Outcome::Renewed,
    }
}

#[cfg(test)]
mod outcome_tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn the_next_term_tells_how_a_term_ended() {
        let usd = |s: &str| Money::parse(s, Currency::USD).unwrap();
        assert_eq!(outcome_from_next(&usd("1000"), None), Outcome::Churned);
        assert_eq!(
            outcome_from_next(&usd("1000"), Some(&usd("1000.00"))),
            Outcome::Renewed
        );
        assert_eq!(
            outcome_from_next(&usd("1000"), Some(&usd("1200"))),
            Outcome::Expanded
        );
        assert_eq!(
            outcome_from_next(&usd("1000"), Some(&usd("800"))),
            Outcome::Contracted
        );
    }
}
