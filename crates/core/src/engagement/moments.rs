//! What comes due for one account on one day: the moments of its model whose time came or
//! whose event happened, each with an occurrence that names it (the period, the term, the
//! ticket), so that the store fires each occurrence once however often it sweeps. Dated things
//! older than a week when first seen are history, not moments: importing a year of tickets
//! does not open a year of tasks.

use super::config::{EngagementModel, Moment, Trigger};
use crate::book::{ActivityKind, Lifecycle, RelationshipRole, RenewIntent, Severity, SurveyKind};
use crate::health::Colour;
use crate::plan::{ObjectiveStatus, PlanDates, PlanDue, PlanOwner};
use crate::prioritise::{Cadence, Period, Recurrence, Tier};
use chrono::{Datelike, Days, NaiveDate};
use std::collections::HashMap;

/// How late a dated moment may still fire (the engine was down, the data arrived late).
pub const CATCH_UP_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq)]
pub struct TicketFact {
    pub id: i64,
    pub opened_on: NaiveDate,
    pub severity: Severity,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyFact {
    pub id: i64,
    pub answered_on: NaiveDate,
    pub kind: SurveyKind,
    pub score: Option<i64>,
    pub intent: Option<RenewIntent>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DepartureFact {
    pub contact: i64,
    pub name: String,
    pub roles: Vec<RelationshipRole>,
    pub departed_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseFact {
    pub id: i64,
    pub name: String,
    pub released_on: NaiveDate,
}

/// A colour change of the health score, as its snapshot recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnFact {
    pub snapshot: i64,
    pub on: NaiveDate,
    pub from: Option<Colour>,
    pub to: Colour,
}

/// A success plan objective's change of status, as the sweep recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveTurnFact {
    pub id: i64,
    pub title: String,
    pub on: NaiveDate,
    pub to: ObjectiveStatus,
    pub reason: String,
    /// The objective's owner: told too, when a team member other than the task's owner.
    pub owner: Option<PlanOwner>,
}

/// What the moments of one account look at. Lists may hold older rows; they are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MomentFacts {
    /// The account's id: it spreads the book's recurring moments over their period.
    pub account: i64,
    /// The start of the customer's first contract.
    pub customer_since: Option<NaiveDate>,
    /// The running term's first and last day.
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
    /// Whether the renewal of the running term has a call on record or its next term is
    /// already signed.
    pub renewal_called: bool,
    /// Where the book says the account is in its life with us.
    pub lifecycle: Option<Lifecycle>,
    /// Whether the onboarding phase is over: ongoing time-based moments wait for it.
    pub onboarded: bool,
    pub tier: Option<Tier>,
    /// The day the account got its tier: its cadence counts from then.
    pub tier_since: Option<NaiveDate>,
    pub last_personal_touch: Option<chrono::DateTime<chrono::Utc>>,
    /// The day each kind of activity was last logged with the customer.
    pub last_activity: HashMap<ActivityKind, NaiveDate>,
    pub tickets: Vec<TicketFact>,
    pub last_ticket_on: Option<NaiveDate>,
    pub surveys: Vec<SurveyFact>,
    pub departures: Vec<DepartureFact>,
    pub releases: Vec<ReleaseFact>,
    pub turns: Vec<TurnFact>,
    /// Events in the last complete week (Monday to Sunday) and the week before.
    pub events_last_week: Option<i64>,
    pub events_week_before: Option<i64>,
    pub seat_utilisation: Option<f64>,
    /// The last day anyone used the product.
    pub last_active_on: Option<NaiveDate>,
    /// The live success plan's rhythm, when the account has one.
    pub plan: Option<PlanDates>,
    pub objective_turns: Vec<ObjectiveTurnFact>,
}

/// A moment that came: fire it once per `occurrence`.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// The moment's key.
    pub moment: String,
    /// What makes this firing this one: "term:2026-01-15", "ticket:812".
    pub occurrence: String,
    pub due_on: NaiveDate,
    /// The values that fired it, in words.
    pub why: String,
}

