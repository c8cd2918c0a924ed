//! A room's stores on SQLite (`room_stores`, `store_entries`): a batch of writes is one writer
//! job (so one transaction, group-committed with the others), planned by
//! [`collabkit_domain::rules::stores::plan_writes`] on the rows it touches; reads run on a
//! reader, each in one read transaction so a version and the rows read with it agree. The rows
//! go with their room by the tables' keys.

mod read;
mod write;

#[cfg(test)]
mod tests;

use async_trait::async_trait;
use rusqlite::{Error, Row};

use super::rows::parse_ts;
use collabkit_domain::store::{
    Page, PageRequest, RoomStores, StoreChange, StoreEntry, StoreLimits, StoreMeta, StoreOp,
    StoreResult, StoreRuleError, StoreSync, StoreValue,
};

/// The columns [`meta_row`] maps.
const META_COLS: &str = "store, version, horizon, entries, bytes, tombstones";

/// An entry row: the entry, with `value: None` for a tombstone.
struct EntryRow {
    key: String,
    value: Option<StoreValue>,
    version: i64,
    updated_at: collabkit_domain::clock::Timestamp,
    updated_by: Option<String>,
}

impl EntryRow {
    /// The live entry it holds (`None`: a tombstone).
    fn live(self) -> Option<StoreEntry> {
        Some(StoreEntry {
            value: self.value?,
            key: self.key,
            version: self.version,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        })
    }
}

/// Compact JSON of a value, as it is stored and counted ([`value_bytes`] measures the same).
///
/// [`value_bytes`]: collabkit_domain::rules::stores::value_bytes
fn json(value: &StoreValue) -> String {
    serde_json::to_string(value).expect("a JSON object serializes")
}

fn parse_value(text: Option<String>) -> rusqlite::Result<Option<StoreValue>> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

/// Maps `key, value, version, updated_at, updated_by` of `store_entries`.
fn entry_row(row: &Row) -> rusqlite::Result<EntryRow> {
    Ok(EntryRow {
        key: row.get("key")?,
        value: parse_value(row.get("value")?)?,
        version: row.get("version")?,
        updated_at: parse_ts(row, "updated_at")?,
        updated_by: row.get("updated_by")?,
    })
}

fn meta_row(row: &Row) -> rusqlite::Result<StoreMeta> {
    let count = |idx: &str| -> rusqlite::Result<u64> { Ok(row.get::<_, i64>(idx)?.max(0) as u64) };
    Ok(StoreMeta {
        name: row.get("store")?,
        version: row.get("version")?,
        horizon: row.get("horizon")?,
        entries: count("entries")?,
        bytes: count("bytes")?,
        tombstones: count("tombstones")?,
    })
}

#[async_trait]
impl RoomStores for crate::SqliteStore {
    async fn write_stores(
        &self,
        account_id: &str,
        room_id: &str,
        by: Option<&str>,
        ops: Vec<StoreOp>,
        limits: &StoreLimits,
    ) -> StoreResult<Vec<Result<Option<StoreChange>, StoreRuleError>>> {
        let (a, r, by, limits) = (
            account_id.to_owned(),
            room_id.to_owned(),
            by.map(str::to_owned),
            *limits,
        );
        self.writer
            .write_or_shed(move |c| write::write_stores(c, &a, &r, by.as_deref(), &ops, &limits))
            .await
    }

    async fn list_stores(&self, account_id: &str, room_id: &str) -> StoreResult<Vec<StoreMeta>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| read::list_stores(c, &a, &r))
            .await
    }

    async fn get_store_entry(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        key: &str,
    ) -> StoreResult<Option<StoreEntry>> {
        let (a, r, s, k) = (
            account_id.to_owned(),
            room_id.to_owned(),
            store.to_owned(),
            key.to_owned(),
        );
        self.readers
            .read(move |c| read::get_entry(c, &a, &r, &s, &k))
            .await
    }

    async fn list_store_entries(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        page: PageRequest,
    ) -> StoreResult<Page<StoreEntry>> {
        let (a, r, s) = (account_id.to_owned(), room_id.to_owned(), store.to_owned());
        self.readers
            .read(move |c| read::list_entries(c, &a, &r, &s, &page))
            .await
    }

    async fn sync_store(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        since: Option<i64>,
    ) -> StoreResult<StoreSync> {
        let (a, r, s) = (account_id.to_owned(), room_id.to_owned(), store.to_owned());
        self.readers
            .read(move |c| read::sync(c, &a, &r, &s, since))
            .await
    }
}
