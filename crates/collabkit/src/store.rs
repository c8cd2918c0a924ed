//! Storage as the server sees it: the domain's contract ([`collabkit_domain::store`]) and the
//! backend a database URL names, picked here and nowhere else.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

pub use collabkit_domain::store::*;
pub use collabkit_store_postgres::PgOptions;
pub use collabkit_store_sqlite::{ServerLock, SqliteOptions, Synchronous};

use collabkit_domain::clock::{self, Timestamp};

/// A database URL: `sqlite://relative.db`, `sqlite:///absolute/path.db`, or
/// `postgres://user[:password]@host[:port]/database` (also `postgresql://`).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// Kept whole for the driver; shown without its password.
    Postgres(String),
}

impl DatabaseUrl {
    /// Whether several nodes may serve the database at once.
    pub fn is_shared(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
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
            s.parse::<tokio_postgres::Config>()
                .map_err(|e| format!("invalid PostgreSQL URL: {e}"))?;
            return Ok(DatabaseUrl::Postgres(s.to_owned()));
        }
        Err(
            "unsupported database URL: expected sqlite://FILE, sqlite:///ABSOLUTE/PATH \
             or postgres://USER@HOST/DATABASE"
                .into(),
        )
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`: URLs are logged and
/// printed, passwords never.
fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => match authority[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Every backend's settings; each backend reads its own.
#[derive(Debug, Clone, Default)]
pub struct StorageOptions {
    pub sqlite: SqliteOptions,
    pub postgres: PgOptions,
}

/// Opens the backend the URL names, running its migrations.
pub async fn open(url: &DatabaseUrl, options: &StorageOptions) -> anyhow::Result<SharedStore> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(
            collabkit_store_sqlite::SqliteStore::open(path, &options.sqlite).await?,
        )),
        DatabaseUrl::Postgres(raw) => Ok(Arc::new(
            collabkit_store_postgres::PgStore::open(raw, &options.postgres)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the database {url}: {e}"))?,
        )),
    }
}

/// Opens the database the URL names as it is, for commands that only read or change rows
/// (`accounts list`, `accounts rotate-key`, `nodes`): nothing is created or migrated. A
/// mistyped path, a database without our schema or with an older one is an error naming it
/// (before, such commands created and migrated an empty database wherever the URL pointed).
pub async fn open_existing(
    url: &DatabaseUrl,
    options: &StorageOptions,
) -> anyhow::Result<SharedStore> {
    let version = match url {
        DatabaseUrl::Sqlite(path) => {
            if !path.is_file() {
                anyhow::bail!(
                    "no database at {} ({url}): check --database or COLLABKIT_DATABASE \
                     (`collabkit serve` or `collabkit migrate` creates one)",
                    path.display()
                );
            }
            collabkit_store_sqlite::schema_version(path)
        }
        DatabaseUrl::Postgres(raw) => collabkit_store_postgres::schema_version(raw).await,
    }
    .map_err(|e| anyhow::anyhow!("cannot open the database {url}: {e}"))?;
    let latest = match url {
        DatabaseUrl::Sqlite(_) => collabkit_store_sqlite::SCHEMA_VERSION,
        DatabaseUrl::Postgres(_) => collabkit_store_postgres::SCHEMA_VERSION,
    };
    match version {
        None => anyhow::bail!(
            "the database {url} has no CollabKit schema: check --database or COLLABKIT_DATABASE \
             (`collabkit migrate --database {url}` creates it)"
        ),
        Some(v) if v < latest => anyhow::bail!(
            "the database {url} has schema version {v}, this collabkit needs {latest}: \
             run `collabkit migrate --database {url}` first"
        ),
        Some(_) => {}
    }
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(
            collabkit_store_sqlite::SqliteStore::open_existing(path, &options.sqlite)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the database {url}: {e}"))?,
        )),
        DatabaseUrl::Postgres(raw) => Ok(Arc::new(
            collabkit_store_postgres::PgStore::open_existing(raw, &options.postgres)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open the database {url}: {e}"))?,
        )),
    }
}

/// Applies the migrations without opening the store for service (`collabkit migrate`);
/// returns the schema versions applied.
pub async fn migrate(url: &DatabaseUrl) -> anyhow::Result<Vec<i64>> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            create_parent(path)?;
            Ok(collabkit_store_sqlite::migrate(path)?)
        }
        DatabaseUrl::Postgres(raw) => collabkit_store_postgres::migrate(raw)
            .await
            .map_err(|e| anyhow::anyhow!("cannot migrate the database {url}: {e}")),
    }
}

/// What a serving node holds for as long as it runs: on SQLite, the lock that keeps a second
/// server off the same file; nothing on a database nodes share.
pub fn lock(url: &DatabaseUrl) -> anyhow::Result<Option<ServerLock>> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            create_parent(path)?;
            Ok(Some(ServerLock::acquire(path).map_err(anyhow::Error::msg)?))
        }
        DatabaseUrl::Postgres(_) => Ok(None),
    }
}

/// The nodes whose sessions are ended are those silent since this time. On SQLite only one
/// server uses the file (see [`lock`]): every other node is an earlier run of this one, whose
/// connections died with it, so the cutoff lies in the future. On a shared database, nodes
/// silent for `node_timeout`.
pub fn gone_nodes_cutoff(
    url: &DatabaseUrl,
    now: Timestamp,
    node_timeout: std::time::Duration,
) -> Timestamp {
    match url {
        DatabaseUrl::Sqlite(_) => now + chrono::Duration::days(36_500),
        DatabaseUrl::Postgres(_) => clock::before(now, node_timeout),
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
        assert!(!"sqlite://x.db".parse::<DatabaseUrl>().unwrap().is_shared());
    }

    #[test]
    fn postgres_urls_are_shown_without_their_password() {
        let pg: DatabaseUrl = "postgres://ck:hunter2@db.internal:5432/collabkit"
            .parse()
            .unwrap();
        assert!(pg.is_shared());
        assert_eq!(
            pg.to_string(),
            "postgres://ck:***@db.internal:5432/collabkit"
        );
        assert!(!format!("{pg:?}").contains("hunter2"));
        let plain: DatabaseUrl = "postgresql://postgres@127.0.0.1/test".parse().unwrap();
        assert_eq!(plain.to_string(), "postgresql://postgres@127.0.0.1/test");
    }
}
