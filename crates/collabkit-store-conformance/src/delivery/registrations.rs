//! Registrations: scoped, patched, rotated and deleted; events fan out to the matching ones;
//! a registration's delivery log pages newest first.

use collabkit_webhooks::WebhookEventName;

use super::{USER_CREATED, new_webhook};
use crate::{ALL, account, all_events, new_room, new_user, user};
use collabkit_domain::clock;
use collabkit_domain::store::{
    DeliveryFilter, DeliveryStatus, PageRequest, Storage, StoreError, UserPatch, WebhookFilter,
    WebhookPatch,
};

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

/// A registration's custom headers: none at first, replaced whole, cleared by an empty set,
/// another account's registration `NotFound("webhook")` (and left as it was), and carried by
/// every delivery of the registration, leased inline or claimed, retries included.
pub async fn webhook_headers_are_kept_and_travel_with_deliveries(store: &dyn Storage) {
    use collabkit_domain::store::{InlineLease, NextStep, WebhookHeaders};
    let a = account(store).await;
    let b = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    let plain = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    assert_eq!(
        store.webhook_headers(&a, &hook.id).await,
        Ok(WebhookHeaders::new())
    );
    let headers: WebhookHeaders = [
        ("Authorization", "Bearer s3cret"),
        ("X-Tenant", "acme corp"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(
        store
            .set_webhook_headers(&a, &hook.id, headers.clone())
            .await,
        Ok(headers.clone())
    );
    assert_eq!(
        store.webhook_headers(&a, &hook.id).await,
        Ok(headers.clone())
    );
    assert_eq!(
        store.webhook_headers(&a, &plain.id).await,
        Ok(WebhookHeaders::new()),
        "one registration's headers are its own"
    );

    // Tenant-scoped.
    assert_eq!(
        store.webhook_headers(&b, &hook.id).await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store
            .set_webhook_headers(&b, &hook.id, WebhookHeaders::new())
            .await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store.webhook_headers(&a, "whk_missing").await,
        Err(StoreError::NotFound("webhook"))
    );
    assert_eq!(
        store.webhook_headers(&a, &hook.id).await,
        Ok(headers.clone())
    );
    let kept = store.get_webhook(&a, &hook.id).await.unwrap();
    assert_eq!(kept.url, hook.url, "the registration is as it was");

    let pairs: Vec<(String, String)> = headers.clone().into_iter().collect();
    let of = |ds: &[collabkit_domain::store::ClaimedDelivery], id: &str| {
        ds.iter()
            .find(|d| d.webhook_id == id)
            .map(|d| d.headers.clone())
            .expect("a delivery of the registration")
    };

    // Leased inline: the headers travel with the lease.
    let lease = InlineLease {
        until: clock::now() + chrono::Duration::seconds(30),
        token: 7,
    };
    let change = store
        .create_user(&a, new_user(&room.id, "u"), Some(lease))
        .await
        .unwrap();
    assert_eq!(change.leased.len(), 2);
    assert_eq!(of(&change.leased, &hook.id), pairs);
    assert_eq!(of(&change.leased, &plain.id), vec![]);

    // Claimed: the same, and again on the retry after a failure.
    let after = lease.until + chrono::Duration::seconds(1);
    let claimed = super::claim(store, after).await;
    assert_eq!(claimed.len(), 2, "the inline leases ran out");
    assert_eq!(of(&claimed, &hook.id), pairs);
    assert_eq!(of(&claimed, &plain.id), vec![]);
    let failed = claimed.iter().find(|d| d.webhook_id == hook.id).unwrap();
    store
        .record_attempts(vec![super::record(
            failed,
            Some(500),
            NextStep::RetryAt(after),
        )])
        .await
        .unwrap();
    let again = super::claim(store, after + chrono::Duration::seconds(60)).await;
    assert_eq!(of(&again, &hook.id), pairs, "a retry carries them too");

    // Cleared.
    assert_eq!(
        store
            .set_webhook_headers(&a, &hook.id, WebhookHeaders::new())
            .await,
        Ok(WebhookHeaders::new())
    );
    assert_eq!(
        store.webhook_headers(&a, &hook.id).await,
        Ok(WebhookHeaders::new())
    );
    store
        .create_user(&a, new_user(&room.id, "v"), None)
        .await
        .unwrap();
    let later = super::claim(store, after + chrono::Duration::seconds(120)).await;
    assert!(later.iter().all(|d| d.headers.is_empty()), "{later:?}");

    store.delete_webhook(&a, &hook.id).await.unwrap();
    assert_eq!(
        store.webhook_headers(&a, &hook.id).await,
        Err(StoreError::NotFound("webhook"))
    );
}
