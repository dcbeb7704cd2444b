//! Read-only links that show an account's plan to the customer, signed out. The secret is
//! kept only as its hash; a link expires, can be revoked, and each view is in the audit log.

use crate::audit::record;
use crate::rows::{day, time};
use crate::tokens::{digest, random_hex};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use sherpa_core::*;

/// A link just issued: the secret is shown once.
#[derive(Debug, Clone)]
pub struct IssuedShare {
    pub id: i64,
    pub secret: String,
    pub expires_on: NaiveDate,
}

/// A live link of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedPlan {
    pub id: i64,
    pub account: AccountId,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: Option<UserId>,
    pub expires_on: NaiveDate,
}

type ShareRow = (i64, i64, String, Option<i64>, String);

fn share(r: ShareRow) -> Result<SharedPlan> {
    let (id, account, at, by, expires) = r;
    Ok(SharedPlan {
        id,
        account: AccountId(account),
        created_at: time("created_at", &at)?,
        created_by: by.map(UserId),
        expires_on: day("expires_on", &expires)?,
    })
}

impl Store {
    /// Issues a read-only link to an account's plan, valid through `expires_on`.
    pub async fn share_plan(
        &self,
        actor: &Actor,
        account: AccountId,
        expires_on: NaiveDate,
    ) -> Result<IssuedShare> {
        let secret = format!("sherpa_plan_{}", random_hex());
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO plan_shares (account_id, token_hash, created_at, created_by, expires_on) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account.0)
        .bind(digest(&secret))
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .bind(text::date(expires_on))
        .fetch_one(&mut *tx)
        .await?;
        record(
            &mut tx,
            &now,
            actor,
            "create",
            "plan_share",
            id,
            None,
            Some(
                &serde_json::json!({"account_id": account.0, "expires_on": text::date(expires_on)}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedShare {
            id,
            secret,
            expires_on,
        })
    }

    /// The account's links that still work.
    pub async fn plan_shares(&self, account: AccountId) -> Result<Vec<SharedPlan>> {
        let rows: Vec<ShareRow> = sqlx::query_as(
            "SELECT id, account_id, created_at, created_by, expires_on FROM plan_shares \
             WHERE account_id = $1 AND revoked_at IS NULL AND expires_on >= $2 ORDER BY id DESC",
        )
        .bind(account.0)
        .bind(text::date(self.clock().today()))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(share).collect()
    }

    /// Revokes one of an account's links: it answers 404 from now on.
    pub async fn revoke_plan_share(
        &self,
        actor: &Actor,
        account: AccountId,
        id: i64,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE plan_shares SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
             AND revoked_at IS NULL",
        )
        .bind(&now)
        .bind(id)
        .bind(account.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            return Err(StoreError::not_found("plan link", id));
        }
        record(
            &mut tx,
            &now,
            actor,
            "revoke",
            "plan_share",
            id,
            None,
            Some(&serde_json::json!({"account_id": account.0})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account a live link shows, recording the view in the audit log; `None` for an
    /// unknown, expired or revoked secret.
    pub async fn open_shared_plan(&self, secret: &str) -> Result<Option<AccountId>> {
        let row: Option<ShareRow> = sqlx::query_as(
            "SELECT id, account_id, created_at, created_by, expires_on FROM plan_shares \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_on >= $2",
        )
        .bind(digest(secret))
        .bind(text::date(self.clock().today()))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let s = share(row)?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        record(
            &mut tx,
            &now,
            &Actor::system("shared link"),
            "view",
            "plan_share",
            s.id,
            None,
            Some(&serde_json::json!({"account_id": s.account.0})),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(s.account))
    }
}
