//! Applying an import file: every row in one transaction, all or nothing. Rows are matched to
//! what the book already holds by external id (or domain / email), so importing the same file
//! twice changes nothing the second time. A dry run does everything and then rolls back.

use crate::activities::save_activity;
use crate::contacts::save_contact;
use crate::contracts::{contract_id_by_external_id, derive_outcomes, save_contract};
use crate::users::{Change, resolve_person, upsert_user};
use crate::{Result, Store, StoreError};
use sherpa_core::import::*;
use sherpa_core::*;
use sqlx::{Any, AnyConnection, Transaction};

mod accounts;

/// Called with the number of rows applied so far.
pub type Progress<'a> = &'a (dyn Fn(usize) + Send + Sync);

/// One file being applied: what each row did, the rows that failed, and progress.
struct Batch<'a> {
    summary: ImportSummary,
    errors: Vec<RowError>,
    columns: &'a Columns,
    progress: Progress<'a>,
    done: usize,
}

impl<'a> Batch<'a> {
    fn new<T>(file: &'a Parsed<T>, progress: Progress<'a>) -> Self {
        Batch {
            summary: ImportSummary {
                ignored_columns: file.ignored_columns.clone(),
                left_out: file.left_out.iter().map(|(v, n)| (v.clone(), *n)).collect(),
                footer: file.footer.clone(),
                assumed_annual: file.assumed_annual,
                ..Default::default()
            },
            errors: Vec::new(),
            columns: &file.columns,
            progress,
            done: 0,
        }
    }

    /// Keeps a row's failure to report it with the others; a database failure stops the file.
    fn outcome<T>(&mut self, line: usize, r: Result<T>) -> Result<Option<T>> {
        match r {
            Ok(t) => Ok(Some(t)),
            Err(e) => {
                self.errors.push(row_error(line, self.columns, e)?);
                Ok(None)
            }
        }
    }

    fn count(&mut self, c: Change) {
        match c {
            Change::Created => self.summary.created += 1,
            Change::Updated => self.summary.updated += 1,
            Change::Unchanged => self.summary.unchanged += 1,
        }
    }

    /// One more row taken in the file's main pass (the slow one: a second pass for parents or
    /// managers is quick), for the progress shown.
    fn row_read(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(500) {
            (self.progress)(self.done);
        }
    }

    /// Commits when every row passed (rolls back on a dry run); otherwise reports them all.
    /// The book's counter moves as it commits (the accounts import defers it to then; for the
    /// others it is one more move beside their own).
    async fn finish(self, tx: Transaction<'static, Any>, dry_run: bool) -> Result<ImportSummary> {
        (self.progress)(self.done);
        if !self.errors.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Rows(self.errors));
        }
        if dry_run {
            tx.rollback().await?
        } else {
            crate::accounts::commit_moving_generation(tx).await?
        }
        Ok(self.summary)
    }
}

/// The accounts the saved terms belong to, each once.
async fn accounts_of(conn: &mut AnyConnection, terms: &[ContractId]) -> Result<Vec<AccountId>> {
    let mut out = Vec::new();
    for chunk in terms.chunks(500) {
        let list = chunk
            .iter()
            .map(|c| c.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT account_id FROM contracts WHERE id IN ({list})"
        ))
        .fetch_all(&mut *conn)
        .await?;
        out.extend(ids.into_iter().map(AccountId));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Each account's name and ARR as the transaction sees it, largest first.
async fn arr_of(
    conn: &mut AnyConnection,
    accounts: &[AccountId],
    currency: Currency,
) -> Result<Vec<AccountArr>> {
    let mut out = Vec::new();
    for chunk in accounts.chunks(500) {
        let list = chunk
            .iter()
            .map(|a| a.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT name, arr_minor FROM accounts WHERE id IN ({list})"
        ))
        .fetch_all(&mut *conn)
        .await?;
        out.extend(rows.into_iter().map(|(account, minor)| AccountArr {
            account,
            arr: Money::from_minor_units(minor, currency),
        }));
    }
    out.sort_by(|a, b| {
        b.arr
            .amount
            .cmp(&a.arr.amount)
            .then(a.account.cmp(&b.account))
    });
    Ok(out)
}

