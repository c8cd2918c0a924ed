//! Counters and status: users created and deleted, sessions joined, left and closed move a
//! room's counters, a user's status and the room's duration; reconcile recounts them.

use collabkit_webhooks::{UserStatus, WebhookEventName, WebhookPayload};

use super::{payload, user_of};
use crate::{ALL, NODE, account, new_room, new_user, user};
use collabkit_domain::store::{Storage, StoreError, UserFilter};

/// Users created and deleted move the room's counters in the same change, and each payload
/// carries the room as of its event.
pub async fn room_counters_follow_user_creation_and_deletion(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    assert_eq!(
        room.counters,
        Default::default(),
        "a new room counts nothing"
    );
    let first = store
        .create_user(&a, new_user(&room.id, "u1"), None)
        .await
        .unwrap();
    let created = payload(&first.events[0]);
    assert_eq!(created.room().total_users_created, 1);
    assert_eq!(created.room().active_participants, 0);
    assert_eq!(user_of(&first.events[0]).status, UserStatus::Offline);
    let second = user(store, &a, &room.id, "u2").await;
    let now = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((now.counters.users_created, now.counters.users), (2, 2));

    let deleted = store.delete_user(&a, &first.value.id, None).await.unwrap();
    assert_eq!(
        payload(deleted.events.last().unwrap())
            .room()
            .total_users_created,
        2,
        "users ever created do not go down"
    );
    let now = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((now.counters.users_created, now.counters.users), (2, 1));
    let page = store
        .list_users(&a, &UserFilter::room(&room.id), ALL)
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.items[0].id, second.id);
}

/// Joining, leaving and closing move the participants, the user's status and the room's
/// duration; the events carry them as of each event.
pub async fn sessions_move_counters_status_and_duration(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    assert!(!u1.online && u1.joined_at.is_none() && u1.left_at.is_none());

    let joined = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    let started_at = joined.events[0].created_at;
    let (started, joined_ev) = (payload(&joined.events[0]), &joined.events[1]);
    assert_eq!(started.event(), WebhookEventName::SessionStarted);
    assert_eq!(payload(joined_ev).room().active_participants, 1);
    let who = user_of(joined_ev);
    assert_eq!(who.status, UserStatus::Online);
    assert!(who.joined_at.is_some());
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!(r.counters.participants, 1);
    assert_eq!(r.counters.live_since, Some(started_at));
    let online = store.get_user(&a, &u1.id).await.unwrap();
    assert!(online.online);
    assert_eq!(online.joined_at, Some(started_at));

    store
        .join_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    // Joining again through the same node changes nothing.
    store
        .join_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_room(&a, &room.id)
            .await
            .unwrap()
            .counters
            .participants,
        2
    );

    let left = store
        .leave_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(left.events.len(), 1);
    assert_eq!(payload(&left.events[0]).room().active_participants, 1);
    let gone = user_of(&left.events[0]);
    assert_eq!(gone.status, UserStatus::Offline);
    assert!(gone.left_at.is_some());
    let offline = store.get_user(&a, &u1.id).await.unwrap();
    assert!(!offline.online);
    assert_eq!(offline.left_at, Some(left.events[0].created_at));
    assert_eq!(offline.joined_at, Some(started_at), "joined_at stays");

    let last = store
        .leave_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(last.events.len(), 2);
    let closed_at = last.events[1].created_at;
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!(r.counters.participants, 0);
    assert_eq!(r.counters.live_since, None);
    let length = (closed_at - started_at).num_milliseconds() as u64;
    assert_eq!(
        r.counters.closed_ms, length,
        "the closed session's length, start to close"
    );
    match payload(&last.events[1]) {
        WebhookPayload::SessionClosed {
            room: shown, users, ..
        } => {
            assert_eq!(shown.active_participants, 0);
            assert_eq!(shown.duration_seconds, length / 1000);
            let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            assert_eq!(ids, [u1.id.as_str(), u2.id.as_str()]);
            assert!(
                users.iter().all(|u| u.status == UserStatus::Offline),
                "everyone as of the close: {users:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // The next session adds to the duration.
    let again = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!(r.counters.closed_ms, length, "closed sessions only");
    assert_eq!(r.counters.live_since, Some(again.events[0].created_at));
    assert_eq!(r.counters.participants, 1);
}

/// Reconcile recounts who takes part in the live session and stores no event.
pub async fn reconcile_recounts_participants_without_events(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    for u in [&u1, &u2] {
        store
            .join_session(&a, &room.id, &u.id, NODE, None)
            .await
            .unwrap();
    }
    store
        .join_session(&a, &room.id, &u2.id, "second-node", None)
        .await
        .unwrap();
    let before = crate::all_events(store, &a).await.len();
    let (after, previous, reconciled) = store.reconcile_room(&a, &room.id).await.unwrap();
    assert_eq!((previous, reconciled), (2, 2), "a user on two nodes is one");
    assert_eq!(after.counters.participants, 2);
    assert_eq!(after.id, room.id);
    assert_eq!(crate::all_events(store, &a).await.len(), before, "no event");
    let b = account(store).await;
    assert_eq!(
        store.reconcile_room(&b, &room.id).await.err(),
        Some(StoreError::NotFound("room"))
    );
}
