//! The revenue settings a CS-ops admin keeps as code (`[revenue]` in the configuration file):
//! which MEDDICC elements the team qualifies renewals on, the competitors it tracks, the
//! renewal chances a leader set by hand in the forecast's probability table, and the strategic
//! features whose adoption the forecast page tracks.

use super::calibration::{Band, ColourKey, ProbabilityEdit};
use super::meddicc::MeddiccSwitches;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The longest competitor name, and how many a list holds.
pub const COMPETITOR_NAME_MAX: usize = 120;
pub const COMPETITORS_MAX: usize = 200;
/// How many strategic features a leader may pick.
pub const STRATEGIC_FEATURES_MAX: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevenueConfig {
    #[serde(default)]
    pub meddicc: MeddiccSwitches,
    /// The competitors an account can mention, by name.
    #[serde(default)]
    pub competitors: Vec<String>,
    /// Cells of the probability table set by hand; the others are learned.
    #[serde(default)]
    pub probabilities: Vec<ProbabilityEdit>,
    /// The features of the catalogue (by name) whose adoption is tracked as a series; none
    /// picked, every high-value feature counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strategic_features: Vec<String>,
}

impl RevenueConfig {
    /// The first wrong key, named by its path.
    pub fn check(&self) -> Result<(), String> {
        if self.competitors.len() > COMPETITORS_MAX {
            return Err(format!("competitors: at most {COMPETITORS_MAX}"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.competitors.iter().enumerate() {
            let name = c.trim();
            if name.is_empty() {
                return Err(format!("competitors[{i}]: a name is needed"));
            }
            if name.chars().count() > COMPETITOR_NAME_MAX {
                return Err(format!(
                    "competitors[{i}]: at most {COMPETITOR_NAME_MAX} characters"
                ));
            }
            if !seen.insert(name.to_lowercase()) {
                return Err(format!("competitors[{i}]: \"{name}\" is listed twice"));
            }
        }
        if self.strategic_features.len() > STRATEGIC_FEATURES_MAX {
            return Err(format!(
                "strategic_features: at most {STRATEGIC_FEATURES_MAX}"
            ));
        }
        let mut picked = std::collections::HashSet::new();
        for (i, f) in self.strategic_features.iter().enumerate() {
            if f.trim().is_empty() {
                return Err(format!("strategic_features[{i}]: a feature name is needed"));
            }
            if !picked.insert(f.trim()) {
                return Err(format!(
                    "strategic_features[{i}]: \"{}\" is listed twice",
                    f.trim()
                ));
            }
        }
        let mut cells = std::collections::HashSet::new();
        for (i, p) in self.probabilities.iter().enumerate() {
            let (colour, band, _) = p.parse().map_err(|e| format!("probabilities[{i}]: {e}"))?;
            if !cells.insert((colour, band)) {
                return Err(format!(
                    "probabilities[{i}]: {} at {} months is set twice",
                    p.colour, p.months
                ));
            }
        }
        Ok(())
    }

    /// The cells set by hand (the configuration is checked before it is saved).
    pub fn probability_edits(&self) -> Vec<(ColourKey, Band, Decimal)> {
        self.probabilities
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// The listed competitor with this name, whatever its case.
    pub fn competitor(&self, name: &str) -> Option<&str> {
        let wanted = name.trim().to_lowercase();
        self.competitors
            .iter()
            .map(|c| c.trim())
            .find(|c| c.to_lowercase() == wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competitors_are_named_once_and_found_whatever_their_case() {
        let mut c = RevenueConfig {
            competitors: vec!["Rival Co".into(), "Other Inc".into()],
            ..Default::default()
        };
        assert!(c.check().is_ok());
        assert_eq!(c.competitor("rival co"), Some("Rival Co"));
        assert_eq!(c.competitor("Nobody"), None);
        c.competitors.push(" RIVAL CO ".into());
        assert_eq!(
            c.check().unwrap_err(),
            "competitors[2]: \"RIVAL CO\" is listed twice"
        );
    }

    #[test]
    fn strategic_features_are_named_once() {
        let mut c = RevenueConfig {
            strategic_features: vec!["Dashboards".into(), " ".into()],
            ..Default::default()
        };
        assert_eq!(
            c.check().unwrap_err(),
            "strategic_features[1]: a feature name is needed"
        );
        c.strategic_features[1] = "Dashboards".into();
        assert_eq!(
            c.check().unwrap_err(),
            "strategic_features[1]: \"Dashboards\" is listed twice"
        );
        c.strategic_features.pop();
        assert!(c.check().is_ok());
        // Written to the configuration file only when picked.
        let toml = toml::to_string(&RevenueConfig::default()).unwrap();
        assert!(!toml.contains("strategic_features"), "{toml}");
    }
}
