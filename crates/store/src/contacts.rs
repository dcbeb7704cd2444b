//! Contacts: the people at each account.

use crate::accounts::resolve_account;
use crate::audit::record;
use crate::rows::{CONTACT_COLUMNS, ContactRow, contact_json};
use crate::users::Change;
use crate::{Result, Store, StoreError};
use sherpa_core::*;
use sqlx::AnyConnection;

pub(crate) async fn load_contact(
    conn: &mut AnyConnection,
    id: ContactId,
) -> Result<Option<Contact>> {
    let row: Option<ContactRow> = sqlx::query_as(&format!(
        "SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Contact::try_from).transpose()?)
}

/// Creates or updates a contact from a patch, with its audit entry.
pub(crate) async fn save_contact(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    id: Option<ContactId>,
    patch: &ContactPatch,
) -> Result<(ContactId, Change)> {
    let account = match &patch.account {
        Some(Some(r)) => Some(Some(
            resolve_account(conn, r)
                .await
                .map_err(|e| StoreError::invalid("account", e))?,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let before = match id {
        Some(id) => Some(
            load_contact(conn, id)
                .await?
                .ok_or_else(|| StoreError::not_found("contact", id))?
                .fields,
        ),
        None => None,
    };
    let mut f = before.clone().unwrap_or_default();
    patch.apply(&mut f, account);
    if f.name.trim().is_empty() {
        return Err(StoreError::invalid("name", "name is required"));
    }
    if before.as_ref() == Some(&f) {
        return Ok((id.expect("existing"), Change::Unchanged));
    }
    let roles = roles_to_text(&f.roles);
    let departed = crate::rows::opt_date(f.departed_on);
    let q = match id {
        Some(_) => sqlx::query_as::<_, (i64,)>(
            "UPDATE contacts SET account_id = $1, external_id = $2, name = $3, email = $4, title = $5, roles = $6, \
             departed_on = $7, updated_at = $8 WHERE id = $9 RETURNING id",
        ),
        None => sqlx::query_as::<_, (i64,)>(
            "INSERT INTO contacts (account_id, external_id, name, email, title, roles, departed_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        ),
    }
    .bind(f.account_id.map(|a| a.0))
    .bind(f.external_id.as_deref())
    .bind(&f.name)
    .bind(f.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(f.title.as_deref())
    .bind(roles)
    .bind(departed)
    .bind(now);
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let (new_id,) = q.fetch_one(&mut *conn).await.map_err(|e| {
        StoreError::unique(e, || {
            format!(
                "another contact already has external id {:?}",
                f.external_id.as_deref().unwrap_or("")
            )
        })
    })?;
    let action = if id.is_some() { "update" } else { "create" };
    record(
        conn,
        now,
        actor,
        action,
        "contact",
        new_id,
        before.as_ref().map(contact_json).as_ref(),
        Some(&contact_json(&f)),
    )
    .await?;
    Ok((
        ContactId(new_id),
        if id.is_some() {
            Change::Updated
        } else {
            Change::Created
        },
    ))
}

impl Store {
    pub async fn contact(&self, id: ContactId) -> Result<Contact> {
        let mut conn = self.pool.acquire().await?;
        load_contact(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("contact", id))
    }

    /// Contacts of one account, or of the whole book, in id order after `after`.
    pub async fn contacts(&self, q: &crate::ListQuery) -> Result<Vec<Contact>> {
        let (sql, args) = q.statement(CONTACT_COLUMNS, "contacts");
        let rows: Vec<ContactRow> = sqlx::query_as_with(&sql, args)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(Contact::try_from)
            .collect::<Result<_, _>>()?)
    }

    pub async fn save_contact(
        &self,
        actor: &Actor,
        id: Option<ContactId>,
        patch: &ContactPatch,
    ) -> Result<Contact> {
        // A contact who moves leaves one account's relationship metrics and joins another's.
        let was = match id {
            Some(id) => match self.contact(id).await {
                Ok(c) => c.fields.account_id,
                // A new contact under a chosen id has no account to leave.
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let mut tx = self.write_tx().await?;
        let (id, _) = save_contact(&mut tx, &self.now(), actor, id, patch).await?;
        tx.commit().await?;
        let contact = self.contact(id).await?;
        self.health_watch()
            .mark(was.into_iter().chain(contact.fields.account_id));
        Ok(contact)
    }
}
