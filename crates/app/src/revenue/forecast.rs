//! The waterfall: per period, the plan a leader locked, every re-plan, the actual once the
//! period has closed, and the forecast of the periods still open; the variance of each closed
//! period with why; and, for the renewals, how each colour did against what was predicted.
//! Plans, re-plans and actuals are kept as they were made: nothing here changes one.

use super::probabilities::ForecastBasis;
use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sherpa_core::Currency;
use sherpa_core::book::Outcome;
use sherpa_core::export::{Column, Table};
use sherpa_core::revenue::{
    ColourKey, Figures, Grain, Period, RetentionBook, Series, TARGET, colour_key,
};
use sherpa_store::{PeriodValues, PlanRecord, VarianceNote};
use std::collections::BTreeMap;

/// Days after a period's end that its terms' outcomes are waited for before its actual is
/// frozen as it stands (undecided terms included).
pub const OUTCOME_GRACE_DAYS: u64 = 30;

/// How many periods a plan covers at each grain: a year ahead, or 13 weeks.
pub fn plan_periods(grain: Grain) -> usize {
    match grain {
        Grain::Week => 13,
        Grain::Month => 12,
        Grain::Quarter => 4,
        Grain::Year => 1,
    }
}

/// A series named in a query (renewals when none).
pub fn parse_series(raw: Option<&str>) -> Result<Series> {
    raw.filter(|s| !s.is_empty())
        .map_or(Ok(Series::Renewals), |s| {
            s.parse().map_err(|e: String| Error::invalid("series", e))
        })
}

/// A grain of the waterfall (month when none); years are too coarse to re-plan.
pub fn parse_forecast_grain(raw: Option<&str>) -> Result<Grain> {
    let g = super::parse_grain(raw)?;
    if g == Grain::Year {
        return Err(Error::invalid(
            "grain",
            "a forecast is by week, month or quarter",
        ));
    }
    Ok(g)
}

/// One period of the waterfall.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterfallPeriod {
    pub period: Period,
    /// It has ended: its actual comes from the outcomes (see `frozen`).
    pub closed: bool,
    pub plan: Option<BTreeMap<String, Decimal>>,
    /// Per re-plan (in the order of [`Waterfall::replans`]), its values when it covers the
    /// period.
    pub replans: Vec<Option<BTreeMap<String, Decimal>>>,
    pub actual: Option<BTreeMap<String, Decimal>>,
    /// The actual is recorded and will not change; until then it is the actual so far, with
    /// terms still waiting for their outcome.
    pub frozen: bool,
    /// For open periods: what is expected now.
    pub forecast: Option<BTreeMap<String, Decimal>>,
    /// Actual minus plan on the series' headline measure.
    pub variance: Option<Decimal>,
    pub why: Option<VarianceNote>,
}

impl WaterfallPeriod {
    /// A closed period that differed from its plan and has no why yet.
    pub fn why_needed(&self) -> bool {
        self.frozen && self.variance.is_some_and(|v| !v.is_zero()) && self.why.is_none()
    }
}

/// What a plan predicted of one colour's renewals in its closed periods, against what they did.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourCheck {
    pub colour: ColourKey,
    /// Renewals of the colour whose outcome is recorded.
    pub decided: usize,
    /// The churns expected of them (the sum of their chances of churning).
    pub predicted_churns: Decimal,
    pub churned: usize,
    /// Still without an outcome.
    pub undecided: usize,
}

impl ColourCheck {
    /// "We predicted 32% of orange renewals to churn (4.2 of 13); 38% did (5 of 13)."
    pub fn words(&self) -> String {
        let n = Decimal::from(self.decided);
        let pct = |x: Decimal| (x / n * Decimal::ONE_HUNDRED).round_dp(0);
        let mut s = format!(
            "We predicted {}% of {} renewals to churn ({} of {}); {}% did ({} of {}).",
            pct(self.predicted_churns),
            colour_key(self.colour),
            self.predicted_churns.round_dp(1),
            self.decided,
            pct(Decimal::from(self.churned)),
            self.churned,
            self.decided
        );
        if self.undecided > 0 {
            s.push_str(&format!(" {} more await their outcome.", self.undecided));
        }
        s
    }
}

