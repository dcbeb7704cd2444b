//! Retention of raw events: how long they are kept, and pruning those past it (their daily rollups stay).

use super::*;

impl Store {
    /// How many days raw events are kept (the `event_retention_days` setting, default 180).
    pub async fn event_retention_days(&self) -> Result<i64> {
        let v: Option<(String,)> =
            sqlx::query_as("SELECT value FROM settings WHERE key = 'event_retention_days'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.and_then(|(v,)| v.parse().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    pub async fn set_event_retention_days(&self, actor: &Actor, days: i64) -> Result<()> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('event_retention_days', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(days.to_string())
        .execute(&mut *tx)
        .await?;
        let after = serde_json::json!({ "event_retention_days": days });
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "setting",
            "event_retention_days",
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes raw events received before the retention window, loose and in blocks, with
    /// their message ids; rollups stay (but for who used each event name, kept 90 days).
    pub async fn prune_events(&self) -> Result<u64> {
        // Per-minute counters are for the intake page: a week is enough.
        let week_ago = timestamp(self.clock.now() - chrono::Duration::days(7));
        sqlx::query("DELETE FROM intake_minutes WHERE minute < $1")
            .bind(&week_ago[..16])
            .execute(&self.pool)
            .await?;
        // Who used each event name counts a feature's users over 30 days: a user not seen for
        // 90 is nobody's any more, and the table would otherwise keep everyone who ever came.
        let unseen = sherpa_core::text::date(self.clock().today() - chrono::Days::new(90));
        sqlx::query("DELETE FROM usage_name_users WHERE last_day < $1")
            .bind(&unseen)
            .execute(self.rollups_as_written().pool())
            .await?;
        let days = self.event_retention_days().await?;
        let cutoff = timestamp(self.clock.now() - chrono::Duration::days(days));
        let mut deleted = 0;
        if let Some(last) = self.last_received_before("events", "id", &cutoff).await? {
            deleted += self.prune_loose(last).await?;
        }
        if let Some(last) = self
            .last_received_before("event_blocks", "first_id", &cutoff)
            .await?
        {
            deleted += self.prune_blocks(last).await?;
        }
        Ok(deleted)
    }

    /// The last id (in `table`, numbered by `id`) received before `cutoff`. Ids follow the
    /// order events arrived in, so it is found by a binary search over ids (a few point
    /// reads) rather than a scan.
    async fn last_received_before(
        &self,
        table: &str,
        id: &str,
        cutoff: &str,
    ) -> Result<Option<i64>> {
        let (lo, hi): (Option<i64>, Option<i64>) =
            sqlx::query_as(&format!("SELECT MIN({id}), MAX({id}) FROM {table}"))
                .fetch_one(&self.pool)
                .await?;
        let (Some(mut lo), Some(mut hi)) = (lo, hi) else {
            return Ok(None);
        };
        let first_at =
            format!("SELECT received_at FROM {table} WHERE {id} >= $1 ORDER BY {id} LIMIT 1");
        let received = |at: i64| {
            let first_at = &first_at;
            async move {
                let r: Option<(String,)> = sqlx::query_as(first_at)
                    .bind(at)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok::<_, crate::StoreError>(r.map(|(t,)| t))
            }
        };
        if received(lo).await?.is_none_or(|t| t.as_str() >= cutoff) {
            return Ok(None);
        }
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2;
            match received(mid).await? {
                Some(t) if t.as_str() < cutoff => lo = mid,
                _ => hi = mid - 1,
            }
        }
        Ok(Some(lo))
    }

    /// Deletes loose events with ids up to `last`, and their message ids, in slices so that no
    /// transaction holds the writer for long.
    async fn prune_loose(&self, last: i64) -> Result<u64> {
        let mut deleted = 0;
        loop {
            let mut tx = self.write_tx().await?;
            let events: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, message_id FROM events WHERE id <= $1 ORDER BY id LIMIT 10000",
            )
            .bind(last)
            .fetch_all(&mut *tx)
            .await?;
            let Some((up_to, _)) = events.last() else {
                return Ok(deleted);
            };
            let up_to = *up_to;
            forget_ids(&mut tx, self.engine, &events).await?;
            sqlx::query("DELETE FROM events WHERE id <= $1")
                .bind(up_to)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            deleted += events.len() as u64;
        }
    }

    /// Deletes the blocks whose first id is at most `first`, and their message ids, a few
    /// blocks a transaction.
    async fn prune_blocks(&self, first: i64) -> Result<u64> {
        let mut deleted = 0;
        loop {
            let mut tx = self.write_tx().await?;
            let blocks: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT first_id, data FROM event_blocks WHERE first_id <= $1 ORDER BY first_id LIMIT 50",
            )
            .bind(first)
            .fetch_all(&mut *tx)
            .await?;
            let Some((up_to, _)) = blocks.last() else {
                return Ok(deleted);
            };
            let up_to = *up_to;
            let mut events = Vec::new();
            for (_, data) in &blocks {
                events.extend(
                    decode_block(data)?
                        .into_iter()
                        .map(|e| (e.id, e.message_id)),
                );
            }
            forget_ids(&mut tx, self.engine, &events).await?;
            sqlx::query("DELETE FROM event_blocks WHERE first_id <= $1")
                .bind(up_to)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            deleted += events.len() as u64;
        }
    }
}
