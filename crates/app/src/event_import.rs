//! Event history from a file (newline-delimited Segment JSON or a CSV of events): every line is
//! checked before anything is stored, so a file with a bad line stores nothing; then it is read
//! again and stored in slices while the next slice is read. Memory stays that of a few slices
//! whatever the file's size. Before it answers, the rollups are written and the accounts it
//! touched are scored, so the next command has nothing to catch up.

use crate::{App, Caller, Error, Result};
use sherpa_core::import::RowError;
use sherpa_core::intake::{EventStream, Message};
use sherpa_store::IngestOutcome;
use std::io::Read;

/// Messages stored per transaction.
pub const EVENT_SLICE: usize = 10_000;
/// Bad lines listed before checking stops: past that, the file is wrong as a whole.
pub const MAX_LISTED_ERRORS: usize = 1_000;
/// Slices read ahead of the one being stored.
const READ_AHEAD: usize = 2;

/// What an event import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventImport {
    /// Valid messages in the file.
    pub messages: u64,
    /// What storing them did (nothing on a dry run).
    pub stored: IngestOutcome,
    /// Events stored earlier without an account that have one now.
    pub attached: u64,
    /// Accounts whose health was worked out again.
    pub scored: usize,
}

/// Opens the file, once for the check and once to store it.
pub trait EventSource: Send + Sync + 'static {
    type Reader: Read + Send + 'static;
    fn open(&self) -> std::io::Result<Self::Reader>;
}

impl<R: Read + Send + 'static, F: Fn() -> std::io::Result<R> + Send + Sync + 'static> EventSource
    for F
{
    type Reader = R;
    fn open(&self) -> std::io::Result<R> {
        self()
    }
}

fn unreadable(e: std::io::Error) -> Error {
    Error::invalid("file", format!("cannot read the file: {e}"))
}

/// Checks every line; answers how many messages there are, or the bad lines.
fn check(source: &impl EventSource, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let stream = EventStream::new(source.open().map_err(unreadable)?, now)
        .map_err(|e| Error::Rows(vec![e]))?;
    let mut messages = 0;
    let mut errors: Vec<RowError> = Vec::new();
    for item in stream {
        match item {
            Ok(_) => messages += 1,
            Err(e) => {
                let line = e.line;
                errors.push(e);
                if errors.len() == MAX_LISTED_ERRORS {
                    errors.push(RowError {
                        line,
                        column: None,
                        message: format!(
                            "checking stopped here, after {MAX_LISTED_ERRORS} bad lines"
                        ),
                    });
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(messages)
    } else {
        Err(Error::Rows(errors))
    }
}

impl App {
    /// Imports event history (leaders and admins): all or nothing as to bad lines; a re-run
    /// stores nothing twice (messages are deduplicated on their id).
    pub async fn import_events(
        &self,
        by: &Caller,
        source: impl EventSource,
        dry_run: bool,
    ) -> Result<EventImport> {
        by.may(|u| u.may_manage_book())?;
        let now = self.store.clock().now();
        let source = std::sync::Arc::new(source);
        let checking = source.clone();
        let messages = tokio::task::spawn_blocking(move || check(&*checking, now))
            .await
            .map_err(|e| Error::invalid("file", e.to_string()))??;
        if dry_run {
            return Ok(EventImport {
                messages,
                ..EventImport::default()
            });
        }
        // The reader parses the next slices on a thread of its own while this one stores.
        let (slices, mut incoming) = tokio::sync::mpsc::channel::<Vec<Message>>(READ_AHEAD);
        let reader = tokio::task::spawn_blocking(move || -> Result<()> {
            let stream = EventStream::new(source.open().map_err(unreadable)?, now)
                .map_err(|e| Error::Rows(vec![e]))?;
            let mut slice = Vec::with_capacity(EVENT_SLICE);
            for item in stream {
                // Checked whole a moment ago: a line that fails now changed since.
                slice.push(item.map_err(|e| Error::Rows(vec![e]))?);
                if slice.len() == EVENT_SLICE
                    && slices.blocking_send(std::mem::take(&mut slice)).is_err()
                {
                    return Ok(());
                }
            }
            if !slice.is_empty() {
                let _ = slices.blocking_send(slice);
            }
            Ok(())
        });
        let mut stored = IngestOutcome::default();
        while let Some(slice) = incoming.recv().await {
            stored += self.store.ingest(slice, self.store.clock().now()).await?;
        }
        reader
            .await
            .map_err(|e| Error::invalid("file", e.to_string()))??;
        let attached = self.store.attach_unmapped().await?;
        self.store.write_held_intake().await?;
        let scored = self.refresh_marked_health().await?;
        Ok(EventImport {
            messages,
            stored,
            attached,
            scored: scored.done.accounts,
        })
    }
}
