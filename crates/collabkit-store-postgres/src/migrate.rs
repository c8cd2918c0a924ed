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

/// The version the migrations bring a database to.
pub const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The database's schema version, `None` when it has none; reads only.
pub async fn current_version(client: &Client) -> StoreResult<Option<i64>> {
    let row = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await
        .map_err(pg)?;
    if !row.get::<_, bool>(0) {
        return Ok(None);
    }
    let row = client
        .query_one("SELECT MAX(version) FROM schema_migrations", &[])
        .await
        .map_err(pg)?;
    Ok(row.get(0))
}

/// Brings the schema up to date; returns the versions it applied.
pub async fn migrate(client: &mut Client) -> StoreResult<Vec<i64>> {
    migrate_to(client, i64::MAX).await
}

/// Applies the migrations up to `target` (tests build older schemas with it).
async fn migrate_to(client: &mut Client, target: i64) -> StoreResult<Vec<i64>> {
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
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > current && *v <= target)
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PgOptions, PgStore, admin};
    use collabkit_domain::store::{NewUser, Store};

    /// Events stored before version 4 are numbered per room in the log's order, and a room's
    /// next event follows them.
    #[tokio::test]
    async fn version_4_numbers_the_events_already_stored() {
        let admin_url = admin::test_server_url();
        let name = admin::fresh_database_name("collabkit_migrate");
        let url = admin::create_database(&admin_url, &name).await.unwrap();
        {
            let config: tokio_postgres::Config = url.parse().unwrap();
            let pool = deadpool_postgres::Pool::builder(deadpool_postgres::Manager::new(
                config,
                tokio_postgres::NoTls,
            ))
            .max_size(1)
            .build()
            .unwrap();
            let mut client = pool.get().await.unwrap();
            migrate_to(&mut client, 3).await.unwrap();
            const T: &str = "2026-11-01T10:00:00Z";
            client
                .batch_execute(&format!(
                    "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ('acc_1', 'a', 'h', '{T}');
                     INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at)
                         VALUES ('room_1', 'acc_1', 'r1', 'R', '{T}', '{T}'),
                                ('room_2', 'acc_1', 'r2', 'R', '{T}', '{T}');
                     INSERT INTO events (id, account_id, room_id, event, payload, created_at)
                         VALUES ('evt_1', 'acc_1', 'room_1', 'user.created', '{{}}', '{T}'),
                                ('evt_2', 'acc_1', 'room_2', 'user.created', '{{}}', '{T}'),
                                ('evt_3', 'acc_1', 'room_1', 'user.deleted', '{{}}', '{T}');"
                ))
                .await
                .unwrap();
        }
        let store = PgStore::open(&url, &PgOptions::default()).await.unwrap();
        let numbered = |events: Vec<collabkit_domain::store::Event>| {
            events
                .into_iter()
                .map(|e| (e.id, e.room_seq))
                .collect::<Vec<_>>()
        };
        let room_1 = store.room_events("acc_1", "room_1", 0, 10).await.unwrap();
        assert_eq!(
            numbered(room_1),
            [("evt_1".to_owned(), Some(1)), ("evt_3".to_owned(), Some(2))]
        );
        let room_2 = store.room_events("acc_1", "room_2", 0, 10).await.unwrap();
        assert_eq!(numbered(room_2), [("evt_2".to_owned(), Some(1))]);
        let new = NewUser {
            room_id: "room_1".into(),
            custom_id: "new".into(),
            name: "New".into(),
            profile_picture: None,
            token: "utk_new".into(),
            token_sealed: "sealed".into(),
        };
        let made = store.create_user("acc_1", new, None).await.unwrap();
        assert_eq!(made.events[0].room_seq, Some(3), "the next number follows");
        drop(store);
        admin::drop_database(&admin_url, &name).await.unwrap();
    }
}
