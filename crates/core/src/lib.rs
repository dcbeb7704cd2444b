//! Sherpa's domain: the nouns of the account book and the customer success rules that the
//! seeds describe, as plain types and pure functions. No I/O, no async, no SQL: the store,
//! the server and the CLI all build on this crate.

pub mod adoption;
pub mod assignment;
pub mod book;
pub mod clock;
pub mod demo;
pub mod effectiveness;
pub mod engagement;
pub mod export;
pub mod health;
pub mod import;
pub mod intake;
pub mod money;
pub mod nul;
pub mod plan;
pub mod prioritise;
pub mod revenue;
pub mod text;

pub use book::*;
pub use clock::{AheadClock, Clock, ManualClock, SystemClock};
pub use money::{Currency, Money, MoneyError, minor_ppm};
