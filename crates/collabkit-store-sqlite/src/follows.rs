//! Follows between the users of a room on SQLite (`user_follows`): set and removed through the
//! writer, listed from a reader. They go with their users by the table's keys.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::backend;
use super::rows::ts;
use super::state::room_in;
use collabkit_domain::clock;
use collabkit_domain::store::{StoreError, StoreResult};

/// Records or removes that `follower_id` follows `user_id`; whether a row changed. Both must
/// be users of the room, and the room the account's.
pub fn set_follow(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    follower_id: &str,
    user_id: &str,
    follow: bool,
) -> StoreResult<bool> {
    let room = room_in(conn, account_id, room_id)?;
    for id in [follower_id, user_id] {
        member(conn, account_id, &room.id, id)?;
    }
    let changed = if follow {
        conn.prepare_cached(
            "INSERT INTO user_follows (account_id, room_id, follower_id, user_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![
                account_id,
                room.id,
                follower_id,
                user_id,
                ts(&clock::now())
            ])
        })
    } else {
        conn.prepare_cached(
            "DELETE FROM user_follows WHERE room_id = ?1 AND follower_id = ?2 AND user_id = ?3",
        )
        .and_then(|mut s| s.execute(params![room.id, follower_id, user_id]))
    }
    .map_err(backend)?;
    Ok(changed > 0)
}

/// `NotFound("user")` unless `user_id` is a user of the room in the account.
fn member(conn: &Connection, account_id: &str, room_id: &str, user_id: &str) -> StoreResult<()> {
    conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND room_id = ?2 AND account_id = ?3")
        .and_then(|mut s| {
            s.query_row(params![user_id, room_id, account_id], |_| Ok(()))
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound("user"))
}

/// The room's follows, by follower then user (the primary key's order).
pub fn room_follows(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
) -> StoreResult<Vec<(String, String)>> {
    let room = room_in(conn, account_id, room_id)?;
    conn.prepare_cached(
        "SELECT follower_id, user_id FROM user_follows WHERE room_id = ?1
         ORDER BY follower_id, user_id",
    )
    .and_then(|mut s| {
        s.query_map(params![room.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    })
    .map_err(backend)
}

#[cfg(test)]
mod tests {
    use collabkit_domain::store::prelude::*;
    use rusqlite::Connection;

    use crate::tests::query_plan;

    /// The room's list reads the primary key in its order; the cascades from a deleted user
    /// find its rows by index, not by scanning every room's.
    #[test]
    fn follows_are_read_and_deleted_by_index() {
        let plan = query_plan(
            "SELECT follower_id, user_id FROM user_follows WHERE room_id = ?1
             ORDER BY follower_id, user_id",
            1,
        );
        assert!(
            plan.iter()
                .any(|l| l.starts_with("SEARCH user_follows USING PRIMARY KEY (room_id=?)")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:#?}");
        for (column, index) in [
            ("follower_id", "user_follows_by_follower"),
            ("user_id", "user_follows_by_user"),
        ] {
            let plan = query_plan(&format!("DELETE FROM user_follows WHERE {column} = ?1"), 1);
            assert!(
                plan.iter()
                    .any(|l| l.contains(&format!("USING COVERING INDEX {index}"))
                        || l.contains(&format!("USING INDEX {index}"))),
                "{column}: {plan:#?}"
            );
        }
    }

    /// No row outlives its users or its room (the suite can only see that they are not listed).
    #[tokio::test]
    async fn deletions_leave_no_rows_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("follows.db");
        let (store, account, room) = crate::tests::store_with_room(&path).await;
        let mut users = Vec::new();
        for name in ["A", "B", "C"] {
            users.push(crate::tests::new_user(&store, &room, name).await.id);
        }
        for (f, u) in [(0, 1), (1, 0), (1, 2), (2, 0)] {
            assert!(
                store
                    .set_follow(&account, &room.id, &users[f], &users[u], true)
                    .await
                    .unwrap()
            );
        }
        let rows = || -> i64 {
            Connection::open(&path)
                .unwrap()
                .query_row("SELECT COUNT(*) FROM user_follows", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(rows(), 4);
        store.delete_user(&account, &users[0], None).await.unwrap();
        assert_eq!(rows(), 1, "both directions of the deleted user");
        store.delete_room(&account, &room.id, None).await.unwrap();
        assert_eq!(rows(), 0);
    }
}
