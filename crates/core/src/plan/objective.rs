//! A success plan's objective, measured on the customer's unit: from a baseline to a target by
//! a date. Its status is read against the straight path from the baseline to the target: where
//! the value stands now against where that path would put it today, with the reason in words.

use crate::book::vocabulary;
use chrono::NaiveDate;
use rust_decimal::Decimal;

vocabulary!(
    /// What an objective's unit measures. The customer names the unit itself ("hours a week",
    /// "invoices sent a month"); the kind groups objectives across the book.
    UnitKind, "unit of measure" {
        TimeSaved => "time_saved" | "time",
        Revenue => "revenue",
        Cost => "cost",
        Quality => "quality",
        Other => "other",
    }
);

vocabulary!(
    /// Where an objective stands.
    ObjectiveStatus, "objective status" {
        OnTrack => "on_track",
        AtRisk => "at_risk",
        OffTrack => "off_track",
        Achieved => "achieved",
        Missed => "missed",
    }
);

/// How far behind the straight path an objective may be, in points of the way from baseline
/// to target, and still be on track; and before it is off track.
pub const ON_TRACK_SLACK: Decimal = Decimal::from_parts(10, 0, 0, false, 2);
pub const AT_RISK_SLACK: Decimal = Decimal::from_parts(25, 0, 0, false, 2);

/// An objective's measure: the unit, where it started and where it should be by when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub kind: UnitKind,
    /// The customer's own name for the unit: "hours saved a week".
    pub unit: String,
    pub baseline: Decimal,
    pub baseline_on: NaiveDate,
    /// Where the baseline figure came from ("their finance team's Q4 report").
    #[serde(default)]
    pub baseline_source: String,
    pub target: Decimal,
    pub target_on: NaiveDate,
}

/// What is wrong with a measure, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct MeasureError {
    pub field: &'static str,
    pub message: String,
}

impl Measure {
    pub fn check(&self) -> Result<(), MeasureError> {
        let bad = |field, message: &str| {
            Err(MeasureError {
                field,
                message: message.to_string(),
            })
        };
        if self.unit.trim().is_empty() {
            return bad(
                "unit",
                "name the unit the customer measures in, e.g. \"hours saved a week\"",
            );
        }
        if self.target == self.baseline {
            return bad(
                "target",
                "the target equals the baseline: there is nothing to reach",
            );
        }
        if self.target_on <= self.baseline_on {
            return bad(
                "target_on",
                "the target date must come after the baseline's date",
            );
        }
        Ok(())
    }

    /// The share of the way from baseline to target that `value` has come (0 at the baseline,
    /// 1 at the target; below 0 when it went the wrong way). Works for targets below the
    /// baseline (a cost brought down) as for those above.
    pub fn progress(&self, value: Decimal) -> Decimal {
        (value - self.baseline) / (self.target - self.baseline)
    }

    /// The share of the way the straight path has come by `day` (0 to 1).
    pub fn expected(&self, day: NaiveDate) -> Decimal {
        let span = (self.target_on - self.baseline_on).num_days();
        let gone = (day - self.baseline_on).num_days().clamp(0, span);
        Decimal::from(gone) / Decimal::from(span)
    }

    /// The first day a value reached the target, from values in any order.
    pub fn achieved_on(&self, values: &[(Decimal, NaiveDate)]) -> Option<NaiveDate> {
        values
            .iter()
            .filter(|(v, _)| self.progress(*v) >= Decimal::ONE)
            .map(|(_, on)| *on)
            .min()
    }

    /// The status on `today` given the latest value (`None`: none recorded since the baseline),
    /// with the reason in words.
    pub fn status(&self, latest: Option<(Decimal, NaiveDate)>, today: NaiveDate) -> Assessment {
        let (value, on) = latest.unwrap_or((self.baseline, self.baseline_on));
        let progress = self.progress(value);
        let expected = self.expected(today);
        let unit = &self.unit;
        let now = format!("{} {unit} on {on}", plain(value));
        let target = format!("{} {unit} by {}", plain(self.target), self.target_on);
        if progress >= Decimal::ONE {
            return Assessment {
                status: ObjectiveStatus::Achieved,
                progress,
                expected,
                reason: format!("reached: {now}, the target was {target}"),
            };
        }
        if today > self.target_on {
            return Assessment {
                status: ObjectiveStatus::Missed,
                progress,
                expected,
                reason: format!(
                    "the target date passed at {} of the way: {now}, the target was {target}",
                    percent(progress)
                ),
            };
        }
        let behind = expected - progress;
        let status = if behind <= ON_TRACK_SLACK {
            ObjectiveStatus::OnTrack
        } else if behind <= AT_RISK_SLACK {
            ObjectiveStatus::AtRisk
        } else {
            ObjectiveStatus::OffTrack
        };
        let standing = if behind > Decimal::ZERO {
            format!("{} points behind", (behind * Decimal::ONE_HUNDRED).round())
        } else {
            "ahead of it".to_string()
        };
        Assessment {
            status,
            progress,
            expected,
            reason: format!(
                "{now}: {} of the way to {target}, where the straight path from the baseline \
                 ({} {unit} on {}) is at {} today; {standing}",
                percent(progress),
                plain(self.baseline),
                self.baseline_on,
                percent(expected)
            ),
        }
    }
}

