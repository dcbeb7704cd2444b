//! Configuration as code: the prioritisation rules (grade bounds, tier grid, Pareto shares,
//! 9-box labels, cadences, staffing), health (scorecards, the rules that assign them, the
//! at-risk playbook) and engagement (models, the rules that assign them) as one TOML file CS
//! ops keeps in version control. The prioritisation part has the shape of
//! `GET /api/v1/prioritisation`, `[health]` that of `GET /api/v1/health/config`,
//! `[engagement]` that of `GET /api/v1/engagement/config`, and importing goes through the same
//! checks as a PUT there: a bad file changes nothing and names its bad key.

use crate::{
    App, CadencesConfig, Caller, Error, GradeBoundsConfig, ParetoConfig, PrioritisationConfig,
    Result,
};
use serde::{Deserialize, Serialize};
use sherpa_core::effectiveness::EffectivenessConfig;
use sherpa_core::engagement::EngagementConfig;
use sherpa_core::health::HealthConfig;
use sherpa_core::plan::PlansConfig;
use sherpa_core::prioritise::StaffingSettings;
use sherpa_core::revenue::RevenueConfig;
use sherpa_store::PrioritisationRules;
use std::collections::BTreeMap;

const HEADER: &str = "# Sherpa configuration: prioritisation rules (grades, tiers, segments, cadences, staffing), health and engagement.\n\
# Edit, keep in version control, and load with `sherpa config import FILE` (try --dry-run first).\n\
# grade_bounds: potential value in the book's currency; tier_grid: \"1\", \"2\", \"3\" or a cell\n\
# between two tiers (\"1-2\", \"2-3\") that a person decides; pareto: revenue shares in percent;\n\
# nine_box_labels: by \"relationship-upsell\"; cadences: RFC 5545 RRULE per tier;\n\
# staffing: CSM hours a year, the share for accounts, and each tier's plan in hours.\n\
# health.rules: the first whose `when` (tier, segment, lifecycle) holds picks the scorecard;\n\
# health.scorecards: factors of a catalogue metric, a rule (bands or linear) and a weight;\n\
# health.at_risk_playbook: the tasks that open when an account turns to one of its colours.\n\
# engagement.rules: the first whose `when` holds picks the engagement model; engagement.models:\n\
# onboarding milestones (due_days from the contract start, completed_by a signal or a person)\n\
# and moments (`when`: every = RRULE, tier_cadence, customer_day, contract_day,\n\
# renewal_in_days, or an event) with an owner function and an objective, and optionally an\n\
# email (to roles, subject and body templates) or a webhook, each a dry run until live = true.\n\
# plans.dimensions: blocker dimensions beyond People, Product, Services, Quality; plans.labels:\n\
# the shared names of common blockers; plans.templates: a model customer per tier or segment\n\
# (success, value drivers, objectives with unit and months to target, steps, blockers to watch).\n\
# revenue.meddicc: decision_process and decision_criteria on or off for renewal qualification;\n\
# revenue.competitors: the competitors an account can mention.\n\
# effectiveness.rules: the first whose `when` holds picks the effectiveness model;\n\
# effectiveness.models: 3 to 7 phases, each with behaviours measured by a feature (users_at_least\n\
# or seats_percent_at_least in 30 days) or a health metric (at_least, at_most); met_percent: the\n\
# share of a phase's behaviours that reaches it (100: all); phase_days: the days an account is\n\
# given to reach its next phase from reaching its own (90 unless said).\n\n";

/// The file: the prioritisation sections and `[health]`, each optional. The prioritisation
/// fields are spelled out again rather than `#[serde(flatten)]`ed from [`PrioritisationConfig`]:
/// serde cannot refuse unknown keys through a flatten, and a misspelt section must be refused
/// with its line.
#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    grade_bounds: Option<GradeBoundsConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier_grid: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pareto: Option<ParetoConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nine_box_labels: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cadences: Option<CadencesConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    staffing: Option<StaffingSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<HealthConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    engagement: Option<EngagementConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plans: Option<PlansConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revenue: Option<RevenueConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effectiveness: Option<EffectivenessConfig>,
}

