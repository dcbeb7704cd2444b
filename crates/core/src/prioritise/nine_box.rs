//! The 9-box (seed 001): relationship strength 1-3 across, upsell opportunity 1-3 up, set per
//! account each quarter. Upper right is "Heavily invest", lower left "Rescue". Tiering says
//! where you want to spend time; the 9-box shows where you actually spend it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A calendar quarter, written "2026-Q4".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    q: u8,
}

impl Quarter {
    pub fn new(year: i32, q: u8) -> Option<Quarter> {
        ((1..=4).contains(&q) && (1900..=9999).contains(&year)).then_some(Quarter { year, q })
    }

    pub fn of(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            q: (date.month0() / 3 + 1) as u8,
        }
    }

    pub fn previous(self) -> Quarter {
        match self.q {
            1 => Quarter {
                year: self.year - 1,
                q: 4,
            },
            q => Quarter { q: q - 1, ..self },
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q) * 3 - 2, 1).expect("valid quarter")
    }

    /// The first day of the next quarter.
    pub fn end(self) -> NaiveDate {
        match self.q {
            4 => Quarter {
                year: self.year + 1,
                q: 1,
            },
            q => Quarter { q: q + 1, ..self },
        }
        .first_day()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a quarter: write it like 2026-Q4")]
pub struct QuarterError(pub String);

impl FromStr for Quarter {
    type Err = QuarterError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || QuarterError(s.to_string());
        let (y, q) = s.trim().split_once(['-', ' ']).ok_or_else(bad)?;
        let q = q.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        Quarter::new(y.parse().map_err(|_| bad())?, q.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

/// One box: relationship strength and upsell opportunity, each 1 (weak, small) to 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NineBox {
    pub relationship: u8,
    pub upsell: u8,
}

impl NineBox {
    pub fn new(relationship: i64, upsell: i64) -> Result<NineBox, NineBoxError> {
        let rating = |field: &'static str, v: i64| {
            u8::try_from(v)
                .ok()
                .filter(|v| (1..=3).contains(v))
                .ok_or(NineBoxError::Rating { field, value: v })
        };
        Ok(NineBox {
            relationship: rating("relationship", relationship)?,
            upsell: rating("upsell", upsell)?,
        })
    }

    /// Every box, lower left first, row by row.
    pub fn all() -> impl Iterator<Item = NineBox> {
        (1..=3).flat_map(|upsell| {
            (1..=3).map(move |relationship| NineBox {
                relationship,
                upsell,
            })
        })
    }

    /// "3-3": relationship, then upsell.
    pub fn code(self) -> String {
        format!("{}-{}", self.relationship, self.upsell)
    }

    pub fn parse(code: &str) -> Option<NineBox> {
        let (r, u) = code.trim().split_once('-')?;
        NineBox::new(r.parse().ok()?, u.parse().ok()?).ok()
    }

    /// Boxes moved up or right count as better: the sum of both ratings.
    pub fn movement(from: NineBox, to: NineBox) -> i8 {
        (to.relationship + to.upsell) as i8 - (from.relationship + from.upsell) as i8
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NineBoxError {
    #[error("{field} must be 1, 2 or 3 (got {value})")]
    Rating { field: &'static str, value: i64 },
    #[error("box {0:?} is not one of 1-1 .. 3-3 (relationship-upsell)")]
    Code(String),
    #[error("the label of box {0} must be 1 to 40 characters")]
    Label(String),
}

/// The names of the nine boxes, configurable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NineBoxLabels(BTreeMap<String, String>);

impl Default for NineBoxLabels {
    fn default() -> Self {
        let labels = [
            ("1-1", "Rescue"),
            ("2-1", "Maintain"),
            ("3-1", "Advocate"),
            ("1-2", "Re-engage"),
            ("2-2", "Nurture"),
            ("3-2", "Expand"),
            ("1-3", "Build the relationship"),
            ("2-3", "Invest"),
            ("3-3", "Heavily invest"),
        ];
        NineBoxLabels(
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl NineBoxLabels {
    /// Labels for some or all boxes; the others keep their default names.
    pub fn new(given: BTreeMap<String, String>) -> Result<NineBoxLabels, NineBoxError> {
        let mut labels = NineBoxLabels::default();
        for (code, label) in given {
            let b = NineBox::parse(&code).ok_or_else(|| NineBoxError::Code(code.clone()))?;
            let label = label.trim();
            if label.is_empty() || label.chars().count() > 40 {
                return Err(NineBoxError::Label(b.code()));
            }
            labels.0.insert(b.code(), label.to_string());
        }
        Ok(labels)
    }

    pub fn label(&self, b: NineBox) -> &str {
        self.0.get(&b.code()).map(String::as_str).unwrap_or("")
    }

    pub fn entries(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// Personal touches against accounts in a group (a box, a tier): the seed's point that tiering
/// says where you want to spend time and the 9-box shows where you spend it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TimeSpent {
    pub accounts: u32,
    pub touches: u32,
}

impl TimeSpent {
    /// Touches per account, to one decimal.
    pub fn per_account(&self) -> f64 {
        if self.accounts == 0 {
            0.0
        } else {
            (f64::from(self.touches) / f64::from(self.accounts) * 10.0).round() / 10.0
        }
    }
}

/// Sums touches and accounts per group key.
pub fn time_spent<K: Ord>(accounts: impl IntoIterator<Item = (K, u32)>) -> BTreeMap<K, TimeSpent> {
    let mut out: BTreeMap<K, TimeSpent> = BTreeMap::new();
    for (key, touches) in accounts {
        let t = out.entry(key).or_default();
        t.accounts += 1;
        t.touches += touches;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_read_write_and_step_back_across_years() {
        let q: Quarter = "2026-Q1".parse().unwrap();
        assert_eq!(q.previous().to_string(), "2025-Q4");
        assert_eq!(q.first_day(), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(q.end(), NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(
            "2025-Q4".parse::<Quarter>().unwrap().end().to_string(),
            "2026-01-01"
        );
        assert_eq!(
            Quarter::of(NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()).to_string(),
            "2026-Q3"
        );
        for bad in ["2026-Q5", "2026", "Q3-2026", "2026-Q0", "26-Qx"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_corners_are_heavily_invest_and_rescue() {
        let l = NineBoxLabels::default();
        assert_eq!(l.label(NineBox::new(3, 3).unwrap()), "Heavily invest");
        assert_eq!(l.label(NineBox::new(1, 1).unwrap()), "Rescue");
        assert_eq!(NineBox::all().count(), 9);
        assert!(NineBox::all().all(|b| !l.label(b).is_empty()));
    }

    #[test]
    fn ratings_and_labels_name_what_is_wrong() {
        assert_eq!(
            NineBox::new(4, 1),
            Err(NineBoxError::Rating {
                field: "relationship",
                value: 4
            })
        );
        let bad: BTreeMap<_, _> = [("4-1".to_string(), "x".to_string())].into();
        assert_eq!(
            NineBoxLabels::new(bad),
            Err(NineBoxError::Code("4-1".into()))
        );
        let renamed: BTreeMap<_, _> = [("1-1".to_string(), "Save".to_string())].into();
        let l = NineBoxLabels::new(renamed).unwrap();
        assert_eq!(l.label(NineBox::new(1, 1).unwrap()), "Save");
        assert_eq!(l.label(NineBox::new(3, 3).unwrap()), "Heavily invest");
    }

    #[test]
    fn time_spent_counts_accounts_and_touches_per_group() {
        let t = time_spent([("Tier 1", 4), ("Tier 1", 1), ("Tier 3", 0)]);
        assert_eq!(
            t["Tier 1"],
            TimeSpent {
                accounts: 2,
                touches: 5
            }
        );
        assert_eq!(t["Tier 1"].per_account(), 2.5);
        assert_eq!(t["Tier 3"].per_account(), 0.0);
    }

    #[test]
    fn moving_up_or_right_is_better() {
        let rescue = NineBox::new(1, 1).unwrap();
        let invest = NineBox::new(2, 3).unwrap();
        assert_eq!(NineBox::movement(rescue, invest), 3);
        assert_eq!(NineBox::movement(invest, rescue), -3);
    }
}
