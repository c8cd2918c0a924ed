//! The storage conformance suite: what every backend must do, written once.
//!
//! Each check is a function over a fresh, empty store. A backend's test file instantiates the
//! whole suite with [`crate::store_conformance_tests!`], handing it a factory for fresh stores, so
//! a new backend (PostgreSQL) runs exactly the same checks as SQLite.

use collabkit_webhooks::{WebhookEventName, WebhookPayload};

use std::time::Duration;

use super::{
    Attempt, AttemptRecord, DeliveryFilter, DeliveryStatus, EventFilter, NewRoom, NewUser,
    NewWebhook, NextStep, PageRequest, Store, StoreError, UserPatch, WebhookPatch,
};
use crate::accounts;
use crate::clock;

/// A fresh store and whatever keeps it alive (a temp dir, a database to drop).
pub struct TestStore {
    pub store: super::SharedStore,
    pub guard: Box<dyn std::any::Any + Send>,
}

/// Expands to one `#[tokio::test]` per check, each on a store from `$factory` (an async expression
/// yielding a [`TestStore`]).
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::store_conformance_tests!(@each $factory;
            accounts_are_created_and_found,
            rooms_are_created_read_renamed_and_unique_per_account,
            rooms_page_in_creation_order,
            user_changes_store_exactly_their_events,
            failed_changes_store_nothing,
            deleting_a_room_deletes_its_users_with_events,
            accounts_are_isolated,
            users_are_found_by_token_and_custom_id,
            events_filter_by_room_and_name,
            webhooks_are_scoped_patched_rotated_and_deleted,
            events_fan_out_to_matching_registrations,
            claims_lease_deliveries_until_recorded,
            claims_respect_per_registration_limits,
            retries_failures_and_recovery_move_deliveries,
            gone_disables_the_registration_and_fails_pending,
            prune_removes_old_finished_deliveries,
            sessions_start_join_leave_and_close_in_order,
            open_sessions_are_closed_after_a_restart,
        );
    };
    (@each $factory:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                let test_store: $crate::store::conformance::TestStore = $factory.await;
                $crate::store::conformance::$check(test_store.store.as_ref()).await;
                drop(test_store);
            }
        )*
    };
}

async fn account(store: &dyn Store) -> String {
    accounts::create(store, "test").await.unwrap().account.id
}

fn new_room(custom_id: &str) -> NewRoom {
    NewRoom {
        custom_id: custom_id.into(),
        name: format!("Room {custom_id}"),
    }
}

fn new_user(room_id: &str, custom_id: &str) -> NewUser {
    NewUser {
        room_id: room_id.into(),
        custom_id: custom_id.into(),
        name: format!("User {custom_id}"),
        profile_picture: None,
    }
}

const ALL: PageRequest = PageRequest {
    limit: 200,
    after: None,
};

async fn all_events(store: &dyn Store, account_id: &str) -> Vec<super::Event> {
    store
        .list_events(account_id, EventFilter::default(), ALL)
        .await
        .unwrap()
        .items
}

pub async fn accounts_are_created_and_found(store: &dyn Store) {
    assert_eq!(store.count_accounts().await.unwrap(), 0);
    let created = accounts::create(store, "acme").await.unwrap();
    let found = store.get_account(&created.account.id).await.unwrap();
    assert_eq!(found, created.account);
    assert!(accounts::key_matches(&found, &created.api_key));
    assert!(!accounts::key_matches(&found, "ck_wrong"));
    assert_eq!(store.count_accounts().await.unwrap(), 1);
    assert_eq!(
        store.get_account("acct_missing").await,
        Err(StoreError::NotFound("account"))
    );
}

