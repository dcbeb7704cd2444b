//! Accounts: reading, the filtered and sorted book with stable cursors, and writes with their
//! audit entries. An account's ARR and renewal date are kept beside it, refreshed whenever its
//! contract terms change, so the book filters and sorts on them at 100,000 accounts.

pub(crate) mod bulk;
mod lifecycle;
mod listing;
mod matches;
mod totals;

pub use listing::{AccountQuery, AccountSort, SortField};
pub(crate) use matches::MatchesCache;
pub(crate) use totals::{
    GENERATION_AT_COMMIT, MOVE_GENERATION, TotalsCache, commit_moving_generation,
    generation_at_commit,
};

use crate::audit::record;
use crate::rows::{ACCOUNT_COLUMNS, AccountRow, account_json, opt_date};
use crate::sql::{Arg, Args};
use crate::users::{Change, resolve_person};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sherpa_core::text::{date, fold};
use sherpa_core::*;
use sqlx::AnyConnection;

impl Store {
    /// Names of these accounts, for the records a page mentions; a deleted one is absent.
    pub async fn account_names(
        &self,
        ids: &[AccountId],
    ) -> Result<std::collections::HashMap<AccountId, String>> {
        use crate::sql::BindIds;
        let mut ids: Vec<AccountId> = ids.to_vec();
        ids.sort();
        ids.dedup();
        let mut out = std::collections::HashMap::new();
        for part in ids.chunks(500) {
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT id, name FROM accounts WHERE id IN ({})",
                crate::sql::placeholders(0, part.len())
            ))
            .bind_ids(part)
            .fetch_all(&self.pool)
            .await?;
            out.extend(rows.into_iter().map(|(id, name)| (AccountId(id), name)));
        }
        Ok(out)
    }

    pub async fn account(&self, id: AccountId) -> Result<Account> {
        let mut conn = self.pool.acquire().await?;
        load_account(&mut conn, id, self.currency())
            .await?
            .ok_or_else(|| StoreError::not_found("account", id))
    }

    /// The accounts where `user` holds any owner function.
    pub async fn owned_accounts(&self, user: UserId) -> Result<Vec<AccountId>> {
        let rows: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM accounts WHERE {} ORDER BY id",
            listing::owned_by("$1")
        ))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AccountId).collect())
    }

    /// The account a reference names (by id, CRM id or name).
    pub async fn find_account(&self, r: &AccountRef) -> Result<AccountId> {
        let mut conn = self.pool.acquire().await?;
        resolve_account(&mut conn, r)
            .await
            .map_err(|m| StoreError::invalid("account", m))
    }

    /// The earliest end date of the account's current terms: its next renewal.
    pub async fn renewal_date(&self, id: AccountId) -> Result<Option<NaiveDate>> {
        let (d,): (Option<String>,) =
            sqlx::query_as("SELECT renewal_date FROM accounts WHERE id = $1")
                .bind(id.0)
                .fetch_one(&self.pool)
                .await?;
        crate::rows::date("renewal_date", &d).map_err(Into::into)
    }

    pub async fn create_account(&self, actor: &Actor, patch: &AccountPatch) -> Result<Account> {
        let mut tx = self.write_tx().await?;
        let (id, _) = save_account(&mut tx, &self.now(), actor, None, patch).await?;
        tx.commit().await?;
        self.health_watch().mark([id]);
        self.account(id).await
    }

    pub async fn update_account(
        &self,
        actor: &Actor,
        id: AccountId,
        patch: &AccountPatch,
    ) -> Result<Account> {
        let mut tx = self.write_tx().await?;
        load_account(&mut tx, id, self.currency())
            .await?
            .ok_or_else(|| StoreError::not_found("account", id))?;
        save_account(&mut tx, &self.now(), actor, Some(id), patch).await?;
        tx.commit().await?;
        self.health_watch().mark([id]);
        self.account(id).await
    }
}

