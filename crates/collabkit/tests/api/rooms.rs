use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn rooms_crud_round_trip() {
    let app = TestApp::spawn().await;
    let room = app.create_room("design").await;
    let id = room["id"].as_str().unwrap();
    assert!(id.starts_with("room_"));
    assert_eq!(room["custom_id"], "design");
    let mut keys: Vec<_> = room.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "account_id",
            "active_participants",
            "created_at",
            "custom_id",
            "duration_seconds",
            "id",
            "name",
            "state",
            "total_users_created"
        ],
        "exactly CollabKitRoom's fields"
    );
    assert!(room["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(room["account_id"], app.account_id.as_str());
    assert_eq!(room["state"], "active");
    assert_eq!(
        (
            &room["duration_seconds"],
            &room["active_participants"],
            &room["total_users_created"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );

    let (status, body) = app.get(&format!("/rooms/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["room"], room);

    let (status, body) = app.get("/rooms/custom/design").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["room"], room);

    let (status, body) = app
        .patch(&format!("/rooms/{id}"), json!({"name": "Renamed"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["room"]["name"], "Renamed");
    assert_eq!(body["data"]["room"]["created_at"], room["created_at"]);

    let (status, _) = app.delete(&format!("/rooms/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&format!("/rooms/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["error"]["reason"], "not_found");
    assert_eq!(body["error"]["module"], "Rooms");
    let (status, _) = app.delete(&format!("/rooms/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// customId is optional: rooms without one never collide, and show `custom_id: null`.
#[tokio::test]
async fn rooms_need_no_custom_id() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let (status, body) = app.post("/rooms", json!({"name": "Anonymous"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(body["data"]["room"]["custom_id"].is_null(), "{body}");
        assert!(
            body["data"]["room"]
                .as_object()
                .unwrap()
                .contains_key("custom_id")
        );
    }
    let (_, list) = app.get("/rooms").await;
    assert_eq!(list["data"]["rooms"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn duplicate_custom_id_is_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_room("dup").await;
    let (status, body) = app
        .post("/rooms", json!({"name": "Again", "customId": "dup"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("customId")
    );
    let (_, list) = app.get("/rooms").await;
    assert_eq!(list["data"]["rooms"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_room_routes_are_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/rooms/room_nope",
        "/rooms/custom/nope",
        "/rooms/room_nope/users",
    ] {
        let (status, _) = app.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app.patch("/rooms/room_nope", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rooms_paginate_with_next_cursor() {
    let app = TestApp::spawn().await;
    let mut created = vec![];
    for i in 0..7 {
        created.push(app.create_room(&format!("r{i}")).await["id"].clone());
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/rooms?limit=3&cursor={c}"),
            None => "/rooms?limit=3".to_string(),
        };
        let (status, body) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        let rooms = body["data"]["rooms"].as_array().unwrap();
        assert!(rooms.len() <= 3);
        seen.extend(rooms.iter().map(|r| r["id"].clone()));
        match body["data"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => {
                assert!(body["data"]["next_cursor"].is_null());
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);

    let (status, body) = app.get("/rooms").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["data"]["rooms"].as_array().unwrap().len(),
        7,
        "default limit is 50"
    );

    for bad in [
        "/rooms?limit=0",
        "/rooms?limit=101",
        "/rooms?limit=abc",
        "/rooms?cursor=garbage",
    ] {
        let (status, body) = app.get(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}
