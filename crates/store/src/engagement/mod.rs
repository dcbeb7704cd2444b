//! The engagement engine in the book: its configuration in force and its versions, product
//! releases, the sweep that fires moments (`sweep`), and what an account follows and how far
//! its onboarding got.

mod facts;
mod sweep;

pub use sweep::EngagementSweep;

use crate::health::facts as assignment_facts;
use crate::rows::day;
use crate::versions::{ConfigVersion, Versioned};
use crate::{Result, Store, StoreError};
use chrono::{Days, NaiveDate};
use sherpa_core::assignment::first_match;
use sherpa_core::engagement::*;
use sherpa_core::*;

/// How far back onboarding analytics look, in days.
pub const ANALYTICS_DAYS: u64 = 365;

/// An account, what assigns its model, and its first contract's start.
type CustomerRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

const ENGAGEMENT: Versioned = Versioned {
    table: "engagement_config_versions",
    entity: "engagement_config",
};

/// One saved version of the engagement configuration.
pub type EngagementConfigVersion = ConfigVersion<EngagementConfig>;

/// A product release an admin recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRelease {
    pub id: i64,
    pub name: String,
    pub released_on: NaiveDate,
    pub notes: String,
}

/// The model an account follows and why, and its onboarding.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountEngagement {
    pub model: String,
    /// "rule 2: tier 2".
    pub why: String,
    pub customer_since: Option<NaiveDate>,
    pub onboarded: bool,
    /// A churned account has left: no moment fires for it, nothing is owed.
    pub churned: bool,
    pub milestones: Vec<MilestoneState>,
    /// The moments fired for it, newest first: (moment, occurrence, fired on, why, task).
    pub fired: Vec<FiredMoment>,
}

impl AccountEngagement {
    /// Whether the account is in onboarding now: a customer not past it.
    pub fn in_onboarding(&self) -> bool {
        self.customer_since.is_some() && !self.onboarded
    }

    /// Where the account is in its life as the engagement engine sees it, none before it is a
    /// customer: a stored "onboarding" past its onboarding's end is ongoing here.
    pub fn phase(&self) -> Option<Lifecycle> {
        match (self.churned, self.customer_since, self.onboarded) {
            (true, _, _) => Some(Lifecycle::Churned),
            (false, None, _) => None,
            (false, Some(_), false) => Some(Lifecycle::Onboarding),
            (false, Some(_), true) => Some(Lifecycle::Ongoing),
        }
    }

