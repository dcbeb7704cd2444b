//! REST handlers, one module per resource, named verb-noun.

pub mod accounts;
pub mod activities;
pub mod adoption;
pub mod bulk;
pub mod cadence;
pub mod contacts;
pub mod contracts;
pub mod custom_fields;
pub mod effectiveness;
pub mod engagement;
pub mod forecast;
pub mod health;
pub mod health_config;
pub mod home;
mod json;
pub mod meddicc;
pub mod nine_box;
pub mod outreach;
pub mod overview;
pub mod plans;
pub mod playbooks;
pub mod priorities;
pub mod reassignments;
pub mod renewals;
pub mod revenue;
pub mod segments;
pub mod staffing;
pub mod system;
pub mod tasks;
pub mod usage;
pub mod users;
pub mod voice;

pub use json::{ApiJson, ApiPath, ApiQuery, Page};
