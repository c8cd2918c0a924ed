//! The embedded backend: one SQLite file in WAL mode.
//!
//! Writes go through a single group-committing [`writer::Writer`]; reads use a small pool of
//! read connections. Several processes may open the same file (for instance
//! `collabkit accounts create` next to a running server): SQLite's own locking and a busy
//! timeout keep them consistent.
//!
//! List cursors are `seq` values: the single writer commits in `seq` order, so no row can appear
//! behind a cursor already handed out.

mod checkpointer;
mod files;
mod migrate;
mod options;
mod people;
mod queue;
mod readers;
mod rows;
mod sessions;
mod state;
mod stats;
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
    Account, Attempt, AttemptCount, AttemptCounter, AttemptRecord, Change, ClaimedDelivery, Cursor,
    Delivery, DeliveryFilter, DeliveryQueue, Event, EventFilter, InlineLease, Maintenance, NewRoom,
    NewUser, NewWebhook, NodeRecord, Page, PageRequest, QueueStats, Room, RoomFilter, StorageStats,
    Store, StoreError, StoreResult, TokenSealer, User, UserFilter, UserPatch, UserSession, Webhook,
    WebhookFilter, WebhookHealth, WebhookPatch,
};
use collabkit_domain::wakeup::{InProcessWakeup, Wakeup};
use rusqlite::Connection;

use self::queue::Fanout;
use self::readers::Readers;
use self::rows::backend;
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

