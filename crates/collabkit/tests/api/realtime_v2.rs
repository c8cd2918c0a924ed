//! The realtime protocol, version 2 (docs/realtime-protocol.md), with real WebSocket clients:
//! the token in the first frame, a join step, requests, follows, targeted broadcasts, user
//! lifecycle frames and the resume.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, id, token};
use crate::realtime::session_events;
use crate::ws::Ws;

// Long enough that a close-and-reconnect fits in it even on a loaded CI machine.
const GRACE: Duration = Duration::from_millis(800);
// How long a test waits to be sure a frame did not come.
const QUIET: Duration = Duration::from_millis(300);

async fn app() -> TestApp {
    TestApp::spawn_with(|c| c.realtime.leave_grace = GRACE).await
}

/// Asserts that nothing but pongs comes on `ws` for a while.
async fn quiet(ws: &mut Ws) {
    if let Some(frame) = ws.next(QUIET).await {
        panic!("expected nothing, got {frame}");
    }
}

#[tokio::test]
async fn the_token_goes_in_the_first_frame_and_bad_ones_are_refused_with_4401() {
    let app = app().await;
    let room = app.create_room("r").await;
    let ada = app.create_user(id(&room), "ada").await;

    // The user's token is a JWT now; it authenticates without joining.
    assert_eq!(token(&ada).split('.').count(), 3, "{ada}");
    let (_, hello) = Ws::authenticated(&app.base, token(&ada)).await;
    assert_eq!(hello["protocol"], 2);
    assert_eq!(hello["user"]["id"], ada["id"]);
    assert_eq!(hello["user"]["following"], json!([]));
    assert!(hello["user"]["color"].as_str().unwrap().starts_with('#'));
    assert_eq!(hello["room"]["id"], room["id"]);

    for bad in ["nope", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "utk_unknown"] {
        let mut ws = Ws::open_v2(&app.base).await;
        ws.send(json!({"type": "auth", "token": bad})).await;
        let refused = ws.recv().await;
        assert_eq!(refused["type"], "auth_failed", "{bad}: {refused}");
        assert_eq!(refused["code"], "invalid_token", "{bad}: {refused}");
        assert_eq!(ws.closed().await, Some(4401));
    }

    // Anything else first is refused the same way.
    let mut ws = Ws::open_v2(&app.base).await;
    ws.send(json!({"type": "join", "id": 1})).await;
    assert_eq!(ws.recv().await["code"], "invalid_token");
    assert_eq!(ws.closed().await, Some(4401));

    // The token never goes in a version 2 URL; unknown versions are named.
    let ws_url = app.base.replace("http://", "ws://");
    for (query, code) in [
        (format!("v=2&token={}", token(&ada)), "token_in_url"),
        ("v=9".to_string(), "unsupported_version"),
    ] {
        let err = tokio_tungstenite::connect_async(format!("{ws_url}/v1/connect?{query}"))
            .await
            .expect_err("refused before the upgrade");
        match err {
            tokio_tungstenite::tungstenite::Error::Http(resp) => {
                assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
                let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
                assert_eq!(body["error"]["reason"], code, "{body}");
            }
            other => panic!("expected a 400, got {other}"),
        }
    }

    // A deleted user's token is refused, and its open connections are closed.
    let (mut open, _) = Ws::joined(&app.base, token(&ada)).await;
    let (status, _) = app.delete(&format!("/users/{}", id(&ada))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(open.closed().await, Some(4001));
    let mut ws = Ws::open_v2(&app.base).await;
    ws.send(json!({"type": "auth", "token": token(&ada)})).await;
    assert_eq!(ws.recv().await["code"], "user_not_found");
    assert_eq!(ws.closed().await, Some(4401));
}

#[tokio::test]
async fn an_expired_token_is_refused_as_expired_and_old_utk_tokens_still_work() {
    let app = TestApp::spawn_with(|c| c.user_tokens.ttl = Duration::from_secs(1)).await;
    let room = app.create_room("r").await;
    let ada = app.create_user(id(&room), "ada").await;
    let refused = eventually(Duration::from_secs(10), "the token to expire", || async {
        let mut ws = Ws::open_v2(&app.base).await;
        ws.send(json!({"type": "auth", "token": token(&ada)})).await;
        let answer = ws.recv().await;
        if answer["type"] == "auth_failed" {
            Ok(answer)
        } else {
            Err(format!("still accepted: {answer}"))
        }
    })
    .await;
    assert_eq!(refused["code"], "token_expired", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("expired"));
    // Reading the user again gives a fresh token.
    let (_, read) = app.get(&format!("/users/{}", id(&ada))).await;
    Ws::authenticated(&app.base, token(&read["data"]["user"])).await;
}

#[tokio::test]
async fn an_authenticated_connection_is_not_a_participant_until_it_joins() {
    let app = app().await;
    let room = app.create_room("r").await;
    let ada = app.create_user(id(&room), "ada").await;
    let bob = app.create_user(id(&room), "bob").await;

    let (mut a, welcome) = Ws::joined(&app.base, token(&ada)).await;
    assert_eq!(welcome["id"], 1);
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["participants"], json!([]));
    assert_eq!(welcome["color"], json!(color_of(&app, &ada).await));

    let (mut b, _) = Ws::authenticated(&app.base, token(&bob)).await;
    quiet(&mut a).await;
    assert_eq!(
        session_events(&app, id(&room)).await,
        ["session.started", "participant.joined:ada"]
    );

    b.send(json!({"type": "join", "id": 5})).await;
    let welcome = b.recv().await;
    assert_eq!(
        (welcome["type"].clone(), welcome["id"].clone()),
        (json!("welcome"), json!(5))
    );
    assert_eq!(welcome["participants"][0]["user"]["id"], ada["id"]);
    assert!(welcome["participants"][0]["color"].is_string());
    let joined = a.recv().await;
    assert_eq!(joined["type"], "participant_joined");
    assert_eq!(joined["user"]["id"], bob["id"]);
    assert_eq!(joined["color"], json!(color_of(&app, &bob).await));

    // Presence carries the sender's colour; null clears it.
    b.send(json!({"type": "presence", "presence": {"x": 1}}))
        .await;
    let p = a.recv().await;
    assert_eq!(
        (p["presence"].clone(), p["color"].clone()),
        (json!({"x": 1}), joined["color"].clone())
    );
    b.send(json!({"type": "presence", "presence": null})).await;
    assert_eq!(a.recv().await["presence"], Value::Null);

    // `leave` leaves at once, without the grace, and the server closes the socket.
    b.send(json!({"type": "leave"})).await;
    assert_eq!(b.closed().await, Some(1000));
    let left = a.recv_type("participant_left").await;
    assert_eq!(left["user"]["id"], bob["id"]);
    // As the webhook has it: offline, and when.
    assert_eq!(left["user"]["status"], "offline", "{left}");
    assert!(left["user"]["left_at"].is_string(), "{left}");
    let events = session_events(&app, id(&room)).await;
    assert_eq!(events.last().unwrap(), "participant.left:bob", "{events:?}");
}

