//! Customer health (seed 003): scorecards of factors that turn Sherpa's own metrics into an
//! explainable 0-100 score and a colour.

mod scorecard;

pub use scorecard::*;
