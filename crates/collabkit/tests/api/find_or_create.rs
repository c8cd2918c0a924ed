//! A third-party app backend written from the CollabKit documentation, against the real
//! binary: find-or-create its room (`GET /rooms/custom/{customId}` → 404 `NOT_FOUND` →
//! `POST /rooms`) and its user (`GET /users/custom/{customId}?roomId=` → 404 → `POST /users`),
//! reading `data.room` and `data.user.token`, then handing the token to the realtime client.
//! Every answer is parsed with the crate's `ServerResponse` (unknown fields refused).

use collabkit_webhooks::{Empty, ErrorCode, ServerResponse};
use serde_json::{Value, json};

use crate::helpers::{Backend, Server, backend, start_binary};

/// `collabkit serve` on a fresh database of the tests' backend, and the first account it printed.
async fn start(dir: &tempfile::TempDir) -> (Server, String, String) {
    let (database, extra) = match backend() {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", dir.path().join("app.db").display());
            (url, Vec::new())
        }
        Backend::Postgres => {
            let url = crate::helpers::postgres_database(dir).await;
            (
                url,
                vec![
                    "--secret-key".to_owned(),
                    crate::helpers::secret_key_for(dir),
                ],
            )
        }
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut server = start_binary(&database, dir.path().join("server.log"), &extra).await;
    let (id, key) = server
        .first_account
        .take()
        .expect("the first start prints the account id and key");
    (server, id, key)
}

/// The app backend's HTTP client: Bearer base64(accountId:apiKey), as the docs say.
struct Backend3p {
    http: reqwest::Client,
    api: String,
    bearer: String,
}

/// A success or a failure, each parsed as the documented envelope.
enum Answer {
    Ok(u16, ServerResponse<Value>),
    Failed(u16, ServerResponse<Empty>),
}

impl Backend3p {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.api))
            .header("authorization", format!("Bearer {}", self.bearer));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        if (200..300).contains(&status) {
            let parsed: ServerResponse<Value> = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: not the envelope ({e}): {text}"));
            assert!(parsed.success && parsed.error.is_none(), "{text}");
            Answer::Ok(status, parsed)
        } else {
            let parsed: ServerResponse<Empty> = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: not the error envelope ({e}): {text}"));
            assert!(!parsed.success, "{text}");
            Answer::Failed(status, parsed)
        }
    }

    /// The room with this custom id, created when there is none. Returns it and whether it
    /// was created.
    async fn find_or_create_room(&self, custom_id: &str, name: &str) -> (Value, bool) {
        match self
            .call(
                reqwest::Method::GET,
                &format!("/rooms/custom/{custom_id}"),
                None,
            )
            .await
        {
            Answer::Ok(200, found) => (found.data["room"].clone(), false),
            Answer::Failed(404, failed) => {
                let error = failed.error.unwrap();
                assert_eq!(error.code, ErrorCode::NotFound);
                assert_eq!(error.module, "Rooms");
                match self
                    .call(
                        reqwest::Method::POST,
                        "/rooms",
                        Some(json!({"name": name, "customId": custom_id})),
                    )
                    .await
                {
                    Answer::Ok(201, created) => {
                        assert_eq!(created.description, "Room created");
                        (created.data["room"].clone(), true)
                    }
                    _ => panic!("creating the room failed"),
                }
            }
            _ => panic!("looking the room up failed"),
        }
    }

    /// The user with this custom id in the room, created when there is none; returns their
    /// token and whether they were created.
    async fn find_or_create_user(
        &self,
        room_id: &str,
        custom_id: &str,
        name: &str,
    ) -> (String, bool) {
        match self
            .call(
                reqwest::Method::GET,
                &format!("/users/custom/{custom_id}?roomId={room_id}"),
                None,
            )
            .await
        {
            Answer::Ok(200, found) => {
                assert!(found.data["sessions"].is_array(), "{:?}", found.data);
                (
                    found.data["user"]["token"].as_str().unwrap().to_owned(),
                    false,
                )
            }
            Answer::Failed(404, failed) => {
                let error = failed.error.unwrap();
                assert_eq!(error.code, ErrorCode::NotFound);
                assert_eq!(error.module, "Users");
                match self
                    .call(
                        reqwest::Method::POST,
                        "/users",
                        Some(
                            json!({"name": name, "roomId": room_id, "customId": custom_id,
                                    "profilePicture": "https://example.com/ann.png"}),
                        ),
                    )
                    .await
                {
                    Answer::Ok(201, created) => {
                        assert_eq!(created.description, "User created");
                        let user = &created.data["user"];
                        assert_eq!(user["status"], "offline");
                        assert_eq!(user["profile_picture"], "https://example.com/ann.png");
                        assert_eq!(created.data["token"], user["token"]);
                        (user["token"].as_str().unwrap().to_owned(), true)
                    }
                    _ => panic!("creating the user failed"),
                }
            }
            _ => panic!("looking the user up failed"),
        }
    }
}

#[tokio::test]
async fn an_app_backend_finds_or_creates_its_room_and_user_against_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let (server, account_id, api_key) = start(&dir).await;
    let base = server.base.clone();
    use base64::Engine;
    let app = Backend3p {
        http: crate::helpers::client(),
        api: format!("{base}/v1/accounts/{account_id}"),
        bearer: base64::engine::general_purpose::STANDARD.encode(format!("{account_id}:{api_key}")),
    };

    let (room, created) = app
        .find_or_create_room("whiteboard-7", "whiteboard/room-one")
        .await;
    assert!(created, "the first visit creates the room");
    let room_id = room["id"].as_str().unwrap().to_owned();
    assert_eq!(room["custom_id"], "whiteboard-7");
    let (token, created) = app.find_or_create_user(&room_id, "ann", "Ann").await;
    assert!(created, "the first visit creates the user");

    // The next visit finds both: nothing is created twice.
    let (again, created) = app
        .find_or_create_room("whiteboard-7", "whiteboard/room-one")
        .await;
    assert!(!created, "the room is found by its custom id");
    assert_eq!(again["id"], room_id.as_str());
    let (same_token, created) = app.find_or_create_user(&room_id, "ann", "Ann").await;
    assert!(!created, "the user is found by custom id in the room");
    assert_eq!(same_token, token);
    let Answer::Ok(_, detail) = app
        .call(reqwest::Method::GET, "/rooms/custom/whiteboard-7", None)
        .await
    else {
        panic!("the room is there");
    };
    assert_eq!(detail.data["usersTotal"], 1);
    assert_eq!(detail.data["room"]["total_users_created"], 1);
    let Answer::Ok(_, rooms) = app.call(reqwest::Method::GET, "/rooms", None).await else {
        panic!("rooms list");
    };
    assert_eq!(rooms.data["total"], 1);

    // The token is what the realtime client connects with.
    let url = format!(
        "{}/v1/connect?token={token}",
        base.replace("http://", "ws://")
    );
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the token connects");
    let mut ws = crate::ws::Ws::from_stream(ws);
    let welcome: Value = serde_json::from_str(&ws.recv_text().await).unwrap();
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["room"]["id"], room_id.as_str());
    assert_eq!(welcome["user"]["custom_id"], "ann");
    drop(ws);
    drop(server);
}