/// The colour the server shows for `user` in `users.get`.
async fn color_of(app: &TestApp, user: &Value) -> String {
    let (mut ws, _) = Ws::authenticated(&app.base, token(user)).await;
    ws.send(json!({"type": "request", "id": 1, "method": "users.get", "params": {}}))
        .await;
    let answer = ws.recv().await;
    answer["data"]["user"]["color"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn requests_read_the_room_and_its_users_within_the_token_s_account() {
    let app = app().await;
    let room = app.create_room("r").await;
    let other_room = app.create_room("other").await;
    let ada = app.create_user(id(&room), "ada").await;
    let bob = app.create_user(id(&room), "bob").await;
    let stranger = app.create_user(id(&other_room), "stranger").await;
    let (mut a, _) = Ws::authenticated(&app.base, token(&ada)).await;

    let mut ask = async |id: u64, method: &str, params: Value| {
        a.send(json!({"type": "request", "id": id, "method": method, "params": params}))
            .await;
        let answer = a.recv().await;
        assert_eq!(
            (answer["type"].clone(), answer["id"].clone()),
            (json!("response"), json!(id)),
            "{answer}"
        );
        answer
    };
    let got = ask(1, "room.get", json!({})).await;
    assert_eq!(got["data"]["room"]["id"], room["id"]);
    let users: Vec<&Value> = got["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["id"])
        .collect();
    assert_eq!(users, [&ada["id"], &bob["id"]]);
    let got = ask(2, "room.get", json!({"roomId": id(&other_room)})).await;
    assert_eq!(got["data"]["users"][0]["id"], stranger["id"]);

    let got = ask(3, "users.get", json!({"userId": id(&bob)})).await;
    assert_eq!(got["data"]["user"]["name"], bob["name"]);
    assert_eq!(got["data"]["user"]["followers"], json!([]));
    let got = ask(4, "users.get", json!({"userId": id(&stranger)})).await;
    assert_eq!(got["error"]["code"], "not_found", "{got}");
    let got = ask(5, "users.getAll", json!({})).await;
    assert_eq!(got["data"]["users"].as_array().unwrap().len(), 2);
    let got = ask(6, "rooms.delete", json!({})).await;
    assert_eq!(got["error"]["code"], "invalid_request", "{got}");

    // Another account's room is not found.
    let theirs = collabkit::accounts::create(app.store.as_ref(), "theirs")
        .await
        .unwrap();
    let room_of_theirs = app
        .send(
            app.client
                .post(format!(
                    "{}/v1/accounts/{}/rooms",
                    app.base, theirs.account.id
                ))
                .bearer_auth(collabkit::accounts::bearer_token(
                    &theirs.account.id,
                    &theirs.api_key,
                ))
                .json(&json!({"name": "theirs"})),
        )
        .await
        .1;
    let theirs_id = room_of_theirs["data"]["room"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("their room: {room_of_theirs}"));
    let got = ask(7, "room.get", json!({ "roomId": theirs_id })).await;
    assert_eq!(got["error"]["code"], "not_found", "{got}");
}

#[tokio::test]
async fn a_targeted_broadcast_reaches_only_its_targets_and_names_its_event() {
    let app = app().await;
    let room = app.create_room("r").await;
    let ada = app.create_user(id(&room), "ada").await;
    let bob = app.create_user(id(&room), "bob").await;
    let cy = app.create_user(id(&room), "cy").await;
    let (mut a, _) = Ws::joined(&app.base, token(&ada)).await;
    let (mut b, _) = Ws::joined(&app.base, token(&bob)).await;
    let (mut c, _) = Ws::joined(&app.base, token(&cy)).await;
    a.recv_type("participant_joined").await;
    a.recv_type("participant_joined").await;
    b.recv_type("participant_joined").await;

    a.send(json!({"type": "broadcast", "event": "ping", "data": {"n": 1}, "userIds": [id(&bob)]}))
        .await;
    let got = b.recv().await;
    assert_eq!(
        got,
        json!({"type": "broadcast", "userId": ada["id"], "event": "ping", "data": {"n": 1}})
    );
    quiet(&mut c).await;
    quiet(&mut a).await;

    a.send(json!({"type": "broadcast", "event": "emoji", "data": "🎉"}))
        .await;
    assert_eq!(b.recv().await["event"], "emoji");
    assert_eq!(c.recv().await["event"], "emoji");

    a.send(json!({"type": "broadcast", "event": "", "data": 1}))
        .await;
    assert_eq!(a.recv().await["code"], "invalid_message");
}

#[tokio::test]
async fn follows_are_kept_per_room_and_seen_by_everyone() {
    let app = app().await;
    let room = app.create_room("r").await;
    let ada = app.create_user(id(&room), "ada").await;
    let bob = app.create_user(id(&room), "bob").await;
    let (mut a, _) = Ws::joined(&app.base, token(&ada)).await;
    let (mut b, _) = Ws::joined(&app.base, token(&bob)).await;
    a.recv_type("participant_joined").await;

    a.send(json!({"type": "follow", "userId": id(&bob)})).await;
    let told =
        json!({"type": "follow", "followerId": ada["id"], "userId": bob["id"], "following": true});
    assert_eq!(a.recv().await, told);
    assert_eq!(b.recv().await, told);
    // Following again changes nothing: only the sender hears it again.
    a.send(json!({"type": "follow", "userId": id(&bob)})).await;
    assert_eq!(a.recv().await, told);
    quiet(&mut b).await;

    a.send(json!({"type": "follow", "userId": id(&ada)})).await;
    assert_eq!(a.recv().await["code"], "invalid_follow");
    a.send(json!({"type": "follow", "userId": "usr_nobody"}))
        .await;
    assert_eq!(a.recv().await["code"], "not_found");

    // A later connection sees the follow in its welcome and in the users it reads.
    let cy = app.create_user(id(&room), "cy").await;
    let (mut c, welcome) = Ws::joined(&app.base, token(&cy)).await;
    assert_eq!(
        welcome["follows"],
        json!([{"followerId": ada["id"], "userId": bob["id"]}])
    );
    c.send(
        json!({"type": "request", "id": 1, "method": "users.get", "params": {"userId": id(&bob)}}),
    )
    .await;
    assert_eq!(
        c.recv().await["data"]["user"]["followers"],
        json!([ada["id"]])
    );

    a.send(json!({"type": "unfollow", "userId": id(&bob)}))
        .await;
    let told =
        json!({"type": "follow", "followerId": ada["id"], "userId": bob["id"], "following": false});
    assert_eq!(c.recv_type("follow").await, told);
    assert_eq!(b.recv_type("follow").await, told);
}

#[tokio::test]
async fn rest_changes_to_the_room_s_users_reach_joined_version_2_connections_only() {
    let app = app().await;
    let room = app.create_room("r").await;
    let elsewhere = app.create_room("elsewhere").await;
    let ada = app.create_user(id(&room), "ada").await;
    let old = app.create_user(id(&room), "old").await;
    let (mut v1, _) = Ws::connect(&app, token(&old)).await;
    let (mut a, _) = Ws::joined(&app.base, token(&ada)).await;
    v1.recv_type("participant_joined").await;

    let bob = app.create_user(id(&room), "bob").await;
    let created = a.recv().await;
    assert_eq!(created["type"], "user_created");
    assert_eq!(created["user"]["id"], bob["id"]);
    assert!(
        created["user"].get("token").is_none(),
        "no token in frames: {created}"
    );

    let (status, _) = app
        .patch(&format!("/users/{}", id(&bob)), json!({"name": "Bob B."}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let updated = a.recv().await;
    assert_eq!(
        (updated["type"].clone(), updated["user"]["name"].clone()),
        (json!("user_updated"), json!("Bob B."))
    );

    let (status, _) = app.delete(&format!("/users/{}", id(&bob))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deleted = a.recv().await;
    assert_eq!(
        (deleted["type"].clone(), deleted["user"]["id"].clone()),
        (json!("user_deleted"), bob["id"].clone())
    );

    // Another room's users are not this room's news, and version 1 never hears of any.
    app.create_user(id(&elsewhere), "far").await;
    quiet(&mut a).await;
    quiet(&mut v1).await;
}

#[tokio::test]
async fn a_reconnect_within_the_grace_resumes_without_participant_events() {
    let app = app().await;
    let room = app.create_room("r").await;
    let ada = app.create_user(id(&room), "ada").await;
    let bob = app.create_user(id(&room), "bob").await;
    let (mut a, _) = Ws::joined(&app.base, token(&ada)).await;
    let (b, _) = Ws::joined(&app.base, token(&bob)).await;
    a.recv_type("participant_joined").await;
    let mut b = b;
    b.send(json!({"type": "presence", "presence": {"x": 7}}))
        .await;
    a.recv_type("presence").await;

    // Bob's socket drops (no leave) and comes back within the grace.
    drop(b);
    let (mut b, welcome) = Ws::joined(&app.base, token(&bob)).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    assert_eq!(welcome["participants"][0]["user"]["id"], ada["id"]);
    // Ada saw neither a leave nor a join; nor did the webhooks.
    // Past the grace, when the old link would have left.
    if let Some(frame) = a.next(GRACE + QUIET).await {
        panic!("expected nothing, got {frame}");
    }
    assert_eq!(
        session_events(&app, id(&room)).await,
        [
            "session.started",
            "participant.joined:ada",
            "participant.joined:bob"
        ]
    );

    // The resumed connection is live: its presence reaches Ada.
    b.send(json!({"type": "presence", "presence": {"x": 8}}))
        .await;
    assert_eq!(a.recv().await["presence"], json!({"x": 8}));
}
