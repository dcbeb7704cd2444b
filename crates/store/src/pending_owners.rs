//! Owners a CRM file names who are not team members yet. An import does not refuse a file for
//! them ("Sam Seller" is the AE in Salesforce but has no Sherpa login): the account is saved
//! without that owner and keeps the name here; when a team member with that name or email is
//! added, they own those accounts, audited as any change.

use crate::audit::record;
use crate::{Result, Store, StoreError};
use sherpa_core::text::fold;
use sherpa_core::*;
use sqlx::AnyConnection;

/// A name a file gave as an owner, not yet a team member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOwner {
    pub name: String,
    pub function: OwnerFunction,
    /// Accounts waiting for them.
    pub accounts: i64,
}

/// The name or email as the file wrote it ("Sam Seller"), for the import's summary.
pub(crate) fn shown(person: &PersonRef) -> String {
    name_and_key(person).map_or_else(|| person.to_string(), |(name, _)| name)
}

/// The name or email as the file wrote it, and how it is matched to a team member later.
fn name_and_key(person: &PersonRef) -> Option<(String, String)> {
    match person {
        PersonRef::Email(e) => Some((e.to_string(), e.as_str().to_lowercase())),
        PersonRef::Name(n) => Some((n.clone(), fold(n))),
        PersonRef::Id(_) => None,
    }
}

fn column(f: OwnerFunction) -> &'static str {
    match f {
        OwnerFunction::Csm => "csm_id",
        OwnerFunction::Ae => "ae_id",
        OwnerFunction::CustomerDevelopment => "cd_id",
        OwnerFunction::ExecutiveSponsor => "sponsor_id",
    }
}

/// A name kept for an owner: as written, and folded to match a member later.
pub(crate) type KeptName = (String, String);

/// For each owner a saved row named (a member or not), the name to keep: the one it gave that is not a member
/// yet, or none (it named a member, or nobody), which replaces a name kept before.
pub(crate) fn wanted(
    patch: &AccountPatch,
    unknown: &[(OwnerFunction, PersonRef)],
) -> Vec<(OwnerFunction, Option<KeptName>)> {
    let named: std::collections::BTreeSet<OwnerFunction> = patch
        .owners
        .keys()
        .chain(unknown.iter().map(|(f, _)| f))
        .copied()
        .collect();
    named
        .into_iter()
        .map(|f| {
            let name = unknown
                .iter()
                .filter(|(u, _)| *u == f)
                .find_map(|(_, r)| name_and_key(r));
            (f, name)
        })
        .collect()
}

/// Every name kept, by account and function: read once by a file's import.
pub(crate) async fn all_kept(
    conn: &mut AnyConnection,
) -> Result<std::collections::HashMap<(i64, OwnerFunction), KeptName>> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT account_id, function, name, name_key FROM pending_owners")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(a, f, name, key)| Ok(((a, crate::rows::parse("function", &f)?), (name, key))))
        .collect()
}

