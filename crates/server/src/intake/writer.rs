//! Group commit: every request's valid messages go to one writer task, which takes everything
//! waiting and stores it in one transaction, then tells each request that its messages are
//! committed. Hundreds of small requests a second become a few large transactions, and a
//! request is answered 200 only after its messages are on disk.
//!
//! Back-pressure: the queue is bounded. When it is full the request is refused at once (429
//! with Retry-After) rather than queued without end or dropped.

use chrono::{DateTime, Utc};
use sherpa_core::intake::Message;
use sherpa_store::{IngestOutcome, Store};
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
    done: oneshot::Sender<Result<IngestOutcome, String>>,
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
    ) -> Result<IngestOutcome, NotStored> {
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
        let all: Vec<Message> = group
            .iter_mut()
            .flat_map(|j| std::mem::take(&mut j.messages))
            .collect();
        let messages = all.len();
        let result = store.ingest(all, received_at).await;
        metrics::counter!("sherpa_intake_transactions_total").increment(1);
        match result {
            Ok(outcome) => {
                metrics::counter!("sherpa_intake_messages_total", "outcome" => "accepted")
                    .increment(outcome.accepted as u64);
                metrics::counter!("sherpa_intake_messages_total", "outcome" => "duplicate")
                    .increment(outcome.duplicates as u64);
                for job in group {
                    let _ = job.done.send(Ok(outcome));
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
