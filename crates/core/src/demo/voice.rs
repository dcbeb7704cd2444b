//! The demo's usage, tickets and surveys, telling each account's story: a healthy account uses
//! most of its seats and answers surveys warmly; a growing one adds users; a declining one uses
//! less, files more (and escalated) tickets and scores low; a churn-bound one fades out and says
//! it would not renew. The story follows the account's contract history.

use super::{DemoAccount, DemoBook};
use crate::book::*;
use crate::intake::{DayCounts, RollupDelta, month_bit};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trajectory {
    Healthy,
    Growing,
    Declining,
    ChurnBound,
}

/// Product features of the demo's product, the first ones used most.
pub const FEATURES: [&str; 12] = [
    "Dashboard Viewed",
    "Report Built",
    "Report Shared",
    "Export Created",
    "Alert Configured",
    "Integration Connected",
    "Workflow Automated",
    "Comment Added",
    "User Invited",
    "API Key Created",
    "Forecast Run",
    "Audit Exported",
];

/// The demo product's high-value features: a customer reaches first value when it first uses
/// one. Accounts whose use stays narrow (declining, churn-bound) never do.
pub const HIGH_VALUE_FEATURES: [&str; 2] = ["Integration Connected", "Workflow Automated"];

/// Days back for which the demo's usage history keeps events by name day by day: what the pages
/// show day by day (the account's 90 days of usage, the 30 days before each of the last 12
/// weekly health snapshots). Older weeks keep theirs on the week's Monday, which every 30-day
/// window an older score reads (a back-test's) still adds up, at a seventh of the rows.
pub const DAILY_NAME_DAYS: i64 = 120;

/// The first features a new customer uses, before its team finds the rest.
const STARTER_FEATURES: usize = 3;

/// How likely each feature (as [`FEATURES`]) is among a user's own: everyone looks at the
/// dashboards, few people connect integrations or create API keys. The account's first user
/// (its admin) uses every feature its team has found.
const FEATURE_REACH: [f64; FEATURES.len()] = [
    0.9, 0.7, 0.5, 0.5, 0.35, 0.15, 0.3, 0.45, 0.1, 0.08, 0.3, 0.1,
];

/// Whether feature `f` is among user `user`'s own, in account `index`: fixed for the user.
fn uses(index: usize, user: u16, f: usize) -> bool {
    if user == 0 {
        return true;
    }
    // splitmix64 of the three, as a share in [0, 1).
    let mut z = (index as u64) << 24 ^ u64::from(user) << 8 ^ f as u64;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ((z >> 11) as f64 / (1u64 << 53) as f64) < FEATURE_REACH[f]
}

impl DemoAccount {
    /// The story of an account, from its contracts: churned, contracted, expanded, or steady.
    /// A customer lost to something outside the product (an acquisition, a budget cut) looked
    /// healthy to the end: the churn no score could have seen, as every book has.
    pub fn trajectory(&self) -> Trajectory {
        if self.churned() {
            let reason = self
                .contracts
                .iter()
                .rev()
                .find_map(|c| c.churn_reason.as_deref())
                .unwrap_or_default();
            if reason.starts_with("Acquired") || reason.starts_with("Budget") {
                return Trajectory::Healthy;
            }
            return Trajectory::ChurnBound;
        }
        let last_outcome = self.contracts.iter().rev().find_map(|c| c.outcome);
        match last_outcome {
            Some(Outcome::Contracted) => Trajectory::Declining,
            Some(Outcome::Expanded) => Trajectory::Growing,
            _ if self.index % 11 == 3 => Trajectory::Declining,
            _ => Trajectory::Healthy,
        }
    }

    fn churned(&self) -> bool {
        self.fields.lifecycle == Some(Lifecycle::Churned)
    }

    fn seats(&self) -> i64 {
        self.contracts
            .iter()
            .filter_map(|c| c.seats)
            .next_back()
            .unwrap_or(5)
    }
}

