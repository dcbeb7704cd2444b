use super::*;
use crate::book::{Lifecycle, RenewIntent, Severity, SurveyKind};
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn tier_2() -> EngagementModel {
    default_engagement()
        .model("Tier 2: retention")
        .unwrap()
        .clone()
}

/// A customer whose first annual term started on 2026-01-15.
fn customer() -> MomentFacts {
    MomentFacts {
        customer_since: Some(d("2026-01-15")),
        term_start: Some(d("2026-01-15")),
        term_end: Some(d("2027-01-14")),
        onboarded: true,
        ..Default::default()
    }
}

/// Every (moment, occurrence) that fires over the days, with the first day it did.
fn sweep_days(
    model: &EngagementModel,
    f: &MomentFacts,
    days: impl Iterator<Item = NaiveDate>,
) -> HashMap<(String, String), NaiveDate> {
    let mut fired = HashMap::new();
    for day in days {
        let mut cal = Calendar::new(day, "UTC");
        for firing in due_moments(model, f, &mut cal) {
            fired
                .entry((firing.moment, firing.occurrence))
                .or_insert(day);
        }
    }
    fired
}

fn year() -> impl Iterator<Item = NaiveDate> {
    d("2026-01-15").iter_days().take(365)
}

#[test]
fn the_default_plans_check_and_survive_a_round_trip_through_toml() {
    let c = default_engagement();
    c.check().unwrap();
    let text = toml::to_string(&c).unwrap();
    assert!(text.contains("customer_day = 30"), "{text}");
    let back: EngagementConfig = toml::from_str(&text).unwrap();
    assert_eq!(back, c);
}

#[test]
fn a_bad_configuration_names_the_key_that_is_wrong() {
    let mut c = default_engagement();
    c.models[1].moments[2].when = Trigger::Every("FREQ=SOMETIMES".into());
    assert!(
        c.check()
            .unwrap_err()
            .starts_with("models[1].moments[2].when: "),
        "{}",
        c.check().unwrap_err()
    );
    let mut c = default_engagement();
    c.models[0].moments[1].key = c.models[0].milestones[0].key.clone();
    assert_eq!(
        c.check().unwrap_err(),
        "models[0].moments[1].key: \"kickoff\" twice"
    );
    let mut c = default_engagement();
    let m = c.models[2]
        .moments
        .iter()
        .position(|m| m.email.is_some())
        .unwrap();
    c.models[2].moments[m].email.as_mut().unwrap().body = "{{ account.nmae }}".into();
    let e = c.check().unwrap_err();
    assert!(
        e.starts_with(&format!("models[2].moments[{m}].email.body: ")),
        "{e}"
    );
    let mut c = default_engagement();
    c.rules[0].then = "Tier 9".into();
    assert!(c.check().unwrap_err().starts_with("rules[0].then"));
    let mut c = default_engagement();
    c.models[2].moments[0].when = Trigger::UsageDownPercent(0);
    assert!(
        c.check()
            .unwrap_err()
            .starts_with("models[2].moments[0].when: a percentage")
    );
    let mut c = default_engagement();
    c.models[2].moments[0].key = "late_kickoff".into();
    assert!(c.check().unwrap_err().contains("late_"));
}

#[test]
fn a_tier_2_contract_year_brings_each_plan_moment_once_on_its_day() {
    let fired = sweep_days(&tier_2(), &customer(), year());
    let day = |moment: &str| {
        let days: Vec<_> = fired
            .iter()
            .filter(|((m, _), _)| m == moment)
            .map(|(_, day)| *day)
            .collect();
        assert_eq!(days.len(), 1, "{moment} fired {days:?}");
        days[0]
    };
    // Seed 000's Tier 2 plan: Sales at the kickoff, Customer Development within 60 days, a
    // Q2 check-in, Sales back in Q2 or Q3; and the renewal 60 days out.
    assert_eq!(day("sales_kickoff"), d("2026-01-15"));
    assert_eq!(day("customer_development_intro"), d("2026-02-14"));
    assert_eq!(day("q2_success_check_in"), d("2026-04-16"));
    assert_eq!(day("sales_reintroduction"), d("2026-07-16"));
    assert_eq!(day("renewal_60"), d("2026-11-15"));
    // Every renewal's checkpoints at six and three months; with no call made in the test's
    // book, Customer Development hears of it at three months.
    assert_eq!(day("renewal_checkpoint_6m"), d("2026-07-16"));
    assert_eq!(day("renewal_checkpoint_3m"), d("2026-10-15"));
    assert_eq!(day("renewal_without_call"), d("2026-10-15"));
    // No event happened: no event-based moment.
    let kinds: BTreeSet<&str> = fired.keys().map(|(m, _)| m.as_str()).collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
}

