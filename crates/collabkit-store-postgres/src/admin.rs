//! Whole databases on a server, for tools and tests that want a fresh one per run (the
//! benchmark, the conformance suite, the API tests): create, name, drop. The server never
//! calls these.

use collabkit_domain::store::{StoreError, StoreResult};
use tokio_postgres::NoTls;

use crate::errors::pg;

/// The variable naming the server tests make their databases on (`.ci/run` sets it).
pub const TEST_SERVER_VAR: &str = "COLLABKIT_TEST_POSTGRES_URL";

/// The server tests make their databases on: [`TEST_SERVER_VAR`], else the local one.
pub fn test_server_url() -> String {
    std::env::var(TEST_SERVER_VAR)
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A new database name: `prefix` and a random lowercase suffix (a valid unquoted identifier
/// when the prefix is one).
pub fn fresh_database_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}",
        collabkit_domain::ids::random_token(12).to_lowercase()
    )
}

/// A connection to the server `admin_url` names, for statements that cannot run in a
/// transaction (`CREATE DATABASE`).
pub async fn admin_client(admin_url: &str) -> StoreResult<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls)
        .await
        .map_err(|e| StoreError::backend(format!("cannot reach PostgreSQL at {admin_url}: {e}")))?;
    tokio::spawn(connection);
    Ok(client)
}

/// Creates database `name` on the server `admin_url` names unless it exists; returns its URL.
pub async fn create_database(admin_url: &str, name: &str) -> StoreResult<String> {
    let client = admin_client(admin_url).await?;
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .map_err(pg)?
        .is_some();
    if !exists {
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .map_err(pg)?;
    }
    Ok(crate::url_with_database(admin_url, name))
}

/// Drops database `name`, closing the connections still open to it.
pub async fn drop_database(admin_url: &str, name: &str) -> StoreResult<()> {
    admin_client(admin_url)
        .await?
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .map_err(pg)
}
