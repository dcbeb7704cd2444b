//! Configuration as code: the prioritisation rules (grade bounds, tier grid, Pareto shares,
//! 9-box labels, cadences) as a TOML file CS ops keeps in version control. The file has the
//! shape of `GET /api/v1/prioritisation`, and importing it goes through the same checks as a
//! PUT there: a bad file changes nothing and names its bad key.

use crate::AppError;
use crate::handlers::priorities::PrioritisationDto;
use sherpa_core::Actor;
use sherpa_store::{PrioritisationRules, Store};

const HEADER: &str = "# Sherpa configuration: the prioritisation rules of seeds 000-003.\n\
# Edit, keep in version control, and load with `sherpa config import FILE` (try --dry-run first).\n\
# grade_bounds: potential value in the book's currency; tier_grid: \"1\", \"2\", \"3\" or a cell\n\
# between two tiers (\"1-2\", \"2-3\") that a person decides; pareto: revenue shares in percent;\n\
# nine_box_labels: by \"relationship-upsell\"; cadences: RFC 5545 RRULE per tier;\n\
# staffing: CSM hours a year, the share for accounts, and each tier's plan in hours.\n\n";

/// The rules in force as TOML.
pub async fn export(store: &Store) -> anyhow::Result<String> {
    let dto: PrioritisationDto = store.prioritisation_rules().await?.into();
    Ok(format!("{HEADER}{}", toml::to_string(&dto)?))
}

/// What an import changed (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    /// The sections whose values differ from those in force.
    pub changed: Vec<&'static str>,
    pub applied: bool,
}

/// Reads a configuration file; a section left out keeps its value. The error names the key.
pub fn parse(text: &str, current: PrioritisationRules) -> Result<PrioritisationRules, String> {
    let dto: PrioritisationDto = toml::from_str(text).map_err(|e| {
        // toml's message, with the line it points at (which holds the key).
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                let content = text.lines().nth(line - 1).unwrap_or("").trim();
                format!("line {line} ({content}): {}", e.message())
            }
            None => e.message().to_string(),
        }
    })?;
    dto.into_rules(current).map_err(|e| match e {
        AppError::BadRequest {
            field: Some(f),
            message,
        } => format!("{f}: {message}"),
        other => format!("{other:?}"),
    })
}

/// Imports a configuration file: all of it or, on any error, nothing.
pub async fn import(
    store: &Store,
    actor: &Actor,
    text: &str,
    dry_run: bool,
) -> anyhow::Result<ImportOutcome> {
    let current = store.prioritisation_rules().await?;
    let new = parse(text, current.clone()).map_err(|e| anyhow::anyhow!(e))?;
    let mut changed = Vec::new();
    if new.bounds != current.bounds {
        changed.push("grade_bounds");
    }
    if new.grid != current.grid {
        changed.push("tier_grid");
    }
    if new.pareto != current.pareto {
        changed.push("pareto");
    }
    if new.nine_box_labels != current.nine_box_labels {
        changed.push("nine_box_labels");
    }
    if new.cadences != current.cadences {
        changed.push("cadences");
    }
    if new.staffing != current.staffing {
        changed.push("staffing");
    }
    let applied = !dry_run && !changed.is_empty();
    if applied {
        store.set_prioritisation_rules(actor, &new).await?;
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
        )
        .unwrap();
        assert_eq!(rules.pareto.shares, vec![40, 70]);
        assert_eq!(rules.grid, PrioritisationRules::default().grid);
    }

    #[test]
    fn a_bad_file_names_its_bad_key() {
        let bad = |text: &str| parse(text, PrioritisationRules::default()).unwrap_err();
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
        let dto: PrioritisationDto = PrioritisationRules::default().into();
        let text = toml::to_string(&dto).unwrap();
        assert_eq!(
            parse(&text, PrioritisationRules::default()).unwrap(),
            PrioritisationRules::default()
        );
    }
}
