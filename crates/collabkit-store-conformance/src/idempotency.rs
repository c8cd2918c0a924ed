//! `Idempotency-Key` records: a claim is the caller's once, a completed record is replayed to
//! the same hash and refused to another, a release gives the key back, expired or abandoned
//! records are taken over, keys are per account, and of concurrent claims from two handles
//! exactly one wins.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::store::{IdempotencyClaim, Storage, StoredResponse};

use crate::{TestDatabase, account};

fn answer() -> StoredResponse {
    StoredResponse {
        status: 201,
        content_type: Some("application/json".into()),
        location: None,
        body: br#"{"ok":true}"#.to_vec(),
    }
}

/// Long ago: nothing created at `now` is older.
fn long_ago(now: Timestamp) -> Timestamp {
    clock::before(now, std::time::Duration::from_secs(3600))
}

async fn claim(store: &dyn Storage, a: &str, key: &str, hash: &str) -> IdempotencyClaim {
    let now = clock::now();
    store
        .claim_idempotency_key(a, key, hash, now, long_ago(now), long_ago(now))
        .await
        .unwrap()
}

pub async fn idempotency_keys_claim_replay_refuse_and_release(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    assert_eq!(claim(store, &a, "k", "h1").await, IdempotencyClaim::Claimed);
    assert_eq!(
        claim(store, &a, "k", "h1").await,
        IdempotencyClaim::InProgress
    );
    assert_eq!(
        claim(store, &a, "k", "h2").await,
        IdempotencyClaim::Mismatch
    );
    assert_eq!(
        claim(store, &b, "k", "h2").await,
        IdempotencyClaim::Claimed,
        "per account"
    );
    store
        .complete_idempotency_key(&a, "k", answer())
        .await
        .unwrap();
    assert_eq!(
        claim(store, &a, "k", "h1").await,
        IdempotencyClaim::Replay(answer())
    );
    assert_eq!(
        claim(store, &a, "k", "h2").await,
        IdempotencyClaim::Mismatch
    );
    // A completed record is not released; one in progress is.
    store.release_idempotency_key(&a, "k").await.unwrap();
    assert_eq!(
        claim(store, &a, "k", "h1").await,
        IdempotencyClaim::Replay(answer())
    );
    store.release_idempotency_key(&b, "k").await.unwrap();
    assert_eq!(claim(store, &b, "k", "h3").await, IdempotencyClaim::Claimed);
}

pub async fn expired_and_abandoned_idempotency_keys_are_taken_over(store: &dyn Storage) {
    let a = account(store).await;
    let then = clock::now();
    assert_eq!(
        claim(store, &a, "done", "h").await,
        IdempotencyClaim::Claimed
    );
    store
        .complete_idempotency_key(&a, "done", answer())
        .await
        .unwrap();
    assert_eq!(
        claim(store, &a, "open", "h").await,
        IdempotencyClaim::Claimed
    );
    let later = clock::after(then, std::time::Duration::from_secs(10));
    // Abandoned in progress (but not expired): the open one is taken over, the done one stays.
    let past = clock::after(then, std::time::Duration::from_secs(5));
    let take = |key: &'static str, hash: &'static str, expired_before, abandoned_before| {
        store.claim_idempotency_key(&a, key, hash, later, expired_before, abandoned_before)
    };
    assert_eq!(
        take("open", "h2", long_ago(then), past).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        take("done", "h", long_ago(then), past).await.unwrap(),
        IdempotencyClaim::Replay(answer())
    );
    // Expired: taken over whatever the hash.
    assert_eq!(
        take("done", "other", past, past).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    // Pruning deletes records created before the threshold only.
    let pruned = store
        .prune_idempotency_keys(clock::after(later, std::time::Duration::from_secs(1)), 1000)
        .await
        .unwrap();
    assert_eq!(pruned, 2);
    assert_eq!(store.prune_idempotency_keys(later, 1000).await.unwrap(), 0);
    assert_eq!(
        claim(store, &a, "done", "h").await,
        IdempotencyClaim::Claimed
    );
}

pub async fn concurrent_idempotency_claims_from_two_handles_have_one_winner(db: &dyn TestDatabase) {
    let one = db.open().await;
    let two = db.open().await;
    let a = account(one.as_ref()).await;
    for round in 0..5 {
        let key = format!("k-{round}");
        let claims = (0..8).map(|i| {
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            let (a, key) = (a.clone(), key.clone());
            async move { claim(store.as_ref(), &a, &key, "h").await }
        });
        let outcomes = futures_util::future::join_all(claims).await;
        let won = outcomes
            .iter()
            .filter(|c| **c == IdempotencyClaim::Claimed)
            .count();
        assert_eq!(won, 1, "{outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|c| matches!(c, IdempotencyClaim::Claimed | IdempotencyClaim::InProgress)),
            "{outcomes:?}"
        );
    }
}
