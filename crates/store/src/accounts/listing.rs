//! The book as a list: filtered (owner, tier, segment, health, renewal window, ARR, text),
//! sorted by any column with a stable cursor, and its totals.

use super::*;
use crate::Engine;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

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
    /// The health score now; accounts not scored yet come last.
    Health,
    /// The day of the last personal touch (call, meeting, email, review): ascending puts the
    /// longest untouched first; never touched comes last.
    LastTouch,
    /// The CSM's name.
    Csm,
    /// The day the success plan was last updated.
    PlanUpdated,
}

/// How a sort's values compare, for the cursor that carries the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKind {
    Int,
    Real,
    Text,
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
        "health",
        "last_touch",
        "csm",
        "plan_updated",
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
            "health" => SortField::Health,
            "last_touch" => SortField::LastTouch,
            "csm" => SortField::Csm,
            "plan_updated" => SortField::PlanUpdated,
            _ => return None,
        })
    }

    /// The column the page is ordered by: an account's own, or `sort_value`, which
    /// [`SortField::relation`] adds from another table.
    fn column(&self) -> &'static str {
        if self.derived().is_some() {
            return "sort_value";
        }
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
            SortField::Health | SortField::LastTouch | SortField::Csm | SortField::PlanUpdated => {
                unreachable!("a derived sort has no column")
            }
        }
    }

    /// The value a sort reads from another table, for one account row.
    fn derived(&self) -> Option<String> {
        Some(match self {
            SortField::Health => {
                "(SELECT h.score FROM account_health h WHERE h.account_id = accounts.id)".into()
            }
            SortField::LastTouch => {
                let kinds: Vec<String> = ActivityKind::ALL
                    .iter()
                    .filter(|k| k.is_personal_touch())
                    .map(|k| format!("'{}'", k.as_str()))
                    .collect();
                format!(
                    "(SELECT MAX(t.occurred_at) FROM activities t \
                     WHERE t.account_id = accounts.id AND t.kind IN ({}))",
                    kinds.join(", ")
                )
            }
            SortField::Csm => "(SELECT u.name FROM users u WHERE u.id = accounts.csm_id)".into(),
            SortField::PlanUpdated => {
                "(SELECT p.updated_on FROM success_plans p WHERE p.account_id = accounts.id)".into()
            }
            _ => return None,
        })
    }

    /// What the page reads from: the accounts, with the derived sort value beside each row
    /// when the sort needs one (the filters' conditions name the accounts' own columns).
    fn relation(&self) -> String {
        match self.derived() {
            Some(value) => {
                format!("(SELECT accounts.*, {value} AS sort_value FROM accounts) accounts")
            }
            None => "accounts".into(),
        }
    }

    fn nullable(&self) -> bool {
        !matches!(
            self,
            SortField::Name | SortField::Arr | SortField::CreatedAt
        )
    }

    fn kind(&self) -> SortKind {
        match self {
            SortField::Arr | SortField::Employees | SortField::Tier | SortField::Segment => {
                SortKind::Int
            }
            SortField::Health => SortKind::Real,
            _ => SortKind::Text,
        }
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

/// Whether a list's statement is kept prepared on the connection. PostgreSQL plans a kept
/// statement for any values after five runs (a generic plan) and keeps that plan when it looks no
/// dearer than the ones made for the values. A list's filters are ranges and choices whose
/// values decide the plan: at 100,000 accounts the generic plan of "ongoing, renewing within 90
/// days, ARR in a range, by ARR" guessed 2 rows, read the window's 11,408 and sorted them
/// (79 ms), where the plan made for the values walks the ARR index and stops at 51 (1.9 ms). An
/// unnamed statement is planned for its values each time; SQLite's plans do not look at values,
/// so it keeps its statements.
pub(super) fn kept_prepared(engine: Engine) -> bool {
    engine == Engine::Sqlite
}

/// One page's statement. A text search matches anywhere in the book, so it is filtered first
/// (through a trigram index on both engines) and sorted after: walking a sort index
/// until enough rows match is what both planners would otherwise pick, and it reads most of the
/// book for a rare word. `MATERIALIZED` keeps the two steps apart on both engines, and the
/// page is cut from the sorted matches outside it: with `ORDER BY ... LIMIT` inside, PostgreSQL
/// walked the name index testing each account's text (p99 253 -> 1,901 ms under the pages
/// benchmark). On SQLite the matches are read from the trigram index first whatever follows
/// (see [`Filters::from`]), so they are sorted and cut where they are found.
fn page_sql(
    sort: SortField,
    f: &Filters,
    conds: &[String],
    col: &str,
    order: &str,
    limit: &str,
) -> String {
    let filter = where_clause(conds);
    let from = sort.relation();
    let columns = match sort.derived() {
        Some(_) => format!("{ACCOUNT_COLUMNS}, sort_value"),
        None => ACCOUNT_COLUMNS.to_string(),
    };
    if !f.searching {
        return format!("SELECT {columns} FROM {from} {filter} ORDER BY {order} LIMIT {limit}");
    }
    // Only the matches' ids and sort keys are held and sorted, and only the page's rows read
    // whole: a search matching 2,500 accounts read each of them whole (16 -> 11 ms).
    let (found, page) = if f.matched_first {
        (
            format!(
                "SELECT accounts.id FROM {} {filter} ORDER BY {order} LIMIT {limit}",
                f.from(&from, Some(col))
            ),
            "SELECT id FROM found".to_string(),
        )
    } else {
        let keys = match col {
            "id" => "id".to_string(),
            col => format!("id, {col}"),
        };
        (
            format!("SELECT {keys} FROM {from} {filter}"),
            format!("SELECT id FROM found ORDER BY {order} LIMIT {limit}"),
        )
    };
    format!(
        "WITH found AS MATERIALIZED ({found}) \
         SELECT {columns} FROM {from} WHERE id IN ({page}) ORDER BY {order}"
    )
}

pub(super) fn where_clause(conds: &[String]) -> String {
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
/// The condition on an account that the person bound at `p` holds any owner function on it.
pub(crate) fn owned_by(p: &str) -> String {
    format!("(csm_id = {p} OR ae_id = {p} OR cd_id = {p} OR sponsor_id = {p})")
}

/// A query's filters: their WHERE conditions and bind values, whether it searches text, and
/// whether the search reads SQLite's trigram index first (see [`Filters::from`]).
pub(super) struct Filters {
    pub args: Args,
    pub conds: Vec<String>,
    pub searching: bool,
    matched_first: bool,
    /// The search is the only filter.
    text_only: bool,
}

/// The columns of the index `accounts_search_sort` (SQLite), which a search reading no other
/// joins its matches to (see [`Filters::from`]).
const SEARCH_SORT_COLUMNS: [&str; 3] = ["id", "name_key", "arr_minor"];

impl Filters {
    /// What a statement reads `relation` (the accounts, or the accounts with a derived sort
    /// value) from, ordered by `order` (none: counted). A search on SQLite reads the trigram
    /// index's matches and joins each to its account (`CROSS JOIN` keeps that order): `id IN
    /// (matches)` first built the matches' ids into a temporary index and then probed it, 2.0
    /// ms a page for "summit" on 100,000 accounts (2,535 matches) against 1.3 ms. When the
    /// search is the only filter and the order one of [`SEARCH_SORT_COLUMNS`], the matches
    /// join that narrow index instead of the wide rows (SQLite's planner picks the rowid
    /// either way, so it is named): 3.5 -> 1.4 ms for the same page.
    pub fn from(&self, relation: &str, order: Option<&str>) -> String {
        if !self.matched_first {
            return relation.to_string();
        }
        let covered = self.text_only
            && relation == "accounts"
            && order.is_none_or(|c| SEARCH_SORT_COLUMNS.contains(&c));
        let index = if covered {
            " INDEXED BY accounts_search_sort"
        } else {
            ""
        };
        format!("account_search CROSS JOIN {relation}{index} ON accounts.id = account_search.rowid")
    }
}

pub(super) fn filters(q: &AccountQuery, currency: Currency, engine: Engine) -> Result<Filters> {
    let mut args = Args::default();
    let mut conds: Vec<String> = Vec::new();
    if let Some(owner) = q.owner {
        conds.push(owned_by(&args.push(Arg::Int(owner.0))));
    }
    if let Some(l) = q.lifecycle {
        // Three values split the book into large parts: an index on lifecycle would read most
        // of the book. On SQLite `|| ''` keeps the planner off it (the sort's index serves
        // better). PostgreSQL knows the column's spread from its statistics, and the same
        // trick cost it them: guessing the expression matched 0.5% of rows, it read a
        // 90-day renewal window's 23,000 accounts and sorted them (183 ms at 100,000
        // accounts) where walking the ARR index takes 0.2 ms (`EXPLAIN ANALYZE`).
        let value = args.push(Arg::Text(l.as_str().into()));
        conds.push(match engine {
            Engine::Sqlite => format!("(lifecycle || '') = {value}"),
            Engine::Postgres => format!("lifecycle = {value}"),
        });
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
    let mut matched_first = false;
    if let Some(t) = search {
        // SQLite's trigram index answers text of three characters or more (a phrase of it is
        // the text anywhere in the key); shorter text, and PostgreSQL, match with LIKE, which
        // pg_trgm's index serves.
        if engine == Engine::Sqlite && t.chars().count() >= 3 {
            let p = args.push(Arg::Text(format!("\"{}\"", t.replace('"', "\"\""))));
            conds.push(format!("account_search MATCH {p}"));
            matched_first = true;
        } else {
            let p = args.push(Arg::Text(format!("%{}%", escape_like(&t))));
            conds.push(format!("search_key LIKE {p} ESCAPE '\\'"));
        }
    }
    let text_only = searching && conds.len() == 1;
    Ok(Filters {
        args,
        conds,
        searching,
        matched_first,
        text_only,
    })
}

fn sort_key(f: SortField, r: &AccountRow) -> Option<serde_json::Value> {
    use serde_json::Value;
    let text = |s: &Option<String>| s.clone().map(Value::String);
    match f {
        SortField::Name => Some(Value::String(fold(&r.fields.name))),
        SortField::Arr => Some(Value::from(r.arr_minor)),
        SortField::RenewalDate => text(&r.renewal_date),
        SortField::CustomerSince => text(&r.fields.customer_since),
        SortField::Employees => r.fields.employees.map(Value::from),
        SortField::Industry => text(&r.fields.industry),
        SortField::Country => text(&r.fields.country),
        SortField::Lifecycle => text(&r.fields.lifecycle),
        SortField::CreatedAt => Some(Value::String(r.created_at.clone())),
        SortField::Grade => text(&r.grade),
        SortField::Tier => r.tier.map(Value::from),
        SortField::Segment => r.segment.map(Value::from),
        SortField::NineBox => match (r.box_relationship, r.box_upsell) {
            (Some(a), Some(b)) => Some(Value::String(format!("{a}-{b}"))),
            _ => None,
        },
        // Read from the row's `sort_value` by the caller.
        SortField::Health | SortField::LastTouch | SortField::Csm | SortField::PlanUpdated => None,
    }
}

impl Store {
    /// One page of the book and the cursor of the next page, if there is one.
    pub async fn accounts(&self, q: &AccountQuery) -> Result<(Vec<Account>, Option<String>)> {
        let currency = self.currency();
        let found = filters(q, currency, self.engine())?;
        let col = q.sort.field.column();
        let (_, dir) = direction(q.sort);
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
            let v = match (cur.v, q.sort.field.kind()) {
                (None, _) => None,
                (Some(serde_json::Value::Number(n)), SortKind::Int) => {
                    Some(Arg::Int(n.as_i64().ok_or_else(bad)?))
                }
                (Some(serde_json::Value::Number(n)), SortKind::Real) => {
                    Some(Arg::OptFloat(Some(n.as_f64().ok_or_else(bad)?)))
                }
                (Some(serde_json::Value::String(s)), SortKind::Text) => Some(Arg::Text(s)),
                _ => return Err(bad()),
            };
            after = Some((v, cur.id));
        }
        let limit = q.limit.clamp(1, 500);
        // A search's matches are kept in their order (see `matches`), unless its sort or a
        // health filter reads another table, which changes without the book's counter.
        let kept = if found.searching && q.sort.field.derived().is_none() && q.health.is_none() {
            let from = found.from("accounts", Some(col));
            let order = format!("{col} {dir}, id {dir}");
            let nulls_last = q.sort.field.nullable().then_some(col);
            self.search_matches(&found, &from, &order, nulls_last)
                .await?
        } else {
            None
        };
        let start = kept
            .as_deref()
            .and_then(|m| page_start(m, after.as_ref().map(|(_, id)| *id)));
        let rows = match (&kept, start) {
            (Some(m), Some(start)) => {
                let end = (start + limit as usize + 1).min(m.len());
                self.account_rows_in_order(&m[start..end]).await?
            }
            _ => self.page_after(q, &found, after.as_ref(), limit).await?,
        };
        let mut conn = self.pool.acquire().await?;
        let defs = crate::custom_fields::definitions(&mut conn).await?;
        let more = rows.len() as i64 > limit;
        let mut accounts = Vec::new();
        let mut last_key = None;
        for row in rows.iter().take(limit as usize) {
            let r = AccountRow::from_row(row)?;
            let key = match q.sort.field.kind() {
                _ if q.sort.field.derived().is_none() => sort_key(q.sort.field, &r),
                SortKind::Real => row
                    .try_get::<Option<f64>, _>("sort_value")?
                    .map(serde_json::Value::from),
                SortKind::Int => row
                    .try_get::<Option<i64>, _>("sort_value")?
                    .map(serde_json::Value::from),
                SortKind::Text => row
                    .try_get::<Option<String>, _>("sort_value")?
                    .map(serde_json::Value::String),
            };
            let id = r.fields.id;
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
}

impl Store {
    /// A page read from the database, `limit` rows and one more when a page follows: after the
    /// cursor's (value, id) in the sort's order, the rows with a value first, then those
    /// without one by id.
    async fn page_after(
        &self,
        q: &AccountQuery,
        found: &Filters,
        after: Option<&(Option<Arg>, i64)>,
        limit: i64,
    ) -> Result<Vec<AnyRow>> {
        let col = q.sort.field.column();
        let (cmp, dir) = direction(q.sort);
        let mut rows: Vec<AnyRow> = Vec::new();
        // A cursor without a value is among the rows without one.
        let in_nulls = matches!(after, Some((None, _)));
        if !in_nulls {
            let mut args = Args(found.args.0.clone());
            let mut conds = found.conds.clone();
            if q.sort.field.nullable() {
                conds.push(format!("{col} IS NOT NULL"));
            }
            if let Some((Some(v), id)) = after {
                let (p, i) = (args.push(v.clone()), args.push(Arg::Int(*id)));
                conds.push(format!("({col}, id) {cmp} ({p}, {i})"));
            }
            let most = args.push(Arg::Int(limit + 1));
            let sql = page_sql(
                q.sort.field,
                found,
                &conds,
                col,
                &format!("{col} {dir}, id {dir}"),
                &most,
            );
            rows = sqlx::query_with(&sql, args.into_arguments())
                .persistent(kept_prepared(self.engine()))
                .fetch_all(&self.pool)
                .await?;
        }
        if q.sort.field.nullable() && (rows.len() as i64) <= limit {
            let mut args = Args(found.args.0.clone());
            let mut conds = found.conds.clone();
            conds.push(format!("{col} IS NULL"));
            if let Some((None, id)) = after {
                conds.push(format!("id {cmp} {}", args.push(Arg::Int(*id))));
            }
            let most = args.push(Arg::Int(limit + 1 - rows.len() as i64));
            let sql = page_sql(
                q.sort.field,
                found,
                &conds,
                "id",
                &format!("id {dir}"),
                &most,
            );
            rows.extend(
                sqlx::query_with(&sql, args.into_arguments())
                    .persistent(kept_prepared(self.engine()))
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        Ok(rows)
    }
}

/// Keyset pagination over (column, id), both in the sort's direction, so that an index on
/// (column, id) serves the order on both engines: the comparison that follows a cursor, and
/// the direction. NULLs come last: the non-null rows are read first, then the null rows by id.
fn direction(sort: AccountSort) -> (&'static str, &'static str) {
    if sort.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    }
}

/// Where a page starts in a search's matches: after the cursor's account, or at the first.
/// None when the cursor's account is not among them (the book changed since it was given):
/// the page is then read from the database by the cursor's value.
fn page_start(matches: &[i64], after: Option<i64>) -> Option<usize> {
    match after {
        None => Some(0),
        Some(id) => matches.iter().position(|m| *m == id).map(|i| i + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::page_start;

    #[test]
    fn a_page_starts_after_its_cursor_account_or_not_at_all() {
        let m = [7, 3, 9];
        assert_eq!(page_start(&m, None), Some(0));
        assert_eq!(page_start(&m, Some(3)), Some(2));
        assert_eq!(page_start(&m, Some(9)), Some(3));
        assert_eq!(page_start(&m, Some(4)), None);
    }
}
