//! Rooms: the storage contract's `Rooms`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::Rooms;

#[async_trait]
impl Rooms for crate::SqliteStore {
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
}
