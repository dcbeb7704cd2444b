//! An account's usage as pages and health read it: by day, by feature, the seats in use; always from settled rollups.

use super::*;

/// One day of an account's usage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageDay {
    pub day: NaiveDate,
    pub events: i64,
    pub page_views: i64,
    pub active_users: i64,
    /// Distinct users seen in the 30 days up to and including this day.
    pub seats_in_use: i64,
    /// Distinct product features used that day (event names through the feature catalog).
    pub features_used: i64,
}

impl Store {
    /// An account's use of each catalog feature from `from` to `to`: (feature, events,
    /// high-value), the most used first; features it never used have 0 events.
    pub async fn feature_usage(
        &self,
        account: AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, i64, bool)>> {
        let rollups = self.rollups().await?;
        let used: Vec<(String, i64)> = sqlx::query_as(
            "SELECT name, CAST(SUM(events) AS BIGINT) FROM usage_names WHERE account_id = $1 AND day >= $2 AND day <= $3 GROUP BY name",
        )
        .bind(account.0)
        .bind(date(from))
        .bind(date(to))
        .fetch_all(rollups.pool())
        .await?;
        let used: HashMap<String, i64> = used.into_iter().collect();
        let mut features: HashMap<String, (i64, bool)> = HashMap::new();
        for (event, feature, high) in self.feature_catalog().await? {
            let e = features.entry(feature).or_insert((0, false));
            e.0 += used.get(&event).copied().unwrap_or(0);
            e.1 |= high;
        }
        let mut out: Vec<(String, i64, bool)> =
            features.into_iter().map(|(f, (n, h))| (f, n, h)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Distinct users of an account active in the 30 days up to and including `on`: the
    /// seats in use that day, whether or not anyone used the product on it.
    pub async fn seats_in_use(&self, account: AccountId, on: NaiveDate) -> Result<i64> {
        let rollups = self.rollups().await?;
        let users: HashSet<String> = self
            .active_user_days(rollups, account, on - chrono::Days::new(29), on)
            .await?
            .into_iter()
            .map(|(_, u)| u)
            .collect();
        Ok(users.len() as i64)
    }

    /// (day, user) for each day from `from` to `to` a user of the account was active.
    async fn active_user_days(
        &self,
        rollups: Rollups<'_>,
        account: AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, String)>> {
        let months: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT month, user_key, days FROM usage_user_months WHERE account_id = $1 AND month >= $2 AND month <= $3",
        )
        .bind(account.0)
        .bind(&date(from)[..7])
        .bind(&date(to)[..7])
        .fetch_all(rollups.pool())
        .await?;
        let mut out = Vec::new();
        for (month, user, bits) in months {
            let first: NaiveDate = format!("{month}-01").parse().map_err(|_| {
                crate::StoreError::invalid("month", format!("stored month {month:?}"))
            })?;
            for day in days_in(first, bits as u32).filter(|d| (from..=to).contains(d)) {
                out.push((date(day), user.clone()));
            }
        }
        Ok(out)
    }

    /// An account's daily usage from `from` to `to`, one entry per day with any usage.
    pub async fn usage(
        &self,
        account: AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UsageDay>> {
        let rollups = self.rollups().await?;
        let days: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT day, events, page_views FROM usage_days WHERE account_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
        )
        .bind(account.0)
        .bind(date(from))
        .bind(date(to))
        .fetch_all(rollups.pool())
        .await?;
        // Seats look 30 days back from each day.
        let users = self
            .active_user_days(rollups, account, from - chrono::Days::new(29), to)
            .await?;
        let names: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT n.day, n.name, f.feature FROM usage_names n LEFT JOIN feature_catalog f ON f.event_name = n.name \
             WHERE n.account_id = $1 AND n.day >= $2 AND n.day <= $3",
        )
        .bind(account.0)
        .bind(date(from))
        .bind(date(to))
        .fetch_all(rollups.pool())
        .await?;
        let mut by_day: HashMap<&str, Vec<&str>> = HashMap::new();
        for (d, u) in &users {
            by_day.entry(d.as_str()).or_default().push(u);
        }
        let mut features: HashMap<&str, HashSet<&str>> = HashMap::new();
        for (d, name, feature) in &names {
            features
                .entry(d.as_str())
                .or_default()
                .insert(feature.as_deref().unwrap_or(name));
        }
        days.iter()
            .map(|(d, events, page_views)| {
                let day: NaiveDate = d
                    .parse()
                    .map_err(|_| crate::StoreError::invalid("day", format!("stored day {d:?}")))?;
                let mut seats = BTreeSet::new();
                for back in 0..30 {
                    let k = date(day - chrono::Days::new(back));
                    if let Some(us) = by_day.get(k.as_str()) {
                        seats.extend(us.iter().copied());
                    }
                }
                Ok(UsageDay {
                    day,
                    events: *events,
                    page_views: *page_views,
                    active_users: by_day.get(d.as_str()).map_or(0, |u| u.len() as i64),
                    seats_in_use: seats.len() as i64,
                    features_used: features.get(d.as_str()).map_or(0, |f| f.len() as i64),
                })
            })
            .collect()
    }
}
