//! A room's stores on this backend. (Being written: every verb fails for now.)

use async_trait::async_trait;
use collabkit_domain::store::{
    Page, PageRequest, RoomStores, StoreChange, StoreEntry, StoreError, StoreLimits, StoreMeta,
    StoreOp, StoreResult, StoreRuleError, StoreSync,
};

fn unbuilt() -> StoreError {
    StoreError::backend("stores are not built on this backend yet")
}

#[async_trait]
impl RoomStores for crate::PgStore {
    async fn write_stores(
        &self,
        _account_id: &str,
        _room_id: &str,
        _by: Option<&str>,
        _ops: Vec<StoreOp>,
        _limits: &StoreLimits,
    ) -> StoreResult<Vec<Result<Option<StoreChange>, StoreRuleError>>> {
        Err(unbuilt())
    }

    async fn list_stores(&self, _account_id: &str, _room_id: &str) -> StoreResult<Vec<StoreMeta>> {
        Err(unbuilt())
    }

    async fn get_store_entry(
        &self,
        _account_id: &str,
        _room_id: &str,
        _store: &str,
        _key: &str,
    ) -> StoreResult<Option<StoreEntry>> {
        Err(unbuilt())
    }

    async fn list_store_entries(
        &self,
        _account_id: &str,
        _room_id: &str,
        _store: &str,
        _page: PageRequest,
    ) -> StoreResult<Page<StoreEntry>> {
        Err(unbuilt())
    }

    async fn sync_store(
        &self,
        _account_id: &str,
        _room_id: &str,
        _store: &str,
        _since: Option<i64>,
    ) -> StoreResult<StoreSync> {
        Err(unbuilt())
    }
}
