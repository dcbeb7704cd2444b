//! Contract terms, one row per term; every change refreshes the account's ARR and renewal date.

use crate::accounts::{refresh_arr, resolve_account};
use crate::audit::record;
use crate::rows::{CONTRACT_COLUMNS, ContractRow, contract_json};
use crate::users::Change;
use crate::{Result, Store, StoreError};
use sherpa_core::*;
use sqlx::AnyConnection;

pub(crate) async fn load_contract(
    conn: &mut AnyConnection,
    id: ContractId,
) -> Result<Option<Contract>> {
    let row: Option<ContractRow> = sqlx::query_as(&format!(
        "SELECT {CONTRACT_COLUMNS} FROM contracts WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Contract::try_from).transpose()?)
}

pub(crate) async fn contract_id_by_external_id(
    conn: &mut AnyConnection,
    x: &str,
) -> Result<Option<ContractId>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM contracts WHERE external_id = $1")
        .bind(x)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|(i,)| ContractId(i)))
}

/// Creates or updates a term, refreshes the account's ARR, and records the change.
/// Two terms of the same product on one account whose days overlap would count its ARR twice:
/// refused, naming the other term. Terms may touch (one ends the day the next starts), a
/// cancelled term overlaps nothing, and terms that name no product may run side by side (an
/// add-on, another currency's order): only a shared product is the same subscription twice.
async fn check_no_overlap(
    conn: &mut AnyConnection,
    id: Option<ContractId>,
    f: &ContractFields,
) -> Result<()> {
    if f.status == ContractStatus::Cancelled {
        return Ok(());
    }
    let others: Vec<(i64, Option<String>, String, String, String)> = sqlx::query_as(
        "SELECT id, external_id, products, start_date, end_date FROM contracts \
         WHERE account_id = $1 AND id <> $2 AND status <> 'cancelled' \
         AND start_date < $3 AND end_date > $4 ORDER BY start_date, id",
    )
    .bind(f.account_id.0)
    .bind(id.map_or(0, |i| i.0))
    .bind(sherpa_core::text::date(f.end_date))
    .bind(sherpa_core::text::date(f.start_date))
    .fetch_all(&mut *conn)
    .await?;
    let same_product = |products: &str| {
        let theirs: Vec<&str> = products.split(';').filter(|p| !p.is_empty()).collect();
        theirs
            .iter()
            .any(|p| f.products.iter().any(|q| q.eq_ignore_ascii_case(p)))
    };
    if let Some((other, external, _, start, end)) = others.into_iter().find(|o| same_product(&o.2))
    {
        let name = external.unwrap_or_else(|| format!("#{other}"));
        return Err(StoreError::invalid(
            "start_date",
            format!(
                "this term ({} to {}) overlaps term {name} ({start} to {end}) of the same product on this account; two running terms would count its ARR twice. End one the day the other starts, or mark the one it replaces cancelled",
                f.start_date, f.end_date
            ),
        ));
    }
    Ok(())
}