use self::people::{room_in, user_in};

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        self.readers
            .read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(backend))
            .await
    }

    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account> {
        let account = rules::new_account(name, api_key_hash, clock::now());
        let row = account.clone();
        self.writer
            .write(move |c| people::create_account(c, &row))
            .await?;
        Ok(account)
    }

    async fn get_account(&self, account_id: &str) -> StoreResult<Account> {
        let id = account_id.to_owned();
        self.readers.read(move |c| people::account(c, &id)).await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.readers.read(people::count_accounts).await
    }

    async fn list_accounts(&self, page: PageRequest) -> StoreResult<Page<Account>> {
        self.readers
            .read(move |c| people::list_accounts(c, &page))
            .await
    }

    async fn rotate_api_key(&self, account_id: &str, api_key_hash: &str) -> StoreResult<Account> {
        let (a, h) = (account_id.to_owned(), api_key_hash.to_owned());
        self.writer
            .write(move |c| people::rotate_api_key(c, &a, &h))
            .await
    }

    async fn create_room(&self, account_id: &str, new: NewRoom) -> StoreResult<Room> {
        let room = rules::new_room(account_id, new, clock::now());
        let row = room.clone();
        self.writer
            .write_or_shed(move |c| people::create_room(c, &row))
            .await?;
        Ok(room)
    }

    async fn get_room(&self, account_id: &str, room_id: &str) -> StoreResult<Room> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers.read(move |c| room_in(c, &a, &r)).await
    }

    async fn find_room_by_custom_id(&self, account_id: &str, custom_id: &str) -> StoreResult<Room> {
        let (a, cid) = (account_id.to_owned(), custom_id.to_owned());
        self.readers
            .read(move |c| people::room_by_custom_id(c, &a, &cid))
            .await
    }

    async fn list_rooms(
        &self,
        account_id: &str,
        filter: &RoomFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        let (a, f) = (account_id.to_owned(), filter.clone());
        self.readers
            .read(move |c| people::list_rooms(c, &a, &f, page))
            .await
    }

    async fn list_live_rooms(
        &self,
        account_id: &str,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        let a = account_id.to_owned();
        self.readers
            .read(move |c| people::list_live_rooms(c, &a, page))
            .await
    }

    async fn rename_room(&self, account_id: &str, room_id: &str, name: &str) -> StoreResult<Room> {
        let (a, r, name) = (account_id.to_owned(), room_id.to_owned(), name.to_owned());
        self.writer
            .write_or_shed(move |c| people::rename_room(c, &a, &r, name))
            .await
    }

    async fn delete_room(
        &self,
        account_id: &str,
        room_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<Room>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            people::delete_room(c, &a, &r, inline)
        })
        .await
    }

    async fn reconcile_room(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<(Room, u64, u64)> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.writer
            .write_or_shed(move |c| people::reconcile_room(c, &a, &r))
            .await
    }

    async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let a = account_id.to_owned();
        self.write_change(true, lease, move |c, inline| {
            people::create_user(c, &a, new, inline)
        })
        .await
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.readers.read(move |c| user_in(c, &a, &u)).await
    }

    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User> {
        let (a, r, cid) = (
            account_id.to_owned(),
            room_id.to_owned(),
            custom_id.to_owned(),
        );
        self.readers
            .read(move |c| people::user_by_custom_id(c, &a, &r, &cid))
            .await
    }

    async fn find_user_by_token(&self, token: &str) -> StoreResult<User> {
        let t = token.to_owned();
        self.readers
            .read(move |c| people::user_by_token(c, &t))
            .await
    }

    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64> {
        self.writer
            .write(move |c| people::seal_legacy_tokens(c, seal.as_ref(), batch))
            .await
    }

    async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<User>> {
        let (a, f) = (account_id.to_owned(), filter.clone());
        self.readers
            .read(move |c| people::list_users(c, &a, &f, page))
            .await
    }

    async fn user_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<UserSession>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.readers
            .read(move |c| people::user_sessions(c, &a, &u, limit))
            .await
    }

    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            people::update_user(c, &a, &u, patch, inline)
        })
        .await
    }

    async fn delete_user(
        &self,
        account_id: &str,
        user_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            people::delete_user(c, &a, &u, inline)
        })
        .await
    }

    async fn list_events(
        &self,
        account_id: &str,
        filter: EventFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Event>> {
        let a = account_id.to_owned();
        self.readers
            .read(move |c| people::list_events(c, &a, filter, page))
            .await
    }

    async fn recent_events(
        &self,
        account_id: &str,
        room_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| people::recent_events(c, &a, &r, limit))
            .await
    }

    async fn room_events(
        &self,
        account_id: &str,
        room_id: &str,
        after_room_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| people::room_events(c, &a, &r, after_room_seq, limit))
            .await
    }

    async fn event_log_end(&self, account_id: &str) -> StoreResult<Option<Cursor>> {
        let a = account_id.to_owned();
        self.readers
            .read(move |c| {
                c.prepare_cached("SELECT MAX(seq) FROM events WHERE account_id = ?1")
                    .and_then(|mut s| s.query_row([&a], |r| r.get::<_, Option<i64>>(0)))
                    .map(|seq| seq.map(Cursor::from_seq))
                    .map_err(backend)
            })
            .await
    }

    async fn join_session(
        &self,
        account_id: &str,
        room_id: &str,
        user_id: &str,
        node: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<()>> {
        let (a, r, u, n) = (
            account_id.to_owned(),
            room_id.to_owned(),
            user_id.to_owned(),
            node.to_owned(),
        );
        self.write_change(false, lease, move |c, inline| {
            let room = room_in(c, &a, &r)?;
            let user = user_in(c, &a, &u)?;
            let (events, fanout) = sessions::join(c, &room, &user, &n, inline)?;
            Ok((
                Change {
                    events,
                    ..Change::quiet(())
                },
                fanout,
            ))
        })
        .await
    }

    async fn leave_session(
        &self,
        account_id: &str,
        room_id: &str,
        user_id: &str,
        node: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<()>> {
        let (a, r, u, n) = (
            account_id.to_owned(),
            room_id.to_owned(),
            user_id.to_owned(),
            node.to_owned(),
        );
        self.write_change(false, lease, move |c, inline| {
            let room = room_in(c, &a, &r)?;
            let user = user_in(c, &a, &u).ok();
            let (events, fanout, _) =
                sessions::leave(c, &room, &u, Some(&n), user.as_ref(), inline)?;
            Ok((
                Change {
                    events,
                    ..Change::quiet(())
                },
                fanout,
            ))
        })
        .await
    }

    async fn node_heartbeat(&self, node: &str, now: Timestamp) -> StoreResult<()> {
        let n = node.to_owned();
        self.writer
            .write(move |c| sessions::heartbeat(c, &n, now))
            .await
    }

    async fn node_stopped(&self, node: &str) -> StoreResult<()> {
        let n = node.to_owned();
        self.writer
            .write(move |c| sessions::forget_node(c, &n))
            .await
    }

    async fn nodes(&self) -> StoreResult<Vec<NodeRecord>> {
        self.readers.read(sessions::nodes).await
    }

    async fn session_participants(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<Vec<collabkit_webhooks::WebhookUser>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| {
                let room = room_in(c, &a, &r)?;
                sessions::participants(c, &room.id)
            })
            .await
    }

    async fn close_sessions_of_gone_nodes(
        &self,
        me: &str,
        silent_since: Timestamp,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<usize>> {
        let me = me.to_owned();
        self.write_change(false, lease, move |c, inline| {
            let (events, fanout, closed) =
                sessions::close_of_gone_nodes(c, &me, silent_since, inline)?;
            Ok((
                Change {
                    events,
                    ..Change::quiet(closed)
                },
                fanout,
            ))
        })
        .await
    }

    async fn create_webhook(&self, account_id: &str, new: NewWebhook) -> StoreResult<Webhook> {
        let a = account_id.to_owned();
        self.writer
            .write_or_shed(move |c| webhooks::create(c, &a, new))
            .await
    }

    async fn get_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<Webhook> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        self.readers
            .read(move |c| webhooks::webhook_in(c, &a, &w))
            .await
    }

    async fn list_webhooks(
        &self,
        account_id: &str,
        filter: &WebhookFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>> {
        let (a, f) = (account_id.to_owned(), filter.clone());
        self.readers
            .read(move |c| webhooks::list(c, &a, &f, page))
            .await
    }

    async fn count_webhooks(&self, account_id: &str) -> StoreResult<u64> {
        let a = account_id.to_owned();
        self.readers.read(move |c| webhooks::count(c, &a)).await
    }

    async fn update_webhook(
        &self,
        account_id: &str,
        webhook_id: &str,
        patch: WebhookPatch,
    ) -> StoreResult<Webhook> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        self.writer
            .write_or_shed(move |c| webhooks::update(c, &a, &w, patch))
            .await
    }

    async fn rotate_webhook_secret(
        &self,
        account_id: &str,
        webhook_id: &str,
        secret_sealed: &str,
        previous_until: Timestamp,
    ) -> StoreResult<Webhook> {
        let (a, w, s) = (
            account_id.to_owned(),
            webhook_id.to_owned(),
            secret_sealed.to_owned(),
        );
        self.writer
            .write_or_shed(move |c| webhooks::rotate(c, &a, &w, &s, previous_until))
            .await
    }

    async fn delete_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<()> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        self.writer
            .write_or_shed(move |c| webhooks::delete(c, &a, &w))
            .await
    }

    async fn list_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        filter: DeliveryFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Delivery>> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        self.readers
            .read(move |c| webhooks::list_deliveries(c, &a, &w, filter, page))
            .await
    }

    async fn get_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery> {
        let (a, w, d) = (
            account_id.to_owned(),
            webhook_id.to_owned(),
            delivery_id.to_owned(),
        );
        self.readers
            .read(move |c| webhooks::delivery_in(c, &a, &w, &d))
            .await
    }

    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Vec<Attempt>> {
        let (a, w, d) = (
            account_id.to_owned(),
            webhook_id.to_owned(),
            delivery_id.to_owned(),
        );
        self.readers
            .read(move |c| webhooks::list_attempts(c, &a, &w, &d))
            .await
    }

    async fn retry_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery> {
        let (a, w, d) = (
            account_id.to_owned(),
            webhook_id.to_owned(),
            delivery_id.to_owned(),
        );
        let delivery = self
            .writer
            .write_or_shed(move |c| webhooks::retry(c, &a, &w, &d))
            .await?;
        self.wakeup.ring();
        Ok(delivery)
    }

    async fn recover_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        since: Timestamp,
    ) -> StoreResult<u64> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        let n = self
            .writer
            .write_or_shed(move |c| webhooks::recover(c, &a, &w, since))
            .await?;
        if rules::wakes_after_requeue(n) {
            self.wakeup.ring();
        }
        Ok(n)
    }

    async fn attempt_counts(
        &self,
        account_id: &str,
        webhook_id: Option<&str>,
        since: Timestamp,
    ) -> StoreResult<Vec<AttemptCount>> {
        let (a, w) = (account_id.to_owned(), webhook_id.map(str::to_owned));
        self.readers
            .read(move |c| stats::attempt_counts(c, &a, w.as_deref(), since))
            .await
    }

    async fn webhook_health(
        &self,
        account_id: &str,
        webhook_id: Option<&str>,
        since: Timestamp,
        page: PageRequest,
    ) -> StoreResult<Page<WebhookHealth>> {
        let (a, w) = (account_id.to_owned(), webhook_id.map(str::to_owned));
        self.readers
            .read(move |c| stats::webhook_health(c, &a, w.as_deref(), since, page))
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
        let disabled = self
            .writer
            .write(move |c| queue::record_attempts(c, &records))
            .await?;
        if retry {
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
    use rusqlite::Connection;

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
