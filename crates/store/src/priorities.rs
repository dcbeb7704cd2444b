//! Grades and tiers: grading an account, choosing its tier, their histories, and the rules
//! (grade bounds, tier grid) an admin sets. The account row carries the standing for filters
//! and sorts; the history tables keep every grading and every change with who, when and why.

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

/// A reason is required: the history is for the next person to read.
fn reason(r: &str) -> Result<String> {
    let r = r.trim();
    if r.is_empty() {
        return Err(StoreError::invalid("reason", "say why, for the history"));
    }
    if r.chars().count() > limits::LONG_TEXT {
        return Err(StoreError::invalid(
            "reason",
            format!("at most {} characters", limits::LONG_TEXT),
        ));
    }
    Ok(r.to_string())
}

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

/// Sets the account's standing from its grade and a choice, recording a change when it moved.
async fn apply_standing(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    account: &Account,
    standing: TierStanding,
    why: &str,
) -> Result<()> {
    let before = &account.priority;
    let choice_kind = standing.choice.as_ref().map(|c| c.kind.as_str());
    sqlx::query(
        "UPDATE accounts SET tier = $1, tier_decision_needed = $2, tier_choice = $3, tier_reason = $4, \
         updated_at = $5 WHERE id = $6",
    )
    .bind(standing.tier.map(|t| i64::from(t.get())))
    .bind(i64::from(standing.decision_needed))
    .bind(choice_kind)
    .bind(standing.choice.as_ref().map(|c| c.reason.clone()))
    .bind(now)
    .bind(account.id.0)
    .execute(&mut *conn)
    .await?;
    if before.tier == standing.tier
        && before.tier_decision_needed == standing.decision_needed
        && before.tier_choice == standing.choice
    {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO account_tier_changes (account_id, tier, decision_needed, choice, reason, user_id, via, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(account.id.0)
    .bind(standing.tier.map(|t| i64::from(t.get())))
    .bind(i64::from(standing.decision_needed))
    .bind(choice_kind)
    .bind(why)
    .bind(actor.user_id.map(|u| u.0))
    .bind(&actor.via)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn priority_json(p: &AccountPriority) -> serde_json::Value {
    serde_json::json!({
        "grade": p.grade.map(|g| g.to_string()),
        "tier": p.tier.map(|t| t.get()),
        "tier_decision_needed": p.tier_decision_needed,
        "tier_choice": p.tier_choice.as_ref().map(|c| serde_json::json!({"kind": c.kind, "tier": c.tier.get(), "reason": c.reason})),
    })
}

/// The account, inside the transaction; a missing one is "not found".
pub(crate) async fn existing_account(
    conn: &mut AnyConnection,
    id: AccountId,
    currency: Currency,
) -> Result<Account> {
    load_account(conn, id, currency)
        .await?
        .ok_or_else(|| StoreError::not_found("account", id))
}

/// The account after a change of its priority, with the change in the audit trail.
pub(crate) async fn audit_priority(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    action: &str,
    before: &Account,
    currency: Currency,
) -> Result<Account> {
    let after = existing_account(&mut *conn, before.id, currency).await?;
    audit::record(
        conn,
        now,
        actor,
        action,
        "account",
        before.id,
        Some(&priority_json(&before.priority)),
        Some(&priority_json(&after.priority)),
    )
    .await?;
    Ok(after)
}

/// Closes the account's open grading tasks that this grading answers.
async fn close_answered_tasks(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    id: AccountId,
    moment: GradingMoment,
    grade: Grade,
) -> Result<()> {
    for key in answered_by(moment) {
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM tasks WHERE account_id = $1 AND dedup_key = $2 AND status = 'open'",
        )
        .bind(id.0)
        .bind(*key)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(task) = open else { continue };
        crate::tasks::close_done(conn, now, actor, task, id, &format!("graded {grade}")).await?;
    }
    Ok(())
}

impl Store {
    /// Opens the grading tasks of new accounts (seed 000): "grade at close" for the AE of an
    /// account without a grade, "re-grade within 30 days" for the CSM once sales graded it.
    /// Idempotent: one open task per rule and account. Answers how many it opened.
    pub async fn open_grading_tasks(&self) -> Result<usize> {
        let today = self.clock().today();
        let since = today - chrono::Days::new(NEW_FOR_DAYS);
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            customer_since: Option<String>,
            created_at: String,
            lifecycle: Option<String>,
            ae_id: Option<i64>,
            csm_id: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, customer_since, created_at, lifecycle, ae_id, csm_id FROM accounts \
             WHERE (lifecycle IS NULL OR lifecycle <> 'churned') \
             AND (customer_since >= $1 OR (customer_since IS NULL AND created_at >= $1)) ORDER BY id",
        )
        .bind(since.to_string())
        .fetch_all(&self.pool)
        .await?;
        // The gradings of those accounts, in one read.
        let graded: Vec<(i64, String)> = sqlx::query_as(
            "SELECT g.account_id, g.moment FROM account_gradings g JOIN accounts a ON a.id = g.account_id \
             WHERE (a.lifecycle IS NULL OR a.lifecycle <> 'churned') \
             AND (a.customer_since >= $1 OR (a.customer_since IS NULL AND a.created_at >= $1)) ORDER BY g.id",
        )
        .bind(since.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut moments: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for (account, moment) in graded {
            moments.entry(account).or_default().push(moment);
        }
        let mut opened = 0;
        for r in rows {
            let moments = moments.remove(&r.id).unwrap_or_default();
            let start = match &r.customer_since {
                Some(d) => parse("customer_since", d)?,
                None => time("created_at", &r.created_at)?.date_naive(),
            };
            let facts = GradingFacts {
                account: AccountId(r.id),
                name: r.name,
                start,
                lifecycle: r
                    .lifecycle
                    .as_deref()
                    .map(|l| parse("lifecycle", l))
                    .transpose()?,
                ae: r.ae_id.map(UserId),
                csm: r.csm_id.map(UserId),
                gradings: moments
                    .iter()
                    .map(|m| parse("moment", m))
                    .collect::<std::result::Result<_, _>>()?,
            };
            if let Some(task) = grading_task(&facts, today) {
                let (_, new) = self.open_task(&Actor::system("grading"), &task).await?;
                opened += usize::from(new);
            }
        }
        Ok(opened)
    }

    /// Opens the CSM's "re-grade?" prompt (seed 000's state change) for every graded account
    /// whose champion or economic buyer left, whose ARR moved, or whose product use moved a lot
    /// since its last grading. Idempotent; answers how many it opened.
    pub async fn open_regrade_prompts(&self) -> Result<usize> {
        let today = self.clock().today();
        let rows: Vec<(i64, String, Option<i64>, String, i64)> = sqlx::query_as(
            "SELECT id, name, csm_id, grade, arr_minor FROM accounts WHERE grade IS NOT NULL \
             AND (lifecycle IS NULL OR lifecycle <> 'churned') ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut last: std::collections::HashMap<i64, (i64, String)> = Default::default();
        for (account, arr, at) in sqlx::query_as::<_, (i64, i64, String)>(
            "SELECT account_id, arr_minor, graded_at FROM account_gradings ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        {
            last.insert(account, (arr, at));
        }
        let mut departed: std::collections::HashMap<i64, Vec<(String, String, String)>> =
            Default::default();
        for (account, name, roles, on) in sqlx::query_as::<_, (i64, String, String, String)>(
            "SELECT account_id, name, roles, departed_on FROM contacts WHERE departed_on IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?
        {
            departed.entry(account).or_default().push((name, roles, on));
        }
        let d30 = (today - chrono::Days::new(30)).to_string();
        let usage: std::collections::HashMap<i64, (i64, i64)> =
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT account_id, CAST(SUM(CASE WHEN day >= $1 THEN events ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN day < $1 THEN events ELSE 0 END) AS BIGINT) FROM usage_days \
                 WHERE day >= $2 AND day < $3 GROUP BY account_id",
            )
            .bind(&d30)
            .bind((today - chrono::Days::new(60)).to_string())
            .bind(today.to_string())
            .fetch_all(self.rollups().await?.pool())
            .await?
            .into_iter()
            .map(|(a, l, b)| (a, (l, b)))
            .collect();
        let mut opened = 0;
        for (id, name, csm, grade, arr_now) in rows {
            let Some((arr_at_grading, graded_at)) = last.get(&id) else {
                continue;
            };
            let graded_on = &graded_at[..10.min(graded_at.len())];
            let left = departed
                .get(&id)
                .into_iter()
                .flatten()
                .filter(|(_, _, on)| on.as_str() >= graded_on)
                .flat_map(|(who, roles, _)| {
                    parse_roles(roles)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|r| {
                            matches!(
                                r,
                                RelationshipRole::Champion | RelationshipRole::EconomicBuyer
                            )
                        })
                        .map(move |r| (who.clone(), r))
                })
                .collect();
            let facts = StateFacts {
                account: AccountId(id),
                name,
                csm: csm.map(UserId),
                grade: grade.parse().ok(),
                arr_at_grading: *arr_at_grading,
                arr_now,
                departed: left,
                usage: usage.get(&id).copied(),
            };
            if let Some(task) = regrade_prompt(&facts, today) {
                let (_, new) = self.open_task(&Actor::system("grading"), &task).await?;
                opened += usize::from(new);
            }
        }
        Ok(opened)
    }

    /// The book (accounts not churned) by tier or by applied Pareto segment: accounts and ARR
    /// per group number, `None` for accounts in no group.
    pub async fn book_by(&self, basis: StaffingBasis) -> Result<Vec<(Option<u8>, i64, Money)>> {
        // The column comes from the enum, never from input.
        let column = match basis {
            StaffingBasis::Tier => "tier",
            StaffingBasis::Segment => "segment",
        };
        let rows: Vec<(Option<i64>, i64, i64)> = sqlx::query_as(&format!(
            "SELECT {column}, COUNT(*), CAST(COALESCE(SUM(arr_minor), 0) AS BIGINT) FROM accounts \
             WHERE lifecycle IS NULL OR lifecycle <> 'churned' GROUP BY {column} ORDER BY {column}"
        ))
        .fetch_all(&self.pool)
        .await?;
        let currency = self.currency();
        Ok(rows
            .into_iter()
            .map(|(g, n, arr)| {
                (
                    g.and_then(|g| u8::try_from(g).ok()),
                    n,
                    Money::from_minor_units(arr, currency),
                )
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

    /// Grades an account (seed 000) and sets its tier through the grid; the grading is kept in
    /// the account's history with who, when, why and at which moment.
    pub async fn grade_account(
        &self,
        actor: &Actor,
        id: AccountId,
        input: &GradeInput,
    ) -> Result<Account> {
        let why = reason(&input.reason)?;
        let currency = self.currency();
        let potential = Money::new(input.potential, currency)
            .and_then(|m| m.minor_units().map(|u| (m, u)))
            .map_err(|e| StoreError::invalid("potential_value", e.to_string()));
        let (potential, potential_minor) = potential?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let account = existing_account(&mut tx, id, currency).await?;
        let rules = rules(&mut tx).await?;
        let grade = grade(
            &rules.bounds,
            potential.amount,
            account.arr.amount,
            input.growth,
        )
        .map_err(|e| StoreError::invalid("potential_value", e.to_string()))?;
        sqlx::query(
            "INSERT INTO account_gradings (account_id, grade, potential_minor, arr_minor, growth, moment, reason, user_id, via, graded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.0)
        .bind(grade.to_string())
        .bind(potential_minor)
        .bind(account.arr.minor_units().unwrap_or_default())
        .bind(i64::from(input.growth.get()))
        .bind(input.moment.as_str())
        .bind(&why)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&actor.via)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE accounts SET grade = $1, potential_minor = $2 WHERE id = $3")
            .bind(grade.to_string())
            .bind(potential_minor)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        close_answered_tasks(&mut tx, &now, actor, id, input.moment, grade).await?;
        let standing = tier_standing(
            &rules.grid,
            Some(grade),
            account.priority.tier_choice.clone(),
        );
        apply_standing(
            &mut tx,
            &now,
            actor,
            &account,
            standing,
            &format!("graded {grade}: {why}"),
        )
        .await?;
        let after = audit_priority(&mut tx, &now, actor, "grade", &account, currency).await?;
        tx.commit().await?;
        self.health_watch().mark([id]);
        Ok(after)
    }

    /// A person's choice of tier: a decision for a grade between two tiers, an override
    /// against the grid, or none (back to the grid).
    pub async fn choose_tier(
        &self,
        actor: &Actor,
        id: AccountId,
        choice: Option<TierChoice>,
    ) -> Result<Account> {
        let choice = match choice {
            Some(c) => Some(TierChoice {
                reason: reason(&c.reason)?,
                ..c
            }),
            None => None,
        };
        let currency = self.currency();
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let account = existing_account(&mut tx, id, currency).await?;
        let rules = rules(&mut tx).await?;
        let grade = account.priority.grade;
        if let Some(c) = &choice {
            c.check(&rules.grid, grade)
                .map_err(|e| StoreError::invalid(e.field, e.message))?;
        }
        let why = match &choice {
            Some(c) => format!(
                "{} {}: {}",
                match c.kind {
                    TierChoiceKind::Decision => "decided",
                    TierChoiceKind::Override => "overridden to",
                },
                c.tier,
                c.reason
            ),
            None => "back to the grid".to_string(),
        };
        let standing = tier_standing(&rules.grid, grade, choice);
        apply_standing(&mut tx, &now, actor, &account, standing, &why).await?;
        let after = audit_priority(&mut tx, &now, actor, "tier", &account, currency).await?;
        tx.commit().await?;
        self.health_watch().mark([id]);
        Ok(after)
    }

    /// Every grading of the account, newest first.
    pub async fn gradings(&self, id: AccountId) -> Result<Vec<GradingRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            grade: String,
            potential_minor: i64,
            arr_minor: i64,
            moment: String,
            reason: String,
            user_id: Option<i64>,
            via: String,
            graded_at: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT grade, potential_minor, arr_minor, moment, reason, user_id, via, graded_at \
             FROM account_gradings WHERE account_id = $1 ORDER BY id DESC",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let currency = self.currency();
        rows.into_iter()
            .map(|r| {
                Ok(GradingRecord {
                    grade: parse("grade", &r.grade)?,
                    potential: Money::from_minor_units(r.potential_minor, currency),
                    arr: Money::from_minor_units(r.arr_minor, currency),
                    moment: parse("moment", &r.moment)?,
                    reason: r.reason,
                    by: Actor {
                        user_id: r.user_id.map(UserId),
                        via: r.via,
                    },
                    at: time("graded_at", &r.graded_at)?,
                })
            })
            .collect()
    }

    /// Every change of the account's tier standing, newest first.
    pub async fn tier_changes(&self, id: AccountId) -> Result<Vec<TierChange>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            tier: Option<i64>,
            decision_needed: i64,
            choice: Option<String>,
            reason: String,
            user_id: Option<i64>,
            via: String,
            changed_at: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tier, decision_needed, choice, reason, user_id, via, changed_at \
             FROM account_tier_changes WHERE account_id = $1 ORDER BY id DESC",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(TierChange {
                    tier: r.tier.and_then(Tier::new),
                    decision_needed: r.decision_needed != 0,
                    choice: r
                        .choice
                        .as_deref()
                        .map(|c| parse("choice", c))
                        .transpose()?,
                    reason: r.reason,
                    by: Actor {
                        user_id: r.user_id.map(UserId),
                        via: r.via,
                    },
                    at: time("changed_at", &r.changed_at)?,
                })
            })
            .collect()
    }
}