/// One sweep's view of the calendar: each recurrence's current period, worked out once for
/// the whole book rather than per account.
pub struct Calendar {
    pub today: NaiveDate,
    periods: HashMap<String, Option<Period>>,
    time_zone: String,
    /// Each tier's cadence and its period holding today.
    cadences: HashMap<Tier, (Cadence, Period)>,
}

impl Calendar {
    pub fn new(today: NaiveDate, time_zone: &str) -> Calendar {
        Calendar {
            today,
            periods: HashMap::new(),
            time_zone: time_zone.to_string(),
            cadences: HashMap::new(),
        }
    }

    /// With the tier cadences (seed 001) that `TierCadence` moments follow.
    pub fn with_cadences(mut self, cadences: Vec<Cadence>) -> Calendar {
        let noon = self.today.and_hms_opt(12, 0, 0).map(|t| t.and_utc());
        self.cadences = cadences
            .into_iter()
            .filter_map(|c| {
                let p = c.period_at(noon?)?;
                Some((c.tier, (c, p)))
            })
            .collect();
        self
    }

    /// The period of `rule` holding today (local midnight to midnight), cached.
    fn period(&mut self, rule: &str) -> Option<Period> {
        let (today, tz) = (self.today, self.time_zone.clone());
        *self.periods.entry(rule.to_string()).or_insert_with(|| {
            let r = Recurrence::new(rule, &tz).ok()?;
            let noon = today.and_hms_opt(12, 0, 0)?.and_utc();
            r.period_at(noon)
        })
    }

    fn local(&self, t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
        let tz: chrono_tz::Tz = self.time_zone.parse().unwrap_or(chrono_tz::UTC);
        t.with_timezone(&tz).date_naive()
    }
}

fn plus(d: NaiveDate, days: u32) -> NaiveDate {
    d.checked_add_days(Days::new(days.into())).unwrap_or(d)
}

fn minus(d: NaiveDate, days: u32) -> NaiveDate {
    d.checked_sub_days(Days::new(days.into())).unwrap_or(d)
}

/// Whether a moment dated `on` fires today: on the day or within the catch-up week.
fn fresh(on: NaiveDate, today: NaiveDate) -> bool {
    on <= today && (today - on).num_days() <= CATCH_UP_DAYS
}

/// The moments of `model` due for an account today.
pub fn due_moments(model: &EngagementModel, f: &MomentFacts, cal: &mut Calendar) -> Vec<Firing> {
    let mut out = Vec::new();
    for m in &model.moments {
        fire(m, f, cal, &mut out);
    }
    out
}

/// One happening of a moment's trigger: what names it (so it fires once), the day it
/// happened, and why it fires, in words.
struct Occurrence {
    key: String,
    on: NaiveDate,
    why: String,
}

fn occurrence(key: String, on: NaiveDate, why: String) -> Occurrence {
    Occurrence { key, on, why }
}

fn fire(m: &Moment, f: &MomentFacts, cal: &mut Calendar, out: &mut Vec<Firing>) {
    let today = cal.today;
    // A tiered account wants its touches whether or not it has a contract yet.
    if m.when == Trigger::TierCadence {
        out.extend(tier_touch(m, f, cal));
        return;
    }
    // No other moment before the customer is one.
    let Some(since) = f.customer_since.filter(|s| *s <= today) else {
        return;
    };
    if let Trigger::Every(rule) = &m.when {
        if f.onboarded {
            out.extend(every_period(m, rule, f, cal));
        }
        return;
    }
    for o in occurrences(&m.when, f, since, today) {
        if answered(m, f, o.on) {
            continue;
        }
        out.push(Firing {
            moment: m.key.clone(),
            occurrence: o.key,
            due_on: plus(o.on, m.due_in_days).max(today),
            why: o.why,
        });
    }
}

