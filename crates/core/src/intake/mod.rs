//! Usage data in: Segment-compatible messages (identify, track, page, screen, group, alias),
//! checked against the limits and rules Segment's own API applies, and the daily rollups they
//! add to. Pure: the server reads the bytes, the store keeps the results.

mod block;
mod fields;
mod file;
mod mapping;
mod message;
mod rollup;

pub use block::*;
pub use file::{EventStream, read_event_file};
pub use mapping::*;
pub use message::*;
pub use rollup::*;
