//! An objective's values: recorded by a person (value, date, note), imported from the
//! customer's own figures (`sherpa import objective-values FILE`), or read by Sherpa each day
//! from a catalogue metric or a product event. A value is checked against the objective it
//! is for: one that exists on the live plan, on or after its baseline's date, not in the future.

use crate::{App, Caller, Error, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sherpa_core::import::{
    AccountKey, ImportSummary, Mapping, RowError, parse_objective_values, read_sheet,
};
use sherpa_core::plan::{Objective, ValueSource, label_key};
use sherpa_core::*;
use sherpa_store::{NewObjectiveValue, StoredPlan};

/// Record a value of an objective.
#[derive(Debug, Clone)]
pub struct RecordValue {
    pub account: AccountId,
    /// The objective's key.
    pub objective: String,
    pub value: Decimal,
    /// Today when not given.
    pub on: Option<NaiveDate>,
    pub note: String,
}

/// Why a value cannot be recorded for an objective, or `None` when it can.
fn refuse_value(o: &Objective, on: NaiveDate, today: NaiveDate) -> Option<(&'static str, String)> {
    if o.source.is_measured() {
        return Some((
            "objective",
            format!(
                "the values of \"{}\" are {}; change its source to record them by hand",
                o.title,
                o.source.describe()
            ),
        ));
    }
    if on > today {
        return Some(("on", format!("{on} is in the future")));
    }
    if on < o.measure.baseline_on {
        return Some((
            "on",
            format!(
                "{on} is before the baseline's date ({}); the objective is measured from there",
                o.measure.baseline_on
            ),
        ));
    }
    None
}

/// The objective a file or a form names, by key or title.
fn find<'a>(plan: &'a StoredPlan, name: &str) -> Option<&'a Objective> {
    let key = label_key(name);
    plan.content
        .objectives
        .iter()
        .find(|o| o.key == name.trim() || label_key(&o.key) == key || label_key(&o.title) == key)
}

impl App {
    /// Records a value of one objective: the account's owners and leaders.
    pub async fn record_objective_value(&self, by: &Caller, cmd: RecordValue) -> Result<()> {
        let acc = self.store.account(cmd.account).await?;
        by.may(|u| u.may_edit_plan(&acc.fields.owners))?;
        let plan = self.store.plan(cmd.account).await?.ok_or_else(|| {
            Error::NotFound(format!("{} has no success plan yet", acc.fields.name))
        })?;
        let o = find(&plan, &cmd.objective).ok_or_else(|| {
            Error::NotFound(format!(
                "objective \"{}\" is not on the plan of {}",
                cmd.objective, acc.fields.name
            ))
        })?;
        let today = self.store.clock().today();
        let on = cmd.on.unwrap_or(today);
        if let Some((field, message)) = refuse_value(o, on, today) {
            return Err(Error::invalid(field, message));
        }
        let note = optional_text("note", &cmd.note, 2_000)
            .map_err(|e| Error::invalid("note", e.0))?
            .unwrap_or_default();
        self.store
            .record_objective_values(
                &by.actor(),
                &[NewObjectiveValue {
                    account: cmd.account,
                    objective: o.key.clone(),
                    value: cmd.value,
                    on,
                    note,
                    source: "entry",
                }],
            )
            .await?;
        self.engage(&[cmd.account]).await;
        Ok(())
    }