impl DemoBook {
    fn voice_rng(&self, index: usize, salt: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(
            self.seed ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ salt,
        )
    }

    /// A year of tickets (the account id is a placeholder the loader sets).
    pub fn tickets(&self, a: &DemoAccount) -> Vec<TicketFields> {
        let mut rng = self.voice_rng(a.index, 0x71);
        let t = a.trajectory();
        let per_year = match t {
            Trajectory::Healthy => rng.random_range(1..4),
            Trajectory::Growing => rng.random_range(2..6),
            Trajectory::Declining => rng.random_range(6..12),
            Trajectory::ChurnBound => rng.random_range(8..14),
        };
        // A customer files tickets while it is one: none before its first term, none after it
        // left, and a churned account's tickets were all closed when it went.
        let (first, last) = self.usage_span(a);
        let live = last == self.today;
        let now = last.and_hms_opt(12, 0, 0).expect("noon").and_utc();
        (0..per_year)
            .map(|i| {
                // Troubled accounts' tickets bunch up in the recent months.
                let recent = matches!(t, Trajectory::Declining | Trajectory::ChurnBound);
                let back = if recent && i % 2 == 0 {
                    rng.random_range(1..90)
                } else {
                    rng.random_range(1..365)
                };
                let opened_at =
                    now - Duration::days(back) - Duration::minutes(rng.random_range(0..600));
                let severity = match (t, rng.random_range(0..10)) {
                    (Trajectory::Declining | Trajectory::ChurnBound, 0..=2) => Severity::Urgent,
                    (_, 0) => Severity::High,
                    (_, 1..=6) => Severity::Normal,
                    _ => Severity::Low,
                };
                let hours = match t {
                    Trajectory::Healthy | Trajectory::Growing => rng.random_range(1..30),
                    _ => rng.random_range(8..200),
                };
                let resolved_at = opened_at + Duration::hours(hours);
                let open = live && (resolved_at > now || (back < 10 && rng.random_bool(0.5)));
                let resolved_at = resolved_at.min(now);
                TicketFields {
                    account_id: AccountId(0),
                    external_id: Some(format!("ZD-{}-{i}", a.index + 1)),
                    subject: (*super::names::pick(SUBJECTS, &mut rng)).to_string(),
                    opened_at,
                    severity,
                    status: if open {
                        TicketStatus::Open
                    } else {
                        TicketStatus::Solved
                    },
                    resolved_at: (!open).then_some(resolved_at),
                    escalated: severity == Severity::Urgent && rng.random_bool(0.6),
                    csat: (!open && rng.random_bool(0.6)).then(|| match t {
                        Trajectory::Healthy | Trajectory::Growing => rng.random_range(4..6),
                        _ => rng.random_range(1..4),
                    }),
                }
            })
            .filter(|t| t.opened_at.date_naive() >= first)
            .collect()
    }

    /// Quarterly NPS and a yearly renewal question, answered by the account's first contact.
    pub fn surveys(&self, a: &DemoAccount) -> Vec<SurveyFields> {
        let mut rng = self.voice_rng(a.index, 0x5);
        let t = a.trajectory();
        // Asked while it is a customer: up to today, or the day a churned account left.
        let (first, last) = self.usage_span(a);
        let mut out = Vec::new();
        for q in 0..4i64 {
            if !rng.random_bool(0.7) {
                continue;
            }
            let answered_on = last - Duration::days(q * 91 + rng.random_range(0..30));
            // Declining accounts were warmer a year ago than now.
            let score = match t {
                Trajectory::Healthy => rng.random_range(7..11),
                Trajectory::Growing => rng.random_range(8..11),
                Trajectory::Declining => (rng.random_range(3..8) + q).min(10),
                Trajectory::ChurnBound => rng.random_range(0..6),
            };
            out.push(SurveyFields {
                account_id: AccountId(0),
                contact_id: None,
                external_id: Some(format!("NPS-{}-{q}", a.index + 1)),
                kind: SurveyKind::Nps,
                score: Some(score),
                intent: None,
                comment: (score <= 6)
                    .then(|| "Reports are slow and support takes days".to_string()),
                answered_on,
            });
        }
        out.push(SurveyFields {
            account_id: AccountId(0),
            contact_id: None,
            external_id: Some(format!("RENEW-{}", a.index + 1)),
            kind: SurveyKind::RenewIntent,
            score: None,
            intent: Some(match t {
                Trajectory::Healthy | Trajectory::Growing => RenewIntent::Yes,
                Trajectory::Declining => RenewIntent::Unsure,
                Trajectory::ChurnBound => RenewIntent::No,
            }),
            comment: None,
            answered_on: last - Duration::days(rng.random_range(20..120)),
        });
        out.retain(|s| s.answered_on >= first);
        out
    }

