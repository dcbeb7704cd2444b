//! Grades and tiers: grading an account, choosing its tier, their histories, and the rules
//! (grade bounds, tier grid) an admin sets. The account row carries the standing for filters
//! and sorts; the history tables keep every grading and every change with who, when and why.

mod grading;
mod prompts;

pub(crate) use grading::{apply_standing, audit_priority, existing_account};

use crate::accounts::load_account;
use crate::rows::{bad, parse, time};
use crate::{Result, Store, StoreError, audit};
use rust_decimal::Decimal;
use sherpa_core::prioritise::*;
use sherpa_core::*;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// What a person gives to grade an account.
#[derive(Debug, Clone)]
pub struct GradeInput {
    /// How big the account could be, in the book's currency.
    pub potential: Decimal,
    pub growth: Growth,
    pub moment: GradingMoment,
    pub reason: String,
}

/// The rules grades and tiers follow.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrioritisationRules {
    pub bounds: GradeBounds,
    pub grid: TierGrid,
    pub pareto: sherpa_core::prioritise::segments::ParetoSettings,
    pub nine_box_labels: NineBoxLabels,
    pub cadences: CadenceSettings,
    pub staffing: StaffingSettings,
}

const BOUNDS: &str = "grade_bounds";
const GRID: &str = "tier_grid";
const PARETO: &str = "pareto";
const NINE_BOX: &str = "nine_box_labels";
const CADENCES: &str = "cadences";
const STAFFING: &str = "staffing";

