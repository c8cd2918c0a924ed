//! A room's stores on PostgreSQL (`room_stores`, `store_entries`): a batch of writes in one
//! transaction of two round trips ([`write`]), and reads that each answer from one statement,
//! so one snapshot ([`read`]).
//!
//! The writes of a room's stores take turns on the room's store lock ([`ROOM_LOCK`]): the
//! versions a batch hands out are the next ones, and the room-wide bounds (stores, bytes) hold
//! across nodes. Deleting the room takes the same lock before it deletes the rows
//! ([`delete_room_stores`]).

mod read;
mod write;

use async_trait::async_trait;
use collabkit_domain::store::{
    Page, PageRequest, RoomStores, StoreChange, StoreEntry, StoreError, StoreLimits, StoreMeta,
    StoreOp, StoreResult, StoreRuleError, StoreSync, StoreValue,
};
use deadpool_postgres::GenericClient;

use crate::sql::execute;

/// The room's store lock: a transaction-level advisory lock keyed by the room ("Ck" "St", then
/// the id's hash; two rooms sharing a hash only take turns needlessly).
///
/// Not a lock of the room's row: joins and leaves lock it `FOR NO KEY UPDATE` (the session),
/// user changes lock its counters' row, and a store batch must wait for neither; a row lock
/// also writes the row (its `xmax`) and so WAL, where an advisory lock lives in memory only.
/// Its own statement, before the reads: in READ COMMITTED each statement sees what committed
/// before it began, so the reads after it see the batch that held the lock before.
pub(crate) const ROOM_LOCK: &str = "SELECT pg_advisory_xact_lock(1131107188, hashtext($1))";

/// Deletes the room's stores, in the transaction deleting the room: under the room's store lock,
/// so a batch that found the room commits first (and its rows go here) or finds it gone.
pub(crate) async fn delete_room_stores<C: GenericClient + Sync>(
    c: &C,
    room_id: &str,
) -> StoreResult<()> {
    execute(c, ROOM_LOCK, &[&room_id]).await?;
    execute(
        c,
        "WITH e AS (DELETE FROM store_entries WHERE room_id = $1)
         DELETE FROM room_stores WHERE room_id = $1",
        &[&room_id],
    )
    .await?;
    Ok(())
}

/// A value as stored: its compact JSON (the text the domain measured).
fn to_text(value: &StoreValue) -> String {
    serde_json::to_string(value).expect("a JSON object serializes")
}

fn from_text(text: &str) -> StoreResult<StoreValue> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::backend(format!("a store value that is not a JSON object: {e}")))
}

#[async_trait]
impl RoomStores for crate::PgStore {
    async fn write_stores(
        &self,
        account_id: &str,
        room_id: &str,
        by: Option<&str>,
        ops: Vec<StoreOp>,
        limits: &StoreLimits,
    ) -> StoreResult<Vec<Result<Option<StoreChange>, StoreRuleError>>> {
        self.within(async {
            let client = self.client().await?;
            write::write_stores(client, account_id, room_id, by, &ops, limits).await
        })
        .await
    }

    async fn list_stores(&self, account_id: &str, room_id: &str) -> StoreResult<Vec<StoreMeta>> {
        self.within(async { read::list_stores(&self.client().await?, account_id, room_id).await })
            .await
    }

    async fn get_store_entry(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        key: &str,
    ) -> StoreResult<Option<StoreEntry>> {
        self.within(async {
            read::get_entry(&self.client().await?, account_id, room_id, store, key).await
        })
        .await
    }

    async fn list_store_entries(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        page: PageRequest,
    ) -> StoreResult<Page<StoreEntry>> {
        self.within(async {
            read::list_entries(&self.client().await?, account_id, room_id, store, &page).await
        })
        .await
    }

    async fn sync_store(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        since: Option<i64>,
    ) -> StoreResult<StoreSync> {
        self.within(async {
            read::sync(&self.client().await?, account_id, room_id, store, since).await
        })
        .await
    }
}
