//! HTTP API integration tests: the real server per test on a fresh database of the backend
//! `COLLABKIT_TEST_BACKEND` names (SQLite files by default). `tests/api_postgres.rs` runs the
//! same tests on PostgreSQL.

/// This binary follows `COLLABKIT_TEST_BACKEND`.
pub const FORCED_BACKEND: Option<helpers::Backend> = None;

mod alerts;
mod auth;
mod binary;
mod client_sdk;
mod cluster;
mod connections;
mod contract;
mod dashboard;
mod delivery;
mod documented_routes;
mod envelope;
mod errors;
mod events;
mod find_or_create;
mod helpers;
mod idempotency;
mod listen;
mod nodes;
mod npm;
mod ops;
mod ordering;
mod outage;
mod paging;
mod rate_limits;
mod realtime;
mod realtime_limits;
mod realtime_v2;
mod receiver;
mod restart;
mod rooms;
mod stats;
mod stores;
mod streams;
mod tcp_proxy;
mod tour;
mod typescript;
mod users;
mod webhooks;
mod ws;
