//! CollabKit's domain, shared by the server and every storage backend.
//!
//! - [`model`]: what is stored, in the server's terms, and how it maps to the contract's types;
//! - [`rules`]: the product rules as pure functions — given what a backend read, which rows and
//!   which events, in which order — so that a backend only does I/O;
//! - [`store`]: the storage contract, split by concern (the domain verbs, the delivery queue,
//!   the wake-ups), and its errors;
//! - [`stats`]: the per-minute attempt counters behind the dashboard's charts;
//! - [`accounts`], [`clock`], [`ids`], [`events`]: credentials, time, identifiers and payloads.
//!
//! This crate knows no database and no command line: backends and the server depend on it,
//! never the other way round.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod clock;
pub mod error;
pub mod events;
pub mod ids;
pub mod model;
pub mod page;
pub mod relay;
pub mod rules;
pub mod stats;
pub mod store;
pub mod wakeup;
