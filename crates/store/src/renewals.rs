//! The renewal pipeline: every term that ends in a window and has no outcome yet, with what a
//! renewal meeting needs (ARR in the reporting currency, the notice period, auto-renew, the
//! account's colour and the latest call), and the CSM's calls, each one kept.

use crate::audit::record;
use crate::revenue::REPORTING_ARR;
use crate::rows::{day, parse, time};
use crate::sql::{BindIds, placeholders};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sherpa_core::health::Colour;
use sherpa_core::revenue::RenewalCall;
use sherpa_core::revenue::meddicc::Qualification;
use sherpa_core::text::date;
use sherpa_core::*;

/// A call on a renewal, as made.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMade {
    pub call: RenewalCall,
    pub note: String,
    pub by: Option<String>,
    pub made_at: DateTime<Utc>,
}

/// One renewal of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRenewal {
    pub contract: ContractId,
    pub account: AccountId,
    pub name: String,
    pub owners: Owners,
    pub csm_name: Option<String>,
    /// As the contract says it.
    pub arr: Money,
    /// In the reporting currency; `None` when the currency has no rate.
    pub reporting_arr: Option<Money>,
    pub end: NaiveDate,
    pub notice_days: Option<i64>,
    pub auto_renew: Option<bool>,
    pub colour: Option<Colour>,
    pub score: Option<f64>,
    pub call: Option<CallMade>,
    /// The next term is already signed.
    pub signed: bool,
    /// The latest MEDDICC qualification saved.
    pub qualification: Option<Qualification>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    account_id: i64,
    name: String,
    csm_id: Option<i64>,
    ae_id: Option<i64>,
    cd_id: Option<i64>,
    sponsor_id: Option<i64>,
    csm_name: Option<String>,
    arr_minor: i64,
    currency: String,
    reporting_minor: Option<i64>,
    end_date: String,
    notice_days: Option<i64>,
    auto_renew: Option<i64>,
    colour: Option<String>,
    score: Option<f64>,
    call: Option<String>,
    call_note: Option<String>,
    call_by: Option<String>,
    call_at: Option<String>,
    signed: i64,
    qualification: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    call: String,
    note: String,
    by_name: Option<String>,
    made_at: String,
}

impl TryFrom<CallRow> for CallMade {
    type Error = sqlx::Error;
    fn try_from(r: CallRow) -> std::result::Result<CallMade, sqlx::Error> {
        Ok(CallMade {
            call: parse("call", &r.call)?,
            note: r.note,
            by: r.by_name,
            made_at: time("made_at", &r.made_at)?,
        })
    }
}

const PIPELINE: &str = "SELECT c.id, c.account_id, a.name, a.csm_id, a.ae_id, a.cd_id, a.sponsor_id, \
     u.name AS csm_name, c.arr_minor, c.currency, \
     CASE WHEN c.currency = $1 OR x.minor_ppm IS NOT NULL THEN REPORTING END AS reporting_minor, \
     c.end_date, c.notice_days, c.auto_renew, h.colour, h.score, \
     rc.call, rc.note AS call_note, cu.name AS call_by, rc.made_at AS call_at, \
     CASE WHEN EXISTS (SELECT 1 FROM contracts n WHERE n.account_id = c.account_id \
       AND n.id <> c.id AND n.status <> 'cancelled' AND n.end_date > c.end_date \
       AND n.start_date > c.start_date) THEN 1 ELSE 0 END AS signed, \
     (SELECT q.content FROM renewal_qualifications q WHERE q.contract_id = c.id \
       ORDER BY q.id DESC LIMIT 1) AS qualification \
     FROM contracts c JOIN accounts a ON a.id = c.account_id \
     LEFT JOIN users u ON u.id = a.csm_id \
     LEFT JOIN account_health h ON h.account_id = a.id \
     LEFT JOIN exchange_rates x ON x.currency = c.currency \
     LEFT JOIN renewal_calls rc ON rc.id = \
       (SELECT MAX(r.id) FROM renewal_calls r WHERE r.contract_id = c.id) \
     LEFT JOIN users cu ON cu.id = rc.user_id \
     WHERE c.status <> 'cancelled' AND c.outcome IS NULL";

