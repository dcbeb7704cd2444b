//! How long accounts take to move from each phase to the next, read from their phase history:
//! the days between first reaching a phase and first reaching the one after it. Only moves the
//! customer's data made count (a model change moves nobody), and a phase an account stood past
//! at its baseline was reached on a day nobody knows, so it starts no count.

use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One row of an account's phase history under one model, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseStep {
    pub phase: usize,
    pub on: NaiveDate,
    /// The customer's data moved it (not the model changing); the baseline counts as such.
    pub by_data: bool,
}

/// The first day a phase was reached, and what that day may be used for.
#[derive(Clone, Copy)]
struct Reached {
    on: NaiveDate,
    /// The customer's data brought it there that day (not a model change; not "by then").
    known: bool,
    /// It stood in exactly this phase that day, so a count to the next may start there: an
    /// account that jumped past a phase was never seen in it.
    seen_in: bool,
}

/// For one account's history (oldest first): (from phase, days to the next) for each move
/// whose both ends are known. Phase 0 is before the first phase.
pub fn phase_times(history: &[PhaseStep]) -> Vec<(usize, i64)> {
    let mut first: BTreeMap<usize, Reached> = BTreeMap::new();
    let mut at: Option<usize> = None;
    for step in history {
        let reached = |q: usize| Reached {
            on: step.on,
            known: step.by_data,
            seen_in: step.by_data && q == step.phase,
        };
        match at {
            None => {
                // A baseline past a phase: it got there on a day nobody knows.
                for q in 0..step.phase {
                    first.insert(
                        q,
                        Reached {
                            known: false,
                            seen_in: false,
                            ..reached(q)
                        },
                    );
                }
                first.insert(step.phase, reached(step.phase));
            }
            Some(prev) if step.phase > prev => {
                for q in prev + 1..=step.phase {
                    first.entry(q).or_insert(reached(q));
                }
            }
            Some(_) => {}
        }
        at = Some(step.phase);
    }
    first
        .iter()
        .filter_map(|(&k, from)| {
            let to = first.get(&(k + 1))?;
            (from.known && from.seen_in && to.known).then(|| (k, (to.on - from.on).num_days()))
        })
        .collect()
}

/// The time accounts took from one phase to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseTime {
    /// The phase moved from (0: before the first); the move is to `from + 1`.
    pub from: usize,
    /// Accounts that made the move.
    pub accounts: usize,
    pub median_days: i64,
    /// The quartiles: a quarter of the accounts took at most `p25_days`, three quarters at
    /// most `p75_days`.
    pub p25_days: i64,
    pub p75_days: i64,
}

/// Summarises many accounts' (from, days) into one line per move, lowest phase first.
pub fn summarise(times: impl IntoIterator<Item = (usize, i64)>) -> Vec<PhaseTime> {
    let mut by: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
    for (from, days) in times {
        by.entry(from).or_default().push(days);
    }
    by.into_iter()
        .map(|(from, mut days)| {
            days.sort_unstable();
            let at = |q: usize| days[(days.len() - 1) * q / 4];
            PhaseTime {
                from,
                accounts: days.len(),
                median_days: median(&days),
                p25_days: at(1),
                p75_days: at(3),
            }
        })
        .collect()
}

/// The median of sorted days (the mean of the middle two, rounded down, when even).
fn median(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]).div_euclid(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(phase: usize, on: &str, by_data: bool) -> PhaseStep {
        PhaseStep {
            phase,
            on: on.parse().unwrap(),
            by_data,
        }
    }

    #[test]
    fn a_move_counts_from_the_day_a_phase_was_first_reached_to_the_next() {
        let h = [
            step(0, "2026-01-01", true),
            step(1, "2026-01-31", true),
            step(0, "2026-02-10", true),
            step(1, "2026-02-20", true),
            step(3, "2026-04-01", true),
        ];
        // 0 -> 1 in 30 days; 1 -> 2 from the first reaching of 1, reached with 3: it jumped
        // past 2, so how long 2 -> 3 takes it does not say.
        assert_eq!(phase_times(&h), [(0, 30), (1, 60)]);
    }

    #[test]
    fn a_baseline_past_a_phase_and_a_model_change_start_no_count() {
        // Baseline in phase 2: when it reached 1 and 2 nobody knows; 2 -> 3 is known.
        let h = [step(2, "2026-01-01", true), step(3, "2026-03-02", true)];
        assert_eq!(phase_times(&h), [(2, 60)]);
        // A model change lifted it to 2: nothing counts from or to that day.
        let h = [
            step(1, "2026-01-01", true),
            step(2, "2026-02-01", false),
            step(3, "2026-03-01", true),
        ];
        assert_eq!(phase_times(&h), []);
    }

    #[test]
    fn moves_are_summarised_by_median_and_quartiles() {
        let s = summarise([(0, 10), (0, 20), (0, 30), (0, 40), (0, 50), (1, 7)]);
        assert_eq!(
            s[0],
            PhaseTime {
                from: 0,
                accounts: 5,
                median_days: 30,
                p25_days: 20,
                p75_days: 40
            }
        );
        assert_eq!((s[1].from, s[1].median_days, s[1].accounts), (1, 7, 1));
        assert_eq!(summarise([(0, 10), (0, 21)])[0].median_days, 15);
    }
}