    /// The last day the account used the product: today, or the end of a churned account's
    /// last contract; and the first, when its first contract started.
    fn usage_span(&self, a: &DemoAccount) -> (NaiveDate, NaiveDate) {
        let first = a
            .contracts
            .iter()
            .map(|c| c.start_date)
            .min()
            .unwrap_or(self.today);
        let last = if a.churned() {
            a.contracts
                .iter()
                .map(|c| c.end_date)
                .max()
                .unwrap_or(self.today)
                .min(self.today)
        } else {
            self.today
        };
        (first, last)
    }

    /// Who used the product on `day` and what they did, following the account's story over the
    /// year: a growing account's share of active seats rises, a declining one's falls, a
    /// churn-bound one fades out before its contract ends. The same day always gives the same
    /// events, so the rollups of the past and the raw events of the last days agree.
    fn day_events(&self, a: &DemoAccount, day: NaiveDate, mut each: impl FnMut(DemoEvent)) {
        let (first, last) = self.usage_span(a);
        if day < first || day > last {
            return;
        }
        let mut rng = self.voice_rng(a.index, 0x0e ^ ((day - first).num_days() as u64) << 20);
        // 1 a year or more before the story's end, 0 at its end.
        let ago = ((last - day).num_days() as f64 / 365.0).min(1.0);
        let t = a.trajectory();
        let share = match t {
            Trajectory::Healthy => 0.65,
            Trajectory::Growing => 0.85 - 0.45 * ago,
            Trajectory::Declining => 0.3 + 0.4 * ago,
            Trajectory::ChurnBound => 0.05 + 0.55 * ago,
        };
        let breadth = match t {
            Trajectory::Healthy => 9,
            Trajectory::Growing => 11,
            Trajectory::Declining => 5,
            Trajectory::ChurnBound => 3,
        };
        // A new customer starts with the first few features and finds the rest (and with
        // them first value) within weeks: how many, the account's own.
        let ramp = 5 + (a.index as i64 * 7919) % 50;
        let breadth = if (day - first).num_days() < ramp {
            breadth.min(STARTER_FEATURES)
        } else {
            breadth
        };
        let weekend = matches!(
            chrono::Datelike::weekday(&day),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        );
        let seats = a.seats().clamp(1, 400);
        let active = (seats as f64 * share * if weekend { 0.2 } else { 1.0 }).round() as u16;
        for user in 0..active {
            // The features the team has found that this user works with (the dashboards when
            // none of theirs is found yet).
            let own: Vec<usize> = (0..breadth).filter(|f| uses(a.index, user, *f)).collect();
            let own = if own.is_empty() { vec![0] } else { own };
            for e in 0..rng.random_range(2..7u8) {
                each(DemoEvent {
                    user,
                    seq: e,
                    // The first event of a user's day is the home page; then features.
                    feature: (e > 0).then(|| own[rng.random_range(0..own.len())]),
                    hour: rng.random_range(7..19),
                    minute: rng.random_range(0..60),
                });
            }
        }
    }

