//! One reader per source of health inputs, each one set-based query over a chunk of accounts:
//! the account itself, usage by day, active users, features used, the first high-value use,
//! contract terms, tickets, surveys, contacts, activities and the CSM's pulse. Every value,
//! the account ids included, is a bound placeholder.

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
#[derive(Debug, Default)]
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

/// The accounts of one chunk, as of one day.
pub(super) struct Reader<'a> {
    /// Every source is read on the settled rollups' pool: usage is among them.
    pub rollups: Rollups<'a>,
    pub engine: crate::Engine,
    /// The feature each event name the catalogue maps is part of.
    pub named: &'a HashMap<String, String>,
    pub ids: &'a [AccountId],
    pub day: NaiveDate,
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

fn at(out: &mut HashMap<AccountId, Fed>, id: i64) -> Option<&mut AccountInputs> {
    out.get_mut(&AccountId(id)).map(|f| &mut f.inputs)
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
    /// Every source, for the chunk.
    pub async fn all(
        &self,
        catalogue: &FeatureCatalogue,
        out: &mut HashMap<AccountId, Fed>,
    ) -> Result<()> {
        self.accounts(out).await?;
        self.usage(out).await?;
        self.active_users(out).await?;
        self.features(out).await?;
        // Without high-value features there is no first value to find: skip reading every
        // day of usage for it.
        if !catalogue.high_value.is_empty() {
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

    /// Runs `sql` (built with `args`' placeholders) and reads every row.
    async fn rows<T>(&self, sql: &str, args: Args) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        Ok(sqlx::query_as_with(sql, args.into_arguments())
            .fetch_all(self.rollups.pool())
            .await?)
    }

    /// The accounts themselves: every account of the chunk that exists gets its entry here.
    pub async fn accounts(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT a.id, a.customer_since, a.custom, a.tier, a.segment, a.lifecycle, \
             (SELECT MAX(u.day) FROM usage_days u WHERE u.account_id = a.id AND u.day <= {}) AS last_usage, \
             (SELECT MIN(u.day) FROM usage_days u WHERE u.account_id = a.id) AS first_usage, \
             h.score, h.colour, h.scorecard \
             FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id WHERE a.id IN ({})",
            a.text(date(self.day)),
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
            out.insert(
                AccountId(r.id),
                Fed {
                    facts: facts(r.tier, r.segment, r.lifecycle)?,
                    inputs,
                    before: Before {
                        score: r.score,
                        colour: r.colour,
                        scorecard: r.scorecard,
                    },
                },
            );
        }
        Ok(())
    }

    /// Events by day over the last 60 days, a row an account.
    pub async fn usage(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, {} FROM usage_days WHERE account_id IN ({}) AND day >= {} AND day <= {} \
             GROUP BY account_id",
            json_rows(self.engine, "day, events"),
            a.ids(self.ids),
            a.text(date(self.day - Days::new(59))),
            a.text(date(self.day))
        );
        for (id, days) in self.rows::<(i64, String)>(&sql, a).await? {
            if let Some(i) = at(out, id) {
                for (d, n) in packed::<(String, i64)>("usage_days", &days)? {
                    i.usage.push((stored_day("day", &d)?, n));
                }
                i.usage.sort_unstable();
            }
        }
        Ok(())
    }

    /// Active users and their active days over the window, counted in SQL: a demo account has
    /// hundreds of users, and reading a row per user and month was most of a refresh.
    pub async fn active_users(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let mut cases = Vec::new();
        let mut months = Vec::new();
        for (m, mask) in active_window(self.day) {
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
            if let Some(i) = at(out, id) {
                i.active = ActiveUsers {
                    users: u32::try_from(users).unwrap_or(u32::MAX),
                    user_days: u32::try_from(user_days).unwrap_or(u32::MAX),
                };
            }
        }
        Ok(())
    }

    /// The features used in the last 30 days (an event the catalogue does not map is a
    /// feature of its own).
    pub async fn features(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, {} FROM (SELECT DISTINCT account_id, name FROM usage_names \
             WHERE account_id IN ({}) AND day >= {} AND day <= {}) used GROUP BY account_id",
            json_rows(self.engine, "name"),
            a.ids(self.ids),
            a.text(date(self.day - Days::new(29))),
            a.text(date(self.day))
        );
        for (id, features) in self.rows::<(i64, String)>(&sql, a).await? {
            if let Some(i) = at(out, id) {
                for (name,) in packed::<(String,)>("usage_names", &features)? {
                    let feature = self.named.get(&name).cloned().unwrap_or(name);
                    i.features_used.insert(feature);
                }
            }
        }
        Ok(())
    }

    /// The live success plans, whether the book keeps any by the day, and the day each
    /// first-value objective was reached (first value too, whichever came first).
    pub async fn plans(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT 1 FROM success_plans WHERE started_on <= {} LIMIT 1",
            a.text(date(self.day))
        );
        let kept = !self.rows::<(i32,)>(&sql, a).await?.is_empty();
        for f in out.values_mut() {
            f.inputs.plans_in_book = kept;
        }
        if !kept {
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
            if let Some(i) = at(out, id) {
                i.plan = Some((
                    stored_day("started_on", &started)?,
                    sherpa_core::plan::PlanDates {
                        refreshed_on: stored_day("refreshed_on", &refreshed)?,
                        updated_on: stored_day("updated_on", &updated)?,
                    },
                ));
            }
        }
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, MIN(turned_on) FROM objective_turns WHERE account_id IN ({}) \
             AND status = 'achieved' AND first_value = 1 AND turned_on <= {} GROUP BY account_id",
            a.ids(self.ids),
            a.text(date(self.day))
        );
        for (id, d) in self.rows::<(i64, Option<String>)>(&sql, a).await? {
            if let (Some(i), Some(d)) = (at(out, id), d) {
                let d = stored_day("turned_on", &d)?;
                i.first_value = Some(i.first_value.map_or(d, |f: NaiveDate| f.min(d)));
            }
        }
        Ok(())
    }

    /// The first day a high-value feature was used.
    pub async fn first_value(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT n.account_id, MIN(n.first_day) FROM usage_first_names n \
             JOIN feature_catalog f ON f.event_name = n.name AND f.high_value = 1 \
             WHERE n.account_id IN ({}) AND n.first_day <= {} GROUP BY n.account_id",
            a.ids(self.ids),
            a.text(date(self.day))
        );
        for (id, d) in self.rows::<(i64, Option<String>)>(&sql, a).await? {
            if let (Some(i), Some(d)) = (at(out, id), d) {
                i.first_value = Some(stored_day("day", &d)?);
            }
        }
        Ok(())
    }

    /// The contract terms in force today and a year ago: ARR now and then, seats bought.
    pub async fn terms(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let year_ago = self.day - Days::new(365);
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, seats, arr_minor, start_date, end_date, status, auto_renew FROM contracts \
             WHERE account_id IN ({}) AND start_date <= {} AND end_date >= {}",
            a.ids(self.ids),
            a.text(date(self.day)),
            a.text(date(year_ago))
        );
        for t in self.rows::<TermRow>(&sql, a).await? {
            let status: ContractStatus = parse("status", &t.status)?;
            let start = stored_day("start_date", &t.start_date)?;
            let end = stored_day("end_date", &t.end_date)?;
            let Some(i) = at(out, t.account_id) else {
                continue;
            };
            if status == ContractStatus::Cancelled {
                continue;
            }
            if start <= self.day && end >= self.day {
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
        Ok(())
    }

    /// Tickets opened or resolved in the last 90 days, and every one still open; and whether
    /// the book had its support desk connected by the day (a ticket of any account).
    pub async fn tickets(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT 1 FROM tickets WHERE opened_at < {} LIMIT 1",
            a.text(date(self.day + Days::new(1)))
        );
        let connected = !self.rows::<(i32,)>(&sql, a).await?.is_empty();
        for f in out.values_mut() {
            f.inputs.support_connected = connected;
        }
        let mut a = Args::default();
        let window = a.text(date(self.day - Days::new(90)));
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
                resolved_at: resolved.map(|r| time("resolved_at", &r)).transpose()?,
                open_now: status.is_open(),
                escalated: escalated != 0,
            };
            if let Some(i) = at(out, id) {
                i.tickets.push(ticket);
            }
        }
        Ok(())
    }

    /// Survey answers of the last two years.
    pub async fn surveys(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, kind, score, intent, answered_on FROM surveys \
             WHERE account_id IN ({}) AND answered_on >= {} AND answered_on <= {} ORDER BY id",
            a.ids(self.ids),
            a.text(date(self.day - Days::new(730))),
            a.text(date(self.day))
        );
        type Row = (i64, String, Option<i64>, Option<String>, String);
        for (id, kind, score, intent, answered) in self.rows::<Row>(&sql, a).await? {
            let survey = SurveyInput {
                kind: parse("kind", &kind)?,
                score,
                intent: intent.map(|i| parse("intent", &i)).transpose()?,
                answered_on: stored_day("answered_on", &answered)?,
            };
            if let Some(i) = at(out, id) {
                i.surveys.push(survey);
            }
        }
        Ok(())
    }

    /// The contacts and their roles and departures; answers the executives among them (an
    /// economic buyer or an executive), whom the activities' attendees are checked against.
    pub async fn contacts(&self, out: &mut HashMap<AccountId, Fed>) -> Result<HashSet<i64>> {
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
            if let Some(i) = at(out, id) {
                i.contacts.push(contact);
            }
        }
        Ok(executives)
    }

    /// The activities up to the day, with who attended and whether an executive did.
    pub async fn activities(
        &self,
        executives: &HashSet<i64>,
        out: &mut HashMap<AccountId, Fed>,
    ) -> Result<()> {
        let end = date(self.day + Days::new(1));
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
        for (id, activities) in self.rows::<(i64, String)>(&sql, a).await? {
            let Some(i) = at(out, id) else { continue };
            for (aid, kind, occurred) in packed::<(i64, String, String)>("activities", &activities)?
            {
                let attendees = by_activity.remove(&aid).unwrap_or_default();
                i.activities.push(sherpa_core::health::ActivityInput {
                    kind: parse("kind", &kind)?,
                    day: time("occurred_at", &occurred)?.date_naive(),
                    executive: attendees.iter().any(|c| executives.contains(c)),
                    attendees,
                });
            }
        }
        Ok(())
    }

    /// The CSM's pulse that counts on the day: read oldest first, so the latest set wins.
    pub async fn pulses(&self, out: &mut HashMap<AccountId, Fed>) -> Result<()> {
        let mut a = Args::default();
        let sql = format!(
            "SELECT account_id, colour FROM csm_pulses \
             WHERE account_id IN ({}) AND set_at < {} AND expires_on >= {} ORDER BY id",
            a.ids(self.ids),
            a.text(date(self.day + Days::new(1))),
            a.text(date(self.day))
        );
        for (id, colour) in self.rows::<(i64, String)>(&sql, a).await? {
            let colour: Colour = parse("colour", &colour)?;
            if let Some(i) = at(out, id) {
                i.csm_pulse = Some(pulse_value(colour));
            }
        }
        Ok(())
    }
}
