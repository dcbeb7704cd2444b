//! An account's grade and tier as people set them, and the history of both: each grading
//! and each change of tier standing, with who and why.

use super::*;

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

/// Sets the account's standing from its grade and a choice, recording a change when it moved.
pub(crate) async fn apply_standing(
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

impl Store {
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
