//! Group commit: every request's valid messages go to one writer task, which takes everything
//! waiting and stores it in one transaction, then tells each request that its messages are
//! committed. Hundreds of small requests a second become a few large transactions, and a
//! request is answered 200 only after its messages are on disk.
//!
//! One bad message never fails the others: when the database refuses a group for its data (a
//! value it cannot hold), each request's messages are stored on their own, and a message the
//! database still refuses is named back to its sender while the rest are committed.
//!
//! Back-pressure: the queue is bounded. When it is full the request is refused at once (429
//! with Retry-After) rather than queued without end or dropped.

use chrono::{DateTime, Utc};
use sherpa_core::intake::Message;
use sherpa_store::{IngestOutcome, Store};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Requests that may wait for the writer.
const QUEUE: usize = 64;
/// Messages stored per transaction at most.
const GROUP: usize = 20_000;
/// How long the writer waits for messages before it writes the rollups it holds.
const SETTLE_WHEN_IDLE: std::time::Duration = std::time::Duration::from_millis(250);

struct Job {
    messages: Vec<Message>,
    received_at: DateTime<Utc>,
    done: oneshot::Sender<Result<Stored, String>>,
}

/// A request's messages committed, but for those the database refused.
#[derive(Debug)]
pub struct Stored {
    pub outcome: IngestOutcome,
    /// Positions, in the list handed to [`Writer::store`], of the messages refused.
    pub refused: Vec<usize>,
}

/// Why messages were not stored.
#[derive(Debug)]
pub enum NotStored {
    /// The queue is full: try again shortly.
    Busy,
    /// The database refused the transaction.
    Failed(String),
}

#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task on the current runtime.
    pub fn start(store: Store) -> Writer {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, jobs));
        Writer { queue }
    }

    /// Stores the messages; answers once they are committed.
    pub async fn store(
        &self,
        messages: Vec<Message>,
        received_at: DateTime<Utc>,
    ) -> Result<Stored, NotStored> {
        let (done, answer) = oneshot::channel();
        self.queue
            .try_send(Job {
                messages,
                received_at,
                done,
            })
            .map_err(|_| NotStored::Busy)?;
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(e)) => Err(NotStored::Failed(e)),
            Err(_) => Err(NotStored::Failed("the writer stopped".into())),
        }
    }
}

async fn run(store: Store, mut jobs: mpsc::Receiver<Job>) {
    loop {
        // When no message comes for a while, the rollups waiting in memory are written.
        let first = match tokio::time::timeout(SETTLE_WHEN_IDLE, jobs.recv()).await {
            Ok(Some(job)) => job,
            Ok(None) => break,
            Err(_) => {
                if let Err(e) = store.settle_usage().await {
                    tracing::error!(error = %e, "writing the usage rollups failed");
                }
                continue;
            }
        };
        let mut group = vec![first];
        let mut size = group[0].messages.len();
        while size < GROUP {
            match jobs.try_recv() {
                Ok(job) => {
                    size += job.messages.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let received_at = group[0].received_at;
        let sizes: Vec<usize> = group.iter().map(|j| j.messages.len()).collect();
        let all: Arc<[Message]> = group
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.messages))
            .collect::<Vec<_>>()
            .into();
        let messages = all.len();
        let result = store.ingest(all.clone(), received_at).await;
        metrics::counter!("sherpa_intake_transactions_total").increment(1);
        match result {
            Ok(outcome) => {
                count(outcome);
                for job in group {
                    let refused = Vec::new();
                    let _ = job.done.send(Ok(Stored { outcome, refused }));
                }
            }
            Err(e) if e.is_about_the_data() => {
                tracing::warn!(error = %e, messages, "the database refused a group of events; storing each request's on their own");
                let mut start = 0;
                for (job, size) in group.into_iter().zip(sizes) {
                    let mine = &all[start..start + size];
                    start += size;
                    let _ = job.done.send(store_alone(&store, mine, received_at).await);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, messages, "storing events failed");
                for job in group {
                    let _ = job.done.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// Stores one request's messages in a transaction of their own; when the database refuses
/// them for their data, each message alone, so that only the offending ones are left out.
async fn store_alone(
    store: &Store,
    messages: &[Message],
    received_at: DateTime<Utc>,
) -> Result<Stored, String> {
    match store.ingest(messages.to_vec(), received_at).await {
        Ok(outcome) => {
            count(outcome);
            return Ok(Stored {
                outcome,
                refused: Vec::new(),
            });
        }
        Err(e) if e.is_about_the_data() => {}
        Err(e) => return Err(e.to_string()),
    }
    let mut stored = Stored {
        outcome: IngestOutcome::default(),
        refused: Vec::new(),
    };
    for (i, m) in messages.iter().enumerate() {
        match store.ingest(vec![m.clone()], received_at).await {
            Ok(outcome) => stored.outcome += outcome,
            Err(e) if e.is_about_the_data() => {
                // The database's words are for the log; the sender learns which message it was.
                tracing::warn!(error = %e, message_id = %m.message_id, "the database refused an event");
                stored.refused.push(i);
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    count(stored.outcome);
    Ok(stored)
}

fn count(outcome: IngestOutcome) {
    metrics::counter!("sherpa_intake_messages_total", "outcome" => "accepted")
        .increment(outcome.accepted as u64);
    metrics::counter!("sherpa_intake_messages_total", "outcome" => "duplicate")
        .increment(outcome.duplicates as u64);
}
