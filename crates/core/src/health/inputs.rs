//! The catalogue metrics of one account as of a day, from the dated records that feed them
//! (usage rollups, tickets, surveys, activities, contacts, contracts). Only what was dated on
//! or before that day counts, so the same rules give today's score and the score an account
//! had on a past day (the back-test). A metric with no data is absent, never zero.

use super::Colour;
use crate::book::{ActivityKind, RelationshipRole, RenewIntent, SurveyKind};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use std::collections::{BTreeMap, HashSet};

/// Metric key to value.
pub type Metrics = BTreeMap<String, f64>;

/// A ticket as the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketInput {
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Open by its status today (a ticket closed without a resolution time is closed).
    pub open_now: bool,
    pub escalated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyInput {
    pub kind: SurveyKind,
    pub score: Option<i64>,
    pub intent: Option<RenewIntent>,
    pub answered_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityInput {
    pub kind: ActivityKind,
    pub day: NaiveDate,
    /// Contacts who attended.
    pub attendees: Vec<i64>,
    /// Whether an economic buyer or an executive attended.
    pub executive: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactInput {
    pub id: i64,
    pub roles: Vec<RelationshipRole>,
    pub departed_on: Option<NaiveDate>,
}

/// A contract term running on the day, as the health metrics know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningTerm {
    pub start: NaiveDate,
    /// The term's last day.
    pub end: NaiveDate,
    /// Whether the term renews by itself unless cancelled; `None` when the book does not say.
    pub auto_renew: Option<bool>,
}

/// Everything dated that feeds one account's metrics. The store fetches it for many accounts
/// at once; rows dated after the day asked for may be included and are ignored here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountInputs {
    /// Events per day, for at least the 60 days up to the day.
    pub usage: Vec<(NaiveDate, i64)>,
    /// The last day with any usage on or before the day.
    pub last_usage: Option<NaiveDate>,
    /// The first day with any usage: a trend needs a whole window before the last 30 days.
    pub first_usage: Option<NaiveDate>,
    /// Users active in the 30 days up to the day (see [`active_window`]).
    pub active: ActiveUsers,
    /// Product features used in the 30 days up to the day.
    pub features_used: HashSet<String>,
    /// Distinct users of each feature in the 30 days up to the day, when known: read for today
    /// only, for the rollups keep each user's last day of a feature, not its history.
    pub feature_users: Option<std::collections::BTreeMap<String, u32>>,
    /// The first day a high-value feature was used.
    pub first_value: Option<NaiveDate>,
    /// Seats of the contract terms running on the day.
    pub seats: Option<i64>,
    /// ARR (minor units) of the terms running on the day and on the same day a year before.
    pub arr_now: Option<i64>,
    pub arr_year_ago: Option<i64>,
    /// The running term that ends last on the day.
    pub term: Option<RunningTerm>,
    /// Whether the book's support desk is connected (any ticket in the book): without it,
    /// "no open tickets" is not known, it is unmeasured, and a factor on it could not vary.
    pub support_connected: bool,
    pub tickets: Vec<TicketInput>,
    /// In the order they were recorded: of two answers on one day, the one recorded later is
    /// the later answer.
    pub surveys: Vec<SurveyInput>,
    pub activities: Vec<ActivityInput>,
    pub contacts: Vec<ContactInput>,
    pub customer_since: Option<NaiveDate>,
    /// Days the oldest unpaid invoice is overdue, from an imported billing field.
    pub invoice_days_overdue: Option<f64>,
    /// Integrations in use as the account's own trait says (an imported or synced field).
    pub integrations_trait: Option<f64>,
    /// The CSM's pulse (green 100, yellow 50, red 0) while it has not expired.
    pub csm_pulse: Option<f64>,
    /// The live success plan: the day it started and its rhythm's dates.
    pub plan: Option<(NaiveDate, crate::plan::PlanDates)>,
    /// Whether the book keeps success plans at all (any account has one by the day): without
    /// them "no plan in place" is not known of anyone.
    pub plans_in_book: bool,
}

