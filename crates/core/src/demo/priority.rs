//! The demo book's prioritisation: grades given at close or in the first 30 days, tier
//! decisions for grades between two tiers, and 9-box placements for the last two quarters of
//! the accounts that get personal attention. New accounts are left half ungraded, so that the
//! grading tasks have work to open.

use super::DemoBook;
use crate::prioritise::*;
use chrono::NaiveDate;
use rand::Rng;
use rust_decimal::Decimal;

#[derive(Debug, Clone, PartialEq)]
pub struct DemoGrading {
    pub potential: Decimal,
    pub growth: Growth,
    pub moment: GradingMoment,
    pub reason: &'static str,
    pub grade: Grade,
    /// The tier a person picked when the grade sits between two.
    pub decision: Option<Tier>,
}

impl DemoGrading {
    /// Where the grade and the decision leave the account's tier.
    pub fn standing(&self) -> TierStanding {
        let choice = self.decision.map(|tier| TierChoice {
            kind: TierChoiceKind::Decision,
            tier,
            reason: "a quick call at the pipeline review".into(),
        });
        tier_standing(&TierGrid::default(), Some(self.grade), choice)
    }

    /// The tier the grade gives, or the one a person picked; none while undecided.
    pub fn tier(&self) -> Option<Tier> {
        self.standing().tier
    }
}

impl DemoBook {
    /// How the account was graded, if it was.
    pub(super) fn grading(
        &self,
        index: usize,
        arr: Decimal,
        customer_since: NaiveDate,
        churned: bool,
    ) -> Option<DemoGrading> {
        let mut rng = self.rng(index, 0x6772_6164);
        let new = (self.today - customer_since).num_days() < 90;
        if churned || (new && index.is_multiple_of(2)) {
            return None;
        }
        // Potential: the ARR times what the account could still grow into.
        let factor = Decimal::from(rng.random_range(100..400_i64)) / Decimal::from(100);
        let potential = (arr * factor).round_dp(0);
        let growth = Growth::new(match rng.random_range(0..10) {
            0..=2 => 1,
            3..=6 => 2,
            _ => 3,
        })
        .expect("1 to 3");
        let grade = grade(&GradeBounds::default(), potential, arr, growth).ok()?;
        let decision = TierGrid::default()
            .cell(grade)
            .is_between()
            .then_some(!index.is_multiple_of(3))
            .filter(|d| *d)
            .map(|_| {
                if growth.get() == 1 {
                    Tier::ONE
                } else {
                    Tier::TWO
                }
            });
        Some(DemoGrading {
            potential,
            growth,
            moment: if new {
                GradingMoment::AtClose
            } else {
                GradingMoment::First30Days
            },
            reason: if new {
                "graded at close from the sales notes"
            } else {
                "regraded after the kickoff and first month"
            },
            grade,
            decision,
        })
    }

    /// The account's 9-box placements, the quarter before first, for accounts with personal
    /// attention (the top two Pareto segments) past onboarding.
    pub(super) fn nine_boxes(
        &self,
        index: usize,
        segment: u8,
        grading: Option<&DemoGrading>,
        onboarding_or_churned: bool,
    ) -> Vec<(Quarter, NineBox)> {
        let Some(g) = grading.filter(|_| segment <= 2 && !onboarding_or_churned) else {
            return Vec::new();
        };
        let mut rng = self.rng(index, 0x6e69_6e65);
        let clamp = |v: i64| v.clamp(1, 3);
        let relationship = rng.random_range(1..=3_i64);
        let upsell = clamp(4 - i64::from(g.growth.get()) + rng.random_range(-1..=1_i64));
        let now = Quarter::of(self.today);
        let before = NineBox::new(relationship, upsell).expect("clamped");
        let moved = match rng.random_range(0..10) {
            0..=2 => NineBox::new(clamp(relationship + 1), upsell),
            3..=4 => NineBox::new(clamp(relationship - 1), upsell),
            5 => NineBox::new(relationship, clamp(upsell + 1)),
            _ => Ok(before),
        }
        .expect("clamped");
        vec![(now.previous(), before), (now, moved)]
    }
}
