//! What one room can make the server hold (issue 19): presence is bounded in bytes, a room in
//! participants, every connection's send queue in bytes — the welcome included — and the
//! participants list is paged.

use std::time::Duration;

use collabkit::config::Config;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{TestApp, token, until};
use crate::ws::Ws;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// A metric's value (0 when absent).
fn metric(text: &str, name: &str) -> i64 {
    crate::helpers::metric(text, name).map_or(0, |v| v as i64)
}

/// A room with `n` users.
async fn room_with(app: &TestApp, n: usize) -> (String, Vec<Value>) {
    let room = id(&app.create_room(&format!("r{n}")).await);
    let mut users = vec![];
    for i in 0..n {
        users.push(app.create_user(&room, &format!("u{i:02}")).await);
    }
    (room, users)
}

/// A presence whose compact JSON is exactly `len` bytes.
fn presence_of(len: usize, i: usize) -> Value {
    let head = json!({"i": i, "pad": ""}).to_string().len();
    let v = json!({"i": i, "pad": "x".repeat(len - head)});
    assert_eq!(v.to_string().len(), len);
    v
}

/// Connects `user`, sets `presence`, waits until the room has it, then keeps reading in the
/// background so the connection stays a participant and keeps up.
async fn hold(app: &TestApp, room: &str, user: &Value, presence: Value) {
    let (mut ws, _) = Ws::connect(app, token(user)).await;
    ws.send(json!({"type": "presence", "presence": presence.clone()}))
        .await;
    let user_id = id(user);
    until("the presence is set", || async {
        let (_, list) = app
            .get(&format!("/rooms/{room}/participants?limit=100"))
            .await;
        list["data"]["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["user"]["id"] == user_id.as_str() && p["presence"] == presence)
    })
    .await;
    tokio::spawn(async move { while ws.next(Duration::from_secs(30)).await.is_some() {} });
}

#[tokio::test]
async fn an_oversized_presence_is_refused_and_changes_nothing() {
    let app = TestApp::spawn_with(|c| c.realtime.presence_max_bytes = 256).await;
    let (room, users) = room_with(&app, 2).await;
    let (mut ann, _) = Ws::connect(&app, token(&users[0])).await;
    let (mut bob, _) = Ws::connect(&app, token(&users[1])).await;
    ann.recv_type("participant_joined").await;

    // At the bound: accepted and relayed.
    let fits = presence_of(256, 1);
    ann.send(json!({"type": "presence", "presence": fits.clone()}))
        .await;
    assert_eq!(bob.recv_type("presence").await["presence"], fits);

    // One byte more: an error naming the bound, and nothing else happens.
    ann.send(json!({"type": "presence", "presence": presence_of(257, 2)}))
        .await;
    let e = ann.recv().await;
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["code"], "presence_too_large");
    let message = e["message"].as_str().unwrap();
    assert!(
        message.contains("257")
            && message.contains("256")
            && message.contains("--presence-max-bytes"),
        "{message}"
    );
    ann.send(json!({"type": "ping"})).await;
    assert_eq!(ann.recv().await["type"], "pong", "the socket stays open");
    assert!(
        bob.next(Duration::from_millis(200)).await.is_none(),
        "nothing relayed"
    );
    let (_, list) = app.get(&format!("/rooms/{room}/participants")).await;
    let mine = list["data"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["user"]["id"] == users[0]["id"])
        .unwrap()
        .clone();
    assert_eq!(mine["presence"], fits, "the presence is unchanged");
}

/// How a connection attempt ended: welcomed, refused before the upgrade (status and body), or
/// closed after it (close code).
#[derive(Debug)]
enum Attempt {
    /// Kept open: the connection stays a participant while the test holds it.
    Welcomed {
        _open: Box<Ws>,
    },
    Refused(u16, Value),
    Closed(Option<u16>),
}

async fn attempt(app: &TestApp, token: &str) -> Attempt {
    let url = format!(
        "{}/v1/connect?token={token}",
        app.base.replace("http://", "ws://")
    );
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().clone().unwrap_or_default();
            Attempt::Refused(
                resp.status().as_u16(),
                serde_json::from_slice(&body).unwrap_or(Value::Null),
            )
        }
        Err(e) => panic!("{e:?}"),
        Ok((mut stream, _)) => match stream.next().await {
            Some(Ok(Message::Text(t))) => {
                let first: Value = serde_json::from_str(&t).unwrap();
                assert_eq!(first["type"], "welcome", "{first}");
                Attempt::Welcomed {
                    _open: Box::new(Ws::from_stream(stream)),
                }
            }
            Some(Ok(Message::Close(frame))) => Attempt::Closed(frame.map(|f| f.code.into())),
            other => panic!("{other:?}"),
        },
    }
}

