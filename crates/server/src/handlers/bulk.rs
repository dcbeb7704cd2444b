//! Bulk upserts by external id for accounts, contacts and contract terms: the same all-or-nothing
//! rules as the CLI import. Every bad item is listed by its index (422) and nothing is written.

use super::ApiJson;
use super::accounts::account_patch;
use super::contacts::contact_patch;
use super::contracts::contract_patch;
use crate::auth::ApiUser;
use crate::{AppError, AppState};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sherpa_core::import::{
    AccountKey, AccountRow, ContactKey, ContactRow, ContractRow, ImportFile, ImportSummary,
    RowError,
};
use std::collections::HashSet;
use std::hash::Hash;
use utoipa::ToSchema;

/// At most this many items per request.
const MAX_ITEMS: usize = 1000;

#[derive(Deserialize, ToSchema)]
pub struct BulkItems {
    /// Records keyed by `external_id`; at most 1,000.
    #[schema(value_type = Vec<Object>)]
    items: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Accounts: owners named who are not team members. The accounts were saved without them
    /// and keep the name; adding the member (or mapping the name to one) makes them the owner.
    pub unknown_owners: Vec<UnknownOwner>,
}

/// An owner named by the items who is not a team member yet.
#[derive(Serialize, ToSchema)]
pub struct UnknownOwner {
    /// The name or email as the items give it.
    pub name: String,
    /// How many items name them.
    pub items: usize,
}

impl From<ImportSummary> for BulkSummary {
    fn from(s: ImportSummary) -> Self {
        BulkSummary {
            created: s.created,
            updated: s.updated,
            unchanged: s.unchanged,
            unknown_owners: s
                .unknown_owners
                .into_iter()
                .map(|(name, items)| UnknownOwner { name, items })
                .collect(),
        }
    }
}

/// Parses every item, keys it, refuses duplicates; all problems are reported together.
fn parse_items<T, K: Hash + Eq + Clone>(
    items: Vec<Value>,
    parse: impl Fn(Value) -> Result<T, AppError>,
    key: impl Fn(&T) -> Result<K, (&'static str, &'static str)>,
) -> Result<Vec<(usize, K, T)>, AppError> {
    if items.len() > MAX_ITEMS {
        return Err(AppError::bad(
            "items",
            format!(
                "{} items; send at most {MAX_ITEMS} per request",
                items.len()
            ),
        ));
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in items.into_iter().enumerate() {
        let err = |field: Option<String>, message: String| RowError {
            line: i,
            column: field,
            message,
        };
        match parse(item) {
            Ok(t) => match key(&t) {
                Ok(k) if seen.insert(k.clone()) => out.push((i, k, t)),
                Ok(_) => errors.push(err(
                    Some("external_id".into()),
                    "appears earlier in this batch".into(),
                )),
                Err((field, message)) => errors.push(err(Some(field.into()), message.into())),
            },
            Err(AppError::BadRequest { field, message }) => errors.push(err(field, message)),
            Err(e) => return Err(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Rows(errors))
    }
}

/// Creates or updates accounts by external id (or domain), all or nothing.
#[utoipa::path(post, path = "/api/v1/accounts/bulk", tag = "accounts", request_body = BulkItems,
    responses((status = 200, description = "The count of records created, updated and unchanged", body = BulkSummary)))]
pub async fn bulk_upsert_accounts(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<BulkItems>,
) -> Result<Json<BulkSummary>, AppError> {
    // Refused before the items are read, so a caller who may not learns nothing of them.
    u.require_manage()?;
    let defs = s.store.custom_fields().await?;
    let items = parse_items(
        b.items,
        |v| account_patch(v, &defs),
        |p| match (p.external_id.clone().flatten(), p.domain.clone().flatten()) {
            (Some(x), _) => Ok(AccountKey::ExternalId(x)),
            (None, Some(d)) => Ok(AccountKey::Domain(d)),
            _ => Err(("external_id", "each item needs an external_id or a domain")),
        },
    )?;
    let rows = items
        .into_iter()
        .map(|(line, key, patch)| AccountRow { line, key, patch })
        .collect();
    Ok(Json(
        s.app
            .import_rows(
                &u.caller(),
                &ImportFile::Accounts(ImportFile::checked(rows)),
            )
            .await?
            .into(),
    ))
}

/// Creates or updates contacts by external id (or email), all or nothing. Name the account with
/// `account_external_id` (or `account_id`).
#[utoipa::path(post, path = "/api/v1/contacts/bulk", tag = "contacts", request_body = BulkItems,
    responses((status = 200, description = "The count of records created, updated and unchanged", body = BulkSummary)))]
pub async fn bulk_upsert_contacts(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<BulkItems>,
) -> Result<Json<BulkSummary>, AppError> {
    // Refused before the items are read, so a caller who may not learns nothing of them.
    u.require_manage()?;
    let items = parse_items(b.items, contact_patch, |p| {
        match (p.external_id.clone().flatten(), p.email.clone().flatten()) {
            (Some(x), _) => Ok(ContactKey::ExternalId(x)),
            (None, Some(e)) => Ok(ContactKey::Email(e)),
            _ => Err(("external_id", "each item needs an external_id or an email")),
        }
    })?;
    let rows = items
        .into_iter()
        .map(|(line, key, patch)| ContactRow { line, key, patch })
        .collect();
    Ok(Json(
        s.app
            .import_rows(
                &u.caller(),
                &ImportFile::Contacts(ImportFile::checked(rows)),
            )
            .await?
            .into(),
    ))
}

/// Creates or updates contract terms by external id, all or nothing; accounts' ARR follows.
#[utoipa::path(post, path = "/api/v1/contracts/bulk", tag = "contracts", request_body = BulkItems,
    responses((status = 200, description = "The count of records created, updated and unchanged", body = BulkSummary)))]
pub async fn bulk_upsert_contracts(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(b): ApiJson<BulkItems>,
) -> Result<Json<BulkSummary>, AppError> {
    // Refused before the items are read, so a caller who may not learns nothing of them.
    u.require_manage()?;
    let items = parse_items(b.items, contract_patch, |p| {
        p.external_id
            .clone()
            .flatten()
            .ok_or(("external_id", "each item needs an external_id"))
    })?;
    let rows = items
        .into_iter()
        .map(|(line, _, patch)| ContractRow { line, patch })
        .collect();
    Ok(Json(
        s.app
            .import_rows(
                &u.caller(),
                &ImportFile::Contracts(ImportFile::checked(rows)),
            )
            .await?
            .into(),
    ))
}
