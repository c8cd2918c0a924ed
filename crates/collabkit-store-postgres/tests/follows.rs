//! Follows on PostgreSQL, below what the suite sees: no row outlives its users or its room, and
//! a follow racing the deletion of one of its users either comes first (and goes with the user)
//! or finds the user gone — never a backend error, never a row left pointing nowhere.

use std::sync::Arc;

use collabkit_domain::store::{NewRoom, NewUser, StoreError, prelude::*};
use collabkit_store_postgres::{PgOptions, PgStore};

mod support;
use support::TestDb;

async fn room_with_users(store: &PgStore, account: &str, n: usize) -> (String, Vec<String>) {
    let room = store
        .create_room(
            account,
            NewRoom {
                custom_id: None,
                name: "R".into(),
            },
        )
        .await
        .unwrap();
    let mut users = Vec::new();
    for i in 0..n {
        let new = NewUser {
            room_id: room.id.clone(),
            custom_id: None,
            name: format!("User {i}"),
            profile_picture: None,
            token: collabkit_domain::accounts::new_user_token(),
            token_sealed: "sealed".into(),
        };
        users.push(
            store
                .create_user(account, new, None)
                .await
                .unwrap()
                .value
                .id,
        );
    }
    (room.id, users)
}

async fn rows(db: &TestDb) -> i64 {
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_one("SELECT COUNT(*) FROM user_follows", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn deletions_leave_no_rows_behind() {
    let db = TestDb::create().await;
    let store = PgStore::open(&db.url, &PgOptions::default()).await.unwrap();
    let account = support::account(&store).await;
    let (room, users) = room_with_users(&store, &account, 3).await;
    for (f, u) in [(0, 1), (1, 0), (1, 2), (2, 0)] {
        assert!(
            store
                .set_follow(&account, &room, &users[f], &users[u], true)
                .await
                .unwrap()
        );
    }
    assert_eq!(rows(&db).await, 4);
    store.delete_user(&account, &users[0], None).await.unwrap();
    assert_eq!(rows(&db).await, 1, "both directions of the deleted user");
    store.delete_room(&account, &room, None).await.unwrap();
    assert_eq!(rows(&db).await, 0);
    drop(store);
    db.drop().await;
}

#[tokio::test]
async fn a_follow_racing_a_deletion_never_outlives_the_user() {
    let db = TestDb::create().await;
    let store = Arc::new(PgStore::open(&db.url, &PgOptions::default()).await.unwrap());
    let account = support::account(&store).await;
    for _ in 0..10 {
        let (room, users) = room_with_users(&store, &account, 2).await;
        let follow = {
            let (store, account, room, users) =
                (store.clone(), account.clone(), room.clone(), users.clone());
            tokio::spawn(async move {
                store
                    .set_follow(&account, &room, &users[0], &users[1], true)
                    .await
            })
        };
        let delete = {
            let (store, account, user) = (store.clone(), account.clone(), users[1].clone());
            tokio::spawn(async move { store.delete_user(&account, &user, None).await })
        };
        let (followed, deleted) = (follow.await.unwrap(), delete.await.unwrap());
        deleted.unwrap();
        assert!(
            matches!(followed, Ok(true) | Err(StoreError::NotFound("user"))),
            "{followed:?}"
        );
        assert_eq!(store.room_follows(&account, &room).await.unwrap(), []);
    }
    assert_eq!(rows(&db).await, 0);
    drop(store);
    db.drop().await;
}
