//! The 9-box (seed 001): placing an account each quarter, and the quarter's book on the grid
//! with each account's movement since the quarter before and its personal touches in the
//! quarter (where time was actually spent).

use crate::priorities::{audit_priority, existing_account};
use crate::{Result, Store, StoreError};
use sherpa_core::prioritise::*;
use sherpa_core::*;
use std::collections::HashMap;

/// One account placed in the quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct NineBoxEntry {
    pub id: AccountId,
    pub name: String,
    pub tier: Option<Tier>,
    pub csm: Option<UserId>,
    pub nine_box: NineBox,
    /// The box of the quarter before, when it was placed then.
    pub before: Option<NineBox>,
    pub note: String,
    /// Personal activities (not notes) logged on the account in the quarter.
    pub touches: u32,
}

#[derive(Debug, Clone)]
pub struct NineBoxView {
    pub quarter: Quarter,
    pub labels: NineBoxLabels,
    pub entries: Vec<NineBoxEntry>,
    /// Accounts placed the quarter before and not yet this quarter.
    pub not_yet_placed: usize,
}

impl Store {
    /// Places the account in a box for the quarter; placing it again in the same quarter
    /// replaces the placement. The account shows its latest quarter's box.
    pub async fn place_in_nine_box(
        &self,
        actor: &Actor,
        id: AccountId,
        quarter: Quarter,
        nine_box: NineBox,
        note: &str,
    ) -> Result<Account> {
        let note = note.trim();
        if note.chars().count() > limits::LONG_TEXT {
            return Err(StoreError::invalid(
                "note",
                format!("at most {} characters", limits::LONG_TEXT),
            ));
        }
        let now = self.now();
        let currency = self.currency();
        let mut tx = self.write_tx().await?;
        let account = existing_account(&mut tx, id, currency).await?;
        sqlx::query("DELETE FROM nine_box_placements WHERE account_id = $1 AND quarter = $2")
            .bind(id.0)
            .bind(quarter.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO nine_box_placements (account_id, quarter, relationship, upsell, note, user_id, via, placed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.0)
        .bind(quarter.to_string())
        .bind(i64::from(nine_box.relationship))
        .bind(i64::from(nine_box.upsell))
        .bind(note)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&actor.via)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let latest = account.priority.nine_box.is_none_or(|(q, _)| q <= quarter);
        if latest {
            sqlx::query(
                "UPDATE accounts SET box_quarter = $1, box_relationship = $2, box_upsell = $3, box_code = $4, \
                 updated_at = $5 WHERE id = $6",
            )
            .bind(quarter.to_string())
            .bind(i64::from(nine_box.relationship))
            .bind(i64::from(nine_box.upsell))
            .bind(nine_box.code())
            .bind(&now)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        }
        let after = audit_priority(&mut tx, &now, actor, "nine_box", &account, currency).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The book on the grid for the quarter.
    pub async fn nine_box(&self, quarter: Quarter) -> Result<NineBoxView> {
        let labels = self.prioritisation_rules().await?.nine_box_labels;
        type Row = (i64, String, Option<i64>, Option<i64>, i64, i64, String);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.name, a.tier, a.csm_id, p.relationship, p.upsell, p.note \
             FROM nine_box_placements p JOIN accounts a ON a.id = p.account_id \
             WHERE p.quarter = $1 ORDER BY a.name_key, a.id",
        )
        .bind(quarter.to_string())
        .fetch_all(&self.pool)
        .await?;
        let before: HashMap<i64, NineBox> = sqlx::query_as::<_, (i64, i64, i64)>(
            "SELECT account_id, relationship, upsell FROM nine_box_placements WHERE quarter = $1",
        )
        .bind(quarter.previous().to_string())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .filter_map(|(id, r, u)| NineBox::new(r, u).ok().map(|b| (id, b)))
        .collect();
        // Counted per kind, so the rule of what a personal touch is stays in one place (core).
        let mut touches: HashMap<i64, i64> = HashMap::new();
        for (id, kind, n) in sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT account_id, kind, COUNT(*) FROM activities WHERE occurred_at >= $1 AND occurred_at < $2 \
             GROUP BY account_id, kind",
        )
        .bind(quarter.first_day().to_string())
        .bind(quarter.end().to_string())
        .fetch_all(&self.pool)
        .await?
        {
            let personal = kind
                .parse::<ActivityKind>()
                .is_ok_and(|k| k.is_personal_touch());
            if personal {
                *touches.entry(id).or_default() += n;
            }
        }
        let mut entries = Vec::with_capacity(rows.len());
        for (id, name, tier, csm, r, u, note) in rows {
            entries.push(NineBoxEntry {
                id: AccountId(id),
                name,
                tier: tier.and_then(Tier::new),
                csm: csm.map(UserId),
                nine_box: NineBox::new(r, u)
                    .map_err(|_| crate::rows::bad("nine_box", &format!("{r}-{u}")))?,
                before: before.get(&id).copied(),
                note,
                touches: touches
                    .get(&id)
                    .map_or(0, |n| u32::try_from(*n).unwrap_or(u32::MAX)),
            });
        }
        let placed: std::collections::HashSet<i64> = entries.iter().map(|e| e.id.0).collect();
        let not_yet_placed = before.keys().filter(|id| !placed.contains(id)).count();
        Ok(NineBoxView {
            quarter,
            labels,
            entries,
            not_yet_placed,
        })
    }
}
