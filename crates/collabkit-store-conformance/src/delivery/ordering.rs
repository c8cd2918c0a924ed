//! Ordered delivery per room (`collabkit_domain::rules::ordering`): the mode is kept per
//! registration and account; a claim only ever sees one delivery of a (registration, room),
//! the next once it ended, each with the previous room number; manual retries queue in their
//! room; turning ordering off or disabling the registration leaves nothing stuck.

use std::time::Duration;

use super::{USER_CREATED, claim, new_webhook, record};
use crate::{account, new_room, new_user};
use collabkit_domain::clock;
use collabkit_domain::store::{
    ClaimedDelivery, InlineLease, NextStep, Ordering, Storage, StoreError, WebhookPatch,
};

pub async fn ordering_is_kept_per_registration_and_account(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    assert_eq!(
        store.webhook_ordering(&a, &hook.id).await,
        Ok(Ordering::None)
    );
    assert_eq!(
        store
            .set_webhook_ordering(&a, &hook.id, Ordering::PerRoom)
            .await,
        Ok(Ordering::PerRoom)
    );
    assert_eq!(
        store.webhook_ordering(&a, &hook.id).await,
        Ok(Ordering::PerRoom)
    );
    assert_eq!(
        store.webhook_ordering(&b, &hook.id).await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store
            .set_webhook_ordering(&b, &hook.id, Ordering::None)
            .await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store.webhook_ordering(&a, &hook.id).await,
        Ok(Ordering::PerRoom)
    );
}

/// The ids and previous numbers a claim at `at` takes, in room-number order.
async fn claimed(store: &dyn Storage, at: clock::Timestamp) -> Vec<ClaimedDelivery> {
    let mut got = claim(store, at).await;
    got.sort_by_key(|d| (d.webhook_id.clone(), d.room_seq));
    got
}

