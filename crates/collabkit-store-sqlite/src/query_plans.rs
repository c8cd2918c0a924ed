//! The query plans of the account, room, user and event-log reads: each seeks an index.

#![cfg(test)]

mod tests {

    use crate::event_log::*;
    use crate::rooms::*;
    use crate::rows::{EVENT_COLS, ROOM_COLS, USER_COLS};
    use crate::tests::query_plan;
    use crate::users::*;
    use collabkit_domain::store::EventFilter;
    use collabkit_webhooks::WebhookEventName;
    use rusqlite::Connection;

    /// Live rooms are read from the account's open sessions, not its rooms.
    #[test]
    fn live_rooms_seek_the_open_sessions_of_the_account() {
        let plan = query_plan(&live_rooms_query(), 3);
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX sessions_open_by_account")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.starts_with("SCAN r")), "{plan:#?}");
    }

    /// Every filter of the event log seeks its own index: a quiet room's page does not read the
    /// account's whole history.
    #[test]
    fn every_event_log_query_is_indexed() {
        let filters = [
            (None, None, "events_by_account (account_id=? AND seq>?)"),
            (Some("r"), None, "events_by_room (room_id=? AND seq>?)"),
            (
                None,
                Some(WebhookEventName::UserDeleted),
                "events_by_name (account_id=? AND event=? AND seq>?)",
            ),
            (
                Some("r"),
                Some(WebhookEventName::UserDeleted),
                "events_by_room (room_id=? AND seq>?)",
            ),
        ];
        for (room, event, index) in filters {
            let filter = EventFilter {
                room_id: room.map(str::to_owned),
                event,
            };
            let plan = query_plan(&events_query(&filter), 5);
            assert!(
                plan.iter()
                    .any(|l| l == &format!("SEARCH events USING INDEX {index}")),
                "{filter:?}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.contains("SCAN")), "{plan:#?}");
        }
    }

    /// A room's catch-up read and its recent events seek the room's numbers, whatever the
    /// account's history.
    #[test]
    fn room_event_reads_seek_the_rooms_numbers() {
        for (clause, params) in [(ROOM_EVENTS, 4), (RECENT_EVENTS, 3)] {
            let plan = query_plan(&format!("SELECT {EVENT_COLS} FROM events {clause}"), params);
            assert!(
                plan.iter()
                    .any(|l| l.starts_with("SEARCH events USING INDEX events_by_room_seq")),
                "{clause}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:#?}");
        }
    }

    /// The room and user lists (filtered or not, and their counts) seek the account's rooms
    /// or the room's users, never scan the tables.
    #[test]
    fn room_and_user_lists_seek_their_index() {
        let rooms = [
            format!(
                "SELECT {ROOM_COLS} FROM rooms WHERE {ROOM_FILTERS} AND seq > :after
                 ORDER BY seq LIMIT :limit OFFSET :offset"
            ),
            format!("SELECT COUNT(*) FROM rooms WHERE {ROOM_FILTERS}"),
        ];
        for sql in rooms {
            let plan = named_query_plan(&sql);
            assert!(
                plan.iter()
                    .any(|l| l.contains("USING INDEX rooms_by_account")),
                "{sql}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:#?}");
        }
        let users = [
            format!(
                "SELECT {USER_COLS} FROM users WHERE room_id = :key AND {USER_FILTERS}
                 AND seq > :after ORDER BY seq LIMIT :limit OFFSET :offset"
            ),
            format!("SELECT COUNT(*) FROM users WHERE room_id = :key AND {USER_FILTERS}"),
        ];
        for sql in users {
            let plan = named_query_plan(&sql);
            assert!(
                plan.iter().any(|l| l.contains("USING INDEX users_by_room")),
                "{sql}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:#?}");
        }
    }

    /// The plan of a statement with named parameters, each bound to text.
    fn named_query_plan(sql: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("plan.db")).unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        for i in 1..=stmt.parameter_count() {
            stmt.raw_bind_parameter(i, format!("v{i}")).unwrap();
        }
        let mut rows = stmt.raw_query();
        let mut plan = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            plan.push(row.get::<_, String>(3).unwrap());
        }
        plan
    }

    /// The start-up look for tokens still in clear seeks an index of just those rows.
    #[test]
    fn legacy_tokens_are_found_by_index() {
        let plan = query_plan(LEGACY_TOKENS, 1);
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX users_token_unsealed")),
            "{plan:#?}"
        );
    }

    /// Deleting a room finds its registrations and sessions by index (the cascade from `rooms`
    /// and our own `DELETE … WHERE room_id`), not by scanning every account's.
    #[test]
    fn room_deletion_seeks_its_rows() {
        for (sql, table) in [
            ("DELETE FROM webhooks WHERE room_id = ?1", "webhooks"),
            ("DELETE FROM sessions WHERE room_id = ?1", "sessions"),
        ] {
            let plan = query_plan(sql, 1);
            assert!(
                plan.iter()
                    .any(|l| l.starts_with(&format!("SEARCH {table} USING"))),
                "{sql}: {plan:#?}"
            );
        }
    }

    /// Reconcile repairs a participant counter a crash left stale, from who holds the room's
    /// open session.
    #[tokio::test]
    async fn reconcile_repairs_a_stale_participant_counter() {
        use collabkit_domain::store::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stale.db");
        let (store, account, room) = crate::tests::store_with_room(&path).await;
        let user = crate::tests::new_user(&store, &room, "U").await;
        store
            .join_session(&account, &room.id, &user.id, "n", None)
            .await
            .unwrap();
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE rooms SET participants = 5", [])
            .unwrap();
        let (after, previous, now) = store.reconcile_room(&account, &room.id).await.unwrap();
        assert_eq!((previous, now), (5, 1));
        assert_eq!(
            store
                .get_room(&account, &room.id)
                .await
                .unwrap()
                .counters
                .participants,
            1
        );
        assert_eq!(after.counters.participants, 1);
    }
}
