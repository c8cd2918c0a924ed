//! Several nodes on one database (PostgreSQL): each test starts two servers in this process on
//! the same database. Skipped on SQLite, where one server holds the file. And `collabkit nodes`,
//! on both backends.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, eventually, ok_if, on_sqlite};
use crate::receiver::Receiver;
use crate::ws::Ws;

async fn two_nodes() -> Option<(TestApp, TestApp)> {
    if on_sqlite() {
        return None;
    }
    let tune = |c: &mut collabkit::config::Config| {
        c.delivery.allow_private_destinations = true;
        c.delivery.retry_schedule = "100ms,100ms".parse().unwrap();
        c.realtime.leave_grace = Duration::ZERO;
        c.node.heartbeat = Duration::from_millis(100);
        c.node.timeout = Duration::from_secs(2);
        c.delivery.per_webhook_concurrency = 4;
        c.delivery.timeout = Duration::from_secs(5);
    };
    let a = TestApp::spawn_with(tune).await;
    let creds = Some((a.account_id.clone(), a.api_key.clone()));
    let b = TestApp::spawn_in_with(a.dir.clone(), creds, tune).await;
    Some((a, b))
}

/// The names of the account's stored events but the users' own, oldest first.
async fn session_names(app: &TestApp) -> Vec<String> {
    app.events()
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .filter(|e| !e.starts_with("user."))
        .collect()
}

/// Events stored through either node are each delivered exactly once: the inline hand-off and
/// the shared queue never give one delivery to both nodes.
#[tokio::test]
async fn events_stored_on_two_nodes_are_each_delivered_once() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let rx = Receiver::start().await;
    a.create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = a.create_room("shared").await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let n = 60;
    let mut tasks = Vec::new();
    for i in 0..n {
        let (node, room_id) = (if i % 2 == 0 { &a } else { &b }, room_id.clone());
        let (base, account, bearer) = (node.base.clone(), node.account_id.clone(), node.bearer());
        tasks.push(tokio::spawn(async move {
            let status = crate::helpers::client()
                .post(format!("{base}/v1/accounts/{account}/users"))
                .bearer_auth(bearer)
                .json(&json!({"name": "U", "roomId": room_id, "customId": format!("u{i}")}))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 201);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let got = rx.wait_for(n, Duration::from_secs(20)).await;
    // Nothing more arrives: no second attempt of anything.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = if rx.received().len() > got.len() {
        rx.received()
    } else {
        got
    };
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *per_event
            .entry(r.header("webhook-id").to_owned())
            .or_default() += 1;
    }
    assert_eq!(per_event.len(), n, "every event delivered");
    assert!(
        per_event.values().all(|c| *c == 1),
        "an event was delivered twice: {per_event:?}"
    );
}

/// Users of one room connected to different nodes are in one session: one `session.started`,
/// one `session.closed`, each join paired with a leave.
#[tokio::test]
async fn users_on_two_nodes_share_one_session() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let room = a.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let u1 = a.create_user(room_id, "u1").await;
    let u2 = a.create_user(room_id, "u2").await;
    let (ws1, _) = Ws::connect(&a, u1["token"].as_str().unwrap()).await;
    let (ws2, _) = Ws::connect(&b, u2["token"].as_str().unwrap()).await;
    ws1.close().await;
    ws2.close().await;
    let names = eventually(Duration::from_secs(10), "the session closed", || async {
        ok_if(session_names(&a).await, |names| {
            names.iter().any(|n| n == "session.closed")
        })
    })
    .await;
    let count = |name: &str| names.iter().filter(|n| *n == name).count();
    assert_eq!(count("session.started"), 1, "{names:?}");
    assert_eq!(count("participant.joined"), 2, "{names:?}");
    assert_eq!(count("participant.left"), 2, "{names:?}");
    assert_eq!(count("session.closed"), 1, "{names:?}");
    assert_eq!(names.first().map(String::as_str), Some("session.started"));
    assert_eq!(names.last().map(String::as_str), Some("session.closed"));
}

/// Two tabs of one user on two nodes are one participant: closing one stores nothing, closing
/// the last one stores the leave.
#[tokio::test]
async fn two_tabs_on_two_nodes_are_one_participant() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let room = a.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let ann = a.create_user(room_id, "ann").await;
    let token = ann["token"].as_str().unwrap();
    let (tab_a, _) = Ws::connect(&a, token).await;
    let (tab_b, _) = Ws::connect(&b, token).await;
    tab_a.close().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        session_names(&a).await,
        ["session.started", "participant.joined"],
        "still connected through node B"
    );
    tab_b.close().await;
    let names = eventually(Duration::from_secs(10), "the leave stored", || async {
        ok_if(session_names(&a).await, |names| names.len() == 4)
    })
    .await;
    assert_eq!(
        names,
        [
            "session.started",
            "participant.joined",
            "participant.left",
            "session.closed"
        ]
    );
}

