//! The event log: the storage contract's `EventLog`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::EventLog;

#[async_trait]
impl EventLog for crate::PgStore {
    async fn list_events(
        &self,
        account_id: &str,
        filter: EventFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Event>> {
        self.within(async {
            people::list_events(&self.client().await?, account_id, filter, page).await
        })
        .await
    }

    async fn recent_events(
        &self,
        account_id: &str,
        room_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        self.within(async {
            people::recent_events(&self.client().await?, account_id, room_id, limit).await
        })
        .await
    }

    async fn room_events(
        &self,
        account_id: &str,
        room_id: &str,
        after_room_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        self.within(async {
            people::room_events(
                &self.client().await?,
                account_id,
                room_id,
                after_room_seq,
                limit,
            )
            .await
        })
        .await
    }

    async fn event_log_end(&self, account_id: &str) -> StoreResult<Option<Cursor>> {
        self.within(async { people::event_log_end(&self.client().await?, account_id).await })
            .await
    }
}
