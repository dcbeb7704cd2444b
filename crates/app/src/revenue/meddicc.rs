//! MEDDICC for a renewal: the qualification in force with, beside each element, what the book
//! already knows (the success plan's objectives and the health score for Metrics, the
//! relationship map for the economic buyer and the champion, the competitors mentioned this
//! year) and its flags; saving a version (the account's owners and leaders); a competitor
//! mentioned on an account (from the list the admin keeps).

use super::Renewal;
use crate::{App, Caller, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::revenue::meddicc::{
    Element, Entry, MapPerson, MeddiccSwitches, Qualification, role_flag,
};
use sherpa_core::*;
use sherpa_store::{CompetitorMention, ListQuery};

/// Competitors mentioned within this many days count as active in the account.
pub const COMPETITION_DAYS: u64 = 365;

/// One element as the page and the API show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementView {
    pub element: Element,
    pub entry: Entry,
    /// What the book knows that bears on it, one line each.
    pub facts: Vec<String>,
    /// Something a person must look at: no economic buyer, a departed champion.
    pub flag: Option<String>,
}

/// A version saved, for the history.
#[derive(Debug, Clone, PartialEq)]
pub struct QualificationVersion {
    pub by: Option<String>,
    pub saved_at: DateTime<Utc>,
    pub rated: usize,
    pub of: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeddiccView {
    pub renewal: Renewal,
    pub switches: MeddiccSwitches,
    pub elements: Vec<ElementView>,
    /// Rated elements, of the elements in use.
    pub completeness: (usize, usize),
    pub history: Vec<QualificationVersion>,
    pub competitors: Vec<String>,
    pub mentions: Vec<CompetitorMention>,
}

/// A competitor mentioned on an account.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionCompetitor {
    pub account: AccountId,
    pub competitor: String,
    /// Today when left out.
    pub on: Option<NaiveDate>,
    pub note: String,
}

