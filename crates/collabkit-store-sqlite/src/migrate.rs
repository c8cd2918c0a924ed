//! The schema: embedded migrations, applied in order, each once, in one transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{backend, ts};
use collabkit_domain::clock;
use collabkit_domain::store::{StoreError, StoreResult};

/// Schema versions, applied in order, each once.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_webhooks.sql")),
    (3, include_str!("migrations/0003_sessions.sql")),
    (4, include_str!("migrations/0004_compact_deliveries.sql")),
    (5, include_str!("migrations/0005_lookups_by_room.sql")),
    (6, include_str!("migrations/0006_sealed_user_tokens.sql")),
    (7, include_str!("migrations/0007_session_nodes.sql")),
    (
        8,
        include_str!("migrations/0008_participation_per_node.sql"),
    ),
    (9, include_str!("migrations/0009_attempt_counters.sql")),
    (
        10,
        include_str!("migrations/0010_open_sessions_by_account.sql"),
    ),
    (11, include_str!("migrations/0011_room_sequences.sql")),
    (12, include_str!("migrations/0012_room_counters.sql")),
];

/// The version the migrations bring a database to.
pub const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The database's schema version, `None` when it has none; reads only.
pub fn current_version(conn: &Connection) -> StoreResult<Option<i64>> {
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if !has_table {
        return Ok(None);
    }
    conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
        r.get(0)
    })
    .map_err(backend)
}

/// Brings the schema up to date; returns the versions it applied.
pub fn migrate(conn: &mut Connection) -> StoreResult<Vec<i64>> {
    migrate_to(conn, i64::MAX)
}

fn migrate_to(conn: &mut Connection, target: i64) -> StoreResult<Vec<i64>> {
    // Foreign keys are off while migrating (the pragma cannot change inside a transaction), as
    // SQLite prescribes for rebuilding a table: dropping the old copy of a parent table would
    // otherwise cascade into its children. The links are checked before the commit instead.
    let enforced: bool = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .map_err(backend)?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(backend)?;
    let applied = migrate_unenforced(conn, target);
    if enforced {
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(backend)?;
    }
    applied
}

