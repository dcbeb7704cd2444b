//! Grades (seed 000): "how big could this account be?" as a letter from its potential value,
//! and "how hard will it be to grow?" as a number, together written `A1` .. `C3`.

use crate::book::vocabulary;
use crate::money::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How big the account could be if it bought everything it could use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PotentialSize {
    A,
    B,
    C,
}

/// How likely the account is to grow: 1 a champion selling us across the company, 3 major
/// barriers (budget, politics, legal, a home-grown tool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Growth(u8);

impl Growth {
    pub const ALL: [Growth; 3] = [Growth(1), Growth(2), Growth(3)];

    pub fn new(n: i64) -> Result<Growth, GradeError> {
        match n {
            1..=3 => Ok(Growth(n as u8)),
            _ => Err(GradeError::Growth(n.to_string())),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A grade: `A1` is a large opportunity that wants to grow; `C3` a small one that will not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grade {
    pub size: PotentialSize,
    pub growth: Growth,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error("\"{0}\" is not a grade; expected a letter A, B or C and a number 1, 2 or 3, like A1")]
    Grade(String),
    #[error("growth is {0}; expected 1 (likely to grow), 2 or 3 (hard to grow)")]
    Growth(String),
    #[error("the potential value must not be negative")]
    NegativePotential,
    #[error(
        "grade bounds: A must start above B's lower bound and both must be positive (A above {a_above}, B from {b_from})"
    )]
    Bounds { a_above: Decimal, b_from: Decimal },
}

impl std::str::FromStr for Grade {
    type Err = GradeError;
    fn from_str(s: &str) -> Result<Grade, GradeError> {
        let t = s.trim().to_ascii_uppercase();
        let mut chars = t.chars();
        let size = match chars.next() {
            Some('A') => PotentialSize::A,
            Some('B') => PotentialSize::B,
            Some('C') => PotentialSize::C,
            _ => return Err(GradeError::Grade(s.to_string())),
        };
        let growth = match (chars.next(), chars.next()) {
            (Some(d @ '1'..='3'), None) => Growth(d as u8 - b'0'),
            _ => return Err(GradeError::Grade(s.to_string())),
        };
        Ok(Grade { size, growth })
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}{}", self.size, self.growth.0)
    }
}

impl Serialize for Grade {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Grade {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Grade, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The money bounds of the letters, in the book's currency: A above `a_above`, B from
/// `b_from` up to it, C below `b_from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeBounds {
    pub a_above: Decimal,
    pub b_from: Decimal,
}

impl Default for GradeBounds {
    /// Seed 000: "an A-account should have a potential > $50k; B-accounts between $10-$50k;
    /// C-accounts below that".
    fn default() -> GradeBounds {
        GradeBounds {
            a_above: Decimal::from(50_000),
            b_from: Decimal::from(10_000),
        }
    }
}

impl GradeBounds {
    pub fn new(a_above: Decimal, b_from: Decimal) -> Result<GradeBounds, GradeError> {
        if b_from <= Decimal::ZERO || a_above <= b_from {
            return Err(GradeError::Bounds { a_above, b_from });
        }
        Ok(GradeBounds { a_above, b_from })
    }

    /// The letter of a potential value. What the account pays now is a floor: it can be no
    /// smaller than it already is.
    pub fn size(&self, potential: Decimal, arr: Decimal) -> PotentialSize {
        let value = potential.max(arr);
        if value > self.a_above {
            PotentialSize::A
        } else if value >= self.b_from {
            PotentialSize::B
        } else {
            PotentialSize::C
        }
    }
}

vocabulary!(
    /// When a grade was given (seed 000): by the AE at close, by the CSM within the first 30
    /// days, or again when something about the account changed.
    GradingMoment, "grading moment" {
        AtClose => "at_close" | "close",
        First30Days => "first_30_days" | "first_30" | "onboarding",
        StateChange => "state_change" | "change",
    }
);

/// A grading as kept in the account's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Grading {
    pub grade: Grade,
    /// The value a person entered; the letter comes from it (or from the ARR, if larger).
    pub potential: Money,
    pub moment: GradingMoment,
    pub reason: String,
}

/// Grades an account from a person's inputs.
pub fn grade(
    bounds: &GradeBounds,
    potential: Decimal,
    arr: Decimal,
    growth: Growth,
) -> Result<Grade, GradeError> {
    if potential < Decimal::ZERO {
        return Err(GradeError::NegativePotential);
    }
    Ok(Grade {
        size: bounds.size(potential, arr),
        growth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    #[test]
    fn the_letters_change_exactly_at_their_bounds() {
        let b = GradeBounds::default();
        let size = |p: &str| b.size(p.parse().unwrap(), Decimal::ZERO);
        assert_eq!(size("50000.01"), PotentialSize::A);
        assert_eq!(size("50000"), PotentialSize::B, "A is above 50k");
        assert_eq!(size("10000"), PotentialSize::B, "B starts at 10k");
        assert_eq!(size("9999.99"), PotentialSize::C);
        assert_eq!(size("0"), PotentialSize::C);
    }

    #[test]
    fn what_an_account_pays_now_is_the_floor_of_its_potential() {
        let b = GradeBounds::default();
        let g = grade(&b, d(5_000), d(60_000), Growth::new(2).unwrap()).unwrap();
        assert_eq!(g.to_string(), "A2");
        assert_eq!(
            grade(&b, d(-1), d(0), Growth::new(1).unwrap()),
            Err(GradeError::NegativePotential)
        );
    }

    #[test]
    fn grades_are_read_and_written_as_a_letter_and_a_number() {
        for s in ["A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2", "C3"] {
            assert_eq!(s.parse::<Grade>().unwrap().to_string(), s);
        }
        assert_eq!(" b2 ".parse::<Grade>().unwrap().to_string(), "B2");
        for bad in ["", "A", "D1", "A4", "A0", "A12", "1A"] {
            assert!(bad.parse::<Grade>().is_err(), "{bad}");
        }
        assert!(Growth::new(0).is_err() && Growth::new(4).is_err());
    }

    #[test]
    fn bounds_must_leave_room_for_every_letter() {
        assert!(GradeBounds::new(d(10_000), d(10_000)).is_err());
        assert!(GradeBounds::new(d(50_000), d(0)).is_err());
        assert!(GradeBounds::new(d(100_000), d(20_000)).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn a_larger_potential_never_gets_a_smaller_letter(
            a in 0i64..20_000_000, b in 0i64..20_000_000, arr in 0i64..10_000_000
        ) {
            let bounds = GradeBounds::default();
            let (lo, hi) = (a.min(b), a.max(b));
            let cents = |n: i64| Decimal::new(n, 2);
            // A is the largest letter: its variant sorts first.
            proptest::prop_assert!(
                bounds.size(cents(hi), cents(arr)) <= bounds.size(cents(lo), cents(arr))
            );
            proptest::prop_assert!(
                bounds.size(cents(lo), cents(arr)) <= bounds.size(cents(lo), Decimal::ZERO)
            );
        }
    }
}
