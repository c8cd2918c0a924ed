//! Outcomes: a batch of attempts is recorded together; retries, failures and recovery move
//! deliveries; `410 Gone` and a long failing streak disable a registration; pruning removes
//! finished deliveries.

use collabkit_webhooks::WebhookEventName;

use super::{LEASE, USER_CREATED, claim, delivery_of, new_webhook, one_delivery, record};
use crate::{ALL, account, all_events, new_room, new_user, user};
use collabkit_domain::clock;
use collabkit_domain::store::{
    DeliveryFilter, DeliveryStatus, NextStep, RoomFilter, Storage, StoreError,
};

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
        .unwrap();
    assert_eq!(
        left.total,
        Some(1),
        "the log's counters follow the retention"
    );
    let of_event = DeliveryFilter {
        event: Some(left.items[0].event),
        ..DeliveryFilter::default()
    };
    let same = store
        .list_deliveries(&a, &hook, of_event, ALL)
        .await
        .unwrap();
    assert_eq!(same.total, Some(1), "and so do its counters per event");
    let left = left.items;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, DeliveryStatus::Pending);
    assert_eq!(
        store.list_attempts(&a, &hook, &d.delivery_id).await.err(),
        Some(StoreError::NotFound("delivery"))
    );
    let events = all_events(store, &a).await;
    assert_eq!(events.len(), 1, "the pruned delivery's event went with it");
}

/// Replay queues, once, what a registration matched but never got while it was disabled: not
/// what it already had, not other registrations' or accounts', and nothing while disabled.
pub async fn replay_queues_only_what_was_never_sent(store: &dyn Storage) {
    use collabkit_domain::store::{Conflict, Replayed, WebhookPatch};
    let a = account(store).await;
    let b = account(store).await;
    let r = store.create_room(&a, new_room("r")).await.unwrap();
    let s = store.create_room(&a, new_room("s")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap()
        .id;
    let scoped = store
        .create_webhook(&a, new_webhook(USER_CREATED, Some(&r.id), true))
        .await
        .unwrap()
        .id;
    let other = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap()
        .id;
    let since = clock::now() - chrono::Duration::hours(1);
    user(store, &a, &r.id, "sent").await;
    let set = |enabled| WebhookPatch {
        enabled: Some(enabled),
        ..WebhookPatch::default()
    };
    for w in [&hook, &scoped, &other] {
        store.update_webhook(&a, w, set(false)).await.unwrap();
    }
    user(store, &a, &r.id, "in_r").await;
    let gone = user(store, &a, &s.id, "in_s").await;
    store.delete_user(&a, &gone.id, None).await.unwrap();
    let room_b = store.create_room(&b, new_room("r")).await.unwrap();
    user(store, &b, &room_b.id, "elsewhere").await;

    let refused = store.replay_events(&a, &hook, since).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Conflict(Conflict::WebhookDisabled))
        ),
        "{refused:?}"
    );
    let count = |w: String| {
        let a = a.clone();
        async move {
            store
                .list_deliveries(&a, &w, DeliveryFilter::default(), ALL)
                .await
                .unwrap()
                .items
                .len()
        }
    };
    assert_eq!(
        count(hook.clone()).await,
        1,
        "nothing queued while disabled"
    );

    for w in [&hook, &scoped] {
        store.update_webhook(&a, w, set(true)).await.unwrap();
    }
    let none = Replayed {
        queued: 0,
        more: false,
    };
    assert_eq!(
        store
            .replay_events(&a, &hook, clock::now() + chrono::Duration::hours(1))
            .await
            .unwrap(),
        none,
        "nothing stored since then"
    );
    let replayed = store.replay_events(&a, &hook, since).await.unwrap();
    assert_eq!(
        replayed,
        Replayed {
            queued: 2,
            more: false
        },
        "both user.created, not the user.deleted nor the one sent"
    );
    let page = store
        .list_deliveries(&a, &hook, DeliveryFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.total, Some(3), "counted like fan-out's");
    let mut events: Vec<&str> = page.items.iter().map(|d| d.event_id.as_str()).collect();
    events.sort();
    events.dedup();
    assert_eq!(events.len(), 3, "one delivery per event");
    assert!(
        page.items
            .iter()
            .all(|d| d.status == DeliveryStatus::Pending || d.attempts == 0)
    );
    assert_eq!(
        store
            .replay_events(&a, &scoped, since)
            .await
            .unwrap()
            .queued,
        1,
        "only its room's"
    );
    assert_eq!(
        count(other.clone()).await,
        1,
        "another registration untouched"
    );
    assert_eq!(store.replay_events(&a, &hook, since).await.unwrap(), none);
    assert!(matches!(
        store.replay_events(&b, &hook, since).await,
        Err(StoreError::NotFound("webhook"))
    ));
    let due = claim(store, clock::now()).await;
    assert_eq!(
        due.iter().filter(|d| d.webhook_id == hook).count(),
        2,
        "the replayed deliveries are due now"
    );
}
