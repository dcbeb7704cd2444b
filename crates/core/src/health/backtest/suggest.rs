//! Suggested weights that deserve the name: a regularised logistic regression of renewal on
//! each factor's points, fitted only on factors known often enough and varying enough, and
//! compared with the live scorecard on the same held-out accounts, fold by fold. It is offered
//! only when it beats the live scorecard beyond the spread of the folds, and says why not
//! otherwise.

use super::Case;
use super::auc::{Auc, Scored};
use crate::health::{HealthConfig, Scorecard};
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

/// The spread of a factor's points (0-100) below which it is treated as constant: a factor
/// that barely varies cannot tell accounts apart, and its fitted weight would be noise
/// divided by almost nothing.
pub const MIN_POINTS_SPREAD: f64 = 1.0;

/// A factor known on fewer of the training terms than this (or a tenth of them) keeps its
/// weight: a fit cannot judge what history rarely recorded.
pub const MIN_KNOWN_TO_FIT: usize = 30;

/// Fewer terms than this per class and the suggestion is not made: a fit on a handful of
/// churns suggests noise.
pub const MIN_CHURNED_TO_SUGGEST: usize = 10;

/// The folds accounts are split into: each is held out once while the others fit.
pub const FOLDS: usize = 5;

/// The least gain in AUC worth changing a live scorecard for, whatever the spread.
pub const MIN_GAIN: f64 = 0.01;

/// One factor's weight now and as suggested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// A figure measured on each held-out fold: its mean and its spread (standard deviation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AcrossFolds {
    pub mean: f64,
    pub spread: f64,
    pub folds: usize,
}

impl AcrossFolds {
    fn of(values: &[f64]) -> Option<AcrossFolds> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Some(AcrossFolds {
            mean,
            spread: var.sqrt(),
            folds: values.len(),
        })
    }

    /// "0.71 ± 0.03".
    pub fn text(&self) -> String {
        format!("{:.2} ± {:.2}", self.mean, self.spread)
    }
}

/// New weights for a scorecard, fitted on all its terms, and how the same fit did on accounts
/// it had not seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub scorecard: String,
    /// Empty when nothing could be fitted (`why` says what).
    pub weights: Vec<SuggestedWeight>,
    pub terms: usize,
    pub accounts: usize,
    /// AUC on each held-out fold: the scorecard as it is, with weights fitted on the other
    /// folds, and the gain of the second over the first.
    pub current: Option<AcrossFolds>,
    pub suggested: Option<AcrossFolds>,
    pub gain: Option<AcrossFolds>,
    /// Whether it is offered to put live: only when it gains at least [`MIN_GAIN`] and more
    /// than the spread of the gain across folds.
    pub offered: bool,
    /// Why it is offered or not, in words.
    pub why: String,
}

impl Suggestion {
    /// The scorecard with the suggested weights (factors suggested 0 dropped).
    pub fn apply(&self, card: &Scorecard) -> Scorecard {
        apply(card, &self.weights)
    }
}

fn apply(card: &Scorecard, weights: &[SuggestedWeight]) -> Scorecard {
    let mut out = card.clone();
    out.set_weights(weights.iter().map(|w| (w.metric.as_str(), w.suggested)));
    out
}

