//! What the strategic feature adoption series counts: the features of the catalogue a leader
//! picked as strategic (kept in the revenue settings, like any configuration), or every
//! high-value feature while none is picked.

use crate::{App, Caller, Error, Result};
use std::collections::BTreeMap;

/// The catalogue's features, which are high-value, and which a leader picked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrategicFeatures {
    /// Each feature of the catalogue (several events may make one) and whether any of its
    /// events is high-value, by name.
    pub catalogue: BTreeMap<String, bool>,
    /// The picked features, as the settings name them.
    pub picked: Vec<String>,
}

impl StrategicFeatures {
    /// The features adoption is counted on now.
    pub fn counted(&self) -> Vec<&str> {
        if self.picked.is_empty() {
            return self
                .catalogue
                .iter()
                .filter(|(_, high)| **high)
                .map(|(f, _)| f.as_str())
                .collect();
        }
        self.picked.iter().map(String::as_str).collect()
    }

    /// In words: "Dashboards, Exports (picked)" or "...(every high-value feature)".
    pub fn words(&self) -> String {
        let counted = self.counted();
        match (counted.is_empty(), self.picked.is_empty()) {
            (true, _) => "no feature of the catalogue is high-value and none is picked".into(),
            (false, true) => format!("{} (every high-value feature)", counted.join(", ")),
            (false, false) => format!("{} (picked as strategic)", counted.join(", ")),
        }
    }
}

impl App {
    /// The catalogue's features and the strategic ones picked.
    pub async fn strategic_features(&self) -> Result<StrategicFeatures> {
        let mut catalogue: BTreeMap<String, bool> = BTreeMap::new();
        for (_, feature, high) in self.store.feature_catalog().await? {
            *catalogue.entry(feature).or_default() |= high;
        }
        Ok(StrategicFeatures {
            catalogue,
            picked: self.store.revenue_config().await?.strategic_features,
        })
    }

    /// Picks the strategic features (none: every high-value feature counts): leaders and
    /// admins. Each must be a feature of the catalogue. Kept as a new version of the revenue
    /// settings; actuals already recorded stay as they were counted.
    pub async fn set_strategic_features(&self, by: &Caller, features: &[String]) -> Result<()> {
        by.may(|u| u.may_manage_book())?;
        self.unknown_feature(features)
            .await?
            .map_or(Ok(()), |e| Err(Error::invalid("strategic_features", e)))?;
        let mut picked: Vec<String> = Vec::new();
        for f in features.iter().map(|f| f.trim()) {
            if !picked.iter().any(|p| p == f) {
                picked.push(f.to_string());
            }
        }
        let mut config = self.store.revenue_config().await?;
        config.strategic_features = picked;
        config
            .check()
            .map_err(|e| Error::invalid("strategic_features", e))?;
        self.store.set_revenue_config(&by.actor(), &config).await?;
        Ok(())
    }

    /// The first name that is not a feature of the catalogue, in words.
    pub(crate) async fn unknown_feature(&self, names: &[String]) -> Result<Option<String>> {
        let known = self.strategic_features().await?.catalogue;
        Ok(names
            .iter()
            .map(|f| f.trim())
            .find(|f| !known.contains_key(*f))
            .map(|f| format!("\"{f}\" is not a feature of the catalogue")))
    }
}
