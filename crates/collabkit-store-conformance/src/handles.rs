//! The hand-off of fresh deliveries, the wake-up, and several handles on one database (what
//! several nodes, or a server beside `collabkit accounts create`, do).

use std::collections::HashSet;
use std::time::Duration;

use collabkit_domain::clock;
use collabkit_domain::store::{ClaimedDelivery, InlineLease, NextStep, Storage};

use crate::delivery::{LEASE, USER_CREATED, claim, new_webhook, record};
use crate::{TestDatabase, account, new_room, new_user};

/// How long a wake-up may take to arrive (a cross-process one goes through the database).
const WAKE_WITHIN: Duration = Duration::from_secs(5);

/// A change given a lease returns its deliveries already leased: a claim does not take them
/// until the lease runs out, and recording them needs no claim.
pub async fn fresh_deliveries_are_leased_inline_when_asked(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let lease = InlineLease {
        until: clock::now() + chrono::Duration::seconds(30),
        token: 4242,
    };
    let change = store
        .create_user(&a, new_user(&room.id, "u"), Some(lease))
        .await
        .unwrap();
    assert_eq!(change.leased.len(), 1, "one registration, one delivery");
    let leased = &change.leased[0];
    assert_eq!((leased.lease, leased.lease_until), (4242, lease.until));
    assert_eq!(leased.webhook_id, hook.id);
    assert_eq!(leased.event_id, change.events[0].id);
    assert_eq!(&leased.payload[..], change.events[0].payload.as_bytes());
    assert!(
        claim(store, clock::now()).await.is_empty(),
        "leased inline: a claim does not take it"
    );
    store
        .record_attempts(vec![record(leased, Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    assert_eq!(store.next_due_at().await.unwrap(), None, "done");

    // Without a lease the same change leaves its delivery to a claim.
    let change = store
        .create_user(&a, new_user(&room.id, "v"), None)
        .await
        .unwrap();
    assert!(change.leased.is_empty());
    assert_eq!(claim(store, clock::now()).await.len(), 1);
}

/// Every commit that leaves deliveries to a claim rings the wake-up: new events without a
/// lease, released leases, retries and recoveries.
pub async fn deliveries_left_to_claims_ring_the_wakeup(store: &dyn Storage) {
    let wakeup = store.wakeup();
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    // Whatever rang before this point is consumed.
    let _ = tokio::time::timeout(Duration::from_millis(50), wakeup.wait()).await;

    store
        .create_user(&a, new_user(&room.id, "u"), None)
        .await
        .unwrap();
    tokio::time::timeout(WAKE_WITHIN, wakeup.wait())
        .await
        .expect("a new delivery wakes the dispatcher");

    let claimed = claim(store, clock::now()).await;
    store
        .release_leases(vec![(claimed[0].delivery_id.clone(), claimed[0].lease)])
        .await
        .unwrap();
    tokio::time::timeout(WAKE_WITHIN, wakeup.wait())
        .await
        .expect("a released lease wakes the dispatcher");

    let claimed = claim(store, clock::now()).await;
    store
        .record_attempts(vec![record(&claimed[0], Some(500), NextStep::Failed)])
        .await
        .unwrap();
    store
        .retry_delivery(&a, &hook.id, &claimed[0].delivery_id)
        .await
        .unwrap();
    tokio::time::timeout(WAKE_WITHIN, wakeup.wait())
        .await
        .expect("a retry wakes the dispatcher");
}

/// Two handles claiming from one database at once never lease the same delivery, and together
/// take every one.
pub async fn two_handles_never_lease_one_delivery_twice(db: &dyn TestDatabase) {
    let (one, two) = (db.open().await, db.open().await);
    let a = account(one.as_ref()).await;
    let room = one.create_room(&a, new_room("r")).await.unwrap();
    for i in 0..4 {
        one.create_webhook(&a, new_webhook(USER_CREATED, None, true))
            .await
            .unwrap_or_else(|e| panic!("registration {i}: {e}"));
    }
    let users = 60;
    for i in 0..users {
        one.create_user(&a, new_user(&room.id, &format!("u{i}")), None)
            .await
            .unwrap();
    }
    let total = users * 4;

    async fn drain(store: &dyn Storage) -> Vec<ClaimedDelivery> {
        let mut taken = Vec::new();
        loop {
            let batch = store
                .claim_due(clock::now(), LEASE, 7, 3, vec![])
                .await
                .unwrap();
            if batch.is_empty() {
                return taken;
            }
            taken.extend(batch);
            tokio::task::yield_now().await;
        }
    }
    let (from_one, from_two) = tokio::join!(drain(one.as_ref()), drain(two.as_ref()));
    let mut seen = HashSet::new();
    for d in from_one.iter().chain(&from_two) {
        assert!(
            seen.insert(d.delivery_id.clone()),
            "{} leased twice",
            d.delivery_id
        );
    }
    assert_eq!(seen.len(), total, "every delivery was taken once");
}

/// A delivery made due through one handle wakes a dispatcher waiting on another (on a backend
/// shared by nodes, the other node).
pub async fn a_change_on_one_handle_wakes_the_other(db: &dyn TestDatabase) {
    let (writer, waiter) = (db.open().await, db.open().await);
    let a = account(writer.as_ref()).await;
    let room = writer.create_room(&a, new_room("r")).await.unwrap();
    writer
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let wakeup = waiter.wakeup();
    let _ = tokio::time::timeout(Duration::from_millis(50), wakeup.wait()).await;
    let woken = tokio::spawn(async move {
        tokio::time::timeout(WAKE_WITHIN, wakeup.wait())
            .await
            .is_ok()
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    writer
        .create_user(&a, new_user(&room.id, "u"), None)
        .await
        .unwrap();
    if db.wakes_across_handles() {
        assert!(woken.await.unwrap(), "the other handle was woken");
    } else {
        // A single-process backend (SQLite: one server per file) wakes its own handle only;
        // the other still finds the delivery by claiming.
        woken.abort();
    }
    assert_eq!(claim(waiter.as_ref(), clock::now()).await.len(), 1);
}

/// A live room's signal published through one handle reaches the others' subscribers when the
/// backend is shared by nodes, large frames (past PostgreSQL's NOTIFY limit) included.
pub async fn room_signals_reach_the_other_nodes(db: &dyn TestDatabase) {
    use collabkit_domain::relay::{RelayKind, RoomSignal};
    let (one, two) = (db.open().await, db.open().await);
    let relay = one.relay();
    assert_eq!(relay.is_shared(), db.wakes_across_handles());
    if !relay.is_shared() {
        return;
    }
    let mut heard = two.relay().subscribe();
    for size in [10, 60_000] {
        let signal = RoomSignal {
            room_id: "room_1".into(),
            node: "node-one".into(),
            kind: RelayKind::Broadcast,
            user_id: "usr_1".into(),
            frame: "x".repeat(size),
        };
        relay.publish(vec![signal.clone()]).await.unwrap();
        let got = tokio::time::timeout(WAKE_WITHIN, heard.recv())
            .await
            .expect("the signal arrives")
            .unwrap();
        assert_eq!(got, signal);
    }
    // Several at once arrive each once, in order, large ones and identical ones included
    // (PostgreSQL folds identical notifications of one transaction into one).
    let signal = |i: usize, size: usize| RoomSignal {
        room_id: "room_1".into(),
        node: "node-one".into(),
        kind: RelayKind::Broadcast,
        user_id: "usr_1".into(),
        frame: format!("{i}:{}", "y".repeat(size)),
    };
    let mut sent: Vec<RoomSignal> = (0..20).map(|i| signal(i % 5, 10)).collect();
    sent.insert(7, signal(99, 60_000));
    relay.publish(sent.clone()).await.unwrap();
    for (i, want) in sent.iter().enumerate() {
        let got = tokio::time::timeout(WAKE_WITHIN, heard.recv())
            .await
            .expect("every signal arrives")
            .unwrap();
        assert_eq!(&got, want, "signal {i} in order");
    }
}

/// Every event takes the next number of its room: 1, 2, 3… with no gap or repeat, however many
/// handles write to the room at once (on PostgreSQL, concurrent creations are also grouped into
/// one transaction across rooms); a room's events read after a number come in that order, a
/// page at a time; the newest come first in `recent_events`; a deleted room's last events are
/// numbered after the others; another account reads none of them.
pub async fn a_rooms_events_are_numbered_without_gaps(db: &dyn TestDatabase) {
    use collabkit_domain::store::{Event, SharedStore, UserPatch};
    use collabkit_webhooks::WebhookEventName;

    let (one, two) = (db.open().await, db.open().await);
    let a = account(one.as_ref()).await;
    let rooms = [
        one.create_room(&a, new_room("r1")).await.unwrap(),
        one.create_room(&a, new_room("r2")).await.unwrap(),
    ];
    // Each handle creates users in both rooms at once, then renames each (one more event each).
    async fn write(store: SharedStore, a: String, rooms: Vec<String>, tag: &'static str) {
        let creations = (0..24).map(|i| {
            let (store, a, room) = (store.clone(), a.clone(), rooms[i % 2].clone());
            async move {
                store
                    .create_user(&a, new_user(&room, &format!("{tag}{i}")), None)
                    .await
                    .unwrap()
                    .value
            }
        });
        for user in futures_util::future::join_all(creations).await {
            let patch = UserPatch {
                name: Some(format!("{} renamed", user.name)),
                profile_picture: None,
            };
            store.update_user(&a, &user.id, patch, None).await.unwrap();
        }
    }
    let ids: Vec<String> = rooms.iter().map(|r| r.id.clone()).collect();
    tokio::join!(
        write(one.clone(), a.clone(), ids.clone(), "a"),
        write(two.clone(), a.clone(), ids.clone(), "b"),
    );
    let someone = crate::user(one.as_ref(), &a, &rooms[0].id, "joiner").await;
    one.join_session(&a, &rooms[0].id, &someone.id, crate::NODE, None)
        .await
        .unwrap();
    one.leave_session(&a, &rooms[0].id, &someone.id, crate::NODE, None)
        .await
        .unwrap();
    one.delete_room(&a, &rooms[1].id, None).await.unwrap();

    let numbers = |events: &[Event]| events.iter().map(|e| e.room_seq).collect::<Vec<_>>();
    // Per room: 24 users created and renamed; the first room also has someone join and leave
    // (created, session started, joined, left, closed), the second its 24 users deleted.
    for (room, expected) in [(&rooms[0], 48 + 5), (&rooms[1], 48 + 24)] {
        let read = two.room_events(&a, &room.id, 0, 200).await.unwrap();
        assert_eq!(
            numbers(&read),
            (1..=expected).map(Some).collect::<Vec<_>>(),
            "room {}: one number per event, from 1, in order",
            room.name
        );
        assert!(read.iter().all(|e| e.room_id == room.id));
        // A user's creation comes before its renaming, in the room's order.
        let seq_of = |user_id: &str, name: WebhookEventName| {
            read.iter()
                .find(|e| e.event == name && e.payload.contains(user_id))
                .and_then(|e| e.room_seq)
        };
        for e in read
            .iter()
            .filter(|e| e.event == WebhookEventName::UserCreated)
        {
            let user_id =
                &serde_json::from_str::<serde_json::Value>(&e.payload).unwrap()["user"]["id"];
            let user_id = user_id.as_str().unwrap();
            if let Some(updated) = seq_of(user_id, WebhookEventName::UserUpdated) {
                assert!(
                    e.room_seq < Some(updated),
                    "{user_id} renamed before created"
                );
            }
        }
        let page = two.room_events(&a, &room.id, 10, 5).await.unwrap();
        assert_eq!(numbers(&page), (11..=15).map(Some).collect::<Vec<_>>());
        let past_the_end = two.room_events(&a, &room.id, expected, 5).await.unwrap();
        assert!(past_the_end.is_empty());
    }
    let last = one.room_events(&a, &rooms[1].id, 48, 200).await.unwrap();
    assert_eq!(last.len(), 24);
    assert!(
        last.iter()
            .all(|e| e.event == WebhookEventName::UserDeleted),
        "the deletion's events come last"
    );
    let recent = one.recent_events(&a, &rooms[0].id, 3).await.unwrap();
    assert_eq!(numbers(&recent), [Some(53), Some(52), Some(51)]);

    let other = account(one.as_ref()).await;
    assert!(
        one.room_events(&other, &rooms[0].id, 0, 200)
            .await
            .unwrap()
            .is_empty(),
        "another account reads none of them"
    );
}