impl Store {
    /// Applies one patch to each of `ids` in one transaction: every account changes, or none
    /// (one that does not exist refuses them all). Each change is audited on its account.
    pub async fn update_accounts(
        &self,
        actor: &Actor,
        ids: &[AccountId],
        patch: &AccountPatch,
    ) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        let now = self.now();
        for id in ids {
            load_account(&mut tx, *id, self.currency())
                .await?
                .ok_or_else(|| StoreError::not_found("account", *id))?;
            save_account(&mut tx, &now, actor, Some(*id), patch).await?;
        }
        tx.commit().await?;
        self.health_watch().mark(ids.iter().copied());
        Ok(ids.len())
    }
}

pub(crate) async fn load_account(
    conn: &mut AnyConnection,
    id: AccountId,
    currency: Currency,
) -> Result<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?;
    let defs = crate::custom_fields::definitions(conn).await?;
    Ok(row.map(|r| r.into_account(&defs, currency)).transpose()?)
}

pub(crate) async fn account_id_by_external_id(
    conn: &mut AnyConnection,
    external_id: &str,
) -> Result<Option<AccountId>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM accounts WHERE external_id = $1")
        .bind(external_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(id,)| AccountId(id)))
}

pub(crate) async fn resolve_account(
    conn: &mut AnyConnection,
    r: &AccountRef,
) -> Result<AccountId, String> {
    let found = match r {
        AccountRef::Id(id) => sqlx::query_as::<_, (i64,)>("SELECT id FROM accounts WHERE id = $1")
            .bind(id.0)
            .fetch_optional(conn)
            .await
            .map(|o| o.map(|(i,)| AccountId(i))),
        AccountRef::ExternalId(x) => {
            account_id_by_external_id(conn, x)
                .await
                .map_err(|e| match e {
                    StoreError::Db(d) => d,
                    other => sqlx::Error::Protocol(other.to_string()),
                })
        }
        AccountRef::Name(n) => {
            let ids: Vec<(i64,)> =
                sqlx::query_as("SELECT id FROM accounts WHERE name_key = $1 LIMIT 2")
                    .bind(fold(n))
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(|e| format!("could not look up {r}: {e}"))?;
            if ids.len() > 1 {
                return Err(two_named(n));
            }
            Ok(ids.first().map(|(i,)| AccountId(*i)))
        }
    }
    .map_err(|e| format!("could not look up {r}: {e}"))?;
    found.ok_or_else(|| no_account(r))
}

/// How a reference to no account is refused.
pub(crate) fn no_account(r: &AccountRef) -> String {
    format!("no {r}; import or create the account first")
}

/// How a name two accounts share is refused.
pub(crate) fn two_named(name: &str) -> String {
    format!("two accounts are named \"{name}\"; use the external id instead")
}

/// How a parent that would make the hierarchy loop is refused.
pub(crate) fn parent_loop(parent_name: &str) -> StoreError {
    StoreError::invalid(
        "parent",
        format!(
            "{parent_name} is this account or one of its subsidiaries; a parent above its own \
             child would make the hierarchy loop"
        ),
    )
}

/// How an external id or domain another account holds is refused.
pub(crate) fn taken(fields: &AccountFields) -> String {
    format!(
        "another account already has external id {:?} or domain {:?}",
        fields.external_id.as_deref().unwrap_or(""),
        fields.domain.as_ref().map(|d| d.as_str()).unwrap_or("")
    )
}

/// An account's fields once a patch is applied, checked: one rule for a single save and for
/// every row of a file.
pub(crate) fn patched(
    before: Option<&AccountFields>,
    patch: &AccountPatch,
    resolved: &Resolved,
) -> Result<AccountFields> {
    let mut fields = before.cloned().unwrap_or_default();
    patch.apply(&mut fields, resolved);
    validate_account(&fields).map_err(|e| StoreError::invalid("name", e.0))?;
    Ok(fields)
}

