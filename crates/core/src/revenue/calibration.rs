//! The renewal probability table: health colour x months to renewal -> the share of renewals
//! that renewed, learned from the back-test's terms (each term's colour as it was scored some
//! days before it ended). A thin cell leans on its colour's overall rate, and a thin colour on
//! the book's, so that three terms never make a 0% or a 100%; a leader may set a cell by hand,
//! and the learned figure stays beside it.

use crate::health::Colour;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

/// How far a renewal is: each band is read from the colour a term had at the band's far edge,
/// so a forecast made `n` days before a renewal never uses a colour dated after it was made
/// (the farthest band's edge is 350 days; a renewal farther than that is in it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Band {
    #[serde(rename = "0-1")]
    Month1,
    #[serde(rename = "1-3")]
    Months3,
    #[serde(rename = "3-6")]
    Months6,
    #[serde(rename = "6-12")]
    Months12,
}

impl Band {
    pub const ALL: [Band; 4] = [Band::Month1, Band::Months3, Band::Months6, Band::Months12];

    /// The days before a term's end its colour is read at, for this band.
    pub fn horizon_days(self) -> u32 {
        match self {
            Band::Month1 => 30,
            Band::Months3 => 91,
            Band::Months6 => 182,
            // Annual terms begin 364 days before they end: read a week short of a year, so
            // that a year's terms are in the band.
            Band::Months12 => 350,
        }
    }

    /// The band of a renewal `days` away (overdue renewals are in the nearest, renewals more
    /// than a year away in the farthest).
    pub fn of_days(days: i64) -> Band {
        Band::ALL
            .into_iter()
            .find(|b| days <= i64::from(b.horizon_days()))
            .unwrap_or(Band::Months12)
    }

    /// How it is written in configuration and the API: "0-1", "1-3", "3-6", "6-12".
    pub fn key(self) -> &'static str {
        match self {
            Band::Month1 => "0-1",
            Band::Months3 => "1-3",
            Band::Months6 => "3-6",
            Band::Months12 => "6-12",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Band::Month1 => "within a month",
            Band::Months3 => "1 to 3 months",
            Band::Months6 => "3 to 6 months",
            Band::Months12 => "6 to 12 months",
        }
    }
}

impl FromStr for Band {
    type Err = String;
    fn from_str(s: &str) -> Result<Band, String> {
        Band::ALL
            .into_iter()
            .find(|b| b.key() == s.trim())
            .ok_or_else(|| format!("\"{s}\" is not a band of months: use 0-1, 1-3, 3-6 or 6-12"))
    }
}

/// The colour a renewal is read in: a health colour, or none when the account had no score
/// ("not enough data").
pub type ColourKey = Option<Colour>;

/// How a colour key is written: the colour, or "unscored".
pub fn colour_key(c: ColourKey) -> &'static str {
    c.map(|c| c.as_str()).unwrap_or(UNSCORED)
}

/// The key of accounts without a score.
pub const UNSCORED: &str = "unscored";

/// Every colour key, greenest first, "not enough data" last.
pub const COLOUR_KEYS: [ColourKey; 5] = [
    Some(Colour::Green),
    Some(Colour::Yellow),
    Some(Colour::Orange),
    Some(Colour::Red),
    None,
];

/// A colour key's place in [`COLOUR_KEYS`].
fn rank(c: ColourKey) -> u8 {
    COLOUR_KEYS.iter().position(|k| *k == c).unwrap_or(4) as u8
}

/// Parses a colour key.
pub fn parse_colour_key(s: &str) -> Result<ColourKey, String> {
    if s.trim() == UNSCORED {
        return Ok(None);
    }
    Colour::from_str(s)
        .map(Some)
        .map_err(|_| format!("\"{s}\" is not a colour: use green, yellow, orange, red or unscored"))
}

/// One back-tested term at one band: its colour then and whether it renewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalibrationCase {
    pub account: i64,
    pub term_end: NaiveDate,
    pub band: Band,
    pub colour: ColourKey,
    pub renewed: bool,
}

/// A probability a leader set by hand for one cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbabilityEdit {
    /// green, yellow, orange, red or unscored.
    pub colour: String,
    /// 0-1, 1-3, 3-6 or 6-12.
    pub months: String,
    /// The chance of renewal, in percent (0 to 100).
    pub renewal_percent: Decimal,
}

impl ProbabilityEdit {
    /// The cell it sets and its probability (0 to 1), or what is wrong with it.
    pub fn parse(&self) -> Result<(ColourKey, Band, Decimal), String> {
        let colour = parse_colour_key(&self.colour)?;
        let band = self.months.parse()?;
        if self.renewal_percent < Decimal::ZERO || self.renewal_percent > Decimal::ONE_HUNDRED {
            return Err(format!(
                "renewal_percent: {} is not between 0 and 100",
                self.renewal_percent
            ));
        }
        Ok((colour, band, self.renewal_percent / Decimal::ONE_HUNDRED))
    }
}

