//! Realtime sessions (§4) with real WebSocket clients.

use std::time::Duration;

use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, metric, token};
use crate::ws::Ws;

// Long enough that a close-and-reconnect fits in it even on a loaded CI machine.
const GRACE: Duration = Duration::from_millis(500);

async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.realtime.leave_grace = GRACE;
        // The race test opens 40 connections of one user.
        c.realtime.max_per_user = 64;
    })
    .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The room's session and participant events, oldest first, as `name` or `name:userCustomId`.
pub(crate) async fn session_events(app: &TestApp, room_id: &str) -> Vec<String> {
    let (_, body) = app
        .get(&format!("/events?room_id={room_id}&limit=200"))
        .await;
    crate::helpers::session_event_names(&body)
}

/// Polls until the room has `n` session events (panics after 10 s).
async fn wait_events(app: &TestApp, room_id: &str, n: usize) -> Vec<String> {
    eventually(Duration::from_secs(10), "the session events", || async {
        let events = session_events(app, room_id).await;
        if events.len() >= n {
            Ok(events)
        } else {
            Err(format!("only {events:?}, expected {n}"))
        }
    })
    .await
}

struct Setup {
    app: TestApp,
    room: String,
    users: Vec<Value>,
}

async fn setup(users: usize) -> Setup {
    let app = app().await;
    let room = id(&app.create_room("live").await);
    let mut list = vec![];
    for i in 0..users {
        list.push(app.create_user(&room, &format!("u{i}")).await);
    }
    Setup {
        app,
        room,
        users: list,
    }
}

