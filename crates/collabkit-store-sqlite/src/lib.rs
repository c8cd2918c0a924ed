//! The embedded backend: one SQLite file in WAL mode.
//!
//! Writes go through a single group-committing [`writer::Writer`]; reads use a small pool of
//! read connections. Several processes may open the same file (for instance
//! `collabkit accounts create` next to a running server): SQLite's own locking and a busy
//! timeout keep them consistent.
//!
//! List cursors are `seq` values: the single writer commits in `seq` order, so no row can appear
//! behind a cursor already handed out.

mod accounts;
mod alerts;
mod checkpointer;
mod delivery_log;
mod errors;
mod event_log;
mod files;
mod follows;
mod idempotency;
mod migrate;
mod options;
mod ordering;
mod pace;
#[cfg(test)]
mod query_plans;
mod queue;
mod readers;
mod rooms;
mod rows;
mod sessions;
mod state;
mod stats;
mod stores;
mod users;
mod wal;
mod webhooks;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{
    Attempt, AttemptCounter, AttemptRecord, Change, ClaimedDelivery, Delivery, DeliveryFilter,
    DeliveryQueue, InlineLease, Maintenance, NewRoom, Page, PageRequest, QueueStats, Replayed,
    StorageStats, Store, StoreError, StoreResult, TokenSealer,
};
use collabkit_domain::wakeup::{InProcessWakeup, Wakeup};
use rusqlite::Connection;

use self::errors::backend;
use self::queue::Fanout;
use self::readers::Readers;
use self::writer::Writer;

pub use self::files::ServerLock;
pub use self::options::{SqliteOptions, Synchronous};

/// Applies the migrations to the database at `path` (creating it), for `collabkit migrate`;
/// returns the versions applied.
pub fn migrate(path: &Path) -> StoreResult<Vec<i64>> {
    files::create_owner_only(path)
        .map_err(|e| StoreError::backend(format!("cannot create {}: {e}", path.display())))?;
    let mut conn = connect(path, &SqliteOptions::default())?;
    migrate::migrate(&mut conn)
}

/// The schema version of the existing database at `path` (`None`: it has no schema), read
/// without creating the file or changing anything in it.
pub fn schema_version(path: &Path) -> StoreResult<Option<i64>> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| {
            StoreError::backend(format!(
                "cannot open SQLite database {}: {e}",
                path.display()
            ))
        })?;
    migrate::current_version(&conn)
}

/// The schema version this build migrates databases to.
pub const SCHEMA_VERSION: i64 = migrate::LATEST;

pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    /// Rung after a commit that made deliveries due to a claim.
    wakeup: Arc<InProcessWakeup>,
    /// Checkpoints the WAL in the background while the store lives.
    _checkpointer: checkpointer::Checkpointer,
    /// The WAL's size and checkpoint outcomes.
    wal: Arc<wal::Wal>,
    relay: Arc<collabkit_domain::relay::LocalRelay>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path, tuning: &SqliteOptions) -> StoreResult<SqliteStore> {
        Self::spawn_open(path, tuning, true).await
    }

    /// Opens the database file as it is: creates no file and applies no migration (for
    /// commands that must not, such as listing accounts; the caller checks
    /// [`schema_version`] first). A missing file is `NotFound("database")`.
    pub async fn open_existing(path: &Path, tuning: &SqliteOptions) -> StoreResult<SqliteStore> {
        Self::spawn_open(path, tuning, false).await
    }

    async fn spawn_open(
        path: &Path,
        tuning: &SqliteOptions,
        create: bool,
    ) -> StoreResult<SqliteStore> {
        let path = path.to_path_buf();
        let tuning = tuning.clone();
        tokio::task::spawn_blocking(move || Self::open_blocking(path, &tuning, create))
            .await
            .map_err(|e| StoreError::backend(e.to_string()))?
    }

    fn open_blocking(
        path: PathBuf,
        tuning: &SqliteOptions,
        create: bool,
    ) -> StoreResult<SqliteStore> {
        if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::backend(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            files::create_owner_only(&path).map_err(|e| {
                StoreError::backend(format!("cannot create {}: {e}", path.display()))
            })?;
        } else if !path.is_file() {
            return Err(StoreError::NotFound("database"));
        }
        let mut write_conn = connect(&path, tuning)?;
        if create {
            migrate::migrate(&mut write_conn)?;
        }
        let readers = (0..tuning.read_connections.max(1))
            .map(|_| connect(&path, tuning))
            .collect::<StoreResult<Vec<_>>>()?;
        write_conn
            .execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(backend)?;
        let gate = Arc::new(wal::ReadGate::default());
        let wal = Arc::new(wal::Wal::new(&path, tuning.wal_limit, gate.clone()));
        let mut writer_wal = wal::WriterWal::new(wal.clone());
        // A log left by an earlier run (or grown by the migrations) is given back now.
        writer_wal.force(&write_conn);
        let checkpointer = checkpointer::Checkpointer::spawn(connect(&path, tuning)?, wal.clone())
            .map_err(|e| StoreError::backend(e.to_string()))?;
        let writer = Writer::spawn(write_conn, writer_wal, tuning.max_write_wait)
            .map_err(|e| StoreError::backend(e.to_string()))?;
        Ok(SqliteStore {
            writer,
            readers: Readers::new(readers, gate),
            _checkpointer: checkpointer,
            wal,
            wakeup: Arc::default(),
            relay: Arc::default(),
        })
    }

    /// Runs a change that may store events, giving their deliveries `lease` when there is one
    /// (they come back in [`Change::leased`]); deliveries left to a claim ring the wake-up.
    async fn write_change<T, F>(
        &self,
        sheddable: bool,
        lease: Option<InlineLease>,
        work: F,
    ) -> StoreResult<Change<T>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, Option<InlineLease>) -> StoreResult<(Change<T>, Fanout)>
            + Send
            + 'static,
    {
        let job = move |c: &Connection| work(c, lease);
        let (mut change, fanout) = if sheddable {
            self.writer.write_or_shed(job).await?
        } else {
            self.writer.write(job).await?
        };
        if rules::wakes_after_change(&fanout) {
            self.wakeup.ring();
        }
        change.leased = fanout.leased;
        Ok(change)
    }
}

fn connect(path: &Path, tuning: &SqliteOptions) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(|e| {
        StoreError::backend(format!(
            "cannot open SQLite database {}: {e}",
            path.display()
        ))
    })?;
    // Whenever SQLite itself restarts the log, it cuts the file back to the limit too.
    let limit = tuning.wal_limit;
    // SQLite's default page cache is 2 MiB a connection: too small for the paths a large
    // database's writes and lookups walk (p99 latency was 1.2-1.4x of an empty database's).
    let cache_kib = tuning.cache_mib * 1024;
    let synchronous = tuning.synchronous.as_pragma();
    conn.busy_timeout(wal::BUSY_TIMEOUT).map_err(backend)?;
    // Every statement we run is cached (rusqlite keeps 16 by default, fewer than the writer's
    // hot path and the delivery log's query variants).
    conn.set_prepared_statement_cache_capacity(128);
    // Plans never depend on bound values: otherwise SQLite recompiles a cached statement
    // whenever a bound LIMIT changes (every claim did, since its size follows the free slots).
    // Our queries name partial-index conditions with literals, so no plan needs the values.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(backend)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {synchronous};
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = {limit};
         PRAGMA cache_size = -{cache_kib};"
    ))
    .map_err(backend)?;
    Ok(conn)
}

use self::state::{room_in, user_in};

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(backend))
            .await
    }
}