/// Users active in the 30 days up to a day, and the sum of their active days in it (the
/// numerator of DAU/MAU).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveUsers {
    pub users: u32,
    pub user_days: u32,
}

/// The 30 days up to `day` as the rollups keep active users (per user and month, a bit per
/// day, bit 0 the 1st): each month the window touches (its first day) with the bits of the
/// window's days in it. A user was active in the window when their bits of a month and its
/// mask share a bit.
pub fn active_window(day: NaiveDate) -> Vec<(NaiveDate, u32)> {
    let mut out: Vec<(NaiveDate, u32)> = Vec::new();
    for n in 0..30 {
        let d = back(day, n);
        let first = d.with_day(1).expect("the 1st");
        let bit = 1u32 << (d.day() - 1);
        match out.iter_mut().find(|(m, _)| *m == first) {
            Some((_, mask)) => *mask |= bit,
            None => out.push((first, bit)),
        }
    }
    out
}

/// The feature catalogue as the metrics see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureCatalogue {
    pub features: usize,
    pub high_value: HashSet<String>,
}

/// What a CSM pulse counts for as a metric: green 100, yellow 50, orange 25, red 0.
pub fn pulse_value(c: Colour) -> f64 {
    match c {
        Colour::Green => 100.0,
        Colour::Yellow => 50.0,
        Colour::Orange => 25.0,
        Colour::Red => 0.0,
    }
}

fn days(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64
}

fn back(day: NaiveDate, n: u64) -> NaiveDate {
    day - Days::new(n)
}

/// Where the metrics go: a value that is not a finite number is left out (unknown).
struct Put<'a>(&'a mut Metrics);

impl Put<'_> {
    fn put(&mut self, k: &str, v: f64) {
        if v.is_finite() {
            self.0.insert(k.to_string(), v);
        }
    }
}

/// The account's metrics as of the end of `day`, family by family.
pub fn metrics(i: &AccountInputs, catalogue: &FeatureCatalogue, day: NaiveDate) -> Metrics {
    let mut m = Metrics::new();
    let end = day
        .succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let mut put = Put(&mut m);
    usage_metrics(i, catalogue, day, &mut put);
    support_metrics(i, end, &mut put);
    survey_metrics(i, day, &mut put);
    relationship_metrics(i, day, &mut put);
    commercial_metrics(i, day, &mut put);
    m
}

/// Usage: the trend, the last login, active users, seats, features and integrations, the
/// time to first value.
fn usage_metrics(i: &AccountInputs, catalogue: &FeatureCatalogue, day: NaiveDate, m: &mut Put) {
    let cut = back(day, 29);
    let (last, before) = i
        .usage
        .iter()
        .filter(|(d, _)| *d <= day && *d >= back(day, 59))
        .fold(
            (0, 0),
            |(l, b), (d, n)| {
                if *d >= cut { (l + n, b) } else { (l, b + n) }
            },
        );
    // A trend compares two whole windows: an account that started using the product within
    // the earlier one would look like it grew, whatever it did.
    let compared = i.first_usage.is_some_and(|f| f <= back(day, 59));
    if before > 0 && compared {
        m.put(
            "usage_trend",
            (last - before) as f64 * 100.0 / before as f64,
        );
    }
    if let Some(d) = i.last_usage.filter(|d| *d <= day) {
        m.put("days_since_login", days(d, day));
    }
    let seen = i.active.users;
    let active_days = i.active.user_days;
    if i.last_usage.is_some_and(|d| d <= day) {
        m.put("active_users_30d", f64::from(seen));
        if seen > 0 {
            let dau = f64::from(active_days) / 30.0;
            m.put("dau_mau", dau * 100.0 / f64::from(seen));
        }
        if let Some(seats) = i.seats.filter(|s| *s > 0) {
            m.put("seat_utilisation", f64::from(seen) * 100.0 / seats as f64);
        }
        if catalogue.features > 0 {
            m.put(
                "feature_breadth",
                i.features_used.len() as f64 * 100.0 / catalogue.features as f64,
            );
        }
        if !catalogue.high_value.is_empty() {
            let used = catalogue
                .high_value
                .iter()
                .filter(|f| i.features_used.contains(*f))
                .count();
            m.put(
                "high_value_features",
                used as f64 * 100.0 / catalogue.high_value.len() as f64,
            );
        }
    }
    // Integrations: the product features used in the 30 days whose name says so (the admin
    // maps events such as "Salesforce Sync" to "Integration: Salesforce" in the catalogue), or
    // the account's trait, whichever says more. Unknown without either.
    let from_events = i.last_usage.is_some_and(|d| d <= day).then(|| {
        i.features_used
            .iter()
            .filter(|f| f.to_lowercase().contains("integration"))
            .count() as f64
    });
    if from_events.is_some() || i.integrations_trait.is_some() {
        m.put(
            "integrations",
            from_events
                .unwrap_or(0.0)
                .max(i.integrations_trait.unwrap_or(0.0).max(0.0)),
        );
    }
    if let (Some(since), Some(first)) = (i.customer_since, i.first_value.filter(|d| *d <= day)) {
        m.put("time_to_first_value", days(since, first).max(0.0));
    }
}

