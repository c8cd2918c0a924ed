//! Accounts: the storage contract's `Accounts`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::Accounts;

#[async_trait]
impl Accounts for crate::PgStore {
    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account> {
        self.within(async {
            let account = rules::new_account(name, api_key_hash, clock::now());
            let client = self.client().await?;
            people::create_account(&client, &account).await?;
            Ok(account)
        })
        .await
    }

    async fn get_account(&self, account_id: &str) -> StoreResult<Account> {
        self.within(async { people::account(&self.client().await?, account_id).await })
            .await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.within(async { people::count_accounts(&self.client().await?).await })
            .await
    }

    async fn list_accounts(&self, page: PageRequest) -> StoreResult<Page<Account>> {
        self.within(async { people::list_accounts(&self.client().await?, &page).await })
            .await
    }

    async fn rotate_api_key(&self, account_id: &str, api_key_hash: &str) -> StoreResult<Account> {
        self.within(async {
            people::rotate_api_key(&self.client().await?, account_id, api_key_hash).await
        })
        .await
    }
}
