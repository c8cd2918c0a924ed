//! The CollabKit server as a library: `main.rs` only parses the command line and calls [`cli::run`];
//! tests build an [`app::App`] from a [`config::Config`] and run it on their own listener.

pub mod accounts;
pub mod api;
pub mod app;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod events;
pub mod ids;
pub mod listen;
pub mod metrics;
pub mod rate_limit;
pub mod realtime;
pub mod secrets;
pub mod store;
pub mod telemetry;