    /// Seats of the account's contract terms running on a day, when they say.
    pub fn seats_on(&self, a: &DemoAccount, day: NaiveDate) -> Option<i64> {
        a.contracts
            .iter()
            .filter(|c| c.start_date <= day && day <= c.end_date)
            .filter_map(|c| c.seats)
            .reduce(|x, y| x + y)
    }

    /// Each feature's distinct users in the 30 days up to each of `days` (oldest first), as
    /// the intake would count them from the same events: one pass over the days they span.
    pub fn feature_users_on(&self, a: &DemoAccount, days: &[NaiveDate]) -> FeatureWeeks {
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Vec::new();
        };
        let mut last_used: Vec<Option<NaiveDate>> = Vec::new();
        let mut out = Vec::with_capacity(days.len());
        let mut day = *first - Duration::days(29);
        let mut next = days.iter().peekable();
        while day <= *last {
            self.day_events(a, day, |e| {
                if let Some(f) = e.feature {
                    used_on(&mut last_used, e.user, f, day);
                }
            });
            while next.peek() == Some(&&day) {
                next.next();
                out.push(users_in_30_days(&last_used, day));
            }
            day += Duration::days(1);
        }
        out
    }

    /// Segment track and page messages of the last `days` days for one account, as its
    /// product would send them (group id = the account's CRM id).
    pub fn usage_messages(&self, a: &DemoAccount, days: i64) -> Vec<String> {
        let Some(group) = a.fields.external_id.clone() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for back in (0..days).rev() {
            let day: NaiveDate = self.today - Duration::days(back);
            let mut events = Vec::new();
            self.day_events(a, day, |e| events.push(e));
            for e in events {
                let at: DateTime<Utc> = day
                    .and_hms_opt(e.hour, e.minute, 0)
                    .expect("valid")
                    .and_utc();
                let (kind, key, name) = match e.feature {
                    None => ("page", "name", "Home"),
                    Some(f) => ("track", "event", FEATURES[f]),
                };
                let mut m = String::new();
                let _ = write!(
                    m,
                    r#"{{"type":"{kind}","userId":"{group}-user-{u}","{key}":"{name}","messageId":"demo-{}-{back}-{u}-{s}","timestamp":"{}","context":{{"groupId":"{group}","library":{{"name":"sherpa-demo"}}}}}}"#,
                    a.index,
                    crate::text::timestamp(at),
                    u = e.user,
                    s = e.seq,
                );
                out.push(m);
            }
        }
        out
    }

    /// Adds the account's usage rollups from `days` days ago up to `skip` days ago (those
    /// later days come as raw events) to `out`, as the intake would have rolled up the same
    /// events, except that days older than [`DAILY_NAME_DAYS`] keep their events by name on
    /// the week's Monday (see there).
    pub fn usage_history(
        &self,
        a: &DemoAccount,
        account: AccountId,
        days: i64,
        skip: i64,
        out: &mut RollupDelta,
    ) {
        self.usage_history_counting(a, account, days, skip, out, &[]);
    }

    /// [`Self::usage_history`], counting on the way each feature's users in the 30 days up to
    /// each of `weeks` (oldest first) that the history reaches: the demo's effectiveness
    /// history, drawn once with the usage.
    pub fn usage_history_counting(
        &self,
        a: &DemoAccount,
        account: AccountId,
        days: i64,
        skip: i64,
        out: &mut RollupDelta,
        weeks: &[NaiveDate],
    ) -> FeatureWeeks {
        let mut counted = Vec::with_capacity(weeks.len());
        let Some(group) = a.fields.external_id.as_deref() else {
            return counted;
        };
        let mut next = weeks.iter().peekable();
        // The days each user was active, per month.
        let mut active: std::collections::BTreeMap<NaiveDate, Vec<u32>> = Default::default();
        let mut by_feature = [0i64; FEATURES.len()];
        // The last day each user used each feature, by user * features + feature.
        let mut last_used: Vec<Option<NaiveDate>> = Vec::new();
        for back in (skip..days).rev() {
            let day: NaiveDate = self.today - Duration::days(back);
            let mut counts = DayCounts::default();
            let mut users = 0;
            self.day_events(a, day, |e| {
                counts.events += 1;
                match e.feature {
                    None => counts.page_views += 1,
                    Some(f) => {
                        by_feature[f] += 1;
                        used_on(&mut last_used, e.user, f, day);
                    }
                }
                users = users.max(e.user + 1);
            });
            while next.next_if(|w| **w <= day).is_some_and(|w| *w == day) {
                counted.push(users_in_30_days(&last_used, day));
            }
            if counts.events > 0 {
                out.days.insert((account, day), counts);
                let (month, bit) = month_bit(day);
                let days = active.entry(month).or_default();
                days.resize(days.len().max(users as usize), 0);
                for d in &mut days[..users as usize] {
                    *d |= bit;
                }
            }
            // A daily day's names, or an older week's on its Monday once its Sunday is counted.
            let named_on = if back < DAILY_NAME_DAYS {
                Some(day)
            } else if day.weekday() == Weekday::Sun || back == skip.max(DAILY_NAME_DAYS) {
                Some(day - Duration::days(day.weekday().num_days_from_monday().into()))
            } else {
                None
            };
            if let Some(on) = named_on {
                for (f, n) in by_feature.iter_mut().enumerate().filter(|(_, n)| **n > 0) {
                    out.add_name(account, on, FEATURES[f], *n);
                    *n = 0;
                }
            }
        }
        for (month, days) in active {
            for (u, bits) in days.into_iter().enumerate().filter(|(_, b)| *b != 0) {
                out.add_user(account, month, &format!("{group}-user-{u}"), bits);
            }
        }
        for (at, day) in last_used.into_iter().enumerate() {
            if let Some(day) = day {
                let (u, f) = (at / FEATURES.len(), at % FEATURES.len());
                out.add_name_user(account, FEATURES[f], &format!("{group}-user-{u}"), day);
            }
        }
        counted
    }
}