/// The tier's cadence: one personal touch a period, due by the period's last day, unless one
/// was logged in it. A period missed stays due: the task is due at the end of the first period
/// without a touch, so that a touch missed for months shows as overdue for months.
fn tier_touch(m: &Moment, f: &MomentFacts, cal: &Calendar) -> Option<Firing> {
    let (cadence, period) = f.tier.and_then(|t| cal.cadences.get(&t))?;
    if f.last_personal_touch.is_some_and(|t| t >= period.start) {
        return None;
    }
    // The cadence counts from when the account was both a customer and in its tier.
    let since = f
        .customer_since
        .max(f.tier_since)
        .and_then(|s| s.and_hms_opt(12, 0, 0))
        .map(|t| t.and_utc());
    let missed = cadence.first_untouched(f.last_personal_touch, since, *period);
    let start = cadence.local_day(missed.start);
    let last = cadence.local_day(missed.end - chrono::Duration::seconds(1));
    let logged = f.last_personal_touch.map_or_else(
        || "none logged".to_string(),
        |t| format!("the last one on {}", cal.local(t)),
    );
    Some(Firing {
        moment: m.key.clone(),
        occurrence: format!("period:{start}"),
        due_on: last,
        why: format!(
            "{} accounts get a personal touch {} (their tier's cadence); {logged}, so one was \
             due by {last}. Any call, meeting, email or business review with a contact counts; a \
             note does not",
            cadence.tier,
            cadence.describe()
        ),
    })
}

/// Whether an activity that fulfils the moment was logged on or after `from`.
pub fn answered(m: &Moment, f: &MomentFacts, from: NaiveDate) -> bool {
    m.answered_by
        .iter()
        .any(|k| f.last_activity.get(k).is_some_and(|on| *on >= from))
}

/// A recurring moment of the ongoing phase: once a period unless answered in it, due within
/// it. Each account comes on its own day of the period, so that a CSM's reviews spread over
/// the quarter instead of falling due on one day.
fn every_period(m: &Moment, rule: &str, f: &MomentFacts, cal: &mut Calendar) -> Option<Firing> {
    let today = cal.today;
    let p = cal.period(rule)?;
    let start = cal.local(p.start);
    let last = cal.local(p.end - chrono::Duration::seconds(1));
    if answered(m, f, start) {
        return None;
    }
    let days = (last - start).num_days() + 1;
    let room = (days - i64::from(m.due_in_days)).max(1);
    let comes = plus(start, spread(f.account, room));
    if comes > today {
        return None;
    }
    let due = plus(comes, m.due_in_days).min(last);
    // Seen late (a first sweep of an imported book): what is left of the period is spread too.
    let due = if due >= today {
        due
    } else {
        plus(today, spread(f.account, (last - today).num_days() + 1))
    };
    Some(Firing {
        moment: m.key.clone(),
        occurrence: format!("period:{start}"),
        due_on: due,
        why: format!("the period from {start} to {last}"),
    })
}

