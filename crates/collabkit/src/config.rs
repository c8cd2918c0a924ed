//! Typed configuration, independent of how it was given (flags, env vars or tests).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::api::serve::ConnectionLimits;
use crate::delivery::DeliveryConfig;
use crate::realtime::RealtimeConfig;
use crate::store::StoreTuning;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP API listens.
    pub listen: SocketAddr,
    /// Which database to use.
    pub database: DatabaseUrl,
    /// Backend knobs.
    pub store: StoreTuning,
    /// Largest accepted request body.
    pub body_limit: usize,
    /// How long shutdown waits for in-flight requests and background work.
    pub shutdown_timeout: Duration,
    /// The key that seals webhook secrets (base64 of 32 bytes); `None` uses a key file beside
    /// the SQLite database, created on first start.
    pub secret_key: Option<String>,
    /// The webhook engine's knobs.
    pub delivery: DeliveryConfig,
    /// The realtime hub's knobs.
    pub realtime: RealtimeConfig,
    /// Connection limits of the HTTP server.
    pub http: ConnectionLimits,
}

impl Config {
    /// Defaults for everything but the database.
    pub fn new(database: DatabaseUrl) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database,
            store: StoreTuning::default(),
            body_limit: 1024 * 1024,
            shutdown_timeout: Duration::from_secs(10),
            secret_key: None,
            delivery: DeliveryConfig::default(),
            realtime: RealtimeConfig::default(),
            http: ConnectionLimits::default(),
        }
    }
}

/// A database URL: `sqlite://relative.db`, `sqlite:///absolute/path.db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() || path == "/" {
                return Err("a sqlite:// URL needs a file path, e.g. sqlite://collabkit.db".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Err("PostgreSQL is not supported by this build yet; use sqlite://FILE".into());
        }
        Err(format!(
            "unsupported database URL `{s}`: expected sqlite://FILE or sqlite:///ABSOLUTE/PATH"
        ))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

/// Parses durations written `500ms`, `5s`, `5m`, `2h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration `{s}` ({e}); write e.g. 500ms, 5s, 5m or 2h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_database_urls() {
        assert_eq!(
            "sqlite://collabkit.db".parse(),
            Ok(DatabaseUrl::Sqlite("collabkit.db".into()))
        );
        assert_eq!(
            "sqlite:///var/lib/ck.db".parse(),
            Ok(DatabaseUrl::Sqlite("/var/lib/ck.db".into()))
        );
        assert!("mysql://x".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("soon").is_err());
    }
}
