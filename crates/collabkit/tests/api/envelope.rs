//! The documented envelope on every JSON answer, success and error of each kind:
//! `{type: "response", success, description, data, error, requestId}`, the error
//! `{module, code, message, reason}`, and `requestId` the same as the `x-request-id` header.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error_shape, assert_success_shape};

/// Status, the `x-request-id` header and the body of an answer; the body's `requestId` is the
/// header.
async fn answer(req: reqwest::RequestBuilder) -> (StatusCode, String, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let id = resp
        .headers()
        .get("x-request-id")
        .expect("every answer carries x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    let text = resp.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(body["requestId"], id.as_str(), "{body}");
    (status, id, body)
}

#[tokio::test]
async fn successes_are_enveloped_with_their_description() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let (status, id, body) = answer(
        app.client
            .post(app.url("/rooms"))
            .bearer_auth(app.bearer())
            .json(&json!({"name": "R", "customId": "r"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_success_shape(&body);
    assert_eq!(body["description"], "Room created");
    assert!(id.starts_with("req_"), "{id}");
    let room_id = body["data"]["room"]["id"].as_str().unwrap().to_owned();

    let (status, _, body) = answer(
        app.client
            .post(app.url("/users"))
            .bearer_auth(app.bearer())
            .json(&json!({"name": "U", "roomId": room_id, "customId": "u"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_success_shape(&body);
    assert_eq!(body["description"], "User created");
    assert!(body["data"]["token"].is_string());

    let (status, _, body) = answer(
        app.client
            .post(app.url("/webhooks"))
            .bearer_auth(app.bearer())
            .json(&json!({"url": "http://127.0.0.1:9/h", "events": ["user.created"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_success_shape(&body);
    assert_eq!(body["description"], "Webhook created");
    let hook_id = body["data"]["webhook"]["id"].as_str().unwrap().to_owned();
    let (status, _, body) = answer(
        app.client
            .patch(app.url(&format!("/webhooks/{hook_id}")))
            .bearer_auth(app.bearer())
            .json(&json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["description"], "Webhook updated");

    let (status, first, body) =
        answer(app.client.get(app.url("/rooms")).bearer_auth(app.bearer())).await;
    assert_eq!(status, StatusCode::OK);
    assert_success_shape(&body);
    assert_eq!(body["description"], "OK");
    let (_, second, _) = answer(app.client.get(app.url("/rooms")).bearer_auth(app.bearer())).await;
    assert_ne!(first, second, "each request has its own id");

    // The operations endpoints too.
    let (status, _, body) = answer(app.client.get(format!("{}/healthz", app.base))).await;
    assert_eq!(status, StatusCode::OK);
    assert_success_shape(&body);
    assert_eq!(body["data"]["status"], "ok");
}

#[tokio::test]
async fn a_sane_client_request_id_is_kept_and_another_replaced() {
    let app = TestApp::spawn().await;
    let (_, id, _) = answer(
        app.client
            .get(app.url("/rooms"))
            .bearer_auth(app.bearer())
            .header("x-request-id", "req_from-the-client.1"),
    )
    .await;
    assert_eq!(id, "req_from-the-client.1");
    // Kept on an error too.
    let (status, id, body) = answer(
        app.client
            .get(app.url("/rooms/nope"))
            .bearer_auth(app.bearer())
            .header("x-request-id", "trace-42"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(id, "trace-42");
    assert_error_shape(&body);
    for insane in ["two words", "quote\"d", &"x".repeat(129)] {
        let (_, id, _) = answer(
            app.client
                .get(app.url("/rooms"))
                .bearer_auth(app.bearer())
                .header("x-request-id", insane),
        )
        .await;
        assert!(id.starts_with("req_"), "{insane:?} was replaced: {id}");
    }
}

/// One request per kind of failure: its status, documented code, precise reason and module,
/// all in the envelope with the request's id.
#[tokio::test]
async fn every_kind_of_error_is_enveloped() {
    let app = TestApp::spawn().await;
    app.create_room("taken").await;
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = app.bearer();
    let c = &app.client;
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str, &str, &str)> = vec![
        (
            c.get(app.url("/rooms")),
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "unauthorized",
            "Rooms",
        ),
        (
            c.get(format!(
                "{}/v1/accounts/{}/users/u",
                app.base, other.account.id
            ))
            .bearer_auth(&bearer),
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "forbidden",
            "Users",
        ),
        (
            c.get(app.url("/webhooks/wh_nope")).bearer_auth(&bearer),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "not_found",
            "Webhooks",
        ),
        (
            c.get(format!("{}/nope", app.base)),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "route_not_found",
            "Server",
        ),
        (
            c.get(app.url("/nothing-here")).bearer_auth(&bearer),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "route_not_found",
            "Accounts",
        ),
        (
            c.delete(app.url("/events")).bearer_auth(&bearer),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "method_not_allowed",
            "Events",
        ),
        (
            c.get(app.url("/rooms?limit=abc")).bearer_auth(&bearer),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "invalid_query",
            "Rooms",
        ),
        (
            c.get(app.url("/events?cursor=nope!")).bearer_auth(&bearer),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "invalid_request",
            "Events",
        ),
        (
            c.post(app.url("/rooms"))
                .bearer_auth(&bearer)
                .header("content-type", "application/json")
                .body("{"),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "invalid_json",
            "Rooms",
        ),
        (
            c.post(app.url("/rooms"))
                .bearer_auth(&bearer)
                .json(&json!({"name": "R", "colour": "red"})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "invalid_body",
            "Rooms",
        ),
        (
            c.post(app.url("/rooms"))
                .bearer_auth(&bearer)
                .json(&json!({"name": " ", "customId": "x"})),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            "invalid_request",
            "Rooms",
        ),
        (
            c.post(app.url("/rooms"))
                .bearer_auth(&bearer)
                .json(&json!({"name": "R", "customId": "taken"})),
            StatusCode::CONFLICT,
            "CONFLICT",
            "conflict",
            "Rooms",
        ),
        (
            c.post(app.url("/rooms"))
                .bearer_auth(&bearer)
                .json(&json!({"name": "a".repeat(2 * 1024 * 1024)})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            "payload_too_large",
            "Rooms",
        ),
        (
            c.post(app.url("/users"))
                .bearer_auth(&bearer)
                .body(r#"{"name": "U"}"#),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "unsupported_media_type",
            "Users",
        ),
        (
            c.post(app.url("/webhooks/wh_x/recover"))
                .bearer_auth(&bearer)
                .json(&json!({"since": "2026-01-01T00:00:00Z"})),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "not_found",
            "Deliveries",
        ),
        (
            c.get(app.url("/stats/deliveries?minutes=0"))
                .bearer_auth(&bearer),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "invalid_request",
            "Stats",
        ),
        (
            c.get(format!("{}/v1/connect", app.base)),
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "unauthorized",
            "Realtime",
        ),
        (
            c.get(format!("{}/v1/connect?token=utk_unknown", app.base)),
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "unauthorized",
            "Realtime",
        ),
    ];
    for (req, status, code, reason, module) in cases {
        let req = req.build().unwrap();
        let what = format!("{} {}", req.method(), req.url());
        let (got, _, body) = answer(reqwest::RequestBuilder::from_parts(c.clone(), req)).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_error_shape(&body);
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert_eq!(body["error"]["reason"], reason, "{what}: {body}");
        assert_eq!(body["error"]["module"], module, "{what}: {body}");
    }
}

/// The load limiter's 503 and the rate limiter's 429 are enveloped and keep `Retry-After`.
#[tokio::test]
async fn refusals_of_the_limits_are_enveloped_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.http.account_rate_limit = 1).await;
    let mut limited = None;
    for _ in 0..5 {
        let req = app.client.get(app.url("/rooms")).bearer_auth(app.bearer());
        let resp = req.send().await.unwrap();
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(resp);
            break;
        }
    }
    let resp = limited.expect("a burst past twice the rate is limited");
    assert!(resp.headers().contains_key("retry-after"));
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(&body);
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert_eq!(body["error"]["reason"], "rate_limited");
    assert_eq!(body["requestId"], id.as_str());

    if !crate::helpers::on_sqlite() {
        return; // the SQLite writer's queue refuses at once with a zero wait
    }
    let app =
        TestApp::spawn_with(|c| c.store.sqlite.max_write_wait = std::time::Duration::ZERO).await;
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
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(&body);
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(body["error"]["reason"], "overloaded");
}

/// The OpenAPI document describes the envelope exactly as it is sent, and lists every code.
#[tokio::test]
async fn the_openapi_document_describes_the_envelope_and_every_code() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await;
    let schemas = &doc["components"]["schemas"];
    let (_, _, error) = answer(
        app.client
            .get(app.url("/rooms/nope"))
            .bearer_auth(app.bearer()),
    )
    .await;
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&schemas["ErrorBody"]["properties"]),
        keys(&error),
        "ErrorBody is what an error answer holds"
    );
    assert_eq!(
        keys(&schemas["ServerError"]["properties"]),
        keys(&error["error"]),
    );
    let mut required: Vec<&str> = schemas["ServerError"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort_unstable();
    assert_eq!(required, ["code", "message", "module", "reason"]);
    let codes: Vec<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("ErrorCode: {}", schemas["ErrorCode"]))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for code in [
        "UNAUTHORIZED",
        "FORBIDDEN",
        "NOT_FOUND",
        "BAD_REQUEST",
        "VALIDATION_ERROR",
        "CONFLICT",
        "RATE_LIMITED",
        "INTERNAL_ERROR",
        "PAYLOAD_TOO_LARGE",
        "UNSUPPORTED_MEDIA_TYPE",
        "SERVICE_UNAVAILABLE",
        "METHOD_NOT_ALLOWED",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    // Every answer documents its x-request-id header.
    let create = &doc["paths"]["/v1/accounts/{account_id}/rooms"]["post"]["responses"];
    for status in ["201", "400", "401", "503"] {
        assert!(
            create[status]["headers"]["x-request-id"].is_object(),
            "{status}: {}",
            create[status]
        );
    }
    // A success body is the envelope around the result.
    let p = "/v1/accounts/{account_id}/rooms";
    let ok = &doc["paths"][&p]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    let ok = match ok["$ref"].as_str() {
        Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
        None => ok,
    };
    let (_, _, listed) = answer(app.client.get(app.url("/rooms")).bearer_auth(app.bearer())).await;
    assert_eq!(keys(&ok["properties"]), keys(&listed), "{ok}");
}