/// Keeps `name` as the account's owner in function `f`, or forgets the name kept there.
pub(crate) async fn set(
    conn: &mut AnyConnection,
    account: AccountId,
    f: OwnerFunction,
    name: Option<&KeptName>,
) -> Result<()> {
    match name {
        None => {
            sqlx::query("DELETE FROM pending_owners WHERE account_id = $1 AND function = $2")
                .bind(account.0)
                .bind(f.as_str())
                .execute(&mut *conn)
                .await?;
        }
        Some((name, key)) => {
            sqlx::query(
                "INSERT INTO pending_owners (account_id, function, name, name_key) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (account_id, function) DO UPDATE SET name = excluded.name, name_key = excluded.name_key",
            )
            .bind(account.0)
            .bind(f.as_str())
            .bind(name)
            .bind(key)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Keeps or forgets many accounts' owner names at once, as [`set`] does one: the names kept in
/// multi-row upserts (a first import names thousands of owners who are not members yet).
pub(crate) async fn set_many(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    names: Vec<(AccountId, OwnerFunction, Option<KeptName>)>,
) -> Result<()> {
    use crate::sql::Arg;
    let mut kept = Vec::new();
    for (account, f, name) in names {
        match name {
            None => set(conn, account, f, None).await?,
            Some((name, key)) => kept.push(vec![
                Arg::Int(account.0),
                Arg::Text(f.as_str().to_string()),
                Arg::Text(name),
                Arg::Text(key),
            ]),
        }
    }
    crate::bulk::upsert_rows(
        conn,
        engine,
        "pending_owners",
        &["account_id", "function", "name", "name_key"],
        kept,
        "ON CONFLICT (account_id, function) DO UPDATE SET name = excluded.name, \
         name_key = excluded.name_key",
    )
    .await
}

/// Gives a team member the accounts that waited for their name or email (an account whose
/// owner was set since keeps that owner). Returns how many.
pub(crate) async fn claim(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    user: &User,
) -> Result<usize> {
    let keys = [fold(&user.name), user.email.as_str().to_lowercase()];
    give(conn, now, actor, user, &keys).await
}

/// Gives `user` the accounts waiting for a name or email folded to one of `keys`.
async fn give(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    user: &User,
    keys: &[String; 2],
) -> Result<usize> {
    let waiting: Vec<(i64, String)> = sqlx::query_as(
        "SELECT account_id, function FROM pending_owners WHERE name_key IN ($1, $2) ORDER BY account_id",
    )
    .bind(&keys[0])
    .bind(&keys[1])
    .fetch_all(&mut *conn)
    .await?;
    let mut n = 0;
    for (account, function) in waiting {
        let f: OwnerFunction = crate::rows::parse("function", &function)?;
        let col = column(f);
        let set = sqlx::query(&format!(
            "UPDATE accounts SET {col} = $1, updated_at = $2 WHERE id = $3 AND {col} IS NULL"
        ))
        .bind(user.id.0)
        .bind(now)
        .bind(account)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM pending_owners WHERE account_id = $1 AND function = $2")
            .bind(account)
            .bind(&function)
            .execute(&mut *conn)
            .await?;
        if set > 0 {
            n += 1;
            let owner = serde_json::json!({ format!("owners.{function}"): user.id.to_string() });
            let before = serde_json::json!({ format!("owners.{function}"): null });
            record(
                conn,
                now,
                actor,
                "update",
                "account",
                account,
                Some(&before),
                Some(&owner),
            )
            .await?;
        }
    }
    Ok(n)
}

impl Store {
    /// Gives the accounts waiting for an owner named `name` (as a file wrote it, any case) to
    /// a team member who goes by another name there ("Sam Seller" in the CRM is
    /// sam.s@example.com here). Returns how many accounts they now own; an account whose owner
    /// was set since keeps that owner.
    pub async fn assign_pending_owner(
        &self,
        actor: &Actor,
        name: &str,
        user: UserId,
    ) -> Result<usize> {
        let key = fold(name.trim());
        let now = self.now();
        let member = self.user(user).await.map_err(|e| match e {
            StoreError::NotFound { .. } => {
                StoreError::invalid("user", format!("no team member with id {user}"))
            }
            other => other,
        })?;
        let mut tx = self.write_tx().await?;
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pending_owners WHERE name_key = $1")
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?;
        if waiting == 0 {
            return Err(StoreError::invalid(
                "name",
                format!(
                    "no account waits for an owner named \"{}\"; the names waiting are listed \
                     with the team",
                    name.trim()
                ),
            ));
        }
        if !member.active {
            return Err(StoreError::invalid(
                "user",
                format!("{} is inactive; reactivate them first", member.name),
            ));
        }
        let n = give(&mut tx, &now, actor, &member, &[key.clone(), key]).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The names files gave as owners who are not team members yet, with their accounts.
    pub async fn pending_owners(&self) -> Result<Vec<PendingOwner>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT MIN(name), function, COUNT(*) FROM pending_owners GROUP BY name_key, function \
             ORDER BY COUNT(*) DESC, MIN(name)",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(name, function, accounts)| {
                Ok(PendingOwner {
                    name,
                    function: crate::rows::parse("function", &function)?,
                    accounts,
                })
            })
            .collect()
    }
}