#[test]
fn a_tier_2_task_is_due_within_60_days_for_customer_development() {
    let m = tier_2();
    let mut cal = Calendar::new(d("2026-02-14"), "UTC");
    let firing = due_moments(&m, &customer(), &mut cal)
        .into_iter()
        .find(|f| f.moment == "customer_development_intro")
        .unwrap();
    let moment = m.moments.iter().find(|x| x.key == firing.moment).unwrap();
    let rule = moment.when.describe();
    let task = task_for(
        crate::book::AccountId(7),
        "Acme",
        &m.name,
        Purpose::of_moment(moment, &rule),
        &firing,
        None,
    );
    assert_eq!(task.due_on, Some(d("2026-03-16")));
    assert_eq!(
        task.dedup_key.as_deref(),
        Some("engagement:customer_development_intro")
    );
    assert!(
        task.reason.starts_with(
            "Tier 2: retention, moment \"customer_development_intro\" (day 30 as a customer): \
             day 30 as a customer (since 2026-01-15). Objective: "
        ),
        "{}",
        task.reason
    );
    assert!(task.reason.ends_with("Owner: customer development."));
}

#[test]
fn quarterly_reviews_come_each_quarter_once_onboarding_is_over() {
    let m = default_engagement()
        .model("Tier 1: growth")
        .unwrap()
        .clone();
    let fired = sweep_days(&m, &customer(), year());
    let qbrs: BTreeSet<&String> = fired
        .keys()
        .filter(|(k, _)| k == "qbr")
        .map(|(_, o)| o)
        .collect();
    // Calendar quarters (periods count from Monday 2024-01-01) touched by the year.
    assert_eq!(
        qbrs.into_iter().cloned().collect::<Vec<_>>(),
        [
            "period:2026-01-01",
            "period:2026-04-01",
            "period:2026-07-01",
            "period:2026-10-01",
            "period:2027-01-01"
        ]
    );
    let onboarding = MomentFacts {
        onboarded: false,
        ..customer()
    };
    let fired = sweep_days(&m, &onboarding, year());
    assert!(
        !fired
            .keys()
            .any(|(k, _)| k == "qbr" || k == "monthly_metrics_review")
    );
}

#[test]
fn events_fire_once_each_while_fresh_and_history_does_not() {
    let m = tier_2();
    let f = MomentFacts {
        tickets: vec![
            TicketFact {
                id: 1,
                opened_on: d("2026-05-04"),
                severity: Severity::Urgent,
                subject: "Down".into(),
            },
            TicketFact {
                id: 2,
                opened_on: d("2026-05-04"),
                severity: Severity::Low,
                subject: "Typo".into(),
            },
        ],
        surveys: vec![
            SurveyFact {
                id: 10,
                answered_on: d("2026-05-05"),
                kind: SurveyKind::Nps,
                score: Some(6),
                intent: None,
            },
            SurveyFact {
                id: 11,
                answered_on: d("2026-05-05"),
                kind: SurveyKind::Nps,
                score: Some(7),
                intent: None,
            },
            SurveyFact {
                id: 12,
                answered_on: d("2026-05-06"),
                kind: SurveyKind::RenewIntent,
                score: None,
                intent: Some(RenewIntent::No),
            },
        ],
        ..customer()
    };
    let fired = sweep_days(&m, &f, d("2026-05-01").iter_days().take(30));
    let events: BTreeSet<(&str, &str)> = fired
        .keys()
        .map(|(m, o)| (m.as_str(), o.as_str()))
        .filter(|(m, _)| *m == "high_severity_ticket" || *m == "poor_survey")
        .collect();
    assert_eq!(
        events,
        BTreeSet::from([
            ("high_severity_ticket", "ticket:1"),
            ("poor_survey", "survey:10"),
            ("poor_survey", "survey:12"),
        ])
    );
    // Seen for the first time two weeks later (imported history): no moment.
    let fired = sweep_days(&m, &f, d("2026-05-20").iter_days().take(10));
    assert!(
        !fired
            .keys()
            .any(|(m, _)| m == "high_severity_ticket" || m == "poor_survey")
    );
}

