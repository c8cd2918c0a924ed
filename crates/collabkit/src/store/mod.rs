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

pub use error::{StoreError, StoreResult};
pub use model::*;

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
}

impl Default for StoreTuning {
    fn default() -> Self {
        StoreTuning {
            sqlite_synchronous: SqliteSynchronous::Full,
            read_connections: 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSynchronous {
    Full,
    Normal,
}
