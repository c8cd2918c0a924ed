//! Accounts, rooms, users and the events of user changes.

use collabkit_webhooks::{WebhookEventName, WebhookPayload};

use crate::{ALL, account, all_events, new_room, new_user, user};
use collabkit_domain::accounts;
use collabkit_domain::store::{
    Cursor, EventFilter, PageRequest, RoomFilter, Storage, StoreError, User, UserFilter, UserPatch,
};

pub async fn accounts_are_created_and_found(store: &dyn Storage) {
    assert_eq!(store.count_accounts().await.unwrap(), 0);
    let created = accounts::create(store, "acme").await.unwrap();
    let found = store.get_account(&created.account.id).await.unwrap();
    assert_eq!(found, created.account);
    assert!(accounts::key_matches(&found, &created.api_key));
    assert!(!accounts::key_matches(&found, "ck_wrong"));
    assert_eq!(store.count_accounts().await.unwrap(), 1);

    // Listed (with a second one), and a rotated key replaces the old one at once.
    let second = accounts::create(store, "beta").await.unwrap();
    let first_page = store.list_accounts(PageRequest::first(1)).await.unwrap();
    assert_eq!(first_page.items.len(), 1);
    let rest = store
        .list_accounts(PageRequest {
            limit: 10,
            after: first_page.next.clone(),
            offset: 0,
        })
        .await
        .unwrap();
    let mut ids: Vec<String> = first_page
        .items
        .iter()
        .chain(&rest.items)
        .map(|a| a.id.clone())
        .collect();
    ids.sort();
    let mut want = vec![created.account.id.clone(), second.account.id.clone()];
    want.sort();
    assert_eq!(ids, want);
    assert!(rest.next.is_none());
    let rotated = accounts::rotate_key(store, &created.account.id)
        .await
        .unwrap();
    let now = store.get_account(&created.account.id).await.unwrap();
    assert!(accounts::key_matches(&now, &rotated.api_key));
    assert!(
        !accounts::key_matches(&now, &created.api_key),
        "the old key stops working"
    );
    assert_eq!(
        accounts::rotate_key(store, "acct_missing").await.err(),
        Some(StoreError::NotFound("account"))
    );
    assert_eq!(
        store.get_account("acct_missing").await,
        Err(StoreError::NotFound("account"))
    );
}

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

