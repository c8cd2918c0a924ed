//! Rooms: the storage contract's `Rooms`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::Rooms;

#[async_trait]
impl Rooms for crate::PgStore {
    async fn create_room(&self, account_id: &str, new: NewRoom) -> StoreResult<Room> {
        self.within(async {
            let room = rules::new_room(account_id, new, clock::now());
            people::create_room(&self.client().await?, &room).await?;
            Ok(room)
        })
        .await
    }

    async fn get_room(&self, account_id: &str, room_id: &str) -> StoreResult<Room> {
        self.within(async { people::room_in(&self.client().await?, account_id, room_id).await })
            .await
    }

    async fn find_room_by_custom_id(&self, account_id: &str, custom_id: &str) -> StoreResult<Room> {
        self.within(async {
            people::room_by_custom_id(&self.client().await?, account_id, custom_id).await
        })
        .await
    }

    async fn list_rooms(
        &self,
        account_id: &str,
        filter: &RoomFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        self.within(async {
            people::list_rooms(&self.client().await?, account_id, filter, page).await
        })
        .await
    }

    async fn list_live_rooms(
        &self,
        account_id: &str,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        self.within(async {
            people::list_live_rooms(&self.client().await?, account_id, page).await
        })
        .await
    }

    async fn rename_room(&self, account_id: &str, room_id: &str, name: &str) -> StoreResult<Room> {
        in_tx!(self, tx => people::rename_room(&tx, account_id, room_id, name.to_owned()).await?)
    }

    async fn delete_room(
        &self,
        account_id: &str,
        room_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<Room>> {
        in_tx!(self, tx => {
            let (change, fanout) = people::delete_room(&tx, account_id, room_id, lease).await?;
            Self::finish_change(&tx, change, fanout).await?
        })
    }

    async fn reconcile_room(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<(Room, u64, u64)> {
        in_tx!(self, tx => people::reconcile_room(&tx, account_id, room_id).await?)
    }
}