#[test]
fn a_usage_drop_compares_complete_weeks() {
    let m = tier_2();
    let f = |last, before| MomentFacts {
        events_last_week: Some(last),
        events_week_before: Some(before),
        ..customer()
    };
    // Wednesday 2026-05-13: the last complete week began Monday 2026-05-04.
    let mut cal = Calendar::new(d("2026-05-13"), "UTC");
    let firing = due_moments(&m, &f(59, 100), &mut cal)
        .into_iter()
        .find(|x| x.moment == "usage_down")
        .unwrap();
    assert_eq!(firing.occurrence, "week:2026-05-04");
    assert!(firing.why.contains("(-41%)"), "{}", firing.why);
    let mut cal = Calendar::new(d("2026-05-13"), "UTC");
    assert!(
        !due_moments(&m, &f(61, 100), &mut cal)
            .iter()
            .any(|x| x.moment == "usage_down")
    );
}

#[test]
fn a_late_milestone_escalates_after_its_grace_and_a_login_completes_access() {
    let m = tier_2();
    let since = d("2026-01-15");
    let mut signals = Signals::default();
    let recorded = HashMap::new();
    // Access is expected by day 7; three days' grace; on day 11 it escalates.
    let on_day = |n: u64| since + chrono::Days::new(n);
    let states = progress(&m, since, &signals, &recorded, on_day(10));
    assert!(escalations(&m, &states, since, on_day(10)).is_empty());
    let states = progress(&m, since, &signals, &recorded, on_day(11));
    let late = escalations(&m, &states, since, on_day(11));
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].0.moment, "late_access_activated");
    assert!(
        late[0]
            .0
            .why
            .contains("is 4 days late; waiting for the first login"),
        "{}",
        late[0].0.why
    );
    signals.first_login = Some(on_day(12));
    let states = progress(&m, since, &signals, &recorded, on_day(13));
    let access = states.iter().find(|s| s.key == "access_activated").unwrap();
    assert_eq!(access.completed.as_ref().unwrap().on, on_day(12));
    assert!(escalations(&m, &states, since, on_day(13)).is_empty());
    assert!(!onboarded(&m, &states, None, since, on_day(13)));
    // A customer first seen long after onboarding: its old gaps are history, not tasks.
    let states = progress(&m, since, &Signals::default(), &recorded, on_day(400));
    assert!(escalations(&m, &states, since, on_day(400)).is_empty());
    assert!(onboarded(&m, &states, None, since, on_day(400)));
    // The last milestone (day 90) may still escalate until its window closes.
    let states = progress(&m, since, &Signals::default(), &recorded, on_day(95));
    assert!(!onboarded(&m, &states, None, since, on_day(95)));
    assert_eq!(onboarding_ends(&m, since), on_day(90 + 3 + 1 + 7));
    assert!(onboarded(&m, &states, None, since, on_day(102)));
    // A churned account is past it whatever its dates; a CRM's "customer" is not.
    let states = progress(&m, since, &Signals::default(), &recorded, on_day(20));
    assert!(onboarded(
        &m,
        &states,
        Some(Lifecycle::Churned),
        since,
        on_day(20)
    ));
    assert!(!onboarded(
        &m,
        &states,
        Some(Lifecycle::Ongoing),
        since,
        on_day(20)
    ));
}

