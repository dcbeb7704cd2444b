//! The one source of "now" for every time-dependent rule, job and record. Production uses the
//! system clock; tests inject a [`ManualClock`] and travel in time.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::sync::Mutex;

/// The last day of the week holding `d` (Sunday): "due this week" for tasks and team loads.
pub fn week_end(d: NaiveDate) -> NaiveDate {
    d + chrono::Days::new(u64::from(6 - d.weekday().num_days_from_monday()))
}

/// A time zone by its IANA name ("Europe/Berlin", "UTC"), or why it is not one.
pub fn time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        format!("\"{name}\" is not a time zone (use an IANA name like Europe/Berlin, or UTC)")
    })
}

/// The day it is at `now` in a time zone: a person's "today".
pub fn day_in(now: DateTime<Utc>, zone: chrono_tz::Tz) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// Something that tells the current time in UTC.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The wall clock moved some days ahead: to try on a demo book what happens when periods end
/// (a forecast's actuals, renewals falling due), without waiting for the calendar.
#[derive(Debug, Clone, Copy)]
pub struct AheadClock(pub Duration);

impl Clock for AheadClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

/// A clock that only moves when told to: for tests that travel in time.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_travels_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let clock = ManualClock::at(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(31));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
    }
}
