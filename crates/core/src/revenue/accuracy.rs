//! How accurate the renewal forecast has been: as of the first of each past month with enough
//! history, forecast the next 3 and 12 months from what was known then (the renewals of the
//! terms signed by then, the probability table learned only from terms that had ended, each renewal in the colour its account was scored in
//! before that day, the change rates of the year before) and compare with what the outcomes
//! say. The error of revenue retention is in percentage points; churned ARR's is in money and
//! as a share of what churned.

use super::Grain;
use super::calibration::{Band, Calibration, CalibrationCase, ColourKey};
use super::forecast::{Figures, RenewalBook};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How far ahead the forecast is judged, in months.
pub const ACCURACY_HORIZONS: [u32; 2] = [3, 12];

/// Ended terms a month needs behind it before a forecast made then is judged: fewer, and the
/// table it would use is mostly guesswork.
pub const MIN_HISTORY_TERMS: usize = 30;

/// What practitioners aim for after a year: revenue retention forecast within 5 points.
pub const BENCHMARK_POINTS: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// One past forecast against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyPoint {
    pub as_of: NaiveDate,
    pub forecast: Figures,
    pub actual: Figures,
    /// No term had churned before `as_of`: the table could only expect every renewal to stay.
    #[serde(default)]
    pub before_any_churn: bool,
}

impl AccuracyPoint {
    /// Forecast minus actual revenue retention, in percentage points.
    pub fn retention_error(&self) -> Option<Decimal> {
        Some((self.forecast.retention()? - self.actual.retention()?) * Decimal::ONE_HUNDRED)
    }

    /// Forecast minus actual churned ARR.
    pub fn churn_error(&self) -> Decimal {
        self.forecast.churned - self.actual.churned
    }
}

/// The forecast's accuracy at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonAccuracy {
    pub months: u32,
    pub points: Vec<AccuracyPoint>,
    /// Renewals behind all the points (a renewal can be in several months' windows).
    pub renewals: usize,
    /// Mean absolute error of revenue retention, in points.
    pub mean_error: Option<Decimal>,
    /// The absolute errors of the middle 80% of the forecasts: from, to.
    pub error_range: Option<(Decimal, Decimal)>,
    /// Mean signed error: above zero, the forecast was too hopeful.
    pub bias: Option<Decimal>,
    /// Forecasts within [`BENCHMARK_POINTS`].
    pub within_benchmark: usize,
    /// Sum of |forecast - actual| churned ARR over the sum of actual churned ARR.
    pub churn_error_share: Option<Decimal>,
}

