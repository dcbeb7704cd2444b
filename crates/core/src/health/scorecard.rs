//! Health scorecards (seed 003: "start simple with just a handful of measures, a gut-feel
//! points system, and a green/yellow/red output"). A factor turns one metric into 0-100 points
//! by bands or a linear scale; the score is the weighted mean of the factors whose metric is
//! known. A missing input is shown as missing and leaves the weights, never scored as zero.

use crate::book::vocabulary;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

vocabulary!(
    /// The groups of seed 003's factor list.
    FactorGroup, "factor group" {
        Configuration => "configuration",
        Engagement => "engagement",
        Satisfaction => "satisfaction",
        Support => "support",
        Relationship => "relationship",
        Commercial => "commercial",
    }
);

vocabulary!(
    /// A score's colour, best first.
    Colour, "health colour" {
        Green => "green",
        Yellow => "yellow",
        Orange => "orange",
        Red => "red",
    }
);

/// How a metric's value becomes points (0-100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScoringRule {
    /// The points of the last band whose `from` the value reaches, bands rising by `from`
    /// (below the first band: its points).
    Bands { bands: Vec<Band> },
    /// 0 points at `zero`, 100 at `full`, straight between and flat beyond; `full` may be below
    /// `zero` for a metric where less is better (days since the last login).
    Linear { zero: f64, full: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub from: f64,
    pub points: f64,
}

impl ScoringRule {
    pub fn points(&self, value: f64) -> f64 {
        match self {
            ScoringRule::Bands { bands } => bands
                .iter()
                .take_while(|b| value >= b.from)
                .last()
                .or(bands.first())
                .map_or(0.0, |b| b.points),
            ScoringRule::Linear { zero, full } => {
                if zero == full {
                    return if value >= *full { 100.0 } else { 0.0 };
                }
                ((value - zero) / (full - zero) * 100.0).clamp(0.0, 100.0)
            }
        }
    }

    /// The rule in words: "0 points at 20, 100 at 85", "from 0: 0 points; from 7: 60; ...".
    pub fn describe(&self) -> String {
        let n = |v: f64| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            }
        };
        match self {
            ScoringRule::Linear { zero, full } => {
                format!("0 points at {}, 100 at {}", n(*zero), n(*full))
            }
            ScoringRule::Bands { bands } => bands
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let unit = if i == 0 { " points" } else { "" };
                    format!("from {}: {}{unit}", n(b.from), n(b.points))
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            ScoringRule::Bands { bands } => {
                if bands.is_empty() {
                    return Err("bands: give at least one band".into());
                }
                if !bands.windows(2).all(|w| w[0].from < w[1].from) {
                    return Err("bands: each band's `from` must rise".into());
                }
                if bands
                    .iter()
                    .any(|b| !(0.0..=100.0).contains(&b.points) || !b.from.is_finite())
                {
                    return Err("bands: points run from 0 to 100".into());
                }
                Ok(())
            }
            ScoringRule::Linear { zero, full } => {
                if !zero.is_finite() || !full.is_finite() || zero == full {
                    return Err("linear: `zero` and `full` must be two different numbers".into());
                }
                Ok(())
            }
        }
    }
}

/// One factor of a scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// A metric of the catalogue (`seat_utilisation`, `nps_latest`...).
    pub metric: String,
    /// What people read ("Seat utilisation").
    pub name: String,
    pub group: FactorGroup,
    pub rule: ScoringRule,
    pub weight: f64,
}

/// Where colours start: a score at or above `green` is green, and so on; below `orange`, red.
/// And what a score needs before it gets any: a score resting on too little of the scorecard
/// says "not enough data" instead of a colour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub green: f64,
    pub yellow: f64,
    pub orange: f64,
    /// The share of the scorecard's weight, in percent, whose inputs must be known.
    #[serde(default = "half")]
    pub min_known_percent: f64,
    /// Whether a scorecard with usage factors needs one of them known: health without any
    /// usage is a guess.
    #[serde(default = "yes")]
    pub needs_usage: bool,
}

fn half() -> f64 {
    50.0
}

fn yes() -> bool {
    true
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            green: 75.0,
            yellow: 55.0,
            orange: 35.0,
            min_known_percent: half(),
            needs_usage: yes(),
        }
    }
}

