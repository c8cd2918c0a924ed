//! The schema: embedded migrations, applied in order, each once, in one transaction. Several
//! nodes may start at once: a transaction-level advisory lock lets one migrate while the others
//! wait, then find nothing left to do.

use collabkit_domain::store::{StoreError, StoreResult};
use deadpool_postgres::Client;

use crate::errors::pg;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_attempt_counters.sql")),
    (
        3,
        include_str!("migrations/0003_open_sessions_by_account.sql"),
    ),
    (4, include_str!("migrations/0004_room_sequences.sql")),
    (5, include_str!("migrations/0005_dialect.sql")),
    (6, include_str!("migrations/0006_webhooks_count.sql")),
    (
        7,
        include_str!("migrations/0007_delivery_counts_by_event.sql"),
    ),
    (8, include_str!("migrations/0008_hot_path_keys.sql")),
    (9, include_str!("migrations/0009_user_follows.sql")),
    (10, include_str!("migrations/0010_room_stores.sql")),
    (11, include_str!("migrations/0011_webhook_headers.sql")),
    (12, include_str!("migrations/0012_idempotency_keys.sql")),
    (13, include_str!("migrations/0013_ordering_per_room.sql")),
    (14, include_str!("migrations/0014_alerts.sql")),
    (15, include_str!("migrations/0015_webhook_rate_limits.sql")),
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
    use collabkit_domain::store::{
        DeliveryFilter, EventFilter, NewRoom, NewUser, PageRequest, RoomFilter, UserFilter,
        WebhookFilter, prelude::*,
    };
    use collabkit_webhooks::{UserStatus, WebhookEventName, WebhookPayload};

    /// A database at `version`, made with the migrations up to it, and `sql` run on it.
    async fn database_at(version: i64, sql: &str) -> (String, String, String) {
        let admin_url = admin::test_server_url();
        let name = admin::fresh_database_name("collabkit_migrate");
        let url = admin::create_database(&admin_url, &name).await.unwrap();
        let config: tokio_postgres::Config = url.parse().unwrap();
        let pool = deadpool_postgres::Pool::builder(deadpool_postgres::Manager::new(
            config,
            tokio_postgres::NoTls,
        ))
        .max_size(1)
        .build()
        .unwrap();
        let mut client = pool.get().await.unwrap();
        migrate_to(&mut client, version).await.unwrap();
        client.batch_execute(sql).await.unwrap();
        (admin_url, name, url)
    }

    /// A database of version 4 with rooms, users, a live session, events and deliveries keeps
    /// them all across the upgrade; the counters, the users' status and the live participations
    /// are backfilled from them, and the live session goes on (its snapshots, stored in the
    /// old shape, are read in the new one).
    #[tokio::test]
    async fn version_5_keeps_the_data_and_backfills_the_counters() {
        const T: &str = "2026-11-01T10:00:00Z";
        let old_user = |id: &str, custom: &str, name: &str| {
            format!(
                r#"{{"id":"{id}","roomId":"room_1","customId":"{custom}","name":"{name}","profilePicture":null,"createdAt":"2026-11-01T10:00:00.000000Z","updatedAt":"2026-11-01T10:00:00.000000Z"}}"#
            )
        };
        let (ada, gone) = (
            old_user("usr_1", "u1", "Ada"),
            old_user("usr_9", "u9", "Gone"),
        );
        let lookup = collabkit_domain::accounts::token_lookup;
        let (tk1, tk2) = (lookup("tk1"), lookup("tk2"));
        let (admin_url, name, url) = database_at(
            4,
            &format!(
                "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ('acct_1', 'a', 'h', '{T}');
                 INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at)
                     VALUES ('room_1', 'acct_1', 'r1', 'Main', '{T}', '{T}'),
                            ('room_2', 'acct_1', 'r2', 'Side', '{T}', '{T}');
                 INSERT INTO users (id, account_id, room_id, custom_id, name, token, token_sealed, created_at, updated_at)
                     VALUES ('usr_1', 'acct_1', 'room_1', 'u1', 'Ada', '{tk1}', 'sealed1', '{T}', '{T}'),
                            ('usr_2', 'acct_1', 'room_1', 'u2', 'Bob', '{tk2}', 'sealed2', '{T}', '{T}');
                 INSERT INTO events (id, account_id, room_id, event, payload, created_at, room_seq)
                     VALUES ('evt_1', 'acct_1', 'room_1', 'user.created', '{{\"old\":1}}', '{T}', 1),
                            ('evt_2', 'acct_1', 'room_1', 'user.deleted', '{{\"old\":2}}', '{T}', 2);
                 INSERT INTO room_sequences (room_id, last_event_seq) VALUES ('room_1', 2)
                     ON CONFLICT (room_id) DO UPDATE SET last_event_seq = 2;
                 INSERT INTO sessions (id, account_id, room_id, started_at, closed_at)
                     VALUES ('ses_1', 'acct_1', 'room_1', '2026-11-01T10:00:00Z', '2026-11-01T10:00:05.5Z'),
                            ('ses_2', 'acct_1', 'room_1', '2026-11-01T11:00:00Z', NULL);
                 INSERT INTO participants (session_id, user_id, node_id, joined_at)
                     VALUES ('ses_2', 'usr_1', 'node_old', '2026-11-01T11:00:01Z');
                 INSERT INTO session_users (session_id, user_id, user_json, seq)
                     VALUES ('ses_2', 'usr_1', '{ada}', 0), ('ses_2', 'usr_9', '{gone}', 1);
                 INSERT INTO webhooks (id, account_id, url, events_mask, enabled, secret_sealed, created_at, updated_at)
                     VALUES ('wh_1', 'acct_1', 'https://example.com/hook', 127, true, 'sealed', '{T}', '{T}');
                 INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, attempts, created_at)
                     SELECT 'dlv_' || e.id, w.seq, e.seq, 0, 'success', 1, '{T}'
                     FROM webhooks w, events e;"
            ),
        )
        .await;
        let store = PgStore::open(&url, &PgOptions::default()).await.unwrap();

        // Rooms keep their ids and custom ids; the counters come from the data.
        let rooms = store
            .list_rooms("acct_1", &RoomFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(
            rooms.total,
            Some(2),
            "the account's room count is backfilled"
        );
        let main = store.find_room_by_custom_id("acct_1", "r1").await.unwrap();
        assert_eq!(main.id, "room_1");
        assert_eq!(main.counters.users, 2);
        assert_eq!(main.counters.users_created, 3, "users now and deleted ones");
        assert_eq!(main.counters.participants, 1);
        assert_eq!(main.counters.closed_ms, 5_500);
        assert_eq!(
            main.counters.live_since,
            Some(collabkit_domain::clock::parse("2026-11-01T11:00:00Z").unwrap())
        );
        let side = store.get_room("acct_1", "room_2").await.unwrap();
        assert_eq!(side.counters, Default::default());
        assert_eq!(
            store.count_webhooks("acct_1").await,
            Ok(1),
            "the registrations are counted (0006)"
        );

        // Users keep their rows; the participant is online with their participation open.
        let users = store
            .list_users(
                "acct_1",
                &UserFilter::room("room_1"),
                PageRequest::first(10),
            )
            .await
            .unwrap();
        assert_eq!(users.total, Some(2));
        let ada = &users.items[0];
        assert_eq!(
            (ada.id.as_str(), ada.custom_id.as_deref()),
            ("usr_1", Some("u1"))
        );
        assert_eq!(ada.token_sealed, "sealed1");
        assert!(ada.online);
        assert!(!users.items[1].online);
        let sessions = store.user_sessions("acct_1", "usr_1", 10).await.unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].left_at, None);
        assert!(sessions[0].id.starts_with("sess_"));
        assert_eq!(store.find_user_by_token("tk2").await.unwrap().id, "usr_2");

        // Events and deliveries stay as stored, byte for byte.
        let events = store
            .list_events("acct_1", EventFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        let stored: Vec<_> = events
            .items
            .iter()
            .map(|e| (e.id.as_str(), e.payload.as_str()))
            .collect();
        assert_eq!(
            stored,
            [("evt_1", r#"{"old":1}"#), ("evt_2", r#"{"old":2}"#)]
        );
        let hook = store
            .list_webhooks("acct_1", &WebhookFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(hook.total, Some(1));
        let deliveries = store
            .list_deliveries(
                "acct_1",
                "wh_1",
                DeliveryFilter::default(),
                PageRequest::first(10),
            )
            .await
            .unwrap();
        assert_eq!(
            deliveries.total,
            Some(2),
            "the delivery count is backfilled"
        );
        assert_eq!(deliveries.items.len(), 2);
        assert_eq!(deliveries.items[0].payload, r#"{"old":2}"#);
        // Both were stored with code 0 (participant.joined): counted per event (0007).
        let of_event = |event| DeliveryFilter {
            event: Some(event),
            ..DeliveryFilter::default()
        };
        for (event, n) in [
            (WebhookEventName::ParticipantJoined, 2),
            (WebhookEventName::UserCreated, 0),
        ] {
            let found = store
                .list_deliveries("acct_1", "wh_1", of_event(event), PageRequest::first(10))
                .await
                .unwrap();
            assert_eq!(found.total, Some(n), "{event:?}");
        }

        // The live session goes on: its last participant leaves and it closes with everyone
        // who joined, the deleted user's old snapshot included, in the new shape.
        let left = store
            .leave_session("acct_1", "room_1", "usr_1", "node_old", None)
            .await
            .unwrap();
        let names: Vec<_> = left.events.iter().map(|e| e.event).collect();
        assert_eq!(
            names,
            [
                WebhookEventName::ParticipantLeft,
                WebhookEventName::SessionClosed
            ]
        );
        assert_eq!(
            left.events[0].room_seq,
            Some(3),
            "numbers follow the old ones"
        );
        match serde_json::from_str(&left.events[1].payload).unwrap() {
            WebhookPayload::SessionClosed { room, users, .. } => {
                assert_eq!(room.active_participants, 0);
                assert_eq!(room.total_users_created, 3);
                let ids: Vec<_> = users.iter().map(|u| u.id.as_str()).collect();
                assert_eq!(ids, ["usr_1", "usr_9"]);
                assert!(users.iter().all(|u| u.status == UserStatus::Offline));
                assert_eq!(users[1].custom_id.as_deref(), Some("u9"));
            }
            other => panic!("{other:?}"),
        }
        let ada = store.get_user("acct_1", "usr_1").await.unwrap();
        assert!(!ada.online);
        assert!(ada.left_at.is_some());
        let sessions = store.user_sessions("acct_1", "usr_1", 10).await.unwrap();
        assert!(sessions[0].left_at.is_some());

        // New rooms and users may go without a custom id.
        let room = store
            .create_room(
                "acct_1",
                NewRoom {
                    custom_id: None,
                    name: "New".into(),
                },
            )
            .await
            .unwrap();
        for token in ["tk_a", "tk_b"] {
            let new = NewUser {
                room_id: room.id.clone(),
                custom_id: None,
                name: "Anon".into(),
                profile_picture: None,
                token: token.into(),
                token_sealed: "sealed".into(),
            };
            store.create_user("acct_1", new, None).await.unwrap();
        }
        let rooms = store
            .list_rooms("acct_1", &RoomFilter::default(), PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(rooms.total, Some(3));
        assert_eq!(
            store
                .get_room("acct_1", &room.id)
                .await
                .unwrap()
                .counters
                .users,
            2
        );
        drop(store);
        admin::drop_database(&admin_url, &name).await.unwrap();
    }

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
            custom_id: Some("new".into()),
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
