//! The engagement sweep: for every account that is not churned, the model its rule assigns,
//! its milestones as of today (recording what the signals completed), and each moment or late
//! milestone that came due. Each occurrence is inserted once (a unique index, so two servers
//! sweeping together fire it once) and, in the same transaction, writes the sends of its email
//! or webhook and opens its task for the owner of the moment's function unless one for that
//! moment is open already.

use super::facts::Gathered;
use crate::bulk::upsert_rows_returning;
use crate::outreach::Occasion;
use crate::sql::{Arg, BindIds, placeholders};
use crate::{Result, Store};
use sherpa_core::assignment::first_match;
use sherpa_core::engagement::*;
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

/// Accounts a sweep reads and writes at a time.
const PART: usize = 500;

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngagementSweep {
    pub accounts: usize,
    /// Occurrences that fired for the first time.
    pub fired: usize,
    /// Tasks they opened (a moment whose task is still open opens no second one).
    pub tasks_opened: usize,
    /// Milestones their signals completed.
    pub milestones_completed: usize,
    /// Emails and webhook posts their actions queued (dry runs and skipped ones included).
    pub sends: usize,
}

/// An occurrence to fire: the account, its model, the firing and its task.
struct Due {
    account: i64,
    model: String,
    /// The moment's rule in words.
    rule: String,
    firing: Firing,
    /// None for an automated moment that needs no person.
    task: Option<TaskFields>,
    /// The same task for one more person (the owner of an objective that slipped).
    also: Option<TaskFields>,
    /// The moment's email and webhook, when it has either.
    actions: Option<(Option<EmailAction>, Option<WebhookAction>, MergeMoment)>,
}

/// An account as the sweep reads it: what picks its model, and its owners.
#[derive(sqlx::FromRow, Clone)]
struct AccountRow {
    id: i64,
    name: String,
    tier: Option<i64>,
    segment: Option<i64>,
    lifecycle: Option<String>,
    csm_id: Option<i64>,
    ae_id: Option<i64>,
    cd_id: Option<i64>,
    sponsor_id: Option<i64>,
}

impl Store {
    /// Runs the engine once over the whole book, as of the clock's today.
    pub async fn run_engagement(&self) -> Result<EngagementSweep> {
        self.sweep_engagement(None).await
    }

    /// Runs the engine over `accounts` only: those a write just changed (a ticket, a survey, a
    /// departure, a colour change), so that their event-based moments fire within a second,
    /// or one whose tier changed (its new model and cadence start at once).
    pub async fn run_engagement_for(&self, accounts: &[AccountId]) -> Result<EngagementSweep> {
        if accounts.is_empty() {
            return Ok(EngagementSweep::default());
        }
        self.sweep_engagement(Some(accounts)).await
    }