/// What the book holds of one kind that a whole file did not name, by name: `held` selects
/// each record's id, account id, external id and name.
async fn not_in_file(
    conn: &mut AnyConnection,
    held: &str,
    named: &[i64],
) -> Result<Vec<HeldRecord>> {
    let rows: Vec<(i64, Option<i64>, Option<String>, String)> =
        sqlx::query_as(held).fetch_all(conn).await?;
    let held = rows
        .into_iter()
        .map(|(id, account_id, external_id, name)| HeldRecord {
            id,
            account_id,
            external_id,
            name,
        });
    Ok(unnamed(held, named))
}

/// The records a file did not name, by name.
fn unnamed(held: impl Iterator<Item = HeldRecord>, named: &[i64]) -> Vec<HeldRecord> {
    let named: std::collections::HashSet<i64> = named.iter().copied().collect();
    let mut out: Vec<HeldRecord> = held.filter(|h| !named.contains(&h.id)).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    out
}

const HELD_CONTACTS: &str = "SELECT id, account_id, external_id, name FROM contacts";
const HELD_TERMS: &str = "SELECT c.id, c.account_id, c.external_id, \
     a.name || ', ' || c.start_date || ' to ' || c.end_date \
     FROM contracts c JOIN accounts a ON a.id = c.account_id";

/// A second pass's change counts as an update of a row the first pass left unchanged.
fn combined(first: Change, second: Change) -> Change {
    if first == Change::Unchanged && second == Change::Updated {
        Change::Updated
    } else {
        first
    }
}

/// Turns a store error on one row into the row error a person sees, naming their own column.
fn row_error(line: usize, columns: &Columns, e: StoreError) -> Result<RowError> {
    match e {
        StoreError::Invalid { field, message } => {
            let field = match field.as_str() {
                "owners.csm" => "csm_email",
                "owners.ae" => "ae_email",
                "owners.customer_development" => "cd_email",
                "owners.executive_sponsor" => "sponsor_email",
                "parent" => "parent_external_id",
                "account" => "account_external_id",
                "user" => "user_email",
                "manager" => "manager_email",
                other => other,
            };
            let column = columns
                .fields
                .contains_key(field)
                .then(|| columns.header(field));
            Ok(RowError {
                line,
                column,
                message,
            })
        }
        StoreError::Conflict(message) => Ok(RowError {
            line,
            column: None,
            message,
        }),
        other => Err(other),
    }
}

impl Store {
    /// After an import: what it wrote may feed any account's health.
    fn imported(&self, r: Result<ImportSummary>, dry_run: bool) -> Result<ImportSummary> {
        if r.is_ok() && !dry_run {
            self.health_watch().mark_all();
        }
        r
    }

    /// Applies a checked file of one kind, all or nothing: rows the book's rules reject come
    /// back as [`StoreError::Rows`] and nothing is written.
    pub async fn import_rows(
        &self,
        actor: &Actor,
        file: &ImportFile,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        if !file.errors().is_empty() {
            return Err(StoreError::Rows(file.errors().to_vec()));
        }
        match file {
            ImportFile::Accounts(p) => self.import_accounts(actor, p, dry_run, progress).await,
            ImportFile::Contacts(p) => self.import_contacts(actor, p, dry_run, progress).await,
            ImportFile::Contracts(p) => self.import_contracts(actor, p, dry_run, progress).await,
            ImportFile::Users(p) => self.import_users(actor, p, dry_run, progress).await,
            ImportFile::Activities(p) => self.import_activities(actor, p, dry_run, progress).await,
            ImportFile::Tickets(p) => self.import_tickets(actor, p, dry_run, progress).await,
            ImportFile::Surveys(p) => self.import_surveys(actor, p, dry_run, progress).await,
        }
    }

    /// After accounts or terms came in: lifecycles from the terms for accounts without their own.
    async fn with_lifecycles(
        &self,
        r: Result<ImportSummary>,
        dry_run: bool,
    ) -> Result<ImportSummary> {
        if r.is_ok() && !dry_run {
            self.derive_lifecycles().await?;
        }
        self.imported(r, dry_run)
    }

