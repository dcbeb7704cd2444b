//! Grading an account and choosing its tier: the AE grades at close, the CSM within the first
//! 30 days and on every state change; a person settles a grade between two tiers, or overrides
//! the grid with a reason.

use crate::{App, Caller, Error, Result, parse_field};
use rust_decimal::Decimal;
use sherpa_core::prioritise::{GradingMoment, Growth, Tier, TierChoice, TierChoiceKind};
use sherpa_core::{Account, AccountId};
use sherpa_store::GradeInput;
use std::str::FromStr;

/// Grade an account: its potential value and likelihood for growth, at a grading moment.
#[derive(Debug, Clone)]
pub struct GradeAccount {
    pub account: AccountId,
    /// How big the account could be, in the book's currency; its ARR is the floor.
    pub potential: Decimal,
    pub growth: Growth,
    pub moment: GradingMoment,
    pub reason: String,
}

impl GradeAccount {
    /// The potential value as people type it: a plain decimal ("120000", "120000.50").
    pub fn potential_value(text: &str) -> Result<Decimal> {
        Decimal::from_str(text.trim()).map_err(|_| {
            Error::invalid(
                "potential_value",
                format!(
                    "\"{}\" is not an amount; write a decimal in the book's currency, like 120000",
                    text.trim()
                ),
            )
        })
    }

    pub fn growth(n: i64) -> Result<Growth> {
        Growth::new(n).map_err(|e| Error::invalid("growth", e.to_string()))
    }

    pub fn moment(text: &str) -> Result<GradingMoment> {
        parse_field("moment", text)
    }
}

/// Settle, override or clear an account's tier.
#[derive(Debug, Clone)]
pub struct ChooseTier {
    pub account: AccountId,
    /// None goes back to the grid.
    pub tier: Option<Tier>,
    /// None: a decision when the grade sits between two tiers, an override otherwise
    /// ([`TierChoiceKind::unstated`]).
    pub kind: Option<TierChoiceKind>,
    pub reason: String,
}

impl ChooseTier {
    pub fn tier(n: i64) -> Result<Tier> {
        Tier::new(n)
            .ok_or_else(|| Error::invalid("tier", format!("{n} is not a tier; expected 1, 2 or 3")))
    }

    pub fn kind(text: &str) -> Result<TierChoiceKind> {
        parse_field("kind", text)
    }
}

impl App {
    /// Grades the account; its tier follows through the grid, and a new tier's cadence starts
    /// at once.
    pub async fn grade_account(&self, by: &Caller, cmd: GradeAccount) -> Result<Account> {
        let account = self.store.account(cmd.account).await?;
        let at_close = cmd.moment == GradingMoment::AtClose;
        by.may(|u| u.may_grade(&account.fields.owners, at_close))?;
        let input = GradeInput {
            potential: cmd.potential,
            growth: cmd.growth,
            moment: cmd.moment,
            reason: cmd.reason,
        };
        let graded = self
            .store
            .grade_account(&by.actor(), cmd.account, &input)
            .await?;
        self.engage(&[cmd.account]).await;
        Ok(graded)
    }

    /// Decides the tier of a grade between two tiers, overrides the grid with a reason, or goes
    /// back to the grid.
    pub async fn choose_tier(&self, by: &Caller, cmd: ChooseTier) -> Result<Account> {
        let account = self.store.account(cmd.account).await?;
        let owners = &account.fields.owners;
        let choice = match cmd.tier {
            None => None,
            Some(tier) => {
                let kind = match cmd.kind {
                    Some(k) => k,
                    None => {
                        let grid = self.store.prioritisation_rules().await?.grid;
                        TierChoiceKind::unstated(&grid, account.priority.grade)
                    }
                };
                Some(TierChoice {
                    kind,
                    tier,
                    reason: cmd.reason,
                })
            }
        };
        // An override is a leader's, and so is lifting one; a decision between a grade's two
        // tiers is the CS team's.
        let overriding = |c: &Option<TierChoice>| {
            c.as_ref()
                .is_some_and(|c| c.kind == TierChoiceKind::Override)
        };
        if overriding(&choice) || overriding(&account.priority.tier_choice) {
            by.may(|u| u.may_override_tier())?;
        } else {
            by.may(|u| u.may_decide_tier(owners))?;
        }
        let chosen = self
            .store
            .choose_tier(&by.actor(), cmd.account, choice)
            .await?;
        self.engage(&[cmd.account]).await;
        Ok(chosen)
    }
}
