//! Bad input: a clear 4xx naming the problem, in the error shape, and nothing written.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

async fn nothing_written(app: &TestApp) {
    let (_, rooms) = app.get("/rooms").await;
    assert_eq!(
        rooms["data"]["rooms"].as_array().unwrap().len(),
        0,
        "{rooms}"
    );
    assert!(app.events().await.is_empty());
}

#[tokio::test]
async fn malformed_bodies_get_precise_statuses() {
    let app = TestApp::spawn().await;
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            app.client
                .post(app.url("/rooms"))
                .body(r#"{"name":"a","customId":"b"}"#),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "content-type",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .header("content-type", "application/json")
                .body(r#"{"name": "#),
            StatusCode::BAD_REQUEST,
            "JSON",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "customId",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": 5, "customId": "b"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a", "customId": "b", "colour": "red"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
        ),
        (
            app.client.post(app.url("/rooms")).json(&json!([1, 2])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "   ", "customId": "b"})),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a", "customId": "x".repeat(300)})),
            StatusCode::BAD_REQUEST,
            "customId",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a".repeat(2 * 1024 * 1024), "customId": "b"})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
    ];
    for (req, expected, mentions) in cases {
        let (status, body) = app.send(req).await;
        assert_eq!(status, expected, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(mentions),
            "{message:?} should mention {mentions:?}"
        );
    }
    nothing_written(&app).await;
}

#[tokio::test]
async fn bad_user_input_writes_nothing() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let bad = [
        (
            json!({"name": "a", "customId": "u"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "roomId",
        ),
        (
            json!({"name": "", "roomId": room_id, "customId": "u"}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"name": "a", "roomId": room_id, "customId": "u", "profilePicture": 7}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "profilePicture",
        ),
        (
            json!({"name": "a", "roomId": room_id, "customId": "u", "profilePicture": "x".repeat(3000)}),
            StatusCode::BAD_REQUEST,
            "profilePicture",
        ),
    ];
    for (body, expected, mentions) in bad {
        let (status, resp) = app.post("/users", body).await;
        assert_eq!(status, expected, "{resp}");
        assert!(
            resp["error"]["message"]
                .as_str()
                .unwrap()
                .contains(mentions),
            "{resp}"
        );
    }
    let user = app.create_user(room_id, "ok").await;
    let (status, _) = app
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"name": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"token": "mine"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let events = app.events().await;
    assert_eq!(
        events.len(),
        1,
        "only the successful create stored an event"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json_errors() {
    let app = TestApp::spawn().await;
    let (status, body) = app.send(app.client.get(format!("{}/nope", app.base))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "route_not_found");
    let (status, body) = app.send(app.client.put(app.url("/rooms"))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}
