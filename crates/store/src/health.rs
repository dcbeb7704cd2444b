//! Health metrics from the book (seed 003's factors): each catalogue metric Sherpa can compute
//! for an account from its usage rollups, tickets, surveys, activities, contacts and contracts.
//! A metric without data is absent, never zero; the score leaves it out of the weights.

use crate::rows::{parse, time};
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::assignment::{AccountFacts, first_match};
use sherpa_core::health::*;
use sherpa_core::*;
use std::collections::BTreeMap;

/// One snapshot of an account's health.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthSnapshot {
    pub taken_at: chrono::DateTime<chrono::Utc>,
    pub score: Option<f64>,
    pub colour: Option<Colour>,
    pub scorecard: String,
    /// daily or colour_change.
    pub reason: String,
}

/// An account's score, with the scorecard and the rule that chose it.
#[derive(Debug, Clone)]
pub struct AccountHealth {
    pub health: HealthScore,
    /// "rule 1: lifecycle onboarding".
    pub why: String,
    pub metrics: BTreeMap<String, f64>,
    /// What moved since the latest snapshot, largest first.
    pub changes: Vec<FactorChange>,
}

fn days(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64
}

impl Store {
    /// The metrics of the catalogue that the account has data for, as of today.
    pub async fn account_metrics(&self, id: AccountId) -> Result<BTreeMap<String, f64>> {
        let account = self.account(id).await?;
        self.metrics_of(&account).await
    }

