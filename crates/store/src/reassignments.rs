//! Gradual reassignment (seed 003): proposing a schedule of account moves for a departing CSM or
//! an over-full book, the leader's approval, and the daily job that makes each move on its day
//! through the ordinary (audited) account update.

use crate::rows::{parse, time};
use crate::{Result, Store, StoreError, audit};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use std::collections::{BTreeMap, HashMap};

/// A plan as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReassignmentPlan {
    pub id: i64,
    pub kind: ReassignmentKind,
    pub from: UserId,
    /// proposed, approved or cancelled.
    pub status: String,
    pub reason: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub approved_by: Option<UserId>,
    pub moves: Vec<PlannedMove>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMove {
    pub account: AccountId,
    pub account_name: String,
    pub arr: Money,
    pub to: UserId,
    pub on: chrono::NaiveDate,
    /// pending, done or skipped (the account had changed hands meanwhile).
    pub status: String,
}

/// What a leader asks for.
#[derive(Debug, Clone)]
pub struct ReassignmentRequest {
    pub kind: ReassignmentKind,
    pub from: UserId,
    pub recipients: Vec<UserId>,
    /// The departure day (departure) or the earliest day (rebalance).
    pub day: chrono::NaiveDate,
    /// The ARR the book keeps (rebalance).
    pub target_arr: rust_decimal::Decimal,
    pub reason: String,
}