fn grid_json(grid: &TierGrid) -> serde_json::Value {
    grid.cells()
        .map(|(g, c)| (g.to_string(), serde_json::Value::String(c.code())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

pub(crate) async fn rules(conn: &mut AnyConnection) -> Result<PrioritisationRules> {
    // Every key in one read: the rules are read on most pages and API calls.
    let mut settings: std::collections::HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("SELECT key, value FROM prioritisation_settings")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    let mut setting = |key: &str| settings.remove(key);
    let mut rules = PrioritisationRules::default();
    if let Some(v) = setting(BOUNDS) {
        rules.bounds = serde_json::from_str(&v).map_err(|_| bad(BOUNDS, &v))?;
    }
    if let Some(v) = setting(GRID) {
        let cells: BTreeMap<String, String> =
            serde_json::from_str(&v).map_err(|_| bad(GRID, &v))?;
        for (grade, cell) in cells {
            let g: Grade = grade.parse().map_err(|_| bad(GRID, &grade))?;
            rules
                .grid
                .set(g, TierCell::parse(&cell).ok_or_else(|| bad(GRID, &cell))?);
        }
    }
    if let Some(v) = setting(PARETO) {
        rules.pareto = serde_json::from_str(&v).map_err(|_| bad(PARETO, &v))?;
    }
    if let Some(v) = setting(NINE_BOX) {
        rules.nine_box_labels = serde_json::from_str(&v).map_err(|_| bad(NINE_BOX, &v))?;
    }
    if let Some(v) = setting(CADENCES) {
        rules.cadences = serde_json::from_str(&v).map_err(|_| bad(CADENCES, &v))?;
    }
    if let Some(v) = setting(STAFFING) {
        rules.staffing = serde_json::from_str(&v).map_err(|_| bad(STAFFING, &v))?;
    }
    Ok(rules)
}

/// One CSM's accounts in one tier or segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsmGroupBook {
    pub csm: Option<UserId>,
    pub group: Option<u8>,
    pub accounts: i64,
    pub arr: Money,
}

impl Store {
    /// The book (accounts not churned) by CSM and by tier or applied Pareto segment: accounts
    /// and ARR per (CSM, group), `None` for accounts without a CSM or in no group. Staffing sums
    /// it into each group's need and each CSM's planned hours.
    pub async fn book_by_csm(&self, basis: StaffingBasis) -> Result<Vec<CsmGroupBook>> {
        // The column comes from the enum, never from input.
        let column = match basis {
            StaffingBasis::Tier => "tier",
            StaffingBasis::Segment => "segment",
        };
        let rows: Vec<(Option<i64>, Option<i64>, i64, i64)> = sqlx::query_as(&format!(
            "SELECT csm_id, {column}, COUNT(*), CAST(COALESCE(SUM(arr_minor), 0) AS BIGINT) \
             FROM accounts WHERE lifecycle IS NULL OR lifecycle <> 'churned' \
             GROUP BY csm_id, {column} ORDER BY {column}, csm_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        let currency = self.currency();
        Ok(rows
            .into_iter()
            .map(|(csm, group, accounts, arr)| CsmGroupBook {
                csm: csm.map(UserId),
                group: group.and_then(|g| u8::try_from(g).ok()),
                accounts,
                arr: Money::from_minor_units(arr, currency),
            })
            .collect())
    }

    /// The grade bounds and the tier grid in force.
    pub async fn prioritisation_rules(&self) -> Result<PrioritisationRules> {
        let mut conn = self.pool.acquire().await?;
        rules(&mut conn).await
    }

    /// Sets the grade bounds and the tier grid. Accounts keep their grades; their tiers follow
    /// the new grid at once.
    pub async fn set_prioritisation_rules(
        &self,
        actor: &Actor,
        new: &PrioritisationRules,
    ) -> Result<PrioritisationRules> {
        GradeBounds::new(new.bounds.a_above, new.bounds.b_from)
            .map_err(|e| StoreError::invalid("grade_bounds", e.to_string()))?;
        sherpa_core::prioritise::segments::ParetoSettings::new(
            new.pareto.shares.clone(),
            new.pareto.names.clone(),
        )
        .map_err(|e| StoreError::invalid("pareto", e.to_string()))?;
        new.cadences
            .cadences()
            .map_err(|(key, e)| StoreError::invalid(&key, e.to_string()))?;
        new.staffing
            .check()
            .map_err(|e| StoreError::invalid("staffing", e.to_string()))?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let before = rules(&mut tx).await?;
        for (key, value) in [
            (
                BOUNDS,
                serde_json::to_value(new.bounds).expect("plain data"),
            ),
            (GRID, grid_json(&new.grid)),
            (
                PARETO,
                serde_json::to_value(&new.pareto).expect("plain data"),
            ),
            (
                NINE_BOX,
                serde_json::to_value(&new.nine_box_labels).expect("plain data"),
            ),
            (
                CADENCES,
                serde_json::to_value(&new.cadences).expect("plain data"),
            ),
            (
                STAFFING,
                serde_json::to_value(&new.staffing).expect("plain data"),
            ),
        ] {
            sqlx::query(
                "INSERT INTO prioritisation_settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(value.to_string())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        if before.grid != new.grid {
            let graded: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM accounts WHERE grade IS NOT NULL OR tier_choice IS NOT NULL ORDER BY id",
            )
            .fetch_all(&mut *tx)
            .await?;
            for id in graded {
                let account = existing_account(&mut tx, AccountId(id), self.currency()).await?;
                let p = &account.priority;
                let standing = tier_standing(&new.grid, p.grade, p.tier_choice.clone());
                apply_standing(
                    &mut tx,
                    &now,
                    actor,
                    &account,
                    standing,
                    "the tier grid changed",
                )
                .await?;
            }
        }
        let json = |r: &PrioritisationRules| {
            serde_json::json!({
                "grade_bounds": r.bounds,
                "tier_grid": grid_json(&r.grid),
                "pareto": r.pareto,
                "nine_box_labels": r.nine_box_labels,
                "cadences": r.cadences,
                "staffing": r.staffing,
            })
        };
        audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "prioritisation_rules",
            "book",
            Some(&json(&before)),
            Some(&json(new)),
        )
        .await?;
        tx.commit().await?;
        // Tiers may have moved, and scorecards are assigned by tier.
        self.health_watch().mark_rescore();
        Ok(new.clone())
    }
}
