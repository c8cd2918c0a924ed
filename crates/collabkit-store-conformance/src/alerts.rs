//! Delivery alerts: the destination (put, rotate, delete, per account); alerts stored with the
//! outcome batch or the disable that causes them; the sender's claims applying the rate limit
//! and recording attempts.

use std::time::Duration;

use collabkit_domain::clock;
use collabkit_domain::store::{
    AlertEventName, AlertFilter, AlertLimits, AlertOutcome, AlertStatus, Attempt, NextStep,
    Storage, StoreError, WebhookPatch,
};

use crate::delivery::{LEASE, USER_CREATED, claim, new_webhook, record};
use crate::{ALL, account, new_room, user};

const HOUR: AlertLimits = AlertLimits {
    min_interval: Duration::from_secs(3600),
    per_account_per_minute: 100,
};

pub async fn alert_destinations_are_put_rotated_and_deleted(store: &dyn Storage) {
    let a = account(store).await;
    let other = account(store).await;
    assert_eq!(
        store.alert_destination(&a).await.err(),
        Some(StoreError::NotFound("alert destination"))
    );
    let (d, created) = store
        .put_alert_destination(&a, "https://alerts.example/a", 5, "v1:first")
        .await
        .unwrap();
    assert!(created);
    assert_eq!(
        (d.failure_threshold, d.secret_sealed.as_str()),
        (5, "v1:first")
    );
    let (d, created) = store
        .put_alert_destination(&a, "https://alerts.example/b", 2, "v1:ignored")
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(d.secret_sealed, "v1:first", "a PUT keeps the secret");
    assert_eq!(store.alert_destination(&a).await.unwrap(), d);
    let until = clock::now() + chrono::Duration::hours(24);
    let rotated = store
        .rotate_alert_secret(&a, "v1:second", until)
        .await
        .unwrap();
    assert_eq!(rotated.secret_sealed, "v1:second");
    assert_eq!(
        rotated.previous_secret.as_ref().map(|p| p.0.as_str()),
        Some("v1:first")
    );
    assert_eq!(
        store.alert_destination(&other).await.err(),
        Some(StoreError::NotFound("alert destination")),
        "per account"
    );
    assert_eq!(
        store.delete_alert_destination(&other).await.err(),
        Some(StoreError::NotFound("alert destination"))
    );
    store.delete_alert_destination(&a).await.unwrap();
    assert!(store.alert_destination(&a).await.is_err());
}

