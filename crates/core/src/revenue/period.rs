//! Reporting periods: weeks, months, quarters and years, as retention and the forecast count
//! them. A period runs from its first day up to (not including) the next period's first day.

use chrono::{Datelike, Days, Months, NaiveDate};
use std::fmt;

/// How long a reporting period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    Week,
    Month,
    Quarter,
    Year,
}

/// Most periods one report spans: ten years of months.
pub const MAX_PERIODS: usize = 120;

impl Grain {
    pub fn parse(s: &str) -> Option<Grain> {
        Some(match s {
            "week" => Grain::Week,
            "month" => Grain::Month,
            "quarter" => Grain::Quarter,
            "year" => Grain::Year,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    /// The first day of the period holding `day` (weeks start on Monday).
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        let first = |month: u32| NaiveDate::from_ymd_opt(day.year(), month, 1).expect("a month");
        match self {
            Grain::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Grain::Month => first(day.month()),
            Grain::Quarter => first((day.month() - 1) / 3 * 3 + 1),
            Grain::Year => first(1),
        }
    }

    /// The first day of the period after the one starting on `start`.
    pub fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Grain::Week => start + Days::new(7),
            Grain::Month => start + Months::new(1),
            Grain::Quarter => start + Months::new(3),
            Grain::Year => start + Months::new(12),
        }
    }

    /// The first day of the period `n` periods before the one starting on `start`.
    pub fn back(self, start: NaiveDate, n: u32) -> NaiveDate {
        match self {
            Grain::Week => start - Days::new(7 * u64::from(n)),
            Grain::Month => start - Months::new(n),
            Grain::Quarter => start - Months::new(3 * n),
            Grain::Year => start - Months::new(12 * n),
        }
    }

    /// How a person names the period starting on `start`: "2026-W14", "Mar 2026", "2026 Q1",
    /// "2026".
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Grain::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Grain::Month => start.format("%b %Y").to_string(),
            Grain::Quarter => format!("{} Q{}", start.year(), (start.month() - 1) / 3 + 1),
            Grain::Year => start.year().to_string(),
        }
    }
}

impl fmt::Display for Grain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reporting period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    /// The first day after the period.
    pub next: NaiveDate,
    pub label: String,
}

/// Too many periods asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyPeriods {
    pub asked: usize,
}

impl fmt::Display for TooManyPeriods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} periods asked for; at most {MAX_PERIODS} fit one report (choose a longer grain or a shorter span)",
            self.asked
        )
    }
}

/// The periods of `grain` from the one holding `from` to the one holding `to`, in order.
pub fn periods(
    grain: Grain,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Period>, TooManyPeriods> {
    let mut out = Vec::new();
    let mut start = grain.start_of(from);
    while start <= to {
        if out.len() == MAX_PERIODS {
            // Count the rest only to say how many were asked for.
            let mut asked = out.len();
            while start <= to {
                asked += 1;
                start = grain.next(start);
            }
            return Err(TooManyPeriods { asked });
        }
        let next = grain.next(start);
        out.push(Period {
            start,
            next,
            label: grain.label(start),
        });
        start = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_start_where_people_count_them() {
        assert_eq!(
            Grain::Quarter.start_of(day("2026-11-15")),
            day("2026-10-01")
        );
        assert_eq!(Grain::Week.start_of(day("2026-12-03")), day("2026-11-30"));
        assert_eq!(Grain::Year.next(day("2026-01-01")), day("2027-01-01"));
        assert_eq!(Grain::Quarter.label(day("2026-04-01")), "2026 Q2");
        assert_eq!(Grain::Month.label(day("2026-04-01")), "Apr 2026");
        let q = periods(Grain::Quarter, day("2026-02-10"), day("2026-07-01")).unwrap();
        let labels: Vec<_> = q.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026 Q1", "2026 Q2", "2026 Q3"]);
        assert_eq!(q[0].next, day("2026-04-01"));
    }

    #[test]
    fn a_span_too_long_for_one_report_is_refused_with_the_count() {
        let e = periods(Grain::Week, day("2020-01-01"), day("2026-01-01")).unwrap_err();
        assert!(e.asked > MAX_PERIODS);
        assert!(e.to_string().contains("at most 120"), "{e}");
    }
}