/// How many terms a cell needs before its own rate outweighs its colour's: a cell of `n`
/// terms is weighted n / (n + this) against the colour's rate.
pub const SHRINK_TERMS: u32 = 20;

/// Terms renewed out of terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Count {
    pub terms: u32,
    pub renewed: u32,
}

impl Count {
    fn add(&mut self, renewed: bool) {
        self.terms += 1;
        self.renewed += u32::from(renewed);
    }

    fn merge(&mut self, other: Count) {
        self.terms += other.terms;
        self.renewed += other.renewed;
    }

    /// The observed share renewed, if any term.
    pub fn rate(&self) -> Option<Decimal> {
        (self.terms > 0).then(|| Decimal::from(self.renewed) / Decimal::from(self.terms))
    }

    /// The share renewed pulled towards `prior` by [`SHRINK_TERMS`] imagined terms.
    fn shrunk(&self, prior: Decimal) -> Decimal {
        let k = Decimal::from(SHRINK_TERMS);
        (Decimal::from(self.renewed) + k * prior) / (Decimal::from(self.terms) + k)
    }
}

/// One cell of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub colour: ColourKey,
    pub band: Band,
    pub count: Count,
    /// What the terms say, leaning on the colour's rate when they are few; none without any
    /// history.
    pub learned: Option<Decimal>,
    /// What a leader set, when they did.
    pub edited: Option<Decimal>,
}

impl Cell {
    /// The probability the forecast uses.
    pub fn probability(&self) -> Option<Decimal> {
        self.edited.or(self.learned)
    }
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub cells: Vec<Cell>,
    /// Per colour, over every band.
    pub colours: Vec<(ColourKey, Count)>,
    pub total: Count,
}

impl Calibration {
    /// The table learned from `cases`, with the leader's `edits` on top (already checked).
    pub fn learn(cases: &[CalibrationCase], edits: &[(ColourKey, Band, Decimal)]) -> Calibration {
        Calibration::from_counts(&Calibration::count(cases), edits)
    }

    /// The cases counted per colour and band: what a table is learned from.
    pub fn count(cases: &[CalibrationCase]) -> Vec<(ColourKey, Band, Count)> {
        let mut counts: BTreeMap<(u8, Band), Count> = BTreeMap::new();
        for case in cases {
            counts
                .entry((rank(case.colour), case.band))
                .or_default()
                .add(case.renewed);
        }
        counts
            .into_iter()
            .map(|((r, b), c)| (COLOUR_KEYS[usize::from(r)], b, c))
            .collect()
    }

    /// The table from the cases counted per colour and band.
    pub fn from_counts(
        counts: &[(ColourKey, Band, Count)],
        edits: &[(ColourKey, Band, Decimal)],
    ) -> Calibration {
        let mut colours = [Count::default(); 5];
        let mut total = Count::default();
        for (c, _, n) in counts {
            colours[usize::from(rank(*c))].merge(*n);
            total.merge(*n);
        }
        let overall = total.rate();
        let mut cells = Vec::new();
        // The healthier colour's rate and cells: a colour never seen takes its healthier
        // neighbour's rate (red with no history is no better than orange), and no cell of a
        // colour renews more often than the healthier colour's cell of the same band.
        let mut healthier: Option<(Decimal, [Option<Decimal>; 4])> = None;
        for (i, colour) in COLOUR_KEYS.iter().enumerate() {
            let scored = colour.is_some();
            let prior = match (&healthier, colours[i].terms) {
                (Some((rate, _)), 0) if scored => Some(*rate),
                _ => overall,
            };
            let colour_rate = prior.map(|o| colours[i].shrunk(o));
            let mut learned_here = [None; 4];
            for (b, band) in Band::ALL.into_iter().enumerate() {
                let count = counts
                    .iter()
                    .filter(|(c, b, _)| c == colour && *b == band)
                    .fold(Count::default(), |mut a, (_, _, n)| {
                        a.merge(*n);
                        a
                    });
                let mut learned = colour_rate.map(|p| count.shrunk(p).round_dp(4));
                if let (Some(l), Some((_, above))) = (learned, &healthier)
                    && scored
                {
                    learned = Some(above[b].map_or(l, |a| l.min(a)));
                }
                learned_here[b] = learned;
                cells.push(Cell {
                    colour: *colour,
                    band,
                    count,
                    learned,
                    edited: edits
                        .iter()
                        .find(|(c, b, _)| c == colour && *b == band)
                        .map(|(_, _, p)| *p),
                });
            }
            if let (true, Some(rate)) = (scored, colour_rate) {
                healthier = Some((rate, learned_here));
            }
        }
        Calibration {
            cells,
            colours: COLOUR_KEYS.iter().copied().zip(colours).collect(),
            total,
        }
    }

