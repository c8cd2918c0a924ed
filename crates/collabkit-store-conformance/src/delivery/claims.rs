//! Claims: due deliveries are leased until their outcome is recorded, leases given back are
//! due at once, and a claim respects its per-registration limit and exclusions.

use super::{LEASE, USER_CREATED, claim, delivery_of, new_webhook, one_delivery, record};
use crate::{account, new_room, new_user};
use collabkit_domain::clock;
use collabkit_domain::store::{DeliveryStatus, NextStep, Storage};

pub async fn claims_lease_deliveries_until_recorded(store: &dyn Storage) {
    let (a, hook) = one_delivery(store).await;
    let now = clock::now();
    assert_eq!(
        store.next_due_at().await.unwrap().map(|t| t <= now),
        Some(true)
    );
    let first = claim(store, now).await;
    assert_eq!(first.len(), 1);
    let d = &first[0];
    assert_eq!(d.webhook_id, hook);
    assert_eq!(d.url, "https://receiver.example/hook");
    assert_eq!(d.cycle_attempts, 0);
    assert!(
        std::str::from_utf8(&d.payload)
            .unwrap()
            .contains(&d.event_id)
    );
    assert!(
        claim(store, now).await.is_empty(),
        "leased: nobody else takes it"
    );

    // A worker that died: the lease runs out and the delivery is taken again.
    let later = now + chrono::Duration::from_std(LEASE).unwrap() + chrono::Duration::seconds(1);
    let second = claim(store, later).await;
    assert_eq!(second.len(), 1);
    assert_ne!(second[0].lease, d.lease);

    // The old claim's result is counted but does not move the delivery.
    store
        .record_attempts(vec![record(d, Some(500), NextStep::Failed)])
        .await
        .unwrap();
    let after_stale = delivery_of(store, &a, &hook).await;
    assert_eq!(after_stale.status, DeliveryStatus::Pending);
    assert_eq!(after_stale.attempts, 1);

    store
        .record_attempts(vec![record(&second[0], Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    let done = delivery_of(store, &a, &hook).await;
    assert_eq!(done.status, DeliveryStatus::Success);
    assert_eq!(done.attempts, 2);
    assert_eq!(done.status_code, Some(200));
    assert!(done.last_attempt_at.is_some() && done.next_retry_at.is_none());
    let attempts = store.list_attempts(&a, &hook, &done.id).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[1].status_code, Some(200));
    assert_eq!(attempts[1].response_body, "ok");
    assert_eq!(store.next_due_at().await.unwrap(), None);
    assert!(
        claim(store, later + chrono::Duration::days(1))
            .await
            .is_empty()
    );
}

pub async fn released_leases_are_due_at_once(store: &dyn Storage) {
    let (a, hook) = one_delivery(store).await;
    let now = clock::now();
    let d = claim(store, now).await.remove(0);
    assert_eq!(
        store
            .release_leases(vec![(d.delivery_id.clone(), d.lease + 1)])
            .await
            .unwrap(),
        0,
        "another claim's lease is left alone"
    );
    assert!(claim(store, now).await.is_empty());
    assert_eq!(
        store
            .release_leases(vec![(d.delivery_id.clone(), d.lease)])
            .await
            .unwrap(),
        1
    );
    let again = claim(store, clock::now()).await;
    assert_eq!(
        again.len(),
        1,
        "due now, not when the lease would have run out"
    );
    assert_eq!(again[0].delivery_id, d.delivery_id);
    let pending = delivery_of(store, &a, &hook).await;
    assert_eq!(pending.status, DeliveryStatus::Pending);
    assert_eq!(pending.attempts, 0, "giving a lease back is no attempt");
}

pub async fn claims_respect_per_registration_limits(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let h1 = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let h2 = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    for i in 0..5 {
        store
            .create_user(&a, new_user(&room.id, &format!("u{i}")), None)
            .await
            .unwrap();
    }
    let now = clock::now();
    let claimed = store.claim_due(now, LEASE, 100, 2, vec![]).await.unwrap();
    assert_eq!(claimed.iter().filter(|d| d.webhook_id == h1.id).count(), 2);
    assert_eq!(claimed.iter().filter(|d| d.webhook_id == h2.id).count(), 2);
    let rest = store
        .claim_due(now, LEASE, 100, 100, vec![h1.id.clone()])
        .await
        .unwrap();
    assert_eq!(rest.len(), 3);
    assert!(
        rest.iter().all(|d| d.webhook_id == h2.id),
        "excluded registrations are skipped"
    );
    let limited = store.claim_due(now, LEASE, 1, 100, vec![]).await.unwrap();
    assert_eq!(limited.len(), 1);
}
