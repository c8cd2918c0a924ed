//! Typed configuration, independent of how it was given (flags, env vars or tests).

use std::net::SocketAddr;
use std::time::Duration;

use crate::api::serve::ConnectionLimits;
use crate::delivery::DeliveryConfig;
use crate::nodes::NodeConfig;
use crate::realtime::RealtimeConfig;
use crate::store::{DatabaseUrl, StorageOptions};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP API listens.
    pub listen: SocketAddr,
    /// Which database to use.
    pub database: DatabaseUrl,
    /// Backend knobs.
    pub store: StorageOptions,
    /// Largest accepted request body.
    pub body_limit: usize,
    /// How long shutdown waits for in-flight requests and background work.
    pub shutdown_timeout: Duration,
    /// The key that seals webhook secrets (base64 of 32 bytes); `None` uses a key file beside
    /// the SQLite database, created on first start. A secret type, so that no `{:?}` of the
    /// configuration (a log line, a panic message) shows it and its memory is wiped on drop.
    pub secret_key: Option<secrecy::SecretString>,
    /// The webhook engine's knobs.
    pub delivery: DeliveryConfig,
    /// The realtime hub's knobs.
    pub realtime: RealtimeConfig,
    /// Connection limits of the HTTP server.
    pub http: ConnectionLimits,
    /// This node's id and liveness.
    pub node: NodeConfig,
    /// One INFO line per API request (`--access-log`); otherwise those lines are DEBUG.
    pub access_log: bool,
}

impl Config {
    /// Defaults for everything but the database.
    pub fn new(database: DatabaseUrl) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database,
            store: StorageOptions::default(),
            body_limit: 1024 * 1024,
            shutdown_timeout: Duration::from_secs(10),
            secret_key: None,
            delivery: DeliveryConfig::default(),
            realtime: RealtimeConfig::default(),
            http: ConnectionLimits::default(),
            node: NodeConfig::default(),
            access_log: false,
        }
    }
}
