//! Success plans: the customer's definition of success, in their words, the objectives that
//! measure it on the customer's own unit (read against the straight path from where they
//! started to where they want to be), and the blockers in the way, classified so that the
//! book's patterns can be counted.

mod blocker;
mod content;
mod lifecycle;
mod objective;
mod owner;
mod patterns;
mod template;
mod value;

pub use blocker::*;
pub use content::*;
pub use lifecycle::*;
pub use objective::*;
pub use owner::*;
pub use patterns::*;
pub use template::*;
pub use value::*;