impl Thresholds {
    pub fn colour(&self, score: f64) -> Colour {
        if score >= self.green {
            Colour::Green
        } else if score >= self.yellow {
            Colour::Yellow
        } else if score >= self.orange {
            Colour::Orange
        } else {
            Colour::Red
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub name: String,
    pub factors: Vec<Factor>,
    #[serde(default)]
    pub thresholds: Thresholds,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ScorecardError {
    /// The bad key, like `factors[2].rule`.
    pub key: String,
    pub message: String,
}

impl Scorecard {
    /// Checks the scorecard; the error names the key.
    pub fn check(&self) -> Result<(), ScorecardError> {
        let err = |key: String, message: String| Err(ScorecardError { key, message });
        if self.name.trim().is_empty() {
            return err("name".into(), "a scorecard needs a name".into());
        }
        if self.factors.is_empty() {
            return err(
                "factors".into(),
                "a scorecard needs at least one factor".into(),
            );
        }
        for (i, f) in self.factors.iter().enumerate() {
            if !(f.weight > 0.0 && f.weight <= 100.0) {
                return err(
                    format!("factors[{i}].weight"),
                    "a weight above 0, at most 100".into(),
                );
            }
            if f.name.trim().is_empty() || f.metric.trim().is_empty() {
                return err(
                    format!("factors[{i}]"),
                    "a factor needs a name and a metric".into(),
                );
            }
            if let Err(m) = f.rule.check() {
                return err(format!("factors[{i}].rule"), m);
            }
        }
        let t = self.thresholds;
        if !(t.green > t.yellow && t.yellow > t.orange && t.orange > 0.0 && t.green <= 100.0) {
            return err(
                "thresholds".into(),
                "green above yellow above orange, all between 0 and 100".into(),
            );
        }
        if !(0.0..=100.0).contains(&t.min_known_percent) {
            return err(
                "thresholds.min_known_percent".into(),
                format!(
                    "a share of the weight from 0 to 100 (got {})",
                    t.min_known_percent
                ),
            );
        }
        Ok(())
    }

    /// Sets the weight of each named metric's factor; a weight of 0 or less drops the factor.
    /// Metrics the scorecard does not score are left out.
    pub fn set_weights<'a>(&mut self, weights: impl IntoIterator<Item = (&'a str, f64)>) {
        for (metric, weight) in weights {
            if weight > 0.0 {
                if let Some(f) = self.factors.iter_mut().find(|f| f.metric == metric) {
                    f.weight = weight;
                }
            } else {
                self.factors.retain(|f| f.metric != metric);
            }
        }
    }

    /// Whether the known inputs are enough to score: `known` weight of the whole, and a usage
    /// factor among them when the scorecard has one and asks for it.
    fn enough(&self, known: f64, usage_known: bool) -> bool {
        let total: f64 = self.factors.iter().map(|f| f.weight).sum();
        let has_usage = self
            .factors
            .iter()
            .any(|f| f.group == FactorGroup::Engagement);
        known > 0.0
            && known * 100.0 >= total * self.thresholds.min_known_percent - 1e-9
            && (usage_known || !has_usage || !self.thresholds.needs_usage)
    }

    /// The score before rounding, or none when the inputs are not enough.
    pub fn exact(&self, value_of: impl Fn(&str) -> Option<f64>) -> Option<f64> {
        let mut known = 0.0;
        let mut usage_known = false;
        let mut sum = 0.0;
        for f in &self.factors {
            if let Some(v) = value_of(&f.metric).filter(|v| v.is_finite()) {
                known += f.weight;
                usage_known |= f.group == FactorGroup::Engagement;
                sum += f.rule.points(v) * f.weight;
            }
        }
        self.enough(known, usage_known).then(|| sum / known)
    }

    /// The score and colour alone, without the explanation: what re-scoring a whole book
    /// needs. The same sums in the same order as [`Scorecard::score`], so the two agree to the
    /// last bit.
    pub fn score_only(
        &self,
        value_of: impl Fn(&str) -> Option<f64>,
    ) -> (Option<f64>, Option<Colour>) {
        let mut points = [None; 64];
        let mut known = 0.0;
        let mut usage_known = false;
        for (f, p) in self.factors.iter().zip(points.iter_mut()) {
            *p = value_of(&f.metric)
                .filter(|v| v.is_finite())
                .map(|v| f.rule.points(v));
            if p.is_some() {
                known += f.weight;
                usage_known |= f.group == FactorGroup::Engagement;
            }
        }
        if self.factors.len() > points.len() {
            let h = self.score(value_of);
            return (h.score, h.colour);
        }
        if !self.enough(known, usage_known) {
            return (None, None);
        }
        let mut score = 0.0;
        for (f, p) in self.factors.iter().zip(points) {
            if let Some(p) = p {
                score += p * f.weight / known;
            }
        }
        let score = (score * 10.0).round() / 10.0;
        (Some(score), Some(self.thresholds.colour(score)))
    }

    /// Scores the metric values (`None` for a metric that is missing for the account).
    pub fn score(&self, value_of: impl Fn(&str) -> Option<f64>) -> HealthScore {
        let mut factors: Vec<FactorScore> = self
            .factors
            .iter()
            .map(|f| {
                let value = value_of(&f.metric).filter(|v| v.is_finite());
                FactorScore {
                    metric: f.metric.clone(),
                    name: f.name.clone(),
                    group: f.group,
                    value,
                    points: value.map(|v| f.rule.points(v)),
                    weight: f.weight,
                    contribution: None,
                }
            })
            .collect();
        let known: f64 = factors
            .iter()
            .filter(|f| f.points.is_some())
            .map(|f| f.weight)
            .sum();
        let usage_known = factors
            .iter()
            .any(|f| f.points.is_some() && f.group == FactorGroup::Engagement);
        let enough = self.enough(known, usage_known);
        let mut score = 0.0;
        for f in &mut factors {
            if let (Some(p), true) = (f.points, enough) {
                let c = p * f.weight / known;
                f.contribution = Some(c);
                score += c;
            }
        }
        let score = (score * 10.0).round() / 10.0;
        let total: f64 = self.factors.iter().map(|f| f.weight).sum();
        HealthScore {
            coverage: if total > 0.0 { known / total } else { 0.0 },
            scorecard: self.name.clone(),
            score: enough.then_some(score),
            colour: enough.then(|| self.thresholds.colour(score)),
            factors,
        }
    }
}

/// One factor as scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorScore {
    pub metric: String,
    pub name: String,
    pub group: FactorGroup,
    /// `None`: the input is missing, and the factor left the weights.
    pub value: Option<f64>,
    pub points: Option<f64>,
    pub weight: f64,
    /// Points this factor adds to the score.
    pub contribution: Option<f64>,
}

