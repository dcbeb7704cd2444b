//! Raw events kept many to a stored row: one block per account per intake transaction, its
//! events in ingest order, serialised compactly (postcard) and compressed (LZ4).
//!
//! Why blocks: a row per event cost the embedded database most of its time at the intake's
//! rates (each row is a cell, an index entry and a share of the log). A block of the same
//! events is one row, a few times smaller than its JSON, and is written as a unit. The events
//! are read back in order, by an account's blocks, and never changed once written: events that
//! wait for their account are kept one per row (they change when they attach).

use super::Message;
use crate::book::AccountId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The block format written now: the first byte of every block.
const FORMAT: u8 = 1;

/// An event as a block keeps it; the account and the time received are the block's.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BlockEvent {
    /// Ingest order; the cursor of the events list.
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub group_id: Option<String>,
    pub user_key: String,
    pub name: Option<String>,
    /// Microseconds since the epoch, as corrected for clock skew.
    occurred_us: i64,
    pub body: String,
}

impl BlockEvent {
    pub fn occurred_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.occurred_us).unwrap_or_default()
    }
}

/// [`BlockEvent`] as written, borrowing from the message (same fields, same order).
#[derive(Serialize)]
struct Written<'a> {
    id: i64,
    message_id: &'a str,
    kind: &'a str,
    group_id: Option<&'a str>,
    user_key: &'a str,
    name: Option<&'a str>,
    occurred_us: i64,
    body: &'a str,
}

/// Why a stored block could not be read.
#[derive(Debug, thiserror::Error)]
#[error("stored event block is unreadable: {0}")]
pub struct BlockError(String);