impl HorizonAccuracy {
    /// In plain words.
    pub fn words(&self) -> String {
        let (Some(mean), Some((lo, hi))) = (self.mean_error, self.error_range) else {
            return format!(
                "No {}-month forecast can be judged yet: the book needs {MIN_HISTORY_TERMS} \
                 ended terms before a month, and {} months after it.",
                self.months, self.months
            );
        };
        let n = self.points.len();
        let range = if lo == hi {
            String::new()
        } else {
            format!(" ({} to {} in most months)", lo.round_dp(1), hi.round_dp(1))
        };
        let mut s = format!(
            "Looking {} months ahead, the forecast of revenue retention was off by {} points on \
             average{range}, over {n} forecast{} and {} renewals.",
            self.months,
            mean.round_dp(1),
            if n == 1 { "" } else { "s" },
            self.renewals,
        );
        if let Some(b) = self.bias.filter(|b| b.abs() >= Decimal::ONE) {
            s.push_str(&format!(
                " On average it was too {} by {} points.",
                if b > Decimal::ZERO {
                    "hopeful"
                } else {
                    "cautious"
                },
                b.abs().round_dp(1)
            ));
        }
        if let Some(share) = self.churn_error_share {
            s.push_str(&format!(
                " Churned ARR was missed by {}% of what churned.",
                (share * Decimal::ONE_HUNDRED).round_dp(0)
            ));
        }
        let blind = self.points.iter().filter(|p| p.before_any_churn).count();
        if blind > 0 {
            s.push_str(&format!(
                " {blind} of the {n} were made before the book had seen a churn, so they \
                 expected every renewal to stay."
            ));
        }
        if self.months >= 12 {
            s.push_str(&format!(
                " A team that knows its book aims to be within {BENCHMARK_POINTS} points after a \
                 year: {} of {n} were.",
                self.within_benchmark
            ));
        }
        s
    }
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[Decimal], p: usize) -> Decimal {
    let i = (sorted.len() * p).div_ceil(100).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// The forecast's accuracy at each of [`ACCURACY_HORIZONS`], judged as of every month whose
/// window has passed by `today`.
pub fn accuracy(
    book: &RenewalBook,
    cases: &[CalibrationCase],
    today: NaiveDate,
) -> Vec<HorizonAccuracy> {
    let colours: HashMap<(i64, NaiveDate, Band), ColourKey> = cases
        .iter()
        .map(|c| ((c.account, c.term_end, c.band), c.colour))
        .collect();
    let mut ends: Vec<NaiveDate> = cases
        .iter()
        .filter(|c| c.band == Band::Month1)
        .map(|c| c.term_end)
        .collect();
    ends.sort_unstable();
    let first = ends.get(MIN_HISTORY_TERMS - 1).copied();
    ACCURACY_HORIZONS
        .into_iter()
        .map(|months| {
            let mut points = Vec::new();
            if let Some(first) = first {
                let mut as_of = Grain::Month.next(Grain::Month.start_of(first));
                let last = Grain::Month.start_of(today);
                while as_of < last {
                    let mut until = as_of;
                    for _ in 0..months {
                        until = Grain::Month.next(until);
                    }
                    if until > last {
                        break;
                    }
                    let known: Vec<CalibrationCase> = cases
                        .iter()
                        .filter(|c| c.term_end < as_of)
                        .cloned()
                        .collect();
                    let table = Calibration::learn(&known, &[]);
                    let (forecast, actual) =
                        book.backtest(as_of, until, &table, book.change_rates(as_of), |t, band| {
                            // Read at the band's edge: a term farther away than the farthest
                            // edge would be read after the forecast was made, so it is not.
                            let edge = t.end - chrono::Days::new(band.horizon_days().into());
                            if edge > as_of {
                                return None;
                            }
                            colours.get(&(t.account, t.end, band)).copied().flatten()
                        });
                    if forecast.renewals > 0 {
                        points.push(AccuracyPoint {
                            as_of,
                            forecast,
                            actual,
                            before_any_churn: known.iter().all(|c| c.renewed),
                        });
                    }
                    as_of = Grain::Month.next(as_of);
                }
            }
            summarise(months, points)
        })
        .collect()
}

fn summarise(months: u32, points: Vec<AccuracyPoint>) -> HorizonAccuracy {
    let errors: Vec<Decimal> = points.iter().filter_map(|p| p.retention_error()).collect();
    let mut abs: Vec<Decimal> = errors.iter().map(|e| e.abs()).collect();
    abs.sort_unstable();
    let n = Decimal::from(errors.len());
    let churned: Decimal = points.iter().map(|p| p.actual.churned).sum();
    let missed: Decimal = points.iter().map(|p| p.churn_error().abs()).sum();
    HorizonAccuracy {
        months,
        renewals: points.iter().map(|p| p.actual.renewals).sum(),
        mean_error: (!abs.is_empty()).then(|| abs.iter().sum::<Decimal>() / n),
        error_range: (!abs.is_empty()).then(|| (percentile(&abs, 10), percentile(&abs, 90))),
        bias: (!errors.is_empty()).then(|| errors.iter().sum::<Decimal>() / n),
        within_benchmark: abs.iter().filter(|e| **e <= BENCHMARK_POINTS).count(),
        churn_error_share: (churned > Decimal::ZERO).then(|| missed / churned),
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::super::retention::RetentionTerm;
    use super::*;
    use crate::book::Outcome;
    use crate::health::Colour;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// 40 accounts on monthly-ending annual terms through 2024 and 2025: green ones (even)
    /// always renew, red ones (odd) churn at the end of 2025. Every term was scored in its
    /// account's colour.
    fn history() -> (RenewalBook, Vec<CalibrationCase>) {
        let mut terms = Vec::new();
        let mut cases = Vec::new();
        for a in 0..40i64 {
            let green = a % 2 == 0;
            let m = (a % 12) as u32 + 1;
            for year in 2023..=2025 {
                let start = NaiveDate::from_ymd_opt(year, m, 1).unwrap();
                let end = NaiveDate::from_ymd_opt(year + 1, m, 1)
                    .unwrap()
                    .pred_opt()
                    .unwrap();
                let renewed = green || year < 2025;
                terms.push(RetentionTerm {
                    contract: a * 10 + i64::from(year - 2020),
                    account: a,
                    arr: Decimal::from(12_000),
                    start,
                    end,
                    cancelled: false,
                    churn_reason: None,
                    outcome: Some(if renewed {
                        Outcome::Renewed
                    } else {
                        Outcome::Churned
                    }),
                });
                for band in Band::ALL {
                    cases.push(CalibrationCase {
                        account: a,
                        term_end: end,
                        band,
                        colour: Some(if green { Colour::Green } else { Colour::Red }),
                        renewed,
                    });
                }
            }
        }
        (RenewalBook::new(terms), cases)
    }

    #[test]
    fn forecasts_are_judged_only_from_what_was_known_then() {
        let (book, cases) = history();
        let a = accuracy(&book, &cases, day("2026-07-15"));
        let three = &a[0];
        assert_eq!(three.months, 3);
        // The 30th ended term (by end day) is in 2024; judging begins the month after it.
        let first = three.points.first().unwrap();
        assert!(first.as_of > day("2024-01-01") && first.as_of < day("2025-01-01"));
        // The last 3-month window ends before July 2026.
        assert_eq!(three.points.last().unwrap().as_of, day("2026-04-01"));
        // Before 2026 every term renewed and the table learned red renews: forecasts of early
        // 2026 were too hopeful, and the error says so.
        let late = three
            .points
            .iter()
            .find(|p| p.as_of == day("2026-02-01"))
            .unwrap();
        assert!(late.actual.churned > Decimal::ZERO);
        assert!(late.retention_error().unwrap() > Decimal::ZERO);
        assert!(three.bias.unwrap() > Decimal::ZERO);
        assert!(three.mean_error.unwrap() >= three.error_range.unwrap().0);
        assert!(three.words().contains("3 months ahead"));
        // Before 2026 no term had churned: those forecasts are said to be blind to churn.
        assert!(first.before_any_churn);
        assert!(
            three
                .words()
                .contains("were made before the book had seen a churn"),
            "{}",
            three.words()
        );
        let year = &a[1];
        assert!(
            year.words().contains("within 5 points after a year"),
            "{}",
            year.words()
        );
        // Judged with nothing: says why.
        let none = accuracy(&book, &[], day("2026-07-15"));
        assert!(none[1].words().starts_with("No 12-month forecast"));
    }
}
