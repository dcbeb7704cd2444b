//! Writing the demo book fast: explicit ids and multi-row INSERTs in large transactions, so
//! 100,000 accounts with their contacts, terms and activities load in seconds.

use crate::rows::opt_date;
use crate::sql::Arg;
use crate::{Engine, Result, Store, StoreError};
use futures::StreamExt;
use sherpa_core::demo::DemoBook;
use sherpa_core::text::{date, fold, timestamp};
use sherpa_core::*;
use sqlx::AnyConnection;

/// Reports progress as accounts written out of the total.
pub type DemoProgress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// Ids per account for its contacts, terms and activities: account `n` owns `n * 64 ..`.
const ID_SPACE: i64 = 64;

/// The tables the demo fills in bulk.
const BULK_TABLES: &str = "'accounts', 'contacts', 'contracts', 'activities', 'activity_attendees'";

/// Name and definition of the bulk tables' indexes that no constraint owns.
async fn secondary_indexes(
    conn: &mut AnyConnection,
    engine: Engine,
) -> Result<Vec<(String, String)>> {
    let sql = match engine {
        Engine::Sqlite => format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({BULK_TABLES})"
        ),
        Engine::Postgres => format!(
            "SELECT indexname::text, indexdef::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({BULK_TABLES}) \
             AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
    };
    Ok(sqlx::query_as(&sql).fetch_all(conn).await?)
}

/// Accounts generated and written per transaction.
const CHUNK: usize = 2_000;
fn t(s: impl Into<String>) -> Arg {
    Arg::Text(s.into())
}

impl Store {
    /// Fills an empty book with the demo; every demo user gets the same password hash.
    /// How many accounts and users the book holds: the demo loads only into an empty one.
    pub async fn book_size(&self) -> Result<(i64, i64)> {
        let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await?;
        let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok((accounts, users))
    }