/// Writes the bytes of a block: the format, then the events, serialised and compressed.
fn seal(written: &[Written<'_>]) -> Vec<u8> {
    let plain = postcard::to_stdvec(written).expect("writing to memory cannot fail");
    let mut out = vec![FORMAT];
    out.extend(lz4_flex::compress_prepend_size(&plain));
    out
}

/// A block's events again, as read: for the one change a block ever sees, an erasure that
/// takes a person's traits out of the bodies.
pub fn reencode_block(events: &[BlockEvent]) -> Vec<u8> {
    let written: Vec<Written<'_>> = events
        .iter()
        .map(|e| Written {
            id: e.id,
            message_id: &e.message_id,
            kind: &e.kind,
            group_id: e.group_id.as_deref(),
            user_key: &e.user_key,
            name: e.name.as_deref(),
            occurred_us: e.occurred_us,
            body: &e.body,
        })
        .collect();
    seal(&written)
}

/// An event body without what identifies the person (Segment's `traits`, `context.traits`
/// and `context.ip`); `None` when it carried none of them.
pub fn without_traits(body: &str) -> Option<String> {
    let mut v: serde_json::Value = serde_json::from_str(body).ok()?;
    let o = v.as_object_mut()?;
    let mut changed = o.remove("traits").is_some();
    if let Some(ctx) = o.get_mut("context").and_then(|c| c.as_object_mut()) {
        changed |= ctx.remove("traits").is_some();
        changed |= ctx.remove("ip").is_some();
    }
    changed.then(|| v.to_string())
}

/// Encodes events with their ids, in the order given.
pub fn encode_block<'a>(events: impl IntoIterator<Item = (i64, &'a Message)>) -> Vec<u8> {
    let events: Vec<(i64, &Message, Cow<'_, str>)> = events
        .into_iter()
        .map(|(id, m)| (id, m, m.user_key()))
        .collect();
    let written: Vec<Written<'_>> = events
        .iter()
        .map(|(id, m, user_key)| Written {
            id: *id,
            message_id: &m.message_id,
            kind: m.kind.as_str(),
            group_id: m.group_id.as_deref(),
            user_key: user_key.as_ref(),
            name: m.name.as_deref(),
            occurred_us: m.timestamp.timestamp_micros(),
            body: &m.body,
        })
        .collect();
    seal(&written)
}

/// One account's new events of a transaction, encoded.
#[derive(Debug)]
pub struct NewBlock {
    pub account: AccountId,
    pub first_id: i64,
    pub last_id: i64,
    pub events: usize,
    pub data: Vec<u8>,
}

/// Where a transaction's new events go: blocks, and loose events (a row each) for those
/// without an account.
#[derive(Debug, Default)]
pub struct Placed<'a> {
    pub blocks: Vec<NewBlock>,
    pub loose: Vec<(i64, &'a Message)>,
    /// Every new event's id and message id.
    pub ids: Vec<(i64, &'a str)>,
}

/// Gives the new events their ids, in order from `ids`: each account's events together and
/// in the order they came, then the ones without an account. So a block's ids follow one
/// another when `ids` do, and an account's events keep their order.
pub fn place<'a>(
    new: impl IntoIterator<Item = (&'a Message, Option<AccountId>)>,
    mut ids: impl Iterator<Item = i64>,
) -> Placed<'a> {
    let mut by_account: BTreeMap<AccountId, Vec<&'a Message>> = BTreeMap::new();
    let mut without = Vec::new();
    for (m, account) in new {
        match account {
            Some(a) => by_account.entry(a).or_default().push(m),
            None => without.push(m),
        }
    }
    let mut next = || ids.next().expect("an id for every new event");
    let mut placed = Placed::default();
    let numbered: Vec<(AccountId, Vec<(i64, &Message)>)> = by_account
        .into_iter()
        .map(|(account, ms)| (account, ms.into_iter().map(|m| (next(), m)).collect()))
        .collect();
    for (_, events) in &numbered {
        placed
            .ids
            .extend(events.iter().map(|(id, m)| (*id, m.message_id.as_str())));
    }
    placed.blocks = encode_all(numbered);
    placed.loose = without.into_iter().map(|m| (next(), m)).collect();
    placed.ids.extend(
        placed
            .loose
            .iter()
            .map(|(id, m)| (*id, m.message_id.as_str())),
    );
    placed
}

/// Events at which encoding is split over two threads (the intake's writer is its one busy
/// thread; the other core parses requests).
const ENCODE_SPLIT: usize = 4_096;

/// Encodes each account's numbered events as a block, in two halves at once when many.
fn encode_all(numbered: Vec<(AccountId, Vec<(i64, &Message)>)>) -> Vec<NewBlock> {
    fn encode(part: Vec<(AccountId, Vec<(i64, &Message)>)>) -> Vec<NewBlock> {
        part.into_iter()
            .map(|(account, events)| NewBlock {
                account,
                first_id: events[0].0,
                last_id: events[events.len() - 1].0,
                events: events.len(),
                data: encode_block(events),
            })
            .collect()
    }
    let total: usize = numbered.iter().map(|(_, e)| e.len()).sum();
    if total < ENCODE_SPLIT || numbered.len() < 2 {
        return encode(numbered);
    }
    // Cut where half the events are on each side.
    let mut seen = 0;
    let cut = numbered
        .iter()
        .position(|(_, e)| {
            seen += e.len();
            seen * 2 >= total
        })
        .map_or(numbered.len() / 2, |i| (i + 1).min(numbered.len() - 1));
    let mut first = numbered;
    let second = first.split_off(cut);
    std::thread::scope(|s| {
        let later = s.spawn(|| encode(second));
        let mut blocks = encode(first);
        blocks.extend(later.join().expect("encoding does not panic"));
        blocks
    })
}

/// Decodes a block written by [`encode_block`].
pub fn decode_block(bytes: &[u8]) -> Result<Vec<BlockEvent>, BlockError> {
    let (format, rest) = bytes
        .split_first()
        .ok_or_else(|| BlockError("empty".into()))?;
    if *format != FORMAT {
        return Err(BlockError(format!("unknown format {format}")));
    }
    let plain = lz4_flex::decompress_size_prepended(rest).map_err(|e| BlockError(e.to_string()))?;
    postcard::from_bytes(&plain).map_err(|e| BlockError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::MessageKind;

    fn message(id: &str, user: Option<&str>, anon: Option<&str>, name: Option<&str>) -> Message {
        Message {
            message_id: id.into(),
            kind: MessageKind::Track,
            user_id: user.map(String::from),
            anonymous_id: anon.map(String::from),
            name: name.map(String::from),
            group_id: Some("ACME-1".into()),
            email: None,
            timestamp: DateTime::from_timestamp_micros(1_764_504_000_123_456).unwrap(),
            body: format!(r#"{{"type":"track","messageId":"{id}","properties":{{"é":"\n"}}}}"#),
        }
    }

    #[test]
    fn a_block_gives_back_every_event_as_stored() {
        let ms = [
            message("m-1", Some("u-1"), None, Some("Report run")),
            message("m-2", None, Some("a-9"), None),
        ];
        let block = encode_block([(41, &ms[0]), (42, &ms[1])]);
        let events = decode_block(&block).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].id, 41);
        assert_eq!(events[0].message_id, "m-1");
        assert_eq!(events[0].user_key, "u-1");
        assert_eq!(events[0].name.as_deref(), Some("Report run"));
        assert_eq!(events[0].occurred_at(), ms[0].timestamp);
        assert_eq!(events[0].body, ms[0].body);
        assert_eq!(events[1].user_key, "anon:a-9");
        assert_eq!(events[1].group_id.as_deref(), Some("ACME-1"));
        assert_eq!(events[1].name, None);
    }

    #[test]
    fn an_account_s_events_share_a_block_and_keep_their_order() {
        let ms: Vec<Message> = (0..5)
            .map(|i| message(&format!("m-{i}"), Some("u"), None, None))
            .collect();
        let accounts = [Some(2), None, Some(1), Some(2), Some(1)].map(|a| a.map(AccountId));
        let placed = place(ms.iter().zip(accounts), 100..);
        let ids: Vec<(i64, i64, Vec<String>)> = placed
            .blocks
            .iter()
            .map(|b| {
                let events = decode_block(&b.data).unwrap();
                assert_eq!(events.len(), b.events);
                assert_eq!(
                    (b.first_id, b.last_id),
                    (events[0].id, events[events.len() - 1].id)
                );
                (
                    b.account.0,
                    b.first_id,
                    events.into_iter().map(|e| e.message_id).collect(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            vec![
                (1, 100, vec!["m-2".to_string(), "m-4".to_string()]),
                (2, 102, vec!["m-0".to_string(), "m-3".to_string()]),
            ]
        );
        assert_eq!(placed.loose.len(), 1);
        assert_eq!(placed.ids.len(), 5);
        assert_eq!(placed.ids[0], (100, "m-2"));
        assert_eq!(
            (placed.loose[0].0, placed.loose[0].1.message_id.as_str()),
            (104, "m-1")
        );
    }

    #[test]
    fn many_events_encoded_on_two_threads_come_back_in_order() {
        let ms: Vec<Message> = (0..5_000)
            .map(|i| message(&format!("m-{i}"), Some("u"), None, None))
            .collect();
        let placed = place(
            ms.iter()
                .enumerate()
                .map(|(i, m)| (m, Some(AccountId(i as i64 % 7)))),
            1..,
        );
        assert_eq!(placed.blocks.len(), 7);
        let ids: Vec<i64> = placed
            .blocks
            .iter()
            .flat_map(|b| decode_block(&b.data).unwrap().into_iter().map(|e| e.id))
            .collect();
        assert_eq!(ids, (1..=5_000).collect::<Vec<_>>());
        assert!(
            placed
                .blocks
                .windows(2)
                .all(|w| w[0].account < w[1].account)
        );
    }

    #[test]
    fn a_block_is_smaller_than_its_events() {
        let ms: Vec<Message> = (0..50)
            .map(|i| message(&format!("m-{i}"), Some("u-1"), None, Some("Report run")))
            .collect();
        let raw: usize = ms.iter().map(|m| m.body.len() + m.message_id.len()).sum();
        let block = encode_block(ms.iter().enumerate().map(|(i, m)| (i as i64, m)));
        assert!(block.len() * 2 < raw, "{} bytes for {raw}", block.len());
    }

    #[test]
    fn a_damaged_block_is_an_error_not_a_panic() {
        let block = encode_block([(1, &message("m-1", Some("u"), None, None))]);
        assert!(decode_block(&block[..block.len() / 2]).is_err());
        assert!(decode_block(&[]).is_err());
        let mut other = block.clone();
        other[0] = 9;
        assert!(
            decode_block(&other)
                .unwrap_err()
                .to_string()
                .contains("format 9")
        );
    }
}
