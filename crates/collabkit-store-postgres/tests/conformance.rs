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
    url: String,
    /// Another client of the same database with a transaction open all along (a `psql`
    /// session, a batch job): the log must not wait for it.
    _bystander: tokio_postgres::Client,
    /// Drops the database, after the fields above (fields drop in order).
    _guard: DropGuard,
}

/// Drops database `name` `WITH (FORCE)` when dropped, however the check ends: a check that
/// panics unwinds through the future its runtime runs, which drops the [`Database`] holding
/// this. Made as soon as the database exists, so a failure while the factory opens the
/// bystander drops it too.
struct DropGuard {
    admin_url: String,
    name: String,
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
        let guard = DropGuard {
            admin_url: self.admin_url.clone(),
            name,
        };
        Box::new(Database {
            _bystander: open_transaction(&url).await,
            url,
            _guard: guard,
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

impl Drop for DropGuard {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // A drop cannot await, and no runtime may be started inside the check's: a thread of
        // its own with a small runtime of its own, joined so the database is gone when the
        // check ends. Nothing here may panic: it may run while a failed check unwinds.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(admin::drop_database(&url, &name))
                .map_err(|e| e.to_string())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("could not drop test database {}", self.name),
        }
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
