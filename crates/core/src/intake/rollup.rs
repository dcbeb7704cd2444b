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
///
/// Names and users are kept per account and day (or month) in maps of their own, so that
/// adding an event whose name or user is already there finds it by `&str` and copies nothing:
/// the intake adds every event of a stream here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupDelta {
    pub days: BTreeMap<(AccountId, NaiveDate), DayCounts>,
    /// Track events by name.
    by_name: BTreeMap<(AccountId, NaiveDate), BTreeMap<String, i64>>,
    /// Who was active: per account and month, each user key's days (see [`month_bit`]).
    users: BTreeMap<(AccountId, NaiveDate), BTreeMap<String, u32>>,
    /// Who used each named event: per account and name, each user key's last day. What a
    /// feature's users in the last 30 days are counted from (an effectiveness behaviour, a cell
    /// of the adoption matrix); kept as one day a user, not a history.
    name_users: BTreeMap<AccountId, BTreeMap<String, BTreeMap<String, NaiveDate>>>,
}

/// Adds `n` to the value under `key`, copying the key only when it is new.
fn bump<V: Copy + Default>(map: &mut BTreeMap<String, V>, key: &str, f: impl FnOnce(&mut V)) {
    match map.get_mut(key) {
        Some(v) => f(v),
        None => f(map.entry(key.to_owned()).or_default()),
    }
}

impl RollupDelta {
    /// Adds one message of an account. Identify, group and alias say who someone is, not that
    /// they used the product, so they do not count.
    pub fn add(&mut self, account: AccountId, m: &Message) {
        let day = m.timestamp.date_naive();
        match m.kind {
            MessageKind::Track => {
                let counts = self.days.entry((account, day)).or_default();
                counts.events += 1;
                let name = m.name.as_deref().unwrap_or_default();
                self.add_name(account, day, name, 1);
                self.add_name_user(account, name, &m.user_key(), day);
            }
            MessageKind::Page | MessageKind::Screen => {
                let counts = self.days.entry((account, day)).or_default();
                counts.events += 1;
                counts.page_views += 1;
            }
            MessageKind::Identify | MessageKind::Group | MessageKind::Alias => return,
        }
        let (month, bit) = month_bit(day);
        self.add_user(account, month, &m.user_key(), bit);
    }

    /// Adds `n` track events named `name` on a day.
    pub fn add_name(&mut self, account: AccountId, day: NaiveDate, name: &str, n: i64) {
        bump(self.by_name.entry((account, day)).or_default(), name, |c| {
            *c += n
        });
    }

    /// Adds days (see [`month_bit`]) on which a user was active in a month.
    pub fn add_user(&mut self, account: AccountId, month: NaiveDate, user: &str, days: u32) {
        bump(self.users.entry((account, month)).or_default(), user, |d| {
            *d |= days
        });
    }

    /// Records that a user used a named event on a day (the later of its days is kept).
    pub fn add_name_user(&mut self, account: AccountId, name: &str, user: &str, day: NaiveDate) {
        let names = self.name_users.entry(account).or_default();
        let users = match names.get_mut(name) {
            Some(users) => users,
            None => names.entry(name.to_owned()).or_default(),
        };
        match users.get_mut(user) {
            Some(last) => *last = (*last).max(day),
            None => {
                users.insert(user.to_owned(), day);
            }
        }
    }

    /// The last day each user used each named event, by account, name and user key.
    pub fn name_users(&self) -> impl Iterator<Item = (AccountId, &str, &str, NaiveDate)> {
        self.name_users.iter().flat_map(|(a, names)| {
            names.iter().flat_map(move |(n, users)| {
                users
                    .iter()
                    .map(move |(u, d)| (*a, n.as_str(), u.as_str(), *d))
            })
        })
    }

    /// Track events by account, day and name.
    pub fn names(&self) -> impl Iterator<Item = (AccountId, NaiveDate, &str, i64)> {
        self.by_name
            .iter()
            .flat_map(|((a, d), names)| names.iter().map(move |(n, c)| (*a, *d, n.as_str(), *c)))
    }

    /// The days each user was active, by account, month and user key.
    pub fn user_months(&self) -> impl Iterator<Item = (AccountId, NaiveDate, &str, u32)> {
        self.users
            .iter()
            .flat_map(|((a, m), users)| users.iter().map(move |(u, d)| (*a, *m, u.as_str(), *d)))
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
        for ((a, d), names) in other.by_name {
            for (n, c) in names {
                self.add_name(a, d, &n, c);
            }
        }
        for ((a, m), users) in other.users {
            for (u, days) in users {
                self.add_user(a, m, &u, days);
            }
        }
        for (a, names) in other.name_users {
            for (n, users) in names {
                for (u, day) in users {
                    self.add_name_user(a, &n, &u, day);
                }
            }
        }
    }

    /// Active users on a day.
    pub fn active_on(&self, account: AccountId, day: NaiveDate) -> usize {
        let (month, bit) = month_bit(day);
        self.users
            .get(&(account, month))
            .map_or(0, |users| users.values().filter(|d| *d & bit != 0).count())
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
        assert!(
            d.names()
                .any(|n| n == (AccountId(7), day("2026-11-23"), "Report Built", 2))
        );
        assert_eq!(
            d.active_on(AccountId(7), day("2026-11-23")),
            2,
            "u3 only identified"
        );
        assert_eq!(d.active_on(AccountId(7), day("2026-11-24")), 1);
        assert!(
            d.user_months()
                .any(|u| u == (AccountId(7), day("2026-11-01"), "u1", (1 << 22) | (1 << 23))),
            "u1 was active on the 23rd and the 24th"
        );
        assert_eq!(d.days.len(), 2);
        let name_users: Vec<_> = d.name_users().collect();
        assert_eq!(
            name_users,
            [
                (AccountId(7), "Export", "u1", day("2026-11-24")),
                (AccountId(7), "Report Built", "u1", day("2026-11-23")),
            ],
            "who used each event and when last; a page view is no feature"
        );
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
