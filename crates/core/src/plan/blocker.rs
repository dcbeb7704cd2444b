//! What stands between a customer and success: blockers, each classified in a dimension
//! (People, Product, Services, Quality by default; an admin adds others such as Network) and
//! optionally named from a shared library of labels, so that the same problem carries the same
//! name across accounts and the book's patterns can be counted.

use super::PlanOwner;
use crate::book::vocabulary;
use chrono::NaiveDate;

/// The dimensions every book starts with.
pub const DEFAULT_DIMENSIONS: [&str; 4] = ["People", "Product", "Services", "Quality"];

/// The longest dimension name or label.
const MAX_NAME: usize = 80;

vocabulary!(
    /// How hard a blocker holds the customer back.
    BlockerSeverity, "blocker severity" {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

vocabulary!(
    /// Whether a blocker still stands.
    BlockerStatus, "blocker status" {
        Open => "open",
        Resolved => "resolved",
    }
);

/// What is wrong with a blocker or a dimension, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BlockerError {
    pub field: &'static str,
    pub message: String,
}

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, BlockerError> {
    Err(BlockerError {
        field,
        message: message.into(),
    })
}

/// The dimensions blockers are classified in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimensions(Vec<String>);

impl Default for Dimensions {
    fn default() -> Self {
        Dimensions(DEFAULT_DIMENSIONS.iter().map(|d| d.to_string()).collect())
    }
}

impl Dimensions {
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// Adds a dimension (an admin's); a name already there, in any case, is refused.
    pub fn add(&mut self, name: &str) -> Result<(), BlockerError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return refuse(
                "dimension",
                format!("name it in 1 to {MAX_NAME} characters"),
            );
        }
        if self.find(name).is_some() {
            return refuse("dimension", format!("\"{name}\" is a dimension already"));
        }
        self.0.push(name.to_string());
        Ok(())
    }

    /// The dimension as the book spells it, whatever the case it was written in.
    pub fn find(&self, name: &str) -> Option<&str> {
        let key = label_key(name);
        self.0
            .iter()
            .find(|d| label_key(d) == key)
            .map(String::as_str)
    }

    /// The dimension, or an error listing the book's.
    pub fn parse(&self, name: &str) -> Result<String, BlockerError> {
        match self.find(name) {
            Some(d) => Ok(d.to_string()),
            None => refuse(
                "dimension",
                format!(
                    "\"{}\" is not a dimension; use {}",
                    name.trim(),
                    self.0.join(", ")
                ),
            ),
        }
    }
}

/// The key two labels share when they name the same problem: case, spacing and punctuation
/// aside ("SSO not configured" and "sso  not-configured").
pub fn label_key(label: &str) -> String {
    label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A name in the shared library of blockers, with the dimension it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockerLabel {
    pub label: String,
    pub dimension: String,
}

/// A blocker on an account's plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blocker {
    pub dimension: String,
    /// The shared library's name for the problem, when it has one.
    #[serde(default)]
    pub label: Option<String>,
    pub summary: String,
    pub severity: BlockerSeverity,
    pub status: BlockerStatus,
    #[serde(default)]
    pub owner: Option<PlanOwner>,
    /// When it was raised: the patterns count blockers by the quarters they stood in.
    pub raised_on: NaiveDate,
    #[serde(default)]
    pub resolved_on: Option<NaiveDate>,
    /// How it was resolved; required once it is.
    #[serde(default)]
    pub resolution: Option<String>,
    /// Kept from the customer's view of the plan.
    #[serde(default)]
    pub internal: bool,
}

impl Blocker {
    pub fn check(&self, dimensions: &Dimensions) -> Result<(), BlockerError> {
        dimensions.parse(&self.dimension)?;
        if self.summary.trim().is_empty() {
            return refuse("summary", "say what blocks the customer");
        }
        if self
            .label
            .as_deref()
            .is_some_and(|l| label_key(l).is_empty() || l.chars().count() > MAX_NAME)
        {
            return refuse("label", format!("a label is 1 to {MAX_NAME} characters"));
        }
        let resolved = self.status == BlockerStatus::Resolved;
        let explained = self
            .resolution
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        if resolved && !explained {
            return refuse("resolution", "say how it was resolved");
        }
        match self.resolved_on {
            None if resolved => refuse("resolved_on", "say when it was resolved"),
            Some(_) if !resolved => refuse(
                "resolved_on",
                "an open blocker has no resolution date; set status to resolved",
            ),
            Some(on) if on < self.raised_on => refuse(
                "resolved_on",
                format!("resolved before it was raised ({})", self.raised_on),
            ),
            _ => Ok(()),
        }
    }

    /// Whether it stood at any time from `start` to `end` (both included).
    pub fn stood_between(&self, start: NaiveDate, end: NaiveDate) -> bool {
        self.raised_on <= end && self.resolved_on.is_none_or(|r| r >= start)
    }

    /// The name the book counts it under: its label, else its summary.
    pub fn name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocker() -> Blocker {
        Blocker {
            dimension: "product".into(),
            label: Some("SSO not configured".into()),
            summary: "Their IT cannot roll out without SSO".into(),
            severity: BlockerSeverity::High,
            status: BlockerStatus::Open,
            owner: None,
            raised_on: "2026-02-01".parse().unwrap(),
            resolved_on: None,
            resolution: None,
            internal: false,
        }
    }

    #[test]
    fn the_same_problem_carries_the_same_label_key_across_accounts() {
        assert_eq!(
            label_key("SSO not configured"),
            label_key(" sso  not-configured.")
        );
        assert_ne!(label_key("SSO not configured"), label_key("SSO configured"));
    }

    #[test]
    fn dimensions_start_with_the_four_and_take_an_admins_own() {
        let mut d = Dimensions::default();
        assert_eq!(d.parse("PRODUCT").unwrap(), "Product");
        let e = d.parse("Network").unwrap_err();
        assert_eq!(e.field, "dimension");
        assert!(
            e.message.contains("People, Product, Services, Quality"),
            "{e}"
        );
        d.add("Network").unwrap();
        assert_eq!(d.parse("network").unwrap(), "Network");
        assert!(d.add("people").is_err(), "already there");
        assert!(d.add("  ").is_err());
    }

    #[test]
    fn a_blocker_is_refused_by_the_field_that_is_wrong() {
        let d = Dimensions::default();
        assert!(blocker().check(&d).is_ok());
        let mut b = blocker();
        b.dimension = "Weather".into();
        assert_eq!(b.check(&d).unwrap_err().field, "dimension");
        let mut b = blocker();
        b.summary = "".into();
        assert_eq!(b.check(&d).unwrap_err().field, "summary");
        let mut b = blocker();
        b.status = BlockerStatus::Resolved;
        assert_eq!(b.check(&d).unwrap_err().field, "resolution");
        b.resolution = Some("SAML set up with their IdP".into());
        assert_eq!(b.check(&d).unwrap_err().field, "resolved_on");
        b.resolved_on = Some("2026-01-02".parse().unwrap());
        assert_eq!(
            b.check(&d).unwrap_err().field,
            "resolved_on",
            "before raised"
        );
        b.resolved_on = Some("2026-03-02".parse().unwrap());
        assert!(b.check(&d).is_ok());
        assert!(b.stood_between("2026-01-01".parse().unwrap(), "2026-03-31".parse().unwrap()));
        assert!(!b.stood_between("2026-04-01".parse().unwrap(), "2026-06-30".parse().unwrap()));
        let mut b = blocker();
        b.label = Some("--".into());
        assert_eq!(b.check(&d).unwrap_err().field, "label");
    }
}
