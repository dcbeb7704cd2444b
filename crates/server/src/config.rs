//! Configuration as code: the prioritisation rules (grade bounds, tier grid, Pareto shares,
//! 9-box labels, cadences, staffing) and health (scorecards, the rules that assign them, the
//! at-risk playbook) as one TOML file CS ops keeps in version control. The prioritisation part
//! has the shape of `GET /api/v1/prioritisation`, the `[health]` part that of
//! `GET /api/v1/health/config`, and importing goes through the same checks as a PUT there: a
//! bad file changes nothing and names its bad key.

use crate::AppError;
use crate::handlers::priorities::{
    CadencesDto, GradeBoundsDto, ParetoSettingsDto, PrioritisationDto,
};
use serde::{Deserialize, Serialize};
use sherpa_core::Actor;
use sherpa_core::health::HealthConfig;
use sherpa_core::prioritise::StaffingSettings;
use sherpa_store::{PrioritisationRules, Store};
use std::collections::BTreeMap;

const HEADER: &str = "# Sherpa configuration: the prioritisation rules of seeds 000-003 and health.\n\
# Edit, keep in version control, and load with `sherpa config import FILE` (try --dry-run first).\n\
# grade_bounds: potential value in the book's currency; tier_grid: \"1\", \"2\", \"3\" or a cell\n\
# between two tiers (\"1-2\", \"2-3\") that a person decides; pareto: revenue shares in percent;\n\
# nine_box_labels: by \"relationship-upsell\"; cadences: RFC 5545 RRULE per tier;\n\
# staffing: CSM hours a year, the share for accounts, and each tier's plan in hours.\n\
# health.rules: the first whose `when` (tier, segment, lifecycle) holds picks the scorecard;\n\
# health.scorecards: factors of a catalogue metric, a rule (bands or linear) and a weight;\n\
# health.at_risk_playbook: the tasks that open when an account turns to one of its colours.\n\n";

/// The file: the prioritisation sections and `[health]`, each optional. The prioritisation
/// fields are spelled out again rather than `#[serde(flatten)]`ed from [`PrioritisationDto`]:
/// serde cannot refuse unknown keys through a flatten, and a misspelt section must be refused
/// with its line.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    grade_bounds: Option<GradeBoundsDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier_grid: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pareto: Option<ParetoSettingsDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nine_box_labels: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cadences: Option<CadencesDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    staffing: Option<StaffingSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<HealthConfig>,
}

impl ConfigFile {
    fn new(p: PrioritisationDto, health: HealthConfig) -> Self {
        ConfigFile {
            grade_bounds: p.grade_bounds,
            tier_grid: p.tier_grid,
            pareto: p.pareto,
            nine_box_labels: p.nine_box_labels,
            cadences: p.cadences,
            staffing: p.staffing,
            health: Some(health),
        }
    }

    fn split(self) -> (PrioritisationDto, Option<HealthConfig>) {
        (
            PrioritisationDto {
                grade_bounds: self.grade_bounds,
                tier_grid: self.tier_grid,
                pareto: self.pareto,
                nine_box_labels: self.nine_box_labels,
                cadences: self.cadences,
                staffing: self.staffing,
            },
            self.health,
        )
    }
}

/// toml's message, with the line it points at (which holds the key).
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let content = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line} ({content}): {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// The health configuration alone as TOML (its keys at the top: `rules`, `scorecards`,
/// `at_risk_playbook`), for the settings page's editor.
pub fn health_toml(config: &HealthConfig) -> String {
    toml::to_string(config).expect("plain data")
}

/// Reads and checks what [`health_toml`] writes; the error names the line or the key.
pub fn parse_health(text: &str) -> Result<HealthConfig, String> {
    let config: HealthConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    config
        .check()
        .map_err(|e| format!("{}: {}", e.key, e.message))?;
    Ok(config)
}

/// The configuration in force as TOML.
pub async fn export(store: &Store) -> anyhow::Result<String> {
    let file = ConfigFile::new(
        store.prioritisation_rules().await?.into(),
        store.health_config().await?,
    );
    Ok(format!("{HEADER}{}", toml::to_string(&file)?))
}

/// What an import changed (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The sections whose values differ from those in force ("tier_grid", "health: scorecard
    /// Default").
    pub changed: Vec<String>,
    pub applied: bool,
}

/// A configuration file read and checked; a section left out keeps its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub rules: PrioritisationRules,
    pub health: HealthConfig,
}

/// Reads a configuration file; a section left out keeps its value. The error names the key.
pub fn parse(
    text: &str,
    current: PrioritisationRules,
    health: HealthConfig,
) -> Result<Parsed, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    let (dto, new_health) = file.split();
    let rules = dto.into_rules(current).map_err(|e| match e {
        AppError::BadRequest {
            field: Some(f),
            message,
        } => format!("{f}: {message}"),
        other => format!("{other:?}"),
    })?;
    let health = new_health.unwrap_or(health);
    health
        .check()
        .map_err(|e| format!("health.{}: {}", e.key, e.message))?;
    Ok(Parsed { rules, health })
}

