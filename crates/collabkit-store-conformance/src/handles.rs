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
        relay.publish(signal.clone()).await.unwrap();
        let got = tokio::time::timeout(WAKE_WITHIN, heard.recv())
            .await
            .expect("the signal arrives")
            .unwrap();
        assert_eq!(got, signal);
    }
}
