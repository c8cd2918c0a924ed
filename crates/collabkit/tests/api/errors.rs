//! Bad input: a clear 4xx naming the problem, in the error shape, and nothing written.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, eventually, metric, until};

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
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str, &str)> = vec![
        (
            app.client
                .post(app.url("/rooms"))
                .body(r#"{"name":"a","customId":"b"}"#),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "content-type",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .header("content-type", "application/json")
                .body(r#"{"name": "#),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "JSON",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"customId": "b"})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "name",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": 5, "customId": "b"})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "name",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a", "customId": "b", "colour": "red"})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "colour",
        ),
        (
            app.client.post(app.url("/rooms")).json(&json!([1, 2])),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "   ", "customId": "b"})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "name",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a", "customId": "x".repeat(300)})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "customId",
        ),
        (
            app.client
                .post(app.url("/rooms"))
                .json(&json!({"name": "a".repeat(2 * 1024 * 1024), "customId": "b"})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "",
        ),
    ];
    for (req, expected, code, mentions) in cases {
        let (status, body) = app.send(req).await;
        assert_eq!(status, expected, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(body["error"]["module"], "Rooms", "{body}");
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
            StatusCode::BAD_REQUEST,
            "roomId",
        ),
        (
            json!({"name": "", "roomId": room_id, "customId": "u"}),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            json!({"name": "a", "roomId": room_id, "customId": "u", "profilePicture": 7}),
            StatusCode::BAD_REQUEST,
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
    assert_eq!(status, StatusCode::BAD_REQUEST);
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
    assert_eq!(body["error"]["code"], "NOT_FOUND");
    assert_eq!(body["error"]["reason"], "route_not_found");
    assert_eq!(body["error"]["module"], "Server");
    let (status, body) = app.send(app.client.put(app.url("/rooms"))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "METHOD_NOT_ALLOWED");
    assert_eq!(body["error"]["reason"], "method_not_allowed");
    assert_eq!(body["error"]["module"], "Rooms");
}

/// Inputs that look harmless but are not: control characters in names, invisible and bidi
/// characters in customIds, script URLs as pictures. Each is refused naming its field, and
/// nothing is written.
#[tokio::test]
async fn loose_inputs_are_refused() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"name": "a\u{0}b", "customId": "r"}), "name"),
        (json!({"name": "line\nbreak", "customId": "r"}), "name"),
        (
            json!({"name": "R", "customId": "txt\u{202E}exe"}),
            "customId",
        ),
        (json!({"name": "R", "customId": "a\u{200B}bc"}), "customId"),
        (json!({"name": "R", "customId": "\u{FEFF}r"}), "customId"),
    ] {
        let (status, resp) = app.post("/rooms", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert!(
            resp["error"]["message"].as_str().unwrap().contains(field),
            "{resp}"
        );
    }
    nothing_written(&app).await;

    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    for picture in [
        "javascript:alert(1)",
        "data:text/html,<script>",
        "/relative.png",
    ] {
        let (status, resp) = app
            .post(
                "/users",
                json!({"name": "Ann", "roomId": room_id, "customId": "ann", "profilePicture": picture}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{picture}: {resp}");
        assert!(
            resp["error"]["message"]
                .as_str()
                .unwrap()
                .contains("profilePicture")
        );
    }
    let user = app.create_user(room_id, "ann").await;
    let (status, _) = app
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"profilePicture": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"profilePicture": "https://example.com/ann.png"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "http(s) pictures are fine");
}

/// `null` for a field that cannot be null is the wrong shape (400 `VALIDATION_ERROR`), not a
/// silent no-op.
#[tokio::test]
async fn null_for_a_field_that_cannot_be_null_is_refused() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let hook = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/h", "events": ["user.created"]}))
        .await;
    let path = format!("/webhooks/{}", hook["id"].as_str().unwrap());
    for body in [
        json!({"url": null}),
        json!({"events": null}),
        json!({"enabled": null}),
    ] {
        let (status, resp) = app.patch(&path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        assert!(
            resp["error"]["message"].as_str().unwrap().contains("null"),
            "{resp}"
        );
    }
    let (_, now) = app.get(&path).await;
    assert_eq!(now["data"]["webhook"]["url"], hook["url"]);
    assert_eq!(now["data"]["webhook"]["events"], hook["events"]);

    let room = app.create_room("r").await;
    let user = app.create_user(room["id"].as_str().unwrap(), "u").await;
    let (status, _) = app
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"name": null}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // `null` still removes a picture, and scopes a registration to the whole account.
    let (status, _) = app
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"profilePicture": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.patch(&path, json!({"room_id": null})).await;
    assert_eq!(status, StatusCode::OK);
}

