//! Webhook registrations, fan-out and the delivery queue: the checks in the modules below, the
//! fixtures they (and the handle and stats checks) share here.

use std::time::Duration;

use collabkit_webhooks::WebhookEventName;

use crate::{ALL, account, new_room, new_user};
use collabkit_domain::clock;
use collabkit_domain::store::{
    Attempt, AttemptRecord, DeliveryFilter, NewWebhook, NextStep, Storage,
};

pub(crate) mod claims;
pub(crate) mod ordering;
pub(crate) mod outcomes;
pub(crate) mod pace;
pub(crate) mod registrations;

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
        ordered: d.previous_room_seq.is_some(),
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
