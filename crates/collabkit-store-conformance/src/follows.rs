//! Follows between the users of a room: set and removed once (whoever asks twice is told
//! nothing changed), listed in order, refused across rooms and accounts with nothing stored,
//! and gone with either user or the room.

use collabkit_domain::store::{Storage, StoreError};

use crate::{account, new_room, user};

pub async fn follows_are_set_once_removed_once_and_listed_in_order(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let quiet = store.create_room(&a, new_room("quiet")).await.unwrap();
    let mut ids = Vec::new();
    for custom in ["u1", "u2", "u3"] {
        ids.push(user(store, &a, &room.id, custom).await.id);
    }
    let (u1, u2, u3) = (&ids[0], &ids[1], &ids[2]);
    assert_eq!(store.room_follows(&a, &room.id).await, Ok(vec![]));

    assert_eq!(store.set_follow(&a, &room.id, u1, u2, true).await, Ok(true));
    assert_eq!(
        store.set_follow(&a, &room.id, u1, u2, true).await,
        Ok(false),
        "already following"
    );
    assert_eq!(
        store.set_follow(&a, &room.id, u2, u1, false).await,
        Ok(false),
        "a follow has a direction: u2 never followed u1"
    );
    // Given in an order of their own, listed by follower then user.
    for (f, u) in [(u3, u1), (u2, u3), (u1, u3), (u2, u1)] {
        assert_eq!(store.set_follow(&a, &room.id, f, u, true).await, Ok(true));
    }
    let mut expected: Vec<(String, String)> = [(u1, u2), (u3, u1), (u2, u3), (u1, u3), (u2, u1)]
        .into_iter()
        .map(|(f, u)| (f.clone(), u.clone()))
        .collect();
    expected.sort();
    assert_eq!(store.room_follows(&a, &room.id).await, Ok(expected.clone()));
    assert_eq!(
        store.room_follows(&a, &quiet.id).await,
        Ok(vec![]),
        "per room"
    );

    assert_eq!(
        store.set_follow(&a, &room.id, u1, u2, false).await,
        Ok(true)
    );
    assert_eq!(
        store.set_follow(&a, &room.id, u1, u2, false).await,
        Ok(false),
        "already not following"
    );
    expected.retain(|p| p != &(u1.clone(), u2.clone()));
    assert_eq!(store.room_follows(&a, &room.id).await, Ok(expected));

    // The same follow asked for at once (two tabs, two nodes): made once.
    let (u1, u2) = (u1.clone(), u2.clone());
    let at_once = (0..8).map(|_| store.set_follow(&a, &room.id, &u1, &u2, true));
    let made = futures_util::future::join_all(at_once).await;
    assert_eq!(
        made.iter().filter(|r| **r == Ok(true)).count(),
        1,
        "{made:?}"
    );
    assert!(made.iter().all(|r| r.is_ok()), "{made:?}");
}

