//! The event log: filtered by room and name, newest first per room, and followed from its end.

use collabkit_webhooks::WebhookEventName;

use crate::{ALL, account, new_room, new_user, user};
use collabkit_domain::store::{EventFilter, PageRequest, Storage};

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
