//! The renewal forecast and its actuals, per period, over the terms that end in it: ARR due,
//! renewed (kept at most at its old value), churned, contracted, and expansion.
//!
//! A term's outcome counts once the term has ended and the outcome is recorded; until then it
//! is expected: renewed with the probability of its colour and band, churned otherwise, and
//! when renewed it contracts and expands by the book's rates of the last year (the fall and
//! rise of the terms that renewed, as a share of their ARR). An actual is what the recorded
//! outcomes say; terms that ended without one are "undecided", never guessed.

use super::calibration::{Band, Calibration, ColourKey};
use super::retention::RetentionTerm;
use crate::book::Outcome;
use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The renewals of one period, in the reporting currency.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Figures {
    pub renewals: usize,
    pub due: Decimal,
    pub renewed: Decimal,
    pub churned: Decimal,
    pub contracted: Decimal,
    pub expansion: Decimal,
    /// Ended without a recorded outcome (actuals), or with no probability to expect (forecast).
    pub undecided: Decimal,
}

/// The measures of [`Figures`], by name, as plans keep them.
pub const MEASURES: [&str; 6] = [
    "due",
    "renewed",
    "churned",
    "contracted",
    "expansion",
    "undecided",
];

impl Figures {
    /// A measure by its name in [`MEASURES`].
    pub fn measure(&self, name: &str) -> Option<Decimal> {
        Some(match name {
            "due" => self.due,
            "renewed" => self.renewed,
            "churned" => self.churned,
            "contracted" => self.contracted,
            "expansion" => self.expansion,
            "undecided" => self.undecided,
            _ => return None,
        })
    }

    /// Figures from measures by name; a missing one is zero.
    pub fn from_measures(renewals: usize, get: impl Fn(&str) -> Option<Decimal>) -> Figures {
        let m = |n: &str| get(n).unwrap_or_default();
        Figures {
            renewals,
            due: m("due"),
            renewed: m("renewed"),
            churned: m("churned"),
            contracted: m("contracted"),
            expansion: m("expansion"),
            undecided: m("undecided"),
        }
    }

    /// Revenue retention of the renewals: renewed over due (what was decided).
    pub fn retention(&self) -> Option<Decimal> {
        let decided = self.due - self.undecided;
        (decided > Decimal::ZERO).then(|| self.renewed / decided)
    }

    fn round(mut self) -> Figures {
        for v in [
            &mut self.due,
            &mut self.renewed,
            &mut self.churned,
            &mut self.contracted,
            &mut self.expansion,
            &mut self.undecided,
        ] {
            *v = v.round_dp(2);
        }
        self
    }

    fn add_outcome(&mut self, arr: Decimal, outcome: Outcome, next: Option<Decimal>) {
        if outcome == Outcome::Churned {
            self.churned += arr;
            return;
        }
        // A renewal whose next term is not in the book renewed as it was.
        let next = next.unwrap_or(arr);
        self.renewed += arr.min(next);
        if next < arr {
            self.contracted += arr - next;
        } else {
            self.expansion += next - arr;
        }
    }
}

/// The book's contraction and expansion on renewal over the last year, as shares of the ARR of
/// the terms that renewed.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ChangeRates {
    pub contraction: Decimal,
    pub expansion: Decimal,
}

/// One renewal as the forecast expects it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    pub contract: i64,
    pub account: i64,
    pub end: NaiveDate,
    pub arr: Decimal,
    pub colour: ColourKey,
    pub band: Band,
    /// `None` when the table has no figure for it.
    pub probability: Option<Decimal>,
}

/// The terms by account, each account's in start order, to find what followed a term.
#[derive(Debug, Clone, Default)]
pub struct RenewalBook {
    terms: Vec<RetentionTerm>,
    /// Per account, indexes into `terms` by start.
    by_account: BTreeMap<i64, Vec<usize>>,
    by_contract: HashMap<i64, usize>,
}

