//! What the engagement engine looks at for a part of the book, read a statement per kind for
//! every account of the part: contracts, the week's tickets, surveys, departures and colour
//! changes, usage by week, the milestones' signals and what was recorded of them.

use crate::rollups::Rollups;
use crate::rows::{day, parse, time};
use crate::sql::{BindIds, placeholders};
use crate::{Result, Store};
use chrono::{Datelike, Days, NaiveDate};
use sherpa_core::book::parse_roles;
use sherpa_core::engagement::*;
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

/// One account as the sweep sees it.
#[derive(Debug, Clone, Default)]
pub(super) struct Gathered {
    pub facts: MomentFacts,
    pub signals: Signals,
    pub recorded: HashMap<String, Recorded>,
}

/// A survey answer: id, account, kind, score, intent, day.
type SurveyRow = (i64, i64, String, Option<i64>, Option<String>, String);
/// A colour change: snapshot, account, day, colour, colour before.
type TurnRow = (i64, i64, String, Option<String>, Option<String>);

/// How far back the week's events are read: the catch-up window and a day.
fn window_start(today: NaiveDate) -> NaiveDate {
    today - Days::new(CATCH_UP_DAYS as u64 + 1)
}

impl Store {
    /// The facts of `ids` as of `today`; `releases` are the book's recent product releases.
    pub(super) async fn engagement_facts(
        &self,
        ids: &[AccountId],
        today: NaiveDate,
        releases: &[ReleaseFact],
        rollups: Rollups<'_>,
    ) -> Result<HashMap<i64, Gathered>> {
        let in0 = placeholders(0, ids.len());
        let in1 = placeholders(1, ids.len());
        let in3 = placeholders(3, ids.len());
        let on = text::date(today);
        let from = text::date(window_start(today));
        let mut out: HashMap<i64, Gathered> = ids
            .iter()
            .map(|i| {
                let mut g = Gathered::default();
                g.facts.account = i.0;
                g.facts.releases = releases.to_vec();
                (i.0, g)
            })
            .collect();

        // Contracts: the first start makes the customer; the term running today.
        let terms: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT account_id, start_date, end_date, status FROM contracts \
             WHERE account_id IN ({in0}) ORDER BY start_date"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        let mut ends: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
        for (id, start, end, status) in terms {
            let status: ContractStatus = parse("status", &status)?;
            let (start, end) = (day("start_date", &start)?, day("end_date", &end)?);
            let Some(g) = out.get_mut(&id) else { continue };
            if status == ContractStatus::Cancelled {
                continue;
            }
            ends.entry(id).or_default().push(end);
            let f = &mut g.facts;
            f.customer_since = Some(f.customer_since.map_or(start, |s| s.min(start)));
            if start <= today && end >= today {
                f.term_start = Some(start);
                f.term_end = Some(f.term_end.map_or(end, |e| e.max(end)));
            }
        }
        // A renewal is called when someone made the call on a term ending that day, or when a
        // later term is already signed.
        let called: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT DISTINCT c.account_id, c.end_date FROM renewal_calls r \
             JOIN contracts c ON c.id = r.contract_id WHERE c.account_id IN ({in0})"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        let called: HashSet<(i64, NaiveDate)> = called
            .into_iter()
            .map(|(id, end)| Ok((id, day("end_date", &end)?)))
            .collect::<Result<_>>()?;
        for (id, g) in out.iter_mut() {
            let f = &mut g.facts;
            if let Some(end) = f.term_end {
                let signed = ends.get(id).is_some_and(|e| e.iter().any(|e| *e > end));
                f.renewal_called = signed || called.contains(&(*id, end));
            }
        }

        let tickets: Vec<(i64, i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, account_id, subject, opened_at, severity FROM tickets \
             WHERE account_id IN ({in1}) AND opened_at >= $1 ORDER BY id"
        ))
        .bind(&from)
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (tid, id, subject, opened, severity) in tickets {
            if let Some(g) = out.get_mut(&id) {
                g.facts.tickets.push(TicketFact {
                    id: tid,
                    opened_on: time("opened_at", &opened)?.date_naive(),
                    severity: parse("severity", &severity)?,
                    subject,
                });
            }
        }
        let last: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT account_id, MAX(opened_at) FROM tickets WHERE account_id IN ({in1}) \
             AND opened_at <= $1 GROUP BY account_id"
        ))
        .bind(format!("{on}T23:59:59Z"))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (id, at) in last {
            if let (Some(g), Some(at)) = (out.get_mut(&id), at) {
                g.facts.last_ticket_on = Some(time("opened_at", &at)?.date_naive());
            }
        }

        let surveys: Vec<SurveyRow> = sqlx::query_as(&format!(
            "SELECT id, account_id, kind, score, intent, answered_on FROM surveys \
                 WHERE account_id IN ({in1}) AND answered_on >= $1 ORDER BY id"
        ))
        .bind(&from)
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (sid, id, kind, score, intent, answered) in surveys {
            if let Some(g) = out.get_mut(&id) {
                g.facts.surveys.push(SurveyFact {
                    id: sid,
                    answered_on: day("answered_on", &answered)?,
                    kind: parse("kind", &kind)?,
                    score,
                    intent: intent.map(|i| parse("intent", &i)).transpose()?,
                });
            }
        }

        let departed: Vec<(i64, i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT id, account_id, name, roles, departed_on FROM contacts \
             WHERE account_id IN ({in1}) AND departed_on >= $1"
        ))
        .bind(&from)
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (cid, id, name, roles, on) in departed {
            if let Some(g) = out.get_mut(&id) {
                g.facts.departures.push(DepartureFact {
                    contact: cid,
                    name,
                    roles: parse_roles(&roles).map_err(|_| crate::rows::bad("roles", &roles))?,
                    departed_on: day("departed_on", &on)?,
                });
            }
        }

        let turns: Vec<TurnRow> = sqlx::query_as(&format!(
            "SELECT id, account_id, taken_on, colour, from_colour FROM health_snapshots \
                 WHERE account_id IN ({in1}) AND reason = 'colour_change' AND taken_on >= $1"
        ))
        .bind(&from)
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (sid, id, on, colour, from_colour) in turns {
            let (Some(g), Some(colour)) = (out.get_mut(&id), colour) else {
                continue;
            };
            g.facts.turns.push(TurnFact {
                snapshot: sid,
                on: day("taken_on", &on)?,
                from: from_colour.map(|c| parse("from_colour", &c)).transpose()?,
                to: parse("colour", &colour)?,
            });
        }

        // Usage by complete week (Monday to Sunday): the last one and the one before.
        let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        let (last_week, week_before) = (monday - Days::new(7), monday - Days::new(14));
        let weeks: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
            "SELECT account_id, CAST(SUM(CASE WHEN day >= $1 THEN events ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN day < $1 THEN events ELSE 0 END) AS BIGINT) FROM usage_days \
             WHERE account_id IN ({in3}) AND day >= $2 AND day < $3 GROUP BY account_id"
        ))
        .bind(text::date(last_week))
        .bind(text::date(week_before))
        .bind(text::date(monday))
        .bind_ids(ids)
        .fetch_all(rollups.pool())
        .await?;
        for (id, last, before) in weeks {
            if let Some(g) = out.get_mut(&id) {
                g.facts.events_last_week = Some(last);
                g.facts.events_week_before = Some(before);
            }
        }

        // The kept health metrics say seat utilisation and active users.
        let metrics: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT account_id, metrics FROM health_metrics WHERE account_id IN ({in0})"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (id, json) in metrics {
            let m: HashMap<String, f64> =
                serde_json::from_str(&json).map_err(|_| crate::rows::bad("metrics", &json))?;
            if let Some(g) = out.get_mut(&id) {
                g.facts.seat_utilisation = m.get("seat_utilisation").copied();
                g.signals.active_users = m.get("active_users_30d").map_or(0, |u| *u as u32);
            }
        }

        let tiered: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT account_id, MAX(changed_at) FROM account_tier_changes \
             WHERE account_id IN ({in0}) GROUP BY account_id"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (id, at) in tiered {
            if let (Some(g), Some(at)) = (out.get_mut(&id), at) {
                g.facts.tier_since = Some(time("changed_at", &at)?.date_naive());
            }
        }
        for (id, at) in self.last_personal_touches(ids).await? {
            if let Some(g) = out.get_mut(&id.0) {
                g.facts.last_personal_touch = Some(at);
            }
        }
        self.milestone_signals(ids, rollups, &mut out).await?;
        for (id, standing) in self.plan_standings(ids).await? {
            if let Some(g) = out.get_mut(&id.0) {
                g.facts.plan = Some(standing.dates);
            }
        }
        for (id, turns) in self.objective_turn_facts(ids, window_start(today)).await? {
            if let Some(g) = out.get_mut(&id) {
                g.facts.objective_turns = turns;
            }
        }
        Ok(out)
    }

    /// The first login and first value (and the last day of use), the activities that
    /// complete milestones, and the completions already recorded.
    async fn milestone_signals(
        &self,
        ids: &[AccountId],
        rollups: Rollups<'_>,
        out: &mut HashMap<i64, Gathered>,
    ) -> Result<()> {
        let in0 = placeholders(0, ids.len());
        let span: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "SELECT account_id, MIN(day), MAX(day) FROM usage_days WHERE account_id IN ({in0}) \
             GROUP BY account_id"
        ))
        .bind_ids(ids)
        .fetch_all(rollups.pool())
        .await?;
        for (id, first, last) in span {
            if let Some(g) = out.get_mut(&id) {
                g.signals.first_login = first.map(|d| day("day", &d)).transpose()?;
                g.facts.last_active_on = last.map(|d| day("day", &d)).transpose()?;
            }
        }
        let value: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
            "SELECT n.account_id, MIN(n.first_day) FROM usage_first_names n \
             JOIN feature_catalog f ON f.event_name = n.name AND f.high_value = 1 \
             WHERE n.account_id IN ({in0}) GROUP BY n.account_id"
        ))
        .bind_ids(ids)
        .fetch_all(rollups.pool())
        .await?;
        for (id, d) in value {
            if let (Some(g), Some(d)) = (out.get_mut(&id), d) {
                g.signals.first_value = Some(day("day", &d)?);
            }
        }
        // The success plan's first-value objective reached is first value too, whichever
        // came first: time to first value stays one figure.
        for (id, d) in self.first_value_objectives(ids).await? {
            if let Some(g) = out.get_mut(&id) {
                g.signals.first_value = Some(g.signals.first_value.map_or(d, |f| f.min(d)));
            }
        }
        let activities: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT account_id, kind, MIN(occurred_at), MAX(occurred_at) FROM activities \
             WHERE account_id IN ({in0}) GROUP BY account_id, kind"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (id, kind, first, last) in activities {
            if let Some(g) = out.get_mut(&id) {
                let kind = parse("kind", &kind)?;
                g.signals
                    .activities
                    .push((kind, time("occurred_at", &first)?.date_naive()));
                g.facts
                    .last_activity
                    .insert(kind, time("occurred_at", &last)?.date_naive());
            }
        }
        let recorded: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT account_id, milestone, completed_on, how FROM engagement_milestones \
             WHERE account_id IN ({in0})"
        ))
        .bind_ids(ids)
        .fetch_all(&self.pool)
        .await?;
        for (id, key, on, how) in recorded {
            if let Some(g) = out.get_mut(&id) {
                g.recorded.insert(
                    key,
                    Recorded {
                        on: day("completed_on", &on)?,
                        how,
                    },
                );
            }
        }
        Ok(())
    }
}
