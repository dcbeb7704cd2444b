//! The 9-box: a person places an account for a quarter (relationship strength against upsell
//! opportunity), and the quarter's book on the grid shows each box's accounts with their move
//! since the quarter before, and where personal time went, by box and by tier.

use crate::{App, Caller, Error, Result, parse_field};
use sherpa_core::prioritise::{NineBox, NineBoxError, Quarter, Tier, TimeSpent, time_spent};
use sherpa_core::{Account, AccountId, UserId};
use sherpa_store::NineBoxEntry;

/// Place an account in a box for a quarter.
#[derive(Debug, Clone)]
pub struct PlaceInNineBox {
    pub account: AccountId,
    /// The current quarter when not given.
    pub quarter: Option<Quarter>,
    /// Relationship strength, 1 (at risk) to 3 (strong).
    pub relationship: i64,
    /// Upsell opportunity, 1 (small) to 3 (large).
    pub upsell: i64,
    pub note: String,
}

impl PlaceInNineBox {
    /// A quarter as people write it ("2026-Q4").
    pub fn quarter(text: &str) -> Result<Quarter> {
        parse_field("quarter", text)
    }
}

/// One placed account of a box.
#[derive(Debug, Clone)]
pub struct PlacedAccount {
    pub entry: NineBoxEntry,
    /// up, down, sideways, same or new: the move since the quarter before.
    pub movement: &'static str,
}

/// One box of the quarter.
#[derive(Debug, Clone)]
pub struct BoxOfQuarter {
    pub nine_box: NineBox,
    pub label: String,
    pub time_spent: TimeSpent,
    pub accounts: Vec<PlacedAccount>,
}

/// A tier's personal touches in the quarter against what its cadence wanted.
#[derive(Debug, Clone)]
pub struct TierTime {
    pub tier: Option<Tier>,
    pub spent: TimeSpent,
    /// Touches the tier's cadence wanted per account in the quarter so far (a weekly cadence
    /// wants one each week that ended); none without a tier or a cadence.
    pub wanted_per_account: Option<u32>,
}

/// The quarter's book on the 9-box.
#[derive(Debug, Clone)]
pub struct QuarterBoard {
    pub quarter: Quarter,
    /// The nine boxes, lower left ("1-1") first, row by row.
    pub boxes: Vec<BoxOfQuarter>,
    /// Where time was wanted (the tier's cadence) against where it went.
    pub by_tier: Vec<TierTime>,
    /// Accounts placed the quarter before and not yet this quarter.
    pub not_yet_placed: usize,
}

/// One word for an account's move since the quarter before.
fn movement(now: NineBox, before: Option<NineBox>) -> &'static str {
    match before {
        None => "new",
        Some(b) if b == now => "same",
        Some(b) => match NineBox::movement(b, now) {
            1.. => "up",
            0 => "sideways",
            _ => "down",
        },
    }
}

impl App {
    /// Places the account (its owners, leaders and admins); placing it again in the same
    /// quarter replaces the placement.
    pub async fn place_in_nine_box(&self, by: &Caller, cmd: PlaceInNineBox) -> Result<Account> {
        let account = self.store.account(cmd.account).await?;
        by.may(|u| u.may_decide_tier(&account.fields.owners))?;
        let nine_box = NineBox::new(cmd.relationship, cmd.upsell).map_err(|e| match e {
            NineBoxError::Rating { field, .. } => Error::invalid(field, e.to_string()),
            other => Error::invalid("nine_box", other.to_string()),
        })?;
        let quarter = cmd
            .quarter
            .unwrap_or_else(|| Quarter::of(self.store.clock().today()));
        Ok(self
            .store
            .place_in_nine_box(&by.actor(), cmd.account, quarter, nine_box, &cmd.note)
            .await?)
    }

    /// The quarter's 9-box, of the whole book or of one CSM's accounts.
    pub async fn nine_box(&self, quarter: Quarter, csm: Option<UserId>) -> Result<QuarterBoard> {
        let mut view = self.store.nine_box(quarter).await?;
        if let Some(me) = csm {
            view.entries.retain(|e| e.csm == Some(me));
        }
        let by_box = time_spent(view.entries.iter().map(|e| (e.nine_box, e.touches)));
        let by_tier = time_spent(view.entries.iter().map(|e| (e.tier, e.touches)));
        let boxes = NineBox::all()
            .map(|b| BoxOfQuarter {
                nine_box: b,
                label: view.labels.label(b).to_string(),
                time_spent: by_box.get(&b).copied().unwrap_or_default(),
                accounts: view
                    .entries
                    .iter()
                    .filter(|e| e.nine_box == b)
                    .map(|e| PlacedAccount {
                        movement: movement(e.nine_box, e.before),
                        entry: e.clone(),
                    })
                    .collect(),
            })
            .collect();
        // Tiering says where time is wanted: each tier's cadence, over the quarter so far.
        let cadences = self
            .store
            .prioritisation_rules()
            .await?
            .cadences
            .cadences()
            .map_err(|(key, e)| Error::invalid(&key, e.to_string()))?;
        let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let today = self.store.clock().today();
        let from = midnight(quarter.first_day());
        let to = midnight(quarter.end().min(today.succ_opt().unwrap_or(today)));
        let wanted = |tier: Option<Tier>| {
            let c = cadences.iter().find(|c| Some(c.tier) == tier)?;
            Some(c.wanted_between(from, to))
        };
        Ok(QuarterBoard {
            quarter,
            boxes,
            by_tier: by_tier
                .into_iter()
                .map(|(tier, spent)| TierTime {
                    tier,
                    spent,
                    wanted_per_account: wanted(tier),
                })
                .collect(),
            not_yet_placed: view.not_yet_placed,
        })
    }
}
