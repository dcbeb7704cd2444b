//! The demo's rows of one chunk of accounts, table by table, as multi-row INSERTs take them:
//! each account's contacts, terms, activities, grading, tier change and 9-box placements
//! carry ids derived from the account's, so chunks load independently.

use super::{ID_SPACE, t};
use crate::rows::opt_date;
use crate::sql::Arg;
use crate::{Engine, Result, StoreError};
use sherpa_core::demo::{DemoAccount, DemoBook};
use sherpa_core::text::{date, fold, timestamp};
use sherpa_core::*;
use sqlx::{Any, Transaction};

/// Every table's rows of one chunk.
#[derive(Default)]
pub(super) struct ChunkRows {
    accounts: Vec<Vec<Arg>>,
    contacts: Vec<Vec<Arg>>,
    contracts: Vec<Vec<Arg>>,
    activities: Vec<Vec<Arg>>,
    attendees: Vec<Vec<Arg>>,
    gradings: Vec<Vec<Arg>>,
    boxes: Vec<Vec<Arg>>,
    tier_changes: Vec<Vec<Arg>>,
}

/// A table's name, its columns and the rows to write to them.
type TableRows = (&'static str, &'static [&'static str], Vec<Vec<Arg>>);

impl ChunkRows {
    /// The rows of the accounts of `range`.
    pub fn of(book: &DemoBook, range: std::ops::Range<usize>, now: &str) -> Result<Self> {
        let mut rows = ChunkRows::default();
        for a in range.map(|i| book.account(i)) {
            rows.account(book, &a, now)?;
            rows.contacts(&a, now);
            rows.contracts(&a, now)?;
            rows.activities(&a, now);
        }
        Ok(rows)
    }

    /// The account's own row, with its grading, tier change and placements.
    fn account(&mut self, book: &DemoBook, a: &DemoAccount, now: &str) -> Result<()> {
        let id = a.index as i64 + 1;
        let f = &a.fields;
        let owners = a.owners();
        let uid = |u: Option<UserId>| Arg::OptInt(u.map(|u| u.0));
        // ARR and renewal date as the store keeps them (see accounts::refresh_arr),
        // computed here so that no second pass over the book is needed.
        let current: Vec<_> = a
            .contracts
            .iter()
            .filter(|k| k.is_current(book.today))
            .collect();
        let mut arr_minor = 0i64;
        for k in &current {
            arr_minor += k
                .arr
                .minor_units()
                .map_err(|e| StoreError::invalid("arr", e.to_string()))?;
        }
        let renewal = current.iter().map(|k| k.end_date).min();
        self.accounts.push(vec![
            Arg::Int(id),
            Arg::OptText(f.external_id.clone()),
            Arg::OptText(f.domain.as_ref().map(|d| d.as_str().to_string())),
            t(&f.name),
            t(fold(&f.name)),
            Arg::OptText(f.industry.clone()),
            Arg::OptText(f.country.clone()),
            Arg::OptInt(f.employees),
            Arg::OptText(f.lifecycle.map(|l| l.as_str().to_string())),
            Arg::OptText(opt_date(f.customer_since)),
            uid(owners.csm),
            uid(owners.ae),
            uid(owners.customer_development),
            uid(owners.executive_sponsor),
            t("{}"),
            Arg::Int(arr_minor),
            Arg::OptText(opt_date(renewal)),
            t(sherpa_core::text::account_search_key(
                &f.name,
                f.external_id.as_deref(),
                f.domain.as_ref().map(|d| d.as_str()),
            )),
            t(now),
            t(now),
        ]);
        self.accounts
            .last_mut()
            .expect("just pushed")
            .extend(priority_args(
                a,
                &mut self.gradings,
                &mut self.boxes,
                &mut self.tier_changes,
                now,
            ));
        Ok(())
    }

    fn contacts(&mut self, a: &DemoAccount, now: &str) {
        let id = a.index as i64 + 1;
        for (ci, c) in a.contacts.iter().enumerate() {
            let contact_id = id * ID_SPACE + ci as i64;
            self.contacts.push(vec![
                Arg::Int(contact_id),
                Arg::Int(id),
                Arg::OptText(c.external_id.clone()),
                t(&c.name),
                Arg::OptText(c.email.as_ref().map(|e| e.as_str().to_string())),
                Arg::OptText(c.title.clone()),
                t(roles_to_text(&c.roles)),
                Arg::OptText(opt_date(c.departed_on)),
                t(now),
                t(now),
            ]);
        }
    }

    fn contracts(&mut self, a: &DemoAccount, now: &str) -> Result<()> {
        let id = a.index as i64 + 1;
        for (ki, k) in a.contracts.iter().enumerate() {
            let contract_id = id * ID_SPACE + ki as i64;
            self.contracts.push(vec![
                Arg::Int(contract_id),
                Arg::Int(id),
                Arg::OptText(k.external_id.clone()),
                t(k.products.join(";")),
                Arg::Int(
                    k.arr
                        .minor_units()
                        .map_err(|e| StoreError::invalid("arr", e.to_string()))?,
                ),
                t(k.arr.currency.code()),
                Arg::OptInt(k.seats),
                t(date(k.start_date)),
                t(date(k.end_date)),
                t(k.status.as_str()),
                Arg::OptText(k.outcome.map(|o| o.as_str().to_string())),
                Arg::OptText(k.churn_reason.clone()),
                Arg::OptText(k.terms.clone()),
                Arg::OptInt(k.auto_renew.map(i64::from)),
                Arg::OptInt(k.notice_days),
                t(now),
                t(now),
            ]);
        }
        Ok(())
    }

    fn activities(&mut self, a: &DemoAccount, now: &str) {
        let id = a.index as i64 + 1;
        let uid = |i: usize| Arg::Int(sherpa_core::demo::user_id(i).0);
        for (xi, x) in a.activities.iter().enumerate() {
            let activity_id = id * ID_SPACE + xi as i64;
            self.activities.push(vec![
                Arg::Int(activity_id),
                Arg::Int(id),
                t(x.kind.as_str()),
                t(timestamp(x.occurred_at)),
                uid(x.user),
                t(&x.summary),
                t(now),
            ]);
            for c in &x.attendees {
                self.attendees.push(vec![
                    Arg::Int(activity_id),
                    Arg::Int(id * ID_SPACE + *c as i64),
                ]);
            }
        }
    }

    /// Every table's rows, in the order they are written (accounts before what refers to them).
    fn tables(self) -> [TableRows; 8] {
        [
            (
                "accounts",
                &[
                    "id",
                    "external_id",
                    "domain",
                    "name",
                    "name_key",
                    "industry",
                    "country",
                    "employees",
                    "lifecycle",
                    "customer_since",
                    "csm_id",
                    "ae_id",
                    "cd_id",
                    "sponsor_id",
                    "custom",
                    "arr_minor",
                    "renewal_date",
                    "search_key",
                    "created_at",
                    "updated_at",
                    "grade",
                    "potential_minor",
                    "tier",
                    "tier_decision_needed",
                    "tier_choice",
                    "tier_reason",
                    "box_quarter",
                    "box_relationship",
                    "box_upsell",
                    "box_code",
                ],
                self.accounts,
            ),
            (
                "contacts",
                &[
                    "id",
                    "account_id",
                    "external_id",
                    "name",
                    "email",
                    "title",
                    "roles",
                    "departed_on",
                    "created_at",
                    "updated_at",
                ],
                self.contacts,
            ),
            (
                "contracts",
                &[
                    "id",
                    "account_id",
                    "external_id",
                    "products",
                    "arr_minor",
                    "currency",
                    "seats",
                    "start_date",
                    "end_date",
                    "status",
                    "outcome",
                    "churn_reason",
                    "terms",
                    "auto_renew",
                    "notice_days",
                    "created_at",
                    "updated_at",
                ],
                self.contracts,
            ),
            (
                "activities",
                &[
                    "id",
                    "account_id",
                    "kind",
                    "occurred_at",
                    "user_id",
                    "summary",
                    "created_at",
                ],
                self.activities,
            ),
            (
                "activity_attendees",
                &["activity_id", "contact_id"],
                self.attendees,
            ),
            (
                "account_gradings",
                &[
                    "id",
                    "account_id",
                    "grade",
                    "potential_minor",
                    "arr_minor",
                    "growth",
                    "moment",
                    "reason",
                    "via",
                    "graded_at",
                ],
                self.gradings,
            ),
            (
                "account_tier_changes",
                &[
                    "id",
                    "account_id",
                    "tier",
                    "decision_needed",
                    "choice",
                    "reason",
                    "via",
                    "changed_at",
                ],
                self.tier_changes,
            ),
            (
                "nine_box_placements",
                &[
                    "id",
                    "account_id",
                    "quarter",
                    "relationship",
                    "upsell",
                    "note",
                    "via",
                    "placed_at",
                ],
                self.boxes,
            ),
        ]
    }

    /// Writes every table's rows in the transaction.
    pub async fn write(self, tx: &mut Transaction<'_, Any>, engine: Engine) -> Result<()> {
        for (table, columns, rows) in self.tables() {
            crate::bulk::insert_rows(tx, engine, table, columns, rows).await?;
        }
        Ok(())
    }

    /// Writes every table's rows by `COPY` in one PostgreSQL transaction: their ids are derived
    /// from the accounts' places in the book, so no row can collide. The book's counter moves
    /// as it commits (see `accounts::generation_at_commit`).
    pub async fn copy(self, conn: &mut sqlx::postgres::PgConnection) -> Result<()> {
        use sqlx::Connection;
        let mut tx = conn.begin().await?;
        sqlx::query(crate::accounts::GENERATION_AT_COMMIT)
            .execute(&mut *tx)
            .await?;
        for (table, columns, rows) in self.tables() {
            crate::bulk::copy_rows(&mut tx, table, columns, rows).await?;
        }
        sqlx::query(crate::accounts::MOVE_GENERATION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The account's grade, tier and latest 9-box as account columns, with its grading, tier
/// change and placements pushed as rows of their own tables (ids derived from the account's).
fn priority_args(
    a: &sherpa_core::demo::DemoAccount,
    gradings: &mut Vec<Vec<Arg>>,
    boxes: &mut Vec<Vec<Arg>>,
    tier_changes: &mut Vec<Vec<Arg>>,
    now: &str,
) -> Vec<Arg> {
    let id = a.index as i64 + 1;
    let mut args = Vec::new();
    match &a.grading {
        Some(g) => {
            let currency = a.contracts.last().map(|k| k.arr.currency);
            let minor = |d: rust_decimal::Decimal| {
                currency
                    .and_then(|c| sherpa_core::Money::new(d, c).ok())
                    .and_then(|m| m.minor_units().ok())
                    .unwrap_or(0)
            };
            let arr = a
                .contracts
                .last()
                .map_or(rust_decimal::Decimal::ZERO, |k| k.arr.amount);
            let standing = g.standing();
            // Graded when the grading happened: at the close, or after the first month.
            let graded_at = a
                .fields
                .customer_since
                .map(|since| match g.moment {
                    sherpa_core::prioritise::GradingMoment::AtClose => since,
                    _ => since + chrono::Days::new(30),
                })
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|t| timestamp(t.and_utc()))
                .filter(|t| t.as_str() <= now)
                .unwrap_or_else(|| now.to_string());
            args.extend([
                t(g.grade.to_string()),
                Arg::OptInt(Some(minor(g.potential))),
                Arg::OptInt(standing.tier.map(|t| i64::from(t.get()))),
                Arg::Int(i64::from(standing.decision_needed)),
                Arg::OptText(
                    standing
                        .choice
                        .as_ref()
                        .map(|c| c.kind.as_str().to_string()),
                ),
                Arg::OptText(standing.choice.as_ref().map(|c| c.reason.clone())),
            ]);
            gradings.push(vec![
                Arg::Int(id),
                Arg::Int(id),
                t(g.grade.to_string()),
                Arg::Int(minor(g.potential)),
                Arg::Int(minor(arr)),
                Arg::Int(i64::from(g.growth.get())),
                t(g.moment.as_str()),
                t(g.reason),
                t("demo"),
                t(&graded_at),
            ]);
            tier_changes.push(vec![
                Arg::Int(id),
                Arg::Int(id),
                Arg::OptInt(standing.tier.map(|t| i64::from(t.get()))),
                Arg::Int(i64::from(standing.decision_needed)),
                Arg::OptText(
                    standing
                        .choice
                        .as_ref()
                        .map(|c| c.kind.as_str().to_string()),
                ),
                t(format!("graded {}", g.grade)),
                t("demo"),
                t(&graded_at),
            ]);
        }
        None => args.extend([
            Arg::OptText(None),
            Arg::OptInt(None),
            Arg::OptInt(None),
            Arg::Int(0),
            Arg::OptText(None),
            Arg::OptText(None),
        ]),
    }
    for (i, (quarter, b)) in a.nine_boxes.iter().enumerate() {
        boxes.push(vec![
            Arg::Int(id * ID_SPACE + i as i64),
            Arg::Int(id),
            t(quarter.to_string()),
            Arg::Int(i64::from(b.relationship)),
            Arg::Int(i64::from(b.upsell)),
            t("placed at the quarterly book review"),
            t("demo"),
            t(now),
        ]);
    }
    match a.nine_boxes.last() {
        Some((quarter, b)) => args.extend([
            t(quarter.to_string()),
            Arg::OptInt(Some(i64::from(b.relationship))),
            Arg::OptInt(Some(i64::from(b.upsell))),
            t(b.code()),
        ]),
        None => args.extend([
            Arg::OptText(None),
            Arg::OptInt(None),
            Arg::OptInt(None),
            Arg::OptText(None),
        ]),
    }
    args
}
