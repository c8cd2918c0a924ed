//! Live sessions and their events.

use collabkit_webhooks::WebhookPayload;

use super::{account, new_room, user};
use crate::store::{Store, StoreError};

fn names(events: &[crate::store::Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

pub async fn sessions_start_join_leave_and_close_in_order(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let other_room = store.create_room(&a, new_room("o")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    let stranger = user(store, &a, &other_room.id, "s").await;

    let first = store.join_session(&a, &room.id, &u1.id).await.unwrap();
    assert_eq!(
        names(&first.events),
        ["session.started", "participant.joined"]
    );
    let again = store.join_session(&a, &room.id, &u1.id).await.unwrap();
    assert!(again.events.is_empty(), "joining twice is a no-op");
    let second = store.join_session(&a, &room.id, &u2.id).await.unwrap();
    assert_eq!(names(&second.events), ["participant.joined"]);
    assert_eq!(
        store.join_session(&a, &room.id, &stranger.id).await.err(),
        Some(StoreError::NotFound("user")),
        "only the room's users join its session"
    );
    let b = account(store).await;
    assert!(store.join_session(&b, &room.id, &u1.id).await.is_err());

    let left = store.leave_session(&a, &room.id, &u1.id).await.unwrap();
    assert_eq!(names(&left.events), ["participant.left"]);
    assert!(
        store
            .leave_session(&a, &room.id, &u1.id)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    let last = store.leave_session(&a, &room.id, &u2.id).await.unwrap();
    assert_eq!(names(&last.events), ["participant.left", "session.closed"]);
    match serde_json::from_str(&last.events[1].payload).unwrap() {
        WebhookPayload::SessionClosed { users, room: r, .. } => {
            assert_eq!(r.id, room.id);
            let ids: Vec<_> = users.iter().map(|u| u.id.clone()).collect();
            assert_eq!(
                ids,
                [u1.id.clone(), u2.id.clone()],
                "everyone who joined, in order"
            );
        }
        p => panic!("{p:?}"),
    }
    let next = store.join_session(&a, &room.id, &u1.id).await.unwrap();
    assert_eq!(
        names(&next.events),
        ["session.started", "participant.joined"],
        "a new session"
    );
}

pub async fn open_sessions_are_closed_after_a_restart(store: &dyn Store) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    for (room, n) in [(&r1, 2), (&r2, 1)] {
        for i in 0..n {
            let u = user(store, &a, &room.id, &format!("u{i}")).await;
            store.join_session(&a, &room.id, &u.id).await.unwrap();
        }
    }
    let closed = store.close_open_sessions().await.unwrap();
    assert_eq!(closed.value, 2);
    assert_eq!(
        names(&closed.events),
        [
            "participant.left",
            "participant.left",
            "session.closed",
            "participant.left",
            "session.closed"
        ]
    );
    let again = store.close_open_sessions().await.unwrap();
    assert_eq!(
        (again.value, again.events.len()),
        (0, 0),
        "closed exactly once"
    );
}

pub async fn deletions_end_participation_first(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    store.join_session(&a, &room.id, &u1.id).await.unwrap();
    store.join_session(&a, &room.id, &u2.id).await.unwrap();

    let deleted = store.delete_user(&a, &u1.id).await.unwrap();
    assert_eq!(names(&deleted.events), ["participant.left", "user.deleted"]);
    let gone = store.delete_room(&a, &room.id).await.unwrap();
    assert_eq!(
        names(&gone.events),
        ["participant.left", "session.closed", "user.deleted"]
    );
    assert_eq!(store.close_open_sessions().await.unwrap().value, 0);
}
