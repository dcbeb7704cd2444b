//! Daily usage rollups per account and UTC day: events, page views, events by name, and the
//! users seen (active users that day; seats in use over 30 days). Kept at ingest: each batch of
//! new messages becomes one delta the store adds in the same transaction.

use super::{Message, MessageKind};
use crate::book::AccountId;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// Usage counts of one account on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    /// Track, page and screen messages.
    pub events: i64,
    /// Page and screen messages.
    pub page_views: i64,
}

/// What a set of new messages adds to the rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupDelta {
    pub days: BTreeMap<(AccountId, NaiveDate), DayCounts>,
    /// Track events by name.
    pub by_name: BTreeMap<(AccountId, NaiveDate, String), i64>,
    /// Who was active: (account, day, user key).
    pub users: BTreeSet<(AccountId, NaiveDate, String)>,
}

impl RollupDelta {
    /// Adds one message of an account. Identify, group and alias say who someone is, not that
    /// they used the product, so they do not count.
    pub fn add(&mut self, account: AccountId, m: &Message) {
        let day = m.timestamp.date_naive();
        let counts = self.days.entry((account, day)).or_default();
        match m.kind {
            MessageKind::Track => {
                counts.events += 1;
                let name = m.name.clone().unwrap_or_default();
                *self.by_name.entry((account, day, name)).or_default() += 1;
            }
            MessageKind::Page | MessageKind::Screen => {
                counts.events += 1;
                counts.page_views += 1;
            }
            MessageKind::Identify | MessageKind::Group | MessageKind::Alias => {
                if *counts == DayCounts::default() {
                    self.days.remove(&(account, day));
                }
                return;
            }
        }
        self.users.insert((account, day, m.user_key()));
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::parse_request;

    #[test]
    fn usage_counts_track_pages_and_people_but_not_identities() {
        let body = r#"{"batch": [
            {"type": "track", "userId": "u1", "event": "Report Built", "timestamp": "2026-11-23T10:00:00Z"},
            {"type": "track", "userId": "u1", "event": "Report Built", "timestamp": "2026-11-23T11:00:00Z"},
            {"type": "page", "userId": "u2", "name": "Home", "timestamp": "2026-11-23T12:00:00Z"},
            {"type": "identify", "userId": "u3", "timestamp": "2026-11-23T12:00:00Z"},
            {"type": "track", "userId": "u1", "event": "Export", "timestamp": "2026-11-24T00:00:01Z"}
        ]}"#;
        let r = parse_request(None, body.as_bytes(), chrono::Utc::now()).unwrap();
        let mut d = RollupDelta::default();
        for m in r.messages.iter().flatten() {
            d.add(AccountId(7), m);
        }
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            d.days[&(AccountId(7), day("2026-11-23"))],
            DayCounts {
                events: 3,
                page_views: 1
            }
        );
        assert_eq!(
            d.by_name[&(AccountId(7), day("2026-11-23"), "Report Built".into())],
            2
        );
        assert_eq!(
            d.users
                .iter()
                .filter(|(_, d2, _)| *d2 == day("2026-11-23"))
                .count(),
            2,
            "u3 only identified"
        );
        assert_eq!(d.days.len(), 2);
    }
}