/// The columns an account's own fields are written to, in the order of [`field_values`].
pub(crate) const FIELD_COLUMNS: [&str; 17] = [
    "external_id",
    "domain",
    "name",
    "name_key",
    "industry",
    "country",
    "employees",
    "parent_id",
    "lifecycle",
    "customer_since",
    "csm_id",
    "ae_id",
    "cd_id",
    "sponsor_id",
    "custom",
    "search_key",
    "updated_at",
];

/// An account's fields as the values of [`FIELD_COLUMNS`], written at `now`.
pub(crate) fn field_values(fields: &AccountFields, now: &str) -> [Arg; 17] {
    let o = &fields.owners;
    let id = |u: Option<UserId>| Arg::OptInt(u.map(|u| u.0));
    let domain = fields.domain.as_ref().map(|d| d.as_str().to_string());
    [
        Arg::OptText(fields.external_id.clone()),
        Arg::OptText(domain.clone()),
        Arg::Text(fields.name.clone()),
        Arg::Text(fold(&fields.name)),
        Arg::OptText(fields.industry.clone()),
        Arg::OptText(fields.country.clone()),
        Arg::OptInt(fields.employees),
        Arg::OptInt(fields.parent_id.map(|p| p.0)),
        Arg::OptText(fields.lifecycle.map(|l| l.as_str().to_string())),
        Arg::OptText(opt_date(fields.customer_since)),
        id(o.csm),
        id(o.ae),
        id(o.customer_development),
        id(o.executive_sponsor),
        Arg::Text(custom_values_to_json(&fields.custom).to_string()),
        Arg::Text(sherpa_core::text::account_search_key(
            &fields.name,
            fields.external_id.as_deref(),
            domain.as_deref(),
        )),
        Arg::Text(now.to_string()),
    ]
}

/// Resolves a patch's people and parent, naming the field of the first that does not resolve.
pub(crate) async fn resolve_patch(
    conn: &mut AnyConnection,
    p: &AccountPatch,
) -> Result<Resolved, (String, String)> {
    let mut out = Resolved::default();
    if let Some(parent) = &p.parent {
        out.parent = Some(match parent {
            Some(r) => Some(
                resolve_account(conn, r)
                    .await
                    .map_err(|e| ("parent".to_string(), e))?,
            ),
            None => None,
        });
    }
    for (f, person) in &p.owners {
        let id = match person {
            Some(r) => Some(
                resolve_person(conn, r)
                    .await
                    .map_err(|e| (format!("owners.{f}"), e))?,
            ),
            None => None,
        };
        out.owners.insert(*f, id);
    }
    Ok(out)
}

/// Refuses a parent that is the account itself or below it: the hierarchy would loop, and
/// every roll-up over it would never end. Walks up from the new parent.
async fn refuse_parent_loop(
    conn: &mut AnyConnection,
    id: AccountId,
    parent: AccountId,
) -> Result<()> {
    let mut at = Some(parent);
    let mut steps = 0;
    while let Some(current) = at {
        if current == id {
            let (name,): (String,) = sqlx::query_as("SELECT name FROM accounts WHERE id = $1")
                .bind(parent.0)
                .fetch_one(&mut *conn)
                .await?;
            return Err(parent_loop(&name));
        }
        steps += 1;
        if steps > 10_000 {
            break;
        }
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT parent_id FROM accounts WHERE id = $1")
                .bind(current.0)
                .fetch_optional(&mut *conn)
                .await?;
        at = row.and_then(|(p,)| p).map(AccountId);
    }
    Ok(())
}

