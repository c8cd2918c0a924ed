//! Rooms: created, read, renamed, unique per account, paged in creation order (refusing
//! cursors they did not issue), and deleted with their users.

use collabkit_webhooks::{WebhookEventName, WebhookPayload};

use crate::{account, new_room, user};
use collabkit_domain::store::{Cursor, PageRequest, RoomFilter, Storage, StoreError};

pub async fn rooms_are_created_read_renamed_and_unique_per_account(store: &dyn Storage) {
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

pub async fn rooms_page_in_creation_order(store: &dyn Storage) {
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
            .list_rooms(
                &a,
                &RoomFilter::default(),
                PageRequest {
                    limit: 2,
                    after,
                    offset: 0,
                },
            )
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

/// A cursor comes back from clients: one the backend did not issue is refused, not guessed at.
pub async fn garbage_cursors_are_refused(store: &dyn Storage) {
    let a = account(store).await;
    for garbage in ["", "-1", "not a cursor", "99999999999999999999999"] {
        let page = PageRequest {
            limit: 10,
            after: Some(Cursor::new(garbage)),
            offset: 0,
        };
        assert_eq!(
            store
                .list_rooms(&a, &RoomFilter::default(), page)
                .await
                .err(),
            Some(StoreError::InvalidCursor),
            "{garbage:?}"
        );
    }
}

pub async fn deleting_a_room_deletes_its_users_with_events(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let keep = store.create_room(&a, new_room("keep")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    let other = user(store, &a, &keep.id, "u1").await;

    let change = store.delete_room(&a, &room.id, None).await.unwrap();
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
        store.delete_room(&a, &room.id, None).await.err(),
        Some(StoreError::NotFound("room"))
    );
}
