//! The routes of the documented CollabKit API, each with its shape, filters and codes: rooms
//! with optional custom ids, search and creation bounds, a room with its users, reconcile;
//! users by room, a user with their sessions; webhooks' `roomId` and `search`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, until, untokened};
use crate::ws::Ws;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

fn ids(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

const ROOM_FIELDS: [&str; 9] = [
    "account_id",
    "active_participants",
    "created_at",
    "custom_id",
    "duration_seconds",
    "id",
    "name",
    "state",
    "total_users_created",
];

#[tokio::test]
async fn rooms_take_an_optional_custom_id_unique_in_the_account() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post("/rooms", json!({"name": "whiteboard/room-one"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["description"], "Room created");
    let room = &body["data"]["room"];
    assert_eq!(keys(room), ROOM_FIELDS);
    assert!(room["custom_id"].is_null());
    assert_eq!(room["account_id"], app.account_id.as_str());
    assert_eq!(room["state"], "active");
    assert_eq!(room["duration_seconds"], 0);
    assert_eq!(room["active_participants"], 0);
    assert_eq!(room["total_users_created"], 0);
    // Rooms without a custom id never collide.
    let (status, _) = app.post("/rooms", json!({"name": "another"})).await;
    assert_eq!(status, StatusCode::CREATED);
    app.create_room("mine").await;
    let (status, body) = app
        .post("/rooms", json!({"name": "again", "customId": "mine"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "CONFLICT");
    assert_eq!(body["error"]["module"], "Rooms");
    let (_, list) = app.get("/rooms").await;
    assert_eq!(list["data"]["total"], 3, "{list}");
}

#[tokio::test]
async fn rooms_are_found_by_name_and_creation_time() {
    let app = TestApp::spawn().await;
    let alpha = app.post("/rooms", json!({"name": "Design Alpha"})).await.1["data"]["room"].clone();
    let beta = app.post("/rooms", json!({"name": "design beta"})).await.1["data"]["room"].clone();
    app.post("/rooms", json!({"name": "Standup"})).await;
    let (_, body) = app.get("/rooms?search=DESIGN").await;
    assert_eq!(
        body["data"]["total"], 2,
        "case-insensitive part of the name: {body}"
    );
    assert_eq!(
        ids(&body["data"]["rooms"]),
        [alpha["id"].as_str().unwrap(), beta["id"].as_str().unwrap()]
    );
    let (_, body) = app.get("/rooms?search=alpha&limit=1").await;
    assert_eq!(body["data"]["total"], 1);
    let (_, body) = app.get("/rooms?search=nothing-like-it").await;
    assert_eq!(body["data"]["total"], 0);
    assert_eq!(body["data"]["rooms"], json!([]));

    let created = alpha["created_at"].as_str().unwrap();
    let (_, body) = app.get(&format!("/rooms?from={created}")).await;
    assert_eq!(body["data"]["total"], 3, "from is inclusive: {body}");
    let (_, body) = app.get(&format!("/rooms?to={created}")).await;
    assert_eq!(body["data"]["total"], 1, "to is inclusive: {body}");
    let (_, body) = app.get("/rooms?from=2999-01-01").await;
    assert_eq!(body["data"]["total"], 0);
    let (_, body) = app.get("/rooms?to=2000-01-01").await;
    assert_eq!(body["data"]["total"], 0);
    let today = &created[..10];
    let (_, body) = app
        .get(&format!("/rooms?from={today}&to={today}&search=design"))
        .await;
    assert_eq!(
        body["data"]["total"], 2,
        "a date bounds its whole day: {body}"
    );
    for bad in [
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-02-02&to=2026-02-01",
    ] {
        let (status, body) = app.get(&format!("/rooms?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "BAD_REQUEST");
    }
}

#[tokio::test]
async fn a_room_comes_with_its_users_by_id_or_custom_id() {
    let app = TestApp::spawn().await;
    let room = app.create_room("design-42").await;
    let room_id = room["id"].as_str().unwrap();
    let ann = app.create_user(room_id, "ann").await;
    let bob = app.create_user(room_id, "bob").await;
    for path in [
        format!("/rooms/{room_id}"),
        "/rooms/custom/design-42".to_owned(),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let data = &body["data"];
        assert_eq!(
            keys(data),
            ["limit", "offset", "room", "users", "usersTotal"],
            "{body}"
        );
        assert_eq!(keys(&data["room"]), ROOM_FIELDS);
        assert_eq!(data["room"]["total_users_created"], 2);
        assert_eq!(data["usersTotal"], 2);
        assert_eq!(data["limit"], 50);
        assert_eq!(data["offset"], 0);
        assert_eq!(
            ids(&data["users"]),
            [ann["id"].as_str().unwrap(), bob["id"].as_str().unwrap()]
        );
        for user in data["users"].as_array().unwrap() {
            assert!(user.get("token").is_none(), "no tokens here: {user}");
            assert_eq!(user["status"], "offline");
            assert_eq!(user["room_id"], room_id);
        }
    }
    // The users' filters: a part of the name, or the exact id.
    let (_, body) = app.get(&format!("/rooms/{room_id}?search=USER%20A")).await;
    assert_eq!(ids(&body["data"]["users"]), [ann["id"].as_str().unwrap()]);
    assert_eq!(body["data"]["usersTotal"], 1);
    let (_, body) = app
        .get(&format!(
            "/rooms/{room_id}?search={}",
            bob["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&body["data"]["users"]), [bob["id"].as_str().unwrap()]);
    let (_, body) = app.get(&format!("/rooms/{room_id}?from=2999-01-01")).await;
    assert_eq!(body["data"]["usersTotal"], 0);

    // A user deleted is no longer in the room, but was created in it.
    app.delete(&format!("/users/{}", bob["id"].as_str().unwrap()))
        .await;
    let (_, body) = app.get(&format!("/rooms/{room_id}")).await;
    assert_eq!(body["data"]["usersTotal"], 1);
    assert_eq!(body["data"]["room"]["total_users_created"], 2);

    let (status, body) = app.get("/rooms/custom/no-such-room").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["error"]["module"], "Rooms");
    let (status, body) = app.get("/rooms/room_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

/// A participant shows as online with an open session and in `active_participants`; reconcile
/// recounts from who is there; leaving closes the session and counts its duration.
#[tokio::test]
async fn participation_moves_counters_sessions_and_status() {
    let app = TestApp::spawn_with(|c| c.realtime.leave_grace = Duration::from_millis(50)).await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let user = app.create_user(&room_id, "u").await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    let (ws, welcome) = Ws::connect(&app, user["token"].as_str().unwrap()).await;
    assert_eq!(welcome["room"]["active_participants"], 1, "{welcome}");
    assert_eq!(welcome["user"]["status"], "online", "{welcome}");

    let (status, body) = app.get(&format!("/users/{user_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&body["data"]), ["sessions", "user"]);
    assert_eq!(body["data"]["user"]["status"], "online");
    assert!(body["data"]["user"]["joined_at"].is_string());
    let sessions = body["data"]["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{body}");
    assert_eq!(
        keys(&sessions[0]),
        ["id", "joined_at", "left_at", "room_id", "user_id"]
    );
    assert!(sessions[0]["left_at"].is_null());
    assert_eq!(sessions[0]["user_id"], user_id.as_str());

    let (status, body) = app
        .post(&format!("/rooms/{room_id}/reconcile"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["description"], "OK");
    assert_eq!(
        keys(&body["data"]),
        [
            "previous_active_participants",
            "reconciled_active_participants",
            "room"
        ]
    );
    assert_eq!(body["data"]["previous_active_participants"], 1);
    assert_eq!(body["data"]["reconciled_active_participants"], 1);
    assert_eq!(body["data"]["room"]["active_participants"], 1);
    let (_, body) = app.get(&format!("/rooms/{room_id}/participants")).await;
    assert_eq!(body["data"]["total"], 1, "{body}");
    assert_eq!(body["data"]["limit"], 50, "{body}");
    assert_eq!(body["data"]["participants"][0]["user"]["status"], "online");

    ws.close().await;
    until("the user left", || async {
        let (_, body) = app.get(&format!("/users/{user_id}")).await;
        body["data"]["user"]["status"] == "offline"
    })
    .await;
    let (_, body) = app.get(&format!("/users/{user_id}")).await;
    assert!(body["data"]["user"]["left_at"].is_string(), "{body}");
    assert!(body["data"]["sessions"][0]["left_at"].is_string(), "{body}");
    let (_, body) = app.get(&format!("/rooms/{room_id}")).await;
    assert_eq!(body["data"]["room"]["active_participants"], 0, "{body}");
    assert_eq!(body["data"]["users"][0]["status"], "offline");
    let (status, body) = app.post("/rooms/room_nope/reconcile", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn users_are_listed_and_found_by_room() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let other = app.create_room("o").await;
    let other_id = other["id"].as_str().unwrap();
    // customId is optional, and unique in the room only.
    let (status, body) = app
        .post("/users", json!({"name": "Nameless", "roomId": room_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["description"], "User created");
    assert!(body["data"]["user"]["custom_id"].is_null());
    assert_eq!(body["data"]["user"]["status"], "offline");
    assert_eq!(body["data"]["token"], body["data"]["user"]["token"]);
    let nameless = body["data"]["user"].clone();
    let (status, _) = app
        .post("/users", json!({"name": "Nameless too", "roomId": room_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let ann = app.create_user(room_id, "ann").await;
    let ann_elsewhere = app.create_user(other_id, "ann").await;
    let (status, body) = app
        .post(
            "/users",
            json!({"name": "Ann again", "roomId": room_id, "customId": "ann"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "CONFLICT");
    assert_eq!(body["error"]["module"], "Users");

    let (status, body) = app.get(&format!("/users?roomId={room_id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        keys(&body["data"]),
        ["limit", "next_cursor", "offset", "total", "users"]
    );
    assert_eq!(body["data"]["total"], 3);
    let users = body["data"]["users"].as_array().unwrap();
    assert!(
        users.iter().all(|u| u["token"].is_string()),
        "tokens here: {body}"
    );
    assert!(users.iter().all(|u| u["room_id"] == room_id));
    let (_, body) = app
        .get(&format!("/users?roomId={room_id}&search=nameless"))
        .await;
    assert_eq!(body["data"]["total"], 2, "{body}");
    let (_, body) = app
        .get(&format!(
            "/users?roomId={room_id}&search={}",
            ann["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ids(&body["data"]["users"]), [ann["id"].as_str().unwrap()]);

    let (status, body) = app.get("/users").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "BAD_REQUEST");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("roomId")
    );
    let (status, body) = app.get("/users?roomId=room_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // One user, with or without the room; another room is not theirs.
    let ann_id = ann["id"].as_str().unwrap();
    for path in [
        format!("/users/{ann_id}"),
        format!("/users/{ann_id}?roomId={room_id}"),
        format!("/users/custom/ann?roomId={room_id}"),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(keys(&body["data"]), ["sessions", "user"]);
        assert_eq!(untokened(&body["data"]["user"]), untokened(&ann), "{path}");
        assert_eq!(body["data"]["sessions"], json!([]));
    }
    let (status, body) = app.get(&format!("/users/{ann_id}?roomId={other_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    let (_, body) = app
        .get(&format!("/users/custom/ann?roomId={other_id}"))
        .await;
    assert_eq!(untokened(&body["data"]["user"]), untokened(&ann_elsewhere));
    let (status, body) = app
        .get(&format!("/users/custom/nobody?roomId={room_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["module"], "Users");
    let (status, body) = app.get("/users/custom/ann").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = app
        .patch(
            &format!("/users/{}", nameless["id"].as_str().unwrap()),
            json!({"name": "Named"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["user"]["name"], "Named");
}

#[tokio::test]
async fn webhooks_take_room_id_in_either_spelling_and_are_searched_by_url() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let scoped = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/Orders", "events": ["user.created"], "roomId": room_id}))
        .await;
    assert_eq!(scoped["room_id"], room_id);
    let both = app
        .create_webhook(
            json!({"url": "http://127.0.0.1:9/both", "events": ["user.created"],
                               "roomId": room_id, "room_id": room_id}),
        )
        .await;
    assert_eq!(both["room_id"], room_id);
    let all = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/all", "events": ["user.created"]}))
        .await;
    let other = app.create_room("o").await;
    let (status, body) = app
        .post(
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/x", "events": ["user.created"],
                   "roomId": room_id, "room_id": other["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("roomId")
    );
    let (status, _) = app
        .post(
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/x", "events": ["user.created"], "roomId": "room_nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for filter in ["roomId", "room_id"] {
        let (_, body) = app.get(&format!("/webhooks?{filter}={room_id}")).await;
        assert_eq!(body["data"]["total"], 2, "{filter}: {body}");
        assert_eq!(
            ids(&body["data"]["webhooks"]),
            [scoped["id"].as_str().unwrap(), both["id"].as_str().unwrap()]
        );
    }
    let (status, _) = app
        .get(&format!(
            "/webhooks?roomId={room_id}&room_id={}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = app.get("/webhooks?search=ORDERS").await;
    assert_eq!(
        ids(&body["data"]["webhooks"]),
        [scoped["id"].as_str().unwrap()]
    );
    assert_eq!(body["data"]["total"], 1);
    let (_, body) = app.get("/webhooks").await;
    assert_eq!(body["data"]["total"], 3);
    assert!(
        body["data"]["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w.get("secret").is_none())
    );

    // PATCH: `roomId` null scopes it to the whole account; a room by either spelling.
    let path = format!("/webhooks/{}", scoped["id"].as_str().unwrap());
    let (status, body) = app.patch(&path, json!({"roomId": null})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["description"], "Webhook updated");
    assert!(body["data"]["webhook"]["room_id"].is_null());
    let (_, body) = app
        .patch(
            &format!("/webhooks/{}", all["id"].as_str().unwrap()),
            json!({"roomId": room_id}),
        )
        .await;
    assert_eq!(body["data"]["webhook"]["room_id"], room_id);
    let (status, body) = app
        .patch(&path, json!({"roomId": null, "room_id": room_id}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
