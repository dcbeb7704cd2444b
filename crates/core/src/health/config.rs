//! Health as configuration: the scorecards, the ordered first-match rules that assign them
//! (the same rule list the engagement engine uses for its models) and the at-risk playbook
//! (seed 003: "empower CSMs with playbooks on how to engage at-risk accounts"). CS ops keeps it
//! in version control as the `[health]` part of the configuration file; a bad one names its key
//! and changes nothing.

use super::{Colour, METRICS, Scorecard, ScorecardError, default_rules, default_scorecard};
use crate::assignment::{self, AccountFacts, AssignmentRule};
use crate::book::{Lifecycle, OwnerFunction, Priority, vocabulary};
use serde::{Deserialize, Serialize};

/// Everything an admin sets about health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// Which scorecard judges an account: the first rule that holds; the last one holds for
    /// every account.
    pub rules: Vec<AssignmentRule>,
    pub scorecards: Vec<Scorecard>,
    #[serde(default)]
    pub at_risk_playbook: Playbook,
}

/// The tasks that open when an account turns to one of `colours`. One playbook is open per
/// account at a time; closing it records the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub colours: Vec<Colour>,
    pub tasks: Vec<PlaybookTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookTask {
    pub title: String,
    /// Whose task it is among the account's owners; the CSM when that function is vacant.
    pub owner: OwnerFunction,
    /// Days after the account turned.
    pub due_in_days: u32,
    pub priority: Priority,
}

vocabulary!(
    /// How an at-risk playbook ended, recorded by the person who closes it.
    PlaybookOutcome, "playbook outcome" {
        Recovered => "recovered",
        StillAtRisk => "still_at_risk",
        Churned => "churned",
        FalseAlarm => "false_alarm",
    }
);

/// Whether an account is scored on a day. A churned account's health is history, not a call to
/// act: it was scored while one of its terms ran, and is no longer once none runs or a person
/// marked it churned. Its last score stays in its history; no colour change, daily snapshot or
/// playbook follows.
pub fn scored_on(facts: &AccountFacts, term_running: bool) -> bool {
    facts.lifecycle != Some(Lifecycle::Churned) || term_running
}

/// Whether an account is scored today: a churned account is not, whatever its terms say, for
/// a person or the book marked it churned.
pub fn scored_now(facts: &AccountFacts) -> bool {
    scored_on(facts, false)
}

/// The longest a playbook task may wait.
pub const PLAYBOOK_MAX_DAYS: u32 = 365;

impl Default for Playbook {
    /// Seed 003's advice for an account at risk: find out why from the CSM's own view and the
    /// customer's, act on the cause, and bring in the people who can help.
    fn default() -> Self {
        let task = |title: &str, owner, due_in_days, priority| PlaybookTask {
            title: title.into(),
            owner,
            due_in_days,
            priority,
        };
        Playbook {
            colours: vec![Colour::Orange, Colour::Red],
            tasks: vec![
                task(
                    "Review the health factors that fell and set a CSM pulse",
                    OwnerFunction::Csm,
                    2,
                    Priority::High,
                ),
                task(
                    "Call the champion: confirm goals, blockers and sentiment",
                    OwnerFunction::Csm,
                    5,
                    Priority::High,
                ),
                task(
                    "Agree a recovery plan with the customer",
                    OwnerFunction::Csm,
                    14,
                    Priority::Normal,
                ),
                task(
                    "Executive sponsor check-in with the economic buyer",
                    OwnerFunction::ExecutiveSponsor,
                    21,
                    Priority::Normal,
                ),
            ],
        }
    }
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            rules: default_rules(),
            scorecards: vec![default_scorecard(), super::onboarding_scorecard()],
            at_risk_playbook: Playbook::default(),
        }
    }
}

impl HealthConfig {
    /// Checks everything; the error names the key (`scorecards[1].factors[0].metric`).
    pub fn check(&self) -> Result<(), ScorecardError> {
        let err = |key: String, message: String| Err(ScorecardError { key, message });
        if self.scorecards.is_empty() {
            return err("scorecards".into(), "give at least one scorecard".into());
        }
        for (i, card) in self.scorecards.iter().enumerate() {
            if let Err(e) = card.check() {
                return err(format!("scorecards[{i}].{}", e.key), e.message);
            }
            if self.scorecards[..i].iter().any(|c| c.name == card.name) {
                return err(
                    format!("scorecards[{i}].name"),
                    format!("two scorecards are named {:?}", card.name),
                );
            }
            for (j, f) in card.factors.iter().enumerate() {
                if !METRICS.iter().any(|m| m.key == f.metric) {
                    return err(
                        format!("scorecards[{i}].factors[{j}].metric"),
                        format!("no metric {:?} in the catalogue", f.metric),
                    );
                }
                if card.factors[..j].iter().any(|g| g.metric == f.metric) {
                    return err(
                        format!("scorecards[{i}].factors[{j}].metric"),
                        format!("{:?} is scored twice", f.metric),
                    );
                }
            }
        }
        let names: Vec<&str> = self.scorecards.iter().map(|c| c.name.as_str()).collect();
        if let Err(message) = assignment::check(&self.rules, &names) {
            // The message starts with its key: "rules[2].then: ...".
            let (key, message) = message.split_once(": ").unwrap_or(("rules", &message));
            return err(key.into(), message.into());
        }
        let p = &self.at_risk_playbook;
        if p.colours.contains(&Colour::Green) {
            return err(
                "at_risk_playbook.colours".into(),
                "a green account is not at risk: yellow, orange or red".into(),
            );
        }
        for (i, t) in p.tasks.iter().enumerate() {
            if t.title.trim().is_empty() {
                return err(
                    format!("at_risk_playbook.tasks[{i}].title"),
                    "a task needs a title".into(),
                );
            }
            if t.due_in_days > PLAYBOOK_MAX_DAYS {
                return err(
                    format!("at_risk_playbook.tasks[{i}].due_in_days"),
                    format!("at most {PLAYBOOK_MAX_DAYS} days"),
                );
            }
        }
        if !p.colours.is_empty() && p.tasks.is_empty() {
            return err(
                "at_risk_playbook.tasks".into(),
                "give at least one task, or no colours to switch the playbook off".into(),
            );
        }
        Ok(())
    }

