//! Locking a plan, re-planning, and saying why a period differed: a leader's actions on the
//! waterfall. A plan covers a year of periods from the current one; a re-plan covers the plan's
//! periods still open. Each is a new dated snapshot; a closed period is never re-planned, and
//! no re-plan is made while a closed period's difference from the plan is unexplained.

use super::forecast::{measures, periods_from, plan_periods};
use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sherpa_core::revenue::{Grain, Period, Series, TARGET};
use sherpa_store::{NewPlan, PeriodValues, PlannedRenewal};
use std::collections::BTreeMap;

/// The longest note on a plan and the longest why.
pub const PLAN_NOTE_MAX: usize = 2_000;

/// A plan or re-plan asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    pub series: Series,
    pub grain: Grain,
    pub note: String,
    /// For a tracked figure: the target of each period, by its first day.
    pub targets: BTreeMap<NaiveDate, Decimal>,
}

fn checked_note(field: &str, note: &str) -> Result<String> {
    let note = note.trim();
    if note.chars().count() > PLAN_NOTE_MAX {
        return Err(Error::invalid(
            field,
            format!("at most {PLAN_NOTE_MAX} characters"),
        ));
    }
    Ok(note.to_string())
}

impl App {
    /// The values of a plan over `periods`: the forecast now (renewals, with the renewals it
    /// expects), or the targets given, one for each period.
    async fn plan_values(
        &self,
        req: &PlanRequest,
        periods: &[Period],
    ) -> Result<(PeriodValues, Vec<PlannedRenewal>)> {
        let mut values = PeriodValues::new();
        let mut renewals = Vec::new();
        if !req.series.is_forecast() {
            for p in periods {
                let Some(t) = req.targets.get(&p.start) else {
                    return Err(Error::invalid(
                        "targets",
                        format!(
                            "no target for {} ({}): a plan of {} sets one for each period",
                            p.label,
                            p.start,
                            req.series.as_str()
                        ),
                    ));
                };
                values.insert(p.start, BTreeMap::from([(TARGET.to_string(), *t)]));
            }
            if let Some(extra) = req
                .targets
                .keys()
                .find(|d| !periods.iter().any(|p| p.start == **d))
            {
                return Err(Error::invalid(
                    "targets",
                    format!("{extra} is not the first day of a period this plan covers"),
                ));
            }
            return Ok((values, renewals));
        }
        if !req.targets.is_empty() {
            return Err(Error::invalid(
                "targets",
                "the renewals plan is the forecast; targets are for nrr, grr, logo_churn and expansion",
            ));
        }
        let basis = self.forecast_basis().await?;
        let today = self.store.clock().today();
        for p in periods {
            let (f, expected) = basis.forecast(p.start, p.next, today);
            values.insert(p.start, measures(&f));
            renewals.extend(expected.into_iter().map(|e| PlannedRenewal {
                contract: e.contract,
                account: e.account,
                period: p.start,
                colour: e.colour,
                band: e.band,
                probability: e.probability,
                arr: e.arr,
            }));
        }
        Ok((values, renewals))
    }

    /// Locks the plan of a series at a grain for the year of periods from the current one. A
    /// plan still running is re-planned, never replaced.
    pub async fn lock_plan(&self, by: &Caller, req: PlanRequest) -> Result<i64> {
        by.may(|u| u.may_manage_book())?;
        let note = checked_note("note", &req.note)?;
        let today = self.store.clock().today();
        let (plan, _) = self.current_plan(req.series, req.grain).await?;
        if let Some(last) = plan.as_ref().and_then(|p| p.values.keys().next_back())
            && req.grain.next(*last) > today
        {
            return Err(Error::Conflict(format!(
                "a plan of {} by {} is locked up to {}; re-plan it instead",
                req.series.as_str(),
                req.grain.as_str(),
                req.grain.label(*last)
            )));
        }
        let periods = periods_from(req.grain, today, plan_periods(req.grain));
        let (values, renewals) = self.plan_values(&req, &periods).await?;
        Ok(self
            .store
            .save_forecast_plan(
                &by.actor(),
                NewPlan {
                    series: req.series.as_str(),
                    grain: req.grain.as_str(),
                    plan_id: None,
                    note: &note,
                    values: &values,
                    renewals: &renewals,
                },
            )
            .await?)
    }

    /// A re-plan of the locked plan's open periods, from the forecast now (or the targets
    /// given).
    pub async fn replan(&self, by: &Caller, req: PlanRequest) -> Result<i64> {
        by.may(|u| u.may_manage_book())?;
        let note = checked_note("note", &req.note)?;
        let waterfall = self.waterfall(by, req.series, req.grain).await?;
        let Some(plan) = &waterfall.plan else {
            return Err(Error::Conflict(format!(
                "no plan of {} by {} is locked: lock one first",
                req.series.as_str(),
                req.grain.as_str()
            )));
        };
        let unexplained = waterfall.whys_needed();
        if !unexplained.is_empty() {
            return Err(Error::Conflict(format!(
                "say why {} differed from the plan before re-planning",
                unexplained.join(", ")
            )));
        }
        let open: Vec<Period> = waterfall
            .periods
            .iter()
            .filter(|p| !p.closed)
            .map(|p| p.period.clone())
            .collect();
        if open.is_empty() {
            return Err(Error::Conflict(
                "every period of the plan has closed: lock a new plan".into(),
            ));
        }
        let (values, _) = self.plan_values(&req, &open).await?;
        Ok(self
            .store
            .save_forecast_plan(
                &by.actor(),
                NewPlan {
                    series: req.series.as_str(),
                    grain: req.grain.as_str(),
                    plan_id: Some(plan.id),
                    note: &note,
                    values: &values,
                    renewals: &[],
                },
            )
            .await?)
    }

    /// Says why a closed period differed from its plan (every note kept).
    pub async fn explain_variance(
        &self,
        by: &Caller,
        series: Series,
        grain: Grain,
        period: NaiveDate,
        why: &str,
    ) -> Result<()> {
        by.may(|u| u.may_manage_book())?;
        let why = checked_note("why", why)?;
        if why.is_empty() {
            return Err(Error::invalid("why", "say why the period differed"));
        }
        let waterfall = self.waterfall(by, series, grain).await?;
        let Some(p) = waterfall
            .periods
            .iter()
            .find(|p| p.period.start == grain.start_of(period))
        else {
            return Err(Error::invalid(
                "period",
                format!("{period} is not in the locked plan of {}", series.as_str()),
            ));
        };
        if waterfall.plan.is_none() || !p.closed {
            return Err(Error::invalid(
                "period",
                format!(
                    "{} has not closed in a locked plan: a why is for a closed period",
                    p.period.label
                ),
            ));
        }
        self.store
            .write_forecast_variance(
                &by.actor(),
                series.as_str(),
                grain.as_str(),
                p.period.start,
                &why,
            )
            .await?;
        Ok(())
    }
}
