//! Daily usage rollups per account and UTC day: events, page views, events by name, and the
//! users seen (active users that day; seats in use over 30 days). Kept at ingest: each batch of
//! new messages becomes one delta the store adds in the same transaction.
//!
//! Who was active is kept per account, user and month as a set of days (a bit per day): a
//! user active every day is 12 entries a year, not 365.

use super::{Message, MessageKind};
use crate::book::AccountId;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// The month a day falls in (its first day) and the day's bit in that month's set.
pub fn month_bit(day: NaiveDate) -> (NaiveDate, u32) {
    (day.with_day(1).unwrap_or(day), 1u32 << (day.day() - 1))
}

/// The days of a month's set of days.
pub fn days_in(month: NaiveDate, bits: u32) -> impl Iterator<Item = NaiveDate> {
    (0..31u32)
        .filter(move |b| bits & (1 << b) != 0)
        .filter_map(move |b| month.with_day(b + 1))
}

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
    /// Who was active: (account, month, user key) to the days of that month (see [`month_bit`]).
    pub users: BTreeMap<(AccountId, NaiveDate, String), u32>,
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
        let (month, bit) = month_bit(day);
        *self
            .users
            .entry((account, month, m.user_key()))
            .or_default() |= bit;
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// Adds another delta to this one.
    pub fn merge(&mut self, other: RollupDelta) {
        for (k, c) in other.days {
            let e = self.days.entry(k).or_default();
            e.events += c.events;
            e.page_views += c.page_views;
        }
        for (k, n) in other.by_name {
            *self.by_name.entry(k).or_default() += n;
        }
        for (k, bits) in other.users {
            *self.users.entry(k).or_default() |= bits;
        }
    }

    /// Active users on a day.
    pub fn active_on(&self, account: AccountId, day: NaiveDate) -> usize {
        let (month, bit) = month_bit(day);
        self.users
            .iter()
            .filter(|((a, m, _), bits)| *a == account && *m == month && *bits & bit != 0)
            .count()
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
            d.active_on(AccountId(7), day("2026-11-23")),
            2,
            "u3 only identified"
        );
        assert_eq!(d.active_on(AccountId(7), day("2026-11-24")), 1);
        assert_eq!(
            d.users[&(AccountId(7), day("2026-11-01"), "u1".into())],
            (1 << 22) | (1 << 23),
            "u1 was active on the 23rd and the 24th"
        );
        assert_eq!(d.days.len(), 2);
    }

    #[test]
    fn a_days_bit_names_the_day_back() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        for d in ["2026-01-01", "2026-02-28", "2026-12-31", "2028-02-29"] {
            let (month, bit) = month_bit(day(d));
            assert_eq!(days_in(month, bit).collect::<Vec<_>>(), vec![day(d)]);
        }
        let (month, _) = month_bit(day("2026-03-15"));
        assert_eq!(month, day("2026-03-01"));
    }
}
