//! Tier cadences (seed 001): "assign a regular cadence of communication ... Tier 1 weekly,
//! Tier 2 bi-weekly, Tier 3 monthly personalized communication". Each tier's cadence is an
//! RFC 5545 recurrence rule; its occurrences cut time into periods, and each period wants one
//! personal touch. Periods start at midnight in the team's time zone.

use super::Tier;
use chrono::{DateTime, NaiveDate, Utc};
use rrule::{Frequency, RRuleSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The dedup key of the personal-touch task: one open per account at a time.
pub const PERSONAL_TOUCH: &str = "personal-touch";

/// Periods count from this Monday, so that weekly periods start on Mondays and monthly ones
/// on the 1st.
const ANCHOR: &str = "20240101T000000";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error("{0:?} is not a time zone (use an IANA name like Europe/Berlin, or UTC)")]
    TimeZone(String),
    #[error("\"{rule}\" is not a recurrence rule: {why}")]
    Rule { rule: String, why: String },
    #[error("a cadence repeats for ever: leave COUNT and UNTIL out of \"{0}\"")]
    Ends(String),
    #[error("a cadence is at most daily: \"{0}\" repeats more often")]
    TooOften(String),
}

/// The cadences a settings form offers by name; any other rule is a custom one.
pub const CADENCE_CHOICES: &[(&str, &str)] = &[
    ("FREQ=WEEKLY", "weekly"),
    ("FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
    ("FREQ=MONTHLY", "monthly"),
    ("FREQ=MONTHLY;INTERVAL=3", "every 3 months"),
];

/// Every IANA time zone name, for a form's searchable list.
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
}

/// The cadences as configured: an RRULE per tier and the time zone periods start in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadenceSettings {
    pub time_zone: String,
    /// By tier number ("1", "2", "3"): an RRULE value like "FREQ=WEEKLY;INTERVAL=2".
    pub rules: BTreeMap<String, String>,
}

impl Default for CadenceSettings {
    fn default() -> Self {
        CadenceSettings {
            time_zone: "UTC".into(),
            rules: [
                ("1", "FREQ=WEEKLY"),
                ("2", "FREQ=WEEKLY;INTERVAL=2"),
                ("3", "FREQ=MONTHLY"),
            ]
            .iter()
            .map(|(t, r)| (t.to_string(), r.to_string()))
            .collect(),
        }
    }
}

impl CadenceSettings {
    /// Every tier's cadence, checked; a tier without a rule has no cadence.
    pub fn cadences(&self) -> Result<Vec<Cadence>, (String, CadenceError)> {
        let mut out = Vec::new();
        for (tier, rule) in &self.rules {
            let key = format!("cadences.rules.{tier}");
            let t = tier
                .parse::<i64>()
                .ok()
                .and_then(Tier::new)
                .ok_or_else(|| {
                    (
                        key.clone(),
                        CadenceError::Rule {
                            rule: rule.clone(),
                            why: format!("\"{tier}\" is not a tier (1, 2 or 3)"),
                        },
                    )
                })?;
            out.push(Cadence::new(t, rule, &self.time_zone).map_err(|e| {
                let key = match e {
                    CadenceError::TimeZone(_) => "cadences.time_zone".to_string(),
                    _ => key,
                };
                (key, e)
            })?);
        }
        Ok(out)
    }
}

/// One tier's cadence.
#[derive(Debug, Clone)]
pub struct Cadence {
    pub tier: Tier,
    pub recurrence: Recurrence,
}

/// A recurrence rule that cuts time into periods, each from one occurrence to the next: a
/// tier's cadence, or an engagement model's time-based moment ("QBR each quarter").
#[derive(Debug, Clone)]
pub struct Recurrence {
    /// The RRULE value as configured.
    pub rule: String,
    pub time_zone: String,
    set: RRuleSet,
}