/// A change that waited too long for the storage is refused with 503 `overloaded` and a
/// `Retry-After`, and nothing is written (here every API change waits "too long").
#[tokio::test]
async fn an_overloaded_server_refuses_changes_promptly_and_writes_nothing() {
    if !crate::helpers::on_sqlite() {
        return; // the SQLite writer's queue; PostgreSQL waits for a pooled connection instead
    }
    let app = TestApp::spawn_with(|c| c.store.sqlite.max_write_wait = Duration::ZERO).await;
    let resp = app
        .client
        .post(app.url("/rooms"))
        .bearer_auth(app.bearer())
        .json(&json!({"name": "R", "customId": "r"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE", "{body}");
    assert_eq!(body["error"]["reason"], "overloaded", "{body}");
    nothing_written(&app).await;
}

/// Under a burst far beyond what the writer takes at once, every change is either made (201)
/// or refused (503 with `Retry-After`), never half made, and answers stay prompt.
#[tokio::test]
async fn a_burst_gets_answers_that_are_made_or_refused() {
    let app =
        TestApp::spawn_with(|c| c.store.sqlite.max_write_wait = Duration::from_micros(300)).await;
    // At a 300 µs wait even this one write can be refused on a busy machine; like any client,
    // the test retries after a 503.
    let room_id = eventually(Duration::from_secs(10), "the room created", || async {
        let (status, body) = app
            .post("/rooms", json!({"name": "R", "customId": "r"}))
            .await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return Err(body.to_string());
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Ok(body["data"]["room"]["id"].as_str().unwrap().to_owned())
    })
    .await;
    let started = std::time::Instant::now();
    let requests: Vec<_> = (0..300)
        .map(|i| {
            let req = app
                .client
                .post(app.url("/users"))
                .bearer_auth(app.bearer())
                .json(&json!({"name": "U", "roomId": room_id, "customId": format!("u{i}")}));
            tokio::spawn(async move { req.send().await.unwrap() })
        })
        .collect();
    let (mut made, mut refused) = (0, 0);
    for r in requests {
        let resp = r.await.unwrap();
        match resp.status() {
            StatusCode::CREATED => made += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(resp.headers().contains_key("retry-after"));
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(made + refused, 300);
    assert!(started.elapsed() < Duration::from_secs(20));
    let (mut listed, mut cursor) = (0, None::<String>);
    loop {
        let path = match &cursor {
            Some(c) => format!("/rooms/{room_id}/users?limit=100&cursor={c}"),
            None => format!("/rooms/{room_id}/users?limit=100"),
        };
        let (status, page) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        listed += page["data"]["users"].as_array().unwrap().len();
        cursor = page["data"]["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        listed, made,
        "every 201 is stored, no 503 is ({refused} refused)"
    );
}

/// Past `--max-in-flight` requests being handled, more are refused at once with 503 and
/// `Retry-After`; operations endpoints are never refused. The one slot is held by a request
/// whose body is still arriving, so the test does not depend on how requests interleave.
#[tokio::test]
async fn requests_past_the_in_flight_cap_are_refused_but_health_is_not() {
    let app = TestApp::spawn_with(|c| c.http.max_in_flight = 1).await;
    let (release, held) = tokio::sync::oneshot::channel::<()>();
    let body =
        futures_util::stream::iter([Ok::<_, std::io::Error>(r#"{"name": "held", "#.to_owned())])
            .chain(futures_util::stream::once(async move {
                let _ = held.await;
                Ok(r#""customId": "held"}"#.to_owned())
            }));
    let holder = app
        .client
        .post(app.url("/rooms"))
        .bearer_auth(app.bearer())
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let holder = tokio::spawn(holder);
    // Until the held request has its slot.
    let get_rooms = || app.client.get(app.url("/rooms")).bearer_auth(app.bearer());
    until("the held request takes the slot", || async {
        get_rooms().send().await.unwrap().status() == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    let requests: Vec<_> = (0..60)
        .map(|i| {
            let health = i % 3 == 0;
            let req = if health {
                app.client.get(format!("{}/healthz", app.base))
            } else {
                get_rooms()
            };
            tokio::spawn(async move {
                let resp = req.send().await.unwrap();
                (
                    health,
                    resp.status(),
                    resp.headers().contains_key("retry-after"),
                )
            })
        })
        .collect();
    for r in requests {
        let (health, status, retry_after) = r.await.unwrap();
        if health {
            assert_eq!(status, StatusCode::OK, "health is never shed");
        } else {
            assert_eq!(
                status,
                StatusCode::SERVICE_UNAVAILABLE,
                "the one slot is taken"
            );
            assert!(retry_after);
        }
    }
    release.send(()).unwrap();
    let made = holder.await.unwrap().unwrap();
    assert_eq!(
        made.status(),
        StatusCode::CREATED,
        "the held request completes"
    );
    assert_eq!(get_rooms().send().await.unwrap().status(), StatusCode::OK);
    let text = app.metrics_text().await;
    assert!(
        metric(&text, "collabkit_http_requests_shed_total").is_some_and(|n| n > 0.0),
        "{text}"
    );
}

/// An account past its request rate gets 429 with `Retry-After`; requests with a wrong key do
/// not spend its budget; another account is not affected.
#[tokio::test]
async fn an_account_past_its_rate_limit_gets_429() {
    let app = TestApp::spawn_with(|c| c.http.account_rate_limit = 5).await;
    let get = |bearer: String| {
        let req = app.client.get(app.url("/rooms")).bearer_auth(bearer);
        async move { req.send().await.unwrap() }
    };
    let wrong = collabkit::accounts::bearer_token(&app.account_id, "ck_wrong");
    for _ in 0..30 {
        assert_eq!(get(wrong.clone()).await.status(), StatusCode::UNAUTHORIZED);
    }
    // A burst of twice the rate passes, then the account is limited.
    let mut limited = None;
    for i in 0..12 {
        let resp = get(app.bearer()).await;
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, resp));
            break;
        }
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let (i, resp) = limited.expect("the twelfth request at the latest is limited");
    assert!(i >= 9, "the burst (10) passed first: limited at {i}");
    assert_eq!(resp.headers()["retry-after"], "1");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert_eq!(body["error"]["reason"], "rate_limited");
    // Another account has its own budget.
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let resp = app
        .client
        .get(format!(
            "{}/v1/accounts/{}/rooms",
            app.base, other.account.id
        ))
        .bearer_auth(collabkit::accounts::bearer_token(
            &other.account.id,
            &other.api_key,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

/// A NUL character in an id or a value: no id the server issues holds one, and PostgreSQL
/// cannot even compare one (it answered 503 and logged an ERROR). The same 4xx on every
/// backend, decided before the storage: an id in the path is unknown (404), a Bearer
/// credential is wrong (401), a query parameter or a body field is refused naming it (400).
#[tokio::test]
async fn a_nul_character_anywhere_is_the_same_4xx_on_every_backend() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let hook = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/h", "events": ["user.created"]}))
        .await;
    let hook_id = hook["id"].as_str().unwrap().to_owned();
    let nul_account = {
        use base64::Engine;
        let credential = format!("{}\0x:{}", app.account_id, app.api_key);
        base64::engine::general_purpose::STANDARD.encode(credential)
    };
    let get = |path: &str| app.client.get(app.url(path)).bearer_auth(app.bearer());
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            app.client.get(format!("{}/v1/connect?token=%00", app.base)),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            app.client
                .get(format!("{}/v1/connect?token=utk_%00x", app.base)),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            app.client.get(app.url("/rooms")).bearer_auth(&nul_account),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (get("/rooms/%00"), StatusCode::NOT_FOUND, "not_found"),
        (
            get("/rooms/room_%00x/users"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            get("/rooms/%00/participants"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            get("/rooms/%00/recent-events"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (get("/rooms/%00/events"), StatusCode::NOT_FOUND, "not_found"),
        (get("/rooms/custom/%00"), StatusCode::NOT_FOUND, "not_found"),
        (get("/users/%00"), StatusCode::NOT_FOUND, "not_found"),
        (
            get(&format!("/users/custom/%00?roomId={room_id}")),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (get("/webhooks/%00"), StatusCode::NOT_FOUND, "not_found"),
        (
            get(&format!("/webhooks/{hook_id}/deliveries/%00")),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            app.client
                .patch(app.url("/rooms/%00"))
                .bearer_auth(app.bearer())
                .json(&json!({"name": "x"})),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            app.client
                .delete(app.url("/users/%00"))
                .bearer_auth(app.bearer()),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            get("/users/custom/x?roomId=%00"),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            get("/webhooks?room_id=%00"),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            get("/events?room_id=%00"),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            get("/stats/deliveries?webhook_id=%00"),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            app.client
                .post(app.url("/users"))
                .bearer_auth(app.bearer())
                .json(&json!({"name": "n", "customId": "c", "roomId": "\u{0}"})),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            app.client
                .post(app.url("/users"))
                .bearer_auth(app.bearer())
                .json(&json!({"name": "n", "customId": "c", "roomId": room_id,
                              "profilePicture": "https://example.com/\u{0}.png"})),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            app.client
                .post(app.url("/webhooks"))
                .bearer_auth(app.bearer())
                .json(
                    &json!({"url": "http://127.0.0.1:9/h", "events": ["user.created"],
                              "room_id": "\u{0}"}),
                ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (req, status, code) in cases {
        let req = req.build().unwrap();
        let what = format!("{} {}", req.method(), req.url());
        let resp = app.client.execute(req).await.unwrap();
        assert_eq!(resp.status(), status, "{what}");
        let body: serde_json::Value = resp.json().await.unwrap();
        crate::helpers::assert_error_shape(&body);
        assert_eq!(body["error"]["reason"], code, "{what}: {body}");
    }
    // Nothing was written by any of them: only the room's user list is as it was.
    let (_, users) = app.get(&format!("/rooms/{room_id}/users")).await;
    assert_eq!(
        users["data"]["users"].as_array().map(Vec::len),
        Some(0),
        "{users}"
    );
}
