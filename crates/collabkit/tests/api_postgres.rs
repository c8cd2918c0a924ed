//! The HTTP API integration tests of `tests/api/` on PostgreSQL: each server on a database of
//! its own on the server `COLLABKIT_TEST_POSTGRES_URL` names (`.ci/run` points it at the local
//! one). The tests of the real binary (`api/binary.rs`, SQLite files and crashes) run in the
//! `api` binary only.

// Helpers only the binary's tests use (a slow receiver) are unused here.
#![allow(dead_code)]

/// Every test here runs on PostgreSQL.
pub const FORCED_BACKEND: Option<helpers::Backend> = Some(helpers::Backend::Postgres);

#[path = "api/alerts.rs"]
mod alerts;
#[path = "api/alerts_nodes.rs"]
mod alerts_nodes;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/connections.rs"]
mod connections;
#[path = "api/delivery.rs"]
mod delivery;
#[path = "api/documented_routes.rs"]
mod documented_routes;
#[path = "api/envelope.rs"]
mod envelope;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/events.rs"]
mod events;
#[path = "api/find_or_create.rs"]
mod find_or_create;
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/idempotency.rs"]
mod idempotency;
#[path = "api/nodes.rs"]
mod nodes;
#[path = "api/ops.rs"]
mod ops;
#[path = "api/ordering.rs"]
mod ordering;
#[path = "api/outage.rs"]
mod outage;
#[path = "api/paging.rs"]
mod paging;
#[path = "api/rate_limits.rs"]
mod rate_limits;
#[path = "api/realtime.rs"]
mod realtime;
#[path = "api/realtime_limits.rs"]
mod realtime_limits;
#[path = "api/realtime_v2.rs"]
mod realtime_v2;
#[path = "api/receiver.rs"]
mod receiver;
#[path = "api/restart.rs"]
mod restart;
#[path = "api/rooms.rs"]
mod rooms;
#[path = "api/shared_postgres.rs"]
mod shared_postgres;
#[path = "api/stats.rs"]
mod stats;
#[path = "api/stores.rs"]
mod stores;
#[path = "api/streams.rs"]
mod streams;
#[path = "api/tcp_proxy.rs"]
mod tcp_proxy;
#[path = "api/users.rs"]
mod users;
#[path = "api/webhooks.rs"]
mod webhooks;
#[path = "api/ws.rs"]
mod ws;
