//! One reader per source of health inputs, each one set-based query over a chunk of accounts:
//! the account itself, usage by day, active users, features used, the first high-value use,
//! contract terms, tickets, surveys, contacts, activities and the CSM's pulse. Every value,
//! the account ids included, is a bound placeholder.
//!
//! The inputs may be read as of several days at once (a back-fill of weekly snapshots): each
//! source is then read once, over the widest window any of the days needs, and each row goes
//! to the days it counts on. A day's inputs are the same whichever days it is read with; read
//! alone (a refresh), active users and features are counted in SQL, a number or a name an
//! account rather than every row of its window.

use crate::Result;
use crate::rollups::Rollups;
use crate::rows::{day as stored_day, parse, time};
use crate::sql::{Arg, Args, json_rows};
use chrono::{Datelike, Days, NaiveDate};
use sherpa_core::assignment::AccountFacts;
use sherpa_core::health::*;
use sherpa_core::prioritise::Tier;
use sherpa_core::text::date;
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

/// The account's imported billing field that says how many days its oldest invoice is overdue.
pub const INVOICE_DAYS_OVERDUE: &str = "invoice_days_overdue";
/// The account custom field (a number) that carries the integrations a trait or sync reports.
pub const INTEGRATIONS: &str = "integrations";

/// What an account's scorecard is chosen by, with its inputs.
#[derive(Debug, Default, Clone)]
pub(super) struct Fed {
    pub facts: AccountFacts,
    pub inputs: AccountInputs,
    /// The score and colour the account has now.
    pub before: Before,
}

/// An account's score and colour as kept on it, before a refresh.
#[derive(Debug, Default, Clone)]
pub(super) struct Before {
    pub score: Option<f64>,
    pub colour: Option<String>,
    pub scorecard: Option<String>,
}

/// What assigns an account its scorecard, from its stored tier, segment and lifecycle.
pub(crate) fn facts(
    tier: Option<i64>,
    segment: Option<i64>,
    lifecycle: Option<String>,
) -> std::result::Result<AccountFacts, sqlx::Error> {
    Ok(AccountFacts {
        tier: tier.and_then(Tier::new),
        segment: segment.and_then(|s| u8::try_from(s).ok()),
        lifecycle: lifecycle.map(|l| parse("lifecycle", &l)).transpose()?,
    })
}

/// The accounts of one chunk, as of one or more days.
pub(super) struct Reader<'a> {
    /// Every source is read on the settled rollups' pool: usage is among them.
    pub rollups: Rollups<'a>,
    pub engine: crate::Engine,
    /// The feature each event name the catalogue maps is part of.
    pub named: &'a HashMap<String, String>,
    pub ids: &'a [AccountId],
    /// The days the inputs are as of, oldest first, at least one; the inputs of the n-th day go
    /// to the n-th map of the output.
    pub days: &'a [NaiveDate],
    /// Whether to count each feature's users: only as of today (see
    /// `AccountInputs::feature_users`).
    pub feature_users: bool,
}

