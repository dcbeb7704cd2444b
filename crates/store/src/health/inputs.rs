//! The dated records that feed health metrics, read for many accounts at once: a dozen
//! set-based queries per chunk of accounts instead of a dozen per account, so that the
//! refresher keeps up with ingest and a rebuild of the whole book stays a batch job.

use crate::rows::{day as stored_day, parse, time};
use crate::sql::{Arg, Args};
use crate::{Result, Store};
use chrono::{Datelike, Days, NaiveDate};
use sherpa_core::assignment::AccountFacts;
use sherpa_core::health::*;
use sherpa_core::prioritise::Tier;
use sherpa_core::text::date;
use sherpa_core::*;
use std::collections::{HashMap, HashSet};

/// Accounts per query: ids are written into the statement, and 500 keeps it short.
pub(super) const CHUNK: usize = 500;

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

/// account, kind, score, intent, answered on.
type SurveyRow = (i64, String, Option<i64>, Option<String>, String);

/// The ids as a list to write into `IN (...)`: numbers only, so nothing to escape.
pub(crate) fn id_list(ids: &[AccountId]) -> String {
    ids.iter()
        .map(|i| i.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
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

impl Store {
    /// The feature catalogue as health sees it on `day`: how many features there are (the
    /// catalogue's, and every event name used in the 30 days up to `day` that it does not map,
    /// each its own feature) and which are high-value.
    pub(super) async fn health_catalogue(&self, day: NaiveDate) -> Result<FeatureCatalogue> {
        let mut all = self.health_catalogues(&[day]).await?;
        Ok(all.remove(&day).expect("one per day asked"))
    }

    /// The feature catalogue as of each of `days`, from one read of the names used: the
    /// rollups of names have no index by day, so each read scans them all.
    pub(super) async fn health_catalogues(
        &self,
        days: &[NaiveDate],
    ) -> Result<HashMap<NaiveDate, FeatureCatalogue>> {
        let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
            return Ok(HashMap::new());
        };
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT n.day, COALESCE(f.feature, n.name) FROM (SELECT DISTINCT day, name FROM usage_names \
             WHERE day >= $1 AND day <= $2) n LEFT JOIN feature_catalog f ON f.event_name = n.name",
        )
        .bind(date(*first - Days::new(29)))
        .bind(date(*last))
        .fetch_all(&self.pool)
        .await?;
        let used: Vec<(NaiveDate, String)> = rows
            .into_iter()
            .map(|(d, f)| Ok((stored_day("day", &d)?, f)))
            .collect::<Result<_>>()?;
        let catalog = self.feature_catalog().await?;
        Ok(days
            .iter()
            .map(|day| {
                let from = *day - Days::new(29);
                let mut features: HashSet<String> = used
                    .iter()
                    .filter(|(d, _)| from <= *d && d <= day)
                    .map(|(_, f)| f.clone())
                    .collect();
                let mut high_value = HashSet::new();
                for (_, feature, high) in &catalog {
                    if *high {
                        high_value.insert(feature.clone());
                    }
                    features.insert(feature.clone());
                }
                (
                    *day,
                    FeatureCatalogue {
                        features: features.len(),
                        high_value,
                    },
                )
            })
            .collect())
    }

    /// Everything dated that feeds the metrics of `ids` as of `day`, with what chooses each
    /// one's scorecard. Accounts that do not exist are left out.
    pub(super) async fn health_inputs(
        &self,
        ids: &[AccountId],
        day: NaiveDate,
        catalogue: &FeatureCatalogue,
    ) -> Result<HashMap<AccountId, Fed>> {
        let mut out = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            self.health_inputs_chunk(chunk, day, catalogue, &mut out)
                .await?;
        }
        Ok(out)
    }

    async fn health_inputs_chunk(
        &self,
        ids: &[AccountId],
        day: NaiveDate,
        catalogue: &FeatureCatalogue,
        out: &mut HashMap<AccountId, Fed>,
    ) -> Result<()> {
        let list = id_list(ids);
        let on = date(day);
        type AccountRow = (
            i64,
            Option<String>,
            String,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<f64>,
            Option<String>,
            Option<String>,
        );
        let accounts: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT a.id, a.customer_since, a.custom, a.tier, a.segment, a.lifecycle, \
             (SELECT MAX(u.day) FROM usage_days u WHERE u.account_id = a.id AND u.day <= $1), \
             h.score, h.colour, h.scorecard \
             FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id WHERE a.id IN ({list})"
        ))
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for (id, since, custom, tier, segment, lifecycle, last, score, colour, scorecard) in
            accounts
        {
            let facts = facts(tier, segment, lifecycle)?;
            let inputs = AccountInputs {
                customer_since: since
                    .map(|s| stored_day("customer_since", &s))
                    .transpose()?,
                last_usage: last.map(|s| stored_day("day", &s)).transpose()?,
                invoice_days_overdue: custom_number(&custom, INVOICE_DAYS_OVERDUE),
                integrations_trait: custom_number(&custom, INTEGRATIONS),
                ..AccountInputs::default()
            };
            let before = Before {
                score,
                colour,
                scorecard,
            };
            out.insert(
                AccountId(id),
                Fed {
                    facts,
                    inputs,
                    before,
                },
            );
        }

        let usage: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT account_id, day, events FROM usage_days WHERE account_id IN ({list}) AND day >= $1 AND day <= $2"
        ))
        .bind(date(day - Days::new(59)))
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for (id, d, n) in usage {
            if let Some(i) = at(out, id) {
                i.usage.push((stored_day("day", &d)?, n));
            }
        }

        // Active users in SQL: a demo account has hundreds of users, and reading a row per
        // user and month was most of a refresh.
        let window = active_window(day);
        let mut args = Args::default();
        let cases: Vec<String> = window
            .iter()
            .map(|(m, mask)| {
                format!(
                    "WHEN {} THEN {}",
                    args.push(Arg::Text(month_key(*m))),
                    args.push(Arg::Int(i64::from(*mask)))
                )
            })
            .collect();
        let months: Vec<String> = (0..window.len())
            .map(|n| format!("${}", 2 * n + 1))
            .collect();
        // A user's active days in the window are the set bits of their masked months: counted
        // by the classic bit-twiddling popcount, a few integer operations a row.
        let active: Vec<(i64, i64, i64)> = sqlx::query_as_with(
            &format!(
                "SELECT account_id, COUNT(DISTINCT user_key), \
                   CAST(SUM((((v + (v >> 4)) & 252645135) * 16843009 >> 24) & 255) AS BIGINT) FROM ( \
                   SELECT account_id, user_key, (w & 858993459) + ((w >> 2) & 858993459) AS v FROM ( \
                     SELECT account_id, user_key, x - ((x >> 1) & 1431655765) AS w FROM ( \
                       SELECT account_id, user_key, days & CASE month {} END AS x FROM usage_user_months \
                       WHERE account_id IN ({list}) AND month IN ({}) \
                     ) m WHERE x <> 0 \
                   ) a \
                 ) b GROUP BY account_id",
                cases.join(" "),
                months.join(", ")
            ),
            args.into_arguments(),
        )
        .fetch_all(&self.pool)
        .await?;
        for (id, users, user_days) in active {
            if let Some(i) = at(out, id) {
                i.active = ActiveUsers {
                    users: u32::try_from(users).unwrap_or(u32::MAX),
                    user_days: u32::try_from(user_days).unwrap_or(u32::MAX),
                };
            }
        }

        let features: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT DISTINCT n.account_id, COALESCE(f.feature, n.name) FROM usage_names n \
             LEFT JOIN feature_catalog f ON f.event_name = n.name \
             WHERE n.account_id IN ({list}) AND n.day >= $1 AND n.day <= $2"
        ))
        .bind(date(day - Days::new(29)))
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for (id, feature) in features {
            if let Some(i) = at(out, id) {
                i.features_used.insert(feature);
            }
        }

        // Without high-value features there is no first value to find: skip reading every
        // day of usage for it.
        let first_value: Vec<(i64, Option<String>)> = if catalogue.high_value.is_empty() {
            Vec::new()
        } else {
            sqlx::query_as(&format!(
                "SELECT n.account_id, MIN(n.day) FROM usage_names n \
             JOIN feature_catalog f ON f.event_name = n.name AND f.high_value = 1 \
             WHERE n.account_id IN ({list}) AND n.day <= $1 GROUP BY n.account_id"
            ))
            .bind(&on)
            .fetch_all(&self.pool)
            .await?
        };
        for (id, d) in first_value {
            if let (Some(i), Some(d)) = (at(out, id), d) {
                i.first_value = Some(stored_day("day", &d)?);
            }
        }

        let year_ago = day - Days::new(365);
        let terms: Vec<(i64, Option<i64>, i64, String, String, String)> = sqlx::query_as(&format!(
            "SELECT account_id, seats, arr_minor, start_date, end_date, status FROM contracts \
             WHERE account_id IN ({list}) AND start_date <= $1 AND end_date >= $2"
        ))
        .bind(&on)
        .bind(date(year_ago))
        .fetch_all(&self.pool)
        .await?;
        for (id, seats, arr, start, end, status) in terms {
            let status: ContractStatus = parse("status", &status)?;
            let (start, end) = (
                stored_day("start_date", &start)?,
                stored_day("end_date", &end)?,
            );
            let Some(i) = at(out, id) else { continue };
            if status == ContractStatus::Cancelled {
                continue;
            }
            if start <= day && end >= day {
                *i.arr_now.get_or_insert(0) += arr;
                if let Some(s) = seats {
                    *i.seats.get_or_insert(0) += s;
                }
            }
            if start <= year_ago && end >= year_ago {
                *i.arr_year_ago.get_or_insert(0) += arr;
            }
        }

        let window = date(day - Days::new(90));
        let tickets: Vec<(i64, String, Option<String>, String, i64)> = sqlx::query_as(&format!(
            "SELECT account_id, opened_at, resolved_at, status, escalated FROM tickets \
             WHERE account_id IN ({list}) AND (opened_at >= $1 OR resolved_at IS NULL OR resolved_at >= $1)"
        ))
        .bind(&window)
        .fetch_all(&self.pool)
        .await?;
        for (id, opened, resolved, status, escalated) in tickets {
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

        let surveys: Vec<SurveyRow> = sqlx::query_as(&format!(
            "SELECT account_id, kind, score, intent, answered_on FROM surveys \
                 WHERE account_id IN ({list}) AND answered_on >= $1 AND answered_on <= $2"
        ))
        .bind(date(day - Days::new(730)))
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for (id, kind, score, intent, answered) in surveys {
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

        let contacts: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT id, account_id, roles, departed_on FROM contacts WHERE account_id IN ({list})"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut executives = HashSet::new();
        for (cid, id, roles, departed) in contacts {
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

        let end = date(day + Days::new(1));
        let attendees: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT t.activity_id, t.contact_id FROM activity_attendees t \
             JOIN activities a ON a.id = t.activity_id \
             WHERE a.account_id IN ({list}) AND a.occurred_at < $1"
        ))
        .bind(&end)
        .fetch_all(&self.pool)
        .await?;
        let mut by_activity: HashMap<i64, Vec<i64>> = HashMap::new();
        for (activity, contact) in attendees {
            by_activity.entry(activity).or_default().push(contact);
        }
        let activities: Vec<(i64, i64, String, String)> = sqlx::query_as(&format!(
            "SELECT id, account_id, kind, occurred_at FROM activities \
             WHERE account_id IN ({list}) AND occurred_at < $1"
        ))
        .bind(&end)
        .fetch_all(&self.pool)
        .await?;
        for (aid, id, kind, occurred) in activities {
            let attendees = by_activity.remove(&aid).unwrap_or_default();
            let activity = sherpa_core::health::ActivityInput {
                kind: parse("kind", &kind)?,
                day: time("occurred_at", &occurred)?.date_naive(),
                executive: attendees.iter().any(|c| executives.contains(c)),
                attendees,
            };
            if let Some(i) = at(out, id) {
                i.activities.push(activity);
            }
        }

        let pulses: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT account_id, colour FROM csm_pulses \
             WHERE account_id IN ({list}) AND set_at < $1 AND expires_on >= $2 ORDER BY id"
        ))
        .bind(&end)
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        for (id, colour) in pulses {
            let colour: Colour = parse("colour", &colour)?;
            if let Some(i) = at(out, id) {
                i.csm_pulse = Some(pulse_value(colour));
            }
        }
        Ok(())
    }
}
