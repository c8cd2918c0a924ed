//! Accounts: the storage contract's `Accounts`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::Accounts;

#[async_trait]
impl Accounts for crate::SqliteStore {
    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account> {
        let account = rules::new_account(name, api_key_hash, clock::now());
        let row = account.clone();
        self.writer
            .write(move |c| people::create_account(c, &row))
            .await?;
        Ok(account)
    }

    async fn get_account(&self, account_id: &str) -> StoreResult<Account> {
        let id = account_id.to_owned();
        self.readers.read(move |c| people::account(c, &id)).await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.readers.read(people::count_accounts).await
    }

    async fn list_accounts(&self, page: PageRequest) -> StoreResult<Page<Account>> {
        self.readers
            .read(move |c| people::list_accounts(c, &page))
            .await
    }

    async fn rotate_api_key(&self, account_id: &str, api_key_hash: &str) -> StoreResult<Account> {
        let (a, h) = (account_id.to_owned(), api_key_hash.to_owned());
        self.writer
            .write(move |c| people::rotate_api_key(c, &a, &h))
            .await
    }
}
