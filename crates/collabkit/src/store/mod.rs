//! Storage behind one narrow trait.
//!
//! Every method is a verb of the product ("create a user"), not a query: each backend runs a verb
//! in one transaction, so a change and the events it causes are committed together or not at all.
//! Every account-scoped method takes the account id first, and a thing of another account is
//! simply `NotFound`: tenant isolation is in the signature, not in each caller's memory.
//!
//! Backends: [`sqlite`] (embedded, the default). [`conformance`] is the test suite every backend
//! must pass.

pub mod conformance;
mod error;
mod model;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::clock::Timestamp;

pub use error::{StoreError, StoreResult};
pub use model::*;

/// Seals a user token with the server key (see [`Store::seal_legacy_tokens`]).
pub type TokenSealer = Arc<dyn Fn(&str) -> String + Send + Sync + 'static>;

/// The store the rest of the server talks to.
pub type SharedStore = Arc<dyn Store>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Fails when the storage is unreachable (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    // Accounts.
    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account>;
    async fn get_account(&self, account_id: &str) -> StoreResult<Account>;
    async fn count_accounts(&self) -> StoreResult<u64>;

    // Rooms.
    async fn create_room(&self, account_id: &str, new: NewRoom) -> StoreResult<Room>;
    async fn get_room(&self, account_id: &str, room_id: &str) -> StoreResult<Room>;
    async fn find_room_by_custom_id(&self, account_id: &str, custom_id: &str) -> StoreResult<Room>;
    async fn list_rooms(&self, account_id: &str, page: PageRequest) -> StoreResult<Page<Room>>;
    async fn rename_room(&self, account_id: &str, room_id: &str, name: &str) -> StoreResult<Room>;
    /// Deletes the room and its users, storing a `user.deleted` event for each user.
    async fn delete_room(&self, account_id: &str, room_id: &str) -> StoreResult<Change<Room>>;

    // Users. Each change stores its event in the same transaction.
    async fn create_user(&self, account_id: &str, new: NewUser) -> StoreResult<Change<User>>;
    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User>;
    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User>;
    /// The user a realtime token belongs to, in any account.
    async fn find_user_by_token(&self, token: &str) -> StoreResult<User>;
    /// Users stored before tokens were sealed keep them in clear (and cannot connect): this
    /// converts up to `batch` of them with `seal`, returning how many. Run at start until 0.
    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64>;
    async fn list_users(
        &self,
        account_id: &str,
        room_id: &str,
        page: PageRequest,
    ) -> StoreResult<Page<User>>;
    /// Applies the patch; stores `user.updated` only when something actually changed.
    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
    ) -> StoreResult<Change<User>>;
    async fn delete_user(&self, account_id: &str, user_id: &str) -> StoreResult<Change<User>>;

    // The event log (outbox).
    async fn list_events(
        &self,
        account_id: &str,
        filter: EventFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Event>>;

    // Live sessions. Each verb stores its events in the same transaction.
    /// The user joins the room's live session, starting one if none is open: stores
    /// `session.started` (when it starts one) and `participant.joined`. Joining twice is a
    /// no-op. `NotFound` unless the user belongs to the room.
    async fn join_session(
        &self,
        account_id: &str,
        room_id: &str,
        user_id: &str,
    ) -> StoreResult<Change<()>>;
    /// The user leaves: stores `participant.left` and, when they were the last one,
    /// `session.closed` with everyone who joined during the session. A no-op for a user who is
    /// not a participant.
    async fn leave_session(
        &self,
        account_id: &str,
        room_id: &str,
        user_id: &str,
    ) -> StoreResult<Change<()>>;
    /// Closes every open session (their participants leave), as after a restart when no
    /// connection survived. Returns how many sessions were closed.
    async fn close_open_sessions(&self) -> StoreResult<Change<usize>>;

    // Webhook registrations. A registration scoped to a room that is not the account's is
    // `NotFound("room")`.
    async fn create_webhook(&self, account_id: &str, new: NewWebhook) -> StoreResult<Webhook>;
    async fn get_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<Webhook>;
    async fn list_webhooks(
        &self,
        account_id: &str,
        room_id: Option<&str>,
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>>;
    /// Applies the patch. Disabling a registration fails its pending deliveries (they can be
    /// recovered once it is enabled again).
    async fn update_webhook(
        &self,
        account_id: &str,
        webhook_id: &str,
        patch: WebhookPatch,
    ) -> StoreResult<Webhook>;
    /// Replaces the secret; the old one keeps signing until `previous_until`.
    async fn rotate_webhook_secret(
        &self,
        account_id: &str,
        webhook_id: &str,
        secret_sealed: &str,
        previous_until: Timestamp,
    ) -> StoreResult<Webhook>;
    /// Deletes the registration with its delivery log.
    async fn delete_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<()>;

    // The delivery log.
    /// Deliveries of a registration, newest first.
    async fn list_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        filter: DeliveryFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Delivery>>;
    async fn get_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery>;
    /// Attempts of a delivery, oldest first.
    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Vec<Attempt>>;
    /// Makes a delivery pending and due now, whatever its status, with a fresh retry schedule.
    async fn retry_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery>;
    /// Retries every delivery of the registration that ended `failed` at or after `since`;
    /// returns how many.
    async fn recover_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        since: Timestamp,
    ) -> StoreResult<u64>;

    // The dispatcher's side of the queue.
    /// Leases up to `limit` due deliveries until `now + lease_for`, at most `per_webhook` of any
    /// one registration and none of the `exclude`d registrations, oldest due first.
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_for: std::time::Duration,
        limit: u32,
        per_webhook: u32,
        exclude: Vec<String>,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Logs attempts and moves their deliveries (and, on 410 or long failure, their
    /// registrations) to the next state, all in one transaction.
    /// Returns the registrations the batch disabled (a 410, or failing for too long), so the
    /// dispatcher can say so.
    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> StoreResult<Vec<String>>;
    /// Gives back leases (delivery id, lease token) that this process holds but will not finish
    /// (a graceful stop): those deliveries are due now, for another node or the next start,
    /// instead of when their lease runs out. A lease taken over meanwhile is left alone.
    /// Returns how many were given back.
    async fn release_leases(&self, leases: Vec<(String, i64)>) -> StoreResult<u64>;
    /// When the next pending delivery becomes due (possibly in the past).
    async fn next_due_at(&self) -> StoreResult<Option<Timestamp>>;
    async fn queue_stats(&self, now: Timestamp) -> StoreResult<QueueStats>;
    /// Deletes up to `batch` finished deliveries (with their attempts) created before `before`,
    /// and events older than that with no delivery left; returns how many deliveries went.
    async fn prune(&self, before: Timestamp, batch: u32) -> StoreResult<u64>;
    /// Size on disk and maintenance outcomes; cheap (no query), read on each metrics scrape.
    fn storage_stats(&self) -> StorageStats;
    /// Finishes maintenance before the process exits: on SQLite, copies the write-ahead log
    /// into the database and truncates it, so a stopped server leaves no large log behind.
    async fn flush(&self) -> StoreResult<()>;
    /// Notified after a commit that made a delivery due (new events, retries, recoveries):
    /// the dispatcher waits on it instead of polling.
    fn delivery_signal(&self) -> Arc<tokio::sync::Notify>;
    /// From now on, deliveries of new events are leased to this process as they are stored
    /// and handed over after the commit (while the hand-off backlog has room), sparing them
    /// a claim. Without a hand-off they wait in the queue for a claim.
    fn set_handoff(&self, handoff: Handoff);
}

/// The fast path from a commit to the local dispatcher (see [`Store::set_handoff`]).
#[derive(Clone)]
pub struct Handoff {
    /// How long an inline lease lasts.
    pub lease_for: std::time::Duration,
    pub deliveries: tokio::sync::mpsc::UnboundedSender<Vec<ClaimedDelivery>>,
    /// Handed-over deliveries not yet started; above `max_backlog`, new deliveries are left
    /// to the claim path instead, which bounds memory when receivers are slow.
    pub backlog: Arc<std::sync::atomic::AtomicUsize>,
    pub max_backlog: usize,
}

/// A lease given to deliveries as they are written.
#[derive(Debug, Clone, Copy)]
pub struct InlineLease {
    pub until: Timestamp,
    pub token: i64,
}

/// Opens the backend a database URL names, running its migrations.
pub async fn open(
    url: &crate::config::DatabaseUrl,
    tuning: &StoreTuning,
) -> anyhow::Result<SharedStore> {
    match url {
        crate::config::DatabaseUrl::Sqlite(path) => {
            Ok(Arc::new(sqlite::SqliteStore::open(path, tuning).await?))
        }
    }
}

/// Backend knobs that trade durability or memory for speed.
#[derive(Debug, Clone)]
pub struct StoreTuning {
    /// SQLite `synchronous` setting: `FULL` survives power loss, `NORMAL` (WAL) survives a
    /// process crash but may lose the last commits on power loss.
    pub sqlite_synchronous: SqliteSynchronous,
    /// Read connections kept open.
    pub read_connections: usize,
    /// SQLite: the write-ahead log is reset (copied, then truncated to zero bytes) once it
    /// passes this many bytes, so it stays near this size under any load.
    pub sqlite_wal_limit: u64,
    /// SQLite: page cache of each connection (the writer, the readers, the checkpointer), MiB.
    pub sqlite_cache_mib: u64,
    /// An API change that waited this long for the writer is refused (`Overloaded`, a 503
    /// with `Retry-After`) instead of run: under overload, answers stay prompt.
    pub max_write_wait: std::time::Duration,
}

impl Default for StoreTuning {
    fn default() -> Self {
        StoreTuning {
            sqlite_synchronous: SqliteSynchronous::Full,
            read_connections: 4,
            sqlite_wal_limit: 64 * 1024 * 1024,
            sqlite_cache_mib: 16,
            max_write_wait: std::time::Duration::from_millis(500),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSynchronous {
    Full,
    Normal,
}