/// A stable day in `0..room` for an account: consecutive ids land far apart.
fn spread(account: i64, room: i64) -> u32 {
    let mixed = (account as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    u32::try_from(mixed % room.max(1) as u64).unwrap_or(0)
}

/// What happened that the trigger fires on, by kind of trigger.
fn occurrences(
    when: &Trigger,
    f: &MomentFacts,
    since: NaiveDate,
    today: NaiveDate,
) -> Vec<Occurrence> {
    match when {
        Trigger::TierCadence | Trigger::Every(_) => Vec::new(),
        Trigger::CustomerDay(d) => {
            let on = plus(since, *d);
            fresh(on, today)
                .then(|| {
                    occurrence(
                        format!("customer:{since}"),
                        on,
                        format!("day {d} as a customer (since {since})"),
                    )
                })
                .into_iter()
                .collect()
        }
        Trigger::ContractDay(d) => f
            .term_start
            .map(|start| (start, plus(start, *d)))
            .filter(|(_, on)| fresh(*on, today))
            .map(|(start, on)| {
                occurrence(
                    format!("term:{start}"),
                    on,
                    format!("day {d} of the term that started {start}"),
                )
            })
            .into_iter()
            .collect(),
        Trigger::RenewalInDays(d) => f
            .term_end
            .filter(|e| *e > today)
            .map(|end| (end, minus(end, *d)))
            .filter(|(_, on)| fresh(*on, today))
            .map(|(end, on)| {
                occurrence(
                    format!("renewal:{end}"),
                    on,
                    format!(
                        "the term ends {end}, {} days away",
                        (end - today).num_days()
                    ),
                )
            })
            .into_iter()
            .collect(),
        Trigger::RenewalWithoutCall(d) => f
            .term_end
            .filter(|e| *e > today && !f.renewal_called)
            .map(|end| (end, minus(end, *d).max(f.term_start.unwrap_or(end))))
            .filter(|(_, on)| *on <= today)
            .map(|(end, on)| {
                occurrence(
                    format!("renewal-call:{end}"),
                    on.max(today - chrono::Days::new(CATCH_UP_DAYS as u64)),
                    format!(
                        "the term ends {end}, {} days away, and nobody has made the call on its renewal",
                        (end - today).num_days()
                    ),
                )
            })
            .into_iter()
            .collect(),
        Trigger::HighSeverityTicket => severe_tickets(f, today),
        Trigger::ProductRelease => f
            .releases
            .iter()
            .filter(|r| r.released_on >= since && fresh(r.released_on, today))
            .map(|r| {
                occurrence(
                    format!("release:{}", r.id),
                    r.released_on,
                    format!("release \"{}\" of {}", r.name, r.released_on),
                )
            })
            .collect(),
        Trigger::Departed(roles) => departures(f, roles, today),
        Trigger::PoorSurvey(p) => poor_surveys(f, p, today),
        Trigger::NoTicketsForDays(d) => quiet_stretch(f, since, *d, today).into_iter().collect(),
        Trigger::InactiveForDays(d) => inactive(f, *d, today).into_iter().collect(),
        Trigger::UsageDownPercent(p) => usage_down(f, *p, today).into_iter().collect(),
        Trigger::SeatUtilisationBelow(p) => f
            .seat_utilisation
            .filter(|u| *u < f64::from(*p))
            .map(|u| {
                let month = today.with_day(1).unwrap_or(today);
                occurrence(
                    format!("month:{}", &month.to_string()[..7]),
                    today,
                    format!("seat utilisation {u:.0}%, under {p}%"),
                )
            })
            .into_iter()
            .collect(),
        Trigger::HealthTurned(colours) => f
            .turns
            .iter()
            .filter(|t| colours.contains(&t.to) && fresh(t.on, today))
            .map(|t| {
                let from = t.from.map_or("unscored".to_string(), |c| c.to_string());
                occurrence(
                    format!("turn:{}", t.snapshot),
                    t.on,
                    format!("health turned {} from {from} on {}", t.to, t.on),
                )
            })
            .collect(),
        Trigger::PlanRefresh => match f.plan.and_then(|p| p.due(today).map(|d| (p, d))) {
            Some((p, PlanDue::Refresh { due_on, reason })) => vec![occurrence(
                format!("refresh:{}", p.refreshed_on),
                due_on,
                reason,
            )],
            _ => Vec::new(),
        },
        Trigger::PlanUpdate => match f.plan.and_then(|p| p.due(today).map(|d| (p, d))) {
            Some((p, PlanDue::Update { due_on, reason })) => vec![occurrence(
                format!("update:{}", p.updated_on.max(p.refreshed_on)),
                due_on,
                reason,
            )],
            _ => Vec::new(),
        },
        Trigger::ObjectiveTurned(statuses) => f
            .objective_turns
            .iter()
            .filter(|t| statuses.contains(&t.to) && fresh(t.on, today))
            .map(|t| {
                occurrence(
                    format!("objective:{}", t.id),
                    t.on,
                    format!(
                        "the objective \"{}\" turned {} on {}: {}",
                        t.title,
                        t.to.as_str().replace('_', " "),
                        t.on,
                        t.reason
                    ),
                )
            })
            .collect(),
    }
}

/// Tickets opened this week at high or urgent severity.
fn severe_tickets(f: &MomentFacts, today: NaiveDate) -> Vec<Occurrence> {
    f.tickets
        .iter()
        .filter(|t| matches!(t.severity, Severity::High | Severity::Urgent))
        .filter(|t| fresh(t.opened_on, today))
        .map(|t| {
            occurrence(
                format!("ticket:{}", t.id),
                t.opened_on,
                format!(
                    "ticket {} \"{}\" opened {} at severity {}",
                    t.id, t.subject, t.opened_on, t.severity
                ),
            )
        })
        .collect()
}

/// Contacts who held one of `roles` and left this week.
fn departures(f: &MomentFacts, roles: &[RelationshipRole], today: NaiveDate) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for d in &f.departures {
        let held: Vec<&RelationshipRole> = d.roles.iter().filter(|r| roles.contains(r)).collect();
        if !held.is_empty() && fresh(d.departed_on, today) {
            out.push(occurrence(
                format!("departed:{}:{}", d.contact, d.departed_on),
                d.departed_on,
                format!(
                    "{} ({}) departed {}",
                    d.name,
                    held.iter()
                        .map(|r| r.as_str().replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(", "),
                    d.departed_on
                ),
            ));
        }
    }
    out
}

/// Survey answers this week at or under the moment's thresholds.
fn poor_surveys(
    f: &MomentFacts,
    p: &crate::engagement::PoorSurvey,
    today: NaiveDate,
) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for s in &f.surveys {
        let poor = match s.kind {
            SurveyKind::Nps => p.nps_at_most.zip(s.score).is_some_and(|(t, v)| v <= t),
            SurveyKind::Csat => p.csat_at_most.zip(s.score).is_some_and(|(t, v)| v <= t),
            SurveyKind::RenewIntent => p.would_not_renew && s.intent == Some(RenewIntent::No),
            SurveyKind::Ces => false,
        };
        if poor && fresh(s.answered_on, today) {
            let answer = match (s.score, s.intent) {
                (Some(v), _) => v.to_string(),
                (None, Some(i)) => format!("would renew: {i}"),
                _ => "?".into(),
            };
            out.push(occurrence(
                format!("survey:{}", s.id),
                s.answered_on,
                format!("{} answer {answer} on {}", s.kind, s.answered_on),
            ));
        }
    }
    out
}