    async fn metrics_of(&self, account: &Account) -> Result<BTreeMap<String, f64>> {
        let id = account.id;
        let today = self.clock().today();
        let mut m: BTreeMap<String, f64> = BTreeMap::new();
        let mut put = |k: &str, v: f64| {
            m.insert(k.to_string(), v);
        };

        // Usage: the last 60 days of rollups.
        let usage = self.usage(id, today - chrono::Days::new(59), today).await?;
        let cut = today - chrono::Days::new(29);
        let (last, before): (i64, i64) = usage.iter().fold((0, 0), |(l, b), d| {
            if d.day >= cut {
                (l + d.events, b)
            } else {
                (l, b + d.events)
            }
        });
        if before > 0 {
            put(
                "usage_trend",
                (last - before) as f64 * 100.0 / before as f64,
            );
        }
        if let Some(d) = usage.iter().rev().find(|d| d.events > 0) {
            put("days_since_login", days(d.day, today));
        }
        if !usage.is_empty() {
            let seen = self.seats_in_use(id, today).await?;
            put("active_users_30d", seen as f64);
            let recent: Vec<_> = usage.iter().filter(|d| d.day >= cut).collect();
            if seen > 0 {
                let dau: f64 = recent.iter().map(|d| d.active_users as f64).sum::<f64>() / 30.0;
                put("dau_mau", dau * 100.0 / seen as f64);
            }
            let seats: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(seats) AS BIGINT) FROM contracts WHERE account_id = $1 \
                 AND start_date <= $2 AND end_date >= $2 AND seats IS NOT NULL",
            )
            .bind(id.0)
            .bind(today.to_string())
            .fetch_one(&self.pool)
            .await?;
            if let Some(seats) = seats.filter(|s| *s > 0) {
                put("seat_utilisation", seen as f64 * 100.0 / seats as f64);
            }
        }

        // Support.
        let t = self.ticket_summary(id).await?;
        let any_ticket: Option<i64> =
            sqlx::query_scalar("SELECT id FROM tickets WHERE account_id = $1 LIMIT 1")
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?;
        if any_ticket.is_some() {
            put("open_tickets", t.open as f64);
            put("tickets_30d", t.opened_last_30_days as f64);
            put("escalations_90d", t.escalated_last_90_days as f64);
            let d = |x: chrono::Duration| x.num_minutes() as f64 / 1_440.0;
            if let Some(a) = t.average_resolution {
                put("resolution_days_avg", d(a));
            }
            if let Some(l) = t.longest_resolution {
                put("resolution_days_max", d(l));
            }
        } else {
            // A customer who never needed support has no open tickets: that is known.
            put("open_tickets", 0.0);
            put("tickets_30d", 0.0);
            put("escalations_90d", 0.0);
        }

        // Surveys, newest first.
        let mut surveys = self.surveys(Some(id), 200).await?;
        surveys.sort_by_key(|s| std::cmp::Reverse(s.fields.answered_on));
        let scores = |kind: SurveyKind| -> Vec<f64> {
            surveys
                .iter()
                .filter(|s| s.fields.kind == kind)
                .filter_map(|s| s.fields.score)
                .map(|v| v as f64)
                .collect()
        };
        let nps = scores(SurveyKind::Nps);
        if let Some(n) = nps.first() {
            put("nps_latest", *n);
            if let Some(p) = nps.get(1) {
                put("nps_trend", n - p);
            }
        }
        if let Some(c) = scores(SurveyKind::Csat).first() {
            put("csat_latest", *c);
        }
        if let Some(c) = scores(SurveyKind::Ces).first() {
            put("ces_latest", *c);
        }
        if let Some(i) = surveys
            .iter()
            .filter(|s| s.fields.kind == SurveyKind::RenewIntent)
            .find_map(|s| s.fields.intent)
        {
            put(
                "renew_intent",
                match i {
                    RenewIntent::Yes => 1.0,
                    RenewIntent::Unsure => 0.5,
                    RenewIntent::No => 0.0,
                },
            );
        }

        // Relationship: activities and contacts.
        let acts: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT a.kind, a.occurred_at, (SELECT COUNT(*) FROM activity_attendees t WHERE t.activity_id = a.id) \
             FROM activities a WHERE a.account_id = $1 ORDER BY a.occurred_at DESC LIMIT 500",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        let mut replied = None;
        let mut reviewed = None;
        for (kind, at, attendees) in &acts {
            let kind: ActivityKind = parse("kind", kind)?;
            let day = time("occurred_at", at)?.date_naive();
            if replied.is_none() && *attendees > 0 && kind.is_personal_touch() {
                replied = Some(day);
            }
            if reviewed.is_none() && matches!(kind, ActivityKind::Qbr | ActivityKind::Ebr) {
                reviewed = Some(day);
            }
        }
        if let Some(d) = replied {
            put("days_since_customer_reply", days(d, today).max(0.0));
        }
        if let Some(d) = reviewed {
            put("business_review_days", days(d, today).max(0.0));
        }
        let contacts: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT roles, departed_on FROM contacts WHERE account_id = $1")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await?;
        if !contacts.is_empty() {
            let year_ago = (today - chrono::Days::new(365)).to_string();
            let departed = contacts.iter().any(|(roles, on)| {
                on.as_deref().is_some_and(|d| d >= year_ago.as_str())
                    && parse_roles(roles).unwrap_or_default().iter().any(|r| {
                        matches!(
                            r,
                            RelationshipRole::Champion | RelationshipRole::EconomicBuyer
                        )
                    })
            });
            put("champion_departed", if departed { 1.0 } else { 0.0 });
        }
        if let Some(since) = account.fields.customer_since {
            put("tenure_days", days(since, today).max(0.0));
        }
        Ok(m)
    }

    /// The account's health by the scorecard its rule assigns.
    pub async fn account_health(&self, id: AccountId) -> Result<AccountHealth> {
        let account = self.account(id).await?;
        let facts = AccountFacts {
            tier: account.priority.tier,
            segment: account.priority.segment,
            lifecycle: account.fields.lifecycle,
        };
        let rules = default_rules();
        let cards = [default_scorecard(), onboarding_scorecard()];
        let (n, rule) =
            first_match(&rules, &facts).expect("the default rules end with a catch-all");
        let card = cards
            .iter()
            .find(|c| c.name == rule.then)
            .expect("the default rules name the default scorecards");
        let metrics = self.metrics_of(&account).await?;
        let health = card.score(|k| metrics.get(k).copied());
        let changes = match self.latest_snapshot(id).await? {
            Some((_, before)) => changes(&before, &health),
            None => Vec::new(),
        };
        Ok(AccountHealth {
            health,
            why: format!("rule {n}: {}", rule.when.describe()),
            metrics,
            changes,
        })
    }

    /// The latest snapshot's day and score.
    async fn latest_snapshot(&self, id: AccountId) -> Result<Option<(String, HealthScore)>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT taken_on, factors FROM health_snapshots WHERE account_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(on, json)| {
            serde_json::from_str::<HealthScore>(&json)
                .map(|h| (on, h))
                .map_err(|_| crate::rows::bad("factors", &json).into())
        })
        .transpose()
    }

    /// Takes the account's snapshot: one a day, and another whenever the colour changed since
    /// the latest. Keeps the account's score and colour for lists. Answers whether the colour
    /// changed.
    pub async fn snapshot_health(&self, id: AccountId) -> Result<bool> {
        let h = self.account_health(id).await?;
        let today = self.clock().today().to_string();
        let latest = self.latest_snapshot(id).await?;
        let colour_changed = latest
            .as_ref()
            .is_some_and(|(_, before)| before.colour != h.health.colour);
        let due = match &latest {
            None => Some("daily"),
            Some(_) if colour_changed => Some("colour_change"),
            Some((on, _)) if *on != today => Some("daily"),
            Some(_) => None,
        };
        let now = self.now();
        let mut tx = self.write_tx().await?;
        if let Some(reason) = due {
            sqlx::query(
                "INSERT INTO health_snapshots (account_id, taken_on, taken_at, score, colour, scorecard, factors, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(&today)
            .bind(&now)
            .bind(h.health.score)
            .bind(h.health.colour.map(|c| c.as_str()))
            .bind(&h.health.scorecard)
            .bind(serde_json::to_string(&h.health).expect("plain data"))
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE accounts SET health_score = $1, health_colour = $2 WHERE id = $3")
            .bind(h.health.score)
            .bind(h.health.colour.map(|c| c.as_str()))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(colour_changed)
    }

    /// Snapshots every account (the daily job); answers how many changed colour.
    pub async fn snapshot_all_health(&self) -> Result<usize> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let mut changed = 0;
        for id in ids {
            changed += usize::from(self.snapshot_health(AccountId(id)).await?);
        }
        Ok(changed)
    }

    /// The account's snapshots, newest first.
    pub async fn health_history(&self, id: AccountId) -> Result<Vec<HealthSnapshot>> {
        type Row = (String, Option<f64>, Option<String>, String, String);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT taken_at, score, colour, scorecard, reason FROM health_snapshots \
             WHERE account_id = $1 ORDER BY id DESC LIMIT 400",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(at, score, colour, scorecard, reason)| {
                Ok(HealthSnapshot {
                    taken_at: time("taken_at", &at)?,
                    score,
                    colour: colour.map(|c| parse("colour", &c)).transpose()?,
                    scorecard,
                    reason,
                })
            })
            .collect()
    }
}
