//! How sure a back-test can be: the AUC of a score with an interval that respects the data
//! (terms of one account are not independent, so the variance is clustered by account), rates
//! with their Wilson interval, and the Holm correction for judging many metrics at once.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Below this many accounts that renewed, or that churned, the interval is too rough to trust
/// (a perfect split of 4 and 4 happens by chance once in 70): the verdict is "too few".
pub const MIN_TERMS_TO_JUDGE: usize = 5;

/// The significance a verdict asks for (two-sided, after correction when many are judged).
pub const ALPHA: f64 = 0.05;

/// One scored term: its score, whether the customer stayed, and its account (the cluster).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub score: f64,
    pub renewed: bool,
    pub account: i64,
}

/// An AUC with its 95% interval from a variance clustered by account (Obuchowski's
/// nonparametric method, which is DeLong's when every account has one term).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Auc {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Renewed and churned terms it rests on.
    pub renewed: usize,
    pub churned: usize,
    /// Accounts with a renewed term, and with a churned one: the independent units.
    pub renewed_accounts: usize,
    pub churned_accounts: usize,
    /// Two-sided chance of an AUC this far from 0.5 if the score told nothing.
    pub p_value: f64,
}

/// Per account: renewed and churned terms, and the sums of their structural components.
#[derive(Default)]
struct Cluster {
    renewed: f64,
    churned: f64,
    v10: f64,
    v01: f64,
}

impl Auc {
    /// The chance that a renewed term scored above a churned one (ties count half), or none
    /// without both.
    pub fn of(terms: &[Scored]) -> Option<Auc> {
        let mut sorted: Vec<Scored> = terms.to_vec();
        sorted.sort_by(|a, b| a.score.total_cmp(&b.score));
        let m = sorted.iter().filter(|t| t.renewed).count();
        let n = sorted.len() - m;
        if m == 0 || n == 0 {
            return None;
        }
        let (mf, nf) = (m as f64, n as f64);
        // Structural components: for a renewed term, the share of churned terms it beats; for
        // a churned one, the share of renewed terms that beat it (ties half).
        let mut clusters: HashMap<i64, Cluster> = HashMap::new();
        let (mut churned_below, mut renewed_below) = (0usize, 0usize);
        let mut i = 0;
        let mut sum_v10 = 0.0;
        while i < sorted.len() {
            let mut j = i;
            while j < sorted.len() && sorted[j].score == sorted[i].score {
                j += 1;
            }
            let run = &sorted[i..j];
            let tied_churned = run.iter().filter(|t| !t.renewed).count();
            let tied_renewed = run.len() - tied_churned;
            let v10 = (churned_below as f64 + 0.5 * tied_churned as f64) / nf;
            let v01 = ((m - renewed_below - tied_renewed) as f64 + 0.5 * tied_renewed as f64) / mf;
            for t in run {
                let c = clusters.entry(t.account).or_default();
                if t.renewed {
                    c.renewed += 1.0;
                    c.v10 += v10;
                    sum_v10 += v10;
                } else {
                    c.churned += 1.0;
                    c.v01 += v01;
                }
            }
            churned_below += tied_churned;
            renewed_below += tied_renewed;
            i = j;
        }
        let a = sum_v10 / mf;
        let renewed_accounts = clusters.values().filter(|c| c.renewed > 0.0).count();
        let churned_accounts = clusters.values().filter(|c| c.churned > 0.0).count();
        let accounts = clusters.len() as f64;
        let (mut s10, mut s01, mut s11) = (0.0, 0.0, 0.0);
        for c in clusters.values() {
            let (d10, d01) = (c.v10 - c.renewed * a, c.v01 - c.churned * a);
            s10 += d10 * d10;
            s01 += d01 * d01;
            s11 += d10 * d01;
        }
        let scale = |k: usize, per: f64| {
            if k > 1 {
                k as f64 / ((k - 1) as f64 * per)
            } else {
                0.0
            }
        };
        let s10 = s10 * scale(renewed_accounts, mf);
        let s01 = s01 * scale(churned_accounts, nf);
        let s11 = if accounts > 1.0 {
            s11 * accounts / (accounts - 1.0)
        } else {
            0.0
        };
        let clustered = s10 / mf + s01 / nf + 2.0 * s11 / (mf * nf);
        // Never surer than the Hanley-McNeil variance of an AUC pulled half a pair toward 0.5:
        // a perfect split (or a single account of a kind) would otherwise claim certainty.
        let var = clustered.max(pulled_hanley_mcneil(a, mf, nf));
        let se = var.max(0.0).sqrt();
        let z = (a - 0.5) / se;
        Some(Auc {
            value: a,
            low: (a - 1.96 * se).max(0.0),
            high: (a + 1.96 * se).min(1.0),
            renewed: m,
            churned: n,
            renewed_accounts,
            churned_accounts,
            p_value: if se > 0.0 {
                libm::erfc(z.abs() / std::f64::consts::SQRT_2)
            } else {
                1.0
            },
        })
    }

