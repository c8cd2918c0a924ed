//! Webhook registrations, fan-out and the delivery queue.

use std::time::Duration;

use collabkit_webhooks::WebhookEventName;

use crate::{ALL, account, all_events, new_room, new_user, user};
use collabkit_domain::clock;
use collabkit_domain::store::{
    Attempt, AttemptRecord, DeliveryFilter, DeliveryStatus, NewWebhook, NextStep, PageRequest,
    RoomFilter, Storage, StoreError, UserPatch, WebhookFilter, WebhookPatch,
};

pub(crate) fn new_webhook(
    events: &[WebhookEventName],
    room_id: Option<&str>,
    enabled: bool,
) -> NewWebhook {
    NewWebhook {
        url: "https://receiver.example/hook".into(),
        events: events.to_vec(),
        room_id: room_id.map(str::to_owned),
        enabled,
        secret_sealed: "v1:sealed".into(),
    }
}

pub(crate) const USER_CREATED: &[WebhookEventName] = &[WebhookEventName::UserCreated];

fn attempt(status: Option<u16>) -> Attempt {
    Attempt {
        attempted_at: clock::now(),
        status_code: status,
        duration_ms: 3,
        error: status.is_none().then(|| "connection refused".to_owned()),
        response_body: "ok".into(),
    }
}

pub(crate) fn record(
    d: &collabkit_domain::store::ClaimedDelivery,
    status: Option<u16>,
    next: NextStep,
) -> AttemptRecord {
    AttemptRecord {
        delivery_id: d.delivery_id.clone(),
        lease: d.lease,
        webhook_id: d.webhook_id.clone(),
        attempt: attempt(status),
        next,
        disable_if_failing_since: clock::now() - chrono::Duration::days(5),
    }
}

pub(crate) const LEASE: Duration = Duration::from_secs(30);

/// An account with a room, one registration for `user.created`, and one user created: one
/// pending delivery.
async fn one_delivery(store: &dyn Storage) -> (String, String) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    store
        .create_user(&a, new_user(&room.id, "u"), None)
        .await
        .unwrap();
    (a, hook.id)
}

pub(crate) async fn claim(
    store: &dyn Storage,
    at: clock::Timestamp,
) -> Vec<collabkit_domain::store::ClaimedDelivery> {
    store.claim_due(at, LEASE, 100, 100, vec![]).await.unwrap()
}

