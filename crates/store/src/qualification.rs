//! A renewal's MEDDICC qualification (each save a version of its own), the competitors
//! mentioned on an account, and the revenue settings (every version kept).

use crate::audit::record;
use crate::rows::{day, time};
use crate::versions::Versioned;
use crate::{Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::revenue::RevenueConfig;
use sherpa_core::revenue::meddicc::Qualification;
use sherpa_core::text::date;
use sherpa_core::*;

/// A saved qualification.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedQualification {
    pub content: Qualification,
    pub by: Option<String>,
    pub saved_at: DateTime<Utc>,
}

/// A competitor mentioned on an account.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetitorMention {
    pub competitor: String,
    pub on: NaiveDate,
    pub note: String,
    pub by: Option<String>,
}

/// Where the revenue settings are kept.
const REVENUE: Versioned = Versioned {
    table: "revenue_config_versions",
    entity: "revenue_config",
};

fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Db(sqlx::Error::Decode(format!("{what}: {e}").into())))
}

impl Store {
    /// The revenue settings in force (the defaults until someone saves them).
    pub async fn revenue_config(&self) -> Result<RevenueConfig> {
        self.config_in_force(REVENUE).await
    }

    /// Saves revenue settings, checked by the caller.
    pub async fn set_revenue_config(&self, actor: &Actor, config: &RevenueConfig) -> Result<()> {
        let before = self.revenue_config().await?;
        self.save_config_version(
            REVENUE,
            actor,
            (&before, config),
            "MEDDICC elements, competitors and renewal chances",
            false,
        )
        .await?;
        Ok(())
    }

    /// Every saved version of a renewal's qualification, the latest first.
    pub async fn qualifications(&self, contract: ContractId) -> Result<Vec<SavedQualification>> {
        let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(
            "SELECT q.content, u.name, q.saved_at FROM renewal_qualifications q \
             LEFT JOIN users u ON u.id = q.user_id WHERE q.contract_id = $1 ORDER BY q.id DESC",
        )
        .bind(contract.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(content, by, at)| {
                Ok(SavedQualification {
                    content: decode("qualification", &content)?,
                    by,
                    saved_at: time("saved_at", &at)?,
                })
            })
            .collect()
    }

    /// Saves a version of a renewal's qualification, checked by the caller.
    pub async fn save_qualification(
        &self,
        actor: &Actor,
        account: AccountId,
        contract: ContractId,
        content: &Qualification,
    ) -> Result<()> {
        let now = self.now();
        let json = serde_json::to_string(content).expect("plain data");
        let mut tx = self.write_tx().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO renewal_qualifications (contract_id, content, user_id, saved_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(contract.0)
        .bind(&json)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({
            "account_id": account.0,
            "contract_id": contract.0,
            "meddicc": content,
        });
        record(
            &mut tx,
            &now,
            actor,
            "update",
            "renewal_qualification",
            id,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The competitors mentioned on an account from `since` on, the latest first.
    pub async fn competitor_mentions(
        &self,
        account: AccountId,
        since: NaiveDate,
    ) -> Result<Vec<CompetitorMention>> {
        let rows: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
            "SELECT m.competitor, m.mentioned_on, m.note, u.name FROM competitor_mentions m \
             LEFT JOIN users u ON u.id = m.user_id WHERE m.account_id = $1 AND m.mentioned_on >= $2 \
             ORDER BY m.mentioned_on DESC, m.id DESC",
        )
        .bind(account.0)
        .bind(date(since))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(competitor, on, note, by)| {
                Ok(CompetitorMention {
                    competitor,
                    on: day("mentioned_on", &on)?,
                    note,
                    by,
                })
            })
            .collect()
    }

    /// Records that a listed competitor was mentioned on an account.
    pub async fn mention_competitor(
        &self,
        actor: &Actor,
        account: AccountId,
        competitor: &str,
        on: NaiveDate,
        note: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        mention(&mut tx, &now, actor, account, competitor, on, note).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records many mentions at once, all or none: a book's loaded together (the demo's) take
    /// one transaction, not one each.
    pub async fn mention_competitors(
        &self,
        mentions: &[(Actor, AccountId, &str, NaiveDate, &str)],
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        for (actor, account, competitor, on, note) in mentions {
            mention(&mut tx, &now, actor, *account, competitor, *on, note).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Records one mention on `conn` (inside its caller's transaction).
async fn mention(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    account: AccountId,
    competitor: &str,
    on: NaiveDate,
    note: &str,
) -> Result<()> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO competitor_mentions (account_id, competitor, mentioned_on, note, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account.0)
    .bind(competitor)
    .bind(date(on))
    .bind(note)
    .bind(actor.user_id.map(|u| u.0))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let after = serde_json::json!({
        "account_id": account.0,
        "competitor": competitor,
        "on": date(on),
        "note": note,
    });
    record(
        conn,
        now,
        actor,
        "create",
        "competitor_mention",
        id,
        None,
        Some(&after),
    )
    .await?;
    Ok(())
}
