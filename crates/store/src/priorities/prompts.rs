//! The prompts that keep grades current: grading tasks for new accounts (the AE at close, the CSM
//! within 30 days), and re-grade prompts when the account's state moved (a departed champion,
//! ARR or product use that changed).

use super::*;

impl Store {
    /// Opens the grading tasks of new accounts (seed 000): "grade at close" for the AE of an
    /// account without a grade, "re-grade within 30 days" for the CSM once sales graded it.
    /// Idempotent: one open task per rule and account. Answers how many it opened.
    pub async fn open_grading_tasks(&self) -> Result<usize> {
        let today = self.clock().today();
        let since = today - chrono::Days::new(NEW_FOR_DAYS);
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            customer_since: Option<String>,
            created_at: String,
            lifecycle: Option<String>,
            ae_id: Option<i64>,
            csm_id: Option<i64>,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, customer_since, created_at, lifecycle, ae_id, csm_id FROM accounts \
             WHERE (lifecycle IS NULL OR lifecycle <> 'churned') \
             AND (customer_since >= $1 OR (customer_since IS NULL AND created_at >= $1)) ORDER BY id",
        )
        .bind(since.to_string())
        .fetch_all(&self.pool)
        .await?;
        // The gradings of those accounts, in one read.
        let graded: Vec<(i64, String)> = sqlx::query_as(
            "SELECT g.account_id, g.moment FROM account_gradings g JOIN accounts a ON a.id = g.account_id \
             WHERE (a.lifecycle IS NULL OR a.lifecycle <> 'churned') \
             AND (a.customer_since >= $1 OR (a.customer_since IS NULL AND a.created_at >= $1)) ORDER BY g.id",
        )
        .bind(since.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut moments: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for (account, moment) in graded {
            moments.entry(account).or_default().push(moment);
        }
        let mut opened = 0;
        for r in rows {
            let moments = moments.remove(&r.id).unwrap_or_default();
            let start = match &r.customer_since {
                Some(d) => parse("customer_since", d)?,
                None => time("created_at", &r.created_at)?.date_naive(),
            };
            let facts = GradingFacts {
                account: AccountId(r.id),
                name: r.name,
                start,
                lifecycle: r
                    .lifecycle
                    .as_deref()
                    .map(|l| parse("lifecycle", l))
                    .transpose()?,
                ae: r.ae_id.map(UserId),
                csm: r.csm_id.map(UserId),
                gradings: moments
                    .iter()
                    .map(|m| parse("moment", m))
                    .collect::<std::result::Result<_, _>>()?,
            };
            if let Some(task) = grading_task(&facts, today) {
                let (_, new) = self.open_task(&Actor::system("grading"), &task).await?;
                opened += usize::from(new);
            }
        }
        Ok(opened)
    }

    /// Opens the CSM's "re-grade?" prompt (seed 000's state change) for every graded account
    /// whose champion or economic buyer left, whose ARR moved, or whose product use moved a lot
    /// since its last grading. Idempotent; answers how many it opened.
    pub async fn open_regrade_prompts(&self) -> Result<usize> {
        let today = self.clock().today();
        let rows: Vec<(i64, String, Option<i64>, String, i64)> = sqlx::query_as(
            "SELECT id, name, csm_id, grade, arr_minor FROM accounts WHERE grade IS NOT NULL \
             AND (lifecycle IS NULL OR lifecycle <> 'churned') ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut last: std::collections::HashMap<i64, (i64, String)> = Default::default();
        for (account, arr, at) in sqlx::query_as::<_, (i64, i64, String)>(
            "SELECT account_id, arr_minor, graded_at FROM account_gradings ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        {
            last.insert(account, (arr, at));
        }
        let mut departed: std::collections::HashMap<i64, Vec<(String, String, String)>> =
            Default::default();
        for (account, name, roles, on) in sqlx::query_as::<_, (i64, String, String, String)>(
            "SELECT account_id, name, roles, departed_on FROM contacts WHERE departed_on IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?
        {
            departed.entry(account).or_default().push((name, roles, on));
        }
        let d30 = (today - chrono::Days::new(30)).to_string();
        let usage: std::collections::HashMap<i64, (i64, i64)> =
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT account_id, CAST(SUM(CASE WHEN day >= $1 THEN events ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN day < $1 THEN events ELSE 0 END) AS BIGINT) FROM usage_days \
                 WHERE day >= $2 AND day < $3 GROUP BY account_id",
            )
            .bind(&d30)
            .bind((today - chrono::Days::new(60)).to_string())
            .bind(today.to_string())
            .fetch_all(self.rollups().await?.pool())
            .await?
            .into_iter()
            .map(|(a, l, b)| (a, (l, b)))
            .collect();
        let mut opened = 0;
        for (id, name, csm, grade, arr_now) in rows {
            let Some((arr_at_grading, graded_at)) = last.get(&id) else {
                continue;
            };
            let graded_on = &graded_at[..10.min(graded_at.len())];
            let left = departed
                .get(&id)
                .into_iter()
                .flatten()
                .filter(|(_, _, on)| on.as_str() >= graded_on)
                .flat_map(|(who, roles, _)| {
                    parse_roles(roles)
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|r| {
                            matches!(
                                r,
                                RelationshipRole::Champion | RelationshipRole::EconomicBuyer
                            )
                        })
                        .map(move |r| (who.clone(), r))
                })
                .collect();
            let facts = StateFacts {
                account: AccountId(id),
                name,
                csm: csm.map(UserId),
                grade: grade.parse().ok(),
                arr_at_grading: *arr_at_grading,
                arr_now,
                departed: left,
                usage: usage.get(&id).copied(),
            };
            if let Some(task) = regrade_prompt(&facts, today) {
                let (_, new) = self.open_task(&Actor::system("grading"), &task).await?;
                opened += usize::from(new);
            }
        }
        Ok(opened)
    }
}
