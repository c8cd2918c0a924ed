//! The schema: embedded migrations, applied in order, each once, in one transaction. Several
//! nodes may start at once: a transaction-level advisory lock lets one migrate while the others
//! wait, then find nothing left to do.

use collabkit_domain::store::{StoreError, StoreResult};
use deadpool_postgres::Client;

use crate::rows::pg;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_attempt_counters.sql")),
    (
        3,
        include_str!("migrations/0003_open_sessions_by_account.sql"),
    ),
    (4, include_str!("migrations/0004_room_sequences.sql")),
];

/// An arbitrary key of ours for `pg_advisory_xact_lock`.
const MIGRATION_LOCK: i64 = 0x636f_6c6c_6162_6b74;

/// Brings the schema up to date; returns the versions it applied.
pub async fn migrate(client: &mut Client) -> StoreResult<Vec<i64>> {
    let tx = client.transaction().await.map_err(pg)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(pg)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .await
    .map_err(pg)?;
    let current: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await
        .map_err(pg)?
        .get(0);
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| StoreError::backend(format!("migration {version} failed: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(pg)?;
        applied.push(*version);
    }
    tx.commit().await.map_err(pg)?;
    Ok(applied)
}