impl ConfigFile {
    fn new(
        p: PrioritisationConfig,
        health: HealthConfig,
        engagement: EngagementConfig,
        plans: PlansConfig,
        revenue: RevenueConfig,
        effectiveness: EffectivenessConfig,
    ) -> Self {
        ConfigFile {
            grade_bounds: p.grade_bounds,
            tier_grid: p.tier_grid,
            pareto: p.pareto,
            nine_box_labels: p.nine_box_labels,
            cadences: p.cadences,
            staffing: p.staffing,
            health: Some(health),
            engagement: Some(engagement),
            plans: Some(plans),
            revenue: Some(revenue),
            effectiveness: Some(effectiveness),
        }
    }

    /// The prioritisation part, and the sections (each left out keeps its value).
    fn split(self) -> (PrioritisationConfig, Sections) {
        (
            PrioritisationConfig {
                grade_bounds: self.grade_bounds,
                tier_grid: self.tier_grid,
                pareto: self.pareto,
                nine_box_labels: self.nine_box_labels,
                cadences: self.cadences,
                staffing: self.staffing,
            },
            Sections {
                health: self.health,
                engagement: self.engagement,
                plans: self.plans,
                revenue: self.revenue,
                effectiveness: self.effectiveness,
            },
        )
    }
}

/// The sections of a file beyond prioritisation, as given.
struct Sections {
    health: Option<HealthConfig>,
    engagement: Option<EngagementConfig>,
    plans: Option<PlansConfig>,
    revenue: Option<RevenueConfig>,
    effectiveness: Option<EffectivenessConfig>,
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
pub fn parse_health(text: &str) -> std::result::Result<HealthConfig, String> {
    let config: HealthConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    refuse_nul(&config)?;
    config
        .check()
        .map_err(|e| format!("{}: {}", e.key, e.message))?;
    Ok(config)
}

/// The engagement configuration alone as TOML (`rules`, `models`), for its page's editor.
pub fn engagement_toml(config: &EngagementConfig) -> String {
    toml::to_string(config).expect("plain data")
}

/// Reads and checks what [`engagement_toml`] writes; the error names the line or the key.
pub fn parse_engagement(text: &str) -> std::result::Result<EngagementConfig, String> {
    let config: EngagementConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    refuse_nul(&config)?;
    config.check()?;
    Ok(config)
}

/// The plans configuration as TOML: what the templates page's editor shows.
pub fn plans_toml(config: &sherpa_core::plan::PlansConfig) -> String {
    toml::to_string(config).expect("plain data")
}

/// Reads and checks what [`plans_toml`] writes; the error names the line or the key.
pub fn parse_plans(text: &str) -> std::result::Result<sherpa_core::plan::PlansConfig, String> {
    let config: sherpa_core::plan::PlansConfig =
        toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    refuse_nul(&config)?;
    config.check().map_err(|e| e.to_string())?;
    Ok(config)
}

/// A `\u0000` that TOML decoded is refused as a NUL anywhere else is (see `sherpa_core::nul`),
/// naming the key that held it.
fn refuse_nul<T: Serialize>(config: &T) -> std::result::Result<(), String> {
    let value = serde_json::to_value(config).map_err(|e| e.to_string())?;
    match sherpa_core::nul::nul_path(&value) {
        Some(key) => Err(format!("{key} {}", sherpa_core::nul::REFUSED)),
        None => Ok(()),
    }
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
    pub engagement: EngagementConfig,
    pub plans: PlansConfig,
    pub revenue: RevenueConfig,
    pub effectiveness: EffectivenessConfig,
}

/// The configuration in force, that a file's missing sections keep.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InForce {
    pub rules: PrioritisationRules,
    pub health: HealthConfig,
    pub engagement: EngagementConfig,
    pub plans: PlansConfig,
    pub revenue: RevenueConfig,
    pub effectiveness: EffectivenessConfig,
}

/// Reads a configuration file; a section left out keeps its value. The error names the key.
pub fn parse(text: &str, current: InForce) -> std::result::Result<Parsed, String> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    refuse_nul(&file)?;
    let (dto, new) = file.split();
    let rules = dto.into_rules(current.rules).map_err(|e| e.to_string())?;
    let health = new.health.unwrap_or(current.health);
    health
        .check()
        .map_err(|e| format!("health.{}: {}", e.key, e.message))?;
    let engagement = new.engagement.unwrap_or(current.engagement);
    engagement.check().map_err(|e| format!("engagement.{e}"))?;
    let plans = new.plans.unwrap_or(current.plans);
    plans.check().map_err(|e| format!("plans.{e}"))?;
    let revenue = new.revenue.unwrap_or(current.revenue);
    revenue.check().map_err(|e| format!("revenue.{e}"))?;
    let effectiveness = new.effectiveness.unwrap_or(current.effectiveness);
    effectiveness
        .check()
        .map_err(|e| format!("effectiveness.{e}"))?;
    Ok(Parsed {
        rules,
        health,
        engagement,
        plans,
        revenue,
        effectiveness,
    })
}

