//! The adoption matrix: accounts by the product's features (grouped into functions) and by its
//! offerings. Each cell says whether the account's people use a feature (and what share of its
//! seats do), pays for it and does not use it (whitespace to re-engage), or has not bought it.
//! Which offerings entitle which features is configuration kept beside the feature catalogue:
//! a feature no offering names is part of every one.

mod xlsx;

pub use xlsx::*;

use crate::effectiveness::FeatureUse;
use serde::{Deserialize, Serialize};

/// What an admin says of one feature of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSetting {
    pub feature: String,
    /// The function it serves ("Reporting", "Automation"): the matrix groups columns by it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub function: String,
    /// The offerings (contract products) that entitle it; none: every offering does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
}

/// The adoption configuration: functions and entitlements of the catalogue's features.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptionConfig {
    #[serde(default)]
    pub features: Vec<FeatureSetting>,
}

/// What a function is called when no one named one.
pub const OTHER_FUNCTION: &str = "Other";

impl AdoptionConfig {
    /// Checks it; the error names the key (`features[2].products[0]`).
    pub fn check(&self) -> Result<(), String> {
        for (i, f) in self.features.iter().enumerate() {
            if f.feature.trim().is_empty() {
                return Err(format!("features[{i}].feature: name the feature"));
            }
            if self.features[..i].iter().any(|g| g.feature == f.feature) {
                return Err(format!(
                    "features[{i}].feature: {:?} is set twice",
                    f.feature
                ));
            }
            for (j, p) in f.products.iter().enumerate() {
                if p.trim().is_empty() {
                    return Err(format!("features[{i}].products[{j}]: name the offering"));
                }
            }
        }
        Ok(())
    }

    pub fn setting(&self, feature: &str) -> Option<&FeatureSetting> {
        self.features.iter().find(|f| f.feature == feature)
    }

    /// The matrix's feature columns: every feature of the catalogue, by function (named ones
    /// first, in the order first named) then by name.
    pub fn columns<'a>(&self, catalogue: impl IntoIterator<Item = &'a str>) -> Vec<Column> {
        let mut functions: Vec<String> = Vec::new();
        for f in &self.features {
            if !f.function.is_empty() && !functions.contains(&f.function) {
                functions.push(f.function.clone());
            }
        }
        let mut out: Vec<Column> = catalogue
            .into_iter()
            .map(|feature| {
                let s = self.setting(feature);
                Column {
                    feature: feature.to_string(),
                    function: s
                        .map(|s| s.function.clone())
                        .filter(|f| !f.is_empty())
                        .unwrap_or_else(|| OTHER_FUNCTION.to_string()),
                    products: s.map(|s| s.products.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let rank = |f: &str| functions.iter().position(|g| g == f).unwrap_or(usize::MAX);
        out.sort_by(|a, b| {
            (rank(&a.function), &a.function, &a.feature).cmp(&(
                rank(&b.function),
                &b.function,
                &b.feature,
            ))
        });
        out.dedup_by(|a, b| a.feature == b.feature);
        out
    }
}

/// One feature column of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub feature: String,
    pub function: String,
    /// The offerings that entitle it; empty: all.
    pub products: Vec<String>,
}

impl Column {
    /// Whether an account owning `owned` offerings is entitled to the feature.
    pub fn entitled(&self, owned: &[String]) -> bool {
        self.products.is_empty()
            || self
                .products
                .iter()
                .any(|p| owned.iter().any(|o| o.eq_ignore_ascii_case(p)))
    }
}

/// A cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Cell {
    /// Used in the last 30 days by `users` people: `share` percent of the seats, when known.
    Used { users: u32, share: Option<f64> },
    /// Paid for and not used in 30 days: whitespace to re-engage.
    Unused,
    /// Not part of what the account bought.
    NotEntitled,
    /// Its usage never reached Sherpa: nothing is known.
    Unknown,
}

impl Cell {
    pub fn state(&self) -> &'static str {
        match self {
            Cell::Used { .. } => "used",
            Cell::Unused => "unused",
            Cell::NotEntitled => "not_entitled",
            Cell::Unknown => "unknown",
        }
    }
}

/// An account's cells, one per column.
pub fn cells(columns: &[Column], owned: &[String], used: Option<&FeatureUse>) -> Vec<Cell> {
    columns
        .iter()
        .map(|c| match used {
            None => Cell::Unknown,
            Some(u) => match u.users_of(&c.feature) {
                0 if c.entitled(owned) => Cell::Unused,
                0 => Cell::NotEntitled,
                users => Cell::Used {
                    users,
                    share: u.seat_share(&c.feature).map(|s| s.min(100.0)),
                },
            },
        })
        .collect()
}

/// Whitespace: the features an account pays for and does not use; none when its usage is
/// not known.
pub fn whitespace(cells: &[Cell]) -> Option<usize> {
    if cells.contains(&Cell::Unknown) {
        return None;
    }
    Some(cells.iter().filter(|c| **c == Cell::Unused).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config() -> AdoptionConfig {
        AdoptionConfig {
            features: vec![
                FeatureSetting {
                    feature: "Forecast Run".into(),
                    function: "Planning".into(),
                    products: vec!["Enterprise".into()],
                },
                FeatureSetting {
                    feature: "Report Built".into(),
                    function: "Reporting".into(),
                    products: vec![],
                },
            ],
        }
    }

    #[test]
    fn cells_say_used_paid_for_and_unused_or_not_bought() {
        let columns = config().columns(["Report Built", "Forecast Run", "Export Created"]);
        let order: Vec<&str> = columns.iter().map(|c| c.feature.as_str()).collect();
        assert_eq!(order, ["Forecast Run", "Report Built", "Export Created"]);
        assert_eq!(columns[2].function, OTHER_FUNCTION);
        let used = FeatureUse {
            seats: Some(20),
            users: BTreeMap::from([("Report Built".to_string(), 5)]),
        };
        let standard = cells(&columns, &["Standard".into()], Some(&used));
        assert_eq!(
            standard,
            [
                Cell::NotEntitled,
                Cell::Used {
                    users: 5,
                    share: Some(25.0)
                },
                Cell::Unused
            ]
        );
        assert_eq!(whitespace(&standard), Some(1));
        let enterprise = cells(&columns, &["enterprise".into()], Some(&used));
        assert_eq!(
            enterprise[0],
            Cell::Unused,
            "offerings match whatever their case"
        );
        assert_eq!(whitespace(&enterprise), Some(2));
        let unknown = cells(&columns, &[], None);
        assert!(unknown.iter().all(|c| *c == Cell::Unknown));
        assert_eq!(whitespace(&unknown), None);
    }

    #[test]
    fn a_bad_configuration_names_its_key() {
        let mut c = config();
        c.features[1].feature = "Forecast Run".into();
        assert!(c.check().unwrap_err().starts_with("features[1].feature"));
        let mut c = config();
        c.features[0].products.push(" ".into());
        assert!(
            c.check()
                .unwrap_err()
                .starts_with("features[0].products[1]")
        );
    }
}
