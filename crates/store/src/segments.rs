//! Pareto segments (seed 002): the book's MRR curve with the cut-offs the settings suggest, and
//! the leader's act of applying them, which writes each account's segment and keeps a record
//! of the shares, names and floors then in force.

use crate::priorities::rules;
use crate::rows::time;
use crate::{Result, Store, audit};
use rust_decimal::Decimal;
use sherpa_core::prioritise::segments::{Pareto, ParetoSettings, pareto};
use sherpa_core::*;

/// One account on the curve.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveAccount {
    pub id: AccountId,
    pub name: String,
    /// The segment applied now, which may differ from the one the curve suggests.
    pub applied: Option<u8>,
}

/// The curve as the settings cut it today, against what was last applied.
#[derive(Debug, Clone)]
pub struct ParetoView {
    pub settings: ParetoSettings,
    pub curve: Pareto<CurveAccount>,
    /// Accounts with no revenue: off the curve, and given no segment.
    pub without_revenue: usize,
    /// Accounts whose applied segment is not the one suggested now (new, grown, shrunk).
    pub would_change: usize,
    pub last_applied: Option<SegmentApplication>,
}

/// One application of the cut by the leader.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentApplication {
    pub shares: Vec<u8>,
    pub names: Vec<String>,
    pub floors: Vec<Decimal>,
    pub accounts: usize,
    pub by: Actor,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// The MRR curve (ARR / 12) of every account with revenue, cut at the configured shares.
    pub async fn pareto(&self) -> Result<ParetoView> {
        let mut conn = self.pool.acquire().await?;
        let settings = rules(&mut conn).await?.pareto;
        let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, name, arr_minor, segment FROM accounts WHERE arr_minor > 0 ORDER BY id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let without_revenue: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE arr_minor <= 0")
                .fetch_one(&mut *conn)
                .await?;
        drop(conn);
        let currency = self.currency();
        let twelve = Decimal::from(12);
        let entries: Vec<(CurveAccount, Decimal)> = rows
            .into_iter()
            .map(|(id, name, arr, segment)| {
                let mrr = (Money::from_minor_units(arr, currency).amount / twelve)
                    .round_dp(currency.minor_digits());
                let applied = segment.and_then(|s| u8::try_from(s).ok());
                (
                    CurveAccount {
                        id: AccountId(id),
                        name,
                        applied,
                    },
                    mrr,
                )
            })
            .collect();
        let curve = pareto(&entries, &settings.shares);
        let would_change = curve
            .points
            .iter()
            .filter(|p| p.key.applied != Some(p.segment))
            .count();
        Ok(ParetoView {
            settings,
            curve,
            without_revenue: usize::try_from(without_revenue).unwrap_or(0),
            would_change,
            last_applied: self.last_segment_application().await?,
        })
    }

    /// Applies today's cut: every account on the curve gets its segment, the others none.
    pub async fn apply_segments(&self, actor: &Actor) -> Result<SegmentApplication> {
        let view = self.pareto().await?;
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE accounts SET segment = NULL WHERE segment IS NOT NULL")
            .execute(&mut *tx)
            .await?;
        for segment in &view.curve.segments {
            let ids: Vec<i64> = view
                .curve
                .points
                .iter()
                .filter(|p| p.segment == segment.number)
                .map(|p| p.key.id.0)
                .collect();
            // Bound lists keep each statement under both engines' parameter limits.
            for chunk in ids.chunks(500) {
                let sql = format!(
                    "UPDATE accounts SET segment = $1 WHERE id IN ({})",
                    crate::sql::placeholders(1, chunk.len())
                );
                let mut q = sqlx::query(&sql).bind(i64::from(segment.number));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx).await?;
            }
        }
        let floors: Vec<Decimal> = view.curve.segments.iter().map(|s| s.floor_mrr).collect();
        let application = SegmentApplication {
            shares: view.settings.shares.clone(),
            names: view.settings.names.clone(),
            floors,
            accounts: view.curve.points.len(),
            by: actor.clone(),
            at: chrono::DateTime::parse_from_rfc3339(&now)
                .map(|t| t.to_utc())
                .unwrap_or_else(|_| self.clock().now()),
        };
        let floors_json = serde_json::to_string(
            &application
                .floors
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>(),
        )
        .expect("plain data");
        sqlx::query(
            "INSERT INTO segment_applications (shares, names, floors, accounts, user_id, via, applied_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(serde_json::to_string(&application.shares).expect("plain data"))
        .bind(serde_json::to_string(&application.names).expect("plain data"))
        .bind(&floors_json)
        .bind(i64::try_from(application.accounts).unwrap_or(i64::MAX))
        .bind(actor.user_id.map(|u| u.0))
        .bind(&actor.via)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let summary = serde_json::json!({
            "shares": application.shares,
            "names": application.names,
            "floors": serde_json::from_str::<serde_json::Value>(&floors_json).expect("just written"),
            "accounts": view.curve.segments.iter().map(|s| s.accounts).collect::<Vec<_>>(),
        });
        audit::record(
            &mut tx,
            &now,
            actor,
            "apply",
            "segments",
            "book",
            None,
            Some(&summary),
        )
        .await?;
        tx.commit().await?;
        // Scorecards may be assigned by segment.
        self.health_watch().mark_rescore();
        Ok(application)
    }

    /// The latest application of a Pareto cut, if any.
    pub async fn last_segment_application(&self) -> Result<Option<SegmentApplication>> {
        type Row = (String, String, String, i64, Option<i64>, String, String);
        let row: Option<Row> = sqlx::query_as(
            "SELECT shares, names, floors, accounts, user_id, via, applied_at FROM segment_applications \
             ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some((shares, names, floors, accounts, user, via, at)) = row else {
            return Ok(None);
        };
        let floors: Vec<String> = json("floors", &floors)?;
        Ok(Some(SegmentApplication {
            shares: json("shares", &shares)?,
            names: json("names", &names)?,
            floors: floors
                .iter()
                .map(|f| f.parse().map_err(|_| crate::rows::bad("floors", f)))
                .collect::<std::result::Result<_, _>>()?,
            accounts: usize::try_from(accounts).unwrap_or(0),
            by: Actor {
                user_id: user.map(UserId),
                via,
            },
            at: time("applied_at", &at)?,
        }))
    }
}

fn json<T: serde::de::DeserializeOwned>(
    field: &str,
    v: &str,
) -> std::result::Result<T, sqlx::Error> {
    serde_json::from_str(v).map_err(|_| crate::rows::bad(field, v))
}