/// A room's realtime traffic crosses nodes: the welcome lists participants connected to the
/// other node, joins, presence and broadcasts (one larger than PostgreSQL's NOTIFY limit) reach
/// them, and leaves too.
#[tokio::test]
async fn presence_broadcasts_and_the_welcome_cross_nodes() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let room = a.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let ann = a.create_user(room_id, "ann").await;
    let bob = a.create_user(room_id, "bob").await;
    let (mut on_a, _) = Ws::connect(&a, ann["token"].as_str().unwrap()).await;
    on_a.send(json!({"type": "presence", "presence": {"cursor": [1, 2]}}))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (mut on_b, welcome) = Ws::connect(&b, bob["token"].as_str().unwrap()).await;
    let others = welcome["participants"].as_array().unwrap();
    assert_eq!(others.len(), 1, "{welcome}");
    assert_eq!(others[0]["user"]["id"], ann["id"]);
    let joined = on_a.recv_type("participant_joined").await;
    assert_eq!(joined["user"]["id"], bob["id"]);

    on_b.send(json!({"type": "presence", "presence": {"typing": true}}))
        .await;
    let p = on_a.recv_type("presence").await;
    assert_eq!(p["userId"], bob["id"]);
    assert_eq!(p["presence"], json!({"typing": true}));

    let large = "x".repeat(30_000);
    on_a.send(json!({"type": "broadcast", "data": {"blob": large}}))
        .await;
    let got = on_b.recv_type("broadcast").await;
    assert_eq!(got["userId"], ann["id"]);
    assert_eq!(got["data"]["blob"].as_str().unwrap().len(), 30_000);
    on_b.send(json!({"type": "broadcast", "data": {"emoji": "🎉"}}))
        .await;
    assert_eq!(on_a.recv_type("broadcast").await["data"]["emoji"], "🎉");

    on_b.close().await;
    let left = on_a.recv_type("participant_left").await;
    assert_eq!(left["user"]["id"], bob["id"]);
}

/// Deleting a user through one node closes their connections on the other node, and the
/// participants on the first node see them leave.
#[tokio::test]
async fn deleting_a_user_on_one_node_closes_their_connections_on_the_other() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    let room = a.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let ann = a.create_user(room_id, "ann").await;
    let bob = a.create_user(room_id, "bob").await;
    let (mut ann_on_b, _) = Ws::connect(&b, ann["token"].as_str().unwrap()).await;
    let (mut bob_on_a, _) = Ws::connect(&a, bob["token"].as_str().unwrap()).await;
    let (status, _) = a
        .delete(&format!("/users/{}", ann["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, 204);
    let left = bob_on_a.recv_type("participant_left").await;
    assert_eq!(left["user"]["id"], ann["id"]);
    assert_eq!(ann_on_b.closed().await, Some(4001), "closed as removed");
}

/// A registration's concurrency limit holds across nodes: each node takes its part of it.
#[tokio::test]
async fn the_per_registration_limit_holds_across_nodes() {
    let Some((a, b)) = two_nodes().await else {
        return;
    };
    // Both nodes have seen each other's heartbeat.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let rx = Receiver::start_with(vec![crate::receiver::Reply::Hang]).await;
    a.create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = a.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    for i in 0..20 {
        let node = if i % 2 == 0 { &a } else { &b };
        node.create_user(room_id, &format!("u{i}")).await;
    }
    // Every attempt hangs: what arrived is what is in flight at once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let in_flight = rx.received().len();
    assert!(
        (2..=4).contains(&in_flight),
        "{in_flight} attempts in flight at once, limit 4"
    );
}

/// `collabkit nodes` against the database of a server in `dir`: its JSON lines, and what it
/// wrote on stderr.
async fn nodes_command(dir: &tempfile::TempDir) -> (Vec<serde_json::Value>, String) {
    let database = match crate::helpers::backend() {
        crate::helpers::Backend::Sqlite => {
            format!("sqlite://{}", TestApp::db_path(dir).display())
        }
        crate::helpers::Backend::Postgres => crate::helpers::postgres_database(dir).await,
    };
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_collabkit"))
        .args(["nodes", "--database", &database])
        .env_remove("COLLABKIT_LOG")
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, String::from_utf8(out.stderr).unwrap())
}

/// `collabkit nodes` prints its JSON lines and nothing else: no PostgreSQL NOTICE from the
/// idempotent DDL its start runs (`CREATE TABLE IF NOT EXISTS …`); and a node that stopped
/// cleanly is not listed at all, instead of `live: true` until its timeout.
#[tokio::test]
async fn nodes_lists_the_running_node_and_forgets_one_that_stopped() {
    let app = TestApp::spawn_with(|c| c.node.timeout = Duration::from_secs(600)).await;
    let (running, stderr) = nodes_command(&app.dir).await;
    assert_eq!(running.len(), 1, "{running:?}");
    assert_eq!(running[0]["live"], true, "{running:?}");
    assert!(
        !stderr.contains("NOTICE"),
        "nodes printed a notice of the database:\n{stderr}"
    );
    let dir = app.stop().await;
    let (after, stderr) = nodes_command(&dir).await;
    assert_eq!(
        after,
        Vec::<serde_json::Value>::new(),
        "a node that stopped cleanly is gone at once (the timeout is 10 minutes)"
    );
    assert!(!stderr.contains("NOTICE"), "{stderr}");
}
