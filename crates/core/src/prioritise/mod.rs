//! Prioritising the book (seeds 000 and 001): each account's grade, potential size A/B/C by
//! money and likelihood for growth 1/2/3 by a person's judgement, and the tier the grade gives
//! through a configurable grid; the Pareto segment the leader applied; the quarter's 9-box.

mod cadence;
mod grade;
mod nine_box;
mod priority;
mod prompts;
mod reassignment;
/// The Pareto segments: cut-offs of cumulative ARR, and the segment each account falls in.
pub mod segments;
mod staffing;
mod tier;

pub use cadence::*;
pub use grade::*;
pub use nine_box::*;
pub use priority::{AccountPriority, GradingRecord, TierChange};
pub use prompts::*;
pub use reassignment::*;
pub use staffing::*;
pub use tier::*;