/// Imports a configuration file: all of it or, on any error, nothing.
pub async fn import(
    store: &Store,
    actor: &Actor,
    text: &str,
    dry_run: bool,
) -> anyhow::Result<ImportOutcome> {
    let current = store.prioritisation_rules().await?;
    let current_health = store.health_config().await?;
    let new =
        parse(text, current.clone(), current_health.clone()).map_err(|e| anyhow::anyhow!(e))?;
    let mut changed: Vec<String> = Vec::new();
    let rules = &new.rules;
    for (differs, name) in [
        (rules.bounds != current.bounds, "grade_bounds"),
        (rules.grid != current.grid, "tier_grid"),
        (rules.pareto != current.pareto, "pareto"),
        (
            rules.nine_box_labels != current.nine_box_labels,
            "nine_box_labels",
        ),
        (rules.cadences != current.cadences, "cadences"),
        (rules.staffing != current.staffing, "staffing"),
    ] {
        if differs {
            changed.push(name.into());
        }
    }
    let prioritisation_changed = !changed.is_empty();
    let health_changes = new.health.changes_from(&current_health);
    changed.extend(health_changes.iter().map(|c| format!("health: {c}")));
    let applied = !dry_run && !changed.is_empty();
    if applied {
        // Prioritisation first: a changed tier grid moves tiers, which assign scorecards.
        if prioritisation_changed {
            store.set_prioritisation_rules(actor, rules).await?;
        }
        if !health_changes.is_empty() {
            store.set_health_config(actor, &new.health).await?;
        }
    }
    Ok(ImportOutcome { changed, applied })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_changes_its_sections_and_keeps_the_others() {
        let rules = parse(
            "[pareto]\nshares = [40, 70]\nnames = [\"Top\", \"Middle\", \"Tail\"]\n",
            PrioritisationRules::default(),
            HealthConfig::default(),
        )
        .unwrap()
        .rules;
        assert_eq!(rules.pareto.shares, vec![40, 70]);
        assert_eq!(rules.grid, PrioritisationRules::default().grid);
    }

    #[test]
    fn a_bad_file_names_its_bad_key() {
        let bad = |text: &str| {
            parse(
                text,
                PrioritisationRules::default(),
                HealthConfig::default(),
            )
            .unwrap_err()
        };
        assert!(
            bad("[tier_grid]\nA1 = \"4\"\n").starts_with("tier_grid"),
            "{}",
            bad("[tier_grid]\nA1 = \"4\"\n")
        );
        let e = bad("[pareto]\nshares = [75, 45]\nnames = [\"a\", \"b\", \"c\"]\n");
        assert!(e.starts_with("pareto: shares must rise"), "{e}");
        let e = bad("[cadences]\ntime_zone = \"UTC\"\n[cadences.rules]\n2 = \"FREQ=SOMETIMES\"\n");
        assert!(e.starts_with("cadences.rules.2"), "{e}");
        let e = bad("[grade_bounds]\na_above = \"50000\"\nb_from = \"10000\"\ncolour = \"red\"\n");
        assert!(e.contains("line 4") && e.contains("colour"), "{e}");
        let e = bad("[tiers]\nA1 = \"1\"\n");
        assert!(e.contains("line 1") && e.contains("tiers"), "{e}");
    }

    #[test]
    fn an_exported_file_reads_back_as_the_same_rules() {
        let mut health = HealthConfig::default();
        health.scorecards[0].factors[1].weight = 7.5;
        let file = ConfigFile::new(PrioritisationRules::default().into(), health.clone());
        let text = toml::to_string(&file).unwrap();
        let back = parse(
            &text,
            PrioritisationRules::default(),
            HealthConfig::default(),
        )
        .unwrap();
        assert_eq!(back.rules, PrioritisationRules::default());
        assert_eq!(back.health, health);
    }

    #[test]
    fn a_bad_health_section_names_its_key() {
        let mut health = HealthConfig::default();
        health.scorecards[1].factors[0].weight = 0.0;
        let file = ConfigFile {
            health: Some(health),
            ..Default::default()
        };
        let text = toml::to_string(&file).unwrap();
        let e = parse(
            &text,
            PrioritisationRules::default(),
            HealthConfig::default(),
        )
        .unwrap_err();
        assert!(
            e.starts_with("health.scorecards[1].factors[0].weight"),
            "{e}"
        );
        let e = parse(
            "[health]\nrules = []\nscorecards = []\ncolour = 1\n",
            PrioritisationRules::default(),
            HealthConfig::default(),
        )
        .unwrap_err();
        assert!(e.contains("line 4") && e.contains("colour"), "{e}");
    }
}
