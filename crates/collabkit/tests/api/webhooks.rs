//! Registrations (§5): shapes, validation, isolation, rotation, SSRF refusal at registration.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::receiver::Receiver;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

const PUBLIC_FIELDS: [&str; 8] = [
    "created_at",
    "enabled",
    "events",
    "id",
    "organization_id",
    "room_id",
    "updated_at",
    "url",
];

#[tokio::test]
async fn registration_shapes_and_secret_shown_once() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let created = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created", "user.created", "participant.joined"]}))
        .await;
    let mut with_secret = PUBLIC_FIELDS.to_vec();
    with_secret.push("secret");
    with_secret.sort();
    assert_eq!(keys(&created), with_secret, "exactly WebhookRegistration");
    let secret = created["secret"].as_str().unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .unwrap();
    assert_eq!(raw.len(), 32);
    assert_eq!(created["organization_id"], app.account_id.as_str());
    assert_eq!(
        created["events"],
        json!(["participant.joined", "user.created"]),
        "duplicates folded"
    );
    assert_eq!(created["enabled"], true);
    assert!(created["room_id"].is_null());
    let id = created["id"].as_str().unwrap();

    let (_, got) = app.get(&format!("/webhooks/{id}")).await;
    assert_eq!(
        keys(&got["data"]["webhook"]),
        PUBLIC_FIELDS,
        "no secret after creation"
    );
    let (_, list) = app.get("/webhooks").await;
    let hooks = list["data"]["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(keys(&hooks[0]), PUBLIC_FIELDS);
    assert!(list["data"]["next_cursor"].is_null());

    let (status, patched) = app
        .patch(
            &format!("/webhooks/{id}"),
            json!({"enabled": false, "events": ["session.closed"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&patched["data"]["webhook"]), PUBLIC_FIELDS);
    assert_eq!(patched["data"]["webhook"]["enabled"], false);
    assert_eq!(
        patched["data"]["webhook"]["events"],
        json!(["session.closed"])
    );

    let (status, rotated) = app
        .post(&format!("/webhooks/{id}/rotate-secret"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let new_secret = rotated["data"]["webhook"]["secret"].as_str().unwrap();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, secret);

    let (status, _) = app.delete(&format!("/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&format!("/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn secrets_are_not_stored_in_clear() {
    if !crate::helpers::on_sqlite() {
        return;
    }
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let created = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let db = std::fs::read(TestApp::db_path(&app.dir)).unwrap();
    let wal =
        std::fs::read(TestApp::db_path(&app.dir).with_extension("db-wal")).unwrap_or_default();
    let needle = secret.strip_prefix("whsec_").unwrap().as_bytes();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "secret found in the database file"
        );
    }
}

#[tokio::test]
async fn validation_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let foreign_room = app
        .store
        .create_room(
            &other.account.id,
            collabkit::store::NewRoom {
                custom_id: Some("x".into()),
                name: "x".into(),
            },
        )
        .await
        .unwrap();
    let ok = "http://127.0.0.1:9/hook";
    let cases = [
        (
            json!({"events": ["user.created"]}),
            StatusCode::BAD_REQUEST,
            "url",
        ),
        (
            json!({"url": "/relative", "events": ["user.created"]}),
            StatusCode::BAD_REQUEST,
            "url",
        ),
        (
            json!({"url": "ftp://x.test/", "events": ["user.created"]}),
            StatusCode::BAD_REQUEST,
            "url",
        ),
        (
            json!({"url": 5, "events": ["user.created"]}),
            StatusCode::BAD_REQUEST,
            "url",
        ),
        (
            json!({"url": format!("http://127.0.0.1/{}", "a".repeat(2048)), "events": ["user.created"]}),
            StatusCode::BAD_REQUEST,
            "url",
        ),
        (json!({"url": ok}), StatusCode::BAD_REQUEST, "events"),
        (
            json!({"url": ok, "events": []}),
            StatusCode::BAD_REQUEST,
            "events",
        ),
        (
            json!({"url": ok, "events": "user.created"}),
            StatusCode::BAD_REQUEST,
            "events",
        ),
        (
            json!({"url": ok, "events": ["user.exploded"]}),
            StatusCode::BAD_REQUEST,
            "session.closed",
        ),
        (
            json!({"url": ok, "events": ["user.created"], "room_id": foreign_room.id}),
            StatusCode::BAD_REQUEST,
            "room_id",
        ),
        (
            json!({"url": ok, "events": ["user.created"], "room_id": 3}),
            StatusCode::BAD_REQUEST,
            "room_id",
        ),
        (
            json!({"url": ok, "events": ["user.created"], "enabled": "yes"}),
            StatusCode::BAD_REQUEST,
            "enabled",
        ),
        (
            json!({"url": ok, "events": ["user.created"], "secret": "mine"}),
            StatusCode::BAD_REQUEST,
            "secret",
        ),
    ];
    for (body, expected, field) in cases {
        let (status, resp) = app.post("/webhooks", body.clone()).await;
        assert_eq!(status, expected, "{body} → {resp}");
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{message:?} should name {field}");
    }
    let (_, list) = app.get("/webhooks").await;
    assert!(list["data"]["webhooks"].as_array().unwrap().is_empty());

    let hook = app
        .create_webhook(json!({"url": ok, "events": ["user.created"]}))
        .await;
    let id = hook["id"].as_str().unwrap();
    let (status, _) = app
        .patch(&format!("/webhooks/{id}"), json!({"events": []}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .patch(&format!("/webhooks/{id}"), json!({"url": "nope"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, got) = app.get(&format!("/webhooks/{id}")).await;
    assert_eq!(
        got["data"]["webhook"]["url"], ok,
        "a refused update changes nothing"
    );
}

/// A fragment is never sent to the receiver and nothing listens on port 0: such URLs are
/// refused at registration and on PATCH, naming the field, and nothing is written.
#[tokio::test]
async fn urls_with_a_fragment_or_port_0_are_refused() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let bad = [
        ("http://127.0.0.1:9/hook#part", "fragment"),
        ("http://127.0.0.1:9/hook#", "fragment"),
        ("http://127.0.0.1:0/hook", "port 0"),
        ("https://example.com:0/", "port 0"),
    ];
    for (url, why) in bad {
        let (status, body) = app
            .post("/webhooks", json!({"url": url, "events": ["user.created"]}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("`url`") && message.contains(why),
            "{url}: {message}"
        );
    }
    let (_, list) = app.get("/webhooks").await;
    assert!(list["data"]["webhooks"].as_array().unwrap().is_empty());

    let ok = "http://127.0.0.1:9/hook";
    let hook = app
        .create_webhook(json!({"url": ok, "events": ["user.created"]}))
        .await;
    let id = hook["id"].as_str().unwrap();
    for (url, why) in bad {
        let (status, body) = app
            .patch(&format!("/webhooks/{id}"), json!({"url": url}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("`url`") && message.contains(why),
            "{url}: {message}"
        );
    }
    let (_, got) = app.get(&format!("/webhooks/{id}")).await;
    assert_eq!(got["data"]["webhook"]["url"], ok);
}

#[tokio::test]
async fn registrations_are_isolated_between_accounts() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let hook = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/", "events": ["user.created"]}))
        .await;
    let id = hook["id"].as_str().unwrap();
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let base = format!("{}/v1/accounts/{}", app.base, other.account.id);
    for (method, path) in [
        (reqwest::Method::GET, format!("/webhooks/{id}")),
        (reqwest::Method::DELETE, format!("/webhooks/{id}")),
        (
            reqwest::Method::POST,
            format!("/webhooks/{id}/rotate-secret"),
        ),
        (reqwest::Method::GET, format!("/webhooks/{id}/deliveries")),
    ] {
        let resp = app
            .client
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let list: Value = app
        .client
        .get(format!("{base}/webhooks"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["data"]["webhooks"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn private_destinations_are_refused_at_registration() {
    let app = TestApp::spawn().await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.8/",
        "http://192.168.1.20/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.1.1/",
        // IPv6 forms that embed or translate 127.0.0.1 (IPv4-translated, 6to4, local NAT64).
        "http://[::ffff:0:7f00:1]/",
        "http://[2002:7f00:1::1]/",
        "http://[64:ff9b:1::7f00:1]/",
        // Percent-encoded in the host: 127.0.0.1 too.
        "http://%31%32%37.0.0.1/",
    ] {
        let (status, body) = app
            .post("/webhooks", json!({"url": url, "events": ["user.created"]}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("url"), "{body}");
        // No DNS oracle: the error does not say what a name resolves to.
        assert!(
            !message.contains("127.0.0.1") || url.contains("127.0.0.1"),
            "{url}: {message}"
        );
        assert!(
            !message.contains("::1]") && !message.contains(" ::1"),
            "{message}"
        );
    }
}

/// The URL is stored as the one parser that checked it reads it, so delivery reads the same.
#[tokio::test]
async fn urls_are_stored_normalised() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let hook = app
        .create_webhook(json!({"url": "HTTP://LOCALHOST:9/a/../hook", "events": ["user.created"]}))
        .await;
    assert_eq!(hook["url"], "http://localhost:9/hook");
}

#[tokio::test]
async fn deleting_a_room_removes_its_webhooks() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let room = app.create_room("r").await;
    let scoped = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/", "events": ["user.created"], "room_id": room["id"]}))
        .await;
    let wide = app
        .create_webhook(json!({"url": "http://127.0.0.1:9/", "events": ["user.created"]}))
        .await;
    let (_, filtered) = app
        .get(&format!(
            "/webhooks?room_id={}",
            room["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(filtered["data"]["webhooks"].as_array().unwrap().len(), 1);
    app.delete(&format!("/rooms/{}", room["id"].as_str().unwrap()))
        .await;
    let (status, _) = app
        .get(&format!("/webhooks/{}", scoped["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(&format!("/webhooks/{}", wide["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// An account may have `--max-webhooks-per-account` registrations: one more is 409
/// `too_many_webhooks` and stores nothing; other accounts are not counted, and a deletion makes
/// room again.
#[tokio::test]
async fn registrations_per_account_are_bounded() {
    let app = TestApp::spawn_for_delivery(|c| c.delivery.max_webhooks_per_account = 3).await;
    let body = json!({"url": "http://127.0.0.1:9/", "events": ["user.created"]});
    let mut hooks = Vec::new();
    for _ in 0..3 {
        hooks.push(app.create_webhook(body.clone()).await);
    }
    let (status, refused) = app.post("/webhooks", body.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "too_many_webhooks");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("--max-webhooks-per-account"), "{message}");
    let (_, listed) = app.get("/webhooks?limit=100").await;
    assert_eq!(listed["data"]["webhooks"].as_array().unwrap().len(), 3);

    // Another account has a bound of its own.
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let resp = app
        .client
        .post(format!(
            "{}/v1/accounts/{}/webhooks",
            app.base, other.account.id
        ))
        .bearer_auth(&bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);

    let id = hooks[0]["id"].as_str().unwrap();
    let (status, _) = app.delete(&format!("/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.create_webhook(body).await;
}

/// Custom headers (`/webhooks/{id}/headers`): set, sent with every attempt beside a valid
/// signature (retries too), refused when they would break the request (naming the header,
/// changing nothing), private to the account, cleared by `{}`.
#[tokio::test]
async fn custom_headers_are_sent_on_every_attempt() {
    use crate::receiver::Reply;
    use std::time::Duration;
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.retry_schedule = "100ms".parse().unwrap();
    })
    .await;
    // The first attempt fails, the retry succeeds.
    let rx = Receiver::start_with(vec![Reply::Status(500), Reply::Status(200)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let id = hook["id"].as_str().unwrap();
    let path = format!("/webhooks/{id}/headers");

    let (status, got) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"]["headers"], json!({}), "none at first");

    let set =
        json!({"Authorization": "Bearer s3cret", "X-Tenant": "acme corp", "User-Agent": "mine/1"});
    let (status, got) = app.put(&path, json!({"headers": set})).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"]["headers"], set);
    let (_, got) = app.get(&path).await;
    assert_eq!(got["data"]["headers"], set);

    // Refused sets are 400 naming the header, and change nothing.
    let refused = [
        (
            json!({"headers": {"Webhook-Signature": "v1,x"}}),
            "Webhook-Signature",
        ),
        (
            json!({"headers": {"webhook-anything": "x"}}),
            "webhook-anything",
        ),
        (
            json!({"headers": {"Collabkit-Room-Seq": "1"}}),
            "Collabkit-Room-Seq",
        ),
        (json!({"headers": {"Host": "evil.test"}}), "Host"),
        (
            json!({"headers": {"content-length": "1"}}),
            "content-length",
        ),
        (
            json!({"headers": {"Transfer-Encoding": "chunked"}}),
            "Transfer-Encoding",
        ),
        (json!({"headers": {"Connection": "close"}}), "Connection"),
        (
            json!({"headers": {"Proxy-Authorization": "x"}}),
            "Proxy-Authorization",
        ),
        (json!({"headers": {"Bad Name": "x"}}), "Bad Name"),
        (
            json!({"headers": {"X-Split": "a\r\nX-Injected: b"}}),
            "X-Split",
        ),
        (json!({"headers": {"X-Num": 1}}), "X-Num"),
        (json!({"headers": {"X-Big": "v".repeat(4096)}}), "4096"),
        (json!({"headers": ["X-A"]}), "headers"),
        (json!({}), "headers"),
    ];
    for (body, named) in refused {
        let (status, resp) = app.put(&path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {resp}");
        assert_eq!(resp["error"]["code"], "VALIDATION_ERROR", "{resp}");
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{message:?} should name {named}");
    }
    let many: serde_json::Map<String, Value> =
        (0..65).map(|i| (format!("X-{i}"), json!("v"))).collect();
    let (status, _) = app.put(&path, json!({"headers": many})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "at most 64 headers");
    let (_, got) = app.get(&path).await;
    assert_eq!(got["data"]["headers"], set, "a refused set changes nothing");

    // Another account's registration is not found, and its headers stay.
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let url = format!("{}/v1/accounts/{}{path}", app.base, other.account.id);
    let resp = app
        .client
        .get(&url)
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = app
        .client
        .put(&url)
        .bearer_auth(&bearer)
        .json(&json!({"headers": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (_, got) = app.get(&path).await;
    assert_eq!(got["data"]["headers"], set);
    let (status, _) = app.get("/webhooks/whk_nope/headers").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The registration itself keeps the seed's shape: headers are a sub-resource.
    let (_, got) = app.get(&format!("/webhooks/{id}")).await;
    assert!(got["data"]["webhook"].get("headers").is_none(), "{got}");

    // An event: the failed attempt and the retry both carry them, with a valid signature.
    let room = app.create_room("r").await;
    app.create_user(room["id"].as_str().unwrap(), "u").await;
    let got = rx.wait_for(2, Duration::from_secs(10)).await;
    for req in &got[..2] {
        standardwebhooks::Webhook::new(hook["secret"].as_str().unwrap())
            .unwrap()
            .verify(&req.body, &req.headers)
            .expect("valid signature");
        assert_eq!(req.header("authorization"), "Bearer s3cret");
        assert_eq!(req.header("x-tenant"), "acme corp");
        assert_eq!(req.header("user-agent"), "mine/1", "replaces the default");
        assert_eq!(req.headers.get_all("user-agent").iter().count(), 1);
        assert_eq!(req.header("content-type"), "application/json");
    }
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));

    // Cleared: the next event goes without them.
    let (status, got) = app.put(&path, json!({"headers": {}})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["data"]["headers"], json!({}));
    let (_, got) = app.get(&path).await;
    assert_eq!(got["data"]["headers"], json!({}));
    app.create_user(room["id"].as_str().unwrap(), "v").await;
    let got = rx.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(got[2].header("authorization"), "");
    assert_eq!(got[2].header("x-tenant"), "");
    assert!(
        got[2]
            .header("user-agent")
            .starts_with("CollabKit-Webhooks/")
    );
}