pub async fn rooms_are_created_read_renamed_and_unique_per_account(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r1")).await.unwrap();
    assert_eq!(store.get_room(&a, &room.id).await.unwrap(), room);
    assert_eq!(store.find_room_by_custom_id(&a, "r1").await.unwrap(), room);

    let dup = store.create_room(&a, new_room("r1")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let other = account(store).await;
    store
        .create_room(&other, new_room("r1"))
        .await
        .expect("custom ids are unique per account only");

    let renamed = store.rename_room(&a, &room.id, "New name").await.unwrap();
    assert_eq!(renamed.name, "New name");
    assert!(renamed.updated_at >= room.updated_at);
    assert_eq!(store.get_room(&a, &room.id).await.unwrap(), renamed);
    assert_eq!(
        store.rename_room(&a, "room_missing", "x").await,
        Err(StoreError::NotFound("room"))
    );
}

pub async fn rooms_page_in_creation_order(store: &dyn Store) {
    let a = account(store).await;
    let mut ids = vec![];
    for i in 0..5 {
        ids.push(
            store
                .create_room(&a, new_room(&format!("r{i}")))
                .await
                .unwrap()
                .id,
        );
    }
    let mut seen = vec![];
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_rooms(&a, PageRequest { limit: 2, after })
            .await
            .unwrap();
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.into_iter().map(|r| r.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);
}

pub async fn user_changes_store_exactly_their_events(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let created = store
        .create_user(&a, new_user(&room.id, "u"))
        .await
        .unwrap();
    let user = created.value.clone();
    assert_eq!(created.events.len(), 1);
    assert_eq!(created.events[0].event, WebhookEventName::UserCreated);

    let unchanged = store
        .update_user(
            &a,
            &user.id,
            UserPatch {
                name: Some(user.name.clone()),
                profile_picture: Some(None),
            },
        )
        .await
        .unwrap();
    assert!(unchanged.events.is_empty(), "no change, no event");
    assert_eq!(unchanged.value, user);

    let updated = store
        .update_user(
            &a,
            &user.id,
            UserPatch {
                name: None,
                profile_picture: Some(Some("https://example.com/a.png".into())),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.events.len(), 1);
    assert_eq!(
        updated.value.profile_picture.as_deref(),
        Some("https://example.com/a.png")
    );
    assert_eq!(store.get_user(&a, &user.id).await.unwrap(), updated.value);

    let deleted = store.delete_user(&a, &user.id).await.unwrap();
    assert_eq!(deleted.events.len(), 1);
    assert_eq!(
        store.get_user(&a, &user.id).await,
        Err(StoreError::NotFound("user"))
    );

    let events = all_events(store, &a).await;
    let names: Vec<_> = events.iter().map(|e| e.event).collect();
    assert_eq!(
        names,
        [
            WebhookEventName::UserCreated,
            WebhookEventName::UserUpdated,
            WebhookEventName::UserDeleted
        ]
    );
    for (stored, returned) in
        events
            .iter()
            .zip([&created.events[0], &updated.events[0], &deleted.events[0]])
    {
        assert_eq!(
            stored, returned,
            "the log holds exactly what the change returned"
        );
        let payload: WebhookPayload = serde_json::from_str(&stored.payload).unwrap();
        assert_eq!(payload.id(), stored.id);
        assert_eq!(payload.event(), stored.event);
        assert_eq!(payload.room().id, room.id);
        assert!(
            !stored.payload.contains(&user.token),
            "payloads never carry the token"
        );
    }
    let WebhookPayload::UserUpdated { user: wu, .. } =
        serde_json::from_str(&events[1].payload).unwrap()
    else {
        panic!("second event is user.updated")
    };
    assert_eq!(wu, updated.value.to_webhook());
}

pub async fn failed_changes_store_nothing(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    store
        .create_user(&a, new_user(&room.id, "u"))
        .await
        .unwrap();
    let before = all_events(store, &a).await.len();

    let dup = store.create_user(&a, new_user(&room.id, "u")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let missing_room = store.create_user(&a, new_user("room_missing", "v")).await;
    assert_eq!(missing_room.err(), Some(StoreError::NotFound("room")));
    let missing_user = store.delete_user(&a, "usr_missing").await;
    assert_eq!(missing_user.err(), Some(StoreError::NotFound("user")));

    assert_eq!(all_events(store, &a).await.len(), before);
    let users = store.list_users(&a, &room.id, ALL).await.unwrap();
    assert_eq!(users.items.len(), 1);
}

pub async fn deleting_a_room_deletes_its_users_with_events(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let keep = store.create_room(&a, new_room("keep")).await.unwrap();
    let u1 = store
        .create_user(&a, new_user(&room.id, "u1"))
        .await
        .unwrap()
        .value;
    let u2 = store
        .create_user(&a, new_user(&room.id, "u2"))
        .await
        .unwrap()
        .value;
    let other = store
        .create_user(&a, new_user(&keep.id, "u1"))
        .await
        .unwrap()
        .value;

    let change = store.delete_room(&a, &room.id).await.unwrap();
    let deleted: Vec<_> = change
        .events
        .iter()
        .map(|e| {
            assert_eq!(e.event, WebhookEventName::UserDeleted);
            match serde_json::from_str(&e.payload).unwrap() {
                WebhookPayload::UserDeleted { user, .. } => user.id,
                p => panic!("unexpected {p:?}"),
            }
        })
        .collect();
    assert_eq!(deleted, [u1.id.clone(), u2.id.clone()]);
    assert_eq!(
        store.get_room(&a, &room.id).await,
        Err(StoreError::NotFound("room"))
    );
    assert_eq!(
        store.get_user(&a, &u1.id).await,
        Err(StoreError::NotFound("user"))
    );
    assert_eq!(store.get_user(&a, &other.id).await.unwrap(), other);
    assert_eq!(
        store.delete_room(&a, &room.id).await.err(),
        Some(StoreError::NotFound("room"))
    );
}

pub async fn accounts_are_isolated(store: &dyn Store) {
    let a = account(store).await;
    let b = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let user = store
        .create_user(&a, new_user(&room.id, "u"))
        .await
        .unwrap()
        .value;

    assert_eq!(
        store.get_room(&b, &room.id).await,
        Err(StoreError::NotFound("room"))
    );
    assert_eq!(
        store.find_room_by_custom_id(&b, "r").await,
        Err(StoreError::NotFound("room"))
    );
    assert_eq!(
        store.get_user(&b, &user.id).await,
        Err(StoreError::NotFound("user"))
    );
    assert!(store.list_users(&b, &room.id, ALL).await.is_err());
    assert!(store.list_rooms(&b, ALL).await.unwrap().items.is_empty());
    assert!(store.rename_room(&b, &room.id, "x").await.is_err());
    assert!(
        store
            .update_user(&b, &user.id, UserPatch::default())
            .await
            .is_err()
    );
    assert!(store.delete_user(&b, &user.id).await.is_err());
    assert!(store.delete_room(&b, &room.id).await.is_err());
    assert!(
        store
            .create_user(&b, new_user(&room.id, "x"))
            .await
            .is_err(),
        "a user cannot be put in another account's room"
    );
    assert!(all_events(store, &b).await.is_empty());
    assert_eq!(store.get_user(&a, &user.id).await.unwrap(), user);
}

pub async fn users_are_found_by_token_and_custom_id(store: &dyn Store) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    let u1 = store
        .create_user(&a, new_user(&r1.id, "same"))
        .await
        .unwrap()
        .value;
    let u2 = store
        .create_user(&a, new_user(&r2.id, "same"))
        .await
        .unwrap()
        .value;
    assert_ne!(u1.token, u2.token);
    assert!(u1.token.len() >= 40);
    assert_eq!(store.find_user_by_token(&u2.token).await.unwrap(), u2);
    assert_eq!(
        store
            .find_user_by_custom_id(&a, &r1.id, "same")
            .await
            .unwrap(),
        u1
    );
    assert_eq!(
        store
            .find_user_by_custom_id(&a, &r2.id, "same")
            .await
            .unwrap(),
        u2
    );
    assert_eq!(
        store.find_user_by_token("utk_nope").await,
        Err(StoreError::NotFound("user"))
    );
}

pub async fn events_filter_by_room_and_name(store: &dyn Store) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    let u = store
        .create_user(&a, new_user(&r1.id, "u"))
        .await
        .unwrap()
        .value;
    store.create_user(&a, new_user(&r2.id, "u")).await.unwrap();
    store.delete_user(&a, &u.id).await.unwrap();

    let in_r1 = store
        .list_events(
            &a,
            EventFilter {
                room_id: Some(r1.id.clone()),
                event: None,
            },
            ALL,
        )
        .await
        .unwrap();
    assert_eq!(in_r1.items.len(), 2);
    let created = store
        .list_events(
            &a,
            EventFilter {
                room_id: None,
                event: Some(WebhookEventName::UserCreated),
            },
            ALL,
        )
        .await
        .unwrap();
    assert_eq!(created.items.len(), 2);
    assert!(
        created
            .items
            .iter()
            .all(|e| e.event == WebhookEventName::UserCreated)
    );
}

fn new_webhook(events: &[WebhookEventName], room_id: Option<&str>, enabled: bool) -> NewWebhook {
    NewWebhook {
        url: "https://receiver.example/hook".into(),
        events: events.to_vec(),
        room_id: room_id.map(str::to_owned),
        enabled,
        secret_sealed: "v1:sealed".into(),
    }
}

const USER_CREATED: &[WebhookEventName] = &[WebhookEventName::UserCreated];

fn attempt(status: Option<u16>) -> Attempt {
    Attempt {
        attempted_at: clock::now(),
        status_code: status,
        duration_ms: 3,
        error: status.is_none().then(|| "connection refused".to_owned()),
        response_body: "ok".into(),
    }
}

fn record(d: &super::ClaimedDelivery, status: Option<u16>, next: NextStep) -> AttemptRecord {
    AttemptRecord {
        delivery_id: d.delivery_id.clone(),
        lease: d.lease,
        webhook_id: d.webhook_id.clone(),
        attempt: attempt(status),
        next,
        disable_if_failing_since: clock::now() - chrono::Duration::days(5),
    }
}

const LEASE: Duration = Duration::from_secs(30);

/// An account with a room, one registration for `user.created`, and one user created: one
/// pending delivery.
async fn one_delivery(store: &dyn Store) -> (String, String) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let hook = store
        .create_webhook(&a, new_webhook(USER_CREATED, None, true))
        .await
        .unwrap();
    store
        .create_user(&a, new_user(&room.id, "u"))
        .await
        .unwrap();
    (a, hook.id)
}

