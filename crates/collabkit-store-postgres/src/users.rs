//! Users: the storage contract's `Users`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::Users;

#[async_trait]
impl Users for crate::PgStore {
    async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        self.within(async { self.users.create_user(account_id, new, lease).await })
            .await
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User> {
        self.within(async { people::user_in(&self.client().await?, account_id, user_id).await })
            .await
    }

    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User> {
        self.within(async {
            people::user_by_custom_id(&self.client().await?, account_id, room_id, custom_id).await
        })
        .await
    }

    async fn find_user_by_token(&self, token: &str) -> StoreResult<User> {
        self.within(async { people::user_by_token(&self.client().await?, token).await })
            .await
    }

    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64> {
        people::seal_legacy_tokens(seal, batch).await
    }

    async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<User>> {
        self.within(async {
            people::list_users(&self.client().await?, account_id, filter, page).await
        })
        .await
    }

    async fn user_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<UserSession>> {
        self.within(async {
            people::user_sessions(&self.client().await?, account_id, user_id, limit).await
        })
        .await
    }

    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        in_tx!(self, tx => {
            let (change, fanout) = people::update_user(&tx, account_id, user_id, patch, lease).await?;
            Self::finish_change(&tx, change, fanout).await?
        })
    }

    async fn delete_user(
        &self,
        account_id: &str,
        user_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        in_tx!(self, tx => {
            let (change, fanout) = people::delete_user(&tx, account_id, user_id, lease).await?;
            Self::finish_change(&tx, change, fanout).await?
        })
    }
}
