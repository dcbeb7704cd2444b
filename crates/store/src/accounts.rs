//! Accounts: reading, the filtered and sorted book with stable cursors, and writes with their
//! audit entries. An account's ARR and renewal date are kept beside it, refreshed whenever its
//! contract terms change, so the book filters and sorts on them at 100,000 accounts.

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

/// Columns the book can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Name,
    Arr,
    RenewalDate,
    CustomerSince,
    Employees,
    Industry,
    Country,
    Lifecycle,
    CreatedAt,
    Grade,
    Tier,
    Segment,
    NineBox,
}

impl SortField {
    pub const NAMES: &'static [&'static str] = &[
        "name",
        "arr",
        "renewal_date",
        "customer_since",
        "employees",
        "industry",
        "country",
        "lifecycle",
        "created_at",
        "grade",
        "tier",
        "segment",
        "nine_box",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "name" => SortField::Name,
            "arr" => SortField::Arr,
            "renewal_date" => SortField::RenewalDate,
            "customer_since" => SortField::CustomerSince,
            "employees" => SortField::Employees,
            "industry" => SortField::Industry,
            "country" => SortField::Country,
            "lifecycle" => SortField::Lifecycle,
            "created_at" => SortField::CreatedAt,
            "grade" => SortField::Grade,
            "tier" => SortField::Tier,
            "segment" => SortField::Segment,
            "nine_box" => SortField::NineBox,
            _ => return None,
        })
    }

    fn column(&self) -> &'static str {
        match self {
            SortField::Name => "name_key",
            SortField::Arr => "arr_minor",
            SortField::RenewalDate => "renewal_date",
            SortField::CustomerSince => "customer_since",
            SortField::Employees => "employees",
            SortField::Industry => "industry",
            SortField::Country => "country",
            SortField::Lifecycle => "lifecycle",
            SortField::CreatedAt => "created_at",
            SortField::Grade => "grade",
            SortField::Tier => "tier",
            SortField::Segment => "segment",
            SortField::NineBox => "box_code",
        }
    }

    fn nullable(&self) -> bool {
        !matches!(
            self,
            SortField::Name | SortField::Arr | SortField::CreatedAt
        )
    }

    fn numeric(&self) -> bool {
        matches!(self, SortField::Arr | SortField::Employees)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountSort {
    pub field: SortField,
    pub descending: bool,
}

impl Default for AccountSort {
    fn default() -> Self {
        AccountSort {
            field: SortField::Name,
            descending: false,
        }
    }
}

/// Filters over the book; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Accounts where this person holds any owner function.
    pub owner: Option<UserId>,
    pub lifecycle: Option<Lifecycle>,
    pub grade: Option<sherpa_core::prioritise::Grade>,
    pub tier: Option<sherpa_core::prioritise::Tier>,
    /// Accounts whose grade sits between two tiers and wait for a person's decision.
    pub tier_decision_needed: bool,
    /// The Pareto segment (1-based) last applied.
    pub segment: Option<u8>,
    /// The box of the latest 9-box placement.
    pub nine_box: Option<sherpa_core::prioritise::NineBox>,
    /// The health colour now.
    pub health: Option<sherpa_core::health::Colour>,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub renewal_from: Option<NaiveDate>,
    pub renewal_to: Option<NaiveDate>,
    pub arr_min: Option<Decimal>,
    pub arr_max: Option<Decimal>,
    /// Case-insensitive text in the name, external id or domain.
    pub text: Option<String>,
    pub external_id: Option<String>,
    pub sort: AccountSort,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// The position after the last row of a page: the sort value (absent for NULL) and the id.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Cursor {
    v: Option<serde_json::Value>,
    id: i64,
}

/// One page's statement. A text search matches anywhere in the book, so it is filtered first
/// (a trigram index on PostgreSQL, a scan on SQLite) and sorted after: walking a sort index
/// until enough rows match is what both planners would otherwise pick, and it reads most of the
/// book for a rare word. `MATERIALIZED` keeps the two steps apart on both engines.
fn page_sql(conds: &[String], order: &str, limit: &str, searching: bool) -> String {
    let filter = where_clause(conds);
    if searching {
        format!(
            "WITH found AS MATERIALIZED (SELECT * FROM accounts {filter}) \
             SELECT {ACCOUNT_COLUMNS} FROM found ORDER BY {order} LIMIT {limit}"
        )
    } else {
        format!("SELECT {ACCOUNT_COLUMNS} FROM accounts {filter} ORDER BY {order} LIMIT {limit}")
    }
}

