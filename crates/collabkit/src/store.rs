//! Storage as the server sees it: the domain's contract ([`collabkit_domain::store`]) and the
//! backend a database URL names, picked here and nowhere else.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

pub use collabkit_domain::store::*;
pub use collabkit_store_sqlite::{ServerLock, SqliteOptions, Synchronous};

use collabkit_domain::clock::Timestamp;

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

/// Every backend's settings; each backend reads its own.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    pub sqlite: SqliteOptions,
}

/// Opens the backend the URL names, running its migrations.
pub async fn open(url: &DatabaseUrl, options: &StorageOptions) -> anyhow::Result<SharedStore> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(
            collabkit_store_sqlite::SqliteStore::open(path, &options.sqlite).await?,
        )),
    }
}

/// Applies the migrations without opening the store for service (`collabkit migrate`).
pub fn migrate(url: &DatabaseUrl) -> anyhow::Result<()> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            create_parent(path)?;
            Ok(collabkit_store_sqlite::migrate(path)?)
        }
    }
}

/// What a serving node holds for as long as it runs: on SQLite, the lock that keeps a second
/// server off the same file.
pub fn lock(url: &DatabaseUrl) -> anyhow::Result<Option<ServerLock>> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            create_parent(path)?;
            Ok(Some(ServerLock::acquire(path).map_err(anyhow::Error::msg)?))
        }
    }
}

/// At start, the nodes whose sessions are ended are those silent since this time. On SQLite
/// only one server uses the file (see [`lock`]): every other node is an earlier run of this
/// one, whose connections died with it, so the cutoff lies in the future.
pub fn gone_nodes_cutoff(url: &DatabaseUrl, now: Timestamp) -> Timestamp {
    match url {
        DatabaseUrl::Sqlite(_) => now + chrono::Duration::days(36_500),
    }
}

fn create_parent(path: &std::path::Path) -> std::io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    }
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
}