    pub fn scorecard(&self, name: &str) -> Option<&Scorecard> {
        self.scorecards.iter().find(|c| c.name == name)
    }

    /// What differs from `before`, for the person who saves it: "scorecard Default",
    /// "rules", "at-risk playbook".
    pub fn changes_from(&self, before: &HealthConfig) -> Vec<String> {
        let mut out = Vec::new();
        if self.rules != before.rules {
            out.push("rules".to_string());
        }
        for card in &self.scorecards {
            match before.scorecard(&card.name) {
                None => out.push(format!("new scorecard {}", card.name)),
                Some(old) if old != card => out.push(format!("scorecard {}", card.name)),
                Some(_) => {}
            }
        }
        for old in &before.scorecards {
            if self.scorecard(&old.name).is_none() {
                out.push(format!("removed scorecard {}", old.name));
            }
        }
        if self.at_risk_playbook != before.at_risk_playbook {
            out.push("at-risk playbook".to_string());
        }
        out
    }

    /// Whether scores may differ from those `before` gave (the playbook alone changes none).
    pub fn rescores_from(&self, before: &HealthConfig) -> bool {
        self.rules != before.rules || self.scorecards != before.scorecards
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::ScoringRule;

    #[test]
    fn the_default_configuration_is_valid_and_reads_back_from_json() {
        let c = HealthConfig::default();
        c.check().unwrap();
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<HealthConfig>(&text).unwrap(), c);
    }

    #[test]
    fn a_churned_account_is_scored_only_on_days_a_term_ran() {
        let churned = AccountFacts {
            lifecycle: Some(Lifecycle::Churned),
            ..Default::default()
        };
        let customer = AccountFacts {
            lifecycle: Some(Lifecycle::Ongoing),
            ..Default::default()
        };
        assert!(scored_on(&churned, true) && !scored_on(&churned, false));
        assert!(!scored_now(&churned));
        assert!(scored_now(&customer) && scored_now(&AccountFacts::default()));
    }

    #[test]
    fn a_bad_configuration_names_its_key() {
        let key = |c: &HealthConfig| c.check().unwrap_err().key;
        let mut c = HealthConfig::default();
        c.scorecards[1].factors[0].metric = "vibes".into();
        assert_eq!(key(&c), "scorecards[1].factors[0].metric");

        let mut c = HealthConfig::default();
        c.scorecards[0].factors[2].rule = ScoringRule::Linear {
            zero: 1.0,
            full: 1.0,
        };
        assert_eq!(key(&c), "scorecards[0].factors[2].rule");

        let mut c = HealthConfig::default();
        c.scorecards[1].name = "Default".into();
        assert_eq!(key(&c), "scorecards[1].name");

        let mut c = HealthConfig::default();
        c.rules[0].then = "Gone".into();
        assert_eq!(key(&c), "rules[0].then");
        c.rules.truncate(1);
        c.rules[0].then = "Onboarding".into();
        assert_eq!(key(&c), "rules");

        let mut c = HealthConfig::default();
        c.at_risk_playbook.tasks[1].due_in_days = 400;
        assert_eq!(key(&c), "at_risk_playbook.tasks[1].due_in_days");
        c.at_risk_playbook.colours.push(Colour::Green);
        assert_eq!(key(&c), "at_risk_playbook.colours");
    }

    #[test]
    fn changes_name_what_an_edit_touched() {
        let before = HealthConfig::default();
        let mut after = before.clone();
        after.scorecards[0].factors[0].weight = 5.0;
        assert_eq!(after.changes_from(&before), ["scorecard Default"]);
        assert!(after.rescores_from(&before));
        let mut only_playbook = before.clone();
        only_playbook.at_risk_playbook.tasks.pop();
        assert_eq!(only_playbook.changes_from(&before), ["at-risk playbook"]);
        assert!(!only_playbook.rescores_from(&before));
    }
}