#[test]
fn a_touch_in_the_period_means_no_personal_touch_task_and_a_touchless_period_opens_one() {
    let m = default_engagement()
        .model("Tier 1: growth")
        .unwrap()
        .clone();
    let utc = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let cal = || {
        Calendar::new(d("2026-11-26"), "UTC").with_cadences(
            crate::prioritise::CadenceSettings::default()
                .cadences()
                .unwrap(),
        )
    };
    let mut f = MomentFacts {
        tier: crate::prioritise::Tier::new(1),
        last_personal_touch: Some(utc("2026-11-24T10:00:00Z")),
        // Touches do not wait for a contract or the end of onboarding.
        customer_since: None,
        ..Default::default()
    };
    let touch = |f: &MomentFacts| {
        due_moments(&m, f, &mut cal())
            .into_iter()
            .find(|x| x.moment == "personal_touch")
    };
    assert_eq!(touch(&f), None);
    f.last_personal_touch = Some(utc("2026-11-20T10:00:00Z"));
    let firing = touch(&f).unwrap();
    assert_eq!(firing.occurrence, "period:2026-11-23");
    assert_eq!(firing.due_on, d("2026-11-29"), "the week's last day");
    let moment = m
        .moments
        .iter()
        .find(|x| x.key == "personal_touch")
        .unwrap();
    let rule = moment.when.describe();
    let task = task_for(
        crate::book::AccountId(7),
        "Acme",
        &m.name,
        Purpose::of_moment(moment, &rule),
        &firing,
        Some(crate::book::UserId(3)),
    );
    assert_eq!(
        task.dedup_key.as_deref(),
        Some(crate::prioritise::PERSONAL_TOUCH)
    );
    assert_eq!(task.source, crate::book::TaskSource::Cadence);
    assert_eq!(task.priority, crate::book::Priority::High);
    assert!(
        task.reason
            .contains("Tier 1 accounts get a personal touch weekly"),
        "{}",
        task.reason
    );
    // A touch missed for months stays due since the first week without one.
    f.last_personal_touch = Some(utc("2026-04-19T10:00:00Z"));
    let firing = touch(&f).unwrap();
    assert_eq!(firing.occurrence, "period:2026-04-20");
    assert_eq!(firing.due_on, d("2026-04-26"), "overdue since April");
    assert!(
        firing.why.contains("the last one on 2026-04-19"),
        "{}",
        firing.why
    );
    // Never touched: due since the customer's first week.
    f.last_personal_touch = None;
    f.customer_since = Some(d("2026-09-02"));
    assert_eq!(touch(&f).unwrap().due_on, d("2026-09-06"));
    // An untiered account has no cadence.
    f.tier = None;
    assert_eq!(touch(&f), None);
}

