//! Room counters on PostgreSQL with concurrent writers: changes of one room that run at once
//! (user creations grouped or not, joins on two nodes) each see the counters of the changes
//! before them, so the counters end exact and every payload shows the room as of its event.

use std::collections::BTreeSet;
use std::sync::Arc;

use collabkit_domain::store::{
    DeliveryFilter, NewRoom, NewUser, NewWebhook, PageRequest, UserFilter, prelude::*,
};
use collabkit_store_postgres::{PgOptions, PgStore};
use collabkit_webhooks::{WebhookEventName, WebhookPayload};

mod support;
use support::TestDb;

fn new_user(room_id: &str, i: usize) -> NewUser {
    NewUser {
        room_id: room_id.to_owned(),
        custom_id: i.is_multiple_of(2).then(|| format!("u{i}")),
        name: format!("User {i}"),
        profile_picture: None,
        token: collabkit_domain::accounts::new_user_token(),
        token_sealed: "sealed".into(),
    }
}

fn payload(json: &str) -> WebhookPayload {
    serde_json::from_str(json).unwrap()
}

#[tokio::test]
async fn concurrent_changes_of_one_room_count_exactly() {
    let db = TestDb::create().await;
    let store = Arc::new(PgStore::open(&db.url, &PgOptions::default()).await.unwrap());
    let account = support::account(&store).await;
    let room = store
        .create_room(
            &account,
            NewRoom {
                custom_id: None,
                name: "Busy".into(),
            },
        )
        .await
        .unwrap();
    let hook = store
        .create_webhook(
            &account,
            NewWebhook {
                url: "https://example.com/hook".into(),
                events: WebhookEventName::ALL.to_vec(),
                room_id: None,
                enabled: true,
                secret_sealed: "sealed".into(),
            },
        )
        .await
        .unwrap();

    // 40 creations at once: grouped by the batcher or not, each payload counts the ones before.
    let made = futures_util::future::join_all((0..40).map(|i| {
        let (store, account, room) = (store.clone(), account.clone(), room.id.clone());
        async move { store.create_user(&account, new_user(&room, i), None).await }
    }))
    .await;
    let mut seen = BTreeSet::new();
    let mut users = Vec::new();
    for change in made {
        let change = change.unwrap();
        match payload(&change.events[0].payload) {
            WebhookPayload::UserCreated { room, .. } => {
                assert!(
                    seen.insert(room.total_users_created),
                    "each creation its own count"
                );
            }
            other => panic!("{other:?}"),
        }
        users.push(change.value);
    }
    assert_eq!(seen, (1..=40).collect::<BTreeSet<u64>>());
    let counted = store.get_room(&account, &room.id).await.unwrap().counters;
    assert_eq!((counted.users_created, counted.users), (40, 40));

    // Joins on two nodes at once: one session starts, every participant is counted once.
    let joined = futures_util::future::join_all(users.iter().take(10).enumerate().map(|(i, u)| {
        let (store, account, room, user) = (
            store.clone(),
            account.clone(),
            room.id.clone(),
            u.id.clone(),
        );
        let node = if i.is_multiple_of(2) {
            "node_a"
        } else {
            "node_b"
        };
        async move { store.join_session(&account, &room, &user, node, None).await }
    }))
    .await;
    let mut participants = BTreeSet::new();
    let mut started = 0;
    for change in joined {
        for event in change.unwrap().events {
            match payload(&event.payload) {
                WebhookPayload::SessionStarted { .. } => started += 1,
                WebhookPayload::ParticipantJoined { room, user, .. } => {
                    assert_eq!(user.status, collabkit_webhooks::UserStatus::Online);
                    participants.insert(room.active_participants);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(started, 1);
    assert_eq!(participants, (1..=10).collect::<BTreeSet<u64>>());
    let live = store.get_room(&account, &room.id).await.unwrap();
    assert_eq!(live.counters.participants, 10);
    assert!(live.counters.live_since.is_some());
    let online = store
        .list_users(
            &account,
            &UserFilter::room(&room.id),
            PageRequest::first(100),
        )
        .await
        .unwrap();
    assert_eq!(online.items.iter().filter(|u| u.online).count(), 10);

    // Reconcile finds nothing to repair.
    let (_, before, after) = store.reconcile_room(&account, &room.id).await.unwrap();
    assert_eq!((before, after), (10, 10));

    // Deleting the room ends the session and every user: the last payloads count down.
    let deleted = store.delete_room(&account, &room.id, None).await.unwrap();
    let closed = deleted
        .events
        .iter()
        .find(|e| e.event == WebhookEventName::SessionClosed)
        .unwrap();
    match payload(&closed.payload) {
        WebhookPayload::SessionClosed { room, users, .. } => {
            assert_eq!(room.active_participants, 0);
            assert_eq!(users.len(), 10);
        }
        other => panic!("{other:?}"),
    }
    let last = deleted.events.last().unwrap();
    match payload(&last.payload) {
        WebhookPayload::UserDeleted { room, .. } => {
            assert_eq!(
                (room.total_users_created, room.active_participants),
                (40, 0)
            );
        }
        other => panic!("{other:?}"),
    }

    // The registration's log counts every delivery (40 created, 1 started, 10 joined, 10 left,
    // 1 closed, 40 deleted), whatever connections stored them.
    let log = store
        .list_deliveries(
            &account,
            &hook.id,
            DeliveryFilter::default(),
            PageRequest::at_offset(10, 100),
        )
        .await
        .unwrap();
    assert_eq!(log.total, Some(102));
    assert_eq!(log.items.len(), 2, "the last page after the offset");
    let joins = store
        .list_deliveries(
            &account,
            &hook.id,
            DeliveryFilter {
                event: Some(WebhookEventName::ParticipantJoined),
                ..DeliveryFilter::default()
            },
            PageRequest::first(3),
        )
        .await
        .unwrap();
    assert_eq!((joins.total, joins.items.len()), (Some(10), 3));
    drop(store);
    db.drop().await;
}
