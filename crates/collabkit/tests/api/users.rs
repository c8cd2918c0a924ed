use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::untokened;

#[tokio::test]
async fn users_crud_round_trip() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();

    let (status, body) = app
        .post(
            "/users",
            json!({"name": "Ann", "roomId": room_id, "customId": "ann", "profilePicture": "https://x.test/a.png"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let user = body["data"]["user"].clone();
    let token = body["data"]["token"].as_str().unwrap();
    assert_eq!(user["token"], token);
    assert!(token.len() >= 40);
    let mut keys: Vec<_> = user.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "custom_id",
            "id",
            "joined_at",
            "left_at",
            "name",
            "profile_picture",
            "room_id",
            "status",
            "token"
        ],
        "exactly CollabKitUser's fields: {user}"
    );
    assert_eq!(user["status"], "offline");
    assert!(user["joined_at"].is_null() && user["left_at"].is_null());
    assert_eq!(user["room_id"], room_id);
    let id = user["id"].as_str().unwrap();

    let (status, body) = app.get(&format!("/users/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(untokened(&body["data"]["user"]), untokened(&user));

    let (status, body) = app
        .get(&format!("/users/custom/ann?roomId={room_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(untokened(&body["data"]["user"]), untokened(&user));
    let (status, body) = app.get("/users/custom/ann").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("roomId")
    );

    let (status, body) = app.get(&format!("/rooms/{room_id}/users")).await;
    assert_eq!(status, StatusCode::OK);
    // Tokens are issued when read (their `iat` is the second of the read): compared apart.
    let listed: Vec<Value> = body["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(untokened)
        .collect();
    assert_eq!(listed, [untokened(&user)]);
    assert!(body["data"]["next_cursor"].is_null());

    let (status, body) = app
        .patch(&format!("/users/{id}"), json!({"profilePicture": null}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["data"]["user"]["profile_picture"].is_null());
    assert_eq!(body["data"]["user"]["name"], "Ann");

    let (status, _) = app.delete(&format!("/users/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&format!("/users/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.delete(&format!("/users/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn user_conflicts_and_missing_rooms() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    app.create_user(room_id, "u").await;

    let (status, _) = app
        .post(
            "/users",
            json!({"name": "Again", "roomId": room_id, "customId": "u"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = app
        .post(
            "/users",
            json!({"name": "X", "roomId": "room_missing", "customId": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap().contains("room"));

    // The same customId in another room is fine.
    let other = app.create_room("other").await;
    app.create_user(other["id"].as_str().unwrap(), "u").await;
}

#[tokio::test]
async fn users_of_a_room_paginate() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    for i in 0..3 {
        app.create_user(room_id, &format!("u{i}")).await;
    }
    let (_, first) = app.get(&format!("/rooms/{room_id}/users?limit=2")).await;
    assert_eq!(first["data"]["users"].as_array().unwrap().len(), 2);
    let cursor = first["data"]["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(&format!("/rooms/{room_id}/users?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second["data"]["users"].as_array().unwrap().len(), 1);
    assert_eq!(second["data"]["users"][0]["custom_id"], "u2");
    assert!(second["data"]["next_cursor"].is_null());
}

/// Reading the database does not yield a usable token: it holds a lookup key and a sealed copy;
/// the API still shows the token and the token still connects.
#[tokio::test]
async fn tokens_are_not_stored_in_clear() {
    if !crate::helpers::on_sqlite() {
        return;
    }
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let user = app.create_user(room["id"].as_str().unwrap(), "u").await;
    let token = user["token"].as_str().unwrap().to_owned();
    let db = rusqlite::Connection::open(TestApp::db_path(&app.dir)).unwrap();
    let (stored, sealed): (String, String) = db
        .query_row("SELECT token, token_sealed FROM users", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(!stored.contains(&token[16..]) && !sealed.contains(&token[16..]));
    let (_, got) = app
        .get(&format!("/users/{}", user["id"].as_str().unwrap()))
        .await;
    assert_eq!(got["data"]["user"]["token"], token.as_str());
    let (_ws, welcome) = crate::ws::Ws::connect(&app, &token).await;
    assert_eq!(welcome["user"]["id"], user["id"]);
}

/// customId is optional for users too: users without one never collide.
#[tokio::test]
async fn users_need_no_custom_id() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    for name in ["Ann", "Bob"] {
        let (status, body) = app
            .post("/users", json!({"name": name, "roomId": room_id}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(body["data"]["user"]["custom_id"].is_null(), "{body}");
    }
    let (_, body) = app.get(&format!("/rooms/{room_id}")).await;
    assert_eq!(body["data"]["room"]["total_users_created"], 2);
}
