//! `Idempotency-Key` on the API's POSTs: a repeat is answered the first answer without acting
//! again, another request under the same key is 422, a concurrent duplicate is 409 or the
//! replay, keys are per account, expire after the window, and mean nothing on a GET.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Posts `body` to `path` with `key`; the status, the replay header and the raw body.
async fn post_keyed(
    app: &TestApp,
    bearer: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Option<String>, String, Option<String>) {
    let resp = app
        .client
        .post(app.url(path))
        .bearer_auth(bearer)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let replayed = header("idempotent-replayed");
    let retry_after = header("retry-after");
    (status, replayed, resp.text().await.unwrap(), retry_after)
}

async fn rooms(app: &TestApp) -> u64 {
    let (_, list) = app.get("/rooms").await;
    list["data"]["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_repeat_is_answered_the_first_answer_without_acting_again() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "Once"});
    let (status, replayed, first, _) =
        post_keyed(&app, &app.bearer(), "/rooms", "k-1", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(replayed, None);
    let (status, replayed, second, _) =
        post_keyed(&app, &app.bearer(), "/rooms", "k-1", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(second, first, "the same answer, byte for byte");
    assert_eq!(rooms(&app).await, 1);

    // A 4xx is kept too: a repeat of a refused request is refused the same way.
    let bad = json!({"name": ""});
    let (status, _, first, _) = post_keyed(&app, &app.bearer(), "/rooms", "k-bad", &bad).await;
    assert!(status.is_client_error(), "{first}");
    let (again, replayed, second, _) =
        post_keyed(&app, &app.bearer(), "/rooms", "k-bad", &bad).await;
    assert_eq!((again, replayed.as_deref()), (status, Some("true")));
    assert_eq!(second, first);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422() {
    let app = TestApp::spawn().await;
    let (status, _, _, _) =
        post_keyed(&app, &app.bearer(), "/rooms", "k", &json!({"name": "A"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, text, _) =
        post_keyed(&app, &app.bearer(), "/rooms", "k", &json!({"name": "B"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(body["error"]["reason"], "idempotency_key_reused");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key"),
        "{body}"
    );
    assert_eq!(rooms(&app).await, 1);
}

#[tokio::test]
async fn concurrent_duplicates_act_once() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "Together"});
    let bearer = app.bearer();
    let at_once = (0..10).map(|_| post_keyed(&app, &bearer, "/rooms", "k-burst", &body));
    let answers = futures_util::future::join_all(at_once).await;
    let created: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::CREATED)
        .collect();
    assert!(!created.is_empty(), "{answers:?}");
    assert_eq!(
        created.iter().filter(|a| a.1.is_none()).count(),
        1,
        "exactly one acted: {answers:?}"
    );
    for (status, _, text, retry_after) in &answers {
        if *status == StatusCode::CONFLICT {
            let body: Value = serde_json::from_str(text).unwrap();
            assert_eq!(body["error"]["reason"], "idempotency_key_in_progress");
            assert_eq!(retry_after.as_deref(), Some("1"));
        } else {
            assert_eq!(*status, StatusCode::CREATED, "{text}");
            assert_eq!(text, &created[0].2);
        }
    }
    assert_eq!(rooms(&app).await, 1);
    // Once the first is done, a retry is its replay.
    let (status, replayed, text, _) = post_keyed(&app, &bearer, "/rooms", "k-burst", &body).await;
    assert_eq!(
        (status, replayed.as_deref()),
        (StatusCode::CREATED, Some("true"))
    );
    assert_eq!(text, created[0].2);
}

#[tokio::test]
async fn a_key_expires_after_the_window() {
    let app =
        TestApp::spawn_with(|c| c.http.idempotency_window = std::time::Duration::from_millis(300))
            .await;
    let body = json!({"name": "Twice"});
    let (status, _, _, _) = post_keyed(&app, &app.bearer(), "/rooms", "k", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, replayed, _, _) = post_keyed(&app, &app.bearer(), "/rooms", "k", &body).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, None));
    assert_eq!(
        rooms(&app).await,
        2,
        "past the window the request acts again"
    );
    // Also with another body: the old record is gone.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, _, _, _) = post_keyed(
        &app,
        &app.bearer(),
        "/rooms",
        "k",
        &json!({"name": "Other"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn keys_are_per_account() {
    let app = TestApp::spawn().await;
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let theirs = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let body = json!({"name": "Shared key"});
    let (status, _, _, _) = post_keyed(&app, &app.bearer(), "/rooms", "k", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    let resp = app
        .client
        .post(format!(
            "{}/v1/accounts/{}/rooms",
            app.base, other.account.id
        ))
        .bearer_auth(&theirs)
        .header("Idempotency-Key", "k")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert!(resp.headers().get("idempotent-replayed").is_none());

    // Wrong credentials with the key: refused, and nothing claimed for the account.
    let resp = app
        .client
        .post(app.url("/rooms"))
        .bearer_auth(&theirs)
        .header("Idempotency-Key", "k-stranger")
        .json(&json!({"name": "Not yours"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (status, replayed, _, _) =
        post_keyed(&app, &app.bearer(), "/rooms", "k-stranger", &body).await;
    assert_eq!((status, replayed), (StatusCode::CREATED, None));
}

#[tokio::test]
async fn a_key_on_a_get_is_ignored_and_an_invalid_key_is_400() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/rooms"))
        .bearer_auth(app.bearer())
        .header("Idempotency-Key", "k")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("idempotent-replayed").is_none());

    let long = "k".repeat(256);
    for key in ["", "has space", long.as_str()] {
        let (status, _, text, _) =
            post_keyed(&app, &app.bearer(), "/rooms", key, &json!({"name": "R"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{key:?}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"]["reason"], "invalid_idempotency_key");
        assert!(text.contains("Idempotency-Key"), "{text}");
    }
    assert_eq!(rooms(&app).await, 0);
}
