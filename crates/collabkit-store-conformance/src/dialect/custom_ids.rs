//! Custom ids: optional, and unique only where they belong.

use super::{anonymous_room, user_of};
use crate::{account, new_room, new_user, user};
use collabkit_domain::store::{Conflict, Storage, StoreError};

/// A custom id is optional; rooms' are unique in the account, users' in the room, and rooms
/// or users without one never collide.
pub async fn custom_ids_are_optional_and_unique_where_they_belong(store: &dyn Storage) {
    let a = account(store).await;
    let r1 = store.create_room(&a, anonymous_room("one")).await.unwrap();
    let r2 = store.create_room(&a, anonymous_room("two")).await.unwrap();
    assert_eq!((r1.custom_id.clone(), r2.custom_id.clone()), (None, None));
    assert_eq!(store.get_room(&a, &r1.id).await.unwrap().custom_id, None);
    store.create_room(&a, new_room("x")).await.unwrap();
    assert_eq!(
        store.create_room(&a, new_room("x")).await.err(),
        Some(StoreError::Conflict(Conflict::RoomCustomId))
    );
    let b = account(store).await;
    store.create_room(&b, new_room("x")).await.unwrap();

    let mut anonymous = new_user(&r1.id, "ignored");
    anonymous.custom_id = None;
    let u1 = store
        .create_user(&a, anonymous.clone(), None)
        .await
        .unwrap();
    let mut again = new_user(&r1.id, "ignored");
    again.custom_id = None;
    store.create_user(&a, again, None).await.unwrap();
    assert_eq!(u1.value.custom_id, None);
    assert_eq!(user_of(&u1.events[0]).custom_id, None);

    let in_r1 = user(store, &a, &r1.id, "same").await;
    let in_r2 = user(store, &a, &r2.id, "same").await;
    assert_eq!(
        store
            .create_user(&a, new_user(&r1.id, "same"), None)
            .await
            .err(),
        Some(StoreError::Conflict(Conflict::UserCustomId))
    );
    assert_eq!(
        store
            .find_user_by_custom_id(&a, &r1.id, "same")
            .await
            .unwrap()
            .id,
        in_r1.id
    );
    assert_eq!(
        store
            .find_user_by_custom_id(&a, &r2.id, "same")
            .await
            .unwrap()
            .id,
        in_r2.id
    );
    let r = store.get_room(&a, &r1.id).await.unwrap();
    assert_eq!(
        (r.counters.users_created, r.counters.users),
        (3, 3),
        "a refused user is not counted"
    );
}
