//! The schema: embedded migrations, applied in order, each once, in one transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::backend;
use super::rows::ts;
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
    (13, include_str!("migrations/0013_webhooks_count.sql")),
    (
        14,
        include_str!("migrations/0014_delivery_counts_by_event.sql"),
    ),
    (15, include_str!("migrations/0015_user_follows.sql")),
    (16, include_str!("migrations/0016_room_stores.sql")),
    (17, include_str!("migrations/0017_webhook_headers.sql")),
    (18, include_str!("migrations/0018_idempotency_keys.sql")),
    (19, include_str!("migrations/0019_ordering_per_room.sql")),
    (20, include_str!("migrations/0020_alerts.sql")),
    (21, include_str!("migrations/0021_webhook_rate_limits.sql")),
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
    use collabkit_domain::store::{
        DeliveryFilter, DeliveryStatus, PageRequest, RoomFilter, UserFilter, prelude::*,
    };
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

    /// A database as version 11 left it — rooms, users (one online in an open session, one
    /// deleted earlier), a closed session, events and deliveries — keeps all of it at version
    /// 12, with the counters backfilled from the data.
    #[tokio::test]
    async fn version_12_keeps_rooms_users_events_and_deliveries_and_backfills_counters() {
        const T1: &str = "2026-11-01T10:00:10.500000Z";
        const T2: &str = "2026-11-01T10:05:00.000000Z";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v11.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
            migrate_to(&mut conn, 11).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ('acc_1', 'a', 'h', '{T}');
                 INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at, last_event_seq)
                     VALUES ('room_1', 'acc_1', 'r1', 'One', '{T}', '{T}', 3),
                            ('room_2', 'acc_1', 'r2', 'Two', '{T}', '{T}', 0);
                 INSERT INTO users (id, account_id, room_id, custom_id, name, token, token_sealed, created_at, updated_at)
                     VALUES ('usr_1', 'acc_1', 'room_1', 'u1', 'Ann', 'lookup_1', 'sealed_1', '{T}', '{T}'),
                            ('usr_2', 'acc_1', 'room_1', 'u2', 'Bob', 'lookup_2', 'sealed_2', '{T}', '{T}');
                 INSERT INTO webhooks (id, account_id, url, events_mask, enabled, secret_sealed, created_at, updated_at)
                     VALUES ('wh_1', 'acc_1', 'https://example.com/h', 127, 1, 'v1:x', '{T}', '{T}');
                 INSERT INTO events (id, account_id, room_id, event, payload, created_at, room_seq)
                     VALUES ('evt_1', 'acc_1', 'room_1', 'user.created', '{{\"old\":1}}', '{T}', 1),
                            ('evt_2', 'acc_1', 'room_1', 'user.deleted', '{{\"old\":2}}', '{T}', 2),
                            ('evt_3', 'acc_1', 'room_1', 'session.started', '{{\"old\":3}}', '{T2}', 3);
                 INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, attempts, created_at)
                     VALUES ('dlv_1', 1, 1, 4, 'success', 1, '{T}'),
                            ('dlv_2', 1, 2, 6, 'failed', 3, '{T}');
                 INSERT INTO sessions (id, account_id, room_id, started_at, closed_at)
                     VALUES ('ses_1', 'acc_1', 'room_1', '{T}', '{T1}'),
                            ('ses_2', 'acc_1', 'room_1', '{T2}', NULL);
                 INSERT INTO participants (session_id, user_id, node_id, joined_at)
                     VALUES ('ses_2', 'usr_1', 'node_a', '{T2}'), ('ses_2', 'usr_1', 'node_b', '{T2}');
                 INSERT INTO session_users (session_id, user_id, user_json, seq)
                     VALUES ('ses_2', 'usr_1', '{{}}', 0);"
            ))
            .unwrap();
        }
        let store = SqliteStore::open(&path, &crate::SqliteOptions::default())
            .await
            .unwrap();
        let room = store.get_room("acc_1", "room_1").await.unwrap();
        assert_eq!(room.custom_id.as_deref(), Some("r1"), "custom ids are kept");
        assert_eq!(room.name, "One");
        let c = room.counters;
        assert_eq!((c.users, c.users_created), (2, 3), "2 now + 1 deleted");
        assert_eq!(c.participants, 1, "one user, through two nodes");
        assert_eq!(c.closed_ms, 10_500, "the closed session's length");
        assert_eq!(c.live_since, Some(clock::parse(T2).unwrap()));
        let ann = store.get_user("acc_1", "usr_1").await.unwrap();
        assert!(ann.online);
        assert_eq!(ann.joined_at, Some(clock::parse(T2).unwrap()));
        assert_eq!(ann.custom_id.as_deref(), Some("u1"));
        assert_eq!(ann.token_sealed, "sealed_1");
        let bob = store.get_user("acc_1", "usr_2").await.unwrap();
        assert!(!bob.online && bob.joined_at.is_none());
        let sessions = store.user_sessions("acc_1", "usr_1", 10).await.unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].left_at, None, "the open participation");
        assert!(sessions[0].id.starts_with("sess_"));

        let rooms = store
            .list_rooms("acc_1", &RoomFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(rooms.total, Some(2), "the account's room counter");
        assert_eq!(
            store.count_webhooks("acc_1").await,
            Ok(1),
            "the registrations are counted (0013)"
        );
        assert_eq!(rooms.items.len(), 2);
        let users = store
            .list_users("acc_1", &UserFilter::room("room_1"), PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(users.total, Some(2));
        let events = store
            .list_events("acc_1", Default::default(), PageRequest::first(10))
            .await
            .unwrap()
            .items;
        let payloads: Vec<&str> = events.iter().map(|e| e.payload.as_str()).collect();
        assert_eq!(
            payloads,
            [r#"{"old":1}"#, r#"{"old":2}"#, r#"{"old":3}"#],
            "old payloads stay byte for byte"
        );
        let log = store
            .list_deliveries(
                "acc_1",
                "wh_1",
                DeliveryFilter::default(),
                PageRequest::first(10),
            )
            .await
            .unwrap();
        assert_eq!(log.total, Some(2), "the registration's delivery counter");
        let created_only = DeliveryFilter {
            event: Some(collabkit_webhooks::WebhookEventName::UserCreated),
            ..DeliveryFilter::default()
        };
        let of_event = store
            .list_deliveries("acc_1", "wh_1", created_only, PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(of_event.total, Some(1), "counted per event (0014)");
        let ids: Vec<&str> = log.items.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["dlv_2", "dlv_1"]);
        assert_eq!(log.items[0].status, DeliveryStatus::Failed);

        // The database keeps working: rooms without a custom id, new users counted, the
        // session ends with the counters moving, seq values continue after the old rows.
        let fresh = store
            .create_room(
                "acc_1",
                collabkit_domain::store::NewRoom {
                    custom_id: None,
                    name: "Three".into(),
                },
            )
            .await
            .unwrap();
        let listed = store
            .list_rooms("acc_1", &RoomFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(listed.total, Some(3));
        assert_eq!(listed.items.last().unwrap().id, fresh.id);
        store
            .leave_session("acc_1", "room_1", "usr_1", "node_a", None)
            .await
            .unwrap();
        let left = store
            .leave_session("acc_1", "room_1", "usr_1", "node_b", None)
            .await
            .unwrap();
        assert_eq!(left.events.len(), 2, "participant.left, session.closed");
        let room = store.get_room("acc_1", "room_1").await.unwrap();
        assert_eq!(
            (room.counters.participants, room.counters.live_since),
            (0, None)
        );
        assert!(room.counters.closed_ms > 10_500);
        assert_eq!(
            left.events[0].room_seq,
            Some(4),
            "the room's numbers continue"
        );
        let raw = Connection::open(&path).unwrap();
        let violations: i64 = raw
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(violations, 0);
        let version = current_version(&raw).unwrap();
        assert_eq!(version, Some(LATEST));
    }
}
