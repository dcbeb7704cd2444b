//! Sharing a plan with the customer: a read-only link (its secret shown once, kept only as a
//! hash, with an expiry, revocable) that shows the plan signed out, without the blockers
//! marked internal and without the team's notes on values. Each view is in the audit log.

use super::PlanView;
use crate::{App, Caller, Error, Result};
use chrono::Days;
use sherpa_core::AccountId;
use sherpa_store::{IssuedShare, SharedPlan};

/// The longest a link may live, in days.
pub const MAX_SHARE_DAYS: u64 = 365;

/// The plan as the customer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedPlanView {
    pub plan: PlanView,
}

impl App {
    /// Issues a link to the account's plan for `days` days: its owners and leaders.
    pub async fn share_plan(
        &self,
        by: &Caller,
        account: AccountId,
        days: u64,
    ) -> Result<IssuedShare> {
        let acc = self.store.account(account).await?;
        by.may(|u| u.may_edit_plan(&acc.fields.owners))?;
        if !(1..=MAX_SHARE_DAYS).contains(&days) {
            return Err(Error::invalid(
                "days",
                format!("{days} days is not a link's life; choose 1 to {MAX_SHARE_DAYS}"),
            ));
        }
        if self.store.plan(account).await?.is_none() {
            return Err(Error::Conflict(format!(
                "{} has no success plan to share yet",
                acc.fields.name
            )));
        }
        let expires = self.store.clock().today() + Days::new(days);
        Ok(self.store.share_plan(&by.actor(), account, expires).await?)
    }

    /// The account's live links.
    pub async fn plan_shares(&self, by: &Caller, account: AccountId) -> Result<Vec<SharedPlan>> {
        let acc = self.store.account(account).await?;
        by.may(|u| u.may_edit_plan(&acc.fields.owners))?;
        Ok(self.store.plan_shares(account).await?)
    }

    /// Revokes one of the account's links.
    pub async fn revoke_plan_share(&self, by: &Caller, account: AccountId, id: i64) -> Result<()> {
        let acc = self.store.account(account).await?;
        by.may(|u| u.may_edit_plan(&acc.fields.owners))?;
        Ok(self
            .store
            .revoke_plan_share(&by.actor(), account, id)
            .await?)
    }

    /// The plan a link shows, or `None` for an unknown, expired or revoked link.
    pub async fn shared_plan(&self, secret: &str) -> Result<Option<SharedPlanView>> {
        let Some(account) = self.store.open_shared_plan(secret).await? else {
            return Ok(None);
        };
        let acc = self.store.account(account).await?;
        let Some(plan) = self.store.plan(account).await? else {
            return Ok(None);
        };
        let mut plan = self.plan_view(&acc, plan, false).await?;
        let blockers = std::mem::take(&mut plan.content.blockers);
        let owners = std::mem::take(&mut plan.blocker_owners);
        (plan.content.blockers, plan.blocker_owners) = blockers
            .into_iter()
            .zip(owners)
            .filter(|(b, _)| !b.internal)
            .unzip();
        for o in &mut plan.objectives {
            for v in &mut o.values {
                v.note.clear();
            }
        }
        Ok(Some(SharedPlanView { plan }))
    }
}
