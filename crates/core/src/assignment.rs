//! Ordered first-match rules that give each account one thing by its tier, Pareto segment and
//! lifecycle stage: a health scorecard now, an engagement model later (issue 7 reuses this). An
//! onboarding account is not judged like a mature one.

use crate::book::Lifecycle;
use crate::prioritise::Tier;
use serde::{Deserialize, Serialize};

/// What the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccountFacts {
    pub tier: Option<Tier>,
    pub segment: Option<u8>,
    pub lifecycle: Option<Lifecycle>,
}

impl From<&crate::book::Account> for AccountFacts {
    fn from(a: &crate::book::Account) -> Self {
        AccountFacts {
            tier: a.priority.tier,
            segment: a.priority.segment,
            lifecycle: a.fields.lifecycle,
        }
    }
}

/// Every condition given must hold; a rule with none matches every account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
}

impl Condition {
    pub fn holds(&self, f: &AccountFacts) -> bool {
        self.tier.is_none_or(|t| f.tier.map(Tier::get) == Some(t))
            && self.segment.is_none_or(|s| f.segment == Some(s))
            && self.lifecycle.is_none_or(|l| f.lifecycle == Some(l))
    }

    /// "lifecycle onboarding", "tier 1 and segment 2", or "every account".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.lifecycle {
            parts.push(format!("lifecycle {}", l.as_str()));
        }
        if let Some(t) = self.tier {
            parts.push(format!("tier {t}"));
        }
        if let Some(s) = self.segment {
            parts.push(format!("segment {s}"));
        }
        if parts.is_empty() {
            "every account".into()
        } else {
            parts.join(" and ")
        }
    }
}

/// One rule: accounts the condition holds for get `then` (a scorecard's or a model's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRule {
    #[serde(default)]
    pub when: Condition,
    pub then: String,
}

/// The first rule that holds, with its position (1-based) and why, for the page that shows
/// which scorecard or model an account follows.
pub fn first_match<'a>(
    rules: &'a [AssignmentRule],
    f: &AccountFacts,
) -> Option<(usize, &'a AssignmentRule)> {
    rules
        .iter()
        .enumerate()
        .find(|(_, r)| r.when.holds(f))
        .map(|(i, r)| (i + 1, r))
}

/// Checks that every rule names a known target and that the last one catches every account,
/// so that no account is left without. The error names the rule.
pub fn check(rules: &[AssignmentRule], known: &[&str]) -> Result<(), String> {
    for (i, r) in rules.iter().enumerate() {
        if !known.contains(&r.then.as_str()) {
            return Err(format!(
                "rules[{i}].then: no scorecard or model named {:?}",
                r.then
            ));
        }
        if r.when.tier.is_some_and(|t| !(1..=3).contains(&t)) {
            return Err(format!("rules[{i}].when.tier: 1, 2 or 3"));
        }
    }
    match rules.last() {
        Some(r) if r.when == Condition::default() => Ok(()),
        _ => Err("rules: end with a rule without conditions, so every account gets one".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<AssignmentRule> {
        vec![
            AssignmentRule {
                when: Condition {
                    lifecycle: Some(Lifecycle::Onboarding),
                    ..Default::default()
                },
                then: "Onboarding".into(),
            },
            AssignmentRule {
                when: Condition {
                    tier: Some(1),
                    segment: Some(1),
                    ..Default::default()
                },
                then: "Strategic".into(),
            },
            AssignmentRule {
                when: Condition::default(),
                then: "Default".into(),
            },
        ]
    }

    #[test]
    fn the_first_rule_that_holds_wins_and_says_why() {
        let r = rules();
        let onboarding = AccountFacts {
            tier: Tier::new(1),
            segment: Some(1),
            lifecycle: Some(Lifecycle::Onboarding),
        };
        let (n, rule) = first_match(&r, &onboarding).unwrap();
        assert_eq!(
            (n, rule.then.as_str(), rule.when.describe()),
            (1, "Onboarding", "lifecycle onboarding".to_string())
        );
        let strategic = AccountFacts {
            lifecycle: Some(Lifecycle::Ongoing),
            ..onboarding
        };
        assert_eq!(first_match(&r, &strategic).unwrap().1.then, "Strategic");
        let tier_1_elsewhere = AccountFacts {
            segment: Some(2),
            ..strategic
        };
        let (n, rule) = first_match(&r, &tier_1_elsewhere).unwrap();
        assert_eq!((n, rule.when.describe()), (3, "every account".to_string()));
    }

    #[test]
    fn rules_name_known_targets_and_end_with_a_catch_all() {
        assert!(check(&rules(), &["Onboarding", "Strategic", "Default"]).is_ok());
        assert!(
            check(&rules(), &["Onboarding", "Default"])
                .unwrap_err()
                .starts_with("rules[1].then")
        );
        let mut open_ended = rules();
        open_ended.pop();
        assert!(
            check(&open_ended, &["Onboarding", "Strategic"])
                .unwrap_err()
                .starts_with("rules: end with")
        );
    }
}
