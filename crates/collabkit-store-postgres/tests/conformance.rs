//! The storage conformance suite on PostgreSQL: each check on a database of its own, created
//! on the server `COLLABKIT_TEST_POSTGRES_URL` names (`.ci/run` points it at the local one;
//! unset, the local server on 127.0.0.1:5432) and dropped afterwards.

use std::sync::Arc;

use async_trait::async_trait;
use collabkit_domain::store::SharedStore;
use collabkit_store_conformance::{Factory, TestDatabase};
use collabkit_store_postgres::{PgOptions, PgStore, admin};

struct Postgres {
    admin_url: String,
}

struct Database {
    admin_url: String,
    name: String,
    url: String,
    /// Another client of the same database with a transaction open all along (a `psql`
    /// session, a batch job): the log must not wait for it.
    _bystander: tokio_postgres::Client,
}

/// A connection to `url` holding a transaction that has written (so it has an id) and stays
/// open until the connection is dropped.
async fn open_transaction(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{e} ({})", admin::TEST_SERVER_VAR));
    tokio::spawn(connection);
    client
        .batch_execute("BEGIN; SELECT pg_current_xact_id()")
        .await
        .unwrap();
    client
}

#[async_trait]
impl Factory for Postgres {
    async fn create(&self) -> Box<dyn TestDatabase> {
        let name = admin::fresh_database_name("collabkit_test");
        let url = admin::create_database(&self.admin_url, &name)
            .await
            .unwrap_or_else(|e| panic!("{e} ({})", admin::TEST_SERVER_VAR));
        Box::new(Database {
            _bystander: open_transaction(&url).await,
            url,
            admin_url: self.admin_url.clone(),
            name,
        })
    }
}

#[async_trait]
impl TestDatabase for Database {
    async fn open(&self) -> SharedStore {
        let options = PgOptions {
            pool_size: 4,
            ..PgOptions::default()
        };
        Arc::new(PgStore::open(&self.url, &options).await.unwrap())
    }

    fn wakes_across_handles(&self) -> bool {
        true
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Dropped inside the check's runtime: a thread of its own may block.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _ = runtime.block_on(admin::drop_database(&url, &name));
        })
        .join()
        .unwrap();
    }
}

fn main() -> std::process::ExitCode {
    // Never skipped: without the variable, the local server.
    let admin_url = admin::test_server_url();
    // The server is shared: another database has a transaction open for the whole run (a
    // migration, a batch job elsewhere). No check may depend on it ending.
    let (held, holding) = std::sync::mpsc::channel();
    let url = admin_url.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let _client = open_transaction(&url).await;
            held.send(()).unwrap();
            std::future::pending::<()>().await
        })
    });
    holding.recv().unwrap();
    collabkit_store_conformance::run(Postgres { admin_url })
}