pub async fn outcomes_and_disables_store_their_alerts(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    // No destination: failures store no alert.
    user(store, &a, &room.id, "u0").await;
    let d = claim(store, clock::now()).await.remove(0);
    store
        .record_attempts(vec![record(&d, Some(500), NextStep::Failed)])
        .await
        .unwrap();
    let none = store
        .list_alerts(&a, &AlertFilter::default(), ALL)
        .await
        .unwrap();
    assert!(none.items.is_empty());

    store
        .put_alert_destination(&a, "https://alerts.example/a", 2, "v1:s")
        .await
        .unwrap();
    user(store, &a, &room.id, "u1").await;
    let d = claim(store, clock::now()).await.remove(0);
    let retry = NextStep::RetryAt(clock::now());
    store
        .record_attempts(vec![record(&d, Some(500), retry)])
        .await
        .unwrap();
    let page = store
        .list_alerts(&a, &AlertFilter::default(), ALL)
        .await
        .unwrap();
    assert!(page.items.is_empty(), "one failure, threshold 2");
    let d = claim(store, clock::now()).await.remove(0);
    store
        .record_attempts(vec![record(&d, Some(500), NextStep::Failed)])
        .await
        .unwrap();
    let page = store
        .list_alerts(&a, &AlertFilter::default(), ALL)
        .await
        .unwrap();
    let kinds: Vec<_> = page.items.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        [
            AlertEventName::DeliveryExhausted,
            AlertEventName::RegistrationFailing
        ],
        "newest first"
    );
    assert_eq!(page.total, Some(2));
    assert!(
        page.items.iter().all(|x| x.status == AlertStatus::Pending
            && x.webhook_id == hook.id
            && x.attempts == 0)
    );

    // Disabled by hand, in the update's transaction.
    store
        .update_webhook(
            &a,
            &hook.id,
            WebhookPatch {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let filter = AlertFilter {
        kind: Some(AlertEventName::RegistrationDisabled),
        ..Default::default()
    };
    let disabled = store.list_alerts(&a, &filter, ALL).await.unwrap();
    assert_eq!(disabled.items.len(), 1);
    assert!(disabled.items[0].payload.contains("\"reason\":\"manual\""));
    let other = account(store).await;
    let theirs = store
        .list_alerts(&other, &AlertFilter::default(), ALL)
        .await
        .unwrap();
    assert!(theirs.items.is_empty(), "another account's log is its own");
}

pub async fn alert_claims_apply_the_rate_limit_and_record_attempts(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    store
        .put_alert_destination(&a, "https://alerts.example/a", 1, "v1:s")
        .await
        .unwrap();
    // Two exhausted deliveries of one registration: two alerts of one kind.
    user(store, &a, &room.id, "u1").await;
    user(store, &a, &room.id, "u2").await;
    let batch: Vec<_> = claim(store, clock::now())
        .await
        .iter()
        .map(|d| record(d, Some(500), NextStep::Failed))
        .collect();
    store.record_attempts(batch).await.unwrap();
    let claim = store
        .claim_alerts(clock::now(), LEASE, 10, HOUR)
        .await
        .unwrap();
    assert_eq!(claim.suppressed, 1, "the claim counts what it held back");
    let claimed = claim.claimed;
    // registration.failing and the first delivery.exhausted pass; the second is held back.
    assert_eq!(claimed.len(), 2, "{claimed:?}");
    assert!(claimed.iter().all(|c| c.url == "https://alerts.example/a"));
    let suppressed = AlertFilter {
        status: Some(AlertStatus::Suppressed),
        ..Default::default()
    };
    let held = store.list_alerts(&a, &suppressed, ALL).await.unwrap();
    assert_eq!(held.total, Some(1));
    assert_eq!(held.items[0].kind, AlertEventName::DeliveryExhausted);
    assert!(
        store
            .claim_alerts(clock::now(), LEASE, 10, HOUR)
            .await
            .unwrap()
            .claimed
            .is_empty(),
        "leased ones are not claimed twice"
    );

    let first = &claimed[0];
    let attempt = |code| Attempt {
        attempted_at: clock::now(),
        status_code: Some(code),
        duration_ms: 2,
        error: None,
        response_body: "ok".into(),
    };
    store
        .record_alert_attempt(AlertOutcome {
            alert_id: first.alert_id.clone(),
            lease: first.lease,
            attempt: attempt(503),
            next: NextStep::RetryAt(clock::now()),
        })
        .await
        .unwrap();
    // Due again: claimed again without passing the limit again.
    let again = store
        .claim_alerts(clock::now(), LEASE, 10, HOUR)
        .await
        .unwrap()
        .claimed;
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].alert_id.as_str(), again[0].attempts),
        (first.alert_id.as_str(), 1)
    );
    store
        .record_alert_attempt(AlertOutcome {
            alert_id: first.alert_id.clone(),
            lease: again[0].lease,
            attempt: attempt(200),
            next: NextStep::Succeeded,
        })
        .await
        .unwrap();
    let attempts = store
        .list_alert_attempts(&a, &first.alert_id)
        .await
        .unwrap();
    let codes: Vec<_> = attempts.iter().map(|x| x.status_code).collect();
    assert_eq!(codes, [Some(503), Some(200)]);
    let log = store
        .list_alerts(&a, &AlertFilter::default(), ALL)
        .await
        .unwrap();
    let sent = log.items.iter().find(|x| x.id == first.alert_id).unwrap();
    assert_eq!(
        (sent.status, sent.attempts, sent.status_code),
        (AlertStatus::Success, 2, Some(200))
    );
    let other = account(store).await;
    assert_eq!(
        store
            .list_alert_attempts(&other, &first.alert_id)
            .await
            .err(),
        Some(StoreError::NotFound("alert"))
    );

    // Retention takes finished alerts (and their attempts), never pending ones.
    let later = clock::now() + chrono::Duration::seconds(1);
    assert_eq!(
        store.prune_alerts(later, 100).await.unwrap(),
        2,
        "the sent one and the suppressed one"
    );
    assert_eq!(
        store.list_alert_attempts(&a, &first.alert_id).await.err(),
        Some(StoreError::NotFound("alert"))
    );
    let left = store
        .list_alerts(&a, &AlertFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(left.total, Some(1), "the one still leased stays");

    // Without a destination, what is left pending ends failed.
    store.delete_alert_destination(&a).await.unwrap();
    let pending = AlertFilter {
        status: Some(AlertStatus::Pending),
        ..Default::default()
    };
    assert!(
        store
            .list_alerts(&a, &pending, ALL)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}