impl RenewalBook {
    pub fn new(terms: Vec<RetentionTerm>) -> RenewalBook {
        let terms: Vec<RetentionTerm> = terms.into_iter().filter(|t| !t.cancelled).collect();
        let mut by_account: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, t) in terms.iter().enumerate() {
            by_account.entry(t.account).or_default().push(i);
        }
        for ids in by_account.values_mut() {
            ids.sort_by_key(|i| (terms[*i].start, terms[*i].contract));
        }
        let by_contract = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.contract, i))
            .collect();
        RenewalBook {
            terms,
            by_account,
            by_contract,
        }
    }

    pub fn terms(&self) -> &[RetentionTerm] {
        &self.terms
    }

    /// The term by its contract.
    pub fn term(&self, contract: i64) -> Option<&RetentionTerm> {
        self.by_contract.get(&contract).map(|i| &self.terms[*i])
    }

    /// ARR of the term that followed `t`: the account's next term to start (the same rule as
    /// "the next term is signed" in the pipeline).
    pub fn next_arr(&self, t: &RetentionTerm) -> Option<Decimal> {
        self.by_account[&t.account]
            .iter()
            .map(|i| &self.terms[*i])
            .find(|n| n.start > t.start && n.contract != t.contract)
            .map(|n| n.arr)
    }

    fn ending(&self, from: NaiveDate, until: NaiveDate) -> impl Iterator<Item = &RetentionTerm> {
        self.terms
            .iter()
            .filter(move |t| t.end >= from && t.end < until)
    }

    /// What the recorded outcomes say of the terms ending from `from` until (not including)
    /// `until`.
    pub fn actual(&self, from: NaiveDate, until: NaiveDate) -> Figures {
        self.actual_of(self.ending(from, until))
    }

    fn actual_of<'a>(&'a self, terms: impl Iterator<Item = &'a RetentionTerm>) -> Figures {
        let mut f = Figures::default();
        for t in terms {
            f.renewals += 1;
            f.due += t.arr;
            match t.outcome {
                Some(o) => f.add_outcome(t.arr, o, self.next_arr(t)),
                None => f.undecided += t.arr,
            }
        }
        f.round()
    }

    /// Contraction and expansion of the terms that renewed in the year before `as_of`.
    pub fn change_rates(&self, as_of: NaiveDate) -> ChangeRates {
        let from = as_of - Days::new(365);
        let (mut base, mut down, mut up) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for t in self.ending(from, as_of) {
            let Some(o) = t.outcome.filter(|o| *o != Outcome::Churned) else {
                continue;
            };
            let mut f = Figures::default();
            f.add_outcome(t.arr, o, self.next_arr(t));
            base += t.arr;
            down += f.contracted;
            up += f.expansion;
        }
        if base.is_zero() {
            return ChangeRates::default();
        }
        ChangeRates {
            contraction: down / base,
            expansion: up / base,
        }
    }

    /// The forecast as of `as_of` of the terms ending from `from` until `until`: outcomes of
    /// terms that ended before `as_of` as recorded, the rest expected. `colour` gives the colour
    /// a term's account is read in at a band; the band is how far the term's end is from
    /// `as_of`.
    pub fn forecast(
        &self,
        from: NaiveDate,
        until: NaiveDate,
        as_of: NaiveDate,
        table: &Calibration,
        rates: ChangeRates,
        colour: impl Fn(&RetentionTerm, Band) -> ColourKey,
    ) -> (Figures, Vec<Expected>) {
        self.forecast_of(self.ending(from, until), as_of, table, rates, colour)
    }

    /// A past forecast made as of `as_of` of the terms ending from then until `until`, and what
    /// happened to them: only the terms signed (started) by `as_of` count, as the book of that
    /// day held them. A term signed later would tell the forecast that its account had renewed.
    pub fn backtest(
        &self,
        as_of: NaiveDate,
        until: NaiveDate,
        table: &Calibration,
        rates: ChangeRates,
        colour: impl Fn(&RetentionTerm, Band) -> ColourKey,
    ) -> (Figures, Figures) {
        let signed = || self.ending(as_of, until).filter(move |t| t.start <= as_of);
        let (forecast, _) = self.forecast_of(signed(), as_of, table, rates, colour);
        (forecast, self.actual_of(signed()))
    }

    fn forecast_of<'a>(
        &'a self,
        terms: impl Iterator<Item = &'a RetentionTerm>,
        as_of: NaiveDate,
        table: &Calibration,
        rates: ChangeRates,
        colour: impl Fn(&RetentionTerm, Band) -> ColourKey,
    ) -> (Figures, Vec<Expected>) {
        let mut f = Figures::default();
        let mut expected = Vec::new();
        for t in terms {
            f.renewals += 1;
            f.due += t.arr;
            if let Some(o) = t.outcome.filter(|_| t.end < as_of) {
                f.add_outcome(t.arr, o, self.next_arr(t));
                continue;
            }
            let band = Band::of_days((t.end - as_of).num_days());
            let c = colour(t, band);
            let p = table.probability(c, band);
            match p {
                Some(p) => {
                    let kept = t.arr * p;
                    f.churned += t.arr - kept;
                    f.contracted += kept * rates.contraction;
                    f.renewed += kept - kept * rates.contraction;
                    f.expansion += kept * rates.expansion;
                }
                None => f.undecided += t.arr,
            }
            expected.push(Expected {
                contract: t.contract,
                account: t.account,
                end: t.end,
                arr: t.arr,
                colour: c,
                band,
                probability: p,
            });
        }
        (f.round(), expected)
    }
}