/// A follow names two users of the room, in the account: a user of another room or another
/// account is `NotFound("user")`, a room of another account `NotFound("room")`, and nothing is
/// stored either way.
pub async fn follows_stay_in_their_room_and_account(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let next_door = store.create_room(&a, new_room("next")).await.unwrap();
    let theirs = store.create_room(&b, new_room("r")).await.unwrap();
    let ann = user(store, &a, &room.id, "ann").await.id;
    let bob = user(store, &a, &room.id, "bob").await.id;
    let neighbour = user(store, &a, &next_door.id, "ann").await.id;
    let stranger = user(store, &b, &theirs.id, "ann").await.id;

    for follow in [true, false] {
        for (f, u) in [
            (&ann, &neighbour),
            (&neighbour, &ann),
            (&ann, &stranger),
            (&stranger, &ann),
        ] {
            assert_eq!(
                store.set_follow(&a, &room.id, f, u, follow).await,
                Err(StoreError::NotFound("user")),
                "{f} → {u} ({follow})"
            );
        }
        // The room named is one of theirs, not the other's.
        assert_eq!(
            store
                .set_follow(&a, &next_door.id, &neighbour, &ann, follow)
                .await,
            Err(StoreError::NotFound("user"))
        );
        assert_eq!(
            store
                .set_follow(&a, &theirs.id, &stranger, &stranger, follow)
                .await,
            Err(StoreError::NotFound("room")),
            "another account's room"
        );
        assert_eq!(
            store.set_follow(&b, &room.id, &ann, &bob, follow).await,
            Err(StoreError::NotFound("room")),
            "the room, asked for by another account"
        );
        assert_eq!(
            store
                .set_follow(&a, "room_missing", &ann, &bob, follow)
                .await,
            Err(StoreError::NotFound("room"))
        );
        assert_eq!(
            store
                .set_follow(&a, &room.id, &ann, "usr_missing", follow)
                .await,
            Err(StoreError::NotFound("user"))
        );
    }
    for (account_id, room_id) in [(&a, &room.id), (&a, &next_door.id), (&b, &theirs.id)] {
        assert_eq!(
            store.room_follows(account_id, room_id).await,
            Ok(vec![]),
            "nothing stored"
        );
    }
    assert_eq!(
        store.room_follows(&b, &room.id).await,
        Err(StoreError::NotFound("room")),
        "another account's room is not listed"
    );
    assert_eq!(
        store.set_follow(&a, &room.id, &ann, &bob, true).await,
        Ok(true)
    );
    assert_eq!(
        store.room_follows(&b, &room.id).await,
        Err(StoreError::NotFound("room"))
    );
}

/// A follow goes with either of its users, and a room's with the room; other rooms keep theirs.
pub async fn follows_go_with_their_users_and_room(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let keep = store.create_room(&a, new_room("keep")).await.unwrap();
    let mut ids = Vec::new();
    for custom in ["u1", "u2", "u3"] {
        ids.push(user(store, &a, &room.id, custom).await.id);
    }
    let (u1, u2, u3) = (&ids[0], &ids[1], &ids[2]);
    let k1 = user(store, &a, &keep.id, "k1").await.id;
    let k2 = user(store, &a, &keep.id, "k2").await.id;
    for (f, u) in [(u1, u2), (u2, u1), (u2, u3), (u3, u1), (u3, u2)] {
        assert_eq!(store.set_follow(&a, &room.id, f, u, true).await, Ok(true));
    }
    assert_eq!(
        store.set_follow(&a, &keep.id, &k1, &k2, true).await,
        Ok(true)
    );

    // u1 followed and was followed: both go.
    store.delete_user(&a, u1, None).await.unwrap();
    let mut left = vec![(u2.clone(), u3.clone()), (u3.clone(), u2.clone())];
    left.sort();
    assert_eq!(store.room_follows(&a, &room.id).await, Ok(left));
    assert_eq!(
        store.set_follow(&a, &room.id, u2, u1, false).await,
        Err(StoreError::NotFound("user")),
        "the deleted user is no follow's end"
    );

    store.delete_room(&a, &room.id, None).await.unwrap();
    assert_eq!(
        store.room_follows(&a, &room.id).await,
        Err(StoreError::NotFound("room"))
    );
    assert_eq!(
        store.room_follows(&a, &keep.id).await,
        Ok(vec![(k1.clone(), k2.clone())]),
        "another room keeps its follows"
    );
    // A room made later starts with none, whatever its users are called.
    let again = store.create_room(&a, new_room("r")).await.unwrap();
    let v1 = user(store, &a, &again.id, "u1").await.id;
    let v2 = user(store, &a, &again.id, "u2").await.id;
    assert_eq!(store.room_follows(&a, &again.id).await, Ok(vec![]));
    assert_eq!(
        store.set_follow(&a, &again.id, &v1, &v2, false).await,
        Ok(false)
    );
}