/// Each day's inputs of account `id` (of those the chunk holds), with the day.
fn each<'o>(
    days: &'o [NaiveDate],
    out: &'o mut [HashMap<AccountId, Fed>],
    id: i64,
) -> impl Iterator<Item = (NaiveDate, &'o mut AccountInputs)> + 'o {
    days.iter()
        .copied()
        .zip(out.iter_mut())
        .filter_map(move |(d, m)| m.get_mut(&AccountId(id)).map(|f| (d, &mut f.inputs)))
}

/// An account's own row: what picks its scorecard, its start, its last day of use, the
/// billing and integration fields it carries, and the score it has now.
#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    customer_since: Option<String>,
    custom: String,
    tier: Option<i64>,
    segment: Option<i64>,
    lifecycle: Option<String>,
    last_usage: Option<String>,
    first_usage: Option<String>,
    score: Option<f64>,
    colour: Option<String>,
    scorecard: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TermRow {
    account_id: i64,
    seats: Option<i64>,
    arr_minor: i64,
    start_date: String,
    end_date: String,
    status: String,
    auto_renew: Option<i64>,
}

/// The rows [`json_rows`] packed into one, read from `table`.
fn packed<T: serde::de::DeserializeOwned>(table: &str, json: &str) -> Result<Vec<T>> {
    serde_json::from_str(json)
        .map_err(|e| crate::StoreError::invalid(table, format!("stored rows unreadable: {e}")))
}

/// The first day of the month a day falls in, as the rollups key months ("YYYY-MM").
fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// A number kept in an account's custom fields (a JSON number or numeric text).
fn custom_number(custom: &str, key: &str) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_str(custom).ok()?;
    match v.get(key)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Reader<'_> {
    /// Every source, for the chunk; `high_value`: whether the catalogue has high-value features.
    pub async fn all(&self, high_value: bool, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        self.accounts(out).await?;
        self.usage(out).await?;
        self.active_users(out).await?;
        self.features(out).await?;
        if self.feature_users {
            self.feature_users(out).await?;
        }
        // Without high-value features there is no first value to find: skip reading every
        // day of usage for it.
        if high_value {
            self.first_value(out).await?;
        }
        self.terms(out).await?;
        self.tickets(out).await?;
        self.surveys(out).await?;
        let executives = self.contacts(out).await?;
        self.activities(&executives, out).await?;
        self.plans(out).await?;
        self.pulses(out).await
    }

    /// The first of the days.
    fn first(&self) -> NaiveDate {
        self.days[0]
    }

    /// The last of the days.
    fn last(&self) -> NaiveDate {
        self.days[self.days.len() - 1]
    }

    /// Runs `sql` (built with `args`' placeholders) and reads every row.
    async fn rows<T>(&self, sql: &str, args: Args) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as_with(sql, args.into_arguments())
            .fetch_all(self.rollups.pool())
            .await?)
    }

    /// For each day, whether the book holds a row that `exists` (a subquery's text, given the
    /// placeholder of the day `after` days later) finds: one statement, each day's search
    /// stopping at its first row.
    async fn book_has(&self, after: u64, exists: impl Fn(&str) -> String) -> Result<Vec<bool>> {
        let mut a = Args::default();
        let parts: Vec<String> = self
            .days
            .iter()
            .enumerate()
            .map(|(n, d)| {
                let day = a.text(date(*d + Days::new(after)));
                format!("SELECT CAST({n} AS BIGINT) WHERE EXISTS ({})", exists(&day))
            })
            .collect();
        let found: Vec<(i64,)> = self.rows(&parts.join(" UNION ALL "), a).await?;
        let mut out = vec![false; self.days.len()];
        for (n,) in found {
            if let Some(o) = usize::try_from(n).ok().and_then(|n| out.get_mut(n)) {
                *o = true;
            }
        }
        Ok(out)
    }

    /// The accounts themselves: every account of the chunk that exists gets its entry here,
    /// on every day. Its last use is the last on or before the first day; the usage reader
    /// brings it forward to each day.
    pub async fn accounts(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT a.id, a.customer_since, a.custom, a.tier, a.segment, a.lifecycle, \
             (SELECT MAX(u.day) FROM usage_days u WHERE u.account_id = a.id AND u.day <= {}) AS last_usage, \
             (SELECT MIN(u.day) FROM usage_days u WHERE u.account_id = a.id) AS first_usage, \
             h.score, h.colour, h.scorecard \
             FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id WHERE a.id IN ({})",
            a.text(date(self.first())),
            a.ids(self.ids)
        );
        for r in self.rows::<AccountRow>(&sql, a).await? {
            let inputs = AccountInputs {
                customer_since: r
                    .customer_since
                    .map(|s| stored_day("customer_since", &s))
                    .transpose()?,
                last_usage: r.last_usage.map(|s| stored_day("day", &s)).transpose()?,
                first_usage: r.first_usage.map(|s| stored_day("day", &s)).transpose()?,
                invoice_days_overdue: custom_number(&r.custom, INVOICE_DAYS_OVERDUE),
                integrations_trait: custom_number(&r.custom, INTEGRATIONS),
                ..AccountInputs::default()
            };
            let fed = Fed {
                facts: facts(r.tier, r.segment, r.lifecycle)?,
                inputs,
                before: Before {
                    score: r.score,
                    colour: r.colour,
                    scorecard: r.scorecard,
                },
            };
            for day in out.iter_mut() {
                day.insert(AccountId(r.id), fed.clone());
            }
        }
        Ok(())
    }

    /// Events by day over the 60 days up to each day, and the last day of use on or before it.
    pub async fn usage(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, {} FROM usage_days WHERE account_id IN ({}) AND day >= {} AND day <= {} \
             GROUP BY account_id",
            json_rows(self.engine, "day, events"),
            a.ids(self.ids),
            a.text(date(self.first() - Days::new(59))),
            a.text(date(self.last()))
        );
        for (id, days) in self.rows::<(i64, String)>(&sql, a).await? {
            let mut used = packed::<(String, i64)>("usage_days", &days)?
                .into_iter()
                .map(|(d, n)| Ok((stored_day("day", &d)?, n)))
                .collect::<Result<Vec<_>>>()?;
            used.sort_unstable();
            for (day, i) in each(self.days, out, id) {
                let from = day - Days::new(59);
                i.usage = used
                    .iter()
                    .filter(|(d, _)| from <= *d && *d <= day)
                    .copied()
                    .collect();
                // Every day of use up to this one is read, or was before the first day.
                if let Some((d, _)) = used.iter().rev().find(|(d, _)| *d <= day) {
                    i.last_usage = Some(i.last_usage.map_or(*d, |l| l.max(*d)));
                }
            }
        }
        Ok(())
    }

    /// Active users and their active days in the 30 days up to each day (see
    /// [`active_window`]): each user's months, read once, are masked by each day's window.
    pub async fn active_users(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        if let [day] = self.days {
            return self.active_users_on(*day, &mut out[0]).await;
        }
        let windows: Vec<Vec<(String, u32)>> = self
            .days
            .iter()
            .map(|d| {
                active_window(*d)
                    .into_iter()
                    .map(|(m, mask)| (month_key(m), mask))
                    .collect()
            })
            .collect();
        let months: std::collections::BTreeSet<&String> =
            windows.iter().flatten().map(|(m, _)| m).collect();
        let mut a = Args::default();
        let listed: Vec<String> = months.into_iter().map(|m| a.text(m.clone())).collect();
        let sql = format!(
            "SELECT account_id, {} FROM usage_user_months WHERE account_id IN ({}) AND month IN ({}) \
             GROUP BY account_id",
            json_rows(self.engine, "user_key, month, days"),
            a.ids(self.ids),
            listed.join(", ")
        );
        for (id, rows) in self.rows::<(i64, String)>(&sql, a).await? {
            let mut rows = packed::<(String, String, i64)>("usage_user_months", &rows)?;
            rows.sort_unstable();
            let mut active = vec![ActiveUsers::default(); self.days.len()];
            for user in rows.chunk_by(|x, y| x.0 == y.0) {
                for (window, counted) in windows.iter().zip(active.iter_mut()) {
                    let days: u32 = user
                        .iter()
                        .map(|(_, month, days)| {
                            window
                                .iter()
                                .filter(|(m, _)| m == month)
                                .map(|(_, mask)| (days & i64::from(*mask)).count_ones())
                                .sum::<u32>()
                        })
                        .sum();
                    if days > 0 {
                        counted.users += 1;
                        counted.user_days += days;
                    }
                }
            }
            for ((_, i), counted) in each(self.days, out, id).zip(active) {
                i.active = counted;
            }
        }
        Ok(())
    }

    /// Active users and their active days in the 30 days up to one day, counted in SQL: a
    /// refresh of one day reads a number an account instead of its users' months (half the
    /// time of a refresh on PostgreSQL).
    async fn active_users_on(
        &self,
        day: NaiveDate,
        out: &mut HashMap<AccountId, Fed>,
    ) -> Result<()> {
        let mut a = Args::default();
        let mut cases = Vec::new();
        let mut months = Vec::new();
        for (m, mask) in active_window(day) {
            let month = a.push(Arg::Text(month_key(m)));
            cases.push(format!(
                "WHEN {month} THEN {}",
                a.push(Arg::Int(i64::from(mask)))
            ));
            months.push(month);
        }
        // A user's active days in the window are the set bits of their masked months: counted
        // by the classic bit-twiddling popcount, a few integer operations a row.
        let sql = format!(
            "SELECT account_id, COUNT(DISTINCT user_key), \
               CAST(SUM((((v + (v >> 4)) & 252645135) * 16843009 >> 24) & 255) AS BIGINT) FROM ( \
               SELECT account_id, user_key, (w & 858993459) + ((w >> 2) & 858993459) AS v FROM ( \
                 SELECT account_id, user_key, x - ((x >> 1) & 1431655765) AS w FROM ( \
                   SELECT account_id, user_key, days & CASE month {} END AS x FROM usage_user_months \
                   WHERE account_id IN ({}) AND month IN ({}) \
                 ) m WHERE x <> 0 \
               ) a \
             ) b GROUP BY account_id",
            cases.join(" "),
            a.ids(self.ids),
            months.join(", ")
        );
        for (id, users, user_days) in self.rows::<(i64, i64, i64)>(&sql, a).await? {
            if let Some(f) = out.get_mut(&AccountId(id)) {
                f.inputs.active = ActiveUsers {
                    users: u32::try_from(users).unwrap_or(u32::MAX),
                    user_days: u32::try_from(user_days).unwrap_or(u32::MAX),
                };
            }
        }
        Ok(())
    }

    /// The features used in the 30 days up to each day (an event the catalogue does not map is
    /// a feature of its own).
    pub async fn features(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        if let [day] = self.days {
            return self.features_on(*day, &mut out[0]).await;
        }
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, {} FROM usage_names \
             WHERE account_id IN ({}) AND day >= {} AND day <= {} GROUP BY account_id",
            json_rows(self.engine, "day, name"),
            a.ids(self.ids),
            a.text(date(self.first() - Days::new(29))),
            a.text(date(self.last()))
        );
        for (id, used) in self.rows::<(i64, String)>(&sql, a).await? {
            let used = packed::<(String, String)>("usage_names", &used)?
                .into_iter()
                .map(|(d, name)| {
                    let feature = self.named.get(&name).cloned().unwrap_or(name);
                    Ok((stored_day("day", &d)?, feature))
                })
                .collect::<Result<Vec<_>>>()?;
            for (day, i) in each(self.days, out, id) {
                let from = day - Days::new(29);
                for (d, feature) in &used {
                    if from <= *d && *d <= day && !i.features_used.contains(feature) {
                        i.features_used.insert(feature.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// The features used in the 30 days up to one day, each name once: a refresh of one day
    /// reads the names an account used, not every day it used them.
    async fn features_on(&self, day: NaiveDate, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, {} FROM (SELECT DISTINCT account_id, name FROM usage_names \
             WHERE account_id IN ({}) AND day >= {} AND day <= {}) used GROUP BY account_id",
            json_rows(self.engine, "name"),
            a.ids(self.ids),
            a.text(date(day - Days::new(29))),
            a.text(date(day))
        );
        for (id, features) in self.rows::<(i64, String)>(&sql, a).await? {
            if let Some(f) = out.get_mut(&AccountId(id)) {
                for (name,) in packed::<(String,)>("usage_names", &features)? {
                    let feature = self.named.get(&name).cloned().unwrap_or(name);
                    f.inputs.features_used.insert(feature);
                }
            }
        }
        Ok(())
    }

    /// Each feature's distinct users in the 30 days up to the (one) day, from each user's last
    /// day of each event name; not known while the book has counted them for under 30 days.
    async fn feature_users(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let day = self.last();
        let from = date(day - Days::new(29));
        let since: Option<String> =
            sqlx::query_scalar("SELECT MIN(day) FROM usage_name_users_since")
                .fetch_one(self.rollups.pool())
                .await?;
        if since.is_some_and(|s| s > from) {
            return Ok(());
        }
        for m in out.iter_mut() {
            for f in m.values_mut() {
                f.inputs.feature_users = Some(Default::default());
            }
        }
        let mut a = Args::default();
        let sql = format!(
            "SELECT u.account_id, COALESCE(c.feature, u.name) AS feature, COUNT(DISTINCT u.user_key) \
             FROM usage_name_users u LEFT JOIN feature_catalog c ON c.event_name = u.name \
             WHERE u.account_id IN ({}) AND u.last_day >= {} AND u.last_day <= {} \
             GROUP BY u.account_id, COALESCE(c.feature, u.name)",
            a.ids(self.ids),
            a.text(from),
            a.text(date(day))
        );
        for (id, feature, users) in self.rows::<(i64, String, i64)>(&sql, a).await? {
            for (_, i) in each(self.days, out, id) {
                i.feature_users
                    .get_or_insert_with(Default::default)
                    .insert(feature.clone(), u32::try_from(users).unwrap_or(u32::MAX));
            }
        }
        Ok(())
    }

    /// The live success plans, whether the book keeps any by each day, and the day each
    /// first-value objective was reached (first value too, whichever came first).
    pub async fn plans(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let kept = self
            .book_has(0, |day| {
                format!("SELECT 1 FROM success_plans WHERE started_on <= {day}")
            })
            .await?;
        for (day, kept) in out.iter_mut().zip(&kept) {
            for f in day.values_mut() {
                f.inputs.plans_in_book = *kept;
            }
        }
        if !kept.contains(&true) {
            return Ok(());
        }
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, started_on, refreshed_on, updated_on FROM success_plans \
             WHERE account_id IN ({})",
            a.ids(self.ids)
        );
        for (id, started, refreshed, updated) in
            self.rows::<(i64, String, String, String)>(&sql, a).await?
        {
            let plan = (
                stored_day("started_on", &started)?,
                sherpa_core::plan::PlanDates {
                    refreshed_on: stored_day("refreshed_on", &refreshed)?,
                    updated_on: stored_day("updated_on", &updated)?,
                },
            );
            for ((_, i), kept) in each(self.days, out, id).zip(&kept) {
                if *kept {
                    i.plan = Some(plan);
                }
            }
        }
        // The first achieved on or before a day is the first of all when it is.
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, MIN(turned_on) FROM objective_turns WHERE account_id IN ({}) \
             AND status = 'achieved' AND first_value = 1 AND turned_on <= {} GROUP BY account_id",
            a.ids(self.ids),
            a.text(date(self.last()))
        );
        for (id, d) in self.rows::<(i64, Option<String>)>(&sql, a).await? {
            let Some(d) = d else { continue };
            let d = stored_day("turned_on", &d)?;
            for ((day, i), kept) in each(self.days, out, id).zip(&kept) {
                if *kept && d <= day {
                    i.first_value = Some(i.first_value.map_or(d, |f: NaiveDate| f.min(d)));
                }
            }
        }
        Ok(())
    }

    /// The first day a high-value feature was used, on the days it had been.
    pub async fn first_value(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT n.account_id, MIN(n.first_day) FROM usage_first_names n \
             JOIN feature_catalog f ON f.event_name = n.name AND f.high_value = 1 \
             WHERE n.account_id IN ({}) AND n.first_day <= {} GROUP BY n.account_id",
            a.ids(self.ids),
            a.text(date(self.last()))
        );
        for (id, d) in self.rows::<(i64, Option<String>)>(&sql, a).await? {
            let Some(d) = d else { continue };
            let d = stored_day("day", &d)?;
            for (day, i) in each(self.days, out, id) {
                if d <= day {
                    i.first_value = Some(d);
                }
            }
        }
        Ok(())
    }

    /// The contract terms in force on each day and a year before it: ARR then and now, seats
    /// bought.
    pub async fn terms(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, seats, arr_minor, start_date, end_date, status, auto_renew FROM contracts \
             WHERE account_id IN ({}) AND start_date <= {} AND end_date >= {}",
            a.ids(self.ids),
            a.text(date(self.last())),
            a.text(date(self.first() - Days::new(365)))
        );
        for t in self.rows::<TermRow>(&sql, a).await? {
            let status: ContractStatus = parse("status", &t.status)?;
            let start = stored_day("start_date", &t.start_date)?;
            let end = stored_day("end_date", &t.end_date)?;
            if status == ContractStatus::Cancelled {
                continue;
            }
            for (day, i) in each(self.days, out, t.account_id) {
                let year_ago = day - Days::new(365);
                if start <= day && end >= day {
                    if i.term.is_none_or(|t| end > t.end) {
                        i.term = Some(RunningTerm {
                            start,
                            end,
                            auto_renew: t.auto_renew.map(|a| a != 0),
                        });
                    }
                    *i.arr_now.get_or_insert(0) += t.arr_minor;
                    if let Some(s) = t.seats {
                        *i.seats.get_or_insert(0) += s;
                    }
                }
                if start <= year_ago && end >= year_ago {
                    *i.arr_year_ago.get_or_insert(0) += t.arr_minor;
                }
            }
        }
        Ok(())
    }

    /// Tickets opened or resolved in the 90 days up to each day, and every one still open; and
    /// whether the book had its support desk connected by the day (a ticket of any account).
    pub async fn tickets(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let connected = self
            .book_has(1, |next| {
                format!("SELECT 1 FROM tickets WHERE opened_at < {next}")
            })
            .await?;
        for (day, connected) in out.iter_mut().zip(&connected) {
            for f in day.values_mut() {
                f.inputs.support_connected = *connected;
            }
        }
        let mut a = Args::default();
        let window = a.text(date(self.first() - Days::new(90)));
        let sql = format!(
            "SELECT account_id, opened_at, resolved_at, status, escalated FROM tickets \
             WHERE account_id IN ({}) AND (opened_at >= {window} OR resolved_at IS NULL OR resolved_at >= {window})",
            a.ids(self.ids)
        );
        type Row = (i64, String, Option<String>, String, i64);
        for (id, opened, resolved, status, escalated) in self.rows::<Row>(&sql, a).await? {
            let status: TicketStatus = parse("status", &status)?;
            let ticket = TicketInput {
                opened_at: time("opened_at", &opened)?,
                resolved_at: resolved
                    .as_deref()
                    .map(|r| time("resolved_at", r))
                    .transpose()?,
                open_now: status.is_open(),
                escalated: escalated != 0,
            };
            for (day, i) in each(self.days, out, id) {
                // The stored text compared as the database compares it.
                let window = date(day - Days::new(90));
                if opened.as_str() >= window.as_str()
                    || resolved.as_deref().is_none_or(|r| r >= window.as_str())
                {
                    i.tickets.push(ticket.clone());
                }
            }
        }
        Ok(())
    }

    /// Survey answers of the two years up to each day.
    pub async fn surveys(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, kind, score, intent, answered_on FROM surveys \
             WHERE account_id IN ({}) AND answered_on >= {} AND answered_on <= {} ORDER BY id",
            a.ids(self.ids),
            a.text(date(self.first() - Days::new(730))),
            a.text(date(self.last()))
        );
        type Row = (i64, String, Option<i64>, Option<String>, String);
        for (id, kind, score, intent, answered) in self.rows::<Row>(&sql, a).await? {
            let survey = SurveyInput {
                kind: parse("kind", &kind)?,
                score,
                intent: intent.map(|i| parse("intent", &i)).transpose()?,
                answered_on: stored_day("answered_on", &answered)?,
            };
            for (day, i) in each(self.days, out, id) {
                if day - Days::new(730) <= survey.answered_on && survey.answered_on <= day {
                    i.surveys.push(survey.clone());
                }
            }
        }
        Ok(())
    }

    /// The contacts and their roles and departures; answers the executives among them (an
    /// economic buyer or an executive), whom the activities' attendees are checked against.
    pub async fn contacts(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<HashSet<i64>> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT id, account_id, roles, departed_on FROM contacts WHERE account_id IN ({})",
            a.ids(self.ids)
        );
        let mut executives = HashSet::new();
        type Row = (i64, i64, String, Option<String>);
        for (cid, id, roles, departed) in self.rows::<Row>(&sql, a).await? {
            let roles = parse_roles(&roles).map_err(|_| crate::rows::bad("roles", &roles))?;
            if roles.iter().any(|r| {
                matches!(
                    r,
                    RelationshipRole::EconomicBuyer | RelationshipRole::Executive
                )
            }) {
                executives.insert(cid);
            }
            let contact = ContactInput {
                id: cid,
                roles,
                departed_on: departed
                    .map(|d| stored_day("departed_on", &d))
                    .transpose()?,
            };
            for (_, i) in each(self.days, out, id) {
                i.contacts.push(contact.clone());
            }
        }
        Ok(executives)
    }

    /// The activities up to each day, with who attended and whether an executive did.
    pub async fn activities(
        &self,
        executives: &HashSet<i64>,
        out: &mut [HashMap<AccountId, Fed>],
    ) -> Result<()> {
        let end = date(self.last() + Days::new(1));
        let mut a = Args::default();
        let sql = format!(
            "SELECT a.account_id, {} FROM activity_attendees t \
             JOIN activities a ON a.id = t.activity_id \
             WHERE a.account_id IN ({}) AND a.occurred_at < {} GROUP BY a.account_id",
            json_rows(self.engine, "t.activity_id, t.contact_id"),
            a.ids(self.ids),
            a.text(end.clone())
        );
        let mut by_activity: HashMap<i64, Vec<i64>> = HashMap::new();
        for (_, attendees) in self.rows::<(i64, String)>(&sql, a).await? {
            for (activity, contact) in packed::<(i64, i64)>("activity_attendees", &attendees)? {
                by_activity.entry(activity).or_default().push(contact);
            }
        }
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, {} FROM activities \
             WHERE account_id IN ({}) AND occurred_at < {} GROUP BY account_id",
            json_rows(self.engine, "id, kind, occurred_at"),
            a.ids(self.ids),
            a.text(end)
        );
        let ends: Vec<String> = self.days.iter().map(|d| date(*d + Days::new(1))).collect();
        for (id, activities) in self.rows::<(i64, String)>(&sql, a).await? {
            for (aid, kind, occurred) in packed::<(i64, String, String)>("activities", &activities)?
            {
                let attendees = by_activity.remove(&aid).unwrap_or_default();
                let activity = sherpa_core::health::ActivityInput {
                    kind: parse("kind", &kind)?,
                    day: time("occurred_at", &occurred)?.date_naive(),
                    executive: attendees.iter().any(|c| executives.contains(c)),
                    attendees,
                };
                // The stored text compared as the database compares it.
                for ((_, i), end) in each(self.days, out, id).zip(&ends) {
                    if occurred.as_str() < end.as_str() {
                        i.activities.push(activity.clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// The CSM's pulse that counts on each day: read oldest first, so the latest set wins.
    pub async fn pulses(&self, out: &mut [HashMap<AccountId, Fed>]) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, colour, set_at, expires_on FROM csm_pulses \
             WHERE account_id IN ({}) AND set_at < {} AND expires_on >= {} ORDER BY id",
            a.ids(self.ids),
            a.text(date(self.last() + Days::new(1))),
            a.text(date(self.first()))
        );
        for (id, colour, set_at, expires_on) in
            self.rows::<(i64, String, String, String)>(&sql, a).await?
        {
            let colour: Colour = parse("colour", &colour)?;
            for (day, i) in each(self.days, out, id) {
                // The stored text compared as the database compares it.
                let (on, next) = (date(day), date(day + Days::new(1)));
                if set_at.as_str() < next.as_str() && expires_on.as_str() >= on.as_str() {
                    i.csm_pulse = Some(pulse_value(colour));
                }
            }
        }
        Ok(())
    }
}
