//! Typed configuration, independent of how it was given (flags, env vars or tests).
//!
//! Each setting is declared once, on the type that holds it: its doc comment is its `--help`
//! text, and its `#[arg]` its flag, env var, default (read from the type's own defaults) and
//! parser. `serve` flattens these types; tests build them in code from [`Config::new`].

use std::net::SocketAddr;
use std::time::Duration;

use crate::api::serve::ConnectionLimits;
use crate::delivery::DeliveryConfig;
use crate::duration;
use crate::flag_values::parse_secret;
use crate::nodes::NodeConfig;
use crate::realtime::RealtimeConfig;
use crate::store::{DatabaseUrl, StorageOptions};

/// The database when none is given: `collabkit.db` in the working directory.
pub const DEFAULT_DATABASE: &str = "collabkit.db";

/// Everything the server needs to start.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "COLLABKIT_LISTEN", default_value_t = Config::defaults().listen)]
    pub listen: SocketAddr,
    // `--database` is declared once for every command (`cli::flags::DbArgs`) and `--sqlite-*`,
    // `--pg-*` by `cli::flags::StorageArgs` (the backends' options live in their own crates):
    // `serve` puts what they give here.
    /// Which database to use.
    #[arg(skip = Config::defaults().database)]
    pub database: DatabaseUrl,
    /// Backend knobs.
    #[arg(skip)]
    pub store: StorageOptions,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "COLLABKIT_BODY_LIMIT", default_value_t = Config::defaults().body_limit)]
    pub body_limit: usize,
    /// How long shutdown waits for in-flight work.
    #[arg(long, env = "COLLABKIT_SHUTDOWN_TIMEOUT", default_value = duration::shown!(Config::defaults().shutdown_timeout), value_parser = duration::parse)]
    pub shutdown_timeout: Duration,
    // `None` uses a key file beside the SQLite database, created on first start. A secret
    // type, so that no `{:?}` of the configuration (a log line, a panic message) shows it and
    // its memory is wiped on drop.
    /// Key sealing webhook secrets and user tokens at rest: base64 of 32 bytes
    /// (`openssl rand -base64 32`). Required with PostgreSQL: every node of one database uses
    /// the same key. With SQLite, by default a key file created beside the database
    /// (`<database>.key`).
    #[arg(long, env = "COLLABKIT_SECRET_KEY", hide_env_values = true, value_parser = parse_secret)]
    pub secret_key: Option<secrecy::SecretString>,
    /// How user tokens are issued and checked.
    #[command(flatten)]
    pub user_tokens: crate::user_tokens::UserTokenConfig,
    /// The webhook engine's knobs.
    #[command(flatten)]
    pub delivery: DeliveryConfig,
    /// Delivery alerts' knobs (rate limit, retries).
    #[command(flatten)]
    pub alerts: crate::alerts::AlertConfig,
    /// The realtime hub's knobs.
    #[command(flatten)]
    pub realtime: RealtimeConfig,
    /// Connection limits of the HTTP server.
    #[command(flatten)]
    pub http: ConnectionLimits,
    /// This node's id and liveness.
    #[command(flatten)]
    pub node: NodeConfig,
    /// Log one line per API request at INFO (method, path, status, latency). Off by default:
    /// at 800 requests/s that is ~720 MB of log an hour; the lines are DEBUG then.
    #[arg(long, env = "COLLABKIT_ACCESS_LOG")]
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
            user_tokens: Default::default(),
            delivery: DeliveryConfig::default(),
            alerts: crate::alerts::AlertConfig::default(),
            realtime: RealtimeConfig::default(),
            http: ConnectionLimits::default(),
            node: NodeConfig::default(),
            access_log: false,
        }
    }

    /// The defaults every flag shows and starts from, on [`DEFAULT_DATABASE`].
    pub fn defaults() -> Config {
        Config::new(DatabaseUrl::Sqlite(DEFAULT_DATABASE.into()))
    }
}