    pub async fn import_contacts(
        &self,
        actor: &Actor,
        file: &Parsed<ContactRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let mut batch = Batch::new(file, progress);
        let mut named = Vec::with_capacity(file.rows.len());
        for row in &file.rows {
            batch.row_read();
            let existing: Option<(i64,)> = match &row.key {
                ContactKey::ExternalId(x) => {
                    sqlx::query_as("SELECT id FROM contacts WHERE external_id = $1")
                        .bind(x)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                ContactKey::Email(e) => {
                    sqlx::query_as("SELECT id FROM contacts WHERE email = $1 ORDER BY id LIMIT 1")
                        .bind(e.as_str())
                        .fetch_optional(&mut *tx)
                        .await?
                }
            };
            let r = save_contact(
                &mut tx,
                &now,
                actor,
                existing.map(|(id,)| ContactId(id)),
                &row.patch,
            )
            .await;
            if let Some((id, c)) = batch.outcome(row.line, r)? {
                batch.count(c);
                named.push(id.0);
            }
        }
        if file.whole_file && batch.errors.is_empty() {
            batch.summary.not_in_file = not_in_file(&mut tx, HELD_CONTACTS, &named).await?;
        }
        self.imported(batch.finish(tx, dry_run).await, dry_run)
    }

    pub async fn import_contracts(
        &self,
        actor: &Actor,
        file: &Parsed<ContractRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let today = self.clock.today();
        let mut tx = self.write_tx().await?;
        let mut batch = Batch::new(file, progress);
        let mut saved = Vec::new();
        for row in &file.rows {
            batch.row_read();
            let existing = match row.patch.external_id.clone().flatten() {
                Some(x) => contract_id_by_external_id(&mut tx, &x).await?,
                None => natural_contract(&mut tx, &row.patch).await?,
            };
            let r = save_contract(
                &mut tx,
                &now,
                today,
                self.currency(),
                actor,
                existing,
                &row.patch,
            )
            .await;
            if let Some((id, c)) = batch.outcome(row.line, r)? {
                batch.count(c);
                saved.push(id);
            }
        }
        if batch.errors.is_empty() && !saved.is_empty() {
            let accounts = accounts_of(&mut tx, &saved).await?;
            if file.derive_outcomes {
                batch.summary.outcomes_derived =
                    derive_outcomes(&mut tx, &now, today, self.currency(), actor, &accounts)
                        .await?;
            }
            batch.summary.arr_after = arr_of(&mut tx, &accounts, self.currency()).await?;
        }
        if file.whole_file && batch.errors.is_empty() {
            let named: Vec<i64> = saved.iter().map(|id| id.0).collect();
            batch.summary.not_in_file = not_in_file(&mut tx, HELD_TERMS, &named).await?;
        }
        let r = batch.finish(tx, dry_run).await;
        self.with_lifecycles(r, dry_run).await
    }

    pub async fn import_users(
        &self,
        actor: &Actor,
        file: &Parsed<UserRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let mut batch = Batch::new(file, progress);
        // People first, managers second: a manager may be listed below their reports.
        let mut changes = Vec::new();
        for row in &file.rows {
            batch.row_read();
            let p = UserPatch {
                manager: None,
                ..row.patch.clone()
            };
            let r = upsert_user(&mut tx, &now, actor, &p, None).await;
            changes.extend(batch.outcome(row.line, r)?.map(|(_, c)| c));
        }
        if batch.errors.is_empty() {
            for (row, change) in file.rows.iter().zip(changes) {
                let mut change = change;
                if let Some(m) = &row.patch.manager {
                    let manager = match m {
                        Some(r) => {
                            let found = resolve_person(&mut tx, r)
                                .await
                                .map_err(|e| StoreError::invalid("manager", e));
                            match batch.outcome(row.line, found)? {
                                Some(id) => Some(id),
                                None => continue,
                            }
                        }
                        None => None,
                    };
                    let p = UserPatch {
                        email: row.patch.email.clone(),
                        name: None,
                        function: None,
                        role: None,
                        manager: None,
                        active: None,
                    };
                    let r = upsert_user(&mut tx, &now, actor, &p, Some(manager)).await;
                    if let Some((_, second)) = batch.outcome(row.line, r)? {
                        change = combined(change, second);
                    }
                }
                batch.count(change);
            }
        }
        self.imported(batch.finish(tx, dry_run).await, dry_run)
    }

    pub async fn import_activities(
        &self,
        actor: &Actor,
        file: &Parsed<ActivityRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let mut batch = Batch::new(file, progress);
        for row in &file.rows {
            batch.row_read();
            let input = &row.input;
            if input.external_id.is_none() && natural_activity(&mut tx, input).await? {
                batch.count(Change::Unchanged);
                continue;
            }
            let r = save_activity(&mut tx, &now, actor, input).await;
            if let Some((_, c)) = batch.outcome(row.line, r)? {
                batch.count(c);
            }
        }
        self.imported(batch.finish(tx, dry_run).await, dry_run)
    }
}

impl Store {
    pub async fn import_tickets(
        &self,
        actor: &Actor,
        file: &Parsed<TicketRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let mut batch = Batch::new(file, progress);
        for row in &file.rows {
            batch.row_read();
            let r = match crate::accounts::resolve_account(&mut tx, &row.account).await {
                Ok(account) => {
                    let t = TicketFields {
                        account_id: account,
                        ..row.ticket.clone()
                    };
                    crate::support::save_ticket(&mut tx, &now, actor, &t).await
                }
                Err(m) => Err(StoreError::invalid("account", m)),
            };
            if let Some((_, c)) = batch.outcome(row.line, r)? {
                batch.count(c);
            }
        }
        self.imported(batch.finish(tx, dry_run).await, dry_run)
    }