fn where_clause(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn minor(d: Decimal, currency: Currency) -> Result<i64> {
    Money {
        amount: d,
        currency,
    }
    .minor_units()
    .map_err(|e| StoreError::invalid("arr", e.to_string()))
}

/// The WHERE conditions of a query's filters, their bind values, and whether it searches text.
fn filters(q: &AccountQuery, currency: Currency) -> Result<(Args, Vec<String>, bool)> {
    let mut args = Args::default();
    let mut conds: Vec<String> = Vec::new();
    if let Some(owner) = q.owner {
        let p = args.push(Arg::Int(owner.0));
        conds.push(format!(
            "(csm_id = {p} OR ae_id = {p} OR cd_id = {p} OR sponsor_id = {p})"
        ));
    }
    if let Some(l) = q.lifecycle {
        // Three values split the book into large parts: an index on lifecycle would read most
        // of the book, so `|| ''` keeps both planners off it (the sort's index serves better).
        conds.push(format!(
            "(lifecycle || '') = {}",
            args.push(Arg::Text(l.as_str().into()))
        ));
    }
    if let Some(g) = q.grade {
        conds.push(format!("grade = {}", args.push(Arg::Text(g.to_string()))));
    }
    if let Some(t) = q.tier {
        conds.push(format!(
            "tier = {}",
            args.push(Arg::Int(i64::from(t.get())))
        ));
    }
    if q.tier_decision_needed {
        conds.push("tier_decision_needed = 1".into());
    }
    if let Some(seg) = q.segment {
        conds.push(format!("segment = {}", args.push(Arg::Int(i64::from(seg)))));
    }
    if let Some(b) = q.nine_box {
        conds.push(format!(
            "box_relationship = {} AND box_upsell = {}",
            args.push(Arg::Int(i64::from(b.relationship))),
            args.push(Arg::Int(i64::from(b.upsell)))
        ));
    }
    if let Some(c) = q.health {
        conds.push(format!(
            "id IN (SELECT account_id FROM account_health WHERE colour = {})",
            args.push(Arg::Text(c.as_str().into()))
        ));
    }
    if let Some(i) = &q.industry {
        conds.push(format!("industry = {}", args.push(Arg::Text(i.clone()))));
    }
    if let Some(c) = &q.country {
        conds.push(format!("country = {}", args.push(Arg::Text(c.clone()))));
    }
    if let Some(x) = &q.external_id {
        conds.push(format!("external_id = {}", args.push(Arg::Text(x.clone()))));
    }
    if let Some(d) = q.renewal_from {
        conds.push(format!("renewal_date >= {}", args.push(Arg::Text(date(d)))));
    }
    if let Some(d) = q.renewal_to {
        conds.push(format!("renewal_date <= {}", args.push(Arg::Text(date(d)))));
    }
    if let Some(a) = q.arr_min {
        conds.push(format!(
            "arr_minor >= {}",
            args.push(Arg::Int(minor(a, currency)?))
        ));
    }
    if let Some(a) = q.arr_max {
        conds.push(format!(
            "arr_minor <= {}",
            args.push(Arg::Int(minor(a, currency)?))
        ));
    }
    let search = q.text.as_deref().map(fold).filter(|t| !t.is_empty());
    let searching = search.is_some();
    if let Some(t) = search {
        let p = args.push(Arg::Text(format!("%{}%", escape_like(&t))));
        conds.push(format!("search_key LIKE {p} ESCAPE '\\'"));
    }
    Ok((args, conds, searching))
}

impl Store {
    pub async fn account(&self, id: AccountId) -> Result<Account> {
        let mut conn = self.pool.acquire().await?;
        load_account(&mut conn, id, self.currency())
            .await?
            .ok_or_else(|| StoreError::not_found("account", id))
    }

    /// One page of the book and the cursor of the next page, if there is one.
    pub async fn accounts(&self, q: &AccountQuery) -> Result<(Vec<Account>, Option<String>)> {
        let currency = self.currency();
        let (mut args, conds, searching) = filters(q, currency)?;
        let col = q.sort.field.column();
        // Keyset pagination over (column, id), both in the sort's direction, so that an index on
        // (column, id) serves the order on both engines. NULLs come last: the non-null rows are
        // read first, then the null rows by id.
        let (cmp, dir) = if q.sort.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let mut in_nulls = false;
        let mut after: Option<(Option<Arg>, i64)> = None;
        if let Some(c) = &q.cursor {
            let bad = || {
                StoreError::invalid(
                    "cursor",
                    "not a cursor from this list; start again without it",
                )
            };
            let bytes = hex::decode(c).map_err(|_| bad())?;
            let cur: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
            let v = match (cur.v, q.sort.field.numeric()) {
                (None, _) => None,
                (Some(serde_json::Value::Number(n)), true) => {
                    Some(Arg::Int(n.as_i64().ok_or_else(bad)?))
                }
                (Some(serde_json::Value::String(s)), false) => Some(Arg::Text(s)),
                _ => return Err(bad()),
            };
            in_nulls = v.is_none();
            after = Some((v, cur.id));
        }
        let limit = q.limit.clamp(1, 500);
        let mut rows: Vec<AccountRow> = Vec::new();
        if !in_nulls {
            let mut args = Args(args.0.clone());
            let mut conds = conds.clone();
            if q.sort.field.nullable() {
                conds.push(format!("{col} IS NOT NULL"));
            }
            if let Some((Some(v), id)) = &after {
                let (p, i) = (args.push(v.clone()), args.push(Arg::Int(*id)));
                conds.push(format!("({col}, id) {cmp} ({p}, {i})"));
            }
            let most = args.push(Arg::Int(limit + 1));
            let sql = page_sql(&conds, &format!("{col} {dir}, id {dir}"), &most, searching);
            rows = sqlx::query_as_with(&sql, args.into_arguments())
                .fetch_all(&self.pool)
                .await?;
        }
        if q.sort.field.nullable() && (rows.len() as i64) <= limit {
            let mut conds = conds.clone();
            conds.push(format!("{col} IS NULL"));
            if let Some((None, id)) = &after {
                conds.push(format!("id {cmp} {}", args.push(Arg::Int(*id))));
            }
            let most = args.push(Arg::Int(limit + 1 - rows.len() as i64));
            let sql = page_sql(&conds, &format!("id {dir}"), &most, searching);
            rows.extend(
                sqlx::query_as_with::<_, AccountRow, _>(&sql, args.into_arguments())
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        let mut conn = self.pool.acquire().await?;
        let defs = crate::custom_fields::definitions(&mut conn).await?;
        let more = rows.len() as i64 > limit;
        let mut accounts = Vec::new();
        let mut last_key = None;
        for r in rows.into_iter().take(limit as usize) {
            let key = sort_key(q.sort.field, &r);
            let id = r.id;
            accounts.push(r.into_account(&defs, currency)?);
            last_key = Some(Cursor { v: key, id });
        }
        let next = if more {
            last_key.map(|c| hex::encode(serde_json::to_vec(&c).expect("cursor serialises")))
        } else {
            None
        };
        Ok((accounts, next))
    }

    /// How many accounts match a query's filters and their ARR in the reporting currency
    /// (the sort and cursor are ignored).
    pub async fn account_totals(&self, q: &AccountQuery) -> Result<(i64, Money)> {
        let currency = self.currency();
        let (args, conds, _) = filters(q, currency)?;
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(arr_minor), 0) AS BIGINT) FROM accounts {}",
            where_clause(&conds)
        );
        let (count, arr): (i64, i64) = sqlx::query_as_with(&sql, args.into_arguments())
            .fetch_one(&self.pool)
            .await?;
        Ok((count, Money::from_minor_units(arr, currency)))
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

fn sort_key(f: SortField, r: &AccountRow) -> Option<serde_json::Value> {
    use serde_json::Value;
    let text = |s: &Option<String>| s.clone().map(Value::String);
    match f {
        SortField::Name => Some(Value::String(fold(&r.name))),
        SortField::Arr => Some(Value::from(r.arr_minor)),
        SortField::RenewalDate => text(&r.renewal_date),
        SortField::CustomerSince => text(&r.customer_since),
        SortField::Employees => r.employees.map(Value::from),
        SortField::Industry => text(&r.industry),
        SortField::Country => text(&r.country),
        SortField::Lifecycle => text(&r.lifecycle),
        SortField::CreatedAt => Some(Value::String(r.created_at.clone())),
        SortField::Grade => text(&r.grade),
        SortField::Tier => r.tier.map(Value::from),
        SortField::Segment => r.segment.map(Value::from),
        SortField::NineBox => match (r.box_relationship, r.box_upsell) {
            (Some(a), Some(b)) => Some(Value::String(format!("{a}-{b}"))),
            _ => None,
        },
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
                return Err(format!(
                    "two accounts are named \"{n}\"; use the external id instead"
                ));
            }
            Ok(ids.first().map(|(i,)| AccountId(*i)))
        }
    }
    .map_err(|e| format!("could not look up {r}: {e}"))?;
    found.ok_or_else(|| format!("no {r}; import or create the account first"))
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
    let mut fields = before.clone().unwrap_or_default();
    patch.apply(&mut fields, &resolved);
    validate_account(&fields).map_err(|e| StoreError::invalid("name", e.0))?;
    if let (Some(id), Some(parent)) = (id, fields.parent_id)
        && parent == id
    {
        return Err(StoreError::invalid(
            "parent",
            "an account cannot be its own parent",
        ));
    }
    if before.as_ref() == Some(&fields) {
        return Ok((id.expect("existing"), Change::Unchanged));
    }
    let taken = format!(
        "another account already has external id {:?} or domain {:?}",
        fields.external_id.as_deref().unwrap_or(""),
        fields.domain.as_ref().map(|d| d.as_str()).unwrap_or("")
    );
    let o = &fields.owners;
    let custom = custom_values_to_json(&fields.custom).to_string();
    let q = match id {
        Some(_) => sqlx::query_as::<_, (i64,)>(
            "UPDATE accounts SET external_id = $1, domain = $2, name = $3, name_key = $4, industry = $5, country = $6, \
             employees = $7, parent_id = $8, lifecycle = $9, customer_since = $10, csm_id = $11, ae_id = $12, \
             cd_id = $13, sponsor_id = $14, custom = $15, updated_at = $16, search_key = $17 WHERE id = $18 RETURNING id",
        ),
        None => sqlx::query_as::<_, (i64,)>(
            "INSERT INTO accounts (external_id, domain, name, name_key, industry, country, employees, parent_id, \
             lifecycle, customer_since, csm_id, ae_id, cd_id, sponsor_id, custom, created_at, updated_at, search_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17) RETURNING id",
        ),
    };
    let q = q
        .bind(fields.external_id.as_deref())
        .bind(fields.domain.as_ref().map(|d| d.as_str().to_string()))
        .bind(&fields.name)
        .bind(fold(&fields.name))
        .bind(fields.industry.as_deref())
        .bind(fields.country.as_deref())
        .bind(fields.employees)
        .bind(fields.parent_id.map(|p| p.0))
        .bind(fields.lifecycle.map(|l| l.as_str()))
        .bind(opt_date(fields.customer_since))
        .bind(o.csm.map(|u| u.0))
        .bind(o.ae.map(|u| u.0))
        .bind(o.customer_development.map(|u| u.0))
        .bind(o.executive_sponsor.map(|u| u.0))
        .bind(custom)
        .bind(now)
        .bind(sherpa_core::text::account_search_key(
            &fields.name,
            fields.external_id.as_deref(),
            fields.domain.as_ref().map(|d| d.as_str()),
        ));
    let q = match id {
        Some(id) => q.bind(id.0),
        None => q,
    };
    let (new_id,) = q
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| StoreError::unique(e, || taken))?;
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
