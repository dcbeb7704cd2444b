//! One module per page of the UI.

pub mod account;
pub mod admin;
pub mod audit;
pub mod backtest;
pub mod book;
pub mod calendar;
pub mod health;
pub mod import;
pub mod intake;
pub mod login;
pub mod models;
pub mod nine_box;
pub mod outbox;
pub mod portfolio;
pub mod prioritisation;
pub mod reassignments;
pub mod scorecards;
pub mod segments;
pub mod staffing;
pub mod tasks;
pub mod team;
pub mod unsubscribe;