#[derive(Debug, Clone)]
pub struct Waterfall {
    pub series: Series,
    pub grain: Grain,
    pub today: NaiveDate,
    pub currency: Currency,
    pub plan: Option<PlanRecord>,
    pub replans: Vec<PlanRecord>,
    pub periods: Vec<WaterfallPeriod>,
    pub colour_checks: Vec<ColourCheck>,
    /// When the probability table was learned (none while it is being computed).
    pub basis: ForecastBasis,
    /// For the adoption series: the features it counts.
    pub adoption: Option<super::StrategicFeatures>,
}

impl Waterfall {
    /// The closed periods that still need a why, by their label.
    pub fn whys_needed(&self) -> Vec<String> {
        self.periods
            .iter()
            .filter(|p| p.why_needed())
            .map(|p| p.period.label.clone())
            .collect()
    }
}

impl Waterfall {
    /// One row per period and line (the plan, each re-plan, the forecast, the actual), each
    /// measure a number, for the export and the report command.
    pub fn table(&self) -> Table {
        let measures = self.series.measures();
        let mut headers = vec!["Period", "Start", "Closed", "Line", "Made on"];
        headers.extend(measures.iter().copied());
        headers.extend(["Variance", "Why", "Unit"]);
        let mut t = Table::new(&headers);
        if self.series.is_forecast() {
            let mut money = measures.to_vec();
            money.push("Variance");
            t = t.with(Column::Money, &money);
        }
        let unit = if self.series.is_forecast() {
            self.currency.code().to_string()
        } else {
            "percent".into()
        };
        for p in &self.periods {
            let mut lines: Vec<(String, String, &BTreeMap<String, Decimal>)> = Vec::new();
            if let (Some(plan), Some(v)) = (&self.plan, &p.plan) {
                lines.push(("plan".into(), plan.made_at.date_naive().to_string(), v));
            }
            for (i, (r, v)) in self.replans.iter().zip(&p.replans).enumerate() {
                if let Some(v) = v {
                    lines.push((
                        format!("re-plan {}", i + 1),
                        r.made_at.date_naive().to_string(),
                        v,
                    ));
                }
            }
            if let Some(v) = &p.forecast {
                lines.push(("forecast".into(), self.today.to_string(), v));
            }
            if let Some(v) = &p.actual {
                lines.push(("actual".into(), String::new(), v));
            }
            for (line, made, values) in lines {
                let actual = line == "actual";
                let mut row = vec![
                    p.period.label.clone(),
                    p.period.start.to_string(),
                    if p.closed { "yes" } else { "no" }.into(),
                    line,
                    made,
                ];
                row.extend(measures.iter().map(|m| {
                    values
                        .get(*m)
                        .map(|v| v.normalize().to_string())
                        .unwrap_or_default()
                }));
                row.push(if actual {
                    p.variance
                        .map(|v| v.normalize().to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                });
                row.push(if actual {
                    p.why.as_ref().map(|w| w.why.clone()).unwrap_or_default()
                } else {
                    String::new()
                });
                row.push(unit.clone());
                t.rows.push(row);
            }
        }
        t
    }
}

/// The figures as measures by name.
pub(crate) fn measures(f: &Figures) -> BTreeMap<String, Decimal> {
    sherpa_core::revenue::MEASURES
        .iter()
        .filter_map(|m| f.measure(m).map(|v| (m.to_string(), v)))
        .collect()
}

/// The `n` periods from the one holding `from`.
pub(crate) fn periods_from(grain: Grain, from: NaiveDate, n: usize) -> Vec<Period> {
    let start = grain.start_of(from);
    let mut last = start;
    for _ in 1..n {
        last = grain.next(last);
    }
    sherpa_core::revenue::periods(grain, start, last).unwrap_or_default()
}

impl App {
    /// The latest plan of a series at a grain and the re-plans made of it.
    pub(crate) async fn current_plan(
        &self,
        series: Series,
        grain: Grain,
    ) -> Result<(Option<PlanRecord>, Vec<PlanRecord>)> {
        let all = self
            .store
            .forecast_plans(series.as_str(), grain.as_str())
            .await?;
        let plan = all.iter().rev().find(|p| !p.is_replan()).cloned();
        let replans = plan
            .as_ref()
            .map(|p| {
                all.iter()
                    .filter(|r| r.plan_id == Some(p.id))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok((plan, replans))
    }

    /// What each open period is expected to be now: the renewals' forecast, or nothing for a
    /// tracked figure (its plan is a target).
    pub(crate) async fn period_forecasts(
        &self,
        series: Series,
        periods: &[Period],
        basis: &ForecastBasis,
    ) -> Result<PeriodValues> {
        let mut out = PeriodValues::new();
        if !series.is_forecast() {
            return Ok(out);
        }
        let today = self.store.clock().today();
        for p in periods.iter().filter(|p| p.next > today) {
            let (f, _) = basis.forecast(p.start, p.next, today);
            out.insert(p.start, measures(&f));
        }
        Ok(out)
    }

    /// The actual of each closed period, recorded once (the daily job records them; a read
    /// records any the job has not yet, so the page is never behind the clock); and, apart,
    /// the actuals so far of closed periods that still wait for outcomes.
    pub(crate) async fn record_actuals(
        &self,
        series: Series,
        grain: Grain,
        periods: &[Period],
        basis: &ForecastBasis,
    ) -> Result<(PeriodValues, PeriodValues)> {
        let today = self.store.clock().today();
        let recorded = self
            .store
            .forecast_actuals(series.as_str(), grain.as_str())
            .await?;
        let closed: Vec<&Period> = periods
            .iter()
            .filter(|p| p.next <= today && !recorded.contains_key(&p.start))
            .collect();
        if closed.is_empty() {
            return Ok((recorded, PeriodValues::new()));
        }
        let mut so_far = PeriodValues::new();
        let retention = series
            .is_retention()
            .then(|| RetentionBook::new(basis.book.terms().to_vec()));
        let strategic = match series {
            Series::Adoption => self.store.revenue_config().await?.strategic_features,
            _ => Vec::new(),
        };
        for p in closed {
            let values = match &retention {
                None if series == Series::Nps => {
                    // A period without an answer has no figure to record.
                    let Some(v) = self.store.nps_between(p.start, p.next).await? else {
                        continue;
                    };
                    BTreeMap::from([(TARGET.to_string(), Decimal::from(v))])
                }
                None if series == Series::Adoption => {
                    let (used, paying) = self
                        .store
                        .adoption_between(p.start, p.next, &strategic)
                        .await?;
                    if paying == 0 {
                        continue;
                    }
                    let share = Decimal::from(used) * Decimal::ONE_HUNDRED / Decimal::from(paying);
                    BTreeMap::from([(TARGET.to_string(), share.round_dp(2))])
                }
                None => {
                    let actual = basis.book.actual(p.start, p.next);
                    // Outcomes are recorded some days after a term ends: a period whose terms
                    // still wait for theirs is frozen only once the grace has passed.
                    let grace = p.next + chrono::Days::new(OUTCOME_GRACE_DAYS);
                    if actual.undecided > Decimal::ZERO && today < grace {
                        so_far.insert(p.start, measures(&actual));
                        continue;
                    }
                    measures(&actual)
                }
                Some(r) => {
                    let figure = series.of_retention(&r.retention(p.start, p.next, |_| None).total);
                    // A period with nobody to retain has no figure to record.
                    let Some(v) = figure else { continue };
                    BTreeMap::from([(TARGET.to_string(), v)])
                }
            };
            self.store
                .record_forecast_actual(series.as_str(), grain.as_str(), p.start, &values)
                .await?;
        }
        Ok((
            self.store
                .forecast_actuals(series.as_str(), grain.as_str())
                .await?,
            so_far,
        ))
    }

    /// The actuals of every locked plan's closed periods; answers how many plans were read.
    pub async fn record_planned_actuals(&self) -> Result<usize> {
        let mut basis = None;
        let mut n = 0;
        for series in Series::ALL {
            for grain in [Grain::Week, Grain::Month, Grain::Quarter] {
                let (Some(plan), _) = self.current_plan(series, grain).await? else {
                    continue;
                };
                if basis.is_none() {
                    basis = Some(self.forecast_basis().await?);
                }
                let periods = Self::plan_span(grain, &plan);
                self.record_actuals(series, grain, &periods, basis.as_ref().unwrap())
                    .await?;
                n += 1;
            }
        }
        Ok(n)
    }

    fn plan_span(grain: Grain, plan: &PlanRecord) -> Vec<Period> {
        match plan.values.keys().next() {
            Some(first) => periods_from(grain, *first, plan.values.len()),
            None => Vec::new(),
        }
    }

    /// The waterfall of a series at a grain: the plan's periods when one is locked, else the
    /// periods a plan locked today would cover.
    pub async fn waterfall(&self, _by: &Caller, series: Series, grain: Grain) -> Result<Waterfall> {
        let today = self.store.clock().today();
        let basis = self.forecast_basis().await?;
        let (plan, replans) = self.current_plan(series, grain).await?;
        let periods: Vec<Period> = match &plan {
            Some(p) => Self::plan_span(grain, p),
            None => periods_from(grain, today, plan_periods(grain)),
        };
        let (actuals, so_far) = if plan.is_some() {
            self.record_actuals(series, grain, &periods, &basis).await?
        } else {
            (PeriodValues::new(), PeriodValues::new())
        };
        let forecasts = self.period_forecasts(series, &periods, &basis).await?;
        let whys = self
            .store
            .forecast_variances(series.as_str(), grain.as_str())
            .await?;
        let headline = series.headline();
        let out: Vec<WaterfallPeriod> = periods
            .into_iter()
            .map(|p| {
                let planned = plan.as_ref().and_then(|x| x.values.get(&p.start)).cloned();
                let frozen = actuals.contains_key(&p.start);
                let actual = actuals.get(&p.start).or(so_far.get(&p.start)).cloned();
                let variance = match (&planned, &actual) {
                    (Some(pl), Some(ac)) => Some(
                        ac.get(headline).copied().unwrap_or_default()
                            - pl.get(headline).copied().unwrap_or_default(),
                    ),
                    _ => None,
                };
                WaterfallPeriod {
                    closed: p.next <= today,
                    replans: replans
                        .iter()
                        .map(|r| r.values.get(&p.start).cloned())
                        .collect(),
                    forecast: forecasts.get(&p.start).cloned(),
                    why: whys.get(&p.start).cloned(),
                    plan: planned,
                    actual,
                    frozen,
                    variance,
                    period: p,
                }
            })
            .collect();
        let colour_checks = match (&plan, series.is_forecast()) {
            (Some(p), true) => self.colour_checks(p, &out, &basis).await?,
            _ => Vec::new(),
        };
        Ok(Waterfall {
            series,
            grain,
            today,
            currency: self.store.currency(),
            plan,
            replans,
            periods: out,
            colour_checks,
            basis,
            adoption: match series {
                Series::Adoption => Some(self.strategic_features().await?),
                _ => None,
            },
        })
    }

    /// Per colour, the churn the plan expected of its renewals in closed periods against what
    /// their recorded outcomes say.
    async fn colour_checks(
        &self,
        plan: &PlanRecord,
        periods: &[WaterfallPeriod],
        basis: &ForecastBasis,
    ) -> Result<Vec<ColourCheck>> {
        let closed: Vec<NaiveDate> = periods
            .iter()
            .filter(|p| p.closed)
            .map(|p| p.period.start)
            .collect();
        if closed.is_empty() {
            return Ok(Vec::new());
        }
        let mut by: BTreeMap<u8, ColourCheck> = BTreeMap::new();
        for r in self.store.planned_renewals(plan.id).await? {
            if !closed.contains(&r.period) {
                continue;
            }
            let rank = sherpa_core::revenue::COLOUR_KEYS
                .iter()
                .position(|c| *c == r.colour)
                .unwrap_or(4) as u8;
            let check = by.entry(rank).or_insert(ColourCheck {
                colour: r.colour,
                decided: 0,
                predicted_churns: Decimal::ZERO,
                churned: 0,
                undecided: 0,
            });
            match basis.book.term(r.contract).and_then(|t| t.outcome) {
                None => check.undecided += 1,
                Some(o) => {
                    check.decided += 1;
                    check.predicted_churns += Decimal::ONE - r.probability.unwrap_or(Decimal::ONE);
                    if o == Outcome::Churned {
                        check.churned += 1;
                    }
                }
            }
        }
        Ok(by.into_values().filter(|c| c.decided > 0).collect())
    }
}