    /// The cell of a colour and band.
    pub fn cell(&self, colour: ColourKey, band: Band) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.colour == colour && c.band == band)
    }

    /// The chance a renewal in `colour`, `band` away, renews.
    pub fn probability(&self, colour: ColourKey, band: Band) -> Option<Decimal> {
        self.cell(colour, band).and_then(Cell::probability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases(colour: ColourKey, band: Band, renewed: u32, churned: u32) -> Vec<CalibrationCase> {
        (0..renewed + churned)
            .map(|i| CalibrationCase {
                account: i64::from(i),
                term_end: "2026-01-31".parse().unwrap(),
                band,
                colour,
                renewed: i < renewed,
            })
            .collect()
    }

    #[test]
    fn bands_are_read_at_their_far_edge() {
        assert_eq!(Band::of_days(-5), Band::Month1);
        assert_eq!(Band::of_days(30), Band::Month1);
        assert_eq!(Band::of_days(31), Band::Months3);
        assert_eq!(Band::of_days(182), Band::Months6);
        assert_eq!(Band::of_days(400), Band::Months12);
        assert_eq!("3-6".parse::<Band>(), Ok(Band::Months6));
        assert!("3-7".parse::<Band>().unwrap_err().contains("0-1, 1-3"));
    }

    #[test]
    fn a_thin_cell_leans_on_its_colour_and_a_full_one_on_itself() {
        // Orange, 1-3 months: 100 terms, 60 renewed. Orange, 0-1 month: 2 terms, both churned.
        let mut all = cases(Some(Colour::Orange), Band::Months3, 60, 40);
        all.extend(cases(Some(Colour::Orange), Band::Month1, 0, 2));
        all.extend(cases(Some(Colour::Green), Band::Months3, 95, 5));
        let t = Calibration::learn(&all, &[]);
        // The book: 155 of 202 renewed. Orange: (60 + 20 x 155/202) / (102 + 20).
        let book = Decimal::from(155) / Decimal::from(202);
        let orange = (Decimal::from(60) + Decimal::from(20) * book) / Decimal::from(122);
        let full = t.cell(Some(Colour::Orange), Band::Months3).unwrap();
        assert_eq!(
            full.count,
            Count {
                terms: 100,
                renewed: 60
            }
        );
        assert_eq!(
            full.learned,
            Some(
                ((Decimal::from(60) + Decimal::from(20) * orange) / Decimal::from(120)).round_dp(4)
            )
        );
        // Two churns do not make 0%: the cell stays near orange's rate.
        let thin = t.probability(Some(Colour::Orange), Band::Month1).unwrap();
        assert!(thin > Decimal::new(45, 2) && thin < orange, "{thin}");
        // A colour never seen is no better than its healthier neighbour: red takes orange's
        // rate, and no red cell renews more often than orange's of the same band.
        let red = t.probability(Some(Colour::Red), Band::Months6).unwrap();
        assert_eq!(red, orange.round_dp(4));
        for band in Band::ALL {
            assert!(
                t.probability(Some(Colour::Red), band) <= t.probability(Some(Colour::Orange), band)
            );
        }
        assert!(t.probability(Some(Colour::Green), Band::Months3).unwrap() > orange);
    }

    #[test]
    fn an_edit_wins_and_keeps_the_learned_figure_beside_it_and_no_history_has_no_figure() {
        let all = cases(None, Band::Months6, 8, 2);
        let edit = ProbabilityEdit {
            colour: "unscored".into(),
            months: "3-6".into(),
            renewal_percent: Decimal::from(55),
        }
        .parse()
        .unwrap();
        let t = Calibration::learn(&all, &[edit]);
        let cell = t.cell(None, Band::Months6).unwrap();
        assert_eq!(cell.probability(), Some(Decimal::new(55, 2)));
        assert_eq!(cell.learned, Some(Decimal::new(8, 1)));
        let empty = Calibration::learn(&[], &[]);
        assert_eq!(empty.probability(Some(Colour::Green), Band::Month1), None);
        let bad = ProbabilityEdit {
            colour: "purple".into(),
            months: "0-1".into(),
            renewal_percent: Decimal::from(50),
        };
        assert!(bad.parse().unwrap_err().contains("not a colour"));
    }
}