/// Creations made at the same moment (which a backend may write together) each get their own
/// answer: a taken `customId` fails only its own creation, and every user made has exactly its
/// one `user.created`.
pub async fn concurrent_creations_each_get_their_answer(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let other = account(store).await;
    let creations = (0..40).map(|i| {
        // u0..u29 once, u0..u9 a second time, and one into another account's room.
        let custom = format!("u{}", i % 30);
        let (account_id, room_id) = if i == 39 {
            (other.clone(), room.id.clone())
        } else {
            (a.clone(), room.id.clone())
        };
        async move {
            store
                .create_user(&account_id, new_user(&room_id, &custom), None)
                .await
        }
    });
    let results = futures_util::future::join_all(creations).await;
    let made = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!(
        results[39].as_ref().err(),
        Some(&StoreError::NotFound("room"))
    );
    assert_eq!(made, 30, "each customId once: {results:?}");
    assert_eq!(
        conflicts, 9,
        "the second u0..u8 (u9's second is the foreign one)"
    );
    let events = all_events(store, &a).await;
    assert_eq!(events.len(), 30);
    let mut users: Vec<&str> = events.iter().map(|e| e.room_id.as_str()).collect();
    users.dedup();
    assert_eq!(users, [room.id.as_str()]);
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

pub async fn user_changes_store_exactly_their_events(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let created = store
        .create_user(&a, new_user(&room.id, "u"), None)
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
            None,
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
            None,
        )
        .await
        .unwrap();
    assert_eq!(updated.events.len(), 1);
    assert_eq!(
        updated.value.profile_picture.as_deref(),
        Some("https://example.com/a.png")
    );
    assert_eq!(store.get_user(&a, &user.id).await.unwrap(), updated.value);

    let deleted = store.delete_user(&a, &user.id, None).await.unwrap();
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
            !stored
                .payload
                .contains(&user.token_sealed["sealed:".len()..]),
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

pub async fn failed_changes_store_nothing(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    store
        .create_user(&a, new_user(&room.id, "u"), None)
        .await
        .unwrap();
    let before = all_events(store, &a).await.len();

    let dup = store.create_user(&a, new_user(&room.id, "u"), None).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let missing_room = store
        .create_user(&a, new_user("room_missing", "v"), None)
        .await;
    assert_eq!(missing_room.err(), Some(StoreError::NotFound("room")));
    let missing_user = store.delete_user(&a, "usr_missing", None).await;
    assert_eq!(missing_user.err(), Some(StoreError::NotFound("user")));

    assert_eq!(all_events(store, &a).await.len(), before);
    let users = store
        .list_users(&a, &UserFilter::room(&room.id), ALL)
        .await
        .unwrap();
    assert_eq!(users.items.len(), 1);
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

pub async fn accounts_are_isolated(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let user = user(store, &a, &room.id, "u").await;

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
    assert!(
        store
            .list_users(&b, &UserFilter::room(&room.id), ALL)
            .await
            .is_err()
    );
    assert!(
        store
            .list_rooms(&b, &RoomFilter::default(), ALL)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(store.rename_room(&b, &room.id, "x").await.is_err());
    assert!(
        store
            .update_user(&b, &user.id, UserPatch::default(), None)
            .await
            .is_err()
    );
    assert!(store.delete_user(&b, &user.id, None).await.is_err());
    assert!(store.delete_room(&b, &room.id, None).await.is_err());
    assert!(
        store
            .create_user(&b, new_user(&room.id, "x"), None)
            .await
            .is_err(),
        "a user cannot be put in another account's room"
    );
    assert!(all_events(store, &b).await.is_empty());
    assert_eq!(store.get_user(&a, &user.id).await.unwrap(), user);
}

pub async fn users_are_found_by_token_and_custom_id(store: &dyn Storage) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    let u1 = user(store, &a, &r1.id, "same").await;
    let u2 = user(store, &a, &r2.id, "same").await;
    let token = |u: &User| u.token_sealed["sealed:".len()..].to_owned();
    assert_ne!(token(&u1), token(&u2));
    assert!(token(&u1).len() >= 40);
    assert_eq!(store.find_user_by_token(&token(&u2)).await.unwrap(), u2);
    assert_eq!(u2.token_sealed, super::sealed(&token(&u2)), "kept as given");
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

pub async fn events_filter_by_room_and_name(store: &dyn Storage) {
    let a = account(store).await;
    let r1 = store.create_room(&a, new_room("r1")).await.unwrap();
    let r2 = store.create_room(&a, new_room("r2")).await.unwrap();
    let u = user(store, &a, &r1.id, "u").await;
    store
        .create_user(&a, new_user(&r2.id, "u"), None)
        .await
        .unwrap();
    store.delete_user(&a, &u.id, None).await.unwrap();

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
    let recent = store.recent_events(&a, &r1.id, 10).await.unwrap();
    let names: Vec<_> = recent.iter().map(|e| e.event).collect();
    assert_eq!(
        names,
        [WebhookEventName::UserDeleted, WebhookEventName::UserCreated],
        "newest first"
    );
    assert_eq!(store.recent_events(&a, &r1.id, 1).await.unwrap().len(), 1);
    let other = account(store).await;
    assert!(
        store
            .recent_events(&other, &r1.id, 10)
            .await
            .unwrap()
            .is_empty()
    );

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

    // A reader following the log from its end sees only what comes next.
    let end = store.event_log_end(&a).await.unwrap();
    assert!(end.is_some());
    let from_end = PageRequest {
        limit: 10,
        after: end.clone(),
        offset: 0,
    };
    let nothing = store
        .list_events(&a, EventFilter::default(), from_end.clone())
        .await
        .unwrap();
    assert!(nothing.items.is_empty());
    let later = user(store, &a, &r2.id, "later").await;
    let next = store
        .list_events(&a, EventFilter::default(), from_end)
        .await
        .unwrap();
    assert_eq!(next.items.len(), 1);
    assert!(next.items[0].payload.contains(&later.id));
    assert!(
        next.last.is_some() && next.next.is_none(),
        "the end, with its position"
    );
    let empty_account = account(store).await;
    assert_eq!(store.event_log_end(&empty_account).await.unwrap(), None);
}
