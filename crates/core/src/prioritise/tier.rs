//! Tiers (seeds 000 and 001): the grade, through a 3x3 grid, gives the account's priority.
//! Some cells sit between two tiers; seed 000: "make a quick call - add them to one tier or
//! the other and move on". Until a person does, the account needs a tier decision. A person
//! may also override the grid for a reason of their own.

use super::{Grade, Growth, PotentialSize};
use crate::book::vocabulary;
use std::fmt;

/// Tier 1: the top priority; Tier 2: the bread and butter; Tier 3: the long tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tier(u8);

impl Tier {
    pub const ONE: Tier = Tier(1);
    pub const TWO: Tier = Tier(2);
    pub const THREE: Tier = Tier(3);
    pub const ALL: [Tier; 3] = [Tier::ONE, Tier::TWO, Tier::THREE];

    pub fn new(n: i64) -> Option<Tier> {
        (1..=3).contains(&n).then_some(Tier(n as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tier {}", self.0)
    }
}

/// A cell of the grid: a tier, or two neighbouring tiers a person chooses between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierCell {
    Tier(Tier),
    Between(Tier, Tier),
}

impl TierCell {
    /// Whether a person must choose between two tiers.
    pub fn is_between(&self) -> bool {
        matches!(self, TierCell::Between(..))
    }

    /// Whether a decision for this tier settles the cell.
    pub fn allows(&self, tier: Tier) -> bool {
        match *self {
            TierCell::Tier(t) => t == tier,
            TierCell::Between(a, b) => tier == a || tier == b,
        }
    }

    /// As configuration writes it: "1", or "1-2" for a cell between Tier 1 and Tier 2.
    pub fn code(&self) -> String {
        match self {
            TierCell::Tier(t) => t.0.to_string(),
            TierCell::Between(a, b) => format!("{}-{}", a.0, b.0),
        }
    }

    pub fn parse(s: &str) -> Option<TierCell> {
        let tier = |p: &str| p.trim().parse::<i64>().ok().and_then(Tier::new);
        match s.split_once('-') {
            None => tier(s).map(TierCell::Tier),
            Some((a, b)) => {
                let (a, b) = (tier(a)?, tier(b)?);
                (b.0 == a.0 + 1).then_some(TierCell::Between(a, b))
            }
        }
    }
}

/// The grid from grade to tier: rows by potential size (A, B, C), columns by growth (1, 2, 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierGrid {
    cells: [[TierCell; 3]; 3],
}

impl Default for TierGrid {
    /// As we read seed 000's grid: A1, A2 Tier 1; A3, B1 between 1 and 2; B2, B3, C1 Tier 2;
    /// C2, C3 Tier 3.
    fn default() -> TierGrid {
        use TierCell::{Between, Tier as T};
        let (one, two, three) = (Tier::ONE, Tier::TWO, Tier::THREE);
        TierGrid {
            cells: [
                [T(one), T(one), Between(one, two)],
                [Between(one, two), T(two), T(two)],
                [T(two), T(three), T(three)],
            ],
        }
    }
}

fn row(size: PotentialSize) -> usize {
    match size {
        PotentialSize::A => 0,
        PotentialSize::B => 1,
        PotentialSize::C => 2,
    }
}

impl TierGrid {
    pub fn cell(&self, grade: Grade) -> TierCell {
        self.cells[row(grade.size)][usize::from(grade.growth.get() - 1)]
    }

    pub fn set(&mut self, grade: Grade, cell: TierCell) {
        self.cells[row(grade.size)][usize::from(grade.growth.get() - 1)] = cell;
    }

    /// Every grade with its cell, A1 first.
    pub fn cells(&self) -> impl Iterator<Item = (Grade, TierCell)> + '_ {
        [PotentialSize::A, PotentialSize::B, PotentialSize::C]
            .into_iter()
            .flat_map(|size| {
                Growth::ALL
                    .into_iter()
                    .map(move |growth| Grade { size, growth })
            })
            .map(|g| (g, self.cell(g)))
    }
}

vocabulary!(
    /// How a person set the tier: a decision settles a between cell; an override sets any tier
    /// against the grid, and stays until it is cleared.
    TierChoiceKind, "tier choice" {
        Decision => "decision",
        Override => "override",
    }
);

/// A person's choice of tier, with their reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierChoice {
    pub kind: TierChoiceKind,
    pub tier: Tier,
    pub reason: String,
}

impl TierChoiceKind {
    /// The kind of a choice whose maker did not say: a decision when the grade sits between two
    /// tiers (whatever tier was chosen, so a tier outside the cell is refused rather than
    /// silently stored as an override), an override otherwise.
    pub fn unstated(grid: &TierGrid, grade: Option<Grade>) -> TierChoiceKind {
        match grade.map(|g| grid.cell(g)) {
            Some(TierCell::Between(..)) => TierChoiceKind::Decision,
            _ => TierChoiceKind::Override,
        }
    }
}

/// Why a tier choice cannot stand: the field it is about and the rule in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TierChoiceRefused {
    pub field: &'static str,
    pub message: String,
}