async fn delivery_of(
    store: &dyn Storage,
    a: &str,
    hook: &str,
) -> collabkit_domain::store::Delivery {
    let mut page = store
        .list_deliveries(a, hook, DeliveryFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    page.items.remove(0)
}

pub async fn webhooks_are_scoped_patched_rotated_and_deleted(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let foreign = store.create_room(&b, new_room("r")).await.unwrap();
    let wide = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let scoped = store
        .create_webhook(
            &a,
            new_webhook(&WebhookEventName::ALL, Some(&room.id), true),
        )
        .await
        .unwrap();
    assert_eq!(store.get_webhook(&a, &wide.id).await.unwrap(), wide);
    assert_eq!(scoped.events, WebhookEventName::ALL);
    assert_eq!(store.count_webhooks(&a).await, Ok(2));
    assert_eq!(store.count_webhooks(&b).await, Ok(0));
    assert_eq!(
        store
            .create_webhook(&a, new_webhook(USER_CREATED, Some(&foreign.id), true))
            .await
            .err(),
        Some(StoreError::NotFound("room"))
    );
    assert_eq!(
        store.get_webhook(&b, &wide.id).await,
        Err(StoreError::NotFound("webhook"))
    );
    assert!(
        store
            .list_webhooks(&b, &WebhookFilter::default(), ALL)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        store
            .list_webhooks(&a, &WebhookFilter::default(), ALL)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let in_room = store
        .list_webhooks(
            &a,
            &WebhookFilter {
                room_id: Some(room.id.clone()),
                ..WebhookFilter::default()
            },
            ALL,
        )
        .await
        .unwrap()
        .items;
    assert_eq!(in_room, vec![scoped.clone()]);

    let patched = store
        .update_webhook(
            &a,
            &scoped.id,
            WebhookPatch {
                url: Some("https://other.example/".into()),
                events: Some(vec![WebhookEventName::SessionClosed]),
                room_id: Some(None),
                enabled: Some(false),
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.url, "https://other.example/");
    assert_eq!(patched.events, [WebhookEventName::SessionClosed]);
    assert_eq!(patched.room_id, None);
    assert!(!patched.enabled);
    assert_eq!(store.get_webhook(&a, &scoped.id).await.unwrap(), patched);
    assert!(
        store
            .update_webhook(&b, &scoped.id, WebhookPatch::default())
            .await
            .is_err()
    );

    let until = clock::now() + chrono::Duration::hours(24);
    let rotated = store
        .rotate_webhook_secret(&a, &wide.id, "v1:new", until)
        .await
        .unwrap();
    assert_eq!(rotated.secret_sealed, "v1:new");
    assert_eq!(
        rotated.previous_secret,
        Some((wide.secret_sealed.clone(), until))
    );
    assert_eq!(store.get_webhook(&a, &wide.id).await.unwrap(), rotated);

    assert_eq!(
        store.delete_webhook(&b, &wide.id).await,
        Err(StoreError::NotFound("webhook"))
    );
    store.delete_webhook(&a, &wide.id).await.unwrap();
    assert_eq!(
        store.get_webhook(&a, &wide.id).await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store.count_webhooks(&a).await,
        Ok(1),
        "a deleted one counts no more"
    );

    // The count is a counter (a list's `total` stays one row): a room's deletion takes its
    // scoped registrations out of it too, and the unfiltered list answers the same number.
    store
        .create_webhook(&a, new_webhook(USER_CREATED, Some(&room.id), true))
        .await
        .unwrap();
    assert_eq!(store.count_webhooks(&a).await, Ok(2));
    store.delete_room(&a, &room.id, None).await.unwrap();
    assert_eq!(store.count_webhooks(&a).await, Ok(1));
    let listed = store
        .list_webhooks(&a, &WebhookFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(listed.total, Some(1), "the list's total is the same count");
    assert_eq!(listed.items, vec![patched]);
    store.delete_webhook(&a, &scoped.id).await.unwrap();
    let listed = store
        .list_webhooks(&a, &WebhookFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!((listed.items.len(), listed.total), (0, Some(0)));
}

pub async fn events_fan_out_to_matching_registrations(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    let all = store
        .create_webhook(&a, new_webhook(&WebhookEventName::ALL, None, true))
        .await
        .unwrap();
    let room1 = store
        .create_webhook(&a, new_webhook(USER_CREATED, Some(&r1.id), true))
        .await
        .unwrap();
    let deleted = store
        .create_webhook(
            &a,
            new_webhook(&[WebhookEventName::UserDeleted], None, true),
        )
        .await
        .unwrap();
    let off = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, false))
        .await
        .unwrap();
    let other = store
        .create_webhook(&b, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();

    store
        .create_user(&a, new_user(&r1.id, "u"), None)
        .await
        .unwrap();
    let u2 = user(store, &a, &r2.id, "u").await;
    store.delete_user(&a, &u2.id, None).await.unwrap();

    let count = |acct: String, hook: String| async move {
        store
            .list_deliveries(&acct, &hook, DeliveryFilter::default(), ALL)
            .await
            .unwrap()
            .items
    };
    let got = count(a.clone(), all.id.clone()).await;
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|d| d.status == DeliveryStatus::Pending && d.attempts == 0)
    );
    assert_eq!(got[0].event, WebhookEventName::UserDeleted, "newest first");
    let events = all_events(store, &a).await;
    assert_eq!(
        got[2].payload, events[0].payload,
        "the delivery carries the event's payload"
    );
    assert_eq!(got[2].event_id, events[0].id);
    assert_eq!(count(a.clone(), room1.id).await.len(), 1);
    assert_eq!(count(a.clone(), deleted.id).await.len(), 1);
    assert!(count(a.clone(), off.id).await.is_empty());
    assert!(count(b.clone(), other.id).await.is_empty());
    let created_only = store
        .list_deliveries(
            &a,
            &all.id,
            DeliveryFilter {
                status: None,
                event: Some(WebhookEventName::UserCreated),
            },
            ALL,
        )
        .await
        .unwrap();
    assert_eq!(created_only.items.len(), 2);
}

/// Every delivery of one registration, newest first, `limit` at a time.
async fn walk_log(
    store: &dyn Storage,
    a: &str,
    hook: &str,
    event: Option<WebhookEventName>,
    limit: u32,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter = DeliveryFilter {
            status: None,
            event,
        };
        let page = store
            .list_deliveries(
                a,
                hook,
                filter,
                PageRequest {
                    limit,
                    after,
                    offset: 0,
                },
            )
            .await
            .unwrap();
        assert!(page.items.len() <= limit as usize);
        seen.extend(page.items.into_iter().map(|d| d.event_id));
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

pub async fn delivery_log_pages_newest_first_across_event_names(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(&WebhookEventName::ALL, None, true))
        .await
        .unwrap();
    for i in 0..4 {
        let u = user(store, &a, &room.id, &format!("u{i}")).await;
        if i % 2 == 0 {
            let patch = UserPatch {
                name: Some(format!("renamed {i}")),
                profile_picture: None,
            };
            store.update_user(&a, &u.id, patch, None).await.unwrap();
        }
        if i < 3 {
            store.delete_user(&a, &u.id, None).await.unwrap();
        }
    }
    let events = all_events(store, &a).await;
    assert_eq!(events.len(), 4 + 2 + 3);
    let newest_first: Vec<String> = events.iter().rev().map(|e| e.id.clone()).collect();
    for limit in [1, 2, 4, 100] {
        assert_eq!(
            walk_log(store, &a, &hook.id, None, limit).await,
            newest_first,
            "event names interleave in creation order (limit {limit})"
        );
    }
    let deleted: Vec<String> = events
        .iter()
        .rev()
        .filter(|e| e.event == WebhookEventName::UserDeleted)
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(deleted.len(), 3);
    assert_eq!(
        walk_log(store, &a, &hook.id, Some(WebhookEventName::UserDeleted), 2).await,
        deleted
    );
}

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

pub async fn a_batch_of_outcomes_is_recorded_together(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let kept = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let dropped = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    for u in ["u1", "u2", "u3"] {
        user(store, &a, &room.id, u).await;
    }
    let mut claimed = claim(store, clock::now()).await;
    assert_eq!(claimed.len(), 6);
    claimed.sort_by(|x, y| x.delivery_id.cmp(&y.delivery_id));
    let (ours, theirs): (Vec<_>, Vec<_>) = claimed.iter().partition(|d| d.webhook_id == kept.id);
    store.delete_webhook(&a, &dropped.id).await.unwrap();

    let retry_at = clock::now() + chrono::Duration::minutes(1);
    let mut ok = record(ours[0], Some(200), NextStep::Succeeded);
    ok.attempt.response_body = "{\"ok\":\"✓\"}\n\\".into();
    let mut batch = vec![
        ok,
        record(ours[1], Some(503), NextStep::RetryAt(retry_at)),
        record(ours[2], None, NextStep::Failed),
    ];
    // Attempts that were in flight when their registration was deleted.
    batch.extend(
        theirs
            .iter()
            .map(|d| record(d, Some(200), NextStep::Succeeded)),
    );
    store.record_attempts(batch).await.unwrap();

    let log = store
        .list_deliveries(&a, &kept.id, DeliveryFilter::default(), ALL)
        .await
        .unwrap()
        .items;
    let state = |id: &str| log.iter().find(|d| d.id == id).unwrap().clone();
    assert_eq!(state(&ours[0].delivery_id).status, DeliveryStatus::Success);
    let waiting = state(&ours[1].delivery_id);
    assert_eq!(waiting.status, DeliveryStatus::Pending);
    assert_eq!(waiting.next_retry_at, Some(retry_at));
    assert_eq!(waiting.status_code, Some(503));
    let failed = state(&ours[2].delivery_id);
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!((failed.status_code, failed.attempts), (None, 1));
    let attempts = store
        .list_attempts(&a, &kept.id, &ours[0].delivery_id)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].response_body, "{\"ok\":\"✓\"}\n\\");
    let attempts = store
        .list_attempts(&a, &kept.id, &ours[2].delivery_id)
        .await
        .unwrap();
    assert_eq!(attempts[0].error.as_deref(), Some("connection refused"));
    assert_eq!(attempts[0].duration_ms, 3);
    assert_eq!(store.next_due_at().await.unwrap(), Some(retry_at));
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

pub async fn retries_failures_and_recovery_move_deliveries(store: &dyn Storage) {
    let (a, hook) = one_delivery(store).await;
    let d = claim(store, clock::now()).await.remove(0);
    let retry_at = clock::now() + chrono::Duration::minutes(5);
    store
        .record_attempts(vec![record(&d, None, NextStep::RetryAt(retry_at))])
        .await
        .unwrap();
    let waiting = delivery_of(store, &a, &hook).await;
    assert_eq!(waiting.status, DeliveryStatus::Pending);
    assert_eq!(waiting.next_retry_at, Some(retry_at));
    assert_eq!(waiting.status_code, None);
    assert_eq!(store.next_due_at().await.unwrap(), Some(retry_at));
    let stats = store.queue_stats(clock::now()).await.unwrap();
    assert_eq!((stats.due, stats.scheduled), (0, 1));
    assert!(
        claim(store, clock::now()).await.is_empty(),
        "not due before its retry time"
    );

    let again = claim(store, retry_at).await.remove(0);
    assert_eq!(again.cycle_attempts, 1);
    store
        .record_attempts(vec![record(&again, Some(503), NextStep::Failed)])
        .await
        .unwrap();
    let failed = delivery_of(store, &a, &hook).await;
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.attempts, 2);
    assert_eq!(failed.next_retry_at, None);
    assert_eq!(store.next_due_at().await.unwrap(), None);
    for (status, expected) in [
        (DeliveryStatus::Failed, 1),
        (DeliveryStatus::Pending, 0),
        (DeliveryStatus::Success, 0),
    ] {
        let filter = DeliveryFilter {
            status: Some(status),
            event: Some(WebhookEventName::UserCreated),
        };
        let page = store.list_deliveries(&a, &hook, filter, ALL).await.unwrap();
        assert_eq!(page.items.len(), expected, "{status:?}");
    }

    let since = clock::now() - chrono::Duration::hours(1);
    assert_eq!(store.recover_deliveries(&a, &hook, since).await.unwrap(), 1);
    let recovered = claim(store, clock::now()).await.remove(0);
    assert_eq!(
        recovered.cycle_attempts, 0,
        "recovery starts the schedule again"
    );
    store
        .record_attempts(vec![record(&recovered, Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    assert_eq!(
        store.recover_deliveries(&a, &hook, since).await.unwrap(),
        0,
        "only failed deliveries are recovered"
    );

    let retried = store
        .retry_delivery(&a, &hook, &recovered.delivery_id)
        .await
        .unwrap();
    assert_eq!(retried.status, DeliveryStatus::Pending);
    assert_eq!(retried.attempts, 3);
    assert_eq!(claim(store, clock::now()).await.len(), 1);
    let other = account(store).await;
    assert_eq!(
        store
            .retry_delivery(&other, &hook, &recovered.delivery_id)
            .await
            .err(),
        Some(StoreError::NotFound("webhook")),
        "another account's registration is not found"
    );
}

pub async fn gone_disables_the_registration_and_fails_pending(store: &dyn Storage) {
    let (a, hook) = one_delivery(store).await;
    let room = store
        .list_rooms(&a, &RoomFilter::default(), ALL)
        .await
        .unwrap()
        .items
        .remove(0);
    store
        .create_user(&a, new_user(&room.id, "second"), None)
        .await
        .unwrap();
    let claimed = store
        .claim_due(clock::now(), LEASE, 1, 100, vec![])
        .await
        .unwrap();
    let disabled = store
        .record_attempts(vec![record(&claimed[0], Some(410), NextStep::Gone)])
        .await
        .unwrap();
    assert_eq!(
        disabled,
        vec![hook.clone()],
        "the batch says whom it disabled"
    );
    assert!(!store.get_webhook(&a, &hook).await.unwrap().enabled);
    let all = store
        .list_deliveries(&a, &hook, DeliveryFilter::default(), ALL)
        .await
        .unwrap()
        .items;
    assert!(
        all.iter().all(|d| d.status == DeliveryStatus::Failed),
        "{all:?}"
    );
    assert_eq!(store.next_due_at().await.unwrap(), None);

    // A long failing streak disables too.
    let (a2, hook2) = one_delivery(store).await;
    let d = claim(store, clock::now()).await.remove(0);
    let mut rec = record(&d, Some(500), NextStep::RetryAt(clock::now()));
    rec.attempt.attempted_at = clock::now() - chrono::Duration::days(6);
    store.record_attempts(vec![rec]).await.unwrap();
    assert!(!store.get_webhook(&a2, &hook2).await.unwrap().enabled);

    // In a batch, a registration's earliest failure is the one that counts, wherever it is.
    let (a3, hook3) = one_delivery(store).await;
    let room = store
        .list_rooms(&a3, &RoomFilter::default(), ALL)
        .await
        .unwrap()
        .items
        .remove(0);
    store
        .create_user(&a3, new_user(&room.id, "second"), None)
        .await
        .unwrap();
    let claimed = claim(store, clock::now()).await;
    assert_eq!(claimed.len(), 2);
    let recent = record(&claimed[0], Some(500), NextStep::RetryAt(clock::now()));
    let mut old = record(&claimed[1], Some(500), NextStep::RetryAt(clock::now()));
    old.attempt.attempted_at = clock::now() - chrono::Duration::days(6);
    store.record_attempts(vec![recent, old]).await.unwrap();
    assert!(!store.get_webhook(&a3, &hook3).await.unwrap().enabled);
}

pub async fn prune_removes_old_finished_deliveries(store: &dyn Storage) {
    let (a, hook) = one_delivery(store).await;
    let d = claim(store, clock::now()).await.remove(0);
    store
        .record_attempts(vec![record(&d, Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    let room = store
        .list_rooms(&a, &RoomFilter::default(), ALL)
        .await
        .unwrap()
        .items
        .remove(0);
    store
        .create_user(&a, new_user(&room.id, "pending"), None)
        .await
        .unwrap();

    assert_eq!(
        store
            .prune(clock::now() - chrono::Duration::days(1), 100)
            .await
            .unwrap(),
        0
    );
    let future = clock::now() + chrono::Duration::days(1);
    assert_eq!(
        store.prune(future, 100).await.unwrap(),
        1,
        "only the finished one"
    );
    let left = store
        .list_deliveries(&a, &hook, DeliveryFilter::default(), ALL)
        .await
        .unwrap()
        .items;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, DeliveryStatus::Pending);
    assert_eq!(
        store.list_attempts(&a, &hook, &d.delivery_id).await.err(),
        Some(StoreError::NotFound("delivery"))
    );
    let events = all_events(store, &a).await;
    assert_eq!(events.len(), 1, "the pruned delivery's event went with it");
}
