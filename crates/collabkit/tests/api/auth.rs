use base64::Engine;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn missing_credentials_are_401() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/rooms")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
    assert_eq!(body["error"]["reason"], "unauthorized");
    assert_eq!(body["error"]["module"], "Rooms");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization")
    );
}

#[tokio::test]
async fn wrong_key_and_malformed_headers_are_401() {
    let app = TestApp::spawn().await;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let wrong_key = format!("Bearer {}", b64(&format!("{}:ck_wrong", app.account_id)));
    let unknown_account = format!("Bearer {}", b64(&format!("acct_nobody:{}", app.api_key)));
    let no_colon = format!("Bearer {}", b64("justonepart"));
    for header in [
        wrong_key,
        unknown_account,
        no_colon,
        "Bearer !!!".into(),
        "Basic abc".into(),
    ] {
        let resp = app
            .client
            .get(app.url("/rooms"))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
}

#[tokio::test]
async fn another_accounts_path_is_403_and_reveals_nothing() {
    let app = TestApp::spawn().await;
    let room = app.create_room("mine").await;
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();

    // Valid credentials of the other account, on our account's path.
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let resp = app
        .client
        .get(app.url(&format!("/rooms/{}", room["id"].as_str().unwrap())))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // A path naming an account that does not exist is also 403, not 404.
    let resp = app
        .client
        .get(format!("{}/v1/accounts/acct_ghost/rooms", app.base))
        .bearer_auth(app.bearer())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Through its own path, the other account cannot see our room.
    let resp = app
        .client
        .get(format!(
            "{}/v1/accounts/{}/rooms/{}",
            app.base,
            other.account.id,
            room["id"].as_str().unwrap()
        ))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