/// Support: tickets open, opened, escalated and how long they took. A customer who never
/// needed support has no open tickets, which is known once the book's support desk is
/// connected; before that nothing about support is known.
fn support_metrics(i: &AccountInputs, end: chrono::DateTime<chrono::Utc>, m: &mut Put) {
    if !i.support_connected && i.tickets.is_empty() {
        return;
    }
    let tickets: Vec<&TicketInput> = i.tickets.iter().filter(|t| t.opened_at < end).collect();
    let opened_within = |t: &TicketInput, n: i64| end - t.opened_at <= chrono::Duration::days(n);
    let open = tickets
        .iter()
        .filter(|t| match t.resolved_at {
            Some(r) => r >= end,
            None => t.open_now,
        })
        .count();
    m.put("open_tickets", open as f64);
    m.put(
        "tickets_30d",
        tickets.iter().filter(|t| opened_within(t, 30)).count() as f64,
    );
    m.put(
        "escalations_90d",
        tickets
            .iter()
            .filter(|t| t.escalated && opened_within(t, 90))
            .count() as f64,
    );
    let resolved: Vec<f64> = tickets
        .iter()
        .filter_map(|t| {
            let r = t.resolved_at.filter(|r| *r < end)?;
            (end - r <= chrono::Duration::days(90))
                .then(|| (r - t.opened_at).num_minutes() as f64 / 1_440.0)
        })
        .collect();
    if !resolved.is_empty() {
        m.put(
            "resolution_days_avg",
            resolved.iter().sum::<f64>() / resolved.len() as f64,
        );
        m.put(
            "resolution_days_max",
            resolved.iter().copied().fold(0.0, f64::max),
        );
    }
}

/// Surveys, newest first: NPS and its trend, CSAT, CES, the intent to renew.
fn survey_metrics(i: &AccountInputs, day: NaiveDate, m: &mut Put) {
    let mut surveys: Vec<(usize, &SurveyInput)> = i
        .surveys
        .iter()
        .enumerate()
        .filter(|(_, s)| s.answered_on <= day)
        .collect();
    // Latest first: by day, then by the order recorded.
    surveys.sort_by_key(|(n, s)| std::cmp::Reverse((s.answered_on, *n)));
    let surveys: Vec<&SurveyInput> = surveys.into_iter().map(|(_, s)| s).collect();
    let scores = |kind: SurveyKind| -> Vec<f64> {
        surveys
            .iter()
            .filter(|s| s.kind == kind)
            .filter_map(|s| s.score)
            .map(|v| v as f64)
            .collect()
    };
    let nps = scores(SurveyKind::Nps);
    if let Some(n) = nps.first() {
        m.put("nps_latest", *n);
        if let Some(p) = nps.get(1) {
            m.put("nps_trend", n - p);
        }
    }
    if let Some(c) = scores(SurveyKind::Csat).first() {
        m.put("csat_latest", *c);
    }
    if let Some(c) = scores(SurveyKind::Ces).first() {
        m.put("ces_latest", *c);
    }
    if let Some(intent) = surveys
        .iter()
        .filter(|s| s.kind == SurveyKind::RenewIntent)
        .find_map(|s| s.intent)
    {
        m.put(
            "renew_intent",
            match intent {
                RenewIntent::Yes => 1.0,
                RenewIntent::Unsure => 0.5,
                RenewIntent::No => 0.0,
            },
        );
    }
}

