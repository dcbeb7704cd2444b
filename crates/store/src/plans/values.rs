//! An objective's values over time: recorded by a person, imported from the customer's
//! figures, or read by Sherpa from a catalogue metric or a product event. Recording one is an
//! update of the plan (its monthly rhythm counts from it).

use crate::audit::{Entry, record_all};
use crate::bulk::upsert_rows_returning;
use crate::rows::{day, time};
use crate::sql::{Arg, BindIds, placeholders};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sherpa_core::plan::ValueSource;
use sherpa_core::*;
use std::collections::{BTreeSet, HashMap};

/// A value of an objective.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveValue {
    pub id: i64,
    pub objective: String,
    pub value: Decimal,
    pub on: NaiveDate,
    pub note: String,
    /// entry, import, metric or event.
    pub source: String,
    pub recorded_by: Option<UserId>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// A value to record, checked by the caller against the account's live plan.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObjectiveValue {
    pub account: AccountId,
    pub objective: String,
    pub value: Decimal,
    pub on: NaiveDate,
    pub note: String,
    pub source: &'static str,
}

#[derive(sqlx::FromRow)]
struct ValueRow {
    account_id: i64,
    id: i64,
    objective: String,
    value: String,
    measured_on: String,
    note: String,
    source: String,
    recorded_by: Option<i64>,
    recorded_at: String,
}

fn value_of(r: ValueRow) -> Result<ObjectiveValue> {
    Ok(ObjectiveValue {
        id: r.id,
        value: r.value.parse().map_err(|_| {
            StoreError::Db(sqlx::Error::Decode(format!("value: {}", r.value).into()))
        })?,
        objective: r.objective,
        on: day("measured_on", &r.measured_on)?,
        note: r.note,
        source: r.source,
        recorded_by: r.recorded_by.map(UserId),
        recorded_at: time("recorded_at", &r.recorded_at)?,
    })
}

impl Store {
    /// Records values, all or none, each an update of its account's plan.
    pub async fn record_objective_values(
        &self,
        actor: &Actor,
        values: &[NewObjectiveValue],
    ) -> Result<usize> {
        let now = self.now();
        let today = text::date(self.clock().today());
        let key = |account: i64, objective: &str, value: &str, on: &str, source: &str| {
            format!("{account}\n{objective}\n{value}\n{on}\n{source}")
        };
        // Which of the given values each returned id is, by what the audit shows of it: two
        // values alike in all of that are interchangeable.
        let mut places: HashMap<String, Vec<usize>> = HashMap::new();
        let mut rows = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate().rev() {
            let value = v.value.normalize().to_string();
            let on = text::date(v.on);
            places
                .entry(key(v.account.0, &v.objective, &value, &on, v.source))
                .or_default()
                .push(i);
            rows.push(vec![
                Arg::Int(v.account.0),
                Arg::Text(v.objective.clone()),
                Arg::Text(value),
                Arg::Text(on),
                Arg::Text(v.note.clone()),
                Arg::Text(v.source.to_string()),
                Arg::OptInt(actor.user_id.map(|u| u.0)),
                Arg::Text(now.clone()),
            ]);
        }
        rows.reverse();
        let mut tx = self.write_tx().await?;
        let returned: Vec<(i64, i64, String, String, String, String)> = upsert_rows_returning(
            &mut tx,
            self.engine,
            "objective_values",
            &[
                "account_id",
                "objective",
                "value",
                "measured_on",
                "note",
                "source",
                "recorded_by",
                "recorded_at",
            ],
            rows,
            "",
            "id, account_id, objective, value, measured_on, source",
        )
        .await?;
        let mut ids = vec![0; values.len()];
        for (id, account, objective, value, on, source) in returned {
            let k = key(account, &objective, &value, &on, &source);
            if let Some(i) = places.get_mut(&k).and_then(Vec::pop) {
                ids[i] = id;
            }
        }
        // Sherpa's own readings keep the plan's data current, but they are not a person
        // updating the plan with the customer.
        let updated: BTreeSet<AccountId> = values
            .iter()
            .filter(|v| !matches!(v.source, "metric" | "event" | "feature"))
            .map(|v| v.account)
            .collect();
        let updated: Vec<AccountId> = updated.into_iter().collect();
        for part in updated.chunks(500) {
            sqlx::query(&format!(
                "UPDATE success_plans SET updated_on = $1 WHERE account_id IN ({})",
                placeholders(1, part.len())
            ))
            .bind(&today)
            .bind_ids(part)
            .execute(&mut *tx)
            .await?;
        }
        let entries = values.iter().zip(ids).map(|(v, id)| Entry {
            action: "create",
            entity: "objective_value",
            entity_id: id.to_string(),
            account_id: Some(v.account.0),
            before: None,
            after: Some(
                serde_json::json!({
                    "account_id": v.account.0, "objective": v.objective,
                    "value": v.value.normalize().to_string(), "on": text::date(v.on),
                    "source": v.source,
                })
                .to_string(),
            ),
        });
        record_all(&mut tx, self.engine, &now, actor, entries).await?;
        tx.commit().await?;
        Ok(values.len())
    }