    /// Enough accounts of each kind to judge at all.
    pub fn enough(&self) -> bool {
        self.renewed_accounts.min(self.churned_accounts) >= MIN_TERMS_TO_JUDGE
    }

    /// Whether the interval leaves out 0.5: the score tells renewals from churn better (or
    /// worse) than a coin would.
    pub fn beats_chance(&self) -> bool {
        self.enough() && (self.low > 0.5 || self.high < 0.5)
    }

    /// The verdict in words.
    pub fn verdict(&self) -> String {
        let range = format!(
            "AUC {:.2} (95% interval {:.2} to {:.2}, {} renewed and {} churned terms of {} and {} accounts)",
            self.value,
            self.low,
            self.high,
            self.renewed,
            self.churned,
            self.renewed_accounts,
            self.churned_accounts
        );
        if !self.enough() {
            format!(
                "{range}: too few to judge; it takes at least {MIN_TERMS_TO_JUDGE} accounts that renewed and {MIN_TERMS_TO_JUDGE} that churned to tell."
            )
        } else if self.low > 0.5 {
            format!("{range}: the score tells renewals from churn better than chance.")
        } else if self.high < 0.5 {
            format!("{range}: the score points the wrong way; low scores renewed more often.")
        } else {
            format!(
                "{range}: indistinguishable from chance; do not trust this scorecard to warn of churn yet."
            )
        }
    }
}

/// Hanley and McNeil's variance for an AUC `a` of `m` positives and `n` negatives, taken at a
/// value pulled half a pair toward 0.5 so that it is never zero.
fn pulled_hanley_mcneil(a: f64, m: f64, n: f64) -> f64 {
    let v = (a * m * n + 0.5) / (m * n + 1.0);
    let q1 = v / (2.0 - v);
    let q2 = 2.0 * v * v / (1.0 + v);
    (v * (1.0 - v) + (m - 1.0) * (q1 - v * v) + (n - 1.0) * (q2 - v * v)) / (m * n)
}