#[tokio::test]
async fn a_bad_token_is_refused_before_the_upgrade() {
    let app = app().await;
    let url = format!(
        "{}/v1/connect?token=utk_wrong",
        app.base.replace("http://", "ws://")
    );
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 401),
        other => panic!("expected an HTTP 401, got {other:?}"),
    }
    let resp = app
        .client
        .get(format!("{}/v1/connect", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_protocol_welcomes_relays_and_answers() {
    let s = setup(2).await;
    let (mut a, welcome) = Ws::connect(&s.app, token(&s.users[0])).await;
    assert_eq!(welcome["room"]["id"], s.room.as_str());
    assert_eq!(welcome["user"]["id"], s.users[0]["id"]);
    assert!(
        welcome["user"].get("token").is_none(),
        "no token over the wire"
    );
    assert_eq!(welcome["participants"], json!([]));
    // The room and the user as the join left them.
    assert_eq!(welcome["user"]["status"], "online");
    assert!(
        welcome["user"]["joined_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(welcome["room"]["active_participants"], 1);
    assert_eq!(welcome["room"]["total_users_created"], 2);
    a.send(json!({"type": "presence", "presence": {"cursor": [1, 2]}}))
        .await;

    let (mut b, welcome) = Ws::connect(&s.app, token(&s.users[1])).await;
    assert_eq!(welcome["room"]["active_participants"], 2);
    let others = welcome["participants"].as_array().unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["user"]["id"], s.users[0]["id"]);
    assert_eq!(others[0]["user"]["status"], "online");
    assert_eq!(others[0]["presence"], json!({"cursor": [1, 2]}));
    let joined = a.recv_type("participant_joined").await;
    assert_eq!(joined["user"]["id"], s.users[1]["id"]);

    b.send(json!({"type": "presence", "presence": {"typing": true}}))
        .await;
    let p = a.recv_type("presence").await;
    assert_eq!(p["userId"], s.users[1]["id"]);
    assert_eq!(p["presence"], json!({"typing": true}));

    a.send(json!({"type": "broadcast", "data": {"emoji": "🎉"}}))
        .await;
    let msg = b.recv_type("broadcast").await;
    assert_eq!(msg["data"], json!({"emoji": "🎉"}));
    assert_eq!(msg["userId"], s.users[0]["id"]);
    assert!(
        a.next(Duration::from_millis(100)).await.is_none(),
        "not echoed to the sender"
    );

    b.send(json!({"type": "ping"})).await;
    assert_eq!(b.recv().await["type"], "pong");

    for bad in [
        "not json",
        r#"{"type":"shout"}"#,
        r#"{"type":"presence","presence":1}"#,
    ] {
        b.send_text(bad.to_string()).await;
        let e = b.recv().await;
        assert_eq!(e["type"], "error", "{e}");
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
    b.send(json!({"type": "ping"})).await;
    assert_eq!(
        b.recv().await["type"],
        "pong",
        "errors do not close the socket"
    );

    let (_, list) = s.app.get(&format!("/rooms/{}/participants", s.room)).await;
    let list = list["data"]["participants"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|p| p["connections"] == 1));

    b.close().await;
    let left = a.recv_type("participant_left").await;
    assert_eq!(left["user"]["id"], s.users[1]["id"]);
}

#[tokio::test]
async fn two_tabs_are_one_participant() {
    let s = setup(1).await;
    let (tab1, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    let (tab2, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    let (_, list) = s.app.get(&format!("/rooms/{}/participants", s.room)).await;
    assert_eq!(list["data"]["participants"][0]["connections"], 2);
    tab1.close().await;
    tokio::time::sleep(GRACE * 2).await;
    assert_eq!(
        session_events(&s.app, &s.room).await,
        ["session.started", "participant.joined:u0"],
        "one tab closing is no leave"
    );
    tab2.close().await;
    let events = wait_events(&s.app, &s.room, 4).await;
    assert_eq!(
        events,
        [
            "session.started",
            "participant.joined:u0",
            "participant.left:u0",
            "session.closed"
        ]
    );
}

#[tokio::test]
async fn several_users_and_the_closed_session_lists_them_all() {
    let s = setup(3).await;
    let (a, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    let (b, _) = Ws::connect(&s.app, token(&s.users[1])).await;
    a.close().await;
    wait_events(&s.app, &s.room, 4).await;
    let (c, _) = Ws::connect(&s.app, token(&s.users[2])).await;
    b.close().await;
    c.close().await;
    let events = wait_events(&s.app, &s.room, 8).await;
    assert_eq!(
        events,
        [
            "session.started",
            "participant.joined:u0",
            "participant.joined:u1",
            "participant.left:u0",
            "participant.joined:u2",
            "participant.left:u1",
            "participant.left:u2",
            "session.closed"
        ]
    );
    let (_, closed) = s
        .app
        .get(&format!("/events?room_id={}&event=session.closed", s.room))
        .await;
    let users: Vec<_> = closed["data"]["events"][0]["payload"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["custom_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        users,
        ["u0", "u1", "u2"],
        "everyone who joined during the session"
    );
}

#[tokio::test]
async fn a_reconnect_within_the_grace_is_seamless_and_after_it_is_not() {
    let s = setup(1).await;
    let (a, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    a.close().await;
    let (a, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    tokio::time::sleep(GRACE * 2).await;
    assert_eq!(
        session_events(&s.app, &s.room).await,
        ["session.started", "participant.joined:u0"]
    );

    a.close().await;
    wait_events(&s.app, &s.room, 4).await;
    let (a, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    a.close().await;
    let events = wait_events(&s.app, &s.room, 8).await;
    assert_eq!(
        events,
        [
            "session.started",
            "participant.joined:u0",
            "participant.left:u0",
            "session.closed",
            "session.started",
            "participant.joined:u0",
            "participant.left:u0",
            "session.closed"
        ]
    );
}

/// A client that closes gets the server's Close frame with its own code (RFC 6455 §5.5.1), not
/// an abnormal closure.
#[tokio::test]
async fn a_client_close_is_answered_with_its_code() {
    let s = setup(1).await;
    for code in [1000, 4321] {
        let (a, _) = Ws::connect(&s.app, token(&s.users[0])).await;
        assert_eq!(a.close_with(code).await, Some(code));
    }
}

#[tokio::test]
async fn deleting_a_connected_user_or_room_ends_participation_first() {
    let s = setup(2).await;
    let (mut a, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    let (mut b, _) = Ws::connect(&s.app, token(&s.users[1])).await;
    let (status, _) = s.app.delete(&format!("/users/{}", id(&s.users[0]))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(a.closed().await, Some(4001));
    assert_eq!(
        b.recv_type("participant_left").await["user"]["id"],
        s.users[0]["id"]
    );

    let (status, _) = s.app.delete(&format!("/rooms/{}", s.room)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(b.closed().await, Some(4001));

    let names: Vec<String> = s
        .app
        .events()
        .await
        .iter()
        .filter(|e| e["room_id"] == s.room.as_str())
        .map(|e| {
            let user = e["payload"]["user"]["custom_id"].as_str().unwrap_or("");
            format!("{}:{user}", e["event"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        names,
        [
            "user.created:u0",
            "user.created:u1",
            "session.started:",
            "participant.joined:u0",
            "participant.joined:u1",
            "participant.left:u0",
            "user.deleted:u0",
            "participant.left:u1",
            "session.closed:",
            "user.deleted:u1"
        ]
    );
    // A deleted user's token no longer connects.
    let url = format!(
        "{}/v1/connect?token={}",
        s.app.base.replace("http://", "ws://"),
        token(&s.users[0])
    );
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

#[tokio::test]
async fn a_slow_reader_is_disconnected_without_stalling_the_room() {
    let app = TestApp::spawn_with(|c| {
        c.realtime.leave_grace = GRACE;
        c.realtime.send_queue = 4;
        c.realtime.rate_limit = 10_000;
    })
    .await;
    let room = id(&app.create_room("r").await);
    let slow_user = app.create_user(&room, "slow").await;
    let fast_user = app.create_user(&room, "fast").await;
    let sender_user = app.create_user(&room, "sender").await;
    let (_slow, _) = Ws::connect(&app, token(&slow_user)).await; // never reads again
    let (mut fast, _) = Ws::connect(&app, token(&fast_user)).await;
    let (mut sender, _) = Ws::connect(&app, token(&sender_user)).await;
    fast.recv_type("participant_joined").await;
    let blob = "x".repeat(60_000);
    let mut slow_left = false;
    for i in 0..400 {
        sender
            .send(json!({"type": "broadcast", "data": {"i": i, "blob": blob}}))
            .await;
        // The healthy reader keeps up and keeps getting everything.
        loop {
            let got = fast.recv().await;
            if got["type"] == "participant_left" {
                assert_eq!(got["user"]["id"], slow_user["id"]);
                slow_left = true;
                continue;
            }
            assert_eq!(got["type"], "broadcast");
            assert_eq!(got["data"]["i"], i);
            break;
        }
    }
    if !slow_left {
        let left = fast.recv_type("participant_left").await;
        assert_eq!(left["user"]["id"], slow_user["id"]);
    }
    let (_, live) = app.get(&format!("/rooms/{room}/participants")).await;
    let ids: Vec<_> = live["data"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user"]["custom_id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !ids.contains(&"slow".to_string()),
        "the slow reader was let go: {ids:?}"
    );
}

#[tokio::test]
async fn random_churn_keeps_the_pairing_invariants() {
    let s = setup(6).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut open: Vec<Vec<Ws>> = (0..6).map(|_| vec![]).collect();
    for _ in 0..60 {
        let u = rng.random_range(0..6);
        if open[u].is_empty() || (open[u].len() < 2 && rng.random_bool(0.5)) {
            let (ws, _) = Ws::connect(&s.app, token(&s.users[u])).await;
            open[u].push(ws);
        } else {
            open[u].pop().unwrap().close().await;
        }
        if rng.random_bool(0.2) {
            tokio::time::sleep(GRACE + Duration::from_millis(50)).await;
        }
    }
    for tabs in open.iter_mut() {
        for ws in tabs.drain(..) {
            ws.close().await;
        }
    }
    // Wait until the last session closed.
    let events = eventually(
        Duration::from_secs(10),
        "the session closed, nobody left",
        || async {
            let events = session_events(&s.app, &s.room).await;
            let (_, live) = s.app.get(&format!("/rooms/{}/participants", s.room)).await;
            if events.last().map(String::as_str) == Some("session.closed")
                && live["data"]["participants"].as_array().unwrap().is_empty()
            {
                Ok(events)
            } else {
                Err(format!("{events:?}, {live}"))
            }
        },
    )
    .await;
    let mut in_session = false;
    let mut present = std::collections::HashSet::new();
    let mut sessions = 0;
    for e in &events {
        match e.split_once(':') {
            None if e == "session.started" => {
                assert!(!in_session, "a second start inside a session: {events:?}");
                in_session = true;
                sessions += 1;
            }
            None => {
                assert!(
                    in_session && present.is_empty(),
                    "closed with participants: {events:?}"
                );
                in_session = false;
            }
            Some(("participant.joined", u)) => {
                assert!(in_session, "{events:?}");
                assert!(present.insert(u.to_string()), "joined twice: {events:?}");
            }
            Some((_, u)) => assert!(present.remove(u), "left without joining: {events:?}"),
        }
    }
    assert!(!in_session && sessions >= 1);
}

#[tokio::test]
async fn shutdown_closes_sockets_and_sessions() {
    let s = setup(1).await;
    let (mut ws, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    let creds = (s.app.account_id.clone(), s.app.api_key.clone());
    let room = s.room.clone();
    let stopping = tokio::spawn(s.app.stop());
    assert_eq!(ws.closed().await, Some(1001), "going away");
    let dir = stopping.await.unwrap();
    let app = TestApp::spawn_in(dir, Some(creds)).await;
    assert_eq!(
        session_events(&app, &room).await,
        [
            "session.started",
            "participant.joined:u0",
            "participant.left:u0",
            "session.closed"
        ]
    );
}

#[tokio::test]
async fn limits_rate_frame_size_and_heartbeat() {
    let app = TestApp::spawn_with(|c| {
        c.realtime.leave_grace = GRACE;
        c.realtime.rate_limit = 5;
        c.realtime.max_frame = 1024;
        c.realtime.heartbeat = Duration::from_millis(100);
    })
    .await;
    let room = id(&app.create_room("r").await);
    let user = app.create_user(&room, "u").await;

    // Rate: a burst of 10 is allowed, the rest of 30 is refused with an error each.
    let (mut ws, _) = Ws::connect(&app, token(&user)).await;
    for _ in 0..30 {
        ws.send(json!({"type": "ping"})).await;
    }
    let (mut pongs, mut limited) = (0, 0);
    while pongs + limited < 30 {
        let m = ws.recv().await;
        match m["type"].as_str().unwrap() {
            "pong" => pongs += 1,
            "error" => {
                assert_eq!(m["code"], "rate_limited");
                limited += 1;
            }
            other => panic!("{other}"),
        }
    }
    // A burst of 10, plus what refills (5/s) while the 30 frames go out.
    assert!(
        (10..=15).contains(&pongs),
        "{pongs} pongs, {limited} refused"
    );

    // Metrics count the open connection.
    let text = app.metrics_text().await;
    assert!(text.contains("collabkit_realtime_connections 1"), "{text}");
    assert!(text.contains("collabkit_realtime_live_rooms 1"));

    // Size: a frame over the limit closes the socket.
    ws.send_text("x".repeat(4096)).await;
    assert_eq!(ws.closed().await, Some(1009));

    // Heartbeat: a client that stays silent (never reads, so never answers pings) is let go.
    let (_silent, _) = Ws::connect(&app, token(&user)).await;
    eventually(
        Duration::from_secs(5),
        "the silent socket let go",
        || async {
            let (_, live) = app.get(&format!("/rooms/{room}/participants")).await;
            if live["data"]["participants"].as_array().unwrap().is_empty() {
                Ok(())
            } else {
                Err(format!("still there: {live}"))
            }
        },
    )
    .await;
}

#[tokio::test]
async fn session_events_reach_webhooks_signed_and_in_order() {
    let app = TestApp::spawn_for_delivery(|c| c.realtime.leave_grace = GRACE).await;
    let rx = crate::receiver::Receiver::start().await;
    let room = id(&app.create_room("r").await);
    let hook = app
        .create_webhook(json!({
            "url": rx.url("/rt"),
            "events": ["session.started", "participant.joined", "participant.left", "session.closed"],
            "room_id": room,
        }))
        .await;
    let user = app.create_user(&room, "u").await;
    let (ws, _) = Ws::connect(&app, token(&user)).await;
    ws.close().await;
    let got = rx.wait_for(4, Duration::from_secs(10)).await;
    let mut got: Vec<_> = got
        .iter()
        .map(|r| {
            standardwebhooks::Webhook::new(hook["secret"].as_str().unwrap())
                .unwrap()
                .verify(&r.body, &r.headers)
                .expect("signed");
            serde_json::from_slice::<collabkit_webhooks::WebhookPayload>(&r.body).unwrap()
        })
        .collect();
    // Deliveries run concurrently; the payloads' ids and timestamps carry the order.
    got.sort_by(|a, b| a.id().cmp(b.id()));
    let names: Vec<_> = got.iter().map(|p| p.event().as_str()).collect();
    assert_eq!(
        names,
        [
            "session.started",
            "participant.joined",
            "participant.left",
            "session.closed"
        ]
    );
    match &got[3] {
        collabkit_webhooks::WebhookPayload::SessionClosed { users, .. } => {
            assert_eq!(users.len(), 1);
            assert_eq!(users[0].id, id(&user));
        }
        other => panic!("{other:?}"),
    }
}

/// Connects fired alongside a deletion: after the 204 the deleted user (or room) is not live —
/// not listed, its sockets closed — and the gauges come back to zero. Many trials, zero ghosts.
#[tokio::test]
async fn a_deleted_user_or_room_never_stays_live() {
    for trial in 0..8 {
        let delete_room = trial % 2 == 1;
        let s = setup(2).await;
        let (_victim, _) = Ws::connect(&s.app, token(&s.users[0])).await;
        let (_observer, _) = Ws::connect(&s.app, token(&s.users[1])).await;
        let url = format!(
            "{}/v1/connect?token={}",
            s.app.base.replace("http://", "ws://"),
            token(&s.users[0])
        );
        let racers: Vec<_> = (0..40)
            .map(|_| tokio::spawn(tokio_tungstenite::connect_async(url.clone())))
            .collect();
        let path = if delete_room {
            format!("/rooms/{}", s.room)
        } else {
            format!("/users/{}", id(&s.users[0]))
        };
        let (status, _) = s.app.delete(&path).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Keep every socket that got through the upgrade open, as a real client would.
        let mut sockets = Vec::new();
        for r in racers {
            if let Ok(Ok((ws, _))) = r.await {
                sockets.push(ws);
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        if delete_room {
            drop(_observer);
        } else {
            let (_, list) = s.app.get(&format!("/rooms/{}/participants", s.room)).await;
            let ids: Vec<&str> = list["data"]["participants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["user"]["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids, [id(&s.users[1])], "trial {trial}: {list}");
            drop(_observer);
        }
        // Every connection of the deleted user or room ends, and the room's worker with them.
        let what = format!(
            "trial {trial} ({}): the gauges back to zero",
            if delete_room { "room" } else { "user" }
        );
        eventually(Duration::from_secs(5), &what, || async {
            let text = s.app.metrics_text().await;
            let zero = |name: &str| metric(&text, name) == Some(0.0);
            if zero("collabkit_realtime_live_rooms") && zero("collabkit_realtime_connections") {
                Ok(())
            } else {
                Err(text
                    .lines()
                    .filter(|l| l.starts_with("collabkit_realtime"))
                    .collect::<Vec<_>>()
                    .join("\n"))
            }
        })
        .await;
        drop(sockets);
    }
}

/// One user (or account) cannot open connections without end: past the cap the upgrade is
/// refused with 429, and a closed connection frees its place.
#[tokio::test]
async fn connections_per_user_and_account_are_capped() {
    let app = TestApp::spawn_with(|c| {
        c.realtime.max_per_user = 2;
        c.realtime.max_per_account = 3;
    })
    .await;
    let room = id(&app.create_room("r").await);
    let ann = app.create_user(&room, "ann").await;
    let bob = app.create_user(&room, "bob").await;
    let refused = |token: &str| {
        let url = format!(
            "{}/v1/connect?token={token}",
            app.base.replace("http://", "ws://")
        );
        async move {
            match tokio_tungstenite::connect_async(url).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
                Ok(_) => 101,
                Err(other) => panic!("{other:?}"),
            }
        }
    };
    let (a1, _) = Ws::connect(&app, token(&ann)).await;
    let (_a2, _) = Ws::connect(&app, token(&ann)).await;
    assert_eq!(refused(token(&ann)).await, 429, "a third tab of ann");
    let (_b1, _) = Ws::connect(&app, token(&bob)).await;
    assert_eq!(
        refused(token(&bob)).await,
        429,
        "the account's fourth connection"
    );
    a1.close().await;
    eventually(
        Duration::from_secs(5),
        "a closed connection frees its place",
        || async {
            let url = format!(
                "{}/v1/connect?token={}",
                app.base.replace("http://", "ws://"),
                token(&bob)
            );
            match tokio_tungstenite::connect_async(url).await {
                Ok(_) => Ok(()),
                Err(refused) => Err(refused.to_string()),
            }
        },
    )
    .await;
}

async fn live_rooms(app: &TestApp) -> Vec<String> {
    let (status, body) = app.get("/rooms?live=true").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect()
}

/// `GET /rooms?live=true` lists the rooms someone is connected to now, and only those.
#[tokio::test]
async fn live_rooms_are_the_rooms_with_a_session_now() {
    let s = setup(1).await;
    let quiet = id(&s.app.create_room("quiet").await);
    assert!(live_rooms(&s.app).await.is_empty());
    let (ws, _) = Ws::connect(&s.app, token(&s.users[0])).await;
    assert_eq!(live_rooms(&s.app).await, std::slice::from_ref(&s.room));
    let (_, all) = s.app.get("/rooms").await;
    assert_eq!(
        all["data"]["rooms"].as_array().unwrap().len(),
        2,
        "{quiet} too"
    );
    ws.close().await;
    wait_events(&s.app, &s.room, 4).await;
    assert!(live_rooms(&s.app).await.is_empty(), "the session closed");
    let (status, _) = s.app.get("/rooms?live=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