/// `days` without a ticket. One quiet stretch is one moment: it is named by where it began.
fn quiet_stretch(
    f: &MomentFacts,
    since: NaiveDate,
    days: u32,
    today: NaiveDate,
) -> Option<Occurrence> {
    let from = f.last_ticket_on.unwrap_or(since).max(since);
    let on = plus(from, days);
    (on <= today).then(|| {
        let last = f
            .last_ticket_on
            .map_or("no ticket ever".to_string(), |l| format!("last ticket {l}"));
        occurrence(
            format!("quiet:{from}"),
            on,
            format!("{last}: {} days without one", (today - from).num_days()),
        )
    })
}

/// `days` without anyone using the product. One lapse is one moment: it is named by the last
/// day of use, so a customer who comes back and lapses again is told again.
fn inactive(f: &MomentFacts, days: u32, today: NaiveDate) -> Option<Occurrence> {
    let last = f.last_active_on?;
    let on = plus(last, days);
    (on <= today).then(|| {
        occurrence(
            format!("inactive:{last}"),
            on,
            format!(
                "nobody has used the product since {last}: {} days",
                (today - last).num_days()
            ),
        )
    })
}

/// Last week's events down by `percent` or more on the week before.
fn usage_down(f: &MomentFacts, percent: u32, today: NaiveDate) -> Option<Occurrence> {
    let (last, before) = (f.events_last_week?, f.events_week_before?);
    if before <= 0 || (last as f64) > before as f64 * (1.0 - f64::from(percent) / 100.0) {
        return None;
    }
    let monday = minus(today, today.weekday().num_days_from_monday() + 7);
    Some(occurrence(
        format!("week:{monday}"),
        today,
        format!(
            "{last} events in the week from {monday}, {before} the week before ({:+.0}%)",
            (last - before) as f64 * 100.0 / before as f64
        ),
    ))
}