/// Outcomes for the ended terms of `accounts` that have none, from the term of the same product
/// that followed (see [`outcome_from_next`]); a term counts as churned only once
/// [`OUTCOME_GRACE_DAYS`] have passed since its end without a next one. Each is saved like any
/// change, with its audit entry; answers how many.
pub(crate) async fn derive_outcomes(
    conn: &mut AnyConnection,
    now: &str,
    today: chrono::NaiveDate,
    currency: Currency,
    actor: &Actor,
    accounts: &[AccountId],
) -> Result<usize> {
    type Term = (i64, String, i64, String, String, String, Option<String>);
    let mut derived = 0;
    for account in accounts {
        let terms: Vec<Term> = sqlx::query_as(
            "SELECT id, products, arr_minor, currency, start_date, end_date, outcome FROM contracts \
             WHERE account_id = $1 AND status <> 'cancelled' ORDER BY start_date, id",
        )
        .bind(account.0)
        .fetch_all(&mut *conn)
        .await?;
        let money = |t: &Term| -> Result<Money> {
            let cur = Currency::parse(&t.3)
                .map_err(|e| StoreError::invalid("currency", e.to_string()))?;
            Ok(Money::from_minor_units(t.2, cur))
        };
        let products = |t: &Term| -> Vec<String> {
            t.1.split(';')
                .filter(|p| !p.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        for (i, t) in terms.iter().enumerate() {
            let end = crate::rows::day("end_date", &t.5)?;
            if t.6.is_some() || end >= today {
                continue;
            }
            let mine = products(t);
            let next = terms[i + 1..].iter().find(|n| {
                let theirs = products(n);
                n.4 > t.4
                    && ((mine.is_empty() && theirs.is_empty())
                        || theirs.iter().any(|p| mine.contains(p)))
            });
            let outcome = match next {
                Some(n) => outcome_from_next(&money(t)?, Some(&money(n)?)),
                None if (today - end).num_days() > OUTCOME_GRACE_DAYS => Outcome::Churned,
                None => continue,
            };
            let patch = ContractPatch {
                outcome: Some(Some(outcome)),
                ..Default::default()
            };
            save_contract(
                conn,
                now,
                today,
                currency,
                actor,
                Some(ContractId(t.0)),
                &patch,
            )
            .await?;
            derived += 1;
        }
    }
    Ok(derived)
}

pub(crate) async fn save_contract(
    conn: &mut AnyConnection,
    now: &str,
    today: chrono::NaiveDate,
    currency: Currency,
    actor: &Actor,
    id: Option<ContractId>,
    patch: &ContractPatch,
) -> Result<(ContractId, Change)> {
    let account = match &patch.account {
        Some(r) => Some(
            resolve_account(conn, r)
                .await
                .map_err(|e| StoreError::invalid("account", e))?,
        ),
        None => None,
    };
    let before = match id {
        Some(id) => Some(
            load_contract(conn, id)
                .await?
                .ok_or_else(|| StoreError::not_found("contract", id))?
                .fields,
        ),
        None => None,
    };
    let f = patch
        .build(before.as_ref(), account, today)
        .map_err(|e| StoreError::invalid("contract", e.0))?;
    crate::exchange::check_convertible(conn, f.arr.currency, currency).await?;
    if before.as_ref() == Some(&f) {
        return Ok((id.expect("existing"), Change::Unchanged));
    }
    check_no_overlap(conn, id, &f).await?;
    let minor = f
        .arr
        .minor_units()
        .map_err(|e| StoreError::invalid("arr", e.to_string()))?;
    let q = match id {
        Some(_) => sqlx::query_as::<_, (i64,)>(
            "UPDATE contracts SET account_id = $1, external_id = $2, products = $3, arr_minor = $4, currency = $5, \
             seats = $6, start_date = $7, end_date = $8, status = $9, outcome = $10, churn_reason = $11, terms = $12, \
             auto_renew = $13, notice_days = $16, updated_at = $14 WHERE id = $15 RETURNING id",
        ),
        None => sqlx::query_as::<_, (i64,)>(
            "INSERT INTO contracts (account_id, external_id, products, arr_minor, currency, seats, start_date, end_date, \
             status, outcome, churn_reason, terms, auto_renew, created_at, updated_at, notice_days) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING id",
        ),
    }
    .bind(f.account_id.0)
    .bind(f.external_id.as_deref())
    .bind(f.products.join(";"))
    .bind(minor)
    .bind(f.arr.currency.code())
    .bind(f.seats)
    .bind(sherpa_core::text::date(f.start_date))
    .bind(sherpa_core::text::date(f.end_date))
    .bind(f.status.as_str())
    .bind(f.outcome.map(|o| o.as_str()))
    .bind(f.churn_reason.as_deref())
    .bind(f.terms.as_deref())
    .bind(f.auto_renew.map(i64::from))
    .bind(now);
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    }
    .bind(f.notice_days);
    let (new_id,) = q.fetch_one(&mut *conn).await.map_err(|e| {
        StoreError::unique(e, || {
            format!(
                "another contract term already has external id {:?}",
                f.external_id.as_deref().unwrap_or("")
            )
        })
    })?;
    refresh_arr(conn, f.account_id, today, currency).await?;
    if let Some(old) = &before
        && old.account_id != f.account_id
    {
        refresh_arr(conn, old.account_id, today, currency).await?;
    }
    let action = if id.is_some() { "update" } else { "create" };
    record(
        conn,
        now,
        actor,
        action,
        "contract",
        new_id,
        before.as_ref().map(contract_json).as_ref(),
        Some(&contract_json(&f)),
    )
    .await?;
    Ok((
        ContractId(new_id),
        if id.is_some() {
            Change::Updated
        } else {
            Change::Created
        },
    ))
}

impl Store {
    pub async fn contract(&self, id: ContractId) -> Result<Contract> {
        let mut conn = self.pool.acquire().await?;
        load_contract(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("contract", id))
    }

    /// Terms of one account (oldest first), or of the whole book in id order after `after`.
    pub async fn contracts(&self, q: &crate::ListQuery) -> Result<Vec<Contract>> {
        let (sql, args) = q.statement(CONTRACT_COLUMNS, "contracts");
        let rows: Vec<ContractRow> = sqlx::query_as_with(&sql, args)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(Contract::try_from)
            .collect::<Result<_, _>>()?)
    }

    pub async fn save_contract(
        &self,
        actor: &Actor,
        id: Option<ContractId>,
        patch: &ContractPatch,
    ) -> Result<Contract> {
        let mut tx = self.write_tx().await?;
        let (id, _) = save_contract(
            &mut tx,
            &self.now(),
            self.clock.today(),
            self.currency(),
            actor,
            id,
            patch,
        )
        .await?;
        tx.commit().await?;
        let contract = self.contract(id).await?;
        self.health_watch().mark([contract.fields.account_id]);
        Ok(contract)
    }

    /// ARR history of an account from its terms.
    pub async fn arr_history(&self, account: AccountId) -> Result<Vec<ArrMovement>> {
        let terms = self
            .contracts(&crate::ListQuery {
                account: Some(account),
                limit: 100_000,
                ..Default::default()
            })
            .await?;
        let fields: Vec<ContractFields> = terms.into_iter().map(|c| c.fields).collect();
        Ok(sherpa_core::arr_history(
            &fields,
            self.currency(),
            self.clock.today(),
        ))
    }

    /// Refreshes every account's ARR and renewal date for today: terms start and end with the
    /// calendar, not only when edited. Run daily by the job worker.
    pub async fn refresh_all_arr(&self) -> Result<u64> {
        let today = sherpa_core::text::date(self.clock.today());
        let done = sqlx::query(&format!(
            "UPDATE accounts SET {}",
            crate::accounts::arr_assignments("accounts.id", "$1", "$2")
        ))
        .bind(&today)
        .bind(self.currency().code())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