pub async fn ordered_deliveries_go_one_per_room_in_order(store: &dyn Storage) {
    let a = account(store).await;
    let one = store.create_room(&a, new_room("one")).await.unwrap();
    let two = store.create_room(&a, new_room("two")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    store
        .set_webhook_ordering(&a, &hook.id, Ordering::PerRoom)
        .await
        .unwrap();
    // Offered an inline lease, ordered deliveries are not taken inline: the claim decides.
    let lease = InlineLease {
        until: clock::after(clock::now(), Duration::from_secs(30)),
        token: 7,
    };
    for i in 0..3 {
        let made = store
            .create_user(&a, new_user(&one.id, &format!("a{i}")), Some(lease))
            .await
            .unwrap();
        assert!(made.leased.is_empty(), "ordered: never leased inline");
    }
    store
        .create_user(&a, new_user(&two.id, "b0"), None)
        .await
        .unwrap();

    // One of each room: the heads, announcing 0.
    let later = || clock::after(clock::now(), Duration::from_secs(1));
    let heads = claimed(store, later()).await;
    assert_eq!(heads.len(), 2, "{heads:?}");
    for d in &heads {
        assert_eq!((d.room_seq, d.previous_room_seq), (Some(1), Some(0)));
    }
    let first = heads
        .iter()
        .find(|d| {
            d.payload
                .windows(one.id.len())
                .any(|w| w == one.id.as_bytes())
        })
        .unwrap()
        .clone();
    let log = store
        .list_deliveries(&a, &hook.id, Default::default(), crate::ALL)
        .await
        .unwrap()
        .items;
    let waiting: Vec<_> = {
        let mut w = Vec::new();
        for d in &log {
            if let Some(behind) = store.delivery_waiting(&a, &hook.id, &d.id).await.unwrap() {
                w.push(behind);
            }
        }
        w
    };
    assert_eq!(
        waiting,
        vec![first.delivery_id.clone(); 2],
        "two wait behind the head"
    );

    // A retry of the head keeps the others waiting.
    store
        .record_attempts(vec![record(
            &first,
            Some(500),
            NextStep::RetryAt(clock::now()),
        )])
        .await
        .unwrap();
    let again = claimed(store, later()).await;
    assert_eq!(again.len(), 1, "only the head again: {again:?}");
    assert_eq!(again[0].delivery_id, first.delivery_id);
    assert!(claimed(store, later()).await.is_empty());

    // It succeeds: the second goes, announcing 1; it is exhausted: the third, announcing 2.
    store
        .record_attempts(vec![record(&again[0], Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    let second = claimed(store, later()).await;
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!(
        (second[0].room_seq, second[0].previous_room_seq),
        (Some(2), Some(1))
    );
    store
        .record_attempts(vec![record(&second[0], Some(500), NextStep::Failed)])
        .await
        .unwrap();
    let third = claimed(store, later()).await;
    assert_eq!(third.len(), 1, "{third:?}");
    assert_eq!(
        (third[0].room_seq, third[0].previous_room_seq),
        (Some(3), Some(2))
    );

    // A retry of the failed second while the third is in flight waits for it.
    store
        .retry_delivery(&a, &hook.id, &second[0].delivery_id)
        .await
        .unwrap();
    assert!(
        claimed(store, later()).await.is_empty(),
        "the third is in flight"
    );
    assert_eq!(
        store
            .delivery_waiting(&a, &hook.id, &second[0].delivery_id)
            .await
            .unwrap(),
        Some(third[0].delivery_id.clone())
    );
    store
        .record_attempts(vec![record(&third[0], Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    let retried = claimed(store, later()).await;
    assert_eq!(retried.len(), 1, "{retried:?}");
    assert_eq!(retried[0].delivery_id, second[0].delivery_id);
}

pub async fn nothing_stays_stuck_when_ordering_stops(store: &dyn Storage) {
    let since = clock::now();
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    store
        .set_webhook_ordering(&a, &hook.id, Ordering::PerRoom)
        .await
        .unwrap();
    for i in 0..3 {
        store
            .create_user(&a, new_user(&room.id, &format!("u{i}")), None)
            .await
            .unwrap();
    }
    let later = || clock::after(clock::now(), Duration::from_secs(1));
    assert_eq!(claimed(store, later()).await.len(), 1);
    // Off: the two waiting go at once.
    store
        .set_webhook_ordering(&a, &hook.id, Ordering::None)
        .await
        .unwrap();
    assert_eq!(claimed(store, later()).await.len(), 2);

    // On again (rooms start afresh), then disabled with deliveries waiting: they fail, and once
    // enabled the room's next delivery is its head at once (no head left from before).
    store
        .set_webhook_ordering(&a, &hook.id, Ordering::PerRoom)
        .await
        .unwrap();
    for i in 3..5 {
        store
            .create_user(&a, new_user(&room.id, &format!("u{i}")), None)
            .await
            .unwrap();
    }
    let fresh = claimed(store, later()).await;
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    assert_eq!(
        (fresh[0].room_seq, fresh[0].previous_room_seq),
        (Some(4), Some(0)),
        "on again: the room starts afresh"
    );
    let disable = |enabled| WebhookPatch {
        enabled: Some(enabled),
        ..Default::default()
    };
    store
        .update_webhook(&a, &hook.id, disable(false))
        .await
        .unwrap();
    store
        .update_webhook(&a, &hook.id, disable(true))
        .await
        .unwrap();
    store
        .create_user(&a, new_user(&room.id, "u5"), None)
        .await
        .unwrap();
    let next = claimed(store, later()).await;
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].room_seq, Some(6));
    // It announces the last number the registration matched, 5 (whose delivery failed).
    assert_eq!(next[0].previous_room_seq, Some(5));

    // An event stored while disabled, replayed: it waits behind the head in flight, announcing
    // the room's event before it that the registration subscribes to, and goes once the head
    // ended (a replay is late by nature: it comes after newer ones).
    store
        .update_webhook(&a, &hook.id, disable(false))
        .await
        .unwrap();
    store
        .create_user(&a, new_user(&room.id, "u6"), None)
        .await
        .unwrap();
    store
        .update_webhook(&a, &hook.id, disable(true))
        .await
        .unwrap();
    store
        .create_user(&a, new_user(&room.id, "u7"), None)
        .await
        .unwrap();
    let head = claimed(store, later()).await;
    assert_eq!(head.len(), 1, "{head:?}");
    // 7 was not matched (the registration was disabled): 8 announces 6.
    assert_eq!(
        (head[0].room_seq, head[0].previous_room_seq),
        (Some(8), Some(6))
    );
    let replayed = store.replay_events(&a, &hook.id, since).await.unwrap();
    assert_eq!(replayed.queued, 1);
    assert!(
        claimed(store, later()).await.is_empty(),
        "it waits for the head"
    );
    store
        .record_attempts(vec![record(&head[0], Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    let late = claimed(store, later()).await;
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(
        (late[0].room_seq, late[0].previous_room_seq),
        (Some(7), Some(6))
    );
}
