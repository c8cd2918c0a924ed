//! The CollabKit dialect's rooms and users (issue 20): counters, status, participations,
//! optional custom ids, offset paging with totals, filters, reconcile.

use collabkit_webhooks::{UserStatus, WebhookEventName, WebhookPayload, WebhookUser};

use crate::{ALL, NODE, account, new_room, new_user, user};
use collabkit_domain::store::{
    Conflict, Event, NewRoom, NewWebhook, PageRequest, RoomFilter, Storage, StoreError, UserFilter,
    WebhookFilter,
};

fn payload(event: &Event) -> WebhookPayload {
    serde_json::from_str(&event.payload).expect("stored payloads parse as the seed's types")
}

fn user_of(event: &Event) -> WebhookUser {
    match payload(event) {
        WebhookPayload::ParticipantJoined { user, .. }
        | WebhookPayload::ParticipantLeft { user, .. }
        | WebhookPayload::UserCreated { user, .. }
        | WebhookPayload::UserUpdated { user, .. }
        | WebhookPayload::UserDeleted { user, .. } => user,
        other => panic!("not about one user: {other:?}"),
    }
}

fn anonymous_room(name: &str) -> NewRoom {
    NewRoom {
        custom_id: None,
        name: name.into(),
    }
}

/// Users created and deleted move the room's counters in the same change, and each payload
/// carries the room as of its event.
pub async fn room_counters_follow_user_creation_and_deletion(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    assert_eq!(
        room.counters,
        Default::default(),
        "a new room counts nothing"
    );
    let first = store
        .create_user(&a, new_user(&room.id, "u1"), None)
        .await
        .unwrap();
    let created = payload(&first.events[0]);
    assert_eq!(created.room().total_users_created, 1);
    assert_eq!(created.room().active_participants, 0);
    assert_eq!(user_of(&first.events[0]).status, UserStatus::Offline);
    let second = user(store, &a, &room.id, "u2").await;
    let now = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((now.counters.users_created, now.counters.users), (2, 2));

    let deleted = store.delete_user(&a, &first.value.id, None).await.unwrap();
    assert_eq!(
        payload(deleted.events.last().unwrap())
            .room()
            .total_users_created,
        2,
        "users ever created do not go down"
    );
    let now = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((now.counters.users_created, now.counters.users), (2, 1));
    let page = store
        .list_users(&a, &UserFilter::room(&room.id), ALL)
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.items[0].id, second.id);
}

/// Joining, leaving and closing move the participants, the user's status and the room's
/// duration; the events carry them as of each event.
pub async fn sessions_move_counters_status_and_duration(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    assert!(!u1.online && u1.joined_at.is_none() && u1.left_at.is_none());

    let joined = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    let started_at = joined.events[0].created_at;
    let (started, joined_ev) = (payload(&joined.events[0]), &joined.events[1]);
    assert_eq!(started.event(), WebhookEventName::SessionStarted);
    assert_eq!(payload(joined_ev).room().active_participants, 1);
    let who = user_of(joined_ev);
    assert_eq!(who.status, UserStatus::Online);
    assert!(who.joined_at.is_some());
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!(r.counters.participants, 1);
    assert_eq!(r.counters.live_since, Some(started_at));
    let online = store.get_user(&a, &u1.id).await.unwrap();
    assert!(online.online);
    assert_eq!(online.joined_at, Some(started_at));

    store
        .join_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    // Joining again through the same node changes nothing.
    store
        .join_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_room(&a, &room.id)
            .await
            .unwrap()
            .counters
            .participants,
        2
    );

    let left = store
        .leave_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(left.events.len(), 1);
    assert_eq!(payload(&left.events[0]).room().active_participants, 1);
    let gone = user_of(&left.events[0]);
    assert_eq!(gone.status, UserStatus::Offline);
    assert!(gone.left_at.is_some());
    let offline = store.get_user(&a, &u1.id).await.unwrap();
    assert!(!offline.online);
    assert_eq!(offline.left_at, Some(left.events[0].created_at));
    assert_eq!(offline.joined_at, Some(started_at), "joined_at stays");

    let last = store
        .leave_session(&a, &room.id, &u2.id, NODE, None)
        .await
        .unwrap();
    assert_eq!(last.events.len(), 2);
    let closed_at = last.events[1].created_at;
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!(r.counters.participants, 0);
    assert_eq!(r.counters.live_since, None);
    let length = (closed_at - started_at).num_milliseconds() as u64;
    assert_eq!(
        r.counters.closed_ms, length,
        "the closed session's length, start to close"
    );
    match payload(&last.events[1]) {
        WebhookPayload::SessionClosed {
            room: shown, users, ..
        } => {
            assert_eq!(shown.active_participants, 0);
            assert_eq!(shown.duration_seconds, length / 1000);
            let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
            assert_eq!(ids, [u1.id.as_str(), u2.id.as_str()]);
            assert!(
                users.iter().all(|u| u.status == UserStatus::Offline),
                "everyone as of the close: {users:?}"
            );
        }
        other => panic!("{other:?}"),
    }

    // The next session adds to the duration.
    let again = store
        .join_session(&a, &room.id, &u1.id, NODE, None)
        .await
        .unwrap();
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!(r.counters.closed_ms, length, "closed sessions only");
    assert_eq!(r.counters.live_since, Some(again.events[0].created_at));
    assert_eq!(r.counters.participants, 1);
}

