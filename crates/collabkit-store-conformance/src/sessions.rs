//! Live sessions and their events.

use collabkit_webhooks::WebhookPayload;

use collabkit_domain::clock;

use crate::{NODE, account, new_room, user};
use collabkit_domain::store::{Storage, StoreError};

fn names(events: &[collabkit_domain::store::Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

pub async fn sessions_start_join_leave_and_close_in_order(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let other_room = store.create_room(&a, new_room("o")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    let stranger = user(store, &a, &other_room.id, "s").await;

    let first = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(
        names(&first.events),
        ["session.started", "participant.joined"]
    );
    let again = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    assert!(again.events.is_empty(), "joining twice is a no-op");
    let second = store
        .join_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(names(&second.events), ["participant.joined"]);
    let live = |account: String| async move {
        store
            .list_live_rooms(&account, crate::ALL)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        live(a.clone()).await,
        std::slice::from_ref(&room.id),
        "only the room with a session"
    );
    assert_eq!(
        store
            .join_session(&a, &room.id, &stranger.id, NODE, None)
            .await
            .err(),
        Some(StoreError::NotFound("user")),
        "only the room's users join its session"
    );
    let b = account(store).await;
    assert!(
        store
            .join_session(&b, &room.id, &u1.id, NODE, None)
            .await
            .is_err()
    );

    let left = store
        .leave_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(names(&left.events), ["participant.left"]);
    assert!(
        store
            .leave_session(&a, &room.id, &u1.id, NODE, None)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    let last = store
        .leave_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(names(&last.events), ["participant.left", "session.closed"]);
    assert!(
        live(a.clone()).await.is_empty(),
        "a closed session is not live"
    );
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
    let next = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(
        names(&next.events),
        ["session.started", "participant.joined"],
        "a new session"
    );
}

pub async fn open_sessions_are_closed_after_a_restart(store: &dyn Storage) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    for (room, n) in [(&r1, 2), (&r2, 1)] {
        for i in 0..n {
            let u = user(store, &a, &room.id, &format!("u{i}")).await;
            store
                .join_session(&a, &room.id, &u.id, NODE, None)
                .await
                .unwrap();
        }
    }
    // The next run is another node; every earlier one is gone (a single-node restart).
    let restarted = "node-after-restart";
    let closed = store
        .close_sessions_of_gone_nodes(restarted, far_future(), None)
        .await
        .unwrap();
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
    let again = store
        .close_sessions_of_gone_nodes(restarted, far_future(), None)
        .await
        .unwrap();
    assert_eq!(
        (again.value, again.events.len()),
        (0, 0),
        "closed exactly once"
    );
}

pub async fn deletions_end_participation_first(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    store
        .join_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();

    let deleted = store.delete_user(&a, &u1.id, None).await.unwrap();
    assert_eq!(names(&deleted.events), ["participant.left", "user.deleted"]);
    let gone = store.delete_room(&a, &room.id, None).await.unwrap();
    assert_eq!(
        names(&gone.events),
        ["participant.left", "session.closed", "user.deleted"]
    );
    let closed = store
        .close_sessions_of_gone_nodes("other", far_future(), None)
        .await
        .unwrap();
    assert_eq!(closed.value, 0);
}

/// Participation belongs to the node that holds the connection: when a node stops sending
/// heartbeats, what it held ends (its participants leave, a session left empty closes), and
/// what live nodes hold stays.
pub async fn only_the_participation_of_gone_nodes_ends(store: &dyn Storage) {
    let a = account(store).await;
    let shared = store.create_room(&a, new_room("shared")).await.unwrap();
    let lonely = store.create_room(&a, new_room("lonely")).await.unwrap();
    let on_live = user(store, &a, &shared.id, "live").await;
    let on_dead = user(store, &a, &shared.id, "dead").await;
    let alone = user(store, &a, &lonely.id, "alone").await;
    let t0 = clock::now();
    store.node_heartbeat("live", t0).await.unwrap();
    store.node_heartbeat("dead", t0).await.unwrap();
    store
        .join_session(&a, &shared.id, &on_live.id, "live", None)
        .await
        .unwrap();
    store
        .join_session(&a, &shared.id, &on_dead.id, "dead", None)
        .await
        .unwrap();
    store
        .join_session(&a, &lonely.id, &alone.id, "dead", None)
        .await
        .unwrap();

    // Both heartbeats are recent: nobody is gone.
    let none = store
        .close_sessions_of_gone_nodes("live", t0 - chrono::Duration::seconds(30), None)
        .await
        .unwrap();
    assert_eq!((none.value, none.events.len()), (0, 0));

    let later = t0 + chrono::Duration::seconds(60);
    store.node_heartbeat("live", later).await.unwrap();
    let known: Vec<String> = store
        .nodes()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(known, ["dead", "live"], "oldest heartbeat first");
    let ended = store
        .close_sessions_of_gone_nodes("live", later - chrono::Duration::seconds(30), None)
        .await
        .unwrap();
    assert_eq!(ended.value, 1, "the lonely room's session closed");
    assert_eq!(
        names(&ended.events),
        ["participant.left", "participant.left", "session.closed"]
    );
    let left: Vec<String> = ended
        .events
        .iter()
        .filter_map(|e| match serde_json::from_str(&e.payload).unwrap() {
            WebhookPayload::ParticipantLeft { user, .. } => Some(user.id),
            _ => None,
        })
        .collect();
    assert_eq!(left, [on_dead.id.clone(), alone.id.clone()]);
    let known: Vec<String> = store
        .nodes()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(
        known,
        ["live"],
        "a gone node is forgotten once its sessions ended"
    );
    // The live node's participant is still in the session: leaving now is a real leave.
    let leave = store
        .leave_session(&a, &shared.id, &on_live.id, "live", None)
        .await
        .unwrap();
    assert_eq!(names(&leave.events), ["participant.left", "session.closed"]);
}

/// A node that stopped cleanly is gone at once: no longer listed, and what it still held ends
/// at the next sweep, however recent its last heartbeat.
pub async fn a_stopped_node_is_gone_at_once(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let ann = user(store, &a, &room.id, "ann").await;
    let now = clock::now();
    store.node_heartbeat("staying", now).await.unwrap();
    store.node_heartbeat("stopping", now).await.unwrap();
    store
        .join_session(&a, &room.id, &ann.id, "stopping", None)
        .await
        .unwrap();
    store.node_stopped("stopping").await.unwrap();
    let known: Vec<String> = store
        .nodes()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(known, ["staying"]);
    let swept = store
        .close_sessions_of_gone_nodes("staying", now - chrono::Duration::seconds(30), None)
        .await
        .unwrap();
    assert_eq!(
        names(&swept.events),
        ["participant.left", "session.closed"],
        "its heartbeat was recent, but it said it stopped"
    );
}

/// A user connected through two nodes (two tabs behind a load balancer) is one participant:
/// joining through the second stores nothing, leaving through one of them stores nothing, and
/// they leave when the last node lets go — whether it leaves or is gone.
pub async fn a_user_held_by_two_nodes_is_one_participant(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let ann = user(store, &a, &room.id, "ann").await;
    let bob = user(store, &a, &room.id, "bob").await;
    let join = |u: &str, node: &'static str| {
        let (a, r, u) = (a.clone(), room.id.clone(), u.to_owned());
        async move { store.join_session(&a, &r, &u, node, None).await.unwrap() }
    };
    let leave = |u: &str, node: &'static str| {
        let (a, r, u) = (a.clone(), room.id.clone(), u.to_owned());
        async move { store.leave_session(&a, &r, &u, node, None).await.unwrap() }
    };
    assert_eq!(
        names(&join(&ann.id, "one").await.events),
        ["session.started", "participant.joined"]
    );
    assert!(
        join(&ann.id, "two").await.events.is_empty(),
        "one participant"
    );
    let now_in: Vec<String> = store
        .session_participants(&a, &room.id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(now_in, std::slice::from_ref(&ann.id), "listed once");
    assert!(
        leave(&ann.id, "one").await.events.is_empty(),
        "still held by two"
    );
    assert!(
        leave(&ann.id, "one").await.events.is_empty(),
        "leaving twice is a no-op"
    );
    assert_eq!(
        names(&leave(&ann.id, "two").await.events),
        ["participant.left", "session.closed"]
    );

    // The same when the second node is gone instead of leaving.
    join(&ann.id, "one").await;
    join(&bob.id, "one").await;
    join(&ann.id, "two").await;
    let t = clock::now();
    store.node_heartbeat("one", t).await.unwrap();
    store
        .node_heartbeat("two", t - chrono::Duration::seconds(60))
        .await
        .unwrap();
    let swept = store
        .close_sessions_of_gone_nodes("one", t - chrono::Duration::seconds(30), None)
        .await
        .unwrap();
    assert!(swept.events.is_empty(), "ann is still held by node one");
    assert_eq!(
        names(&leave(&ann.id, "one").await.events),
        ["participant.left"]
    );
    assert_eq!(
        names(&leave(&bob.id, "one").await.events),
        ["participant.left", "session.closed"]
    );
}

fn far_future() -> collabkit_domain::clock::Timestamp {
    clock::now() + chrono::Duration::days(365)
}
