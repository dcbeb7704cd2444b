//! Erasure requests: a person asks that what Sherpa holds about them be erased. Their contact
//! stays as "Erased contact" so the account's history still adds up (a meeting had one more
//! attendee, a survey answer counts in the NPS), but nothing that names them is left: name,
//! email, title, CRM id and roles go; the audit log's copies of them are replaced; the emails
//! Sherpa wrote to them lose their address and text (one still queued is not sent); the traits
//! their product usage events carried (email, name, IP) come off. An unsubscribe is kept: it is
//! their objection to being emailed, which an erasure must not undo.
//!
//! An account is deleted whole (a customer's request, a duplicate, a test): everything that
//! hangs off it goes, its people's copies in the audit log as for an erasure.

use crate::audit::record;
use crate::contacts::load_contact;
use crate::{Result, Store, StoreError};
use sherpa_core::*;
use sqlx::AnyConnection;

/// The name an erased contact keeps.
pub const ERASED_NAME: &str = "Erased contact";

/// What an erasure changed, for the person who asked to be told.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Erased {
    pub account_id: Option<AccountId>,
    /// Audit entries whose copies of the contact were replaced.
    pub audit_entries: u64,
    /// Emails to them stripped of address and text; queued ones are not sent.
    pub sends: u64,
    /// Product usage events whose traits were removed.
    pub events: u64,
}

impl Store {
    /// Erases a contact on their request, in one transaction, with an audit entry that gives the
    /// reason and nothing of the person.
    pub async fn erase_contact(
        &self,
        actor: &Actor,
        id: ContactId,
        reason: &str,
    ) -> Result<Erased> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let contact = load_contact(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::not_found("contact", id))?;
        let account = contact.fields.account_id;
        let mark = serde_json::json!({
            "account_id": account.map(|a| a.to_string()),
            "erased": true,
        });
        sqlx::query(
            "UPDATE contacts SET external_id = NULL, name = $1, email = NULL, title = NULL, \
             roles = '', departed_on = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(ERASED_NAME)
        .bind(&now)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let audit_entries = erase_audit_copies(&mut tx, &mark, "id", id.0).await?;
        let sends = sqlx::query(
            "UPDATE outreach_sends SET recipient = 'erased', recipient_name = '', subject = '', \
             body = '', status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END, \
             last_error = CASE WHEN status IN ('pending', 'sending') THEN 'the recipient asked to be erased' \
             ELSE last_error END WHERE contact_id = $1",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let events = strip_traits(&mut tx, id).await?;
        let after = serde_json::json!({
            "account_id": account.map(|a| a.to_string()),
            "erased": true,
            "reason": reason,
        });
        record(
            &mut tx,
            &now,
            actor,
            "erase",
            "contact",
            id,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(Erased {
            account_id: account,
            audit_entries,
            sends,
            events,
        })
    }
}

/// What deleting an account took with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletedAccount {
    pub name: String,
    pub contacts: u64,
    pub terms: u64,
    /// Raw usage events, loose and in blocks.
    pub events: u64,
    /// Subsidiaries that now have no parent.
    pub subsidiaries: u64,
}

/// Usage kept per account without a foreign key to it: deleted with the account.
const USAGE_TABLES: [&str; 8] = [
    "events",
    "event_blocks",
    "product_users",
    "usage_days",
    "usage_names",
    "usage_first_names",
    "usage_user_months",
    "usage_name_users",
];

impl Store {
    /// Deletes an account and everything that hangs off it (contacts, terms, activities,
    /// tasks, tickets, surveys, health, plans, usage), in one transaction. Its contacts' copies
    /// in the audit log are erased as for an erasure request; the log keeps the account's own
    /// entries and this deletion with its reason. Subsidiaries stay, without a parent. A
    /// forecast plan already frozen keeps its line for the account: it is what was planned.
    pub async fn delete_account(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
    ) -> Result<DeletedAccount> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let account = crate::accounts::load_account(&mut tx, id, self.currency())
            .await?
            .ok_or_else(|| StoreError::not_found("account", id))?;
        let mark = serde_json::json!({"account_id": id.to_string(), "erased": true});
        erase_audit_copies(&mut tx, &mark, "account_id", id.0).await?;
        let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(id.0);
        let contacts = count("SELECT COUNT(*) FROM contacts WHERE account_id = $1")
            .fetch_one(&mut *tx)
            .await? as u64;
        let terms = count("SELECT COUNT(*) FROM contracts WHERE account_id = $1")
            .fetch_one(&mut *tx)
            .await? as u64;
        let loose = count("SELECT COUNT(*) FROM events WHERE account_id = $1")
            .fetch_one(&mut *tx)
            .await?;
        let blocked =
            count("SELECT COALESCE(SUM(events), 0) FROM event_blocks WHERE account_id = $1")
                .fetch_one(&mut *tx)
                .await?;
        // Renewal calls and qualifications hang off the account's terms without a foreign key.
        for table in ["renewal_calls", "renewal_qualifications"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE contract_id IN (SELECT id FROM contracts WHERE account_id = $1)"
            ))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        }
        for table in USAGE_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        let children: Vec<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE parent_id = $1")
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await?;
        for (child,) in &children {
            sqlx::query("UPDATE accounts SET parent_id = NULL, updated_at = $1 WHERE id = $2")
                .bind(&now)
                .bind(child)
                .execute(&mut *tx)
                .await?;
            let before = serde_json::json!({"parent_id": id.to_string()});
            let after = serde_json::json!({"parent_id": null});
            record(
                &mut tx,
                &now,
                actor,
                "update",
                "account",
                child,
                Some(&before),
                Some(&after),
            )
            .await?;
        }
        sqlx::query("DELETE FROM accounts WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let after = serde_json::json!({"deleted": true, "reason": reason});
        record(
            &mut tx,
            &now,
            actor,
            "delete",
            "account",
            id,
            Some(&crate::rows::account_json(&account.fields)),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(DeletedAccount {
            name: account.fields.name,
            contacts,
            terms,
            events: (loose + blocked) as u64,
            subsidiaries: children.len() as u64,
        })
    }
}

