//! The list conventions: `limit` (default 50, at most 100; the event log 200) and `offset`,
//! answered with `total`, `limit` and `offset` beside the items; `cursor` / `next_cursor` still
//! page the lists that have one, and `cursor` with `offset` is refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Reads `path` (which has a `?`) by offset in pages of 3 and by cursor, and checks the
/// numbers each page answers: `items` names the list, `total` its size.
async fn pages_by_offset_and_cursor(app: &TestApp, path: &str, items: &str, expected: &[String]) {
    let total = expected.len() as u64;
    let mut seen = Vec::new();
    for offset in (0..total + 3).step_by(3) {
        let (status, body) = app.get(&format!("{path}&limit=3&offset={offset}")).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let data = &body["data"];
        assert_eq!(data["total"], total, "{path}: {body}");
        assert_eq!(data["limit"], 3, "{path}: {body}");
        assert_eq!(data["offset"], offset, "{path}: {body}");
        let page = ids(&data[items]);
        let left = total.saturating_sub(offset).min(3) as usize;
        assert_eq!(page.len(), left, "{path} at {offset}: {body}");
        seen.extend(page);
    }
    assert_eq!(
        seen, expected,
        "{path}: offset pages cover the list once, in order"
    );

    // The same list by cursor.
    let mut by_cursor = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}&limit=3&cursor={c}"),
            None => format!("{path}&limit=3"),
        };
        let (status, body) = app.get(&page_path).await;
        assert_eq!(status, StatusCode::OK, "{page_path}: {body}");
        assert_eq!(body["data"]["total"], total, "{body}");
        assert_eq!(
            body["data"]["offset"], 0,
            "a cursor page says offset 0: {body}"
        );
        by_cursor.extend(ids(&body["data"][items]));
        cursor = body["data"]["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(by_cursor, expected, "{path}: cursor pages");

    // Defaults and bounds.
    let (_, body) = app.get(path).await;
    assert_eq!(body["data"]["limit"], 50, "{body}");
    assert_eq!(body["data"]["offset"], 0, "{body}");
    let (status, _) = app.get(&format!("{path}&limit=100")).await;
    assert_eq!(status, StatusCode::OK);
    let c = body["data"]["next_cursor"].as_str().unwrap_or("cA");
    for bad in [
        "limit=101".to_owned(),
        "limit=0".to_owned(),
        "limit=-1".to_owned(),
        "offset=-1".to_owned(),
        "offset=x".to_owned(),
        format!("offset=3&cursor={c}"),
    ] {
        let (status, body) = app.get(&format!("{path}&{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}&{bad}: {body}");
        assert_eq!(body["error"]["code"], "BAD_REQUEST", "{path}&{bad}: {body}");
    }
}

#[tokio::test]
async fn rooms_users_and_webhooks_page_by_offset_with_totals() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let mut rooms = Vec::new();
    for i in 0..7 {
        rooms.push(app.create_room(&format!("r{i}")).await);
    }
    let room_ids: Vec<String> = rooms
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    pages_by_offset_and_cursor(&app, "/rooms?", "rooms", &room_ids).await;

    let room = &room_ids[0];
    let mut users = Vec::new();
    for i in 0..5 {
        users.push(
            app.create_user(room, &format!("u{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Another room's users are not counted.
    app.create_user(&room_ids[1], "elsewhere").await;
    pages_by_offset_and_cursor(&app, &format!("/users?roomId={room}"), "users", &users).await;
    pages_by_offset_and_cursor(&app, &format!("/rooms/{room}/users?"), "users", &users).await;

    let mut hooks = Vec::new();
    for i in 0..4 {
        let hook = app
            .create_webhook(
                json!({"url": format!("http://127.0.0.1:9/h{i}"), "events": ["user.created"]}),
            )
            .await;
        hooks.push(hook["id"].as_str().unwrap().to_owned());
    }
    pages_by_offset_and_cursor(&app, "/webhooks?", "webhooks", &hooks).await;
    // Their health, paged by cursor, with the total.
    let (_, body) = app.get("/stats/webhooks?limit=3").await;
    assert_eq!(body["data"]["total"], 4, "{body}");
    assert_eq!(body["data"]["limit"], 3, "{body}");
    assert_eq!(body["data"]["webhooks"].as_array().unwrap().len(), 3);
    assert!(body["data"]["next_cursor"].is_string());
}

#[tokio::test]
async fn a_rooms_users_page_by_offset_in_the_room_itself() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let mut users = Vec::new();
    for i in 0..5 {
        users.push(
            app.create_user(room_id, &format!("u{i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for (offset, expected) in [
        (0, &users[0..2]),
        (2, &users[2..4]),
        (4, &users[4..5]),
        (6, &users[5..5]),
    ] {
        let (status, body) = app
            .get(&format!("/rooms/{room_id}?limit=2&offset={offset}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let data = &body["data"];
        assert_eq!(data["usersTotal"], 5, "{body}");
        assert_eq!(data["limit"], 2, "{body}");
        assert_eq!(data["offset"], offset, "{body}");
        assert_eq!(ids(&data["users"]), expected, "{body}");
    }
    let (_, body) = app.get("/rooms/custom/r?limit=2&offset=4").await;
    assert_eq!(ids(&body["data"]["users"]), &users[4..5]);
    for bad in ["limit=101", "limit=0", "offset=-1"] {
        let (status, body) = app.get(&format!("/rooms/{room_id}?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn deliveries_page_by_offset_with_totals_and_filters() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let hook = app
        .create_webhook(
            json!({"url": "http://127.0.0.1:9/h", "events": ["user.created", "user.deleted"]}),
        )
        .await;
    let hook_id = hook["id"].as_str().unwrap();
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    for i in 0..4 {
        app.create_user(room_id, &format!("u{i}")).await;
    }
    // Newest first.
    let mut all: Vec<String> = app
        .deliveries(hook_id)
        .await
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 4);
    let path = format!("/webhooks/{hook_id}/deliveries?");
    pages_by_offset_and_cursor(&app, &path, "deliveries", &all).await;

    let user = app.create_user(room_id, "gone").await;
    app.delete(&format!("/users/{}", user["id"].as_str().unwrap()))
        .await;
    all = app
        .deliveries(hook_id)
        .await
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let (_, body) = app.get(&format!("{path}event=user.deleted")).await;
    assert_eq!(body["data"]["total"], 1, "the filter's total: {body}");
    assert_eq!(ids(&body["data"]["deliveries"]), &all[0..1]);
    let (_, body) = app.get(&path).await;
    assert_eq!(body["data"]["total"], 6, "{body}");
}

/// The event log keeps pages of up to 200, by cursor.
#[tokio::test]
async fn the_event_log_takes_pages_of_200() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/events?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.get("/events?limit=201").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "BAD_REQUEST");
    assert!(body["error"]["message"].as_str().unwrap().contains("200"));
    // The lists that page only by cursor keep to 100.
    let room = app.create_room("r").await;
    let (status, _) = app
        .get(&format!(
            "/rooms/{}/participants?limit=101",
            room["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/stats/webhooks?limit=101").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