impl App {
    /// The renewal's qualification with what the book knows beside each element.
    pub async fn meddicc(&self, by: &Caller, contract: ContractId) -> Result<MeddiccView> {
        let renewal = self.renewal_of(by, contract).await?;
        let account = renewal.stored.account;
        let today = self.store.clock().today();
        let config = self.store.revenue_config().await?;
        let switches = config.meddicc.clone();
        let saved = self.store.qualifications(contract).await?;
        let current = saved.first().map(|s| s.content.clone()).unwrap_or_default();
        let contacts = self
            .store
            .contacts(&ListQuery {
                account: Some(account),
                limit: 1_000,
                ..Default::default()
            })
            .await?;
        let people = |role: RelationshipRole| -> Vec<MapPerson> {
            contacts
                .iter()
                .filter(|c| c.fields.roles.contains(&role))
                .map(|c| MapPerson {
                    name: c.fields.name.clone(),
                    departed: c.fields.departed_on.is_some(),
                })
                .collect()
        };
        let named = |ps: &[MapPerson]| -> Vec<String> {
            ps.iter()
                .map(|p| {
                    if p.departed {
                        format!("{} (departed)", p.name)
                    } else {
                        p.name.clone()
                    }
                })
                .collect()
        };
        let mentions = self
            .store
            .competitor_mentions(account, today - chrono::Days::new(COMPETITION_DAYS))
            .await?;
        let plan = self.plan(by, account).await?;
        let mut metrics: Vec<String> = match &plan {
            Some(p) => p
                .objectives
                .iter()
                .zip(&p.content.objectives)
                .map(|(v, o)| {
                    format!(
                        "{}: {} ({}% of the way to target)",
                        o.title,
                        v.assessment.status.as_str().replace('_', " "),
                        (v.assessment.progress * rust_decimal::Decimal::from(100)).round()
                    )
                })
                .collect(),
            None => vec![
                "no success plan: the KPIs the customer bought for are not written down".into(),
            ],
        };
        metrics.push(match (renewal.stored.score, renewal.stored.colour) {
            (Some(s), Some(c)) => format!("health score {s:.0}, {c}"),
            _ => "health: not enough data to score".into(),
        });
        let pain = plan
            .as_ref()
            .map(|p| p.content.success.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(|s| vec![format!("success in the customer's words: {s}")])
            .unwrap_or_default();
        let elements = switches
            .elements()
            .into_iter()
            .map(|element| {
                let (facts, flag) = match element {
                    Element::Metrics => (metrics.clone(), None),
                    Element::EconomicBuyer => {
                        let p = people(RelationshipRole::EconomicBuyer);
                        (named(&p), role_flag("economic buyer", &p))
                    }
                    Element::Champion => {
                        let p = people(RelationshipRole::Champion);
                        (named(&p), role_flag("champion", &p))
                    }
                    Element::Competition => (
                        mentions
                            .iter()
                            .map(|m| {
                                let note = if m.note.is_empty() {
                                    String::new()
                                } else {
                                    format!(": {}", m.note)
                                };
                                format!("{} on {}{note}", m.competitor, m.on)
                            })
                            .collect(),
                        None,
                    ),
                    Element::IdentifiedPain => (pain.clone(), None),
                    Element::DecisionProcess | Element::DecisionCriteria => (Vec::new(), None),
                };
                ElementView {
                    element,
                    entry: current.get(&element).cloned().unwrap_or_default(),
                    facts,
                    flag,
                }
            })
            .collect();
        Ok(MeddiccView {
            completeness: switches.completeness(&current),
            history: saved
                .iter()
                .map(|s| {
                    let (rated, of) = switches.completeness(&s.content);
                    QualificationVersion {
                        by: s.by.clone(),
                        saved_at: s.saved_at,
                        rated,
                        of,
                    }
                })
                .collect(),
            renewal,
            switches,
            elements,
            competitors: config.competitors,
            mentions,
        })
    }

    /// Saves a version of the renewal's qualification: the account's owners and leaders.
    pub async fn save_meddicc(
        &self,
        by: &Caller,
        contract: ContractId,
        content: Qualification,
    ) -> Result<MeddiccView> {
        let renewal = self.renewal_of(by, contract).await?;
        by.may(|u| u.may_call_renewal(&renewal.stored.owners))?;
        let switches = self.store.revenue_config().await?.meddicc;
        switches
            .check(&content)
            .map_err(|(field, message)| Error::invalid(&format!("elements.{field}"), message))?;
        let content: Qualification = content
            .into_iter()
            .map(|(e, entry)| {
                (
                    e,
                    Entry {
                        rating: entry.rating,
                        note: entry.note.trim().to_string(),
                    },
                )
            })
            .filter(|(_, entry)| entry.rating.is_some() || !entry.note.is_empty())
            .collect();
        self.store
            .save_qualification(&by.actor(), renewal.stored.account, contract, &content)
            .await?;
        self.meddicc(by, contract).await
    }

    /// Records a competitor mentioned on an account: its owners and leaders, a competitor of
    /// the admin's list.
    pub async fn mention_competitor(&self, by: &Caller, cmd: MentionCompetitor) -> Result<()> {
        let acc = self.store.account(cmd.account).await?;
        by.may(|u| u.may_call_renewal(&acc.fields.owners))?;
        let config = self.store.revenue_config().await?;
        let Some(name) = config.competitor(&cmd.competitor) else {
            return Err(Error::invalid(
                "competitor",
                if config.competitors.is_empty() {
                    "no competitor is listed yet; an admin lists them under [revenue] competitors in the configuration".to_string()
                } else {
                    format!(
                        "\"{}\" is not a listed competitor: {}",
                        cmd.competitor.trim(),
                        config.competitors.join(", ")
                    )
                },
            ));
        };
        let today = self.store.clock().today();
        let on = cmd.on.unwrap_or(today);
        if on > today {
            return Err(Error::invalid("on", format!("{on} is in the future")));
        }
        let note = cmd.note.trim();
        if note.chars().count() > sherpa_core::revenue::meddicc::NOTE_MAX {
            return Err(Error::invalid(
                "note",
                format!(
                    "at most {} characters",
                    sherpa_core::revenue::meddicc::NOTE_MAX
                ),
            ));
        }
        self.store
            .mention_competitor(&by.actor(), cmd.account, name, on, note)
            .await?;
        Ok(())
    }
}
