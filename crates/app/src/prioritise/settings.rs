//! The prioritisation rules as people write them: the API's JSON, the configuration file and
//! the settings form all read into [`PrioritisationConfig`], and one reading turns it into rules
//! or names the key that is wrong (`tier_grid.B1`, `pareto.shares`). Saving them is a leader's
//! or an admin's.

use crate::{App, Caller, Error, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sherpa_core::prioritise::*;
use sherpa_store::PrioritisationRules;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Serialize, Deserialize, Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GradeBoundsConfig {
    /// A above this potential value (a decimal string).
    pub a_above: String,
    /// B from this value up to `a_above`; C below it.
    pub b_from: String,
}

/// The prioritisation rules: the configuration CS ops keeps as code (`sherpa config`). On a
/// PUT, a section left out keeps its value.
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PrioritisationConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_bounds: Option<GradeBoundsConfig>,
    /// Each grade's cell: "1", "2", "3", or "1-2" / "2-3" for a cell between two tiers that
    /// needs a person's decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier_grid: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pareto: Option<ParetoConfig>,
    /// The name of each 9-box by "relationship-upsell" ("3-3" = "Heavily invest").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nine_box_labels: Option<BTreeMap<String, String>>,
    /// Each tier's cadence as an RFC 5545 RRULE ("FREQ=WEEKLY;INTERVAL=2"), and the time zone
    /// its periods start in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cadences: Option<CadencesConfig>,
    /// CSM hours a year, the share of them for accounts, and each tier's engagement plan
    /// (activities with hours and times a year).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub staffing: Option<StaffingSettings>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CadencesConfig {
    /// An IANA time zone ("Europe/Berlin") or "UTC".
    pub time_zone: String,
    /// By tier ("1", "2", "3").
    pub rules: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ParetoConfig {
    /// Cumulative revenue shares in percent where segments end, rising (default 45, 75).
    pub shares: Vec<u8>,
    /// One name per segment: one more than the shares.
    pub names: Vec<String>,
}

impl From<PrioritisationRules> for PrioritisationConfig {
    fn from(r: PrioritisationRules) -> Self {
        PrioritisationConfig {
            grade_bounds: Some(GradeBoundsConfig {
                a_above: r.bounds.a_above.to_string(),
                b_from: r.bounds.b_from.to_string(),
            }),
            tier_grid: Some(
                r.grid
                    .cells()
                    .map(|(g, c)| (g.to_string(), c.code()))
                    .collect(),
            ),
            pareto: Some(ParetoConfig {
                shares: r.pareto.shares,
                names: r.pareto.names,
            }),
            nine_box_labels: Some(r.nine_box_labels.entries().clone()),
            cadences: Some(CadencesConfig {
                time_zone: r.cadences.time_zone,
                rules: r.cadences.rules,
            }),
            staffing: Some(r.staffing),
        }
    }
}

impl PrioritisationConfig {
    /// The rules with the given sections in place of the current ones; a bad value names its
    /// key (`tier_grid.B1`, `pareto.shares`).
    pub fn into_rules(self, mut rules: PrioritisationRules) -> Result<PrioritisationRules> {
        if let Some(b) = self.grade_bounds {
            let amount = |field: &str, v: &str| {
                Decimal::from_str(v.trim())
                    .map_err(|_| Error::invalid(field, "a decimal amount, like 50000"))
            };
            rules.bounds = GradeBounds::new(
                amount("grade_bounds.a_above", &b.a_above)?,
                amount("grade_bounds.b_from", &b.b_from)?,
            )
            .map_err(|e| Error::invalid("grade_bounds", e.to_string()))?;
        }
        if let Some(cells) = self.tier_grid {
            let mut grid = TierGrid::default();
            let mut seen = std::collections::BTreeSet::new();
            for (grade, cell) in &cells {
                let field = format!("tier_grid.{grade}");
                let g: Grade = grade
                    .parse()
                    .map_err(|e: GradeError| Error::invalid(&field, e.to_string()))?;
                let c = TierCell::parse(cell).ok_or_else(|| {
                    Error::invalid(
                        &field,
                        format!("\"{cell}\" is not a cell; expected 1, 2, 3, 1-2 or 2-3"),
                    )
                })?;
                grid.set(g, c);
                seen.insert(g);
            }
            if seen.len() != 9 {
                return Err(Error::invalid(
                    "tier_grid",
                    "give a cell for each of the nine grades A1 .. C3",
                ));
            }
            rules.grid = grid;
        }
        if let Some(p) = self.pareto {
            rules.pareto =
                sherpa_core::prioritise::segments::ParetoSettings::new(p.shares, p.names)
                    .map_err(|e| Error::invalid("pareto", e.to_string()))?;
        }
        if let Some(labels) = self.nine_box_labels {
            rules.nine_box_labels = NineBoxLabels::new(labels).map_err(|e| {
                let field = match &e {
                    NineBoxError::Code(c) | NineBoxError::Label(c) => {
                        format!("nine_box_labels.{c}")
                    }
                    NineBoxError::Rating { .. } => "nine_box_labels".to_string(),
                };
                Error::invalid(&field, e.to_string())
            })?;
        }
        if let Some(c) = self.cadences {
            let settings = CadenceSettings {
                time_zone: c.time_zone,
                rules: c.rules,
            };
            settings
                .cadences()
                .map_err(|(key, e)| Error::invalid(&key, e.to_string()))?;
            rules.cadences = settings;
        }
        if let Some(st) = self.staffing {
            st.check()
                .map_err(|e| Error::invalid("staffing", e.to_string()))?;
            rules.staffing = st;
        }
        Ok(rules)
    }
}

impl App {
    /// Puts the rules in place of the ones in force, sections left out keeping their values;
    /// graded accounts follow a new grid at once.
    pub async fn set_prioritisation(
        &self,
        by: &Caller,
        config: PrioritisationConfig,
    ) -> Result<PrioritisationRules> {
        by.may(|u| u.may_manage_book())?;
        let rules = config.into_rules(self.store.prioritisation_rules().await?)?;
        Ok(self
            .store
            .set_prioritisation_rules(&by.actor(), &rules)
            .await?)
    }
}

impl App {
    /// Applies the Pareto segments the curve suggests to every account (leaders and admins).
    pub async fn apply_segments(&self, by: &Caller) -> Result<sherpa_store::SegmentApplication> {
        by.may(|u| u.may_manage_book())?;
        Ok(self.store.apply_segments(&by.actor()).await?)
    }
}
