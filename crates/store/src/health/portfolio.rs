//! Health across the book, for the leader: how many accounts were of each colour day by day
//! (from the daily snapshots), and which accounts changed colour since a day.

use crate::rows::{day, parse};
use crate::{Result, Store};
use chrono::NaiveDate;
use sherpa_core::health::Colour;
use sherpa_core::text::date;
use sherpa_core::*;

/// The colours of the book on one day: green, yellow, orange, red, and no score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColourDay {
    pub day: NaiveDate,
    pub counts: [i64; 5],
}

/// The slot of a colour in [`ColourDay::counts`].
pub fn colour_slot(c: Option<Colour>) -> usize {
    match c {
        Some(Colour::Green) => 0,
        Some(Colour::Yellow) => 1,
        Some(Colour::Orange) => 2,
        Some(Colour::Red) => 3,
        None => 4,
    }
}

/// An account whose colour now differs from its colour on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourMove {
    pub account: AccountId,
    pub name: String,
    pub arr: Money,
    pub from: Option<Colour>,
    pub to: Option<Colour>,
    pub score: Option<f64>,
    /// Its latest colour change since then came from a scoring change, not its own data.
    pub by_scoring: bool,
}

impl ColourMove {
    /// Whether it moved toward red.
    pub fn worse(&self) -> bool {
        colour_slot(self.to) > colour_slot(self.from) && self.to.is_some()
    }
}

impl Store {
    /// How many accounts each scorecard judges now (churned ones left out).
    pub async fn scorecard_counts(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT COALESCE(h.scorecard, ''), COUNT(*) FROM account_health h JOIN accounts a ON a.id = h.account_id \
             WHERE COALESCE(a.lifecycle, '') <> 'churned' GROUP BY h.scorecard ORDER BY h.scorecard",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The colours of the book on each day with daily snapshots, from `from` on. Churned
    /// accounts are left out here and below: their health is history, not a call to act.
    pub async fn health_distribution(&self, from: NaiveDate) -> Result<Vec<ColourDay>> {
        let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT s.taken_on, s.colour, COUNT(*) FROM health_snapshots s JOIN accounts a ON a.id = s.account_id \
             WHERE s.reason = 'daily' AND s.taken_on >= $1 AND COALESCE(a.lifecycle, '') <> 'churned' \
             GROUP BY s.taken_on, s.colour ORDER BY s.taken_on",
        )
        .bind(date(from))
        .fetch_all(&self.pool)
        .await?;
        let mut days: Vec<ColourDay> = Vec::new();
        for (on, colour, n) in rows {
            let taken = day("taken_on", &on)?;
            let colour = colour.map(|c| parse::<Colour>("colour", &c)).transpose()?;
            if days.last().is_none_or(|d| d.day != taken) {
                days.push(ColourDay {
                    day: taken,
                    counts: [0; 5],
                });
            }
            let last = days.last_mut().expect("pushed above");
            last.counts[colour_slot(colour)] += n;
        }
        Ok(days)
    }

    /// Each account's colour on the latest day with daily snapshots on or before `day`, and
    /// that day; none when the history does not reach back so far.
    pub async fn colours_on(
        &self,
        on_or_before: NaiveDate,
    ) -> Result<Option<(NaiveDate, Vec<(AccountId, Option<Colour>)>)>> {
        let on: Option<String> = sqlx::query_scalar(
            "SELECT MAX(taken_on) FROM health_snapshots WHERE reason = 'daily' AND taken_on <= $1",
        )
        .bind(date(on_or_before))
        .fetch_one(&self.pool)
        .await?;
        let Some(on) = on else {
            return Ok(None);
        };
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as(
            "SELECT account_id, colour FROM health_snapshots WHERE reason = 'daily' AND taken_on = $1",
        )
        .bind(&on)
        .fetch_all(&self.pool)
        .await?;
        let colours = rows
            .into_iter()
            .map(|(a, c)| {
                Ok((
                    AccountId(a),
                    c.map(|c| parse::<Colour>("colour", &c)).transpose()?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((day("taken_on", &on)?, colours)))
    }

    /// Accounts whose colour now differs from the one of their latest daily snapshot on or
    /// before `since`, the worst first; with the day compared against (none without
    /// snapshots that old).
    pub async fn colour_moves_since(
        &self,
        since: NaiveDate,
    ) -> Result<(Option<NaiveDate>, Vec<ColourMove>)> {
        let base: Option<String> = sqlx::query_scalar(
            "SELECT MAX(taken_on) FROM health_snapshots WHERE reason = 'daily' AND taken_on <= $1",
        )
        .bind(date(since))
        .fetch_one(&self.pool)
        .await?;
        let Some(base) = base else {
            return Ok((None, Vec::new()));
        };
        type Row = (
            i64,
            String,
            i64,
            Option<String>,
            Option<String>,
            Option<f64>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.name, a.arr_minor, s.colour, h.colour, h.score, \
             (SELECT x.reason FROM health_snapshots x WHERE x.account_id = a.id \
              AND x.reason IN ('colour_change', 'scorecard_change') AND x.taken_on >= $1 \
              ORDER BY x.taken_at DESC, x.id DESC LIMIT 1) \
             FROM health_snapshots s JOIN accounts a ON a.id = s.account_id \
             JOIN account_health h ON h.account_id = a.id \
             WHERE s.reason = 'daily' AND s.taken_on = $1 \
             AND COALESCE(s.colour, '') <> COALESCE(h.colour, '') \
             AND COALESCE(a.lifecycle, '') <> 'churned'",
        )
        .bind(&base)
        .fetch_all(&self.pool)
        .await?;
        let colour = |c: Option<String>| c.map(|c| parse::<Colour>("colour", &c)).transpose();
        let mut moves = rows
            .into_iter()
            .map(|(id, name, arr, from, to, score, why)| {
                Ok(ColourMove {
                    account: AccountId(id),
                    name,
                    arr: Money::from_minor_units(arr, self.currency()),
                    from: colour(from)?,
                    to: colour(to)?,
                    score,
                    by_scoring: why.as_deref() == Some("scorecard_change"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Worse first, the worst colour first among them, then the most ARR.
        moves.sort_by(|a, b| {
            b.worse()
                .cmp(&a.worse())
                .then(colour_slot(b.to).min(3).cmp(&colour_slot(a.to).min(3)))
                .then(b.arr.amount.cmp(&a.arr.amount))
        });
        let base = day("taken_on", &base)?;
        Ok((Some(base), moves))
    }

    /// How many of `owner`'s accounts (in any owner function) took a new colour from a
    /// scoring change since `since`: the CSM's notice that the scorecard moved them, not the
    /// customers.
    pub async fn owners_accounts_moved_by_scoring(
        &self,
        owner: UserId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(DISTINCT s.account_id) FROM health_snapshots s \
             JOIN accounts a ON a.id = s.account_id \
             WHERE s.reason = 'scorecard_change' AND s.taken_at >= $1 \
             AND (a.csm_id = $2 OR a.ae_id = $2 OR a.cd_id = $2 OR a.sponsor_id = $2)",
        )
        .bind(sherpa_core::text::timestamp(since))
        .bind(owner.0)
        .fetch_one(&self.pool)
        .await?)
    }
}
