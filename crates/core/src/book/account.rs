//! Accounts: the customer companies in the book, with their owners by function.

use super::enums::vocabulary;
use super::{AccountId, CustomValues, Domain, UserId};
use crate::money::Money;
use chrono::{DateTime, NaiveDate, Utc};

vocabulary!(
    /// Where an account is in its life with us (seed 002's onboarding and ongoing phases).
    Lifecycle, "lifecycle stage" {
        Onboarding => "onboarding" | "new" | "implementation",
        Ongoing => "ongoing" | "active" | "customer" | "live",
        Churned => "churned" | "former_customer" | "lost",
    }
);

/// How long an account is onboarding from the start of its first contract term, when its
/// lifecycle is worked out from its terms: the first quarter, as onboarding plans run.
pub const ONBOARDING_DAYS: i64 = 90;

impl Lifecycle {
    /// The lifecycle an account's terms say, for one imported without its own: churned when no
    /// term runs `today`, onboarding within [`ONBOARDING_DAYS`] of its first term's start, then
    /// ongoing. None without any term.
    pub fn from_terms(
        first_start: Option<NaiveDate>,
        running: bool,
        today: NaiveDate,
    ) -> Option<Lifecycle> {
        let first = first_start?;
        Some(if !running {
            Lifecycle::Churned
        } else if (today - first).num_days() < ONBOARDING_DAYS {
            Lifecycle::Onboarding
        } else {
            Lifecycle::Ongoing
        })
    }
}

vocabulary!(
    /// The functions that can own an account (seed 000's execution plans name them).
    OwnerFunction, "owner function" {
        Csm => "csm",
        Ae => "ae" | "sales" | "account_executive",
        CustomerDevelopment => "customer_development" | "cd",
        ExecutiveSponsor => "executive_sponsor" | "sponsor",
    }
);

/// Who owns an account, by function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owners {
    pub csm: Option<UserId>,
    pub ae: Option<UserId>,
    pub customer_development: Option<UserId>,
    pub executive_sponsor: Option<UserId>,
}

impl Owners {
    pub fn get(&self, f: OwnerFunction) -> Option<UserId> {
        match f {
            OwnerFunction::Csm => self.csm,
            OwnerFunction::Ae => self.ae,
            OwnerFunction::CustomerDevelopment => self.customer_development,
            OwnerFunction::ExecutiveSponsor => self.executive_sponsor,
        }
    }

    pub fn set(&mut self, f: OwnerFunction, user: Option<UserId>) {
        match f {
            OwnerFunction::Csm => self.csm = user,
            OwnerFunction::Ae => self.ae = user,
            OwnerFunction::CustomerDevelopment => self.customer_development = user,
            OwnerFunction::ExecutiveSponsor => self.executive_sponsor = user,
        }
    }

    /// True when the user holds any owner function on the account.
    pub fn includes(&self, user: UserId) -> bool {
        OwnerFunction::ALL
            .iter()
            .any(|f| self.get(*f) == Some(user))
    }
}

/// An account as stored, with its current ARR (the sum of its current contract terms).
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: AccountId,
    pub fields: AccountFields,
    pub arr: Money,
    /// The end of the earliest current term: the next renewal.
    pub renewal_date: Option<NaiveDate>,
    /// Grade and tier (seeds 000, 001).
    pub priority: crate::prioritise::AccountPriority,
    /// The health score (0-100) and colour as last worked out (seed 003); none before the
    /// first, or when no factor of its scorecard has an input.
    pub health: Option<(f64, crate::health::Colour)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a person or an import can set on an account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountFields {
    pub name: String,
    pub external_id: Option<String>,
    pub domain: Option<Domain>,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub employees: Option<i64>,
    pub parent_id: Option<AccountId>,
    pub lifecycle: Option<Lifecycle>,
    pub customer_since: Option<NaiveDate>,
    pub owners: Owners,
    pub custom: CustomValues,
}

/// Limits on account text fields, shared by the API, imports and the UI.
pub mod limits {
    pub const NAME: usize = 200;
    pub const EXTERNAL_ID: usize = 100;
    pub const SHORT_TEXT: usize = 120;
    pub const LONG_TEXT: usize = 10_000;
    pub const MAX_EMPLOYEES: i64 = 10_000_000;
    /// The longest notice period a contract can set: two years.
    pub const MAX_NOTICE_DAYS: i64 = 730;
}

/// Renewal windows used to filter the book ("renewing in the next 90 days").
pub fn renewal_window(today: NaiveDate, days: i64) -> (NaiveDate, NaiveDate) {
    (today, today + chrono::Duration::days(days))
}

#[cfg(test)]
mod lifecycle_tests {
    use super::*;

    #[test]
    fn terms_say_onboarding_then_ongoing_and_churned_when_none_runs() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let today = d("2026-12-03");
        assert_eq!(Lifecycle::from_terms(None, false, today), None);
        assert_eq!(
            Lifecycle::from_terms(Some(d("2026-11-01")), true, today),
            Some(Lifecycle::Onboarding)
        );
        assert_eq!(
            Lifecycle::from_terms(Some(d("2026-09-04")), true, today),
            Some(Lifecycle::Ongoing),
            "90 days on"
        );
        assert_eq!(
            Lifecycle::from_terms(Some(d("2026-11-01")), false, today),
            Some(Lifecycle::Churned)
        );
    }
}