    /// An account's objective values, oldest first (by day, then as recorded).
    pub async fn objective_values(&self, account: AccountId) -> Result<Vec<ObjectiveValue>> {
        Ok(self
            .objective_values_of(&[account])
            .await?
            .remove(&account)
            .unwrap_or_default())
    }

    /// The values of many accounts' objectives, oldest first per account.
    pub(crate) async fn objective_values_of(
        &self,
        ids: &[AccountId],
    ) -> Result<HashMap<AccountId, Vec<ObjectiveValue>>> {
        let mut out: HashMap<AccountId, Vec<ObjectiveValue>> = HashMap::new();
        for part in ids.chunks(500) {
            let rows: Vec<ValueRow> = sqlx::query_as(&format!(
                "SELECT account_id, id, objective, value, measured_on, note, source, recorded_by, \
                 recorded_at FROM objective_values WHERE account_id IN ({}) \
                 ORDER BY account_id, measured_on, id",
                placeholders(0, part.len())
            ))
            .bind_ids(part)
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                out.entry(AccountId(r.account_id))
                    .or_default()
                    .push(value_of(r)?);
            }
        }
        Ok(out)
    }

    /// What a measured source reads for an account today: a catalogue metric as the health
    /// refresh last computed it, or the events of a name in the window (counted from the daily
    /// rollups, or a property summed from the raw events still kept).
    pub async fn measured_value(
        &self,
        account: AccountId,
        source: &ValueSource,
    ) -> Result<Option<Decimal>> {
        let today = self.clock().today();
        match source {
            ValueSource::Entry | ValueSource::Import => Ok(None),
            ValueSource::Metric { metric } => {
                let row: Option<(String,)> =
                    sqlx::query_as("SELECT metrics FROM health_metrics WHERE account_id = $1")
                        .bind(account.0)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row
                    .and_then(|(json,)| serde_json::from_str::<serde_json::Value>(&json).ok())
                    .and_then(|m| m.get(metric).and_then(|v| v.as_f64()))
                    .and_then(|f| Decimal::try_from(f).ok())
                    .map(|d| d.round_dp(2)))
            }
            ValueSource::Event {
                event,
                property: None,
                window_days,
            } => {
                let from = today - chrono::Days::new(u64::from(*window_days));
                let (n,): (Option<i64>,) = sqlx::query_as(
                    "SELECT SUM(events) FROM usage_names WHERE account_id = $1 AND name = $2 \
                     AND day > $3 AND day <= $4",
                )
                .bind(account.0)
                .bind(event)
                .bind(text::date(from))
                .bind(text::date(today))
                .fetch_one(self.rollups_as_written().pool())
                .await?;
                Ok(Some(Decimal::from(n.unwrap_or(0))))
            }
            ValueSource::Event {
                event,
                property: Some(property),
                window_days,
            } => {
                let from = (today - chrono::Days::new(u64::from(*window_days)))
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc());
                let mut sum = Decimal::ZERO;
                let mut after = 0;
                loop {
                    let page = self.events(Some(account), after, 5_000).await?;
                    let Some(last) = page.last() else { break };
                    after = last.id;
                    for e in page.iter().filter(|e| {
                        e.name.as_deref() == Some(event.as_str())
                            && from.is_some_and(|f| e.occurred_at > f)
                    }) {
                        sum += property_value(&e.body, property).unwrap_or_default();
                    }
                }
                Ok(Some(sum))
            }
            ValueSource::Feature {
                feature,
                share_of_seats,
            } => {
                let Some(used) = self.feature_use(account).await? else {
                    return Ok(None);
                };
                let value = match share_of_seats {
                    true => used.seat_share(feature),
                    false => Some(f64::from(used.users_of(feature))),
                };
                Ok(value
                    .and_then(|v| Decimal::try_from(v).ok())
                    .map(|d| d.round_dp(1)))
            }
        }
    }
}

/// A numeric property of a Segment message (`properties.<name>`), number or numeric text.
fn property_value(body: &str, property: &str) -> Option<Decimal> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    match v.get("properties")?.get(property)? {
        serde_json::Value::Number(n) => n.to_string().parse().ok(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_is_read_as_a_number_or_numeric_text() {
        let body = r#"{"properties":{"amount":120.5,"count":"3","name":"x"}}"#;
        assert_eq!(
            property_value(body, "amount"),
            Some("120.5".parse().unwrap())
        );
        assert_eq!(property_value(body, "count"), Some(3.into()));
        assert_eq!(property_value(body, "name"), None);
        assert_eq!(property_value(body, "missing"), None);
    }
}