    /// How late a milestone is: only during onboarding, after which a milestone not done is
    /// history, not debt.
    pub fn days_late(&self, m: &MilestoneState, today: NaiveDate) -> Option<i64> {
        m.days_late(today).filter(|_| self.in_onboarding())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FiredMoment {
    pub moment: String,
    pub occurrence: String,
    pub fired_on: NaiveDate,
    pub why: String,
    pub task: Option<TaskId>,
}

/// Why an engine task exists, as its firing recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMoment {
    pub model: String,
    pub moment: String,
    /// The rule in words ("day 91 of each contract term").
    pub rule: String,
    /// The values that fired it.
    pub values: String,
    pub occurrence: String,
}

impl Store {
    /// The moments that opened `tasks`, for those the engine opened.
    pub async fn task_moments(
        &self,
        tasks: &[TaskId],
    ) -> Result<std::collections::HashMap<TaskId, TaskMoment>> {
        if tasks.is_empty() {
            return Ok(Default::default());
        }
        let list = crate::sql::placeholders(0, tasks.len());
        let sql = format!(
            "SELECT task_id, model, moment, rule, why, occurrence FROM engagement_firings \
             WHERE task_id IN ({list})"
        );
        let rows: Vec<(i64, String, String, String, String, String)> = tasks
            .iter()
            .fold(sqlx::query_as(&sql), |q, t| q.bind(t.0))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(task, model, moment, rule, values, occurrence)| {
                (
                    TaskId(task),
                    TaskMoment {
                        model,
                        moment,
                        rule,
                        values,
                        occurrence,
                    },
                )
            })
            .collect())
    }

    /// The engagement configuration in force: the latest saved, or seed 000's plans per tier.
    pub async fn engagement_config(&self) -> Result<EngagementConfig> {
        self.config_in_force(ENGAGEMENT).await
    }

    pub async fn engagement_config_versions(&self) -> Result<Vec<EngagementConfigVersion>> {
        self.config_versions(ENGAGEMENT).await
    }

    /// Saves `new` as the configuration in force when it differs; a bad one names its key
    /// and changes nothing. Answers whether it saved.
    pub async fn set_engagement_config(
        &self,
        actor: &Actor,
        new: &EngagementConfig,
    ) -> Result<bool> {
        new.check().map_err(|e| {
            let (key, message) = e.split_once(": ").unwrap_or(("engagement", &e));
            StoreError::invalid(key, message)
        })?;
        let before = self.engagement_config().await?;
        if &before == new {
            return Ok(false);
        }
        let changed: Vec<&str> = new
            .models
            .iter()
            .filter(|m| before.model(&m.name) != Some(*m))
            .map(|m| m.name.as_str())
            .collect();
        let mut summary = changed.join(", ");
        if before.rules != new.rules {
            summary = if summary.is_empty() {
                "rules".into()
            } else {
                format!("{summary}, rules")
            };
        }
        if summary.is_empty() {
            summary = "models removed".into();
        }
        self.save_config_version(ENGAGEMENT, actor, (&before, new), &summary, false)
            .await?;
        Ok(true)
    }

    /// How many accounts (not churned) follow each model, by the rules in force.
    pub async fn engagement_model_counts(&self) -> Result<std::collections::HashMap<String, i64>> {
        let config = self.engagement_config().await?;
        let rows: Vec<(Option<i64>, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT tier, segment, lifecycle FROM accounts WHERE lifecycle IS NULL OR lifecycle <> 'churned'",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = std::collections::HashMap::new();
        for (tier, segment, lifecycle) in rows {
            let facts = assignment_facts(tier, segment, lifecycle)?;
            if let Some((_, r)) = first_match(&config.rules, &facts) {
                *out.entry(r.then.clone()).or_insert(0) += 1;
            }
        }
        Ok(out)
    }

    /// Up to `limit` accounts (not churned) that follow `model` under `config`, by name: whom
    /// a moment's dry-run preview is about.
    pub async fn accounts_following(
        &self,
        config: &EngagementConfig,
        model: &str,
        limit: usize,
    ) -> Result<Vec<(AccountId, String)>> {
        type Row = (i64, String, Option<i64>, Option<i64>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, tier, segment, lifecycle FROM accounts \
             WHERE lifecycle IS NULL OR lifecycle <> 'churned' ORDER BY name_key, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for (id, name, tier, segment, lifecycle) in rows {
            let facts = assignment_facts(tier, segment, lifecycle)?;
            if first_match(&config.rules, &facts).is_some_and(|(_, r)| r.then == model) {
                out.push((AccountId(id), name));
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Seed 002's onboarding analytics over the customers whose first contract started in the
    /// last [`ANALYTICS_DAYS`] (the process as it runs now; older ones' first logins are often
    /// only where imported usage history begins): the days between consecutive milestones (in
    /// the order of the model each follows now), by cohort, the slowest step, and time to
    /// first value by cohort and segment.
    pub async fn onboarding_analytics(&self) -> Result<analytics::OnboardingAnalytics> {
        let config = self.engagement_config().await?;
        let rows: Vec<CustomerRow> =
            sqlx::query_as(
                "SELECT a.id, a.tier, a.segment, a.lifecycle, \
                 (SELECT MIN(c.start_date) FROM contracts c WHERE c.account_id = a.id AND c.status <> 'cancelled') \
                 FROM accounts a",
            )
            .fetch_all(&self.pool)
            .await?;
        let done: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT account_id, milestone, completed_on FROM engagement_milestones")
                .fetch_all(&self.pool)
                .await?;
        let mut by_account: std::collections::HashMap<i64, Vec<(String, NaiveDate)>> =
            Default::default();
        for (id, key, on) in done {
            by_account
                .entry(id)
                .or_default()
                .push((key, day("completed_on", &on)?));
        }
        let mut onboardings = Vec::new();
        let from = self.clock().today() - Days::new(ANALYTICS_DAYS);
        for (id, tier, segment, lifecycle, since) in rows {
            let Some(since) = since.map(|s| day("start_date", &s)).transpose()? else {
                continue;
            };
            if since < from {
                continue;
            }
            let facts = assignment_facts(tier, segment, lifecycle)?;
            let Some(model) =
                first_match(&config.rules, &facts).and_then(|(_, r)| config.model(&r.then))
            else {
                continue;
            };
            let done = by_account.remove(&id).unwrap_or_default();
            onboardings.push(analytics::Onboarding {
                since,
                segment: facts.segment,
                completed: model
                    .milestones
                    .iter()
                    .filter_map(|m| done.iter().find(|(k, _)| *k == m.key).cloned())
                    .collect(),
            });
        }
        Ok(analytics::analyse(&onboardings))
    }

    /// Records a product release: accounts whose model reacts to one get their moment.
    pub async fn record_release(
        &self,
        actor: &Actor,
        name: &str,
        released_on: NaiveDate,
        notes: &str,
    ) -> Result<ProductRelease> {
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO product_releases (name, released_on, notes, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(text::date(released_on))
        .bind(notes)
        .bind(&now)
        .bind(actor.user_id.map(|u| u.0))
        .fetch_one(&mut *tx)
        .await?;
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "create",
            "product_release",
            id,
            None,
            Some(&serde_json::json!({"name": name, "released_on": text::date(released_on), "notes": notes})),
        )
        .await?;
        tx.commit().await?;
        Ok(ProductRelease {
            id,
            name: name.trim().to_string(),
            released_on,
            notes: notes.to_string(),
        })
    }

    /// Every recorded release, newest first.
    pub async fn releases(&self) -> Result<Vec<ProductRelease>> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, name, released_on, notes FROM product_releases ORDER BY released_on DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, on, notes)| {
                Ok(ProductRelease {
                    id,
                    name,
                    released_on: day("released_on", &on)?,
                    notes,
                })
            })
            .collect()
    }

    /// Releases of the catch-up window up to `today`.
    pub(crate) async fn recent_releases(&self, today: NaiveDate) -> Result<Vec<ReleaseFact>> {
        let from = today - Days::new(CATCH_UP_DAYS as u64 + 1);
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, released_on FROM product_releases WHERE released_on >= $1 AND released_on <= $2",
        )
        .bind(text::date(from))
        .bind(text::date(today))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, on)| {
                Ok(ReleaseFact {
                    id,
                    name,
                    released_on: day("released_on", &on)?,
                })
            })
            .collect()
    }

    /// Marks an onboarding milestone done by a person, on `on`. One recorded stands.
    pub async fn complete_milestone(
        &self,
        actor: &Actor,
        account: AccountId,
        key: &str,
        on: NaiveDate,
    ) -> Result<()> {
        let (model, _, _) = self.account_model(account).await?;
        if !model.milestones.iter().any(|m| m.key == key) {
            return Err(StoreError::invalid(
                "milestone",
                format!("{:?} has no milestone {key:?}", model.name),
            ));
        }
        let now = self.now();
        let how = match actor.user_id {
            Some(u) => format!("marked done by {}", self.user(u).await?.name),
            None => format!("marked done ({})", actor.via),
        };
        let mut tx = self.write_tx().await?;
        let n = sqlx::query(
            "INSERT INTO engagement_milestones (account_id, milestone, completed_on, how, completed_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(account.0)
        .bind(key)
        .bind(text::date(on))
        .bind(&how)
        .bind(actor.user_id.map(|u| u.0))
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "milestone {key:?} is already done"
            )));
        }
        close_escalation(&mut tx, &now, actor, account, key).await?;
        crate::audit::record(
            &mut tx,
            &now,
            actor,
            "update",
            "milestone",
            account.0,
            None,
            Some(&serde_json::json!({"milestone": key, "completed_on": text::date(on)})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The model the account follows now, which rule chose it ("rule 2: tier 2"), and the
    /// account's lifecycle stage.
    async fn account_model(
        &self,
        account: AccountId,
    ) -> Result<(EngagementModel, String, Option<Lifecycle>)> {
        let row: Option<(Option<i64>, Option<i64>, Option<String>)> =
            sqlx::query_as("SELECT tier, segment, lifecycle FROM accounts WHERE id = $1")
                .bind(account.0)
                .fetch_optional(&self.pool)
                .await?;
        let (tier, segment, lifecycle) =
            row.ok_or_else(|| StoreError::not_found("account", account))?;
        let config = self.engagement_config().await?;
        let facts = assignment_facts(tier, segment, lifecycle)?;
        let (n, rule) = first_match(&config.rules, &facts)
            .ok_or_else(|| StoreError::invalid("rules", "no rule holds for the account"))?;
        let model = config
            .model(&rule.then)
            .ok_or_else(|| StoreError::invalid("rules", format!("no model {:?}", rule.then)))?;
        Ok((
            model.clone(),
            format!("rule {n}: {}", rule.when.describe()),
            facts.lifecycle,
        ))
    }

    /// The model the account follows and why, its milestones with expected and actual days,
    /// and the moments fired for it.
    pub async fn account_engagement(&self, account: AccountId) -> Result<AccountEngagement> {
        let (model, why, lifecycle) = self.account_model(account).await?;
        let model = &model;
        let today = self.clock().today();
        let rollups = self.rollups().await?;
        let gathered = self
            .engagement_facts(&[account], today, &[], rollups)
            .await?;
        let g = gathered.get(&account.0).cloned().unwrap_or_default();
        let since = g.facts.customer_since;
        let milestones = since
            .map(|s| progress(model, s, &g.signals, &g.recorded, today))
            .unwrap_or_default();
        let fired: Vec<(String, String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT moment, occurrence, fired_on, why, task_id FROM engagement_firings \
             WHERE account_id = $1 ORDER BY id DESC LIMIT 200",
        )
        .bind(account.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(AccountEngagement {
            model: model.name.clone(),
            why,
            customer_since: since,
            onboarded: since.is_some_and(|s| onboarded(model, &milestones, lifecycle, s, today)),
            churned: lifecycle == Some(Lifecycle::Churned),
            milestones,
            fired: fired
                .into_iter()
                .map(|(moment, occurrence, on, why, task)| {
                    Ok(FiredMoment {
                        moment,
                        occurrence,
                        fired_on: day("fired_on", &on)?,
                        why,
                        task: task.map(TaskId),
                    })
                })
                .collect::<Result<_>>()?,
        })
    }
}

/// Closes the open escalation of a milestone that is now done: "Late: First value" means
/// nothing once first value is reached.
pub(crate) async fn close_escalation(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    account: AccountId,
    milestone: &str,
) -> Result<()> {
    close_escalations(conn, now, actor, &[(account.0, milestone.to_string())]).await
}

/// Closes the open escalations of the `done` milestones (account id, milestone key): the
/// sweep records hundreds at once, so they are looked up a few hundred accounts a query.
pub(crate) async fn close_escalations(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    done: &[(i64, String)],
) -> Result<()> {
    let wanted: std::collections::HashMap<(i64, String), &str> = done
        .iter()
        .map(|(a, m)| ((*a, task_key(&escalation_key(m))), m.as_str()))
        .collect();
    let mut accounts: Vec<AccountId> = done.iter().map(|(a, _)| AccountId(*a)).collect();
    accounts.sort();
    accounts.dedup();
    let mut open = Vec::new();
    for part in accounts.chunks(500) {
        let mut a = crate::sql::Args::default();
        let sql = format!(
            "SELECT id, account_id, dedup_key FROM tasks WHERE status = 'open' \
             AND dedup_key IS NOT NULL AND account_id IN ({})",
            a.ids(part)
        );
        let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as_with(&sql, a.into_arguments())
            .fetch_all(&mut *conn)
            .await?;
        open.extend(rows.into_iter().filter_map(|(task, account, key)| {
            let milestone = wanted.get(&(account, key?))?;
            Some((task, account, *milestone))
        }));
    }
    for (task, account, milestone) in open {
        crate::tasks::close_done(
            conn,
            now,
            actor,
            task,
            AccountId(account),
            &format!("milestone {milestone} done"),
        )
        .await?;
    }
    Ok(())
}

/// Closes the account's open moment tasks that a logged activity fulfils: a business review
/// answers the quarter's QBR task, as a call answers the personal touch.
pub(crate) async fn close_answered_moments(
    conn: &mut sqlx::AnyConnection,
    now: &str,
    actor: &Actor,
    account: AccountId,
    input: &ActivityInput,
) -> Result<()> {
    let open: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, dedup_key, created_at FROM tasks WHERE account_id = $1 AND status = 'open' \
         AND source = 'engagement' AND dedup_key IS NOT NULL",
    )
    .bind(account.0)
    .fetch_all(&mut *conn)
    .await?;
    if open.is_empty() {
        return Ok(());
    }
    let config: EngagementConfig = crate::versions::in_force(conn, ENGAGEMENT).await?;
    let answered: std::collections::HashSet<String> = config
        .models
        .iter()
        .flat_map(|m| &m.moments)
        .filter(|m| m.answered_by.contains(&input.kind))
        .map(|m| task_key(&m.key))
        .collect();
    let open: Vec<(i64, String)> = open
        .into_iter()
        .filter(|(_, key, _)| answered.contains(key))
        .map(|(task, _, created)| (task, created))
        .collect();
    crate::tasks::close_answered(conn, now, actor, input, account, open, "answered").await
}
