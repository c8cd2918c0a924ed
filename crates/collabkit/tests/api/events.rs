//! The outbox: each user change stores exactly one event with the seed payload, atomically.

use collabkit_webhooks::WebhookPayload;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Follower, TestApp};

/// Parses with the seed types (unknown fields rejected) and checks the record matches its payload.
fn payload(event: &Value) -> WebhookPayload {
    let p: WebhookPayload = serde_json::from_value(event["payload"].clone())
        .unwrap_or_else(|e| panic!("payload is not a seed WebhookPayload ({e}): {event}"));
    assert_eq!(p.id(), event["id"].as_str().unwrap());
    assert_eq!(p.event().as_str(), event["event"].as_str().unwrap());
    p
}

#[tokio::test]
async fn each_user_change_stores_one_event_with_the_seed_payload() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    assert!(
        app.events().await.is_empty(),
        "rooms themselves cause no event"
    );

    let user = app.create_user(room_id, "u").await;
    let id = user["id"].as_str().unwrap();
    let events = app.events().await;
    assert_eq!(events.len(), 1);
    match payload(&events[0]) {
        WebhookPayload::UserCreated {
            room: r, user: u, ..
        } => {
            // The room as of the event: its user counted.
            let mut as_of_event = room.clone();
            as_of_event["total_users_created"] = json!(1);
            assert_eq!(serde_json::to_value(&r).unwrap(), as_of_event);
            let mut expected = user.clone();
            expected.as_object_mut().unwrap().remove("token");
            assert_eq!(serde_json::to_value(&u).unwrap(), expected);
        }
        other => panic!("expected user.created, got {other:?}"),
    }

    // No change, no event.
    let (status, _) = app
        .patch(&format!("/users/{id}"), json!({"name": user["name"]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.patch(&format!("/users/{id}"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.events().await.len(), 1);

    let (_, updated) = app
        .patch(&format!("/users/{id}"), json!({"name": "Renamed"}))
        .await;
    let events = app.events().await;
    assert_eq!(events.len(), 2);
    match payload(&events[1]) {
        WebhookPayload::UserUpdated { user: u, .. } => {
            assert_eq!(u.name, "Renamed");
            assert_eq!(u.name, updated["data"]["user"]["name"].as_str().unwrap());
            assert_eq!(
                u.created_at,
                updated["data"]["user"]["created_at"].as_str().unwrap()
            );
            assert_eq!(u.name, updated["data"]["user"]["name"]);
        }
        other => panic!("expected user.updated, got {other:?}"),
    }

    app.delete(&format!("/users/{id}")).await;
    let events = app.events().await;
    assert_eq!(events.len(), 3);
    assert!(matches!(
        payload(&events[2]),
        WebhookPayload::UserDeleted { .. }
    ));
    assert!(
        events
            .iter()
            .all(|e| !e.to_string().contains(user["token"].as_str().unwrap())),
        "tokens never reach payloads"
    );
}

#[tokio::test]
async fn deleting_a_room_stores_user_deleted_for_each_user() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let a = app.create_user(room_id, "a").await;
    let b = app.create_user(room_id, "b").await;
    let (status, _) = app.delete(&format!("/rooms/{room_id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, deleted) = app.get("/events?event=user.deleted").await;
    let ids: Vec<_> = deleted["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match payload(e) {
            WebhookPayload::UserDeleted { user, .. } => user.id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, [a["id"].as_str().unwrap(), b["id"].as_str().unwrap()]);
    let (status, _) = app
        .get(&format!("/users/{}", a["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn event_log_filters_and_rejects_unknown_names() {
    let app = TestApp::spawn().await;
    let r1 = app.create_room("r1").await;
    let r2 = app.create_room("r2").await;
    app.create_user(r1["id"].as_str().unwrap(), "u").await;
    app.create_user(r2["id"].as_str().unwrap(), "u").await;
    let (_, only_r2) = app
        .get(&format!("/events?room_id={}", r2["id"].as_str().unwrap()))
        .await;
    assert_eq!(only_r2["data"]["events"].as_array().unwrap().len(), 1);
    let (status, body) = app.get("/events?event=user.exploded").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("participant.joined")
    );
}

#[tokio::test]
async fn concurrent_changes_each_store_their_event() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_string();
    // Duplicates among concurrent creates: the group commit must roll back only the losers.
    let tasks: Vec<_> =
        (0..40)
            .map(|i| {
                let req = app.client.post(app.url("/users")).bearer_auth(app.bearer()).json(
                &json!({"name": "n", "roomId": room_id, "customId": format!("u{}", i % 20)}),
            );
                tokio::spawn(async move { req.send().await.unwrap().status() })
            })
            .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 20);
    assert_eq!(app.events().await.len(), 20);
}

/// A stream that has caught up is woken by a change made through its node, not by its poll
/// (set to an hour here): the event arrives at once.
#[tokio::test]
async fn the_event_stream_is_woken_by_a_change_not_by_its_poll() {
    let app = TestApp::spawn_with(|c| {
        c.http.event_stream_poll = std::time::Duration::from_secs(3600);
    })
    .await;
    let room = app.create_room("r").await;
    let res = app
        .client
        .get(app.url("/events/stream"))
        .header("authorization", format!("Bearer {}", app.bearer()))
        .send()
        .await
        .unwrap();
    let mut follower = Follower::of(res);
    // The stream is open and has read the (empty) rest of the log: now a change.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    app.create_user(room["id"].as_str().unwrap(), "u").await;
    follower
        .until_within("event: user.created", std::time::Duration::from_secs(5))
        .await;
}

/// Every event of a room has the next number of the room, sent with its deliveries as
/// `collabkit-room-seq`; a receiver that subscribed to some events only sees the numbers jump
/// and reads the events in between from the room's catch-up read, a page at a time.
#[tokio::test]
async fn a_rooms_events_are_numbered_and_can_be_caught_up_on() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = crate::receiver::Receiver::start().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    // Only creations: the renamings in between are numbered too, and not sent.
    app.create_webhook(
        json!({"url": rx.url("/r"), "events": ["user.created"], "room_id": room_id}),
    )
    .await;
    for i in 0..3 {
        let user = app.create_user(room_id, &format!("u{i}")).await;
        let path = format!("/users/{}", user["id"].as_str().unwrap());
        let (status, _) = app.patch(&path, json!({"name": "Renamed"})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let got = rx.wait_for(3, std::time::Duration::from_secs(10)).await;
    let mut numbers: Vec<i64> = got
        .iter()
        .map(|r| collabkit_webhooks::room_seq(&r.headers).expect("every delivery is numbered"))
        .collect();
    numbers.sort();
    assert_eq!(numbers, [1, 3, 5], "creations are every other event");

    // The receiver saw 1 and 3: what came in between and after.
    let (status, body) = app
        .get(&format!("/rooms/{room_id}/events?after_room_seq=1&limit=2"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = &body["data"];
    let seqs = |page: &Value| {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                payload(e);
                e["room_seq"].as_i64().unwrap()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs(page), [2, 3]);
    assert_eq!(page["events"][0]["event"], "user.updated");
    assert_eq!(page["next_after_room_seq"], 3);
    let (_, body) = app
        .get(&format!("/rooms/{room_id}/events?after_room_seq=3"))
        .await;
    assert_eq!(seqs(&body["data"]), [4, 5, 6]);
    assert!(body["data"]["next_after_room_seq"].is_null(), "caught up");
    // The log and the stream carry the same numbers.
    let logged: Vec<i64> = app
        .events()
        .await
        .iter()
        .map(|e| e["room_seq"].as_i64().unwrap())
        .collect();
    assert_eq!(logged, [1, 2, 3, 4, 5, 6]);

    for bad in [
        "after_room_seq=-1",
        "limit=0",
        "limit=201",
        "after_room_seq=x",
    ] {
        let (status, body) = app.get(&format!("/rooms/{room_id}/events?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = app.get("/rooms/room_nope/events").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