#[async_trait]
impl DeliveryQueue for SqliteStore {
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_for: Duration,
        limit: u32,
        per_webhook: u32,
        exclude: Vec<String>,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.writer
            .write(move |c| queue::claim_due(c, now, lease_for, limit, per_webhook, &exclude))
            .await
    }

    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> StoreResult<Vec<String>> {
        let retry = rules::wakes_after_record(&records);
        let (disabled, handed_over) = self
            .writer
            .write(move |c| queue::record_attempts(c, &records))
            .await?;
        if retry || handed_over {
            // The dispatcher may be asleep until a later due time than this retry's.
            self.wakeup.ring();
        }
        Ok(disabled)
    }

    async fn release_leases(&self, leases: Vec<(String, i64)>) -> StoreResult<u64> {
        if leases.is_empty() {
            return Ok(0);
        }
        let now = clock::now();
        let n = self
            .writer
            .write(move |c| queue::release_leases(c, &leases, now))
            .await?;
        if rules::wakes_after_requeue(n) {
            self.wakeup.ring();
        }
        Ok(n)
    }

    async fn next_due_at(&self) -> StoreResult<Option<Timestamp>> {
        self.readers.read(queue::next_due_at).await
    }

    async fn queue_stats(&self, now: Timestamp) -> StoreResult<QueueStats> {
        self.readers.read(move |c| queue::queue_stats(c, now)).await
    }

    async fn prune(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
        self.writer
            .write(move |c| queue::prune(c, before, batch))
            .await
    }

    async fn add_attempt_counters(&self, counters: Vec<AttemptCounter>) -> StoreResult<()> {
        if counters.is_empty() {
            return Ok(());
        }
        self.writer
            .write(move |c| stats::add_counters(c, counters))
            .await
    }

    fn wakeup(&self) -> Arc<dyn Wakeup> {
        self.wakeup.clone()
    }
}

#[async_trait]
impl Maintenance for SqliteStore {
    fn storage_stats(&self) -> StorageStats {
        StorageStats {
            database_bytes: self.wal.database_bytes(),
            wal_bytes: self.wal.bytes(),
            wal_peak_bytes: self.wal.peak(),
            wal_limit_bytes: self.wal.limit(),
            checkpoints: self.wal.counts(),
        }
    }

    /// One server per file: nobody else to tell.
    fn relay(&self) -> Arc<dyn collabkit_domain::relay::Relay> {
        self.relay.clone()
    }

    async fn flush(&self) -> StoreResult<()> {
        self.writer.reset_wal().await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use collabkit_domain::store::{NewRoom, NewUser, Room, User, prelude::*};
    use rusqlite::Connection;

    /// A store on `path` with an account and a room of it.
    pub async fn store_with_room(path: &std::path::Path) -> (super::SqliteStore, String, Room) {
        let store = super::SqliteStore::open(path, &super::SqliteOptions::default())
            .await
            .unwrap();
        let account = collabkit_domain::accounts::create(&store, "a")
            .await
            .unwrap()
            .account
            .id;
        let new = NewRoom {
            custom_id: None,
            name: "R".into(),
        };
        let room = store.create_room(&account, new).await.unwrap();
        (store, account, room)
    }

    /// A new user named `name` in `room`.
    pub async fn new_user(store: &super::SqliteStore, room: &Room, name: &str) -> User {
        let token = collabkit_domain::accounts::new_user_token();
        let new = NewUser {
            room_id: room.id.clone(),
            custom_id: None,
            name: name.into(),
            profile_picture: None,
            token_sealed: format!("sealed:{token}"),
            token,
        };
        store
            .create_user(&room.account_id, new, None)
            .await
            .unwrap()
            .value
    }

    /// The lines of `EXPLAIN QUERY PLAN` for `sql` on a fresh, fully migrated database, with
    /// `params` placeholders bound to text (plans do not depend on values: QPSG).
    pub fn query_plan(sql: &str, params: usize) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("plan.db")).unwrap();
        super::migrate::migrate(&mut conn).unwrap();
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .unwrap();
        let values: Vec<String> = (0..params).map(|i| format!("v{i}")).collect();
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(rusqlite::params_from_iter(values.iter()), |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}
