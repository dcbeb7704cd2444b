//! The health back-test: did the scores accounts had some days before a contract term ended
//! tell which terms would renew? Over terms whose outcome is known, it measures the AUC with
//! its uncertainty (and says so plainly when it cannot be told from chance), churn by colour,
//! lift by decile, each factor's own AUC and direction, a calibration table of predicted
//! against actual renewal per colour (what the waterfall forecast needs), and new weights
//! suggested by logistic regression with the AUC they would have had on held-out accounts.
//!
//! Renewed here means the customer stayed: renewed, expanded or contracted; churned means
//! gone. Everything is worked out from the cases given: the store scores each one from what
//! was dated on or before its as-of day.

use super::{Colour, HealthConfig, Metrics, Scorecard, metric};
use crate::book::Outcome;
use chrono::NaiveDate;
use serde::Serialize;
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

/// One contract term with a known outcome, and the account's metrics as of its as-of day.
#[derive(Debug, Clone)]
pub struct Case {
    pub account: i64,
    pub term_end: NaiveDate,
    pub as_of: NaiveDate,
    pub outcome: Outcome,
    /// The scorecard the account's rule assigns.
    pub scorecard: String,
    pub metrics: Metrics,
}

impl Case {
    pub fn renewed(&self) -> bool {
        self.outcome != Outcome::Churned
    }
}

/// An AUC with its standard error (Hanley and McNeil) and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Auc {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// Renewed and churned cases it rests on.
    pub renewed: usize,
    pub churned: usize,
}

impl Auc {
    /// The chance that a renewed case scored above a churned one (ties count half).
    pub fn of(pairs: &[(f64, bool)]) -> Option<Auc> {
        let mut sorted: Vec<(f64, bool)> = pairs.to_vec();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let renewed = sorted.iter().filter(|p| p.1).count();
        let churned = sorted.len() - renewed;
        if renewed == 0 || churned == 0 {
            return None;
        }
        // Mann-Whitney: the ranks of the renewed cases, ties sharing their mean rank.
        let mut rank_sum = 0.0;
        let mut i = 0;
        while i < sorted.len() {
            let mut j = i;
            while j < sorted.len() && sorted[j].0 == sorted[i].0 {
                j += 1;
            }
            let mean_rank = (i + 1 + j) as f64 / 2.0;
            rank_sum += mean_rank * sorted[i..j].iter().filter(|p| p.1).count() as f64;
            i = j;
        }
        let (n1, n2) = (renewed as f64, churned as f64);
        let u = rank_sum - n1 * (n1 + 1.0) / 2.0;
        let a = u / (n1 * n2);
        // The variance from an AUC pulled half a pair toward 0.5: at 0 or 1 the formula gives
        // none, and a perfect split of two terms would claim certainty.
        let v = (u + 0.5) / (n1 * n2 + 1.0);
        let q1 = v / (2.0 - v);
        let q2 = 2.0 * v * v / (1.0 + v);
        let var =
            (v * (1.0 - v) + (n1 - 1.0) * (q1 - v * v) + (n2 - 1.0) * (q2 - v * v)) / (n1 * n2);
        let se = var.max(0.0).sqrt();
        Some(Auc {
            value: a,
            low: (a - 1.96 * se).max(0.0),
            high: (a + 1.96 * se).min(1.0),
            renewed,
            churned,
        })
    }

    /// Whether the interval leaves out 0.5: the score tells renewals from churn better (or
    /// worse) than a coin would.
    pub fn beats_chance(&self) -> bool {
        self.renewed.min(self.churned) >= MIN_TERMS_TO_JUDGE && (self.low > 0.5 || self.high < 0.5)
    }

