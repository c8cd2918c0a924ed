//! What the PostgreSQL store's own tests share: a fresh database on the test server (dropped
//! at the end) and an account in it.

#![allow(dead_code)] // each test binary uses its part

use collabkit_store_postgres::{PgStore, admin};

/// A database of its own on the test server (`COLLABKIT_TEST_POSTGRES_URL`).
pub struct TestDb {
    /// Where a store (or a direct client) reaches it.
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let admin_url = admin::test_server_url();
        let name = admin::fresh_database_name("collabkit_test");
        let url = admin::create_database(&admin_url, &name).await.unwrap();
        TestDb {
            url,
            admin_url,
            name,
        }
    }

    /// Drops it (the stores on it are dropped first by the caller).
    pub async fn drop(self) {
        admin::drop_database(&self.admin_url, &self.name)
            .await
            .unwrap();
    }
}

/// A new account's id.
pub async fn account(store: &PgStore) -> String {
    collabkit_domain::accounts::create(store, "a")
        .await
        .unwrap()
        .account
        .id
}
