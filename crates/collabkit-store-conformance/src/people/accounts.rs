//! Accounts: created, found, listed, their keys rotated; and isolated from one another.

use crate::{ALL, account, all_events, new_room, new_user, user};
use collabkit_domain::accounts;
use collabkit_domain::store::{
    PageRequest, RoomFilter, Storage, StoreError, UserFilter, UserPatch,
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