async fn claim(store: &dyn Store, at: clock::Timestamp) -> Vec<super::ClaimedDelivery> {
    store.claim_due(at, LEASE, 100, 100, vec![]).await.unwrap()
}

async fn delivery_of(store: &dyn Store, a: &str, hook: &str) -> super::Delivery {
    let mut page = store
        .list_deliveries(a, hook, DeliveryFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    page.items.remove(0)
}

pub async fn webhooks_are_scoped_patched_rotated_and_deleted(store: &dyn Store) {
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
            .list_webhooks(&b, None, ALL)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        store
            .list_webhooks(&a, None, ALL)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let in_room = store
        .list_webhooks(&a, Some(&room.id), ALL)
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
}

pub async fn events_fan_out_to_matching_registrations(store: &dyn Store) {
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

    store.create_user(&a, new_user(&r1.id, "u")).await.unwrap();
    let u2 = store
        .create_user(&a, new_user(&r2.id, "u"))
        .await
        .unwrap()
        .value;
    store.delete_user(&a, &u2.id).await.unwrap();

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

pub async fn claims_lease_deliveries_until_recorded(store: &dyn Store) {
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

pub async fn claims_respect_per_registration_limits(store: &dyn Store) {
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
            .create_user(&a, new_user(&room.id, &format!("u{i}")))
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

pub async fn retries_failures_and_recovery_move_deliveries(store: &dyn Store) {
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
        Some(StoreError::NotFound("delivery"))
    );
}

pub async fn gone_disables_the_registration_and_fails_pending(store: &dyn Store) {
    let (a, hook) = one_delivery(store).await;
    let room = store.list_rooms(&a, ALL).await.unwrap().items.remove(0);
    store
        .create_user(&a, new_user(&room.id, "second"))
        .await
        .unwrap();
    let claimed = store
        .claim_due(clock::now(), LEASE, 1, 100, vec![])
        .await
        .unwrap();
    store
        .record_attempts(vec![record(&claimed[0], Some(410), NextStep::Gone)])
        .await
        .unwrap();
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
}

pub async fn prune_removes_old_finished_deliveries(store: &dyn Store) {
    let (a, hook) = one_delivery(store).await;
    let d = claim(store, clock::now()).await.remove(0);
    store
        .record_attempts(vec![record(&d, Some(200), NextStep::Succeeded)])
        .await
        .unwrap();
    let room = store.list_rooms(&a, ALL).await.unwrap().items.remove(0);
    store
        .create_user(&a, new_user(&room.id, "pending"))
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

fn names(events: &[super::Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

pub async fn sessions_start_join_leave_and_close_in_order(store: &dyn Store) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let other_room = store.create_room(&a, new_room("o")).await.unwrap();
    let u1 = store
        .create_user(&a, new_user(&room.id, "u1"))
        .await
        .unwrap()
        .value;
    let u2 = store
        .create_user(&a, new_user(&room.id, "u2"))
        .await
        .unwrap()
        .value;
    let stranger = store
        .create_user(&a, new_user(&other_room.id, "s"))
        .await
        .unwrap()
        .value;

    let first = store.join_session(&a, &room.id, &u1.id).await.unwrap();
    assert_eq!(
        names(&first.events),
        ["session.started", "participant.joined"]
    );
    let again = store.join_session(&a, &room.id, &u1.id).await.unwrap();
    assert!(again.events.is_empty(), "joining twice is a no-op");
    let second = store.join_session(&a, &room.id, &u2.id).await.unwrap();
    assert_eq!(names(&second.events), ["participant.joined"]);
    assert_eq!(
        store.join_session(&a, &room.id, &stranger.id).await.err(),
        Some(StoreError::NotFound("user")),
        "only the room's users join its session"
    );
    let b = account(store).await;
    assert!(store.join_session(&b, &room.id, &u1.id).await.is_err());

    let left = store.leave_session(&a, &room.id, &u1.id).await.unwrap();
    assert_eq!(names(&left.events), ["participant.left"]);
    assert!(
        store
            .leave_session(&a, &room.id, &u1.id)
            .await
            .unwrap()
            .events
            .is_empty()
    );
    // The last one leaves after being deleted: the snapshot stands in for the user.
    store.delete_user(&a, &u2.id).await.unwrap();
    let last = store.leave_session(&a, &room.id, &u2.id).await.unwrap();
    assert_eq!(names(&last.events), ["participant.left", "session.closed"]);
    match serde_json::from_str(&last.events[1].payload).unwrap() {
        WebhookPayload::SessionClosed { users, room: r, .. } => {
            assert_eq!(r.id, room.id);
            let ids: Vec<_> = users.iter().map(|u| u.id.clone()).collect();
            assert_eq!(
                ids,
                [u1.id.clone(), u2.id.clone()],
                "everyone who joined, in order"
            );
        }
        p => panic!("{p:?}"),
    }
    let next = store.join_session(&a, &room.id, &u1.id).await.unwrap();
    assert_eq!(
        names(&next.events),
        ["session.started", "participant.joined"],
        "a new session"
    );
}

pub async fn open_sessions_are_closed_after_a_restart(store: &dyn Store) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    for (room, n) in [(&r1, 2), (&r2, 1)] {
        for i in 0..n {
            let u = store
                .create_user(&a, new_user(&room.id, &format!("u{i}")))
                .await
                .unwrap()
                .value;
            store.join_session(&a, &room.id, &u.id).await.unwrap();
        }
    }
    let closed = store.close_open_sessions().await.unwrap();
    assert_eq!(closed.value, 2);
    assert_eq!(
        names(&closed.events),
        [
            "participant.left",
            "participant.left",
            "session.closed",
            "participant.left",
            "session.closed"
        ]
    );
    let again = store.close_open_sessions().await.unwrap();
    assert_eq!(
        (again.value, again.events.len()),
        (0, 0),
        "closed exactly once"
    );
}