    pub async fn import_surveys(
        &self,
        actor: &Actor,
        file: &Parsed<SurveyRow>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let mut batch = Batch::new(file, progress);
        for row in &file.rows {
            batch.row_read();
            let r = match crate::accounts::resolve_account(&mut tx, &row.account).await {
                Ok(account) => {
                    let contact = match &row.contact_email {
                        Some(e) => sqlx::query_as::<_, (i64,)>(
                            "SELECT id FROM contacts WHERE email = $1 AND account_id = $2 ORDER BY id LIMIT 1",
                        )
                        .bind(e.as_str())
                        .bind(account.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|(id,)| ContactId(id)),
                        None => None,
                    };
                    let s = SurveyFields {
                        account_id: account,
                        contact_id: contact,
                        ..row.survey.clone()
                    };
                    crate::support::save_survey(&mut tx, &now, actor, &s).await
                }
                Err(m) => Err(StoreError::invalid("account", m)),
            };
            if let Some((_, c)) = batch.outcome(row.line, r)? {
                batch.count(c);
            }
        }
        self.imported(batch.finish(tx, dry_run).await, dry_run)
    }
}

/// How an import refuses a Sherpa id of no account: it names an account of this book or
/// none, and never creates one.
fn no_sherpa_id(id: AccountId) -> StoreError {
    StoreError::invalid(
        "sherpa_id",
        format!(
            "no account with Sherpa id {id} in this book (the file comes from another one?); \
             give the row an external id or a domain to add it"
        ),
    )
}

/// A term without an external id is the same term when account and start date match.
async fn natural_contract(
    conn: &mut AnyConnection,
    p: &ContractPatch,
) -> Result<Option<ContractId>> {
    let (Some(AccountRef::ExternalId(account)), Some(start)) = (&p.account, p.start_date) else {
        return Ok(None);
    };
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT c.id FROM contracts c JOIN accounts a ON a.id = c.account_id WHERE a.external_id = $1 AND c.start_date = $2 \
         ORDER BY c.id LIMIT 1",
    )
    .bind(account)
    .bind(sherpa_core::text::date(start))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| ContractId(id)))
}

/// An activity without an external id is a duplicate when account, kind, time and summary match.
async fn natural_activity(conn: &mut AnyConnection, a: &ActivityInput) -> Result<bool> {
    let AccountRef::ExternalId(account) = &a.account else {
        return Ok(false);
    };
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT x.id FROM activities x JOIN accounts a ON a.id = x.account_id WHERE a.external_id = $1 AND x.kind = $2 \
         AND x.occurred_at = $3 AND x.summary = $4 LIMIT 1",
    )
    .bind(account)
    .bind(a.kind.as_str())
    .bind(sherpa_core::text::timestamp(a.occurred_at))
    .bind(&a.summary)
    .fetch_optional(conn)
    .await?;
    Ok(row.is_some())
}
