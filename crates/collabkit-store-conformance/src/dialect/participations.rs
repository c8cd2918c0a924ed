//! Participations: one row per user's time in a room, however it ends.

use collabkit_webhooks::UserStatus;

use super::user_of;
use crate::{NODE, account, new_room, user};
use collabkit_domain::store::{Storage, StoreError};

/// Each participation is a row: opened at join, closed at leave, however the leave comes; the
/// newest first.
pub async fn user_sessions_open_and_close_with_participation(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u = user(store, &a, &room.id, "u").await;
    assert!(
        store
            .user_sessions(&a, &u.id, 100)
            .await
            .unwrap()
            .is_empty()
    );

    let joined = store
        .join_session(&a, &room.id, &u.id, NODE, None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let open = &sessions[0];
    assert!(open.id.starts_with("sess_"), "{}", open.id);
    assert_eq!(
        (open.user_id.as_str(), open.room_id.as_str()),
        (u.id.as_str(), room.id.as_str())
    );
    assert_eq!(open.joined_at, joined.events[0].created_at);
    assert_eq!(open.left_at, None);

    let left = store
        .leave_session(&a, &room.id, &u.id, NODE, None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert_eq!(sessions[0].left_at, Some(left.events[0].created_at));

    // A second participation, ended by the node going away.
    store
        .join_session(&a, &room.id, &u.id, "node-gone", None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].left_at, None, "newest first");
    assert!(sessions[1].left_at.is_some());
    assert_eq!(store.user_sessions(&a, &u.id, 1).await.unwrap().len(), 1);
    let far = collabkit_domain::clock::now() + chrono::Duration::hours(1);
    store
        .close_sessions_of_gone_nodes(NODE, far, None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert!(sessions.iter().all(|s| s.left_at.is_some()), "{sessions:?}");
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((r.counters.participants, r.counters.live_since), (0, None));
    assert!(!store.get_user(&a, &u.id).await.unwrap().online);

    // Deleting an online user ends their participation and counts them out.
    let v = user(store, &a, &room.id, "v").await;
    store
        .join_session(&a, &room.id, &v.id, NODE, None)
        .await
        .unwrap();
    let deleted = store.delete_user(&a, &v.id, None).await.unwrap();
    let names: Vec<&str> = deleted.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        ["participant.left", "session.closed", "user.deleted"]
    );
    assert_eq!(
        user_of(deleted.events.last().unwrap()).status,
        UserStatus::Offline
    );
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((r.counters.participants, r.counters.users), (0, 1));
    assert_eq!(
        store.user_sessions(&a, &v.id, 100).await.err(),
        Some(StoreError::NotFound("user"))
    );
    let b = account(store).await;
    assert_eq!(
        store.user_sessions(&b, &u.id, 100).await.err(),
        Some(StoreError::NotFound("user")),
        "another account's user"
    );
}
