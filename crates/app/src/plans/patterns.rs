//! The patterns across all plans, for the leader's page, the API and the XLSX export: the
//! core's figures over every live plan, with the accounts each figure drills down to.

use crate::{App, Caller, Result};
use sherpa_core::plan::{GroupBy, ObjectiveStatus, Patterns, PlannedAccount, patterns};
use sherpa_core::*;
use std::collections::BTreeMap;

/// An account a figure counts.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternAccount {
    pub name: String,
    pub arr: Money,
    pub csm: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanPatterns {
    pub group_by: GroupBy,
    pub patterns: Patterns,
    pub accounts: BTreeMap<AccountId, PatternAccount>,
    pub currency: Currency,
}

impl App {
    /// The patterns across every live plan, open blockers grouped by `group_by`.
    pub async fn plan_patterns(&self, _by: &Caller, group_by: GroupBy) -> Result<PlanPatterns> {
        let today = self.store.clock().today();
        let rows = self.store.planned_rows(None).await?;
        let names = self.store.prioritisation_rules().await?.pareto.names;
        let mut planned = Vec::with_capacity(rows.len());
        let mut accounts = BTreeMap::new();
        for r in rows {
            let p = &r.plan;
            let mut first_value_on = None;
            let objectives = p
                .content
                .objectives
                .iter()
                .map(|o| {
                    let (a, reached) = p.assess(o, today);
                    let status = a.status;
                    if o.first_value && status == ObjectiveStatus::Achieved {
                        first_value_on = reached;
                    }
                    (o.key.clone(), status, reached)
                })
                .collect();
            accounts.insert(
                p.account,
                PatternAccount {
                    name: r.name.clone(),
                    arr: r.arr,
                    csm: r.csm_name.clone(),
                },
            );
            planned.push(PlannedAccount {
                account: p.account,
                name: r.name,
                arr: r.arr.amount,
                segment: r
                    .segment
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| names.get(i).cloned()),
                tier: r.tier,
                csm: r.csm_name,
                industry: r.industry,
                template: p.template.clone(),
                content: p.content.clone(),
                objectives,
                first_value_on,
                customer_since: r.customer_since,
            });
        }
        Ok(PlanPatterns {
            group_by,
            patterns: patterns(&planned, group_by, today),
            accounts,
            currency: self.store.currency(),
        })
    }
}
