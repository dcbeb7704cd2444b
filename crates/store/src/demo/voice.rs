//! The demo's customer voice and usage: tickets and surveys, a year of usage as daily
//! rollups, and the last days of a sample's product events sent through the intake.

use super::{CHUNK, ID_SPACE, t};
use crate::sql::Arg;
use crate::{Result, Store, StoreError};
use sherpa_core::demo::DemoBook;
use sherpa_core::intake::Message;
use sherpa_core::text::{date, timestamp};

/// What the demo's customer voice and usage added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoVoice {
    pub tickets: usize,
    pub surveys: usize,
    /// Accounts whose last 14 days of product events went through the intake.
    pub usage_accounts: usize,
    pub events: usize,
    /// Account-days of usage written as rollups (the year before, and every day of the
    /// accounts outside the sample).
    pub usage_days: usize,
    /// The days of the weekly health snapshots, and each account's (by index) feature users
    /// in the 30 days up to each: counted as the usage was drawn, for the effectiveness history.
    pub weeks: Vec<chrono::NaiveDate>,
    pub feature_weeks: Vec<sherpa_core::demo::FeatureWeeks>,
}

/// Accounts at most whose last days of events go through the intake; every account has a
/// year of usage as rollups.
const USAGE_SAMPLE: usize = 100;
/// Days of raw events for the sample.
const RAW_DAYS: i64 = 14;
/// Days of usage history.
const HISTORY_DAYS: i64 = 365;
/// Accounts whose year of usage is drawn and written at once. Small parts keep the memory a
/// part takes in the allocator's hands: parts of 500 (hundreds of MB each) were handed back to
/// the system and faulted in again, and zeroing those pages was a quarter of the CPU time.
const HISTORY_PART: usize = 100;