/// Relationship: replies, business reviews, executive touch, a departed champion, training,
/// the CSM's pulse.
fn relationship_metrics(i: &AccountInputs, day: NaiveDate, m: &mut Put) {
    let acts: Vec<&ActivityInput> = i.activities.iter().filter(|a| a.day <= day).collect();
    let latest =
        |f: &dyn Fn(&ActivityInput) -> bool| acts.iter().filter(|a| f(a)).map(|a| a.day).max();
    if let Some(d) = latest(&|a| !a.attendees.is_empty() && a.kind.is_personal_touch()) {
        m.put("days_since_customer_reply", days(d, day).max(0.0));
    }
    if let Some(d) = latest(&|a| matches!(a.kind, ActivityKind::Qbr | ActivityKind::Ebr)) {
        m.put("business_review_days", days(d, day).max(0.0));
    }
    if i.plans_in_book {
        let in_place = i
            .plan
            .is_some_and(|(started, dates)| started <= day && dates.in_place(day));
        m.put("success_plan", if in_place { 1.0 } else { 0.0 });
    }
    if !i.contacts.is_empty() {
        let touched = latest(&|a| a.executive).is_some_and(|d| days(d, day) <= 90.0);
        m.put("executive_touch_90d", if touched { 1.0 } else { 0.0 });
        let departed = i.contacts.iter().any(|c| {
            c.departed_on
                .is_some_and(|d| d <= day && days(d, day) <= 365.0)
                && c.roles.iter().any(|r| {
                    matches!(
                        r,
                        RelationshipRole::Champion | RelationshipRole::EconomicBuyer
                    )
                })
        });
        m.put("champion_departed", if departed { 1.0 } else { 0.0 });
        let current: Vec<&ContactInput> = i
            .contacts
            .iter()
            .filter(|c| c.departed_on.is_none_or(|d| d > day))
            .collect();
        if !current.is_empty() {
            let trained: HashSet<i64> = acts
                .iter()
                .filter(|a| a.kind == ActivityKind::Training)
                .flat_map(|a| a.attendees.iter().copied())
                .collect();
            let n = current.iter().filter(|c| trained.contains(&c.id)).count();
            m.put("users_trained", n as f64 * 100.0 / current.len() as f64);
        }
    }
    if let Some(p) = i.csm_pulse {
        m.put("csm_pulse", p);
    }
}