/// Replaces the audit log's copies of the contacts whose `column` (their id, or their
/// account's) is `value` with `mark`; returns how many entries.
async fn erase_audit_copies(
    conn: &mut AnyConnection,
    mark: &serde_json::Value,
    column: &'static str,
    value: i64,
) -> Result<u64> {
    Ok(sqlx::query(&format!(
        "UPDATE audit_log SET \
         before = CASE WHEN before IS NULL THEN NULL ELSE $1 END, \
         after = CASE WHEN after IS NULL THEN NULL ELSE $1 END \
         WHERE entity = 'contact' AND entity_id IN \
         (SELECT CAST(id AS TEXT) FROM contacts WHERE {column} = $2)"
    ))
    .bind(mark.to_string())
    .bind(value)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Takes the person's traits (email, name, phone, address, IP) off the usage events of the
/// product users their email linked to the contact, loose and in blocks; what they did stays,
/// for the account's usage.
async fn strip_traits(conn: &mut AnyConnection, id: ContactId) -> Result<u64> {
    let keys: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT user_key, account_id FROM product_users WHERE contact_id = $1")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
    let mut n = 0;
    for (key, _) in &keys {
        let loose: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, body FROM events WHERE user_key = $1")
                .bind(key)
                .fetch_all(&mut *conn)
                .await?;
        for (event, body) in loose {
            if let Some(clean) = intake::without_traits(&body) {
                sqlx::query("UPDATE events SET body = $1 WHERE id = $2")
                    .bind(clean)
                    .bind(event)
                    .execute(&mut *conn)
                    .await?;
                n += 1;
            }
        }
    }
    let mut accounts: Vec<i64> = keys.iter().filter_map(|(_, a)| *a).collect();
    accounts.sort_unstable();
    accounts.dedup();
    for account in accounts {
        let blocks: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT first_id, data FROM event_blocks WHERE account_id = $1")
                .bind(account)
                .fetch_all(&mut *conn)
                .await?;
        for (first, data) in blocks {
            let mut events = intake::decode_block(&data)?;
            let mut changed = 0;
            for e in &mut events {
                if keys.iter().any(|(k, _)| *k == e.user_key)
                    && let Some(clean) = intake::without_traits(&e.body)
                {
                    e.body = clean;
                    changed += 1;
                }
            }
            if changed > 0 {
                sqlx::query("UPDATE event_blocks SET data = $1 WHERE first_id = $2")
                    .bind(intake::reencode_block(&events))
                    .bind(first)
                    .execute(&mut *conn)
                    .await?;
                n += changed;
            }
        }
    }
    Ok(n)
}