/// Each feature's users (as [`FEATURES`] orders them) in the 30 days up to each of some days.
pub type FeatureWeeks = Vec<[u32; FEATURES.len()]>;

/// A feature's users by name, those nobody used left out: as the intake counts them.
pub fn feature_users(counts: &[u32; FEATURES.len()]) -> std::collections::BTreeMap<String, u32> {
    FEATURES
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(f, n)| (f.to_string(), *n))
        .collect()
}

/// Records that `user` used feature `f` on `day`: the last day each user used each feature,
/// by user * features + feature.
fn used_on(last_used: &mut Vec<Option<NaiveDate>>, user: u16, f: usize, day: NaiveDate) {
    let at = usize::from(user) * FEATURES.len() + f;
    if last_used.len() <= at {
        last_used.resize(at + 1, None);
    }
    last_used[at] = Some(day);
}

/// Each feature's users in the 30 days up to `day`.
fn users_in_30_days(last_used: &[Option<NaiveDate>], day: NaiveDate) -> [u32; FEATURES.len()] {
    let from = day - Duration::days(29);
    let mut out = [0; FEATURES.len()];
    for (at, used) in last_used.iter().enumerate() {
        if used.is_some_and(|d| d >= from && d <= day) {
            out[at % FEATURES.len()] += 1;
        }
    }
    out
}

/// One event of the demo's product: a user's page view (no feature) or use of a feature.
struct DemoEvent {
    user: u16,
    /// Its place in the user's day.
    seq: u8,
    feature: Option<usize>,
    hour: u32,
    minute: u32,
}

