//! The CollabKit server as a library: `main.rs` only parses the command line and calls [`cli::run`];
//! tests build an [`app::App`] from a [`config::Config`] and run it on their own listener.
//!
//! The domain (model, product rules, the storage contract) is the `collabkit-domain` crate and
//! the backends are crates of their own; [`store`] picks one from the database URL.

#![forbid(unsafe_code)]

pub mod alerts;
pub mod api;
pub mod app;
pub mod changes;
pub mod cli;
pub mod client;
pub mod config;
pub mod dashboard;
pub mod delivery;
pub mod duration;
pub mod event_streams;
pub mod flag_values;
pub mod listen;
pub mod metrics;
pub mod nodes;
pub mod rate_limit;
pub mod realtime;
pub mod secrets;
pub mod store;
pub mod telemetry;
pub mod trigger;
pub mod user_tokens;

pub use collabkit_domain::{accounts, clock, events, ids};