#[cfg(test)]
mod tests {
    use super::super::calibration::ProbabilityEdit;
    use super::*;
    use crate::health::Colour;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn term(contract: i64, account: i64, arr: i64, start: &str, end: &str) -> RetentionTerm {
        RetentionTerm {
            contract,
            account,
            arr: arr.into(),
            start: day(start),
            end: day(end),
            cancelled: false,
            churn_reason: None,
            outcome: None,
        }
    }

    fn ended(mut t: RetentionTerm, o: Outcome) -> RetentionTerm {
        t.outcome = Some(o);
        t
    }

    /// January 2026, by hand: A renews flat (12,000), B contracts 24,000 -> 18,000, C expands
    /// 10,000 -> 15,000, D churns (6,000), E has ended without an outcome (3,000). F ends in
    /// February with no outcome yet (20,000).
    fn book() -> RenewalBook {
        RenewalBook::new(vec![
            ended(
                term(1, 1, 12_000, "2025-01-10", "2026-01-09"),
                Outcome::Renewed,
            ),
            term(2, 1, 12_000, "2026-01-10", "2027-01-09"),
            ended(
                term(3, 2, 24_000, "2025-01-15", "2026-01-14"),
                Outcome::Contracted,
            ),
            term(4, 2, 18_000, "2026-01-15", "2027-01-14"),
            ended(
                term(5, 3, 10_000, "2025-02-01", "2026-01-31"),
                Outcome::Expanded,
            ),
            term(6, 3, 15_000, "2026-02-01", "2027-01-31"),
            ended(
                term(7, 4, 6_000, "2025-01-20", "2026-01-19"),
                Outcome::Churned,
            ),
            term(8, 5, 3_000, "2025-01-25", "2026-01-24"),
            term(9, 6, 20_000, "2025-02-20", "2026-02-19"),
        ])
    }