    /// The verdict in words.
    pub fn verdict(&self) -> String {
        let range = format!(
            "AUC {:.2} (95% interval {:.2} to {:.2}, {} renewed and {} churned terms)",
            self.value, self.low, self.high, self.renewed, self.churned
        );
        if self.renewed.min(self.churned) < MIN_TERMS_TO_JUDGE {
            format!(
                "{range}: indistinguishable from chance; it takes at least {MIN_TERMS_TO_JUDGE} renewed and {MIN_TERMS_TO_JUDGE} churned terms to tell."
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

/// Below this many renewed or churned terms the interval is too rough to trust (a perfect
/// split of 4 and 4 happens by chance once in 70): the verdict is chance.
pub const MIN_TERMS_TO_JUDGE: usize = 5;

/// A rate with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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

/// One colour's terms: how many renewed, contracted and churned, the actual renewal rate and
/// the rate the score predicted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColourRow {
    pub colour: Colour,
    pub terms: usize,
    pub renewed: usize,
    pub contracted: usize,
    pub churned: usize,
    pub actual: Option<Rate>,
    /// The mean renewal chance a logistic fit of outcome on score gives its terms.
    pub predicted: Option<f64>,
}

/// A tenth of the scored terms, riskiest (lowest scores) first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decile {
    pub n: usize,
    pub score_from: f64,
    pub score_to: f64,
    pub churn_rate: f64,
    /// Churn rate over the whole sample's: 2.0 churns twice as often as the average.
    pub lift: f64,
}

/// One factor's own power to tell renewals from churn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorPower {
    pub metric: String,
    pub name: String,
    /// Terms whose value was known.
    pub known: usize,
    pub auc: Option<Auc>,
    /// "higher renews" or "lower renews" (by the raw value), or "no signal".
    pub direction: &'static str,
}

/// One factor's weight now and as suggested.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuggestedWeight {
    pub metric: String,
    pub name: String,
    pub now: f64,
    /// 0: drop the factor.
    pub suggested: f64,
    /// False when the factor was not fitted: known on too few terms (it keeps its weight), or
    /// the same on nearly every term (suggested 0: it cannot tell accounts apart, and is never
    /// weighted up on noise).
    pub fitted: bool,
}

/// The spread of a factor's points (0-100) below which it is treated as constant: a factor
/// that barely varies cannot tell accounts apart, and its fitted weight would be noise
/// divided by almost nothing.
pub const MIN_POINTS_SPREAD: f64 = 1.0;

/// A factor known on fewer of the training terms than this (or a tenth of them) keeps its
/// weight: a fit cannot judge what history rarely recorded.
pub const MIN_KNOWN_TO_FIT: usize = 30;

/// New weights for a scorecard, fitted on some accounts and tried on the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub scorecard: String,
    pub weights: Vec<SuggestedWeight>,
    pub train_terms: usize,
    pub test_terms: usize,
    /// On the held-out terms: the scorecard as it is, and with the suggested weights.
    pub current_auc: Option<Auc>,
    pub suggested_auc: Option<Auc>,
    /// Whether it is offered to put live: only when it ranks churn better than the scorecard
    /// as it is on the held-out accounts, beyond the spread of its own interval.
    pub offered: bool,
    /// Why it is offered or not, in words.
    pub why: String,
}