    pub async fn load_demo(
        &self,
        book: &DemoBook,
        password_hash: &str,
        progress: DemoProgress<'_>,
    ) -> Result<()> {
        let (existing, users) = self.book_size().await?;
        if existing > 0 || users > 0 {
            return Err(StoreError::Conflict(format!(
                "the database at {} already holds {existing} accounts and {users} users; the demo needs an empty one \
                 (use --db with a new path)",
                self.display_url()
            )));
        }
        let now = self.now();
        let mut conn = self.pool.acquire().await?;
        // Load first, index after: building an index once is far cheaper than keeping it up to
        // date row by row. The definitions are read back from the database, so the migrations
        // stay their only source.
        let indexes = secondary_indexes(&mut conn, self.engine).await?;
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX {name}"))
                .execute(&mut *conn)
                .await?;
        }
        let mut tx = self.write_tx().await?;
        let user_rows = book
            .team
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                vec![
                    Arg::Int(i as i64 + 1),
                    t(u.email.as_str()),
                    t(&u.name),
                    t(fold(&u.name)),
                    t(u.function.as_str()),
                    t(u.role.as_str()),
                    Arg::OptInt(u.manager.map(|m| m as i64 + 1)),
                    Arg::Int(1),
                    t(password_hash),
                    t(&now),
                    t(&now),
                ]
            })
            .collect();
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
            "users",
            &[
                "id",
                "email",
                "name",
                "name_key",
                "function",
                "role",
                "manager_id",
                "active",
                "password_hash",
                "created_at",
                "updated_at",
            ],
            user_rows,
        )
        .await?;
        tx.commit().await?;
        // Chunks are independent (each account's rows carry ids derived from its index), so
        // PostgreSQL loads two at once; SQLite has one writer.
        let parallel = if self.engine == Engine::Postgres {
            2
        } else {
            1
        };
        let chunks: Vec<_> = (0..book.accounts)
            .step_by(CHUNK)
            .map(|s| s..(s + CHUNK).min(book.accounts))
            .collect();
        let mut done = 0;
        let mut loads =
            futures::stream::iter(chunks.into_iter().map(|r| self.load_chunk(book, r, &now)))
                .buffer_unordered(parallel);
        while let Some(n) = loads.next().await {
            done += n?;
            progress(done, book.accounts);
        }
        drop(loads);
        if self.engine == Engine::Postgres {
            for table in [
                "users",
                "accounts",
                "contacts",
                "contracts",
                "activities",
                "account_gradings",
                "account_tier_changes",
                "nine_box_placements",
            ] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))
                .execute(&mut *conn)
                .await?;
            }
        }
        for (_, definition) in &indexes {
            sqlx::query(definition).execute(&mut *conn).await?;
        }
        // Fresh statistics, so that both planners pick the (column, id) indexes for the book.
        sqlx::query("ANALYZE").execute(&mut *conn).await?;
        let after = serde_json::json!({"accounts": book.accounts, "seed": book.seed, "users": book.team.users.len()});
        crate::audit::record(
            &mut conn,
            &now,
            &Actor::system("demo"),
            "create",
            "demo_book",
            book.seed,
            None,
            Some(&after),
        )
        .await?;
        Ok(())
    }
    /// Writes the accounts of `range` with their contacts, terms and activities, in one
    /// transaction; answers how many accounts.
    async fn load_chunk(
        &self,
        book: &DemoBook,
        range: std::ops::Range<usize>,
        now: &str,
    ) -> Result<usize> {
        let count = range.len();
        let accounts: Vec<_> = range.map(|i| book.account(i)).collect();
        let mut a_rows = Vec::new();
        let mut c_rows = Vec::new();
        let mut k_rows = Vec::new();
        let mut act_rows = Vec::new();
        let mut att_rows = Vec::new();
        let (mut g_rows, mut b_rows, mut tc_rows) = (Vec::new(), Vec::new(), Vec::new());
        for a in &accounts {
            let id = a.index as i64 + 1;
            let f = &a.fields;
            let uid = |i: usize| Arg::Int(i as i64 + 1);
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
            let ouid = |i: Option<usize>| Arg::OptInt(i.map(|i| i as i64 + 1));
            a_rows.push(vec![
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
                uid(a.csm),
                uid(a.ae),
                ouid(a.customer_development),
                ouid(a.executive_sponsor),
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
            a_rows
                .last_mut()
                .expect("just pushed")
                .extend(priority_args(
                    a,
                    &mut g_rows,
                    &mut b_rows,
                    &mut tc_rows,
                    now,
                ));
            for (ci, c) in a.contacts.iter().enumerate() {
                let contact_id = id * ID_SPACE + ci as i64;
                c_rows.push(vec![
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
            for (ki, k) in a.contracts.iter().enumerate() {
                let contract_id = id * ID_SPACE + ki as i64;
                k_rows.push(vec![
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
                    t(now),
                    t(now),
                ]);
            }
            for (xi, x) in a.activities.iter().enumerate() {
                let activity_id = id * ID_SPACE + xi as i64;
                act_rows.push(vec![
                    Arg::Int(activity_id),
                    Arg::Int(id),
                    t(x.kind.as_str()),
                    t(timestamp(x.occurred_at)),
                    uid(x.user),
                    t(&x.summary),
                    t(now),
                ]);
                for c in &x.attendees {
                    att_rows.push(vec![
                        Arg::Int(activity_id),
                        Arg::Int(id * ID_SPACE + *c as i64),
                    ]);
                }
            }
        }
        let mut tx = self.write_tx().await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
            a_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
            c_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
                "created_at",
                "updated_at",
            ],
            k_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
            act_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
            "activity_attendees",
            &["activity_id", "contact_id"],
            att_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
            g_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
            tc_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            &mut tx,
            self.engine,
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
            b_rows,
        )
        .await?;
        tx.commit().await?;
        Ok(count)
    }
}

/// What the demo's customer voice and usage added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoVoice {
    pub tickets: usize,
    pub surveys: usize,
    /// Accounts whose last 14 days of product events went through the intake.
    pub usage_accounts: usize,
    pub events: usize,
    /// Account-days of usage written as rollups (the year before, and every day of the
    /// accounts outside the sample).
    pub usage_days: usize,
}

/// Accounts at most whose last days of events go through the intake; every account has a
/// year of usage as rollups.
const USAGE_SAMPLE: usize = 100;
/// Days of raw events for the sample.
const RAW_DAYS: i64 = 14;
/// Days of usage history.
const HISTORY_DAYS: i64 = 365;

impl Store {
    /// Adds the demo book's tickets and surveys, a year of every account's usage as daily
    /// rollups, and sends the last 14 days of product events of a sample of accounts through
    /// the intake (parsed and stored as a client's would be) instead of their rollups.
    pub async fn load_demo_voice(&self, book: &DemoBook) -> Result<DemoVoice> {
        let now = self.now();
        let mut out = DemoVoice::default();
        for start in (0..book.accounts).step_by(CHUNK) {
            let mut tickets = Vec::new();
            let mut surveys = Vec::new();
            for i in start..(start + CHUNK).min(book.accounts) {
                let a = book.account(i);
                let id = i as i64 + 1;
                for tk in book.tickets(&a) {
                    tickets.push(vec![
                        Arg::Int(id),
                        Arg::OptText(tk.external_id),
                        t(tk.subject),
                        t(timestamp(tk.opened_at)),
                        t(tk.severity.as_str()),
                        t(tk.status.as_str()),
                        Arg::OptText(tk.resolved_at.map(timestamp)),
                        Arg::Int(i64::from(tk.escalated)),
                        Arg::OptInt(tk.csat),
                        t(now.clone()),
                        t(now.clone()),
                    ]);
                }
                let respondent = (!a.contacts.is_empty()).then_some(id * ID_SPACE);
                for s in book.surveys(&a) {
                    surveys.push(vec![
                        Arg::Int(id),
                        Arg::OptInt(respondent),
                        Arg::OptText(s.external_id),
                        t(s.kind.as_str()),
                        Arg::OptInt(s.score),
                        Arg::OptText(s.intent.map(|i| i.as_str().to_string())),
                        Arg::OptText(s.comment),
                        t(date(s.answered_on)),
                        t(now.clone()),
                    ]);
                }
            }
            out.tickets += tickets.len();
            out.surveys += surveys.len();
            let mut tx = self.write_tx().await?;
            crate::bulk::insert_rows(
                &mut tx,
                self.engine,
                "tickets",
                &[
                    "account_id",
                    "external_id",
                    "subject",
                    "opened_at",
                    "severity",
                    "status",
                    "resolved_at",
                    "escalated",
                    "csat",
                    "created_at",
                    "updated_at",
                ],
                tickets,
            )
            .await?;
            crate::bulk::insert_rows(
                &mut tx,
                self.engine,
                "surveys",
                &[
                    "account_id",
                    "contact_id",
                    "external_id",
                    "kind",
                    "score",
                    "intent",
                    "comment",
                    "answered_on",
                    "created_at",
                ],
                surveys,
            )
            .await?;
            tx.commit().await?;
        }
        let step = book.accounts.div_ceil(USAGE_SAMPLE).max(1);
        let sampled = |i: usize, a: &sherpa_core::demo::DemoAccount| {
            i.is_multiple_of(step) && a.fields.lifecycle != Some(sherpa_core::Lifecycle::Churned)
        };
        for start in (0..book.accounts).step_by(CHUNK / 4) {
            let mut history = sherpa_core::intake::RollupDelta::default();
            for i in start..(start + CHUNK / 4).min(book.accounts) {
                let a = book.account(i);
                let skip = if sampled(i, &a) { RAW_DAYS } else { 0 };
                let id = sherpa_core::AccountId(i as i64 + 1);
                history.merge(book.usage_history(&a, id, HISTORY_DAYS, skip));
            }
            out.usage_days += history.days.len();
            self.add_usage_rollups(history).await?;
        }
        let received = self.clock.now();
        for i in (0..book.accounts).step_by(step) {
            let a = book.account(i);
            if !sampled(i, &a) {
                continue;
            }
            let mut messages = Vec::new();
            for chunk in book.usage_messages(&a, RAW_DAYS).chunks(500) {
                let body = format!("{{\"batch\":[{}]}}", chunk.join(","));
                let parsed = sherpa_core::intake::parse_request(None, body.as_bytes(), received)
                    .map_err(|e| StoreError::invalid("demo events", e.message))?;
                for m in parsed.messages {
                    messages.push(m.map_err(|e| StoreError::invalid("demo events", e.message))?);
                }
            }
            let stored = self.ingest(messages, received).await?;
            out.events += stored.accepted;
            out.usage_accounts += 1;
        }
        self.settle_usage().await?;
        Ok(out)
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
    use sherpa_core::prioritise::*;
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
            let choice = g.decision.map(|tier| TierChoice {
                kind: TierChoiceKind::Decision,
                tier,
                reason: "a quick call at the pipeline review".into(),
            });
            let standing = tier_standing(&TierGrid::default(), Some(g.grade), choice);
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
                t(now),
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
                t(now),
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