    #[test]
    fn the_actual_is_what_the_outcomes_say_and_the_undecided_are_not_guessed() {
        let jan = book().actual(day("2026-01-01"), day("2026-02-01"));
        assert_eq!(jan.renewals, 5);
        assert_eq!(jan.due, Decimal::from(55_000));
        // Kept: 12,000 + 18,000 + 10,000.
        assert_eq!(jan.renewed, Decimal::from(40_000));
        assert_eq!(jan.contracted, Decimal::from(6_000));
        assert_eq!(jan.expansion, Decimal::from(5_000));
        assert_eq!(jan.churned, Decimal::from(6_000));
        assert_eq!(jan.undecided, Decimal::from(3_000));
        assert_eq!(
            jan.retention(),
            Some(Decimal::from(40_000) / Decimal::from(52_000))
        );
        // The year's rates: of 46,000 renewed, 6,000 fell and 5,000 rose.
        let r = book().change_rates(day("2026-02-01"));
        assert_eq!(r.contraction, Decimal::from(6_000) / Decimal::from(46_000));
        assert_eq!(r.expansion, Decimal::from(5_000) / Decimal::from(46_000));
    }

    #[test]
    fn the_forecast_expects_by_colour_and_band_and_counts_what_has_happened() {
        // Orange at 0-1 month renews 50% (set by hand); nothing else is known.
        let edit = ProbabilityEdit {
            colour: "orange".into(),
            months: "0-1".into(),
            renewal_percent: Decimal::from(50),
        }
        .parse()
        .unwrap();
        let table = Calibration::learn(&[], &[edit]);
        let rates = ChangeRates {
            contraction: Decimal::new(1, 1),
            expansion: Decimal::new(2, 1),
        };
        // As of 25 January: the January outcomes so far count; E (ended, no outcome) and C
        // (ends 31 January) are expected; E has no probability (unscored).
        let (f, expected) = book().forecast(
            day("2026-01-01"),
            day("2026-02-01"),
            day("2026-01-25"),
            &table,
            rates,
            |t, _| (t.account == 3).then_some(Colour::Orange),
        );
        assert_eq!(expected.len(), 2);
        assert_eq!(expected[1].band, Band::Month1);
        // C: 10,000 x 50% kept, 10% of it contracts, 20% expands.
        assert_eq!(f.churned, Decimal::from(6_000 + 5_000));
        assert_eq!(f.renewed, Decimal::from(12_000 + 18_000 + 4_500));
        assert_eq!(f.contracted, Decimal::from(6_000 + 500));
        assert_eq!(f.expansion, Decimal::from(1_000));
        assert_eq!(f.undecided, Decimal::from(3_000));
        assert_eq!(f.due, Decimal::from(55_000));
        // Forecast as of 1 January, nothing had happened: all five are expected.
        let (_, before) = book().forecast(
            day("2026-01-01"),
            day("2026-02-01"),
            day("2026-01-01"),
            &table,
            rates,
            |_, _| None,
        );
        assert_eq!(before.len(), 5);
    }

    #[test]
    fn a_backtest_counts_only_the_renewals_signed_when_its_forecast_was_made() {
        // As of 1 January, F's February renewal is due; G's monthly term running in January
        // churns at its end, while H renewed January's term into a February one that was not
        // signed on 1 January and so is not in the window's renewals.
        let mut terms = book().terms().to_vec();
        terms.push(ended(
            term(10, 7, 1_200, "2026-01-01", "2026-01-31"),
            Outcome::Churned,
        ));
        terms.push(ended(
            term(11, 8, 2_400, "2026-01-01", "2026-01-31"),
            Outcome::Renewed,
        ));
        terms.push(term(12, 8, 2_400, "2026-02-01", "2026-02-28"));
        let book = RenewalBook::new(terms);
        let table = Calibration::learn(&[], &[]);
        let (forecast, actual) = book.backtest(
            day("2026-01-01"),
            day("2026-03-01"),
            &table,
            ChangeRates::default(),
            |_, _| None,
        );
        // Terms 1, 3, 5, 7, 8, 9, 10, 11 ended in the window and were signed; 12 was not.
        assert_eq!(actual.renewals, 8);
        assert_eq!(forecast.renewals, 8);
        assert_eq!(actual.due, Decimal::from(55_000 + 20_000 + 1_200 + 2_400));
        // Counted on every term in the window, 12 would add 2,400 due with no outcome.
        let all = book.actual(day("2026-01-01"), day("2026-03-01"));
        assert_eq!(all.renewals, 9);
    }
}
