//! Users: the storage contract's `Users`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::Users;

#[async_trait]
impl Users for crate::SqliteStore {
    async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let a = account_id.to_owned();
        self.write_change(true, lease, move |c, inline| {
            people::create_user(c, &a, new, inline)
        })
        .await
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.readers.read(move |c| user_in(c, &a, &u)).await
    }

    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User> {
        let (a, r, cid) = (
            account_id.to_owned(),
            room_id.to_owned(),
            custom_id.to_owned(),
        );
        self.readers
            .read(move |c| people::user_by_custom_id(c, &a, &r, &cid))
            .await
    }

    async fn find_user_by_token(&self, token: &str) -> StoreResult<User> {
        let t = token.to_owned();
        self.readers
            .read(move |c| people::user_by_token(c, &t))
            .await
    }

    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64> {
        self.writer
            .write(move |c| people::seal_legacy_tokens(c, seal.as_ref(), batch))
            .await
    }

    async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<User>> {
        let (a, f) = (account_id.to_owned(), filter.clone());
        self.readers
            .read(move |c| people::list_users(c, &a, &f, page))
            .await
    }

    async fn user_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<UserSession>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.readers
            .read(move |c| people::user_sessions(c, &a, &u, limit))
            .await
    }

    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            people::update_user(c, &a, &u, patch, inline)
        })
        .await
    }

    async fn delete_user(
        &self,
        account_id: &str,
        user_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            people::delete_user(c, &a, &u, inline)
        })
        .await
    }
}
