//! Lifecycles worked out from contract terms, for accounts imported without one (the rule is
//! core's [`Lifecycle::from_terms`]): after each import of accounts or terms and each day, so an
//! onboarding account becomes ongoing on its day and one whose terms all ended is churned.

use crate::{Result, Store};
use sherpa_core::book::Lifecycle;
use sherpa_core::text;
use std::collections::BTreeMap;

impl Store {
    /// Sets the lifecycle of every account that has none of its own from its terms; answers how
    /// many changed. A lifecycle a person or a file gave is never touched.
    pub async fn derive_lifecycles(&self) -> Result<u64> {
        let today = self.clock.today();
        let rows: Vec<(i64, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.lifecycle, MIN(c.start_date), \
             CAST(MAX(CASE WHEN c.start_date <= $1 AND c.end_date >= $1 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM accounts a JOIN contracts c ON c.account_id = a.id AND c.status <> 'cancelled' \
             WHERE a.lifecycle IS NULL OR a.lifecycle_from_data = 1 GROUP BY a.id, a.lifecycle",
        )
        .bind(text::date(today))
        .fetch_all(&self.pool)
        .await?;
        let mut by_lifecycle: BTreeMap<&'static str, Vec<i64>> = BTreeMap::new();
        for (id, now, first, running) in rows {
            let first = crate::rows::day("start_date", &first)?;
            let Some(derived) = Lifecycle::from_terms(Some(first), running == 1, today) else {
                continue;
            };
            if now.as_deref() != Some(derived.as_str()) {
                by_lifecycle.entry(derived.as_str()).or_default().push(id);
            }
        }
        let stamp = self.now();
        let mut changed = 0;
        for (lifecycle, ids) in by_lifecycle {
            for chunk in ids.chunks(500) {
                let list = chunk
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                changed += sqlx::query(&format!(
                    "UPDATE accounts SET lifecycle = $1, lifecycle_from_data = 1, updated_at = $2 \
                     WHERE id IN ({list})"
                ))
                .bind(lifecycle)
                .bind(&stamp)
                .execute(&self.pool)
                .await?
                .rows_affected();
            }
        }
        Ok(changed)
    }
}