impl Store {
    /// Proposes a schedule; nothing moves until a leader approves it.
    pub async fn propose_reassignment(
        &self,
        actor: &Actor,
        r: &ReassignmentRequest,
    ) -> Result<ReassignmentPlan> {
        let today = self.clock().today();
        if r.day < today {
            return Err(StoreError::invalid("day", "a day from today on"));
        }
        let reason = r.reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("reason", "say why, for the history"));
        }
        let currency = self.currency();
        let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT id, arr_minor, renewal_date FROM accounts WHERE csm_id = $1 \
             AND (lifecycle IS NULL OR lifecycle <> 'churned') ORDER BY id",
        )
        .bind(r.from.0)
        .fetch_all(&self.pool)
        .await?;
        let book: Vec<BookAccount> = rows
            .into_iter()
            .map(|(id, arr, renewal)| {
                Ok(BookAccount {
                    id: AccountId(id),
                    arr: Money::from_minor_units(arr, currency).amount,
                    renewal: renewal.map(|d| parse("renewal_date", &d)).transpose()?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()?;
        let sizes = self.book_sizes(&r.recipients).await?;
        let recipients: Vec<Recipient> = r
            .recipients
            .iter()
            .map(|u| {
                let size = sizes.iter().find(|b| b.user_id == *u);
                Recipient {
                    user: *u,
                    arr: size.map_or(rust_decimal::Decimal::ZERO, |b| b.arr.amount),
                    accounts: size.map_or(0, |b| u32::try_from(b.accounts).unwrap_or(0)),
                }
            })
            .collect();
        let moves = schedule(r.kind, r.from, &book, &recipients, r.day, r.target_arr)
            .map_err(|e| StoreError::invalid("recipients", e.to_string()))?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO reassignment_plans (kind, from_user_id, status, reason, created_by, created_at) \
             VALUES ($1, $2, 'proposed', $3, $4, $5) RETURNING id",
        )
        .bind(r.kind.as_str())
        .bind(r.from.0)
        .bind(reason)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        for m in &moves {
            sqlx::query(
                "INSERT INTO reassignment_moves (plan_id, account_id, to_user_id, move_on, status) \
                 VALUES ($1, $2, $3, $4, 'pending')",
            )
            .bind(id)
            .bind(m.account.0)
            .bind(m.to.0)
            .bind(m.on.to_string())
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            &now,
            actor,
            "propose",
            "reassignment",
            id,
            None,
            Some(&serde_json::json!({"kind": r.kind, "from": r.from.to_string(), "moves": moves.len()})),
        )
        .await?;
        tx.commit().await?;
        self.reassignment(id).await
    }

    /// Approves a proposed plan: its moves happen on their days from now on.
    pub async fn approve_reassignment(&self, actor: &Actor, id: i64) -> Result<ReassignmentPlan> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE reassignment_plans SET status = 'approved', approved_by = $1, approved_at = $2 \
             WHERE id = $3 AND status = 'proposed'",
        )
        .bind(actor.user_id.map(|u| u.0))
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::Conflict(format!(
                "reassignment {id} is not a proposed plan"
            )));
        }
        audit::record(
            &mut tx,
            &now,
            actor,
            "approve",
            "reassignment",
            id,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        // Moves due today (a departure today) happen at once.
        self.make_due_moves().await?;
        self.reassignment(id).await
    }

    /// Makes the approved moves that are due; a move whose account has changed CSM meanwhile
    /// is skipped, not forced. Answers how many moved.
    pub async fn make_due_moves(&self) -> Result<usize> {
        let today = self.clock().today().to_string();
        let due: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT m.id, m.account_id, m.to_user_id, p.from_user_id FROM reassignment_moves m \
             JOIN reassignment_plans p ON p.id = m.plan_id \
             WHERE p.status = 'approved' AND m.status = 'pending' AND m.move_on <= $1 ORDER BY m.id",
        )
        .bind(&today)
        .fetch_all(&self.pool)
        .await?;
        let mut moved = 0;
        for (move_id, account, to, from) in due {
            let a = self.account(AccountId(account)).await?;
            let status = if a.fields.owners.csm == Some(UserId(from)) {
                let patch = AccountPatch {
                    owners: BTreeMap::from([(OwnerFunction::Csm, Some(PersonRef::Id(UserId(to))))]),
                    ..Default::default()
                };
                self.update_account(&Actor::system("reassignment"), AccountId(account), &patch)
                    .await?;
                moved += 1;
                "done"
            } else {
                "skipped"
            };
            sqlx::query("UPDATE reassignment_moves SET status = $1, done_at = $2 WHERE id = $3")
                .bind(status)
                .bind(self.now())
                .bind(move_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(moved)
    }

    pub async fn reassignment(&self, id: i64) -> Result<ReassignmentPlan> {
        type Row = (i64, String, i64, String, String, String, Option<i64>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, kind, from_user_id, status, reason, created_at, approved_by FROM reassignment_plans WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((id, kind, from, status, reason, created, approved_by)) = row else {
            return Err(StoreError::not_found("reassignment", id));
        };
        let currency = self.currency();
        let moves: Vec<(i64, String, i64, i64, String, String)> = sqlx::query_as(
            "SELECT m.account_id, a.name, a.arr_minor, m.to_user_id, m.move_on, m.status \
             FROM reassignment_moves m JOIN accounts a ON a.id = m.account_id WHERE m.plan_id = $1 \
             ORDER BY m.move_on, m.account_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ReassignmentPlan {
            id,
            kind: ReassignmentKind::parse(&kind).ok_or_else(|| crate::rows::bad("kind", &kind))?,
            from: UserId(from),
            status,
            reason,
            created_at: time("created_at", &created)?,
            approved_by: approved_by.map(UserId),
            moves: moves
                .into_iter()
                .map(|(account, name, arr, to, on, status)| {
                    Ok(PlannedMove {
                        account: AccountId(account),
                        account_name: name,
                        arr: Money::from_minor_units(arr, currency),
                        to: UserId(to),
                        on: parse("move_on", &on)?,
                        status,
                    })
                })
                .collect::<std::result::Result<_, sqlx::Error>>()?,
        })
    }

    /// Every plan, newest first.
    pub async fn reassignments(&self) -> Result<Vec<ReassignmentPlan>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM reassignment_plans ORDER BY id DESC LIMIT 50")
                .fetch_all(&self.pool)
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.reassignment(id).await?);
        }
        Ok(out)
    }
}

/// ARR and accounts each recipient gets from a plan.
pub fn received(plan: &ReassignmentPlan) -> HashMap<UserId, (usize, rust_decimal::Decimal)> {
    let mut out: HashMap<UserId, (usize, rust_decimal::Decimal)> = HashMap::new();
    for m in &plan.moves {
        let e = out.entry(m.to).or_default();
        e.0 += 1;
        e.1 += m.arr.amount;
    }
    out
}