impl Suggestion {
    /// The scorecard with the suggested weights (factors suggested 0 dropped).
    pub fn apply(&self, card: &Scorecard) -> Scorecard {
        let mut out = card.clone();
        out.set_weights(
            self.weights
                .iter()
                .map(|w| (w.metric.as_str(), w.suggested)),
        );
        out
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub horizon_days: u32,
    /// Terms with a known outcome whose as-of day has passed.
    pub terms: usize,
    /// Of them, those with no score (no input of their scorecard known then).
    pub unscored: usize,
    pub auc: Option<Auc>,
    pub verdict: String,
    pub by_colour: Vec<ColourRow>,
    pub deciles: Vec<Decile>,
    pub factors: Vec<FactorPower>,
    pub suggestion: Option<Suggestion>,
}

/// Fewer terms than this per class and the suggestion is not made: a fit on a handful of
/// churns suggests noise.
pub const MIN_CHURNED_TO_SUGGEST: usize = 10;

fn scored(config: &HealthConfig, c: &Case) -> Option<(f64, Colour)> {
    let card = config.scorecard(&c.scorecard)?;
    match card.score_only(|k| c.metrics.get(k).copied()) {
        (Some(s), Some(col)) => Some((s, col)),
        _ => None,
    }
}

/// Whether an account's terms are held out to test a suggestion: about 3 in 10, the same
/// ones every run.
fn held_out(account: i64) -> bool {
    (account as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60 < 5
}

/// Logistic regression of renewal on `features`: the coefficients per feature (on the
/// features' own scale) and the intercept. None when it cannot be fitted.
fn logistic(features: &[Vec<f64>], renewed: &[bool]) -> Option<(Vec<f64>, f64)> {
    let p = features.first()?.len();
    // Standardised for the solver; the coefficients are scaled back.
    let mut mean = vec![0.0; p];
    let mut sd = vec![0.0; p];
    let n = features.len() as f64;
    for row in features {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v / n;
        }
    }
    for row in features {
        for j in 0..p {
            sd[j] += (row[j] - mean[j]).powi(2) / n;
        }
    }
    let sd: Vec<f64> = sd.iter().map(|v| v.sqrt().max(1e-9)).collect();
    let x: Vec<Vec<f64>> = features
        .iter()
        .map(|r| (0..p).map(|j| (r[j] - mean[j]) / sd[j]).collect())
        .collect();
    let y: Vec<i32> = renewed.iter().map(|r| i32::from(*r)).collect();
    let x = DenseMatrix::from_2d_vec(&x).ok()?;
    let fit = LogisticRegression::fit(
        &x,
        &y,
        LogisticRegressionParameters::default().with_alpha(1.0),
    )
    .ok()?;
    let coef: Vec<f64> = (0..p)
        .map(|j| *fit.coefficients().get((0, j)) / sd[j])
        .collect();
    let intercept = *fit.intercept().get((0, 0)) - (0..p).map(|j| coef[j] * mean[j]).sum::<f64>();
    Some((coef, intercept))
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The back-test of `config` over `cases`.
pub fn backtest(config: &HealthConfig, cases: &[Case], horizon_days: u32) -> Backtest {
    let scores: Vec<Option<(f64, Colour)>> = cases.iter().map(|c| scored(config, c)).collect();
    let pairs: Vec<(f64, bool, &Case, Colour)> = cases
        .iter()
        .zip(&scores)
        .filter_map(|(c, s)| s.map(|(score, colour)| (score, c.renewed(), c, colour)))
        .collect();
    let auc = Auc::of(&pairs.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
    let verdict = match &auc {
        Some(a) => a.verdict(),
        None => format!(
            "No AUC: it needs scored terms that renewed and terms that churned ({} scored terms).",
            pairs.len()
        ),
    };

    // Calibration: a logistic fit of renewal on the score alone, averaged per colour.
    let platt = logistic(
        &pairs.iter().map(|p| vec![p.0]).collect::<Vec<_>>(),
        &pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
    )
    .filter(|_| auc.is_some());
    let by_colour = Colour::ALL
        .iter()
        .map(|colour| {
            let of: Vec<&(f64, bool, &Case, Colour)> =
                pairs.iter().filter(|p| p.3 == *colour).collect();
            let count = |o: Outcome| of.iter().filter(|p| p.2.outcome == o).count();
            let churned = count(Outcome::Churned);
            let contracted = count(Outcome::Contracted);
            ColourRow {
                colour: *colour,
                terms: of.len(),
                renewed: of.len() - churned - contracted,
                contracted,
                churned,
                actual: Rate::of(of.len() - churned, of.len()),
                predicted: platt.as_ref().filter(|_| !of.is_empty()).map(|(b, a)| {
                    of.iter().map(|p| sigmoid(a + b[0] * p.0)).sum::<f64>() / of.len() as f64
                }),
            }
        })
        .collect();

    // Lift by decile, lowest scores first.
    let mut sorted: Vec<(f64, bool)> = pairs.iter().map(|p| (p.0, p.1)).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let overall = sorted.iter().filter(|p| !p.1).count() as f64 / sorted.len().max(1) as f64;
    let deciles = if sorted.len() >= 10 {
        deciles_by_rank(&sorted)
            .into_iter()
            .map(|part| {
                let churn = part.iter().filter(|p| !p.1).count() as f64 / part.len() as f64;
                Decile {
                    n: part.len(),
                    score_from: part.first().map_or(0.0, |p| p.0),
                    score_to: part.last().map_or(0.0, |p| p.0),
                    churn_rate: churn,
                    lift: if overall > 0.0 { churn / overall } else { 0.0 },
                }
            })
            .collect()
    } else {
        Vec::new()
    };

    Backtest {
        horizon_days,
        terms: cases.len(),
        unscored: cases.len() - pairs.len(),
        auc,
        verdict,
        by_colour,
        deciles,
        factors: factor_power(config, cases),
        suggestion: suggest(config, cases),
    }
}

/// Sorted scores cut into tenths by rank, where equal scores share the rank of the first of
/// them: a run of equal scores is never split between two deciles, so a decile may hold more
/// than a tenth and a later one may be empty (left out).
fn deciles_by_rank(sorted: &[(f64, bool)]) -> Vec<&[(f64, bool)]> {
    let n = sorted.len();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < n {
        // The run of equal scores from i shares the rank i.
        let mut end = i + 1;
        while end < n && sorted[end].0 == sorted[i].0 {
            end += 1;
        }
        if i > start && i * 10 / n != start * 10 / n {
            out.push(&sorted[start..i]);
            start = i;
        }
        i = end;
    }
    if start < n {
        out.push(&sorted[start..]);
    }
    out
}

/// Each metric some scorecard scores, on the terms where it was known.
fn factor_power(config: &HealthConfig, cases: &[Case]) -> Vec<FactorPower> {
    let mut metrics: Vec<&str> = Vec::new();
    for card in &config.scorecards {
        for f in &card.factors {
            if !metrics.contains(&f.metric.as_str()) {
                metrics.push(&f.metric);
            }
        }
    }
    let mut out: Vec<FactorPower> = metrics
        .into_iter()
        .map(|m| {
            let pairs: Vec<(f64, bool)> = cases
                .iter()
                .filter_map(|c| c.metrics.get(m).map(|v| (*v, c.renewed())))
                .collect();
            let auc = Auc::of(&pairs);
            FactorPower {
                metric: m.to_string(),
                name: metric(m).map_or(m.to_string(), |x| x.name.to_string()),
                known: pairs.len(),
                direction: match auc {
                    Some(a) if a.beats_chance() && a.value > 0.5 => "higher renews",
                    Some(a) if a.beats_chance() => "lower renews",
                    _ => "no signal",
                },
                auc,
            }
        })
        .collect();
    // The strongest signal (either way) first.
    out.sort_by(|a, b| {
        let strength = |f: &FactorPower| f.auc.map_or(0.0, |a| (a.value - 0.5).abs());
        strength(b).total_cmp(&strength(a))
    });
    out
}

/// New weights for the scorecard that judged the most terms: a logistic regression of
/// renewal on each factor's points (a missing input stands at the factor's mean, so it
/// neither helps nor hurts), fitted on about 7 accounts in 10 and tried on the rest.
fn suggest(config: &HealthConfig, cases: &[Case]) -> Option<Suggestion> {
    let card = config
        .scorecards
        .iter()
        .max_by_key(|card| cases.iter().filter(|c| c.scorecard == card.name).count())?;
    let own: Vec<&Case> = cases.iter().filter(|c| c.scorecard == card.name).collect();
    let (test, train): (Vec<&Case>, Vec<&Case>) = own.iter().partition(|c| held_out(c.account));
    let churned = train.iter().filter(|c| !c.renewed()).count();
    if churned < MIN_CHURNED_TO_SUGGEST || train.len() - churned < MIN_CHURNED_TO_SUGGEST {
        return None;
    }
    let points = |c: &Case| -> Vec<Option<f64>> {
        card.factors
            .iter()
            .map(|f| c.metrics.get(&f.metric).map(|v| f.rule.points(*v)))
            .collect()
    };
    let train_points: Vec<Vec<Option<f64>>> = train.iter().map(|c| points(c)).collect();
    let enough = MIN_KNOWN_TO_FIT.max(train.len() / 10);
    let varies = |j: usize| {
        let known: Vec<f64> = train_points.iter().filter_map(|r| r[j]).collect();
        let mean = known.iter().sum::<f64>() / known.len().max(1) as f64;
        let var = known.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / known.len().max(1) as f64;
        var.sqrt() >= MIN_POINTS_SPREAD
    };
    let known_enough: Vec<usize> = (0..card.factors.len())
        .filter(|j| train_points.iter().filter(|r| r[*j].is_some()).count() >= enough)
        .collect();
    let fitted: Vec<usize> = known_enough
        .iter()
        .copied()
        .filter(|j| varies(*j))
        .collect();
    if fitted.is_empty() {
        return None;
    }
    let means: Vec<f64> = fitted
        .iter()
        .map(|j| {
            let known: Vec<f64> = train_points.iter().filter_map(|r| r[*j]).collect();
            known.iter().sum::<f64>() / known.len().max(1) as f64
        })
        .collect();
    let filled: Vec<Vec<f64>> = train_points
        .iter()
        .map(|r| {
            fitted
                .iter()
                .zip(&means)
                .map(|(j, m)| r[*j].unwrap_or(*m))
                .collect()
        })
        .collect();
    let (coef, _) = logistic(
        &filled,
        &train.iter().map(|c| c.renewed()).collect::<Vec<_>>(),
    )?;
    // Points rise with health, so a factor that helps has a positive coefficient; the fitted
    // factors share the weight they have today, so that the weights read on today's scale.
    let positive: f64 = coef.iter().filter(|c| **c > 0.0).sum();
    if positive <= 0.0 {
        return None;
    }
    let total: f64 = fitted.iter().map(|j| card.factors[*j].weight).sum();
    let weights: Vec<SuggestedWeight> = card
        .factors
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let fit = fitted.iter().position(|x| *x == j).map(|k| coef[k]);
            // Known on enough terms yet the same on nearly all: it cannot tell accounts apart.
            let constant = fit.is_none() && known_enough.contains(&j);
            SuggestedWeight {
                metric: f.metric.clone(),
                name: f.name.clone(),
                now: f.weight,
                suggested: match fit {
                    Some(c) => (c.max(0.0) / positive * total * 2.0).round() / 2.0,
                    None if constant => 0.0,
                    None => f.weight,
                },
                fitted: fit.is_some(),
            }
        })
        .collect();
    if weights.iter().all(|w| w.suggested <= 0.0) {
        return None;
    }
    let mut s = Suggestion {
        scorecard: card.name.clone(),
        weights,
        train_terms: train.len(),
        test_terms: test.len(),
        current_auc: None,
        suggested_auc: None,
        offered: false,
        why: String::new(),
    };
    let suggested = s.apply(card);
    let held = |c: &Scorecard| {
        let pairs: Vec<(f64, bool)> = test
            .iter()
            .filter_map(|t| {
                c.score_only(|k| t.metrics.get(k).copied())
                    .0
                    .map(|score| (score, t.renewed()))
            })
            .collect();
        Auc::of(&pairs)
    };
    s.current_auc = held(card);
    s.suggested_auc = held(&suggested);
    (s.offered, s.why) = verdict_on(s.current_auc, s.suggested_auc, s.test_terms);
    Some(s)
}

/// Whether suggested weights deserve to go live: better than the scorecard as it is on the
/// held-out accounts by more than the suggestion's own uncertainty (the low end of its
/// interval above the live AUC), and why, in words.
fn verdict_on(now: Option<Auc>, suggested: Option<Auc>, test_terms: usize) -> (bool, String) {
    match (now, suggested) {
        (Some(now), Some(s)) if s.low > now.value => (
            true,
            format!(
                "On {test_terms} held-out terms the suggested weights rank churn better: AUC {:.2} ({:.2} to {:.2}) against {:.2} as the scorecard is.",
                s.value, s.low, s.high, now.value
            ),
        ),
        (Some(now), Some(s)) => (
            false,
            format!(
                "Not offered: on {test_terms} held-out terms the suggested weights rank churn at AUC {:.2} ({:.2} to {:.2}) against {:.2} as the scorecard is, no better beyond the spread. The weights as they are stay.",
                s.value, s.low, s.high, now.value
            ),
        ),
        _ => (
            false,
            format!(
                "Not offered: the {test_terms} held-out terms do not hold both renewals and churn to try it on."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthConfig;

    #[test]
    fn auc_counts_pairs_and_ties_and_says_when_it_is_chance() {
        let perfect = Auc::of(&[(10.0, false), (20.0, false), (80.0, true), (90.0, true)]).unwrap();
        assert_eq!(perfect.value, 1.0);
        assert!(
            !perfect.beats_chance(),
            "four terms in perfect order are still too few to tell: {perfect:?}"
        );
        let tied = Auc::of(&[(50.0, false), (50.0, true)]).unwrap();
        assert_eq!(tied.value, 0.5);
        // 2 of 4 pairs in order.
        let some = Auc::of(&[(10.0, false), (30.0, true), (20.0, false), (5.0, true)]).unwrap();
        assert_eq!(some.value, 0.5);
        assert!(!some.beats_chance());
        assert!(some.verdict().contains("indistinguishable from chance"));
        assert!(
            Auc::of(&[(1.0, true), (2.0, true)]).is_none(),
            "no churn: no AUC"
        );
    }

    #[test]
    fn a_wilson_interval_stays_within_0_and_1_and_narrows_with_more_terms() {
        let few = Rate::of(9, 10).unwrap();
        let many = Rate::of(900, 1000).unwrap();
        assert!(few.low >= 0.0 && few.high <= 1.0);
        assert!(many.high - many.low < few.high - few.low);
        assert!((many.value - 0.9).abs() < 1e-12);
    }

    /// A book where usage alone tells churn: churned accounts used a fifth of their seats,
    /// renewals most of them; NPS is noise.
    fn book(n: i64) -> Vec<Case> {
        (1..=n)
            .map(|i| {
                let churned = i % 4 == 0;
                let noise = ((i * 7919) % 11) as f64;
                let mut metrics = Metrics::new();
                metrics.insert(
                    "seat_utilisation".into(),
                    if churned { 20.0 + noise } else { 70.0 + noise },
                );
                metrics.insert("nps_latest".into(), noise);
                Case {
                    account: i,
                    term_end: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                    as_of: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                    outcome: if churned {
                        Outcome::Churned
                    } else if i % 5 == 0 {
                        Outcome::Contracted
                    } else {
                        Outcome::Renewed
                    },
                    scorecard: "Default".into(),
                    metrics,
                }
            })
            .collect()
    }

    #[test]
    fn usage_that_tells_churn_shows_in_the_auc_the_colours_the_factors_and_the_weights() {
        let mut config = HealthConfig::default();
        // Two inputs of the scorecard are known here: score on them.
        for card in &mut config.scorecards {
            card.thresholds.min_known_percent = 0.0;
        }
        let b = backtest(&config, &book(400), 90);
        assert_eq!((b.terms, b.unscored), (400, 0));
        let auc = b.auc.unwrap();
        assert!(auc.value > 0.9 && auc.beats_chance(), "{auc:?}");
        assert_eq!((auc.renewed, auc.churned), (300, 100));
        assert!(b.verdict.contains("better than chance"));

        let seats = b
            .factors
            .iter()
            .find(|f| f.metric == "seat_utilisation")
            .unwrap();
        assert_eq!((seats.direction, seats.known), ("higher renews", 400));
        assert_eq!(
            b.factors[0].metric, "seat_utilisation",
            "the strongest first"
        );
        let nps = b.factors.iter().find(|f| f.metric == "nps_latest").unwrap();
        assert_eq!(nps.direction, "no signal");
        assert!(
            b.factors
                .iter()
                .any(|f| f.metric == "open_tickets" && f.known == 0 && f.auc.is_none())
        );

        assert_eq!(b.deciles.len(), 10);
        assert!(
            b.deciles[0].lift > 2.0 && b.deciles[9].churn_rate == 0.0,
            "{:?}",
            b.deciles
        );
        let red: Vec<&ColourRow> = b.by_colour.iter().filter(|r| r.churned > 0).collect();
        assert!(red.iter().all(|r| r.colour != Colour::Green));
        let total: usize = b.by_colour.iter().map(|r| r.terms).sum();
        assert_eq!(total, 400);
        for r in b.by_colour.iter().filter(|r| r.terms > 0) {
            let (actual, predicted) = (r.actual.unwrap().value, r.predicted.unwrap());
            assert!((actual - predicted).abs() < 0.25, "{r:?}");
        }

        let s = b.suggestion.unwrap();
        let w = |m: &str| s.weights.iter().find(|w| w.metric == m).unwrap();
        assert!(
            w("seat_utilisation").suggested > w("nps_latest").suggested,
            "{:?}",
            s.weights
        );
        let pulse = w("csm_pulse");
        assert!(
            !pulse.fitted && pulse.suggested == pulse.now,
            "never known: kept as it is, not dropped"
        );
        assert!(s.test_terms > 60 && s.train_terms > 200, "{s:?}");
        assert!(s.suggested_auc.unwrap().value >= s.current_auc.unwrap().value - 0.02);
        let applied = s.apply(config.scorecard("Default").unwrap());
        assert!(applied.factors.iter().all(|f| f.weight > 0.0));
    }

    #[test]
    fn equal_scores_share_a_decile() {
        // 100 scores: 10 low distinct ones, then 60 at exactly 75, then 30 high.
        let mut sorted: Vec<(f64, bool)> = (0..10).map(|i| (f64::from(i), false)).collect();
        sorted.extend((0..60).map(|_| (75.0, true)));
        sorted.extend((0..30).map(|i| (80.0 + f64::from(i), true)));
        let parts = deciles_by_rank(&sorted);
        let tied: Vec<&&[(f64, bool)]> = parts
            .iter()
            .filter(|p| p.iter().any(|x| x.0 == 75.0))
            .collect();
        assert_eq!(
            tied.len(),
            1,
            "the 60 equal scores are one group: {parts:?}"
        );
        assert_eq!(tied[0].len(), 60);
        assert_eq!(parts.iter().map(|p| p.len()).sum::<usize>(), 100);
        assert_eq!(
            parts.len(),
            5,
            "1 + 1 tied + 3 of 10: {:?}",
            parts.iter().map(|p| p.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_constant_factor_is_never_weighted_and_a_suggestion_no_better_is_not_offered() {
        let mut config = HealthConfig::default();
        for card in &mut config.scorecards {
            card.thresholds.min_known_percent = 0.0;
        }
        // Every term has no open tickets: the factor cannot tell anyone apart.
        let mut cases = book(400);
        for c in &mut cases {
            c.metrics.insert("open_tickets".into(), 0.0);
        }
        let s = backtest(&config, &cases, 90).suggestion.unwrap();
        let tickets = s
            .weights
            .iter()
            .find(|w| w.metric == "open_tickets")
            .unwrap();
        assert!(!tickets.fitted && tickets.suggested == 0.0, "{tickets:?}");
        // Seat utilisation already ranks churn almost perfectly: nothing better to offer.
        assert!(!s.offered, "{s:?}");
        assert!(s.why.starts_with("Not offered"), "{}", s.why);

        // A live card that leans on noise (NPS here) gets a suggestion that beats it.
        let mut noisy = config.clone();
        let factors = noisy.scorecards[0].factors.clone();
        noisy.scorecards[0].set_weights(factors.iter().map(|f| {
            let w = if f.metric == "nps_latest" { 10.0 } else { 0.5 };
            (f.metric.as_str(), w)
        }));
        let s = backtest(&noisy, &cases, 90).suggestion.unwrap();
        assert!(s.offered, "{s:?}");
        assert!(s.why.contains("rank churn better"), "{}", s.why);
    }

    #[test]
    fn a_book_without_churn_or_scores_says_why_there_is_no_auc() {
        let mut cases = book(40);
        for c in &mut cases {
            c.outcome = Outcome::Renewed;
        }
        let b = backtest(&HealthConfig::default(), &cases, 90);
        assert!(b.auc.is_none() && b.suggestion.is_none());
        assert!(b.verdict.starts_with("No AUC"), "{}", b.verdict);
        for c in &mut cases {
            c.metrics.clear();
        }
        let b = backtest(&HealthConfig::default(), &cases, 90);
        assert_eq!(b.unscored, 40);
    }
}