impl Store {
    /// Adds the demo book's tickets and surveys, a year of every account's usage as daily
    /// rollups, and sends the last 14 days of product events of a sample of accounts through
    /// the intake (parsed and stored as a client's would be) instead of their rollups.
    pub async fn load_demo_voice(&self, book: &DemoBook) -> Result<DemoVoice> {
        let now = self.now();
        let mut out = DemoVoice::default();
        for start in (0..book.accounts).step_by(CHUNK) {
            let mut tickets = Vec::new();
            let mut surveys = Vec::new();
            for i in start..(start + CHUNK).min(book.accounts) {
                let a = book.account(i);
                let id = i as i64 + 1;
                for tk in book.tickets(&a) {
                    tickets.push(vec![
                        Arg::Int(id),
                        Arg::OptText(tk.external_id),
                        t(tk.subject),
                        t(timestamp(tk.opened_at)),
                        t(tk.severity.as_str()),
                        t(tk.status.as_str()),
                        Arg::OptText(tk.resolved_at.map(timestamp)),
                        Arg::Int(i64::from(tk.escalated)),
                        Arg::OptInt(tk.csat),
                        t(now.clone()),
                        t(now.clone()),
                    ]);
                }
                let respondent = (!a.contacts.is_empty()).then_some(id * ID_SPACE);
                for s in book.surveys(&a) {
                    surveys.push(vec![
                        Arg::Int(id),
                        Arg::OptInt(respondent),
                        Arg::OptText(s.external_id),
                        t(s.kind.as_str()),
                        Arg::OptInt(s.score),
                        Arg::OptText(s.intent.map(|i| i.as_str().to_string())),
                        Arg::OptText(s.comment),
                        t(date(s.answered_on)),
                        t(now.clone()),
                    ]);
                }
            }
            out.tickets += tickets.len();
            out.surveys += surveys.len();
            let mut tx = self.write_tx().await?;
            crate::bulk::insert_rows(
                &mut tx,
                self.engine,
                "tickets",
                &[
                    "account_id",
                    "external_id",
                    "subject",
                    "opened_at",
                    "severity",
                    "status",
                    "resolved_at",
                    "escalated",
                    "csat",
                    "created_at",
                    "updated_at",
                ],
                tickets,
            )
            .await?;
            crate::bulk::insert_rows(
                &mut tx,
                self.engine,
                "surveys",
                &[
                    "account_id",
                    "contact_id",
                    "external_id",
                    "kind",
                    "score",
                    "intent",
                    "comment",
                    "answered_on",
                    "created_at",
                ],
                surveys,
            )
            .await?;
            tx.commit().await?;
        }
        let step = book.accounts.div_ceil(USAGE_SAMPLE).max(1);
        let sampled = move |i: usize, a: &sherpa_core::demo::DemoAccount| {
            i.is_multiple_of(step) && a.fields.lifecycle != Some(sherpa_core::Lifecycle::Churned)
        };
        // The sample's events are drawn and parsed on the other core while the history is
        // written: the writing is the database's thread's, and drawing the history takes less.
        let received = self.clock.now();
        let sample = {
            let book = book.clone();
            tokio::task::spawn_blocking(move || -> Result<Vec<Vec<Message>>> {
                (0..book.accounts)
                    .step_by(step)
                    .map(|i| (i, book.account(i)))
                    .filter(|(i, a)| sampled(*i, a))
                    .map(|(_, a)| sample_messages(&book, &a, received))
                    .collect()
            })
        };
        // Each part is written while the next is drawn: the writing is the database's thread's.
        // PostgreSQL writes two at once: one backend upserting was one core of two busy while
        // the other idled. The parts' accounts differ, and the rows they share (the days'
        // names, the catalogue) are written in one order by each, so two only wait, never
        // deadlock.
        let writers = if self.engine == crate::Engine::Postgres {
            2
        } else {
            1
        };
        let mut writing = std::collections::VecDeque::new();
        out.weeks = sherpa_core::demo::health_weeks(book.today);
        out.feature_weeks = Vec::with_capacity(book.accounts);
        for start in (0..book.accounts).step_by(HISTORY_PART) {
            let mut history = sherpa_core::intake::RollupDelta::default();
            for i in start..(start + HISTORY_PART).min(book.accounts) {
                let a = book.account(i);
                let skip = if sampled(i, &a) { RAW_DAYS } else { 0 };
                let id = sherpa_core::AccountId(i as i64 + 1);
                let mut weeks = book.usage_history_counting(
                    &a,
                    id,
                    HISTORY_DAYS,
                    skip,
                    &mut history,
                    &out.weeks,
                );
                // The sample's last weeks are raw events the history stops before.
                if weeks.len() < out.weeks.len() {
                    weeks = book.feature_users_on(&a, &out.weeks);
                }
                out.feature_weeks.push(weeks);
            }
            out.usage_days += history.days.len();
            if writing.len() >= writers
                && let Some(w) = writing.pop_front()
            {
                written(w).await?;
            }
            let store = self.clone();
            writing.push_back(tokio::spawn(async move {
                store.add_fresh_usage_history(history).await
            }));
        }
        for w in writing {
            written(w).await?;
        }
        let sample = match sample.await {
            Ok(drawn) => drawn?,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        for messages in sample {
            let stored = self.ingest(messages, received).await?;
            out.events += stored.accepted;
            out.usage_accounts += 1;
        }
        self.settle_usage().await?;
        // The product's catalogue, as its admin keeps it: every feature, those no customer
        // uses yet too (the whitespace everyone has), and the features that mean value was
        // reached (first value is the first use of one).
        let demo = sherpa_core::Actor::system("demo");
        for event in sherpa_core::demo::FEATURES {
            let high = sherpa_core::demo::HIGH_VALUE_FEATURES.contains(&event);
            self.set_feature(&demo, event, event, high).await?;
        }
        Ok(out)
    }
}

/// An account's last days of product events, as its product would send them in batches of
/// 500, parsed as the intake parses a client's.
fn sample_messages(
    book: &DemoBook,
    a: &sherpa_core::demo::DemoAccount,
    received: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    for chunk in book.usage_messages(a, RAW_DAYS).chunks(500) {
        let body = format!("{{\"batch\":[{}]}}", chunk.join(","));
        let parsed = sherpa_core::intake::parse_request(None, body.as_bytes(), received)
            .map_err(|e| StoreError::invalid("demo events", e.message))?;
        for m in parsed.messages {
            messages.push(m.map_err(|e| StoreError::invalid("demo events", e.message))?);
        }
    }
    Ok(messages)
}

/// Waits for a part of the history to be written.
async fn written(w: tokio::task::JoinHandle<Result<()>>) -> Result<()> {
    match w.await {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
