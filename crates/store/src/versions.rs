//! Parts of the configuration kept as versions (health, engagement): every saved version as
//! JSON in a table of its own, the latest in force, each with who saved it and what it changed.
//! None saved yet means the built-in defaults.

use crate::rows::time;
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use serde::{Serialize, de::DeserializeOwned};
use sherpa_core::*;

/// One saved version of a part of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigVersion<T> {
    pub id: i64,
    pub saved_at: DateTime<Utc>,
    pub saved_by: Option<UserId>,
    /// What it changed from the version before.
    pub summary: String,
    pub config: T,
    /// Recorded from Sherpa's built-in defaults, not saved by a person.
    pub builtin: bool,
}

/// Where one part is kept: its table and the entity its audit entries name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Versioned {
    pub table: &'static str,
    pub entity: &'static str,
}

type VersionRow = (i64, String, Option<i64>, String, String, i64);

fn parse<T: DeserializeOwned>(json: &str) -> Result<T> {
    Ok(serde_json::from_str(json).map_err(|_| crate::rows::bad("config", json))?)
}

/// The version in force as `conn` sees it (a writer's transaction sees its own), or the
/// defaults.
pub(crate) async fn in_force<T: DeserializeOwned + Default>(
    conn: &mut sqlx::AnyConnection,
    v: Versioned,
) -> Result<T> {
    let json: Option<String> = sqlx::query_scalar(&format!(
        "SELECT config FROM {} ORDER BY id DESC LIMIT 1",
        v.table
    ))
    .fetch_optional(&mut *conn)
    .await?;
    json.map_or_else(|| Ok(T::default()), |j| parse(&j))
}

impl Store {
    /// The version in force, or the defaults.
    pub(crate) async fn config_in_force<T: DeserializeOwned + Default>(
        &self,
        v: Versioned,
    ) -> Result<T> {
        let mut conn = self.pool.acquire().await?;
        in_force(&mut conn, v).await
    }

    /// Every saved version, newest first.
    pub(crate) async fn config_versions<T: DeserializeOwned>(
        &self,
        v: Versioned,
    ) -> Result<Vec<ConfigVersion<T>>> {
        let rows: Vec<VersionRow> = sqlx::query_as(&format!(
            "SELECT id, saved_at, saved_by, summary, config, builtin FROM {} ORDER BY id DESC",
            v.table
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, at, by, summary, json, builtin)| {
                Ok(ConfigVersion {
                    id,
                    saved_at: time("saved_at", &at)?,
                    saved_by: by.map(UserId),
                    summary,
                    config: parse(&json)?,
                    builtin: builtin != 0,
                })
            })
            .collect()
    }

    /// Saves `new` as the version in force, with an audit entry holding both; `builtin` when
    /// it is Sherpa's built-in defaults rather than a person's choice.
    pub(crate) async fn save_config_version<T: Serialize>(
        &self,
        v: Versioned,
        actor: &Actor,
        (before, new): (&T, &T),
        summary: &str,
        builtin: bool,
    ) -> Result<i64> {
        let now = self.now();
        let json = serde_json::to_string(new).expect("plain data");
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO {} (config, saved_at, saved_by, summary, builtin) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            v.table
        ))
        .bind(&json)
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .bind(summary)
        .bind(i64::from(builtin))
        .fetch_one(&mut *tx)
        .await?;
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            v.entity,
            id,
            Some(&serde_json::to_value(before).expect("plain data")),
            Some(&serde_json::to_value(new).expect("plain data")),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