/// The fold an account's terms fall in: the same every run.
fn fold_of(account: i64) -> usize {
    ((account as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize % FOLDS
}

/// Logistic regression of renewal on `features`: the coefficients per feature (on the
/// features' own scale) and the intercept. None when it cannot be fitted.
pub(super) fn logistic(features: &[Vec<f64>], renewed: &[bool]) -> Option<(Vec<f64>, f64)> {
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

/// Weights for `card` fitted on `cases` (a missing input stands at the factor's mean, so it
/// neither helps nor hurts), or why none could be.
fn fit(card: &Scorecard, cases: &[&Case]) -> Result<Vec<SuggestedWeight>, String> {
    let points: Vec<Vec<Option<f64>>> = cases
        .iter()
        .map(|c| {
            card.factors
                .iter()
                .map(|f| c.metrics.get(&f.metric).map(|v| f.rule.points(*v)))
                .collect()
        })
        .collect();
    let known = |j: usize| -> Vec<f64> { points.iter().filter_map(|r| r[j]).collect() };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let enough = MIN_KNOWN_TO_FIT.max(cases.len() / 10);
    let known_enough: Vec<usize> = (0..card.factors.len())
        .filter(|j| known(*j).len() >= enough)
        .collect();
    let fitted: Vec<usize> = known_enough
        .iter()
        .copied()
        .filter(|j| {
            let v = known(*j);
            let m = mean(&v);
            let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len().max(1) as f64;
            var.sqrt() >= MIN_POINTS_SPREAD
        })
        .collect();
    if fitted.is_empty() {
        return Err(format!(
            "no factor of {} is both known on enough terms and different from one account to another, so there is nothing to fit",
            card.name
        ));
    }
    let means: Vec<f64> = fitted.iter().map(|j| mean(&known(*j))).collect();
    let filled: Vec<Vec<f64>> = points
        .iter()
        .map(|r| {
            fitted
                .iter()
                .zip(&means)
                .map(|(j, m)| r[*j].unwrap_or(*m))
                .collect()
        })
        .collect();
    let renewed: Vec<bool> = cases.iter().map(|c| c.renewed()).collect();
    let (coef, _) = logistic(&filled, &renewed)
        .ok_or_else(|| "the regression could not be fitted on these terms".to_string())?;
    // Points rise with health, so a factor that helps has a positive coefficient; the fitted
    // factors share the weight they have today, so that the weights read on today's scale.
    let positive: f64 = coef.iter().filter(|c| **c > 0.0).sum();
    if positive <= 0.0 {
        return Err(format!(
            "no factor of {} adds signal: none has more points where customers stayed",
            card.name
        ));
    }
    let total: f64 = fitted.iter().map(|j| card.factors[*j].weight).sum();
    Ok(card
        .factors
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let c = fitted.iter().position(|x| *x == j).map(|k| coef[k]);
            // Known on enough terms yet the same on nearly all: it cannot tell accounts apart.
            let constant = c.is_none() && known_enough.contains(&j);
            SuggestedWeight {
                metric: f.metric.clone(),
                name: f.name.clone(),
                now: f.weight,
                suggested: match c {
                    Some(c) => (c.max(0.0) / positive * total * 2.0).round() / 2.0,
                    None if constant => 0.0,
                    None => f.weight,
                },
                fitted: c.is_some(),
            }
        })
        .collect())
}

fn auc_of(card: &Scorecard, cases: &[&Case]) -> Option<f64> {
    let scored: Vec<Scored> = cases
        .iter()
        .filter_map(|c| {
            card.score_only(|k| c.metrics.get(k).copied())
                .0
                .map(|score| Scored {
                    score,
                    renewed: c.renewed(),
                    account: c.account,
                })
        })
        .collect();
    Auc::of(&scored).map(|a| a.value)
}

/// New weights for the scorecard that judged the most terms, fitted on all of them and
/// cross-validated by account.
pub fn suggest(config: &HealthConfig, cases: &[Case]) -> Option<Suggestion> {
    let card = config
        .scorecards
        .iter()
        .max_by_key(|card| cases.iter().filter(|c| c.scorecard == card.name).count())?;
    let own: Vec<&Case> = cases.iter().filter(|c| c.scorecard == card.name).collect();
    let churned = own.iter().filter(|c| !c.renewed()).count();
    if churned < MIN_CHURNED_TO_SUGGEST || own.len() - churned < MIN_CHURNED_TO_SUGGEST {
        return None;
    }
    let mut accounts: Vec<i64> = own.iter().map(|c| c.account).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let mut s = Suggestion {
        scorecard: card.name.clone(),
        weights: Vec::new(),
        terms: own.len(),
        accounts: accounts.len(),
        current: None,
        suggested: None,
        gain: None,
        offered: false,
        why: String::new(),
    };
    s.weights = match fit(card, &own) {
        Ok(w) => w,
        Err(why) => {
            s.why = format!("Not offered: {why}.");
            return Some(s);
        }
    };
    let (mut now, mut then, mut gain) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..FOLDS {
        let (test, train): (Vec<&Case>, Vec<&Case>) =
            own.iter().partition(|c| fold_of(c.account) == k);
        // A fold the fit cannot learn from keeps the scorecard as it is there.
        let fitted = fit(card, &train).map_or_else(|_| card.clone(), |w| apply(card, &w));
        if let (Some(a), Some(b)) = (auc_of(card, &test), auc_of(&fitted, &test)) {
            now.push(a);
            then.push(b);
            gain.push(b - a);
        }
    }
    s.current = AcrossFolds::of(&now);
    s.suggested = AcrossFolds::of(&then);
    s.gain = AcrossFolds::of(&gain);
    (s.offered, s.why) = verdict_on(&s);
    Some(s)
}

/// Whether suggested weights deserve to go live, and why, in words.
fn verdict_on(s: &Suggestion) -> (bool, String) {
    let (Some(now), Some(then), Some(gain)) = (s.current, s.suggested, s.gain) else {
        return (
            false,
            format!(
                "Not offered: no fold of the {} accounts holds both renewals and churn to try it on.",
                s.accounts
            ),
        );
    };
    let measured = format!(
        "on {} folds of held-out accounts ({} terms of {} accounts), the suggested weights rank churn at AUC {} against {} as the scorecard is",
        gain.folds,
        s.terms,
        s.accounts,
        then.text(),
        now.text()
    );
    if gain.mean >= MIN_GAIN && gain.mean > gain.spread {
        (
            true,
            format!(
                "Offered: {measured}, a gain of {} that holds across the folds.",
                gain.text()
            ),
        )
    } else if gain.mean < MIN_GAIN {
        (
            false,
            format!(
                "Not offered: {measured}. Reweighting adds no signal the scorecard lacks (a gain of {}, under {MIN_GAIN}); the weights as they are stay.",
                gain.text()
            ),
        )
    } else {
        (
            false,
            format!(
                "Not offered: {measured}. The gain of {} is within its spread across folds, too small to trust; the weights as they are stay.",
                gain.text()
            ),
        )
    }
}