/// The room's participant events (`participant.joined:u00`…), oldest first.
async fn joins_and_leaves(app: &TestApp, room: &str) -> Vec<String> {
    let (_, body) = app.get(&format!("/events?room_id={room}&limit=200")).await;
    body["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"].as_str().unwrap().starts_with("participant."))
        .map(|e| {
            format!(
                "{}:{}",
                e["event"].as_str().unwrap(),
                e["payload"]["user"]["custom_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn a_full_room_refuses_a_join_and_stores_nothing() {
    let tune = |c: &mut Config| {
        c.realtime.room_max_participants = 2;
        c.realtime.leave_grace = Duration::from_millis(100);
    };
    let app = TestApp::spawn_with(tune).await;
    let (room, users) = room_with(&app, 3).await;
    let (_ann, _) = Ws::connect(&app, token(&users[0])).await;
    let (bob, _) = Ws::connect(&app, token(&users[1])).await;

    // A third user is refused before the upgrade, with the bound named.
    match attempt(&app, token(&users[2])).await {
        Attempt::Refused(429, body) => {
            assert_eq!(body["error"]["code"], "RATE_LIMITED", "{body}");
            assert_eq!(body["error"]["module"], "Realtime", "{body}");
            assert_eq!(body["error"]["reason"], "room_full", "{body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains('2') && message.contains("--room-max-participants"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Another tab of a participant adds no participant: it joins.
    let (_ann2, _) = Ws::connect(&app, token(&users[0])).await;
    assert_eq!(
        joins_and_leaves(&app, &room).await,
        ["participant.joined:u00", "participant.joined:u01"],
        "the refused join stored nothing"
    );

    // A place frees up when someone leaves.
    bob.close().await;
    until("bob left", || async {
        joins_and_leaves(&app, &room).await.len() == 3
    })
    .await;
    assert!(matches!(
        attempt(&app, token(&users[2])).await,
        Attempt::Welcomed { .. }
    ));

    // Many at once into an empty room of 2 places: two get in, every other one is refused,
    // before the upgrade or (if the room filled up meanwhile) by a close with 4029.
    let (room, users) = room_with(&app, 8).await;
    let tries = users.iter().map(|u| attempt(&app, token(u)));
    let outcomes = futures_util::future::join_all(tries).await;
    let welcomed = outcomes
        .iter()
        .filter(|o| matches!(o, Attempt::Welcomed { .. }))
        .count();
    assert_eq!(welcomed, 2, "{outcomes:?}");
    for o in &outcomes {
        match o {
            Attempt::Welcomed { .. } => {}
            Attempt::Refused(429, body) => assert_eq!(body["error"]["reason"], "room_full"),
            Attempt::Closed(code) => assert_eq!(*code, Some(4029)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(joins_and_leaves(&app, &room).await.len(), 2);
}

/// A newcomer's welcome lists every participant but carries presences only up to a quarter
/// of its send queue's bound; the others' presences follow as `presence` frames.
#[tokio::test]
async fn a_welcome_lists_everyone_and_their_presences_follow() {
    const QUEUE: usize = 64 * 1024;
    let app = TestApp::spawn_with(|c| {
        c.realtime.send_queue_bytes = QUEUE;
        c.realtime.rate_limit = 10_000;
    })
    .await;
    let (room, users) = room_with(&app, 25).await;
    // 24 × 4 KiB of presence: 96 KiB, more than the whole queue.
    for (i, user) in users[..24].iter().enumerate() {
        hold(&app, &room, user, presence_of(4096, i)).await;
    }
    let url = format!(
        "{}/v1/connect?token={}",
        app.base.replace("http://", "ws://"),
        token(&users[24])
    );
    let (stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut ws = Ws::from_stream(stream);
    let text = ws.recv_text().await;
    let welcome: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(welcome["type"], "welcome");
    let listed = welcome["participants"].as_array().unwrap();
    assert_eq!(listed.len(), 24, "everyone is listed");
    let inline: Vec<i64> = listed
        .iter()
        .filter_map(|p| p["presence"]["i"].as_i64())
        .collect();
    assert!(
        !inline.is_empty() && inline.len() <= 4,
        "at most a quarter of the queue's bound inline: {inline:?}"
    );
    assert!(
        text.len() < QUEUE / 4 + 24 * 1024,
        "the welcome is {} bytes",
        text.len()
    );
    // The other presences follow, each once, as the socket drains.
    let mut known: std::collections::BTreeSet<i64> = inline.into_iter().collect();
    while known.len() < 24 {
        let m = ws.recv_type("presence").await;
        let i = m["presence"]["i"].as_i64().unwrap();
        assert_eq!(m["presence"], presence_of(4096, i as usize));
        assert_eq!(m["userId"], users[i as usize]["id"]);
        assert!(known.insert(i), "presence {i} came twice");
    }
    assert!(
        ws.next(Duration::from_millis(200)).await.is_none(),
        "nothing more"
    );
}

/// Participants hold large presences; connections that never read join and a participant
/// broadcasts: every non-reader is closed once its queue passes its bound (4008), the
/// server's queued bytes never pass the sum of the bounds, and they are freed.
#[tokio::test]
async fn connections_that_never_read_are_closed_at_their_queue_bound() {
    const QUEUE: usize = 64 * 1024;
    let app = TestApp::spawn_with(|c| {
        c.realtime.send_queue_bytes = QUEUE;
        // Only the byte bound counts here.
        c.realtime.send_queue = 100_000;
        c.realtime.rate_limit = 100_000;
        c.realtime.leave_grace = Duration::from_millis(100);
    })
    .await;
    const SILENT: usize = 12;
    let (room, users) = room_with(&app, SILENT + 1).await;
    // Half of them set a 4 KiB presence, then none of them reads again.
    let mut silent = vec![];
    for (i, user) in users[..SILENT].iter().enumerate() {
        let (mut ws, _) = Ws::connect(&app, token(user)).await;
        if i % 2 == 0 {
            ws.send(json!({"type": "presence", "presence": presence_of(4096, i)}))
                .await;
        }
        silent.push(ws);
    }
    let (mut sender, _) = Ws::connect(&app, token(&users[SILENT])).await;
    let blob = "x".repeat(30_000);
    let mut peak = 0;
    let mut sent = 0;
    // 200 frames of 30 KB: 6 MB each. A queue bounded in frames (256) holds all of that.
    while sent < 200 {
        for _ in 0..10 {
            sender
                .send(json!({"type": "broadcast", "data": {"blob": blob}}))
                .await;
            sent += 1;
        }
        let text = app.metrics_text().await;
        let queued = metric(&text, "collabkit_realtime_queued_bytes");
        peak = peak.max(queued);
        assert!(
            queued <= ((SILENT + 1) * QUEUE) as i64,
            "{queued} bytes queued after {sent} frames"
        );
        if metric(&text, "collabkit_realtime_slow_readers_closed_total") == SILENT as i64 {
            break;
        }
    }
    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "collabkit_realtime_slow_readers_closed_total"),
        SILENT as i64,
        "every non-reader is closed after {sent} frames (peak {peak} bytes queued)"
    );
    // They leave, and what they held is freed.
    until("only the sender is left", || async {
        let (_, list) = app.get(&format!("/rooms/{room}/participants")).await;
        list["data"]["participants"].as_array().unwrap().len() == 1
    })
    .await;
    until("the queues are empty", || async {
        metric(&app.metrics_text().await, "collabkit_realtime_queued_bytes") == 0
    })
    .await;
    // A non-reader that reads at last finds what its socket took, then the close code.
    assert_eq!(silent.pop().unwrap().closed().await, Some(4008));
    sender.send(json!({"type": "ping"})).await;
    assert_eq!(sender.recv_type("pong").await["type"], "pong");
}

#[tokio::test]
async fn the_participants_list_is_paged() {
    let app = TestApp::spawn().await;
    let (room, users) = room_with(&app, 5).await;
    let mut held = vec![];
    for user in &users {
        held.push(Ws::connect(&app, token(user)).await.0);
    }
    let mut seen = vec![];
    let mut path = format!("/rooms/{room}/participants?limit=2");
    let mut pages = 0;
    loop {
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{body}");
        let page = body["data"]["participants"].as_array().unwrap();
        assert!(page.len() <= 2);
        seen.extend(
            page.iter()
                .map(|p| p["user"]["id"].as_str().unwrap().to_string()),
        );
        pages += 1;
        match body["data"]["next_cursor"].as_str() {
            Some(c) => path = format!("/rooms/{room}/participants?limit=2&cursor={c}"),
            None => break,
        }
    }
    let mut expected: Vec<String> = users.iter().map(id).collect();
    expected.sort();
    assert_eq!(seen, expected, "everyone once, by user id");
    assert_eq!(pages, 3);
    let (status, _) = app
        .get(&format!("/rooms/{room}/participants?limit=0"))
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .get(&format!("/rooms/{room}/participants?cursor=nope!"))
        .await;
    assert_eq!(status, 400);
}