/// Creates (`id` None) or updates an account from a patch, with its audit entry.
pub(crate) async fn save_account(
    conn: &mut AnyConnection,
    now: &str,
    actor: &Actor,
    id: Option<AccountId>,
    patch: &AccountPatch,
) -> Result<(AccountId, Change)> {
    let resolved = resolve_patch(conn, patch)
        .await
        .map_err(|(f, m)| StoreError::invalid(&f, m))?;
    let before = match id {
        Some(id) => load_account(conn, id, Currency::USD)
            .await?
            .map(|a| a.fields),
        None => None,
    };
    let fields = patched(before.as_ref(), patch, &resolved)?;
    if let (Some(id), Some(parent)) = (id, fields.parent_id)
        && parent == id
    {
        return Err(StoreError::invalid(
            "parent",
            "an account cannot be its own parent",
        ));
    }
    if let (Some(id), Some(parent)) = (id, fields.parent_id)
        && before.as_ref().and_then(|b| b.parent_id) != Some(parent)
    {
        refuse_parent_loop(conn, id, parent).await?;
    }
    if before.as_ref() == Some(&fields) {
        return Ok((id.expect("existing"), Change::Unchanged));
    }
    let mut args = Args::default();
    let marks: Vec<String> = field_values(&fields, now)
        .into_iter()
        .map(|v| args.push(v))
        .collect();
    let sql = match id {
        Some(id) => {
            // A lifecycle someone chose is theirs from now on: never worked out from the
            // terms again.
            let chosen = before
                .as_ref()
                .is_some_and(|b| b.lifecycle != fields.lifecycle);
            let sets: Vec<String> = FIELD_COLUMNS
                .iter()
                .zip(&marks)
                .map(|(c, m)| format!("{c} = {m}"))
                .collect();
            let chosen = args.push(Arg::Int(chosen.into()));
            format!(
                "UPDATE accounts SET {}, lifecycle_from_data = CASE WHEN {chosen} = 1 THEN 0 ELSE lifecycle_from_data END \
                 WHERE id = {} RETURNING id",
                sets.join(", "),
                args.push(Arg::Int(id.0))
            )
        }
        None => format!(
            "INSERT INTO accounts ({}, created_at) VALUES ({}, {}) RETURNING id",
            FIELD_COLUMNS.join(", "),
            marks.join(", "),
            marks[16]
        ),
    };
    let (new_id,): (i64,) = sqlx::query_as_with(&sql, args.into_arguments())
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::unique(e, || taken(&fields)))?;
    let (action, change) = if id.is_some() {
        ("update", Change::Updated)
    } else {
        ("create", Change::Created)
    };
    record(
        conn,
        now,
        actor,
        action,
        "account",
        new_id,
        before.as_ref().map(account_json).as_ref(),
        Some(&account_json(&fields)),
    )
    .await?;
    Ok((AccountId(new_id), change))
}

/// SQL assignments of an account's ARR (the sum of its current terms, converted into the
/// reporting currency in integer minor units; terms in a currency without a rate do not count)
/// and renewal date (the earliest end of a current term). One definition for one account and
/// for the whole book.
pub(crate) fn arr_assignments(account: &str, today: &str, reporting: &str) -> String {
    let current = format!(
        "c.account_id = {account} AND c.status <> 'cancelled' AND c.start_date <= {today} AND c.end_date >= {today}"
    );
    format!(
        "arr_minor = (SELECT COALESCE(SUM(CASE WHEN c.currency = {reporting} THEN c.arr_minor \
                      ELSE c.arr_minor * x.minor_ppm / 1000000 END), 0) \
                      FROM contracts c LEFT JOIN exchange_rates x ON x.currency = c.currency \
                      WHERE {current} AND (c.currency = {reporting} OR x.minor_ppm IS NOT NULL)), \
         renewal_date = (SELECT MIN(c.end_date) FROM contracts c WHERE {current})"
    )
}

/// Recomputes an account's ARR (sum of current terms in the reporting currency) and renewal
/// date (earliest end of a current term) from its contract terms.
pub(crate) async fn refresh_arr(
    conn: &mut AnyConnection,
    account: AccountId,
    today: NaiveDate,
    currency: Currency,
) -> Result<()> {
    let today = date(today);
    sqlx::query(&format!(
        "UPDATE accounts SET {} WHERE id = $1",
        arr_assignments("$1", "$2", "$3")
    ))
    .bind(account.0)
    .bind(&today)
    .bind(currency.code())
    .execute(conn)
    .await?;
    Ok(())
}
