//! The feature catalogue: which feature each event counts as, and which are high-value.

use super::*;

impl Store {
    /// The feature catalog: event name, the feature it counts as, and whether it is high-value.
    pub async fn feature_catalog(&self) -> Result<Vec<(String, String, bool)>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT event_name, feature, high_value FROM feature_catalog ORDER BY feature, event_name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(e, f, h)| (e, f, h != 0)).collect())
    }

    /// Names the feature an event counts as (several events may make one feature); the
    /// names as given, checked by the caller.
    pub async fn set_feature(
        &self,
        actor: &Actor,
        event: &str,
        feature: &str,
        high_value: bool,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO feature_catalog (event_name, feature, high_value) VALUES ($1, $2, $3) \
             ON CONFLICT (event_name) DO UPDATE SET feature = excluded.feature, high_value = excluded.high_value",
        )
        .bind(event)
        .bind(feature)
        .bind(i64::from(high_value))
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({"feature": feature, "high_value": high_value});
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "feature",
            &event,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        // Breadth and high-value use count features, not events.
        self.forget_health_catalogue();
        self.health_watch().mark_all();
        Ok(())
    }
}
