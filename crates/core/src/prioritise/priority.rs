//! An account's priority as it stands: its grade, tier, segment and 9-box.

use super::{Grade, Tier, TierChoice};
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountPriority {
    pub grade: Option<Grade>,
    /// The potential value the grade was given from.
    pub potential: Option<Money>,
    pub tier: Option<Tier>,
    /// The grade falls in a cell between two tiers and no person has picked one yet.
    pub tier_decision_needed: bool,
    pub tier_choice: Option<TierChoice>,
    /// The Pareto segment (1-based) the leader last applied (seed 002).
    pub segment: Option<u8>,
    /// The latest 9-box placement and its quarter (seed 001).
    pub nine_box: Option<(super::Quarter, super::NineBox)>,
}

/// One grading in an account's history.
#[derive(Debug, Clone, PartialEq)]
pub struct GradingRecord {
    pub grade: Grade,
    pub potential: Money,
    /// The ARR when it was graded: the floor of the potential.
    pub arr: Money,
    pub moment: super::GradingMoment,
    pub reason: String,
    pub by: crate::book::Actor,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// One change of an account's tier standing.
#[derive(Debug, Clone, PartialEq)]
pub struct TierChange {
    pub tier: Option<Tier>,
    pub decision_needed: bool,
    pub choice: Option<super::TierChoiceKind>,
    pub reason: String,
    pub by: crate::book::Actor,
    pub at: chrono::DateTime<chrono::Utc>,
}
