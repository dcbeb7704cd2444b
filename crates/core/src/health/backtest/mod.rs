//! The health back-test: did the scores accounts had some days before a contract term ended
//! tell which terms would renew? Over terms whose outcome is known, it measures the AUC with
//! an interval clustered by account (and says so plainly when it cannot be told from chance),
//! churn by colour, lift by decile, the power of every metric of the catalogue on its own
//! (corrected for judging them all at once, marking those the scorecard uses), a calibration
//! table of predicted against actual renewal per colour (what the waterfall forecast needs),
//! and new weights suggested by logistic regression, cross-validated by account.
//!
//! Renewed here means the customer stayed: renewed, expanded or contracted; churned means
//! gone. Everything is worked out from the cases given: the store scores each one from what
//! was dated on or before its as-of day.

mod auc;
mod suggest;

pub use auc::*;
pub use suggest::*;

use super::{Colour, HealthConfig, METRICS, Metrics, metric};
use crate::book::Outcome;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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

/// One colour's terms: how many renewed, contracted and churned, the actual renewal rate and
/// the rate the score predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    pub n: usize,
    pub score_from: f64,
    pub score_to: f64,
    pub churn_rate: f64,
    /// Churn rate over the whole sample's: 2.0 churns twice as often as the average.
    pub lift: f64,
}

/// What a metric on its own says of renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherRenews,
    LowerRenews,
    NoSignal,
    TooFew,
    NeverKnown,
}

impl Direction {
    /// In words.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::HigherRenews => "higher renews",
            Direction::LowerRenews => "lower renews",
            Direction::NoSignal => "no signal",
            Direction::TooFew => "too few to tell",
            Direction::NeverKnown => "never known",
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The share of terms a metric must be known on before it is pointed out as worth adding: one
/// known on a handful of accounts cannot move many scores.
pub const MIN_COVERAGE_TO_ADD: f64 = 0.2;

/// One metric's own power to tell renewals from churn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorPower {
    pub metric: String,
    pub name: String,
    /// Whether a scorecard scores it.
    pub in_scorecard: bool,
    /// Terms whose value was known, and their share of all terms.
    pub known: usize,
    pub coverage: f64,
    pub auc: Option<Auc>,
    /// The AUC's p-value corrected (Holm) for every metric judged.
    pub p_adjusted: Option<f64>,
    pub direction: Direction,
}

impl FactorPower {
    /// It tells renewal from churn beyond chance, after the correction.
    pub fn signal(&self) -> bool {
        matches!(
            self.direction,
            Direction::HigherRenews | Direction::LowerRenews
        )
    }
}

/// The AUC of the scores at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonAuc {
    pub days: u32,
    pub terms: usize,
    pub auc: Option<Auc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub horizon_days: u32,
    /// Terms with a known outcome whose as-of day has passed.
    pub terms: usize,
    /// Of them, those with no score (too little of their scorecard known then).
    pub unscored: usize,
    /// Terms that began fewer than `horizon_days` before they ended: scored as of their
    /// start (the first Monday of the term), never before the customer was one.
    pub at_start: usize,
    /// Terms left out: shorter than a week, so no Monday of theirs can be scored.
    pub left_out: usize,
    pub auc: Option<Auc>,
    pub verdict: String,
    pub by_colour: Vec<ColourRow>,
    pub deciles: Vec<Decile>,
    /// Every metric of the catalogue, the strongest signal first.
    pub factors: Vec<FactorPower>,
    pub suggestion: Option<Suggestion>,
    /// The score's AUC at other horizons, shortest first.
    pub horizons: Vec<HorizonAuc>,
}

impl Backtest {
    /// Metrics that tell churn on their own while no scorecard uses them, known on enough of
    /// the terms to help a score ([`MIN_COVERAGE_TO_ADD`]), strongest first.
    pub fn unused_signals(&self) -> impl Iterator<Item = &FactorPower> {
        self.factors
            .iter()
            .filter(|f| f.signal() && !f.in_scorecard && f.coverage >= MIN_COVERAGE_TO_ADD)
    }
}

fn scored(config: &HealthConfig, c: &Case) -> Option<(f64, Colour)> {
    let card = config.scorecard(&c.scorecard)?;
    match card.score_only(|k| c.metrics.get(k).copied()) {
        (Some(s), Some(col)) => Some((s, col)),
        _ => None,
    }
}

/// The colour a case's account was scored in then, if it had a score.
pub fn case_colour(config: &HealthConfig, c: &Case) -> Option<Colour> {
    scored(config, c).map(|(_, colour)| colour)
}

