//! The demo book's calls on its renewals of the next six months, as its CSMs would make them
//! from what they see: the colour of the account and how near the end is. A quarter of them
//! have no call yet, so that the pipeline and the three-month escalation have work to show.

use crate::{App, Result};
use sherpa_core::health::Colour;
use sherpa_core::revenue::RenewalCall;
use sherpa_core::*;

impl App {
    /// Makes the calls; answers how many. The book tracks three competitors, mentioned on a
    /// third of the accounts whose renewal is not a commit.
    pub async fn load_demo_renewal_calls(&self) -> Result<usize> {
        let today = self.store.clock().today();
        let competitors = ["Northwind Success", "Contoso Retain", "Fabrikam CS Cloud"];
        let config = sherpa_core::revenue::RevenueConfig {
            competitors: competitors.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        };
        self.store
            .set_revenue_config(&Actor::system("demo"), &config)
            .await?;
        let rows = self
            .store
            .renewal_pipeline(today, today + chrono::Days::new(182), None)
            .await?;
        // Recorded together at the end: one transaction for the book's calls, one for the
        // mentions, not one each.
        let mut calls = Vec::new();
        let mut mentions = Vec::new();
        for r in rows.iter().filter(|r| !r.signed && r.contract.0 % 4 != 0) {
            let days = (r.end - today).num_days();
            let (call, note) = match r.colour {
                Some(Colour::Green) if days < 90 => (
                    RenewalCall::Commit,
                    "Verbal yes from the economic buyer; paperwork with procurement",
                ),
                Some(Colour::Green) => (
                    RenewalCall::Likely,
                    "Healthy and using it; renewal conversation not started",
                ),
                Some(Colour::Yellow) | None => {
                    (RenewalCall::Likely, "Expect to renew; watching adoption")
                }
                Some(Colour::Orange) => (
                    RenewalCall::AtRisk,
                    "Usage is down and the champion is quiet; recovery plan in place",
                ),
                Some(Colour::Red) if days < 60 => {
                    (RenewalCall::Lost, "Told us they are moving to another tool")
                }
                Some(Colour::Red) => (
                    RenewalCall::AtRisk,
                    "Executive sponsor call booked to save it",
                ),
            };
            let actor = match r.owners.csm {
                Some(csm) => Actor::user(csm, "demo"),
                None => Actor::system("demo"),
            };
            // A competitor came up on the calls that are not a commit, now and then.
            if call != RenewalCall::Commit && r.contract.0 % 3 == 0 {
                let rival = competitors[(r.contract.0 % 3) as usize];
                let on = today - chrono::Days::new((r.contract.0 % 40) as u64 + 3);
                mentions.push((
                    actor.clone(),
                    r.account,
                    rival,
                    on,
                    "Came up in the last call: they were offered a discount to switch",
                ));
            }
            calls.push((actor, r.contract, call, note.to_string()));
        }
        self.store.record_renewal_calls(&calls).await?;
        self.store.mention_competitors(&mentions).await?;
        Ok(calls.len())
    }
}