/// Commercial: the ARR trend over a year, tenure, the running term (its length, the days to its
/// end, whether it renews by itself), an overdue invoice.
fn commercial_metrics(i: &AccountInputs, day: NaiveDate, m: &mut Put) {
    if let Some(t) = i.term.filter(|t| t.start <= day && t.end >= day) {
        // Months of the term, as billing says them: 1 monthly, 12 annual, 36 three-year.
        m.put("term_months", (days(t.start, t.end) + 1.0) / 30.44);
        m.put("days_to_term_end", days(day, t.end));
        if let Some(auto) = t.auto_renew {
            m.put("auto_renews", if auto { 1.0 } else { 0.0 });
        }
    }
    if let (Some(now), Some(then)) = (i.arr_now, i.arr_year_ago.filter(|a| *a > 0)) {
        m.put("arr_trend", (now - then) as f64 * 100.0 / then as f64);
    }
    if let Some(since) = i.customer_since.filter(|s| *s <= day) {
        m.put("tenure_days", days(since, day));
    }
    if let Some(d) = i.invoice_days_overdue {
        m.put("invoice_days_overdue", d.max(0.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        format!("{s}T12:00:00Z").parse().unwrap()
    }

    #[test]
    fn an_account_with_no_records_has_no_metrics_and_no_tickets_are_known_once_support_is() {
        let day = d("2026-11-23");
        let none = metrics(&AccountInputs::default(), &FeatureCatalogue::default(), day);
        assert!(
            none.is_empty(),
            "support not connected: nothing known {none:?}"
        );
        let connected = AccountInputs {
            support_connected: true,
            ..Default::default()
        };
        let m = metrics(&connected, &FeatureCatalogue::default(), day);
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            ["escalations_90d", "open_tickets", "tickets_30d"]
        );
    }

    #[test]
    fn a_trend_needs_a_whole_earlier_window_and_a_term_gives_its_length_and_days_left() {
        let day = d("2026-11-23");
        let mut i = AccountInputs {
            last_usage: Some(day),
            first_usage: Some(back(day, 40)),
            term: Some(RunningTerm {
                start: d("2026-01-01"),
                end: d("2026-12-31"),
                auto_renew: Some(true),
            }),
            ..Default::default()
        };
        for n in 0..=40 {
            i.usage.push((back(day, n), 10));
        }
        // Ten days of use in the earlier window: the account began then; it did not grow.
        let young = metrics(&i, &FeatureCatalogue::default(), day);
        assert_eq!(young.get("usage_trend"), None, "{young:?}");
        assert_eq!(young["days_to_term_end"], 38.0);
        assert_eq!(young["term_months"].round(), 12.0);
        assert_eq!(young["auto_renews"], 1.0);
        i.first_usage = Some(back(day, 59));
        let m = metrics(&i, &FeatureCatalogue::default(), day);
        assert!(m["usage_trend"] > 100.0, "{m:?}");
        // After the term, no running term: nothing known about it.
        let later = metrics(&i, &FeatureCatalogue::default(), d("2027-01-05"));
        assert_eq!(later.get("days_to_term_end"), None);
        assert_eq!(later.get("auto_renews"), None);
        // A book that does not say whether the term renews by itself: unknown, not "no".
        i.term = i.term.map(|t| RunningTerm {
            auto_renew: None,
            ..t
        });
        let unsaid = metrics(&i, &FeatureCatalogue::default(), day);
        assert_eq!(unsaid.get("auto_renews"), None);
    }

    #[test]
    fn usage_gives_trend_seats_and_last_login_as_of_the_day() {
        let day = d("2026-11-23");
        let mut i = AccountInputs {
            seats: Some(4),
            last_usage: Some(d("2026-11-20")),
            first_usage: Some(d("2025-06-01")),
            ..Default::default()
        };
        // 100 events a day in the 30 days before the window, 50 a day in it.
        for n in 0..60 {
            let on = back(day, n);
            i.usage.push((on, if n < 30 { 50 } else { 100 }));
        }
        // Two users active in the window: one on 20 days, one on 1.
        i.active = ActiveUsers {
            users: 2,
            user_days: 21,
        };
        let m = metrics(&i, &FeatureCatalogue::default(), day);
        assert_eq!(m["usage_trend"], -50.0);
        assert_eq!(m["days_since_login"], 3.0);
        assert_eq!(m["active_users_30d"], 2.0);
        assert_eq!(m["seat_utilisation"], 50.0);
        assert_eq!(m["dau_mau"], 21.0 / 30.0 * 100.0 / 2.0);
        // A week earlier, the last login was in the future: not known yet.
        let earlier = metrics(&i, &FeatureCatalogue::default(), d("2026-11-10"));
        assert_eq!(earlier.get("days_since_login"), None);
    }

    #[test]
    fn integrations_come_from_integration_features_used_or_the_accounts_trait() {
        let day = d("2026-11-23");
        let using = AccountInputs {
            last_usage: Some(d("2026-11-20")),
            features_used: ["Dashboards", "Integration: Salesforce", "Slack integration"]
                .into_iter()
                .map(String::from)
                .collect(),
            ..Default::default()
        };
        let m = metrics(&using, &FeatureCatalogue::default(), day);
        assert_eq!(m["integrations"], 2.0);
        let told = AccountInputs {
            integrations_trait: Some(5.0),
            ..using.clone()
        };
        assert_eq!(
            metrics(&told, &FeatureCatalogue::default(), day)["integrations"],
            5.0
        );
        let silent = AccountInputs::default();
        assert_eq!(
            metrics(&silent, &FeatureCatalogue::default(), day).get("integrations"),
            None,
            "no usage and no trait: missing, not zero"
        );
        let quiet = AccountInputs {
            features_used: Default::default(),
            ..using
        };
        assert_eq!(
            metrics(&quiet, &FeatureCatalogue::default(), day)["integrations"],
            0.0,
            "uses the product, no integration"
        );
    }

    #[test]
    fn the_active_window_is_the_30_days_up_to_the_day_across_months() {
        assert_eq!(
            active_window(d("2026-11-23")),
            vec![
                (d("2026-11-01"), (1 << 23) - 1),
                (d("2026-10-01"), !((1u32 << 24) - 1) & ((1 << 31) - 1)),
            ],
            "1-23 Nov and 25-31 Oct"
        );
        // 1 March of a common year reaches back through February into January.
        let w = active_window(d("2027-03-01"));
        assert_eq!(w.len(), 3);
        assert_eq!(w[2], (d("2027-01-01"), 1 << 30), "31 Jan");
        let days: u32 = w.iter().map(|(_, m)| m.count_ones()).sum();
        assert_eq!(days, 30);
    }

    #[test]
    fn a_ticket_resolved_after_the_day_was_still_open_on_it() {
        let i = AccountInputs {
            tickets: vec![TicketInput {
                opened_at: at("2026-11-01"),
                resolved_at: Some(at("2026-11-11")),
                open_now: false,
                escalated: true,
            }],
            ..Default::default()
        };
        let cat = FeatureCatalogue::default();
        let then = metrics(&i, &cat, d("2026-11-05"));
        assert_eq!(then["open_tickets"], 1.0);
        assert_eq!(then.get("resolution_days_avg"), None);
        let now = metrics(&i, &cat, d("2026-11-23"));
        assert_eq!(now["open_tickets"], 0.0);
        assert_eq!(now["resolution_days_avg"], 10.0);
        assert_eq!(now["escalations_90d"], 1.0);
        let before = metrics(&i, &cat, d("2026-10-30"));
        assert_eq!(before["tickets_30d"], 0.0, "not opened yet");
    }

    #[test]
    fn surveys_and_contacts_count_only_up_to_the_day() {
        let survey = |on: &str, score| SurveyInput {
            kind: SurveyKind::Nps,
            score: Some(score),
            intent: None,
            answered_on: d(on),
        };
        let i = AccountInputs {
            surveys: vec![survey("2026-06-01", 9), survey("2026-10-01", 4)],
            contacts: vec![ContactInput {
                id: 1,
                roles: vec![RelationshipRole::Champion],
                departed_on: Some(d("2026-09-15")),
            }],
            ..Default::default()
        };
        let cat = FeatureCatalogue::default();
        let now = metrics(&i, &cat, d("2026-11-23"));
        assert_eq!((now["nps_latest"], now["nps_trend"]), (4.0, -5.0));
        assert_eq!(now["champion_departed"], 1.0);
        let summer = metrics(&i, &cat, d("2026-07-01"));
        assert_eq!(summer["nps_latest"], 9.0);
        // Two answers on one day: the one recorded later is the latest.
        let same_day = AccountInputs {
            surveys: vec![survey("2026-10-01", 0), survey("2026-10-01", 10)],
            ..Default::default()
        };
        let m = metrics(&same_day, &cat, d("2026-11-23"));
        assert_eq!((m["nps_latest"], m["nps_trend"]), (10.0, 10.0));
        assert_eq!(summer.get("nps_trend"), None);
        assert_eq!(summer["champion_departed"], 0.0);
    }
}