impl App {
    /// The configuration in force as TOML.
    pub async fn export_config(&self) -> Result<String> {
        let store = &self.store;
        let file = ConfigFile::new(
            store.prioritisation_rules().await?.into(),
            store.health_config().await?,
            store.engagement_config().await?,
            store.plans_config().await?,
            store.revenue_config().await?,
            store.effectiveness_config().await?,
        );
        let text = toml::to_string(&file).expect("plain data");
        Ok(format!("{HEADER}{text}"))
    }

    /// Imports a configuration file (leaders and admins): all of it or, on any error, nothing.
    pub async fn import_config(
        &self,
        by: &Caller,
        text: &str,
        dry_run: bool,
    ) -> Result<ImportOutcome> {
        by.may(|u| u.may_manage_book())?;
        let store = &self.store;
        let actor = &by.actor();
        let current = store.prioritisation_rules().await?;
        let current_health = store.health_config().await?;
        let current_engagement = store.engagement_config().await?;
        let current_plans = store.plans_config().await?;
        let current_revenue = store.revenue_config().await?;
        let current_effectiveness = store.effectiveness_config().await?;
        let new = parse(
            text,
            InForce {
                rules: current.clone(),
                health: current_health.clone(),
                engagement: current_engagement.clone(),
                plans: current_plans.clone(),
                revenue: current_revenue.clone(),
                effectiveness: current_effectiveness.clone(),
            },
        )
        .map_err(|message| Error::Invalid {
            field: "configuration".into(),
            message,
        })?;
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
        let engagement_changed = new.engagement != current_engagement;
        if engagement_changed {
            changed.push("engagement".into());
        }
        let plans_changed = new.plans != current_plans;
        if plans_changed {
            changed.push("plans".into());
        }
        let revenue_changed = new.revenue != current_revenue;
        if new.revenue.strategic_features != current_revenue.strategic_features
            && let Some(e) = self
                .unknown_feature(&new.revenue.strategic_features)
                .await?
        {
            return Err(Error::Invalid {
                field: "configuration".into(),
                message: format!("revenue.strategic_features: {e}"),
            });
        }
        if revenue_changed {
            changed.push("revenue".into());
        }
        let effectiveness_changed = new.effectiveness != current_effectiveness;
        if effectiveness_changed {
            self.check_effectiveness(&new.effectiveness)
                .await
                .map_err(|e| match e {
                    Error::Invalid { message, .. } => Error::Invalid {
                        field: "configuration".into(),
                        message: format!("effectiveness.{message}"),
                    },
                    other => other,
                })?;
            changed.push("effectiveness".into());
        }
        let applied = !dry_run && !changed.is_empty();
        if applied {
            // Prioritisation first: a changed tier grid moves tiers, which assign scorecards.
            if prioritisation_changed {
                store.set_prioritisation_rules(actor, rules).await?;
            }
            if !health_changes.is_empty() {
                store.set_health_config(actor, &new.health).await?;
            }
            let rescores = new.health.rescores_from(&current_health);
            if engagement_changed {
                store.set_engagement_config(actor, &new.engagement).await?;
            }
            if plans_changed {
                store.set_plans_config(actor, &new.plans).await?;
            }
            if revenue_changed {
                store.set_revenue_config(actor, &new.revenue).await?;
            }
            if rescores {
                self.rescore().await;
            }
            if effectiveness_changed {
                self.set_effectiveness_config(by, &new.effectiveness)
                    .await?;
            }
        }
        Ok(ImportOutcome { changed, applied })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_changes_its_sections_and_keeps_the_others() {
        let rules = parse(
            "[pareto]\nshares = [40, 70]\nnames = [\"Top\", \"Middle\", \"Tail\"]\n",
            InForce::default(),
        )
        .unwrap()
        .rules;
        assert_eq!(rules.pareto.shares, vec![40, 70]);
        assert_eq!(rules.grid, PrioritisationRules::default().grid);
    }

    #[test]
    fn a_bad_file_names_its_bad_key() {
        let bad = |text: &str| parse(text, InForce::default()).unwrap_err();
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
    fn a_nul_escaped_in_toml_is_refused_naming_its_key() {
        let e = parse(
            "[nine_box_labels]\nstars = \"Sta\\u0000rs\"\n",
            InForce::default(),
        )
        .unwrap_err();
        assert!(e.starts_with("nine_box_labels.stars contains a NUL"), "{e}");
        let mut health = health_toml(&HealthConfig::default());
        health = health.replacen("name = \"", "name = \"\\u0000", 1);
        let e = parse_health(&health).unwrap_err();
        assert!(e.contains("contains a NUL"), "{e}");
    }

    #[test]
    fn an_exported_file_reads_back_as_the_same_rules() {
        let mut health = HealthConfig::default();
        health.scorecards[0].factors[1].weight = 7.5;
        let mut engagement = EngagementConfig::default();
        engagement.models[1].moments[0].due_in_days = 2;
        let mut plans = PlansConfig::default();
        plans.dimensions.push("Network".into());
        plans.templates[0].objectives[0].months = 4;
        let revenue = RevenueConfig {
            meddicc: sherpa_core::revenue::meddicc::MeddiccSwitches {
                decision_process: true,
                decision_criteria: false,
            },
            competitors: vec!["Rival Co".into()],
            probabilities: vec![sherpa_core::revenue::ProbabilityEdit {
                colour: "orange".into(),
                months: "3-6".into(),
                renewal_percent: rust_decimal::Decimal::new(725, 1),
            }],
            strategic_features: vec!["Dashboards".into()],
        };
        let file = ConfigFile::new(
            PrioritisationRules::default().into(),
            health.clone(),
            engagement.clone(),
            plans.clone(),
            revenue.clone(),
            sherpa_core::demo::demo_effectiveness(),
        );
        let text = toml::to_string(&file).unwrap();
        let back = parse(&text, InForce::default()).unwrap();
        assert_eq!(back.effectiveness, sherpa_core::demo::demo_effectiveness());
        assert_eq!(back.rules, PrioritisationRules::default());
        assert_eq!(back.health, health);
        assert_eq!(back.engagement, engagement);
        assert_eq!(back.plans, plans);
        assert_eq!(back.revenue, revenue);
    }

    #[test]
    fn a_bad_revenue_section_names_its_key() {
        let e = parse(
            "[revenue]\ncompetitors = [\"Rival\", \"rival\"]\n",
            InForce::default(),
        )
        .unwrap_err();
        assert!(e.starts_with("revenue.competitors[1]"), "{e}");
        let e = parse(
            "[revenue.meddicc]\ndecision_proces = false\n",
            InForce::default(),
        )
        .unwrap_err();
        assert!(e.contains("decision_proces"), "{e}");
    }

    #[test]
    fn a_bad_plans_section_names_its_key() {
        let e = parse("[plans]\ndimensions = [\"people\"]\n", InForce::default()).unwrap_err();
        assert!(e.starts_with("plans.dimensions[0]"), "{e}");
    }

    #[test]
    fn a_bad_engagement_section_names_its_key() {
        let mut engagement = EngagementConfig::default();
        engagement.models[0].milestones[2].due_days = 5_000;
        let file = ConfigFile {
            engagement: Some(engagement),
            ..Default::default()
        };
        let e = parse(&toml::to_string(&file).unwrap(), InForce::default()).unwrap_err();
        assert!(e.starts_with("engagement.models[0].milestones[2]"), "{e}");
        let e = parse(
            "[[engagement.models]]\nname = \"X\"\n[[engagement.models.moments]]\nkey = \"m\"\ntitle = \"M\"\nowner = \"csm\"\nobjective = \"o\"\nwhen = { every_day = 3 }\n",
            InForce::default(),
        )
        .unwrap_err();
        assert!(e.contains("line 8") && e.contains("every_day"), "{e}");
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
        let e = parse(&text, InForce::default()).unwrap_err();
        assert!(
            e.starts_with("health.scorecards[1].factors[0].weight"),
            "{e}"
        );
        let e = parse(
            "[health]\nrules = []\nscorecards = []\ncolour = 1\n",
            InForce::default(),
        )
        .unwrap_err();
        assert!(e.contains("line 4") && e.contains("colour"), "{e}");
    }
}