/// The AUC of the live scores over `cases`, and how many of them had a score.
pub fn score_auc(config: &HealthConfig, cases: &[Case]) -> (Option<Auc>, usize) {
    let scored: Vec<Scored> = cases
        .iter()
        .filter_map(|c| {
            scored(config, c).map(|(score, _)| Scored {
                score,
                renewed: c.renewed(),
                account: c.account,
            })
        })
        .collect();
    (Auc::of(&scored), scored.len())
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
    let auc = Auc::of(
        &pairs
            .iter()
            .map(|p| Scored {
                score: p.0,
                renewed: p.1,
                account: p.2.account,
            })
            .collect::<Vec<_>>(),
    );
    let verdict = match &auc {
        Some(a) => a.verdict(),
        None => format!(
            "No AUC: it needs scored terms that renewed and terms that churned ({} scored terms).",
            pairs.len()
        ),
    };

    // Calibration: a logistic fit of renewal on the score alone, averaged per colour.
    let platt = suggest::logistic(
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
        at_start: 0,
        left_out: 0,
        auc,
        verdict,
        by_colour,
        deciles,
        factors: factor_power(config, cases),
        suggestion: suggest(config, cases),
        horizons: Vec::new(),
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

/// Every metric of the catalogue (and any a scorecard scores beyond it), each on the terms
/// where it was known, judged together: a metric's direction is shown only when its AUC
/// stands out from chance after the Holm correction for the number judged.
fn factor_power(config: &HealthConfig, cases: &[Case]) -> Vec<FactorPower> {
    let scored: Vec<&str> = config
        .scorecards
        .iter()
        .flat_map(|card| card.factors.iter().map(|f| f.metric.as_str()))
        .collect();
    let mut keys: Vec<&str> = METRICS.iter().map(|m| m.key).collect();
    for m in &scored {
        if !keys.contains(m) {
            keys.push(m);
        }
    }
    let mut out: Vec<FactorPower> = keys
        .into_iter()
        .map(|m| {
            let terms: Vec<Scored> = cases
                .iter()
                .filter_map(|c| {
                    c.metrics.get(m).map(|v| Scored {
                        score: *v,
                        renewed: c.renewed(),
                        account: c.account,
                    })
                })
                .collect();
            let auc = Auc::of(&terms);
            FactorPower {
                metric: m.to_string(),
                name: metric(m).map_or(m.to_string(), |x| x.name.to_string()),
                in_scorecard: scored.contains(&m),
                known: terms.len(),
                coverage: terms.len() as f64 / cases.len().max(1) as f64,
                auc,
                p_adjusted: None,
                direction: if terms.is_empty() {
                    Direction::NeverKnown
                } else {
                    Direction::TooFew
                },
            }
        })
        .collect();
    // Only metrics with enough accounts of each kind are judged, and corrected among them.
    let judged: Vec<usize> = (0..out.len())
        .filter(|i| out[*i].auc.is_some_and(|a| a.enough()))
        .collect();
    let p: Vec<f64> = judged
        .iter()
        .map(|i| out[*i].auc.map_or(1.0, |a| a.p_value))
        .collect();
    for (i, adjusted) in judged.into_iter().zip(holm(&p)) {
        let f = &mut out[i];
        f.p_adjusted = Some(adjusted);
        f.direction = match f.auc {
            Some(a) if adjusted < ALPHA && a.value > 0.5 => Direction::HigherRenews,
            Some(a) if adjusted < ALPHA && a.value < 0.5 => Direction::LowerRenews,
            _ => Direction::NoSignal,
        };
    }
    // The strongest signal (either way) first; those never known last.
    out.sort_by(|a, b| {
        let strength = |f: &FactorPower| f.auc.map_or(-1.0, |a| (a.value - 0.5).abs());
        strength(b).total_cmp(&strength(a))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::HealthConfig;

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
        assert_eq!(
            (seats.direction, seats.known),
            (Direction::HigherRenews, 400)
        );
        assert!(seats.in_scorecard);
        assert_eq!(
            b.factors[0].metric, "seat_utilisation",
            "the strongest first"
        );
        let nps = b.factors.iter().find(|f| f.metric == "nps_latest").unwrap();
        assert_eq!(nps.direction, Direction::NoSignal);
        assert!(b.factors.iter().any(|f| f.metric == "open_tickets"
            && f.known == 0
            && f.direction == Direction::NeverKnown));

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
        assert_eq!((s.terms, s.accounts), (400, 400));
        assert_eq!(s.gain.unwrap().folds, FOLDS);
        assert!(
            s.suggested.unwrap().mean >= s.current.unwrap().mean - 0.02,
            "{s:?}"
        );
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
        assert!(s.why.starts_with("Offered"), "{}", s.why);
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

    #[test]
    fn a_metric_no_scorecard_uses_that_tells_churn_is_named() {
        let mut config = HealthConfig::default();
        for card in &mut config.scorecards {
            card.thresholds.min_known_percent = 0.0;
        }
        // High-value features carry the signal; the scorecard's own inputs are noise.
        let mut cases = book(400);
        for c in &mut cases {
            let seats = c.metrics.remove("seat_utilisation").unwrap();
            c.metrics.insert("high_value_features".into(), seats);
            c.metrics
                .insert("dau_mau".into(), ((c.account * 37) % 100) as f64);
        }
        let b = backtest(&config, &cases, 90);
        let unused: Vec<&str> = b.unused_signals().map(|f| f.metric.as_str()).collect();
        assert_eq!(unused, vec!["high_value_features"], "{:?}", b.factors);
        let hv = &b.factors[0];
        assert!(!hv.in_scorecard && hv.p_adjusted.unwrap() < ALPHA, "{hv:?}");
    }

    #[test]
    fn churn_that_follows_nothing_is_called_chance_and_nothing_is_offered() {
        let mut config = HealthConfig::default();
        for card in &mut config.scorecards {
            card.thresholds.min_known_percent = 0.0;
        }
        // Usage varies freely; who churns is a coin unrelated to it.
        let mut cases = book(600);
        for c in &mut cases {
            let coin = (c.account as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) >> 61;
            c.outcome = if coin < 2 {
                Outcome::Churned
            } else {
                Outcome::Renewed
            };
            let usage = ((c.account * 7919) % 97) as f64;
            c.metrics.insert("seat_utilisation".into(), usage);
            c.metrics
                .insert("dau_mau".into(), ((c.account * 104_729) % 89) as f64);
        }
        let b = backtest(&config, &cases, 90);
        assert!(
            b.verdict.contains("indistinguishable from chance"),
            "{}",
            b.verdict
        );
        assert!(b.factors.iter().all(|f| !f.signal()), "{:?}", b.factors);
        let s = b.suggestion.unwrap();
        assert!(!s.offered, "{}", s.why);
    }
}
