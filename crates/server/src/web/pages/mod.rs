//! One module per page of the UI.

pub mod account;
pub mod admin;
pub mod audit;
pub mod book;
pub mod import;
pub mod intake;
pub mod login;
pub mod portfolio;
pub mod priority;
pub mod team;
