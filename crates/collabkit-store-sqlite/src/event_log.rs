//! The event log: the storage contract's `EventLog`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::EventLog;

#[async_trait]
impl EventLog for crate::SqliteStore {
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
}