fn migrate_unenforced(conn: &mut Connection, target: i64) -> StoreResult<Vec<i64>> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .map_err(backend)?;
    let current: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > current && *v <= target)
    {
        applied.push(*version);
        tx.execute_batch(sql)
            .map_err(|e| StoreError::backend(format!("migration {version} failed: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, ts(&clock::now())],
        )
        .map_err(backend)?;
    }
    // Only after a change: the check reads every table.
    let broken: Option<String> = if applied.is_empty() {
        None
    } else {
        tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(backend)?
    };
    if let Some(table) = broken {
        return Err(StoreError::backend(format!(
            "migration left rows of {table} pointing nowhere; nothing was applied"
        )));
    }
    tx.commit().map_err(backend)?;
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use collabkit_domain::store::{DeliveryFilter, DeliveryStatus, PageRequest, Store};
    use collabkit_webhooks::WebhookEventName;

    const T: &str = "2026-11-01T10:00:00.000000Z";

    /// A database as version 3 left it: a registration with a delivered and a failed delivery.
    fn version_3_database(path: &std::path::Path) {
        let mut conn = Connection::open(path).unwrap();
        migrate_to(&mut conn, 3).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ('acc_1', 'a', 'h', '{T}');
             INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at)
                 VALUES ('room_1', 'acc_1', 'r', 'R', '{T}', '{T}');
             INSERT INTO webhooks (id, account_id, url, events_mask, enabled, secret_sealed, created_at, updated_at)
                 VALUES ('wh_1', 'acc_1', 'https://example.com/h', 127, 1, 'v1:x', '{T}', '{T}');
             INSERT INTO events (id, account_id, room_id, event, payload, created_at)
                 VALUES ('evt_1', 'acc_1', 'room_1', 'user.created', '{{\"n\":1}}', '{T}'),
                        ('evt_2', 'acc_1', 'room_1', 'user.deleted', '{{\"n\":2}}', '{T}');
             INSERT INTO deliveries (id, account_id, webhook_id, event_id, event, status, attempts,
                                     cycle_attempts, last_attempt_at, status_code, created_at)
                 VALUES ('dlv_1', 'acc_1', 'wh_1', 'evt_1', 'user.created', 'success', 1, 1, '{T}', 200, '{T}'),
                        ('dlv_2', 'acc_1', 'wh_1', 'evt_2', 'user.deleted', 'failed', 2, 2, '{T}', 500, '{T}');
             INSERT INTO attempts (delivery_id, attempted_at, status_code, duration_ms, response_body)
                 VALUES ('dlv_1', '{T}', 200, 4, 'ok'), ('dlv_2', '{T}', 500, 5, 'a'),
                        ('dlv_2', '{T}', 500, 6, 'b');"
        ))
        .unwrap();
    }

    #[tokio::test]
    async fn version_4_keeps_the_delivery_log_and_its_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        version_3_database(&path);

        let store = SqliteStore::open(&path, &crate::SqliteOptions::default())
            .await
            .unwrap();
        let all = PageRequest::first(10);
        let log = store
            .list_deliveries("acc_1", "wh_1", DeliveryFilter::default(), all.clone())
            .await
            .unwrap()
            .items;
        let ids: Vec<&str> = log.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["dlv_2", "dlv_1"], "same ids, newest first");
        assert_eq!(log[0].event, WebhookEventName::UserDeleted);
        assert_eq!(log[0].status, DeliveryStatus::Failed);
        assert_eq!(log[0].payload, r#"{"n":2}"#);
        assert_eq!(log[1].event_id, "evt_1");
        let attempts = store.list_attempts("acc_1", "wh_1", "dlv_2").await.unwrap();
        assert_eq!(
            attempts
                .iter()
                .map(|a| a.response_body.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        let failed = DeliveryFilter {
            status: Some(DeliveryStatus::Failed),
            event: None,
        };
        let failed = store
            .list_deliveries("acc_1", "wh_1", failed, all.clone())
            .await
            .unwrap()
            .items;
        assert_eq!(failed.len(), 1, "the partial index holds migrated rows");

        // New deliveries continue after the migrated ones.
        let room = collabkit_domain::store::NewUser {
            room_id: "room_1".into(),
            custom_id: Some("new".into()),
            name: "New".into(),
            profile_picture: None,
            token: "utk_new".into(),
            token_sealed: "sealed".into(),
        };
        store.create_user("acc_1", room, None).await.unwrap();
        let log = store
            .list_deliveries("acc_1", "wh_1", DeliveryFilter::default(), all.clone())
            .await
            .unwrap()
            .items;
        assert_eq!(log.len(), 3);
        assert_eq!(log[0].event, WebhookEventName::UserCreated);
        assert_eq!(log[0].status, DeliveryStatus::Pending);

        // Version 11 numbered the room's old events in the order they were stored, and the
        // room's next event follows them.
        let numbered: Vec<(String, Option<i64>)> = store
            .room_events("acc_1", "room_1", 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.id, e.room_seq))
            .collect();
        assert_eq!(numbered.len(), 3);
        assert_eq!(numbered[0], ("evt_1".to_owned(), Some(1)));
        assert_eq!(numbered[1], ("evt_2".to_owned(), Some(2)));
        assert_eq!(numbered[2].1, Some(3));
    }

    /// A user stored in clear by version 5 is found by its token once sealed, and the row no
    /// longer holds the token.
    #[tokio::test]
    async fn version_6_seals_tokens_stored_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, 5).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ('acc_1', 'a', 'h', '{T}');
                 INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at)
                     VALUES ('room_1', 'acc_1', 'r', 'R', '{T}', '{T}');
                 INSERT INTO users (id, account_id, room_id, custom_id, name, token, created_at, updated_at)
                     VALUES ('usr_1', 'acc_1', 'room_1', 'u', 'U', 'utk_legacysecret0123456789', '{T}', '{T}');"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(&path, &crate::SqliteOptions::default())
            .await
            .unwrap();
        assert!(
            store
                .find_user_by_token("utk_legacysecret0123456789")
                .await
                .is_err(),
            "not usable before it is sealed"
        );
        let seal: collabkit_domain::store::TokenSealer =
            std::sync::Arc::new(|t| format!("sealed:{t}"));
        assert_eq!(store.seal_legacy_tokens(seal.clone(), 10).await.unwrap(), 1);
        assert_eq!(store.seal_legacy_tokens(seal, 10).await.unwrap(), 0);
        let user = store
            .find_user_by_token("utk_legacysecret0123456789")
            .await
            .unwrap();
        assert_eq!(user.token_sealed, "sealed:utk_legacysecret0123456789");
        let raw: String = Connection::open(&path)
            .unwrap()
            .query_row("SELECT token FROM users", [], |r| r.get(0))
            .unwrap();
        assert_ne!(raw, "utk_legacysecret0123456789");
    }
}
