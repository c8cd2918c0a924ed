//! The SQLite backend's settings (the server maps its flags onto them).

use std::time::Duration;

/// Knobs that trade durability or memory for speed. The defaults are the server's defaults.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// `FULL` survives power loss; `NORMAL` (WAL) survives a process crash but may lose the
    /// last commits on power loss.
    pub synchronous: Synchronous,
    /// Read connections kept open.
    pub read_connections: usize,
    /// The write-ahead log is reset (copied, then truncated to zero bytes) once it passes this
    /// many bytes, so it stays near this size under any load.
    pub wal_limit: u64,
    /// Page cache of each connection (the writer, the readers, the checkpointer), MiB.
    pub cache_mib: u64,
    /// An API change that waited this long for the writer is refused (`Overloaded`, a 503
    /// with `Retry-After`) instead of run: under overload, answers stay prompt.
    pub max_write_wait: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Full,
            read_connections: 4,
            wal_limit: 64 * 1024 * 1024,
            cache_mib: 16,
            max_write_wait: Duration::from_millis(500),
        }
    }
}

/// SQLite's `synchronous` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    Full,
    Normal,
}

impl Synchronous {
    pub fn as_pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}
