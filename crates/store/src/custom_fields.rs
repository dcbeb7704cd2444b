//! Custom account fields, defined by an admin.

use crate::{Result, Store, StoreError};
use sherpa_core::*;
use sqlx::AnyConnection;

pub(crate) async fn definitions(conn: &mut AnyConnection) -> Result<Vec<CustomFieldDef>> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT key, label, kind FROM custom_fields ORDER BY key")
            .fetch_all(conn)
            .await?;
    rows.into_iter()
        .map(|(key, label, kind)| {
            let kind = crate::rows::parse("kind", &kind)?;
            Ok(CustomFieldDef { key, label, kind })
        })
        .collect()
}

impl Store {
    pub async fn custom_fields(&self) -> Result<Vec<CustomFieldDef>> {
        let mut conn = self.pool.acquire().await?;
        definitions(&mut conn).await
    }

    pub async fn define_custom_field(&self, actor: &Actor, def: &CustomFieldDef) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO custom_fields (key, label, kind, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&def.key)
        .bind(&def.label)
        .bind(def.kind.as_str())
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            StoreError::unique(e, || format!("custom field \"{}\" already exists", def.key))
        })?;
        let after = serde_json::json!({"key": def.key, "label": def.label, "kind": def.kind});
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "create",
            "custom_field",
            &def.key,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