/// One period of a recurrence: a cadence wants a personal touch between `start` and `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Cadence {
    pub fn new(tier: Tier, rule: &str, time_zone: &str) -> Result<Cadence, CadenceError> {
        Ok(Cadence {
            tier,
            recurrence: Recurrence::new(rule, time_zone)?,
        })
    }

    pub fn period_at(&self, t: DateTime<Utc>) -> Option<Period> {
        self.recurrence.period_at(t)
    }

    pub fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        self.recurrence.local_day(t)
    }

    /// The touches the cadence wanted between two instants: the periods that ended in
    /// (`from`, `to`], each of which wanted one.
    pub fn wanted_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        let mut n = 0;
        // Each occurrence but the first ends the period before it.
        for end in (&self.recurrence.set).into_iter().skip(1) {
            let end = end.with_timezone(&Utc);
            if end > to {
                break;
            }
            if end > from {
                n += 1;
            }
        }
        n
    }

    /// The first period that wanted a touch and got none, up to `current` (the one holding
    /// today): the one after the last touch's, or, never touched, the one holding `since` (the
    /// start of the periods if earlier). A touch missed stays missed: an account last touched
    /// 221 days ago is that long overdue, not due at the end of this week.
    pub fn first_untouched(
        &self,
        last_touch: Option<DateTime<Utc>>,
        since: Option<DateTime<Utc>>,
        current: Period,
    ) -> Period {
        let first = match last_touch {
            Some(t) => self.period_at(t).and_then(|p| self.period_at(p.end)),
            None => since.and_then(|s| {
                self.period_at(s)
                    .or_else(|| self.period_at(self.recurrence.first()?))
            }),
        };
        first.filter(|p| p.start < current.start).unwrap_or(current)
    }

    pub fn describe(&self) -> String {
        self.recurrence.describe()
    }
}

impl Recurrence {
    /// Checks the rule: it repeats for ever, at most daily, from midnight in `time_zone`.
    pub fn new(rule: &str, time_zone: &str) -> Result<Recurrence, CadenceError> {
        let rule = rule.trim().trim_start_matches("RRULE:").to_string();
        let tz: chrono_tz::Tz = time_zone
            .trim()
            .parse()
            .map_err(|_| CadenceError::TimeZone(time_zone.to_string()))?;
        let text = format!("DTSTART;TZID={}:{ANCHOR}\nRRULE:{rule}", tz.name());
        let set: RRuleSet = text
            .parse()
            .map_err(|e: rrule::RRuleError| CadenceError::Rule {
                rule: rule.clone(),
                why: e.to_string(),
            })?;
        let r = set.get_rrule().first().ok_or_else(|| CadenceError::Rule {
            rule: rule.clone(),
            why: "no rule".into(),
        })?;
        if r.get_count().is_some() || r.get_until().is_some() {
            return Err(CadenceError::Ends(rule));
        }
        if matches!(
            r.get_freq(),
            Frequency::Hourly | Frequency::Minutely | Frequency::Secondly
        ) {
            return Err(CadenceError::TooOften(rule));
        }
        Ok(Recurrence {
            rule,
            time_zone: tz.name().to_string(),
            set,
        })
    }

    /// The start of the first period.
    fn first(&self) -> Option<DateTime<Utc>> {
        (&self.set)
            .into_iter()
            .next()
            .map(|o| o.with_timezone(&Utc))
    }

    /// The period holding the instant (before the anchor there is none).
    pub fn period_at(&self, t: DateTime<Utc>) -> Option<Period> {
        let mut start = None;
        for occurrence in &self.set {
            let o = occurrence.with_timezone(&Utc);
            if o > t {
                return start.map(|s| Period { start: s, end: o });
            }
            start = Some(o);
        }
        None
    }