/// A score with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthScore {
    pub scorecard: String,
    /// `None` when no factor had an input: unknown, not zero.
    pub score: Option<f64>,
    pub colour: Option<Colour>,
    /// The share of the scorecard's weight whose inputs are known, 0..1: a score on a
    /// fifth of its weight says so.
    pub coverage: f64,
    pub factors: Vec<FactorScore>,
}

/// One factor's change between two scores, in words a CSM reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorChange {
    pub metric: String,
    /// Change of the factor's contribution to the score.
    pub points: f64,
    pub text: String,
}

fn shown(v: Option<f64>) -> String {
    match v {
        None => "missing".into(),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
    }
}

/// What moved the score from `shown_before` (the score as it was shown then, from the
/// `before` inputs) to today's from the `now` inputs, largest move first. The moves add up to
/// the change: the inputs are walked from before to now one factor at a time, and each step's
/// change of the score is that factor's move, so a factor that became known also moves the
/// weight of the others (a red pulse counts for what it pulls the score down by). What the
/// scorecard itself changed since (weights, factors, the account's tier) is a move of its own.
pub fn what_moved(
    card: &Scorecard,
    before: impl Fn(&str) -> Option<f64>,
    now: impl Fn(&str) -> Option<f64>,
    shown_before: Option<f64>,
) -> Vec<FactorChange> {
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    let mut values: HashMap<&str, Option<f64>> = card
        .factors
        .iter()
        .map(|f| (f.metric.as_str(), finite(before(&f.metric))))
        .collect();
    let mut score = card.exact(|k| values.get(k).copied().flatten());
    let mut out = Vec::new();
    if let (Some(shown), Some(rescored)) = (shown_before, score) {
        let moved = (rescored * 10.0).round() / 10.0 - shown;
        if moved.abs() >= 0.05 {
            out.push(FactorChange {
                metric: "scorecard".into(),
                points: (moved * 10.0).round() / 10.0,
                text: format!(
                    "The scorecard changed (its weights or factors, or the one the account's \
                     tier gets): {moved:+.1} points"
                ),
            });
        }
    }
    // Inputs that became known first and those gone missing last: every step between two
    // scored ends then rests on at least the data of the end, so it stays scored too.
    let mut order: Vec<&Factor> = card.factors.iter().collect();
    order.sort_by_key(
        |f| match (values[f.metric.as_str()], finite(now(&f.metric))) {
            (None, Some(_)) => 0,
            (Some(_), None) => 2,
            _ => 1,
        },
    );
    for f in order {
        let (old, new) = (values[f.metric.as_str()], finite(now(&f.metric)));
        if old == new {
            continue;
        }
        values.insert(f.metric.as_str(), new);
        let next = card.exact(|k| values.get(k).copied().flatten());
        let verb = match (old, new) {
            (Some(a), Some(b)) if b < a => "fell",
            (Some(_), Some(_)) => "rose",
            (None, _) => "is now known",
            (_, None) => "is now missing",
        };
        let (text, points) = match (score, next) {
            (Some(a), Some(b)) => (
                format!(
                    "{} {verb} from {} to {}: {:+.1} points",
                    f.name,
                    shown(old),
                    shown(new),
                    b - a
                ),
                b - a,
            ),
            (None, Some(_)) => (
                format!(
                    "{} {verb} from {} to {}: enough data to score",
                    f.name,
                    shown(old),
                    shown(new)
                ),
                0.0,
            ),
            (Some(_), None) => (
                format!(
                    "{} {verb} from {} to {}: not enough data to score",
                    f.name,
                    shown(old),
                    shown(new)
                ),
                0.0,
            ),
            (None, None) => (
                format!("{} {verb} from {} to {}", f.name, shown(old), shown(new)),
                0.0,
            ),
        };
        out.push(FactorChange {
            metric: f.metric.clone(),
            points: (points * 10.0).round() / 10.0,
            text,
        });
        score = next;
    }
    out.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn linear(metric: &str, zero: f64, full: f64, weight: f64) -> Factor {
        Factor {
            metric: metric.into(),
            name: metric.replace('_', " "),
            group: FactorGroup::Engagement,
            rule: ScoringRule::Linear { zero, full },
            weight,
        }
    }

    fn card(factors: Vec<Factor>) -> Scorecard {
        Scorecard {
            name: "Default".into(),
            factors,
            thresholds: Thresholds::default(),
        }
    }

    proptest! {
        /// Re-scoring a book without explanations gives the very score the explanation shows.
        #[test]
        fn the_quick_score_is_the_explained_score(
            values in proptest::collection::vec(proptest::option::of(-50.0f64..500.0), 40)
        ) {
            let card = crate::health::default_scorecard();
            let keys: Vec<&str> = crate::health::METRICS.iter().map(|m| m.key).collect();
            let value_of = |k: &str| keys.iter().position(|x| *x == k).and_then(|i| values[i]);
            let full = card.score(value_of);
            prop_assert_eq!(card.score_only(value_of), (full.score, full.colour));
        }
    }

    proptest! {
        /// However the inputs moved, what moved adds up to the change of the score shown.
        #[test]
        fn what_moved_adds_up_to_the_change(
            before in proptest::collection::vec(proptest::option::of(-50.0f64..500.0), 40),
            now in proptest::collection::vec(proptest::option::of(-50.0f64..500.0), 40),
        ) {
            let card = crate::health::default_scorecard();
            let keys: Vec<&str> = crate::health::METRICS.iter().map(|m| m.key).collect();
            let at = |v: &Vec<Option<f64>>, k: &str| keys.iter().position(|x| *x == k).and_then(|i| v[i]);
            let (was, is) = (card.score(|k| at(&before, k)).score, card.score(|k| at(&now, k)).score);
            let moved = what_moved(&card, |k| at(&before, k), |k| at(&now, k), was);
            if let (Some(was), Some(is)) = (was, is) {
                let sum: f64 = moved.iter().map(|c| c.points).sum();
                // Each move is rounded to a tenth, as are both scores.
                let slack = 0.05 * (moved.len() + 2) as f64;
                prop_assert!((sum - (is - was)).abs() <= slack, "{} vs {}: {:?}", sum, is - was, moved);
            }
        }
    }

    #[test]
    fn a_red_pulse_is_told_as_what_it_pulled_the_score_down_by() {
        let card = crate::health::default_scorecard();
        let base = |k: &str| match k {
            "seat_utilisation" => Some(60.0),
            "dau_mau" => Some(20.0),
            "days_since_login" => Some(3.0),
            "usage_trend" => Some(0.0),
            "nps_latest" => Some(8.0),
            "open_tickets" => Some(2.0),
            _ => None,
        };
        let with_pulse = |k: &str| if k == "csm_pulse" { Some(0.0) } else { base(k) };
        let (was, is) = (
            card.score(base).score.unwrap(),
            card.score(with_pulse).score.unwrap(),
        );
        assert!(is < was - 5.0, "{was} then {is}");
        let moved = what_moved(&card, base, with_pulse, Some(was));
        assert_eq!(moved.len(), 1);
        assert!((moved[0].points - (is - was)).abs() <= 0.1, "{moved:?}");
        assert!(
            moved[0]
                .text
                .starts_with("CSM pulse is now known from missing to 0: -")
        );
    }

    #[test]
    fn a_new_scorecard_is_a_move_of_its_own() {
        let card = crate::health::default_scorecard();
        let same = |k: &str| match k {
            "seat_utilisation" => Some(80.0),
            "dau_mau" => Some(20.0),
            "days_since_login" => Some(3.0),
            "usage_trend" => Some(5.0),
            "nps_latest" => Some(9.0),
            "open_tickets" => Some(1.0),
            _ => None,
        };
        // The score shown then came from another scorecard: the inputs did not move.
        let moved = what_moved(&card, same, same, Some(98.5));
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].metric, "scorecard");
        let is = card.score(same).score.unwrap();
        assert!((moved[0].points - (is - 98.5)).abs() < 0.05, "{moved:?}");
    }

    #[test]
    fn a_score_on_too_little_of_its_weight_is_not_enough_data() {
        let card = crate::health::default_scorecard();
        // Tickets and escalations fine, no usage at all: no colour.
        let no_usage = |k: &str| match k {
            "open_tickets" | "escalations_90d" | "champion_departed" => Some(0.0),
            "nps_latest" => Some(10.0),
            "renew_intent" => Some(1.0),
            _ => None,
        };
        let h = card.score(no_usage);
        assert_eq!((h.score, h.colour), (None, None));
        assert!(h.coverage > 0.15, "{}", h.coverage);
        assert_eq!(card.score_only(no_usage), (None, None));
        // Usage known but an eighth of the weight: still not enough.
        let thin = |k: &str| (k == "seat_utilisation").then_some(90.0);
        assert_eq!(card.score(thin).score, None);
        // Enough of both: a colour.
        let enough = |k: &str| match k {
            "seat_utilisation" => Some(90.0),
            "dau_mau" => Some(45.0),
            "days_since_login" => Some(1.0),
            "usage_trend" => Some(5.0),
            "tenure_days" => Some(900.0),
            _ => no_usage(k),
        };
        assert_eq!(card.score(enough).colour, Some(Colour::Green));
    }

    #[test]
    fn bands_give_the_points_of_the_band_reached() {
        let r = ScoringRule::Bands {
            bands: vec![
                Band {
                    from: 0.0,
                    points: 0.0,
                },
                Band {
                    from: 7.0,
                    points: 50.0,
                },
                Band {
                    from: 9.0,
                    points: 100.0,
                },
            ],
        };
        assert_eq!(r.points(-3.0), 0.0);
        assert_eq!(r.points(6.99), 0.0);
        assert_eq!(r.points(7.0), 50.0);
        assert_eq!(r.points(10.0), 100.0);
    }

    #[test]
    fn a_rule_reads_in_words() {
        let linear = ScoringRule::Linear {
            zero: 90.0,
            full: 14.5,
        };
        assert_eq!(linear.describe(), "0 points at 90, 100 at 14.5");
        let bands = ScoringRule::Bands {
            bands: vec![
                Band {
                    from: 0.0,
                    points: 0.0,
                },
                Band {
                    from: 7.0,
                    points: 60.0,
                },
            ],
        };
        assert_eq!(bands.describe(), "from 0: 0 points; from 7: 60");
    }

    #[test]
    fn a_linear_scale_runs_either_way_and_stays_in_bounds() {
        let more_is_better = ScoringRule::Linear {
            zero: 20.0,
            full: 80.0,
        };
        assert_eq!(more_is_better.points(50.0), 50.0);
        assert_eq!(more_is_better.points(95.0), 100.0);
        let less_is_better = ScoringRule::Linear {
            zero: 30.0,
            full: 0.0,
        };
        assert_eq!(less_is_better.points(3.0), 90.0);
        assert_eq!(less_is_better.points(45.0), 0.0);
    }

    #[test]
    fn a_missing_input_leaves_the_weights_instead_of_scoring_zero() {
        let c = card(vec![
            linear("seats", 0.0, 100.0, 3.0),
            linear("nps", -100.0, 100.0, 1.0),
        ]);
        let s = c.score(|m| (m == "seats").then_some(80.0));
        assert_eq!(s.score, Some(80.0), "NPS missing: seats alone decide");
        assert_eq!(s.coverage, 0.75);
        assert_eq!(s.factors[1].value, None);
        assert_eq!(s.factors[1].contribution, None);
        let none = c.score(|_| None);
        assert_eq!((none.score, none.colour), (None, None));
    }

    #[test]
    fn contributions_add_up_to_the_score_and_the_colour_follows_thresholds() {
        let c = card(vec![
            linear("a", 0.0, 100.0, 1.0),
            linear("b", 0.0, 100.0, 3.0),
        ]);
        let s = c.score(|m| Some(if m == "a" { 100.0 } else { 40.0 }));
        assert_eq!(s.score, Some(55.0));
        assert_eq!(s.colour, Some(Colour::Yellow));
        assert_eq!(s.factors[0].contribution, Some(25.0));
        let t = Thresholds::default();
        assert_eq!(
            [80.0, 75.0, 74.9, 55.0, 35.0, 34.9].map(|v| t.colour(v)),
            [
                Colour::Green,
                Colour::Green,
                Colour::Yellow,
                Colour::Yellow,
                Colour::Orange,
                Colour::Red
            ]
        );
    }

    #[test]
    fn a_change_is_told_in_words_with_its_points() {
        let c = card(vec![
            Factor {
                name: "Seat utilisation".into(),
                ..linear("seat_utilisation", 0.0, 100.0, 2.0)
            },
            linear("nps", -100.0, 100.0, 2.0),
        ]);
        let before = |m: &str| Some(if m == "nps" { 50.0 } else { 82.0 });
        let now = |m: &str| Some(if m == "nps" { 50.0 } else { 41.0 });
        let ch = what_moved(&c, before, now, c.score(before).score);
        assert_eq!(ch.len(), 1);
        assert_eq!(
            ch[0].text,
            "Seat utilisation fell from 82 to 41: -20.5 points"
        );
        assert_eq!(ch[0].points, -20.5);
    }

    #[test]
    fn a_bad_scorecard_names_its_key() {
        let mut c = card(vec![linear("a", 0.0, 100.0, 1.0)]);
        c.factors[0].weight = 0.0;
        assert_eq!(c.check().unwrap_err().key, "factors[0].weight");
        let mut c = card(vec![linear("a", 5.0, 5.0, 1.0)]);
        assert_eq!(c.check().unwrap_err().key, "factors[0].rule");
        c.factors[0].rule = ScoringRule::Linear {
            zero: 0.0,
            full: 1.0,
        };
        c.thresholds.yellow = 90.0;
        assert_eq!(c.check().unwrap_err().key, "thresholds");
        c.thresholds.yellow = 55.0;
        c.thresholds.min_known_percent = 120.0;
        assert_eq!(c.check().unwrap_err().key, "thresholds.min_known_percent");
    }

    proptest! {
        #[test]
        fn a_score_stays_within_0_and_100_and_is_the_sum_of_contributions(
            values in proptest::collection::vec(proptest::option::of(-1e6f64..1e6), 1..8),
            weights in proptest::collection::vec(0.1f64..10.0, 8),
        ) {
            let factors: Vec<Factor> = (0..values.len())
                .map(|i| linear(&format!("m{i}"), -50.0, 50.0, weights[i]))
                .collect();
            let mut c = card(factors);
            // Any known input scores here: the sums are what is checked.
            c.thresholds.min_known_percent = 0.0;
            let s = c.score(|m| values[m[1..].parse::<usize>().unwrap()]);
            match s.score {
                None => prop_assert!(values.iter().all(Option::is_none)),
                Some(score) => {
                    prop_assert!((0.0..=100.0).contains(&score));
                    let sum: f64 = s.factors.iter().filter_map(|f| f.contribution).sum();
                    prop_assert!((sum - score).abs() < 0.051);
                }
            }
        }
    }
}
