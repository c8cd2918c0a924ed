//! The per-minute attempt counters behind the dashboard's statistics.

use collabkit_domain::clock;
use collabkit_domain::stats::{self, minute_of};
use collabkit_domain::store::{NextStep, PageRequest, Storage};

use crate::delivery::{USER_CREATED, claim, new_webhook, record};
use crate::{account, new_room, user};

/// Attempts are counted per minute, outcome and latency bucket, additions summing up; each
/// account sees its own; retention removes old minutes.
pub async fn attempts_are_counted_per_minute_outcome_and_latency(store: &dyn Storage) {
    let a = account(store).await;
    let other = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let busy = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let quiet = store
        .create_webhook(&a, new_webhook(USER_CREATED, Some(&room.id), true))
        .await
        .unwrap();
    for u in ["u1", "u2", "u3"] {
        user(store, &a, &room.id, u).await;
    }
    let claimed = claim(store, clock::now()).await;
    let mine: Vec<_> = claimed.iter().filter(|d| d.webhook_id == busy.id).collect();
    assert_eq!(mine.len(), 3);
    let mut slow = record(mine[2], Some(500), NextStep::Failed);
    slow.attempt.duration_ms = 1234;
    let first = vec![
        record(mine[0], Some(200), NextStep::Succeeded),
        record(mine[1], Some(204), NextStep::Succeeded),
    ];
    // Two additions to the same minute's counters sum up.
    store
        .add_attempt_counters(stats::counters_of(&first))
        .await
        .unwrap();
    let mut late = stats::counters_of(std::slice::from_ref(&slow));
    store.record_attempts(first).await.unwrap();
    store.record_attempts(vec![slow]).await.unwrap();
    // A counter of a registration deleted meanwhile is dropped, the rest stored.
    let gone = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let mut orphan = late[0].clone();
    orphan.webhook_id = gone.id.clone();
    store.delete_webhook(&a, &gone.id).await.unwrap();
    late.push(orphan);
    store.add_attempt_counters(late).await.unwrap();

    let since = minute_of(clock::now()) - chrono::Duration::minutes(5);
    let mut counts = store.attempt_counts(&a, None, since).await.unwrap();
    counts.sort_by_key(|c| (c.succeeded, c.latency_bucket_ms));
    assert_eq!(counts.len(), 2, "{counts:?}");
    assert!(!counts[0].succeeded);
    assert_eq!((counts[0].latency_bucket_ms, counts[0].count), (1300, 1));
    assert!(counts[1].succeeded);
    assert_eq!((counts[1].latency_bucket_ms, counts[1].count), (3, 2));
    assert!(counts[1].minute <= clock::now() && counts[1].minute >= since);
    let rows = stats::per_minute(&counts, since, 6);
    assert_eq!(rows.iter().map(|m| m.succeeded).sum::<u64>(), 2);
    assert_eq!(rows.iter().map(|m| m.failed).sum::<u64>(), 1);

    assert!(
        store
            .attempt_counts(&a, Some(&quiet.id), since)
            .await
            .unwrap()
            .is_empty(),
        "one registration's counts are its own"
    );
    assert!(
        store
            .attempt_counts(&other, None, since)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .attempt_counts(&a, None, clock::now() + chrono::Duration::minutes(2))
            .await
            .unwrap()
            .is_empty(),
        "only minutes since `since`"
    );

    let all = PageRequest::first(50);
    let health = store
        .webhook_health(&a, None, since, all.clone())
        .await
        .unwrap();
    assert!(health.next.is_none());
    let health = health.items;
    assert_eq!(health.len(), 2, "every registration, attempted or not");
    assert_eq!(health[0].webhook_id, busy.id);
    assert_eq!((health[0].attempts, health[0].succeeded), (3, 2));
    assert!(health[0].failing_since.is_some(), "the last attempt failed");
    assert!(health[0].last_attempt_minute.is_some());
    assert_eq!(health[1].webhook_id, quiet.id);
    assert_eq!((health[1].attempts, health[1].success_rate()), (0, None));
    assert!(
        store
            .webhook_health(&other, None, since, all.clone())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // A page at a time, in the same order.
    let first = store
        .webhook_health(&a, None, since, PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(first.items, health[..1]);
    let rest = PageRequest {
        limit: 1,
        after: first.next.clone(),
        offset: 0,
    };
    let second = store.webhook_health(&a, None, since, rest).await.unwrap();
    assert_eq!(second.items, health[1..]);
    assert!(second.next.is_none());
    // One registration, of this account only.
    let one = store
        .webhook_health(&a, Some(&quiet.id), since, all.clone())
        .await
        .unwrap();
    assert_eq!(one.items, health[1..]);
    assert!(
        store
            .webhook_health(&other, Some(&quiet.id), since, all)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    store
        .prune(clock::now() + chrono::Duration::minutes(2), 100)
        .await
        .unwrap();
    assert!(
        store
            .attempt_counts(&a, None, since)
            .await
            .unwrap()
            .is_empty()
    );
}