proptest! {
    /// However the sweeps are spread (a day missed, a server down for a few days), each dated
    /// moment of the year fires once, as long as no gap is longer than the catch-up week.
    #[test]
    fn sweeps_with_gaps_within_the_catch_up_week_miss_no_dated_moment(
        gaps in proptest::collection::vec(1u64..=7, 60..120)
    ) {
        let m = tier_2();
        let mut days = Vec::new();
        let mut day = d("2026-01-15");
        for g in gaps {
            days.push(day);
            day = day + chrono::Days::new(g);
        }
        prop_assume!(day > d("2027-01-14"));
        let fired = sweep_days(&m, &customer(), days.into_iter());
        let every_day = sweep_days(&m, &customer(), year());
        let a: BTreeSet<_> = fired.keys().collect();
        let b: BTreeSet<_> = every_day.keys().collect();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn a_business_review_logged_in_the_quarter_answers_its_qbr() {
    let m = default_engagement()
        .model("Tier 1: growth")
        .unwrap()
        .clone();
    let today = d("2026-11-20");
    let qbr = |f: &MomentFacts| {
        due_moments(&m, f, &mut Calendar::new(today, "UTC"))
            .into_iter()
            .find(|x| x.moment == "qbr")
    };
    assert!(qbr(&customer()).is_some(), "no review yet this quarter");
    let mut reviewed = customer();
    reviewed
        .last_activity
        .insert(crate::book::ActivityKind::Qbr, d("2026-10-12"));
    assert_eq!(qbr(&reviewed), None, "the quarter's review is held");
    // Last quarter's review does not answer this one's.
    reviewed
        .last_activity
        .insert(crate::book::ActivityKind::Qbr, d("2026-09-28"));
    assert!(qbr(&reviewed).is_some());
}

#[test]
fn a_books_quarterly_reviews_spread_over_the_quarter() {
    let m = default_engagement()
        .model("Tier 1: growth")
        .unwrap()
        .clone();
    // A quarter of daily sweeps for twelve accounts of one CSM.
    let quarter = d("2026-10-01").iter_days().take(92);
    let days: Vec<NaiveDate> = quarter.collect();
    let mut due = BTreeSet::new();
    for account in 1..=12 {
        let f = MomentFacts {
            account,
            ..customer()
        };
        let fired = days.iter().find_map(|day| {
            due_moments(&m, &f, &mut Calendar::new(*day, "UTC"))
                .into_iter()
                .find(|x| x.moment == "qbr")
        });
        let firing = fired.expect("each account has its review in the quarter");
        assert!(firing.due_on <= d("2026-12-31"), "due within the quarter");
        due.insert(firing.due_on);
    }
    assert!(
        due.len() >= 8,
        "twelve reviews fall due on {} days",
        due.len()
    );
}

#[test]
fn reviews_seen_late_spread_over_what_is_left_of_the_quarter() {
    let m = default_engagement()
        .model("Tier 1: growth")
        .unwrap()
        .clone();
    // The first sweep of an imported book, late in the quarter.
    let today = d("2026-12-03");
    let mut due = BTreeSet::new();
    for account in 1..=12 {
        let f = MomentFacts {
            account,
            ..customer()
        };
        if let Some(q) = due_moments(&m, &f, &mut Calendar::new(today, "UTC"))
            .into_iter()
            .find(|x| x.moment == "qbr")
        {
            assert!(q.due_on >= today && q.due_on <= d("2026-12-31"));
            due.insert(q.due_on);
        }
    }
    assert!(due.len() >= 6, "the reviews fall due on {} days", due.len());
}

#[test]
fn tier_3_automation_answers_events_as_well_as_age() {
    let m = default_engagement()
        .model("Tier 3: automated")
        .unwrap()
        .clone();
    let keys: Vec<&str> = m.moments.iter().map(|x| x.key.as_str()).collect();
    for k in ["welcome_email", "inactive_email", "usage_down_email"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    // Nobody used it for three weeks: the email fires once for this lapse.
    let f = MomentFacts {
        last_active_on: Some(d("2026-10-20")),
        ..customer()
    };
    let fired = sweep_days(&m, &f, d("2026-11-01").iter_days().take(30));
    let lapses: Vec<_> = fired
        .iter()
        .filter(|((k, _), _)| k == "inactive_email")
        .collect();
    assert_eq!(lapses.len(), 1, "{fired:?}");
    assert_eq!(lapses[0].0.1, "inactive:2026-10-20");
    assert_eq!(*lapses[0].1, d("2026-11-10"));
    // Use fell by half: an email, not a task.
    let f = MomentFacts {
        events_last_week: Some(40),
        events_week_before: Some(100),
        ..customer()
    };
    let mut cal = Calendar::new(d("2026-11-18"), "UTC");
    let down = due_moments(&m, &f, &mut cal);
    let email = m
        .moments
        .iter()
        .find(|x| x.key == "usage_down_email")
        .unwrap();
    assert!(down.iter().any(|x| x.moment == "usage_down_email"));
    assert!(!email.task && email.email.is_some());
}