    async fn sweep_engagement(&self, only: Option<&[AccountId]>) -> Result<EngagementSweep> {
        let config = self.engagement_config().await?;
        let cadences = self.prioritisation_rules().await?.cadences;
        let today = self.clock().today();
        let mut cal = Calendar::new(today, &cadences.time_zone).with_cadences(
            cadences
                .cadences()
                .map_err(|(key, e)| crate::StoreError::invalid(&key, e.to_string()))?,
        );
        let releases = self.recent_releases(today).await?;
        // Complete weeks and first days only: see `rollups_as_written`.
        let rollups = self.rollups_as_written();
        let only_ids = only.unwrap_or_default();
        let only = match only {
            Some(ids) => format!("AND id IN ({})", placeholders(0, ids.len())),
            None => String::new(),
        };
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT id, name, tier, segment, lifecycle, csm_id, ae_id, cd_id, sponsor_id FROM accounts \
             WHERE (lifecycle IS NULL OR lifecycle <> 'churned') {only} ORDER BY id"
        ))
        .bind_ids(only_ids)
        .fetch_all(&self.pool)
        .await?;
        let mut out = EngagementSweep {
            accounts: rows.len(),
            ..Default::default()
        };
        // A moment's rule in words, worked out once per sweep.
        let mut rules: HashMap<(String, String), String> = HashMap::new();
        for part in rows.chunks(PART) {
            let ids: Vec<AccountId> = part.iter().map(|r| AccountId(r.id)).collect();
            // Objectives slip with time as well as with values: their statuses first.
            self.turn_objectives(&ids, today).await?;
            let mut gathered = self
                .engagement_facts(&ids, today, &releases, rollups)
                .await?;
            let fired: HashSet<(i64, String, String)> = sqlx::query_as(&format!(
                "SELECT account_id, moment, occurrence FROM engagement_firings WHERE account_id IN ({})",
                placeholders(0, ids.len())
            ))
            .bind_ids(&ids)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .collect();
            let mut due = Vec::new();
            let mut completed = Vec::new();
            let mut past_onboarding = Vec::new();
            for row in part {
                let AccountRow {
                    id,
                    name,
                    tier,
                    segment,
                    lifecycle,
                    csm_id: csm,
                    ae_id: ae,
                    cd_id: cd,
                    sponsor_id: sponsor,
                } = row.clone();
                let Some(g) = gathered.get_mut(&id) else {
                    continue;
                };
                g.facts.tier = tier.and_then(sherpa_core::prioritise::Tier::new);
                let facts = crate::health::facts(tier, segment, lifecycle)?;
                g.facts.lifecycle = facts.lifecycle;
                let Some(model) =
                    first_match(&config.rules, &facts).and_then(|(_, r)| config.model(&r.then))
                else {
                    continue;
                };
                let owners = Owners {
                    csm: csm.map(UserId),
                    ae: ae.map(UserId),
                    customer_development: cd.map(UserId),
                    executive_sponsor: sponsor.map(UserId),
                };
                let owner = |f: OwnerFunction| owners.get(f).or(owners.csm);
                let AccountFirings {
                    firings,
                    completed: done,
                    onboarded,
                } = account_firings(model, g, &mut cal);
                completed.extend(done.into_iter().map(|(k, r)| (id, k, r)));
                if onboarded {
                    past_onboarding.push(AccountId(id));
                }
                for (firing, purpose) in firings {
                    if fired.contains(&(id, firing.moment.clone(), firing.occurrence.clone())) {
                        continue;
                    }
                    let rule = match purpose {
                        Source::Late(m) => format!(
                            "an onboarding milestone more than {} days late",
                            m.escalate_after_days
                        ),
                        Source::Moment(m) => rules
                            .entry((model.name.clone(), m.key.clone()))
                            .or_insert_with(|| m.when.describe())
                            .clone(),
                    };
                    let (actions, wants_task) = match purpose {
                        Source::Moment(m) if m.email.is_some() || m.webhook.is_some() => (
                            Some((
                                m.email.clone(),
                                m.webhook.clone(),
                                MergeMoment::of(&model.name, m, &rule, &firing.why),
                            )),
                            m.task,
                        ),
                        Source::Moment(m) => (None, m.task),
                        Source::Late(_) => (None, true),
                    };
                    let (purpose, owner_fn) = match purpose {
                        Source::Late(m) => (Purpose::of_late(m, &rule), m.owner),
                        Source::Moment(m) => (Purpose::of_moment(m, &rule), m.owner),
                    };
                    let task = task_for(
                        AccountId(id),
                        &name,
                        &model.name,
                        purpose,
                        &firing,
                        owner(owner_fn),
                    );
                    // An objective that slipped: its owner hears too, when that is a team
                    // member other than the task's owner.
                    let also = g
                        .facts
                        .objective_turns
                        .iter()
                        .find(|t| firing.occurrence == format!("objective:{}", t.id))
                        .and_then(|t| t.owner)
                        .and_then(|o| o.user(&owners))
                        .filter(|u| Some(*u) != task.owner_id)
                        .map(|u| task_also_for(&task, u));
                    due.push(Due {
                        account: id,
                        model: model.name.clone(),
                        rule,
                        firing,
                        task: wants_task.then_some(task),
                        also: if wants_task { also } else { None },
                        actions,
                    });
                }
            }
            let (fired, opened, sends) = self.fire(&due).await?;
            out.fired += fired;
            out.tasks_opened += opened;
            out.sends += sends;
            out.milestones_completed += self.record_milestones(&completed).await?;
            self.close_onboarding_escalations(&past_onboarding).await?;
        }
        Ok(out)
    }

    /// Closes the open escalations of late milestones on accounts whose onboarding is over:
    /// onboarding tasks belong to accounts in onboarding.
    async fn close_onboarding_escalations(&self, ids: &[AccountId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let open: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT id, account_id FROM tasks WHERE status = 'open' AND source = 'engagement' \
             AND dedup_key LIKE 'engagement:late_%' AND account_id IN ({})",
            placeholders(0, ids.len())
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        if open.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let actor = Actor::system("engagement");
        let mut tx = self.write_tx().await?;
        for (task, account) in open {
            crate::tasks::close_done(
                &mut tx,
                &now,
                &actor,
                task,
                AccountId(account),
                "onboarding is over",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Inserts each occurrence once and, in the same transaction, writes its sends and opens
    /// its task. The firings and their tasks go in multi-row statements: a first sweep of a
    /// large book fires thousands.
    async fn fire(&self, due: &[Due]) -> Result<(usize, usize, usize)> {
        if due.is_empty() {
            return Ok((0, 0, 0));
        }
        let now = self.now();
        let today = text::date(self.clock().today());
        let actor = Actor::system("engagement");
        let mut tx = self.write_tx().await?;
        let rows = due.iter().map(|d| {
            vec![
                Arg::Int(d.account),
                Arg::Text(d.model.clone()),
                Arg::Text(d.firing.moment.clone()),
                Arg::Text(d.firing.occurrence.clone()),
                Arg::Text(today.clone()),
                Arg::Text(now.clone()),
                Arg::Text(d.rule.clone()),
                Arg::Text(d.firing.why.clone()),
            ]
        });
        // Those another server fired first are not returned.
        let inserted: Vec<(i64, i64, String, String, String)> = upsert_rows_returning(
            &mut tx,
            self.engine,
            "engagement_firings",
            &[
                "account_id",
                "model",
                "moment",
                "occurrence",
                "fired_on",
                "fired_at",
                "rule",
                "why",
            ],
            rows,
            "ON CONFLICT DO NOTHING",
            "id, account_id, model, moment, occurrence",
        )
        .await?;
        let mut ids: HashMap<(i64, &str, &str, &str), i64> = inserted
            .iter()
            .map(|(id, a, model, moment, occurrence)| {
                (
                    (*a, model.as_str(), moment.as_str(), occurrence.as_str()),
                    *id,
                )
            })
            .collect();
        // Each occurrence once, in the order due.
        let fired: Vec<(i64, &Due)> = due
            .iter()
            .filter_map(|d| {
                let key = (
                    d.account,
                    d.model.as_str(),
                    d.firing.moment.as_str(),
                    d.firing.occurrence.as_str(),
                );
                Some((ids.remove(&key)?, d))
            })
            .collect();
        let mut sends = 0;
        for (id, d) in &fired {
            if let Some((email, webhook, merge)) = &d.actions {
                let occasion = Occasion {
                    account: d.account,
                    merge: merge.clone(),
                    email: email.as_ref(),
                    webhook: webhook.as_ref(),
                };
                sends += crate::outreach::queue(&mut tx, self, &now, *id, &occasion).await?;
            }
        }
        // Each firing's task (the firing is told its id) and the one more person's.
        let tasks: Vec<(Option<i64>, &TaskFields)> = fired
            .iter()
            .flat_map(|(id, d)| {
                let own = d.task.as_ref().map(|t| (Some(*id), t));
                own.into_iter().chain(d.also.as_ref().map(|t| (None, t)))
            })
            .collect();
        let opened = crate::tasks::open_many(&mut tx, self.engine, &now, &actor, &tasks).await?;
        let links: Vec<(i64, i64)> = opened
            .iter()
            .filter_map(|(firing, task)| Some(((*firing)?, *task)))
            .collect();
        for part in links.chunks(400) {
            let mut a = crate::sql::Args::default();
            let cases: Vec<String> = part
                .iter()
                .map(|(firing, task)| {
                    let f = a.push(Arg::Int(*firing));
                    format!("WHEN {f} THEN {}", a.push(Arg::Int(*task)))
                })
                .collect();
            let within: Vec<String> = part.iter().map(|(f, _)| a.push(Arg::Int(*f))).collect();
            let sql = format!(
                "UPDATE engagement_firings SET task_id = CASE id {} END WHERE id IN ({})",
                cases.join(" "),
                within.join(", ")
            );
            sqlx::query_with(&sql, a.into_arguments())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok((fired.len(), opened.len(), sends))
    }

    /// Records milestones the signals completed; one already recorded stands.
    async fn record_milestones(&self, done: &[(i64, String, Recorded)]) -> Result<usize> {
        if done.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let mut tx = self.write_tx().await?;
        let rows = done.iter().map(|(id, key, r)| {
            vec![
                Arg::Int(*id),
                Arg::Text(key.clone()),
                Arg::Text(text::date(r.on)),
                Arg::Text(r.how.clone()),
                Arg::Text(now.clone()),
            ]
        });
        let added: Vec<(i64, String)> = crate::bulk::upsert_rows_returning(
            &mut tx,
            self.engine,
            "engagement_milestones",
            &[
                "account_id",
                "milestone",
                "completed_on",
                "how",
                "recorded_at",
            ],
            rows,
            "ON CONFLICT DO NOTHING",
            "account_id, milestone",
        )
        .await?;
        let engine = Actor::system("engagement");
        super::close_escalations(&mut tx, &now, &engine, &added).await?;
        tx.commit().await?;
        Ok(added.len())
    }
}

/// What a firing comes from.
enum Source<'a> {
    Moment(&'a Moment),
    Late(&'a Milestone),
}

/// An account's firings today with what each comes from, the milestones its signals newly
/// completed, and whether it is past onboarding.
struct AccountFirings<'a> {
    firings: Vec<(Firing, Source<'a>)>,
    completed: Vec<(String, Recorded)>,
    onboarded: bool,
}

fn account_firings<'a>(
    model: &'a EngagementModel,
    g: &Gathered,
    cal: &mut Calendar,
) -> AccountFirings<'a> {
    let today = cal.today;
    let mut facts = g.facts.clone();
    let mut out = Vec::new();
    let mut completed = Vec::new();
    if let Some(since) = facts.customer_since.filter(|s| *s <= today) {
        let states = progress(model, since, &g.signals, &g.recorded, today);
        for s in &states {
            if let Some(c) = &s.completed
                && !g.recorded.contains_key(&s.key)
            {
                completed.push((s.key.clone(), c.clone()));
            }
        }
        facts.onboarded = onboarded(model, &states, facts.lifecycle, since, today);
        if !facts.onboarded {
            for (firing, m) in escalations(model, &states, since, today) {
                out.push((firing, Source::Late(m)));
            }
        }
    }
    for firing in due_moments(model, &facts, cal) {
        if let Some(m) = model.moments.iter().find(|m| m.key == firing.moment) {
            out.push((firing, Source::Moment(m)));
        }
    }
    AccountFirings {
        firings: out,
        completed,
        onboarded: facts.onboarded,
    }
}