/// Holm's step-down adjustment: each p-value as it stands when `p.len()` are judged at once,
/// in the order given. A metric is significant when its adjusted value is below [`ALPHA`].
pub fn holm(p: &[f64]) -> Vec<f64> {
    let k = p.len();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let mut adjusted = vec![0.0; k];
    let mut running: f64 = 0.0;
    for (rank, i) in order.into_iter().enumerate() {
        running = running.max(((k - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// A rate with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Rate {
    pub fn of(hits: usize, n: usize) -> Option<Rate> {
        if n == 0 {
            return None;
        }
        let (p, n) = (hits as f64 / n as f64, n as f64);
        let z: f64 = 1.96;
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
        Some(Rate {
            value: p,
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(score: f64, renewed: bool, account: i64) -> Scored {
        Scored {
            score,
            renewed,
            account,
        }
    }

    #[test]
    fn auc_counts_pairs_and_ties_and_says_when_it_is_too_few() {
        let perfect = Auc::of(&[
            t(10.0, false, 1),
            t(20.0, false, 2),
            t(80.0, true, 3),
            t(90.0, true, 4),
        ])
        .unwrap();
        assert_eq!(perfect.value, 1.0);
        assert!(
            !perfect.beats_chance() && perfect.low < 1.0,
            "four terms in perfect order are still too few to tell, and not certain: {perfect:?}"
        );
        assert!(perfect.verdict().contains("too few to judge"));
        let tied = Auc::of(&[t(50.0, false, 1), t(50.0, true, 2)]).unwrap();
        assert_eq!(tied.value, 0.5);
        // 2 of 4 pairs in order.
        let some = Auc::of(&[
            t(10.0, false, 1),
            t(30.0, true, 2),
            t(20.0, false, 3),
            t(5.0, true, 4),
        ])
        .unwrap();
        assert_eq!(some.value, 0.5);
        assert!(!some.beats_chance());
        assert!(
            Auc::of(&[t(1.0, true, 1), t(2.0, true, 2)]).is_none(),
            "no churn: no AUC"
        );
    }

    /// Worked by hand. Renewed terms (account): 80 (1), 70 (1), 60 (3), 35 (4); churned: 30
    /// (2), 40 (2), 50 (3), 65 (5). Each renewed term's share of churned terms beaten: 1, 1,
    /// 3/4, 1/4, so AUC = 3/4. Each churned term's share of renewed terms above it: 1, 3/4,
    /// 3/4, 1/2. Sums per account (renewed; churned): 1: (2; 0), 2: (0; 7/4), 3: (3/4; 3/4),
    /// 4: (1/4; 0), 5: (0; 1/2).
    /// S10 = 3/(2*4) * ((2 - 2*3/4)^2 + 0 + (1/4 - 3/4)^2) = 3/16;
    /// S01 = 3/(2*4) * ((7/4 - 3/2)^2 + 0 + (1/2 - 3/4)^2) = 3/64;
    /// S11 = 5/4 * (every account with both kinds has both deviations 0) = 0;
    /// var = (3/16)/4 + (3/64)/4 = 15/256, above Hanley-McNeil's 0.035 for 4 and 4.
    #[test]
    fn the_clustered_interval_matches_the_hand_computed_variance() {
        let terms = [
            t(80.0, true, 1),
            t(70.0, true, 1),
            t(30.0, false, 2),
            t(40.0, false, 2),
            t(60.0, true, 3),
            t(50.0, false, 3),
            t(35.0, true, 4),
            t(65.0, false, 5),
        ];
        let a = Auc::of(&terms).unwrap();
        assert_eq!(a.value, 0.75);
        let se = (15.0f64 / 256.0).sqrt();
        assert!((a.low - (0.75 - 1.96 * se)).abs() < 1e-12, "{a:?}");
        assert_eq!(a.high, 1.0);
        assert_eq!((a.renewed_accounts, a.churned_accounts), (3, 3));
        // z = 0.25 / se = 1.0328: p = 0.3017.
        assert!((a.p_value - 0.30170).abs() < 1e-4, "{a:?}");

        // The same terms as if each were its own account: narrower, since the repeated
        // accounts no longer count once.
        let alone: Vec<Scored> = terms
            .iter()
            .enumerate()
            .map(|(i, x)| t(x.score, x.renewed, i as i64))
            .collect();
        let b = Auc::of(&alone).unwrap();
        assert!(b.low > a.low, "{b:?} against {a:?}");
    }

    #[test]
    fn holm_adjusts_step_down_and_keeps_the_order() {
        // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> running
        // maximum 0.02, 0.03, 0.06, 0.06.
        let adjusted = holm(&[0.01, 0.04, 0.03, 0.005]);
        let want = [0.03, 0.06, 0.06, 0.02];
        for (a, w) in adjusted.iter().zip(want) {
            assert!((a - w).abs() < 1e-12, "{adjusted:?}");
        }
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0], "capped at 1");
        assert!(holm(&[]).is_empty());
    }

    #[test]
    fn a_wilson_interval_stays_within_0_and_1_and_narrows_with_more_terms() {
        let few = Rate::of(9, 10).unwrap();
        let many = Rate::of(900, 1000).unwrap();
        assert!(few.low >= 0.0 && few.high <= 1.0);
        assert!(many.high - many.low < few.high - few.low);
        assert!((many.value - 0.9).abs() < 1e-12);
    }
}
