//! Flags the commands share: the database and the storage's tuning. (The other settings are
//! declared on their configuration types, see [`crate::config`].)

use std::time::Duration;

use clap::Args;

use crate::config::Config;
use crate::duration;
use crate::store::{DatabaseUrl, PgOptions, SqliteOptions, StorageOptions, Synchronous};

/// The database a command works on; every command takes it.
#[derive(Args, Debug)]
pub(super) struct DbArgs {
    /// Database URL: sqlite://FILE (relative), sqlite:///ABSOLUTE/PATH, or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE for several nodes on one PostgreSQL.
    #[arg(
        long,
        env = "COLLABKIT_DATABASE",
        default_value_t = Config::defaults().database
    )]
    pub(super) database: DatabaseUrl,
}

/// The storage's tuning, which only a serving node uses (the one-shot commands run on the
/// defaults, and their `--help` does not list these).
#[derive(Args, Debug)]
pub(super) struct StorageArgs {
    /// SQLite durability: `full` survives power loss; `normal` (WAL) survives a process crash.
    #[arg(
        long,
        env = "COLLABKIT_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value_t = StorageOptions::default().sqlite.synchronous.into()
    )]
    sqlite_synchronous: SyncMode,
    /// SQLite: reset the write-ahead log (`<database>-wal`) once it passes this many MiB; it
    /// stays near this size under any load and is given back when the server is idle.
    #[arg(long, env = "COLLABKIT_SQLITE_WAL_LIMIT_MIB", default_value_t = StorageOptions::default().sqlite.wal_limit / (1024 * 1024), value_parser = clap::value_parser!(u64).range(1..))]
    sqlite_wal_limit_mib: u64,
    /// SQLite: page cache of each of its connections (one writer, four readers, one
    /// checkpointer), in MiB.
    #[arg(long, env = "COLLABKIT_SQLITE_CACHE_MIB", default_value_t = StorageOptions::default().sqlite.cache_mib, value_parser = clap::value_parser!(u64).range(1..))]
    sqlite_cache_mib: u64,
    /// An API change that waited this long for the storage is refused with 503 and
    /// `Retry-After` (nothing changed) instead of queueing: answers stay prompt under overload.
    #[arg(long, env = "COLLABKIT_MAX_WRITE_WAIT", default_value = duration::shown!(StorageOptions::default().sqlite.max_write_wait), value_parser = duration::parse)]
    max_write_wait: Duration,
    /// PostgreSQL: connections this node keeps open (one more LISTENs for wake-ups).
    #[arg(long, env = "COLLABKIT_PG_POOL_SIZE", default_value_t = StorageOptions::default().postgres.pool_size, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pg_pool_size: usize,
    /// PostgreSQL: the most a request waits for the database (a free connection, a new one, its
    /// statements) before it is answered 503 with `Retry-After`; also each statement's limit on
    /// the server. A connection silent for twice this is closed and replaced.
    #[arg(long, env = "COLLABKIT_PG_TIMEOUT", default_value = duration::shown!(StorageOptions::default().postgres.timeout), value_parser = parse_positive_duration)]
    pg_timeout: Duration,
}

/// A duration flag that must not be zero (a zero timeout would fail every call).
fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    let d = duration::parse(s)?;
    if d.is_zero() {
        return Err("must be longer than zero, e.g. 5s".into());
    }
    Ok(d)
}

/// SQLite's `synchronous` setting as a flag value.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SyncMode {
    Full,
    Normal,
}

impl From<Synchronous> for SyncMode {
    fn from(mode: Synchronous) -> SyncMode {
        match mode {
            Synchronous::Full => SyncMode::Full,
            Synchronous::Normal => SyncMode::Normal,
        }
    }
}

impl From<SyncMode> for Synchronous {
    fn from(mode: SyncMode) -> Synchronous {
        match mode {
            SyncMode::Full => Synchronous::Full,
            SyncMode::Normal => Synchronous::Normal,
        }
    }
}

impl StorageArgs {
    pub(super) fn options(&self) -> StorageOptions {
        StorageOptions {
            postgres: PgOptions {
                pool_size: self.pg_pool_size,
                timeout: self.pg_timeout,
            },
            sqlite: SqliteOptions {
                synchronous: self.sqlite_synchronous.into(),
                wal_limit: self.sqlite_wal_limit_mib * 1024 * 1024,
                cache_mib: self.sqlite_cache_mib,
                max_write_wait: self.max_write_wait,
                ..SqliteOptions::default()
            },
        }
    }
}
