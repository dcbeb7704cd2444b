//! Success plans: the customer's definition of success, in their words, and the objectives
//! that measure it on the customer's own unit, read against the straight path from where they
//! started to where they want to be.

mod objective;

pub use objective::*;