impl TierChoice {
    /// A decision settles a grade between two tiers, with one of those two; an override may set
    /// any tier against the grid.
    pub fn check(&self, grid: &TierGrid, grade: Option<Grade>) -> Result<(), TierChoiceRefused> {
        if self.kind == TierChoiceKind::Override {
            return Ok(());
        }
        let refuse = |field, message: String| Err(TierChoiceRefused { field, message });
        match grade.map(|g| (g, grid.cell(g))) {
            Some((_, cell @ TierCell::Between(..))) if cell.allows(self.tier) => Ok(()),
            Some((g, TierCell::Between(a, b))) => refuse(
                "tier",
                format!(
                    "{g} sits between {a} and {b}; decide one of them, or override with a reason"
                ),
            ),
            Some((g, TierCell::Tier(t))) => refuse(
                "kind",
                format!(
                    "{g} is {t} by the grid: there is nothing to decide; override it with a reason instead"
                ),
            ),
            None => refuse(
                "kind",
                "the account has no grade yet: grade it, or override its tier with a reason".into(),
            ),
        }
    }
}

/// An account's tier as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TierStanding {
    /// None while the account is ungraded or waits for a decision.
    pub tier: Option<Tier>,
    pub decision_needed: bool,
    /// The choice in force, if any (a decision that no longer fits the grade is dropped).
    pub choice: Option<TierChoice>,
}

/// The tier of a grade under the grid and a person's choice.
pub fn tier_standing(
    grid: &TierGrid,
    grade: Option<Grade>,
    choice: Option<TierChoice>,
) -> TierStanding {
    if let Some(c) = choice
        .as_ref()
        .filter(|c| c.kind == TierChoiceKind::Override)
    {
        return TierStanding {
            tier: Some(c.tier),
            decision_needed: false,
            choice: Some(c.clone()),
        };
    }
    let Some(grade) = grade else {
        return TierStanding::default();
    };
    match grid.cell(grade) {
        TierCell::Tier(t) => TierStanding {
            tier: Some(t),
            decision_needed: false,
            choice: None,
        },
        cell @ TierCell::Between(..) => match choice.filter(|c| cell.allows(c.tier)) {
            Some(c) => TierStanding {
                tier: Some(c.tier),
                decision_needed: false,
                choice: Some(c),
            },
            None => TierStanding {
                tier: None,
                decision_needed: true,
                choice: None,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> Grade {
        s.parse().unwrap()
    }

    fn choice(kind: TierChoiceKind, tier: Tier) -> Option<TierChoice> {
        Some(TierChoice {
            kind,
            tier,
            reason: "strategic logo".into(),
        })
    }

    #[test]
    fn every_cell_of_the_default_grid_is_seed_000s() {
        let grid = TierGrid::default();
        let expected = [
            ("A1", "1"),
            ("A2", "1"),
            ("A3", "1-2"),
            ("B1", "1-2"),
            ("B2", "2"),
            ("B3", "2"),
            ("C1", "2"),
            ("C2", "3"),
            ("C3", "3"),
        ];
        let cells: Vec<(String, String)> = grid
            .cells()
            .map(|(grade, cell)| (grade.to_string(), cell.code()))
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(cells, expected);
    }

    #[test]
    fn a_between_cell_waits_for_a_decision_that_fits_it() {
        let grid = TierGrid::default();
        let waiting = tier_standing(&grid, Some(g("B1")), None);
        assert!(waiting.decision_needed && waiting.tier.is_none());
        let decided = tier_standing(
            &grid,
            Some(g("B1")),
            choice(TierChoiceKind::Decision, Tier::TWO),
        );
        assert_eq!(decided.tier, Some(Tier::TWO));
        assert!(!decided.decision_needed);
        // Re-graded into a plain cell, the decision no longer applies.
        let regraded = tier_standing(
            &grid,
            Some(g("A1")),
            choice(TierChoiceKind::Decision, Tier::TWO),
        );
        assert_eq!((regraded.tier, regraded.choice), (Some(Tier::ONE), None));
        // A decision for a tier the cell does not offer settles nothing.
        let wrong = tier_standing(
            &grid,
            Some(g("A3")),
            choice(TierChoiceKind::Decision, Tier::THREE),
        );
        assert!(wrong.decision_needed);
    }

    #[test]
    fn an_override_stands_against_the_grid_until_cleared() {
        let grid = TierGrid::default();
        for grade in [Some(g("C3")), Some(g("B1")), None] {
            let s = tier_standing(&grid, grade, choice(TierChoiceKind::Override, Tier::ONE));
            assert_eq!(s.tier, Some(Tier::ONE));
            assert!(!s.decision_needed);
            assert_eq!(s.choice.unwrap().reason, "strategic logo");
        }
        assert_eq!(tier_standing(&grid, None, None), TierStanding::default());
    }

    #[test]
    fn grid_cells_are_written_as_a_tier_or_two_neighbours() {
        for code in ["1", "2", "3", "1-2", "2-3"] {
            assert_eq!(TierCell::parse(code).unwrap().code(), code);
        }
        for bad in ["0", "4", "1-3", "2-1", "x", ""] {
            assert!(TierCell::parse(bad).is_none(), "{bad}");
        }
    }
}