impl Store {
    /// Every term ending from `from` to `to` (both included) with no outcome yet, soonest
    /// first; or the terms `only` names, whatever their dates.
    pub async fn renewal_pipeline(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        only: Option<&[ContractId]>,
    ) -> Result<Vec<PipelineRenewal>> {
        let reporting = self.currency();
        let sql = PIPELINE.replace("REPORTING", REPORTING_ARR);
        let rows: Vec<Row> = match only {
            None => {
                sqlx::query_as(&format!(
                    "{sql} AND c.end_date >= $2 AND c.end_date <= $3 ORDER BY c.end_date, c.id"
                ))
                .bind(reporting.code())
                .bind(date(from))
                .bind(date(to))
                .fetch_all(&self.pool)
                .await?
            }
            Some(ids) => {
                let ids: Vec<AccountId> = ids.iter().map(|c| AccountId(c.0)).collect();
                sqlx::query_as(&format!(
                    "{sql} AND c.id IN ({}) ORDER BY c.end_date, c.id",
                    placeholders(1, ids.len())
                ))
                .bind(reporting.code())
                .bind_ids(&ids)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.into_iter()
            .map(|r| {
                let currency = Currency::parse(&r.currency)
                    .map_err(|_| crate::rows::bad("currency", &r.currency))?;
                let call = match (r.call, r.call_at) {
                    (Some(call), Some(at)) => Some(CallMade::try_from(CallRow {
                        call,
                        note: r.call_note.unwrap_or_default(),
                        by_name: r.call_by,
                        made_at: at,
                    })?),
                    _ => None,
                };
                Ok(PipelineRenewal {
                    contract: ContractId(r.id),
                    account: AccountId(r.account_id),
                    name: r.name,
                    owners: Owners {
                        csm: r.csm_id.map(UserId),
                        ae: r.ae_id.map(UserId),
                        customer_development: r.cd_id.map(UserId),
                        executive_sponsor: r.sponsor_id.map(UserId),
                    },
                    csm_name: r.csm_name,
                    arr: Money::from_minor_units(r.arr_minor, currency),
                    reporting_arr: r
                        .reporting_minor
                        .map(|m| Money::from_minor_units(m, reporting)),
                    end: day("end_date", &r.end_date)?,
                    notice_days: r.notice_days,
                    auto_renew: r.auto_renew.map(|a| a != 0),
                    colour: r
                        .colour
                        .as_deref()
                        .map(|c| parse("colour", c))
                        .transpose()?,
                    score: r.score,
                    call,
                    signed: r.signed != 0,
                    qualification: r
                        .qualification
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()
                        .map_err(|e| {
                            StoreError::Db(sqlx::Error::Decode(
                                format!("qualification: {e}").into(),
                            ))
                        })?,
                })
            })
            .collect()
    }

    /// Records a call on the renewal of `contract`, and closes the open tasks of the account
    /// with these keys (the moments that wait for a call).
    pub async fn record_renewal_call(
        &self,
        actor: &Actor,
        contract: ContractId,
        call: RenewalCall,
        note: &str,
        close_keys: &[String],
    ) -> Result<()> {
        let now = sherpa_core::text::timestamp(self.clock().now());
        let mut tx = self.write_tx().await?;
        record_call(&mut tx, &now, actor, contract, call, note, close_keys).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records many calls at once, all or none: a book's calls loaded together (the demo's)
    /// take one transaction, not one each.
    pub async fn record_renewal_calls(
        &self,
        calls: &[(Actor, ContractId, RenewalCall, String)],
    ) -> Result<()> {
        let now = sherpa_core::text::timestamp(self.clock().now());
        let mut tx = self.write_tx().await?;
        for (actor, contract, call, note) in calls {
            record_call(&mut tx, &now, actor, *contract, *call, note, &[]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every call made on the renewal of `contract`, the latest first.
    pub async fn renewal_calls(&self, contract: ContractId) -> Result<Vec<CallMade>> {
        let rows: Vec<CallRow> = sqlx::query_as(
            "SELECT r.call, r.note, u.name AS by_name, r.made_at FROM renewal_calls r \
             LEFT JOIN users u ON u.id = r.user_id WHERE r.contract_id = $1 ORDER BY r.id DESC",
        )
        .bind(contract.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(CallMade::try_from)
            .collect::<std::result::Result<_, _>>()?)
    }
}

/// Records one call on `conn` (inside its caller's transaction), and closes the open tasks of the account with these keys.
async fn record_call(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    contract: ContractId,
    call: RenewalCall,
    note: &str,
    close_keys: &[String],
) -> Result<()> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT account_id FROM contracts WHERE id = $1")
        .bind(contract.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((account,)) = found else {
        return Err(StoreError::NotFound {
            entity: "contract",
            id: contract.to_string(),
        });
    };
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO renewal_calls (contract_id, call, note, user_id, made_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(contract.0)
    .bind(call.as_str())
    .bind(note)
    .bind(actor.user_id.map(|u| u.0))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    record(
        conn,
        now,
        actor,
        "create",
        "renewal_call",
        id,
        None,
        Some(&serde_json::json!({
            "account_id": account,
            "contract_id": contract.0,
            "call": call,
            "note": note,
        })),
    )
    .await?;
    for key in close_keys {
        let open: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM tasks WHERE account_id = $1 AND status = 'open' \
             AND (dedup_key = $2 OR dedup_key LIKE $3)",
        )
        .bind(account)
        .bind(key)
        .bind(format!("{key}:owner:%"))
        .fetch_all(&mut *conn)
        .await?;
        for (task,) in open {
            crate::tasks::close_done(
                conn,
                now,
                actor,
                task,
                AccountId(account),
                &format!("the call on the renewal was made: {}", call.words()),
            )
            .await?;
        }
    }
    Ok(())
}
