//! Lists: paged by offset with their totals, and narrowed by filters (rooms, users,
//! registrations, a registration's deliveries).

use collabkit_webhooks::WebhookEventName;

use super::anonymous_room;
use crate::{ALL, account, new_user, user};
use collabkit_domain::store::{
    NewWebhook, PageRequest, RoomFilter, Storage, StoreError, UserFilter, WebhookFilter,
};

/// Lists page by offset (when no cursor is given) and carry their total; filters narrow both.
pub async fn lists_page_by_offset_with_totals_and_filters(store: &dyn Storage) {
    let a = account(store).await;
    let mut rooms = Vec::new();
    for name in ["Alpha", "beta", "ALPHABET", "gamma", "delta"] {
        rooms.push(store.create_room(&a, anonymous_room(name)).await.unwrap());
    }
    let other = account(store).await;
    store
        .create_room(&other, anonymous_room("alpha elsewhere"))
        .await
        .unwrap();

    let none = RoomFilter::default();
    let page = store
        .list_rooms(&a, &none, PageRequest::at_offset(2, 1))
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [rooms[1].id.as_str(), rooms[2].id.as_str()]);
    assert_eq!(page.total, Some(5));
    let past = store
        .list_rooms(&a, &none, PageRequest::at_offset(2, 10))
        .await
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.total, Some(5));
    // The cursor still works, and wins over an offset.
    let cursor = page.next.clone().expect("more rooms");
    let mut after = PageRequest::after(10, cursor);
    after.offset = 3;
    let rest = store.list_rooms(&a, &none, after).await.unwrap();
    assert_eq!(rest.items.len(), 2);
    assert_eq!(rest.items[0].id, rooms[3].id);

    let alpha = RoomFilter {
        search: Some("alPHa".into()),
        ..RoomFilter::default()
    };
    let found = store.list_rooms(&a, &alpha, ALL).await.unwrap();
    let names: Vec<&str> = found.items.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["Alpha", "ALPHABET"],
        "case-insensitive, this account's"
    );
    assert_eq!(found.total, Some(2));
    let wild = RoomFilter {
        search: Some("%".into()),
        ..RoomFilter::default()
    };
    assert_eq!(
        store.list_rooms(&a, &wild, ALL).await.unwrap().total,
        Some(0),
        "wildcards match themselves"
    );
    let window = RoomFilter {
        from: Some(rooms[1].created_at),
        to: Some(rooms[3].created_at),
        ..RoomFilter::default()
    };
    let found = store.list_rooms(&a, &window, ALL).await.unwrap();
    assert_eq!(found.total, Some(3), "bounds are inclusive");
    assert_eq!(found.items[0].id, rooms[1].id);

    // Users: of a room, paged, searched by name or exact id, and account-wide.
    let room = &rooms[0];
    let mut users = Vec::new();
    for name in ["Ann", "Bob", "Anna", "Carl"] {
        let mut new = new_user(&room.id, name);
        new.name = name.into();
        new.custom_id = None;
        users.push(store.create_user(&a, new, None).await.unwrap().value);
    }
    user(store, &a, &rooms[1].id, "elsewhere").await;
    let of_room = UserFilter::room(&room.id);
    let page = store
        .list_users(&a, &of_room, PageRequest::at_offset(2, 2))
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, [users[2].id.as_str(), users[3].id.as_str()]);
    assert_eq!(page.total, Some(4));
    let ann = UserFilter {
        search: Some("ANN".into()),
        ..of_room.clone()
    };
    let found = store.list_users(&a, &ann, ALL).await.unwrap();
    let names: Vec<&str> = found.items.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Anna"]);
    assert_eq!(found.total, Some(2));
    let by_id = UserFilter {
        search: Some(users[1].id.clone()),
        ..of_room.clone()
    };
    let found = store.list_users(&a, &by_id, ALL).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, users[1].id);
    let everyone = store
        .list_users(&a, &UserFilter::default(), ALL)
        .await
        .unwrap();
    assert_eq!(everyone.total, Some(5), "the account's users");
    assert_eq!(
        store.list_users(&other, &of_room, ALL).await.err(),
        Some(StoreError::NotFound("room"))
    );

    // Registrations: by URL substring and room, with totals.
    for (url, room_id) in [
        ("https://one.example/Hooks", None),
        ("https://two.example/hooks", Some(room.id.clone())),
        ("https://three.example/x", None),
    ] {
        store
            .create_webhook(
                &a,
                NewWebhook {
                    url: url.into(),
                    events: WebhookEventName::ALL.to_vec(),
                    room_id,
                    enabled: true,
                    secret_sealed: "v1:sealed".into(),
                },
            )
            .await
            .unwrap();
    }
    let all_hooks = store
        .list_webhooks(&a, &WebhookFilter::default(), PageRequest::at_offset(1, 1))
        .await
        .unwrap();
    assert_eq!(all_hooks.total, Some(3));
    assert_eq!(all_hooks.items[0].url, "https://two.example/hooks");
    let hooks = WebhookFilter {
        search: Some("HOOKS".into()),
        ..WebhookFilter::default()
    };
    let found = store.list_webhooks(&a, &hooks, ALL).await.unwrap();
    assert_eq!(found.total, Some(2));
    let scoped = WebhookFilter {
        room_id: Some(room.id.clone()),
        search: Some("hooks".into()),
    };
    let found = store.list_webhooks(&a, &scoped, ALL).await.unwrap();
    assert_eq!(found.total, Some(1));
    assert_eq!(found.items[0].url, "https://two.example/hooks");

    // Deliveries: the registration's log, with its total, by offset.
    let hook = &store
        .list_webhooks(&a, &WebhookFilter::default(), ALL)
        .await
        .unwrap()
        .items[0];
    let log = store
        .list_deliveries(&a, &hook.id, Default::default(), ALL)
        .await
        .unwrap();
    assert_eq!(log.total, Some(0));
    for n in 0..3 {
        user(store, &a, &rooms[2].id, &format!("d{n}")).await;
    }
    let log = store
        .list_deliveries(
            &a,
            &hook.id,
            Default::default(),
            PageRequest::at_offset(1, 1),
        )
        .await
        .unwrap();
    assert_eq!(log.total, Some(3));
    assert_eq!(log.items.len(), 1);
    let all_log = store
        .list_deliveries(&a, &hook.id, Default::default(), ALL)
        .await
        .unwrap();
    assert_eq!(
        log.items[0].id, all_log.items[1].id,
        "newest first, skipping one"
    );
    let filter = collabkit_domain::store::DeliveryFilter {
        status: Some(collabkit_domain::store::DeliveryStatus::Pending),
        event: Some(WebhookEventName::UserDeleted),
    };
    assert_eq!(
        store
            .list_deliveries(&a, &hook.id, filter, ALL)
            .await
            .unwrap()
            .total,
        Some(0)
    );

    // Filtered by event, the total is the event's own count (kept per event name with the
    // deliveries, not counted over the log).
    let gone = user(store, &a, &rooms[2].id, "d-gone").await;
    store.delete_user(&a, &gone.id, None).await.unwrap();
    let total_of = |event: Option<WebhookEventName>| {
        let filter = collabkit_domain::store::DeliveryFilter {
            status: None,
            event,
        };
        let hook_id = hook.id.clone();
        let a = a.clone();
        async move {
            store
                .list_deliveries(&a, &hook_id, filter, ALL)
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(total_of(Some(WebhookEventName::UserCreated)).await, Some(4));
    assert_eq!(total_of(Some(WebhookEventName::UserDeleted)).await, Some(1));
    assert_eq!(
        total_of(Some(WebhookEventName::SessionClosed)).await,
        Some(0)
    );
    assert_eq!(total_of(None).await, Some(5));
}