    /// The day an instant falls on in the cadence's time zone.
    pub fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        let tz: chrono_tz::Tz = self.time_zone.parse().unwrap_or(chrono_tz::UTC);
        t.with_timezone(&tz).date_naive()
    }

    /// "weekly", "every 2 weeks", "monthly"...
    pub fn describe(&self) -> String {
        let r = &self.set.get_rrule()[0];
        let (one, many) = match r.get_freq() {
            Frequency::Yearly => ("yearly", "years"),
            Frequency::Monthly => ("monthly", "months"),
            Frequency::Weekly => ("weekly", "weeks"),
            _ => ("daily", "days"),
        };
        match r.get_interval() {
            1 => one.to_string(),
            n => format!("every {n} {many}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn cadence(rule: &str, tz: &str) -> Cadence {
        Cadence::new(Tier::ONE, rule, tz).unwrap()
    }

    #[test]
    fn weekly_periods_run_monday_to_monday() {
        let p = cadence("FREQ=WEEKLY", "UTC")
            .period_at(utc("2026-11-26T15:00:00Z"))
            .unwrap();
        assert_eq!(p.start, utc("2026-11-23T00:00:00Z"));
        assert_eq!(p.end, utc("2026-11-30T00:00:00Z"));
    }

    #[test]
    fn monthly_periods_cross_month_ends_of_every_length() {
        let c = cadence("FREQ=MONTHLY", "UTC");
        let feb = c.period_at(utc("2028-02-29T23:59:59Z")).unwrap();
        assert_eq!(
            (feb.start, feb.end),
            (utc("2028-02-01T00:00:00Z"), utc("2028-03-01T00:00:00Z"))
        );
        let jan = c.period_at(utc("2027-01-31T12:00:00Z")).unwrap();
        assert_eq!(jan.end, utc("2027-02-01T00:00:00Z"));
        let dec = c.period_at(utc("2026-12-31T23:00:00Z")).unwrap();
        assert_eq!(dec.end, utc("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn periods_start_at_midnight_in_the_team_time_zone() {
        let c = cadence("FREQ=WEEKLY", "America/New_York");
        // Monday 03:00 UTC is still Sunday evening in New York: the week before.
        let p = c.period_at(utc("2026-11-23T03:00:00Z")).unwrap();
        assert_eq!(p.start, utc("2026-11-16T05:00:00Z"));
        assert_eq!(p.end, utc("2026-11-23T05:00:00Z"));
        // Across the end of daylight saving time (1 November 2026) the start stays midnight.
        let p = c.period_at(utc("2026-11-03T12:00:00Z")).unwrap();
        assert_eq!(p.start, utc("2026-11-02T05:00:00Z"));
        assert_eq!(p.end - p.start, chrono::Duration::hours(24 * 7));
        let before = c.period_at(utc("2026-10-30T12:00:00Z")).unwrap();
        assert_eq!(before.start, utc("2026-10-26T04:00:00Z"));
        assert_eq!(
            before.end - before.start,
            chrono::Duration::hours(24 * 7 + 1)
        );
    }

    #[test]
    fn bi_weekly_keeps_its_rhythm_from_the_anchor() {
        let c = cadence("FREQ=WEEKLY;INTERVAL=2", "UTC");
        let a = c.period_at(utc("2026-11-25T00:00:00Z")).unwrap();
        let b = c.period_at(a.end).unwrap();
        assert_eq!(a.end - a.start, chrono::Duration::days(14));
        assert_eq!(b.start, a.end);
        assert_eq!(c.describe(), "every 2 weeks");
    }

    #[test]
    fn bad_rules_and_zones_say_what_is_wrong() {
        assert!(matches!(
            Cadence::new(Tier::ONE, "FREQ=SOMETIMES", "UTC"),
            Err(CadenceError::Rule { .. })
        ));
        assert_eq!(
            Cadence::new(Tier::ONE, "FREQ=WEEKLY", "Mars/Olympus").unwrap_err(),
            CadenceError::TimeZone("Mars/Olympus".into())
        );
        assert!(matches!(
            Cadence::new(Tier::ONE, "FREQ=WEEKLY;COUNT=3", "UTC"),
            Err(CadenceError::Ends(_))
        ));
        assert!(matches!(
            Cadence::new(Tier::ONE, "FREQ=HOURLY", "UTC"),
            Err(CadenceError::TooOften(_))
        ));
        let mut s = CadenceSettings::default();
        s.rules.insert("2".into(), "FREQ=NEVER".into());
        assert_eq!(s.cadences().unwrap_err().0, "cadences.rules.2");
    }
}