const SUBJECTS: &[&str] = &[
    "Cannot log in with SSO",
    "Report export times out",
    "Dashboard shows wrong totals",
    "How do I invite a colleague?",
    "Integration sync failed",
    "Billing question about seats",
    "Feature request: scheduled reports",
    "Alert emails not arriving",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_speak_only_while_they_are_customers() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let book = DemoBook::new(300, 42, today);
        let mut churned = 0;
        for i in 0..300 {
            let a = book.account(i);
            let first = a.contracts[0].start_date;
            let last = a.contracts.last().unwrap().end_date.min(today);
            let gone = a.fields.lifecycle == Some(Lifecycle::Churned);
            churned += usize::from(gone);
            for t in book.tickets(&a) {
                let opened = t.opened_at.date_naive();
                assert!(opened >= first && opened <= last, "account {i}: {t:?}");
                assert!(
                    !(gone && t.status == TicketStatus::Open),
                    "account {i}: {t:?}"
                );
                assert!(t.resolved_at.is_none_or(|r| r >= t.opened_at), "{t:?}");
            }
            for s in book.surveys(&a) {
                assert!(
                    s.answered_on >= first && s.answered_on <= last,
                    "account {i}: {s:?}"
                );
            }
        }
        assert!(churned > 10, "{churned}");
    }

    #[test]
    fn the_history_rolls_up_what_the_raw_events_would() {
        let book = DemoBook::new(60, 42, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let mut compared = 0;
        for i in 0..60 {
            let a = book.account(i);
            let mut from_raw = RollupDelta::default();
            for chunk in book.usage_messages(&a, 10).chunks(2_000) {
                let body = format!("{{\"batch\":[{}]}}", chunk.join(","));
                let parsed =
                    crate::intake::parse_request(None, body.as_bytes(), chrono::Utc::now())
                        .unwrap();
                for m in parsed.messages {
                    from_raw.add(AccountId(1), &m.unwrap());
                }
            }
            let mut history = RollupDelta::default();
            book.usage_history(&a, AccountId(1), 10, 0, &mut history);
            assert_eq!(history, from_raw);
            compared += usize::from(!from_raw.is_empty());
        }
        assert!(compared > 30, "{compared} accounts had usage");
    }

    #[test]
    fn feature_users_count_what_the_intake_keeps() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let book = DemoBook::new(40, 7, today);
        let mut checked = 0;
        for i in 0..40 {
            let a = book.account(i);
            let mut history = RollupDelta::default();
            book.usage_history(&a, AccountId(1), 120, 0, &mut history);
            let from = today - Duration::days(29);
            let mut expected: std::collections::BTreeMap<String, std::collections::BTreeSet<&str>> =
                Default::default();
            for (_, name, user, day) in history.name_users() {
                if day >= from {
                    expected.entry(name.to_string()).or_default().insert(user);
                }
            }
            let expected: std::collections::BTreeMap<String, u32> = expected
                .into_iter()
                .map(|(f, u)| (f, u.len() as u32))
                .collect();
            let weeks = [today - Duration::days(7), today];
            let counted = book.feature_users_on(&a, &weeks);
            assert_eq!(feature_users(&counted[1]), expected, "account {i}");
            // Counted on the way with the history, the same.
            let mut again = RollupDelta::default();
            let on_the_way =
                book.usage_history_counting(&a, AccountId(1), 120, 0, &mut again, &weeks);
            assert_eq!(on_the_way, counted, "account {i}");
            checked += usize::from(!expected.is_empty());
        }
        assert!(checked > 20, "{checked}");
    }

    #[test]
    fn older_weeks_keep_every_named_event_on_their_monday() {
        let book = DemoBook::new(40, 42, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let daily_from = book.today - Duration::days(DAILY_NAME_DAYS - 1);
        let mut weekly = 0;
        for i in 0..40 {
            let a = book.account(i);
            let mut h = RollupDelta::default();
            book.usage_history(&a, AccountId(1), 365, 0, &mut h);
            let tracked: i64 = h.days.values().map(|c| c.events - c.page_views).sum();
            let named: i64 = h.names().map(|(_, _, _, n)| n).sum();
            assert_eq!(named, tracked, "account {i}: no feature use is lost");
            for (_, day, _, _) in h.names().filter(|(_, d, _, _)| *d < daily_from) {
                assert_eq!(day.weekday(), Weekday::Mon, "account {i}: {day}");
                weekly += 1;
            }
            assert!(
                h.names()
                    .filter(|(_, d, _, _)| *d >= daily_from)
                    .all(|(_, d, _, _)| h.days.contains_key(&(AccountId(1), d))),
                "account {i}: a recent day's names are that day's"
            );
        }
        assert!(weekly > 100, "{weekly} weekly names");
    }

    #[test]
    fn a_year_of_usage_follows_the_story() {
        let book = DemoBook::new(120, 42, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let mut checked = [0; 3];
        for i in 0..120 {
            let a = book.account(i);
            let mut h = RollupDelta::default();
            book.usage_history(&a, AccountId(1), 365, 0, &mut h);
            // Average daily events in the oldest and the newest quarter of the account's year.
            let quarter = |from: i64| {
                let (lo, hi) = (
                    book.today - Duration::days(from + 90),
                    book.today - Duration::days(from),
                );
                h.days
                    .iter()
                    .filter(|((_, d), _)| *d > lo && *d <= hi)
                    .map(|(_, c)| c.events)
                    .sum::<i64>()
            };
            let (old, new) = (quarter(270), quarter(0));
            let (first, _) = book.usage_span(&a);
            if first > book.today - Duration::days(365) || old < 200 {
                continue;
            }
            match a.trajectory() {
                Trajectory::Growing => {
                    assert!(new > old, "{i} grows: {old} then {new}");
                    checked[0] += 1;
                }
                Trajectory::Declining => {
                    assert!(new < old, "{i} declines: {old} then {new}");
                    checked[1] += 1;
                }
                Trajectory::ChurnBound => {
                    assert!(new < old / 2, "{i} fades out: {old} then {new}");
                    checked[2] += 1;
                }
                Trajectory::Healthy => {}
            }
        }
        assert!(checked.iter().all(|n| *n > 0), "{checked:?}");
    }

    #[test]
    fn the_story_shows_in_tickets_surveys_and_usage() {
        let book = DemoBook::new(1_000, 42, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        let mut seen = std::collections::HashMap::new();
        for i in 0..1_000 {
            let a = book.account(i);
            let t = a.trajectory();
            let tickets = book.tickets(&a);
            let nps: Vec<i64> = book.surveys(&a).iter().filter_map(|s| s.score).collect();
            let events = book.usage_messages(&a, 7).len();
            let e = seen
                .entry(format!("{t:?}"))
                .or_insert((0usize, 0usize, 0i64, 0usize, 0usize));
            e.0 += 1;
            e.1 += tickets.len();
            e.2 += nps.iter().sum::<i64>();
            e.3 += nps.len();
            e.4 += events;
            if a.trajectory() == Trajectory::ChurnBound {
                assert_eq!(a.fields.lifecycle, Some(Lifecycle::Churned));
            }
            for t in &tickets {
                t.check().unwrap();
            }
        }
        let avg = |k: &str| {
            let e = seen[k];
            (e.1 as f64 / e.0 as f64, e.2 as f64 / e.3.max(1) as f64)
        };
        let (healthy_tickets, healthy_nps) = avg("Healthy");
        let (declining_tickets, declining_nps) = avg("Declining");
        assert!(
            declining_tickets > healthy_tickets * 2.0,
            "{declining_tickets} vs {healthy_tickets}"
        );
        assert!(
            declining_nps < healthy_nps - 2.0,
            "{declining_nps} vs {healthy_nps}"
        );
        assert!(
            seen.contains_key("Growing") && seen.contains_key("ChurnBound"),
            "{seen:?}"
        );
    }
}
