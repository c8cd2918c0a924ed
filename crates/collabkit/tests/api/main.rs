//! HTTP API integration tests: one binary, the real server per test, fresh SQLite files.

mod auth;
mod binary;
mod connections;
mod delivery;
mod errors;
mod events;
mod helpers;
mod ops;
mod realtime;
mod receiver;
mod restart;
mod rooms;
mod users;
mod webhooks;
mod ws;