/// Each participation is a row: opened at join, closed at leave, however the leave comes; the
/// newest first.
pub async fn user_sessions_open_and_close_with_participation(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u = user(store, &a, &room.id, "u").await;
    assert!(
        store
            .user_sessions(&a, &u.id, 100)
            .await
            .unwrap()
            .is_empty()
    );

    let joined = store
        .join_session(&a, &room.id, &u.id, NODE, None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let open = &sessions[0];
    assert!(open.id.starts_with("sess_"), "{}", open.id);
    assert_eq!(
        (open.user_id.as_str(), open.room_id.as_str()),
        (u.id.as_str(), room.id.as_str())
    );
    assert_eq!(open.joined_at, joined.events[0].created_at);
    assert_eq!(open.left_at, None);

    let left = store
        .leave_session(&a, &room.id, &u.id, NODE, None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert_eq!(sessions[0].left_at, Some(left.events[0].created_at));

    // A second participation, ended by the node going away.
    store
        .join_session(&a, &room.id, &u.id, "node-gone", None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0].left_at, None, "newest first");
    assert!(sessions[1].left_at.is_some());
    assert_eq!(store.user_sessions(&a, &u.id, 1).await.unwrap().len(), 1);
    let far = collabkit_domain::clock::now() + chrono::Duration::hours(1);
    store
        .close_sessions_of_gone_nodes(NODE, far, None)
        .await
        .unwrap();
    let sessions = store.user_sessions(&a, &u.id, 100).await.unwrap();
    assert!(sessions.iter().all(|s| s.left_at.is_some()), "{sessions:?}");
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((r.counters.participants, r.counters.live_since), (0, None));
    assert!(!store.get_user(&a, &u.id).await.unwrap().online);

    // Deleting an online user ends their participation and counts them out.
    let v = user(store, &a, &room.id, "v").await;
    store
        .join_session(&a, &room.id, &v.id, NODE, None)
        .await
        .unwrap();
    let deleted = store.delete_user(&a, &v.id, None).await.unwrap();
    let names: Vec<&str> = deleted.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        names,
        ["participant.left", "session.closed", "user.deleted"]
    );
    assert_eq!(
        user_of(deleted.events.last().unwrap()).status,
        UserStatus::Offline
    );
    let r = store.get_room(&a, &room.id).await.unwrap();
    assert_eq!((r.counters.participants, r.counters.users), (0, 1));
    assert_eq!(
        store.user_sessions(&a, &v.id, 100).await.err(),
        Some(StoreError::NotFound("user"))
    );
    let b = account(store).await;
    assert_eq!(
        store.user_sessions(&b, &u.id, 100).await.err(),
        Some(StoreError::NotFound("user")),
        "another account's user"
    );
}

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
}

/// Reconcile recounts who takes part in the live session and stores no event.
pub async fn reconcile_recounts_participants_without_events(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let u1 = user(store, &a, &room.id, "u1").await;
    let u2 = user(store, &a, &room.id, "u2").await;
    for u in [&u1, &u2] {
        store
            .join_session(&a, &room.id, &u.id, NODE, None)
            .await
            .unwrap();
    }
    store
        .join_session(&a, &room.id, &u2.id, "second-node", None)
        .await
        .unwrap();
    let before = crate::all_events(store, &a).await.len();
    let (after, previous, reconciled) = store.reconcile_room(&a, &room.id).await.unwrap();
    assert_eq!((previous, reconciled), (2, 2), "a user on two nodes is one");
    assert_eq!(after.counters.participants, 2);
    assert_eq!(after.id, room.id);
    assert_eq!(crate::all_events(store, &a).await.len(), before, "no event");
    let b = account(store).await;
    assert_eq!(
        store.reconcile_room(&b, &room.id).await.err(),
        Some(StoreError::NotFound("room"))
    );
}

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