/// An objective's status and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub status: ObjectiveStatus,
    /// The share of the way from baseline to target come so far.
    pub progress: Decimal,
    /// The share the straight path has come by today.
    pub expected: Decimal,
    pub reason: String,
}

fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

fn percent(share: Decimal) -> String {
    format!("{}%", (share * Decimal::ONE_HUNDRED).round())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    /// From 2 hours saved a week on 1 Jan to 12 by 1 Nov (304 days).
    fn hours() -> Measure {
        Measure {
            kind: UnitKind::TimeSaved,
            unit: "hours saved a week".into(),
            baseline: d("2"),
            baseline_on: day("2026-01-01"),
            baseline_source: String::new(),
            target: d("12"),
            target_on: day("2026-11-01"),
        }
    }

    #[test]
    fn status_follows_the_straight_path_from_baseline_to_target() {
        let m = hours();
        // Halfway in time (1 Jun is 151 of 304 days): the path is at 50%.
        let today = day("2026-06-01");
        let at = |v: &str| m.status(Some((d(v), day("2026-05-28"))), today);
        assert_eq!(at("7").status, ObjectiveStatus::OnTrack, "on the path");
        assert_eq!(
            at("6.2").status,
            ObjectiveStatus::OnTrack,
            "8 points behind"
        );
        assert_eq!(at("5").status, ObjectiveStatus::AtRisk, "20 points behind");
        assert_eq!(
            at("4").status,
            ObjectiveStatus::OffTrack,
            "30 points behind"
        );
        assert_eq!(at("1").status, ObjectiveStatus::OffTrack, "the wrong way");
        assert_eq!(at("12").status, ObjectiveStatus::Achieved);
        assert_eq!(
            at("13").status,
            ObjectiveStatus::Achieved,
            "beyond the target"
        );
        let r = at("5").reason;
        assert!(
            r.starts_with("5 hours saved a week on 2026-05-28: 30% of the way to 12 hours saved a week by 2026-11-01"),
            "{r}"
        );
        assert!(r.contains("is at 50% today; 20 points behind"), "{r}");
    }

    #[test]
    fn a_target_below_the_baseline_is_progress_downwards() {
        let cost = Measure {
            kind: UnitKind::Cost,
            unit: "USD a month on support".into(),
            baseline: d("10000"),
            baseline_on: day("2026-01-01"),
            baseline_source: "their support invoices".into(),
            target: d("6000"),
            target_on: day("2026-12-31"),
        };
        assert_eq!(cost.progress(d("8000")), d("0.5"));
        let today = day("2026-07-02");
        assert_eq!(
            cost.status(Some((d("8000"), today)), today).status,
            ObjectiveStatus::OnTrack
        );
        assert_eq!(
            cost.status(Some((d("11000"), today)), today).status,
            ObjectiveStatus::OffTrack,
            "costs went up"
        );
        assert_eq!(
            cost.status(Some((d("5900"), today)), today).status,
            ObjectiveStatus::Achieved
        );
    }

    #[test]
    fn past_the_target_date_short_of_it_is_missed_and_early_days_are_on_track() {
        let m = hours();
        let late = m.status(Some((d("9"), day("2026-10-30"))), day("2026-11-02"));
        assert_eq!(late.status, ObjectiveStatus::Missed);
        assert!(
            late.reason
                .starts_with("the target date passed at 70% of the way"),
            "{}",
            late.reason
        );
        // No value yet, a week in: the path has barely moved.
        assert_eq!(
            m.status(None, day("2026-01-08")).status,
            ObjectiveStatus::OnTrack
        );
        // No value two months in: behind.
        assert_eq!(
            m.status(None, day("2026-03-15")).status,
            ObjectiveStatus::AtRisk
        );
    }

    #[test]
    fn a_measure_with_nothing_to_reach_or_no_time_to_reach_it_is_refused_by_field() {
        let mut m = hours();
        m.target = m.baseline;
        assert_eq!(m.check().unwrap_err().field, "target");
        let mut m = hours();
        m.target_on = m.baseline_on;
        assert_eq!(m.check().unwrap_err().field, "target_on");
        let mut m = hours();
        m.unit = " ".into();
        assert_eq!(m.check().unwrap_err().field, "unit");
        assert!(hours().check().is_ok());
        assert!(
            "widgets".parse::<UnitKind>().is_err(),
            "an unknown kind of unit"
        );
        assert_eq!(
            "time saved".parse::<UnitKind>().unwrap(),
            UnitKind::TimeSaved
        );
    }
}