    /// Imports customer-reported figures: every row checked against its account's live plan
    /// first, then all stored or none. A row's account must be one the caller may edit.
    pub async fn import_objective_values(
        &self,
        by: &Caller,
        bytes: &[u8],
        mapping: &Mapping,
        dry_run: bool,
    ) -> Result<ImportSummary> {
        let sheet = read_sheet(bytes).map_err(|e| Error::invalid("file", e.to_string()))?;
        let parsed = parse_objective_values(&sheet, mapping)
            .map_err(|message| Error::invalid("file", message))?;
        let mut errors = parsed.errors.clone();
        let today = self.store.clock().today();
        let mut values = Vec::new();
        let mut touched = Vec::new();
        let column = |f: &str| Some(parsed.columns.header(f));
        for row in &parsed.rows {
            let mut bad = |field: &str, message: String| {
                errors.push(RowError {
                    line: row.line,
                    column: column(field),
                    message,
                })
            };
            let account = match &row.account {
                AccountKey::SherpaId(id) => self.store.account(*id).await.ok(),
                AccountKey::ExternalId(x) => match self
                    .store
                    .find_account(&AccountRef::ExternalId(x.clone()))
                    .await
                {
                    Ok(id) => self.store.account(id).await.ok(),
                    Err(_) => None,
                },
                AccountKey::Domain(_) => None,
            };
            let Some(acc) = account else {
                bad(
                    "account_external_id",
                    "no account of the book has this id".into(),
                );
                continue;
            };
            if let Err(e) = by.may(|u| u.may_edit_plan(&acc.fields.owners)) {
                bad("account_external_id", format!("{}: {e}", acc.fields.name));
                continue;
            }
            let Some(plan) = self.store.plan(acc.id).await? else {
                bad(
                    "account_external_id",
                    format!("{} has no success plan", acc.fields.name),
                );
                continue;
            };
            let Some(o) = find(&plan, &row.objective) else {
                bad(
                    "objective",
                    format!(
                        "\"{}\" is not an objective of the plan of {}; it has: {}",
                        row.objective,
                        acc.fields.name,
                        plan.content
                            .objectives
                            .iter()
                            .map(|o| o.title.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            };
            if let Some((field, message)) = refuse_value(o, row.measured_on, today) {
                bad(if field == "on" { "measured_on" } else { field }, message);
                continue;
            }
            touched.push(acc.id);
            values.push(NewObjectiveValue {
                account: acc.id,
                objective: o.key.clone(),
                value: row.value,
                on: row.measured_on,
                note: row.note.clone(),
                source: "import",
            });
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.line);
            return Err(Error::Rows(errors));
        }
        if !dry_run {
            self.store
                .record_objective_values(&by.actor(), &values)
                .await?;
            touched.sort();
            touched.dedup();
            self.engage(&touched).await;
        }
        Ok(ImportSummary {
            created: values.len(),
            ignored_columns: parsed.ignored_columns,
            ..Default::default()
        })
    }

    /// Reads today's value of each measured objective of one plan that has none for today.
    pub(crate) async fn measure_plan(&self, plan: &StoredPlan) -> Result<usize> {
        let values = self.measured_today(plan).await?;
        self.record_measured(&values).await
    }

    /// Today's readings of the plan's measured objectives not read yet today.
    async fn measured_today(&self, plan: &StoredPlan) -> Result<Vec<NewObjectiveValue>> {
        let today = self.store.clock().today();
        let mut values = Vec::new();
        for o in &plan.content.objectives {
            let source = match &o.source {
                ValueSource::Metric { .. } => "metric",
                ValueSource::Event { .. } => "event",
                ValueSource::Feature { .. } => "feature",
                _ => continue,
            };
            let read_today = plan
                .values
                .get(&o.key)
                .is_some_and(|v| v.iter().any(|v| v.on == today && v.source == source));
            if read_today {
                continue;
            }
            if let Some(value) = self.store.measured_value(plan.account, &o.source).await? {
                values.push(NewObjectiveValue {
                    account: plan.account,
                    objective: o.key.clone(),
                    value,
                    on: today,
                    note: String::new(),
                    source,
                });
            }
        }
        Ok(values)
    }

    /// Records readings as Sherpa's own; answers how many.
    async fn record_measured(&self, values: &[NewObjectiveValue]) -> Result<usize> {
        if !values.is_empty() {
            self.store
                .record_objective_values(&Actor::system("plans"), values)
                .await?;
        }
        Ok(values.len())
    }

    /// The daily reading of every plan's measured objectives; answers how many values.
    pub async fn measure_plans(&self) -> Result<usize> {
        // One write for the book: a value each plan was a statement and a transaction each.
        let mut values = Vec::new();
        for row in self.store.planned_rows(None).await? {
            values.extend(self.measured_today(&row.plan).await?);
        }
        self.record_measured(&values).await
    }
}
