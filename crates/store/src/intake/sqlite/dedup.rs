//! Whether a message id is stored already, on SQLite: the dedup index and the filter in front
//! of it.
//!
//! The index is `message_keys`: a 64-bit hash of each id (see `tables::message_key`) with the
//! event that carries it. Clients send random ids, so new rows land on every page of the index;
//! at a few bytes a row (a text id was forty) each write of the index touches a few times fewer
//! pages. A hash taken by another message, and every id stored before the index existed, are
//! kept as text in `message_ids`. A key found in the index is confirmed against its event's
//! stored message id, so a collision never refuses a new message.
//!
//! In front, a Bloom filter of the keys (never a false "absent"): a new id is looked up only
//! when the filter says it may be stored. A filter cannot grow, so when one is full another,
//! twice as large and with half the false positives, is added after it (a scalable Bloom
//! filter): the stream never waits for the filter to be read again from the index, and the
//! false positives of all of them stay under twice the first one's.

use super::super::tables::message_key;
use crate::Result;
use rusqlite::{Connection, OptionalExtension};
use sherpa_core::intake::decode_block;

/// The first filter is made for at least this many ids (about 1.2 bytes each)...
const SEEN_MIN: usize = 1_000_000;
/// ...with false positives (each costs a lookup) under this share; each filter added after it
/// has half the share of the one before.
const SEEN_FALSE_POSITIVES: f64 = 0.01;

/// One filter of [`Seen`] and how many ids it is made for.
struct Layer {
    filter: fastbloom::BloomFilter,
    items: usize,
    capacity: usize,
}

impl Layer {
    fn new(capacity: usize, false_positives: f64) -> Layer {
        Layer {
            filter: fastbloom::BloomFilter::with_false_pos(false_positives)
                .expected_items(capacity),
            items: 0,
            capacity,
        }
    }
}

/// The message ids this process knows are in the index, or may be.
pub(super) struct Seen {
    /// Oldest first; new ids go into the last, which is never full.
    layers: Vec<Layer>,
}

impl Seen {
    fn new(stored: usize) -> Seen {
        Seen {
            layers: vec![Layer::new((stored * 2).max(SEEN_MIN), SEEN_FALSE_POSITIVES)],
        }
    }

    pub fn insert(&mut self, key: i64) {
        let last = self.layers.last_mut().expect("a filter is always there");
        last.filter.insert(&key);
        last.items += 1;
        if last.items >= last.capacity {
            let capacity = self.layers.iter().map(|l| l.capacity).sum::<usize>() * 2;
            let false_positives = SEEN_FALSE_POSITIVES / f64::from(1 << self.layers.len().min(20));
            self.layers.push(Layer::new(capacity, false_positives));
        }
    }

    /// False when the id of this key is certainly not stored.
    pub fn may_hold(&self, key: i64) -> bool {
        self.layers.iter().any(|l| l.filter.contains(&key))
    }
}

/// The filter of every stored id, read from the index.
pub(super) fn read_seen(conn: &Connection) -> Result<Seen> {
    let keys: i64 = conn.query_row("SELECT COUNT(*) FROM message_keys", [], |r| r.get(0))?;
    let texts: i64 = conn.query_row("SELECT COUNT(*) FROM message_ids", [], |r| r.get(0))?;
    let mut seen = Seen::new((keys + texts) as usize);
    let mut q = conn.prepare_cached("SELECT key FROM message_keys")?;
    let mut rows = q.query([])?;
    while let Some(row) = rows.next()? {
        seen.insert(row.get(0)?);
    }
    let mut q = conn.prepare_cached("SELECT message_id FROM message_ids")?;
    let mut rows = q.query([])?;
    while let Some(row) = rows.next()? {
        seen.insert(message_key(row.get_ref(0)?.as_str().unwrap_or_default()));
    }
    Ok(seen)
}

/// A decoded block's first and last event ids, and each event's id and message id.
type DecodedBlock = (i64, i64, Vec<(i64, String)>);

/// The last block decoded to confirm a key: a retried batch hits the same few blocks.
#[derive(Default)]
pub(super) struct Confirmed {
    block: Option<DecodedBlock>,
}

/// Whether the message id is in the index.
pub(super) fn indexed(
    conn: &Connection,
    message_id: &str,
    key: i64,
    confirmed: &mut Confirmed,
) -> Result<bool> {
    let event: Option<i64> = conn
        .prepare_cached("SELECT event_id FROM message_keys WHERE key = ?")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    if let Some(event) = event
        && message_id_of(conn, event, confirmed)?.as_deref() == Some(message_id)
    {
        return Ok(true);
    }
    Ok(conn
        .prepare_cached("SELECT 1 FROM message_ids WHERE message_id = ?")?
        .exists([message_id])?)
}

/// The message id of a stored event, loose or in a block; none when it was pruned.
fn message_id_of(
    conn: &Connection,
    event: i64,
    confirmed: &mut Confirmed,
) -> Result<Option<String>> {
    let loose: Option<String> = conn
        .prepare_cached("SELECT message_id FROM events WHERE id = ?")?
        .query_row([event], |r| r.get(0))
        .optional()?;
    if loose.is_some() {
        return Ok(loose);
    }
    let held = |b: &Option<DecodedBlock>| {
        b.as_ref()
            .is_some_and(|(first, last, _)| (*first..=*last).contains(&event))
    };
    if !held(&confirmed.block) {
        let block: Option<(i64, i64, Vec<u8>)> = conn
            .prepare_cached(
                "SELECT first_id, last_id, data FROM event_blocks WHERE first_id <= ? \
                 ORDER BY first_id DESC LIMIT 1",
            )?
            .query_row([event], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        confirmed.block = match block {
            Some((first, last, data)) => Some((
                first,
                last,
                decode_block(&data)?
                    .into_iter()
                    .map(|e| (e.id, e.message_id))
                    .collect(),
            )),
            None => None,
        };
    }
    Ok(confirmed.block.as_ref().and_then(|(_, _, events)| {
        events
            .iter()
            .find(|(id, _)| *id == event)
            .map(|(_, m)| m.clone())
    }))
}

/// Adds a new message id to the index: its key, or its text when another id has the key.
pub(super) fn index(conn: &Connection, message_id: &str, key: i64, event: i64) -> Result<()> {
    let added = conn
        .prepare_cached("INSERT OR IGNORE INTO message_keys (key, event_id) VALUES (?, ?)")?
        .execute([key, event])?;
    if added == 0 {
        let owner: i64 = conn
            .prepare_cached("SELECT event_id FROM message_keys WHERE key = ?")?
            .query_row([key], |r| r.get(0))?;
        // Indexed already (a range done again), or another message's key.
        if owner != event {
            conn.prepare_cached("INSERT OR IGNORE INTO message_ids (message_id) VALUES (?)")?
                .execute([message_id])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_grows_past_its_size_and_never_forgets_an_id() {
        let mut seen = Seen::new(0);
        let stored = SEEN_MIN * 3 / 2;
        for k in 0..stored as i64 {
            seen.insert(message_key(&format!("stored-{k}")));
        }
        assert!(seen.layers.len() > 1, "it outgrew its first filter");
        assert!((0..stored as i64).all(|k| seen.may_hold(message_key(&format!("stored-{k}")))));
        let tries = 200_000;
        let false_positives = (0..tries)
            .filter(|k| seen.may_hold(message_key(&format!("new-{k}"))))
            .count();
        assert!(
            (false_positives as f64) < 2.0 * SEEN_FALSE_POSITIVES * tries as f64,
            "{false_positives} of {tries} new ids would be looked up"
        );
    }
}
