//! Users: created (also concurrently), changed and deleted with exactly their events, nothing
//! stored when a change fails, and found by token and custom id.

use collabkit_webhooks::{WebhookEventName, WebhookPayload};

use crate::{ALL, account, all_events, new_room, new_user, user};
use collabkit_domain::store::{Storage, StoreError, User, UserFilter, UserPatch};

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
    assert_eq!(u2.token_sealed, crate::sealed(&token(&u2)), "kept as given");
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
