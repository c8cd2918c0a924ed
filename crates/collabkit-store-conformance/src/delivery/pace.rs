//! Delivery rate limits: the setting is per registration and tenant-scoped, goes with its
//! registration, and its schedule hands out send times that never overlap, from one handle
//! or several; postponing a delivery is a wait, not an attempt.

use std::time::Duration;

use super::{USER_CREATED, claim, delivery_of, new_webhook, one_delivery};
use crate::{TestDatabase, account};
use collabkit_domain::clock;
use collabkit_domain::store::{DeliveryStatus, Storage, StoreError};

pub async fn rate_limits_are_kept_per_registration_and_tenant(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let other = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    assert_eq!(store.webhook_rate_limit(&a, &hook.id).await, Ok(None));
    assert_eq!(
        store.set_webhook_rate_limit(&a, &hook.id, Some(25)).await,
        Ok(Some(25))
    );
    assert_eq!(store.webhook_rate_limit(&a, &hook.id).await, Ok(Some(25)));
    assert_eq!(store.webhook_rate_limit(&a, &other.id).await, Ok(None));
    assert_eq!(
        store.set_webhook_rate_limit(&a, &hook.id, Some(40)).await,
        Ok(Some(40)),
        "a second PUT replaces the limit"
    );
    assert_eq!(store.rate_limits().await, Ok(vec![(hook.id.clone(), 40)]));
    // Tenant-scoped: another account's registration does not exist for b.
    assert_eq!(
        store.webhook_rate_limit(&b, &hook.id).await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store.set_webhook_rate_limit(&b, &hook.id, Some(1)).await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(store.webhook_rate_limit(&a, &hook.id).await, Ok(Some(40)));
    // Removed: no limit, and no schedule to reserve from.
    assert_eq!(
        store.set_webhook_rate_limit(&a, &hook.id, None).await,
        Ok(None)
    );
    assert_eq!(store.rate_limits().await, Ok(vec![]));
    let now = clock::now();
    let second = Duration::from_secs(1);
    assert_eq!(
        store.reserve_sends(&hook.id, 3, now, second).await,
        Ok(None)
    );
    // It goes with its registration.
    store
        .set_webhook_rate_limit(&a, &other.id, Some(5))
        .await
        .unwrap();
    store.delete_webhook(&a, &other.id).await.unwrap();
    assert_eq!(store.rate_limits().await, Ok(vec![]));
}

pub async fn reservations_follow_one_schedule_across_handles(db: &dyn TestDatabase) {
    let one = db.open().await;
    let two = db.open().await;
    let a = account(one.as_ref()).await;
    let hook = one
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    one.set_webhook_rate_limit(&a, &hook.id, Some(100))
        .await
        .unwrap();
    let now = clock::now();
    let within = Duration::from_secs(10);
    // Concurrent reservations of 5 times each from both handles.
    let reservations = (0..12).map(|i| {
        let store = if i % 2 == 0 { one.clone() } else { two.clone() };
        let id = hook.id.clone();
        async move {
            store
                .reserve_sends(&id, 5, now, within)
                .await
                .unwrap()
                .unwrap()
        }
    });
    let mut starts: Vec<_> = futures_util::future::join_all(reservations)
        .await
        .into_iter()
        .map(|got| {
            assert_eq!((got.count, got.per_second), (5, 100));
            got.start
        })
        .collect();
    starts.sort();
    assert_eq!(starts[0], now, "an unused schedule starts now");
    for pair in starts.windows(2) {
        // 5 times at 100/s: each reservation starts 50 ms after the one before, none overlap.
        let gap = clock::between(pair[0], pair[1]);
        assert!(
            gap.abs_diff(Duration::from_millis(50)) < Duration::from_millis(1),
            "{gap:?} between reservations: {starts:?}"
        );
    }
    // 600 ms are taken: a caller that waits at most 100 ms gets nothing, and moves nothing.
    let short = Duration::from_millis(100);
    let later = two
        .reserve_sends(&hook.id, 5, now, short)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.count, 0);
    assert_eq!(clock::between(now, later.start), Duration::from_millis(600));
    let again = one
        .reserve_sends(&hook.id, 1, now, within)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.start, later.start,
        "the refused reservation took nothing"
    );
}

pub async fn postponed_deliveries_wait_without_an_attempt(store: &dyn Storage) {
    let (a, hook) = one_delivery(store).await;
    let now = clock::now();
    let d = claim(store, now).await.remove(0);
    let until = clock::after(now, Duration::from_secs(60));
    assert_eq!(
        store
            .postpone(vec![(d.delivery_id.clone(), d.lease + 1)], until)
            .await,
        Ok(0),
        "another claim's lease is left alone"
    );
    assert_eq!(
        store
            .postpone(vec![(d.delivery_id.clone(), d.lease)], until)
            .await,
        Ok(1)
    );
    assert!(
        claim(store, clock::after(now, Duration::from_secs(45)))
            .await
            .is_empty(),
        "not due before its time, although its lease has run out"
    );
    let waiting = delivery_of(store, &a, &hook).await;
    assert_eq!(waiting.status, DeliveryStatus::Pending);
    assert_eq!(waiting.attempts, 0, "a wait is no attempt");
    let again = claim(store, clock::after(until, Duration::from_millis(1))).await;
    assert_eq!(again.len(), 1, "due at its time");
    assert_eq!(again[0].delivery_id, d.delivery_id);
}
