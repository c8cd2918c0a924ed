//! Two `collabkit serve` processes on one PostgreSQL database: deliveries are split between
//! them, each delivered once; one room's users on both are one session with presence and large
//! broadcasts relayed; a node killed with SIGKILL under write load loses nothing (the other
//! delivers every acknowledged event) and its live sessions are ended by the survivor. Each test makes a database of its own on the server
//! `COLLABKIT_TEST_POSTGRES_URL` names.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::binary::{Server, start_binary};
use crate::helpers::{client, eventually, metric, ok_if, postgres_database, secret_key_for};
use crate::receiver::{Receiver, Reply};

struct Cluster {
    dir: tempfile::TempDir,
    database: String,
    key: String,
}

impl Cluster {
    async fn new() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let database = postgres_database(&dir).await;
        let key = secret_key_for(&dir);
        Cluster { dir, database, key }
    }

    async fn node(&self, name: &str, extra: &[&str]) -> Server {
        let mut flags = vec!["--secret-key", &self.key, "--node-id", name];
        flags.extend_from_slice(extra);
        start_binary(
            &self.database,
            self.dir.path().join(format!("{name}.log")),
            &flags,
        )
        .await
    }
}

async fn post(base: &str, account: &str, key: &str, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{base}/v1/accounts/{account}{path}"))
        .bearer_auth(collabkit::accounts::bearer_token(account, key))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn data(resp: reqwest::Response, what: &str) -> Value {
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.json::<Value>().await.unwrap()["data"][what].clone()
}

#[tokio::test]
async fn a_killed_node_loses_nothing_and_the_other_delivers_everything() {
    let cluster = Cluster::new().await;
    let flags = [
        "--allow-private-destinations",
        "--retry-schedule",
        "100ms,200ms,400ms,800ms,1s,1s,1s,1s",
        "--delivery-timeout",
        "1s",
        "--webhook-concurrency",
        "2",
    ];
    let rx = Receiver::start_with(vec![Reply::Slow(Duration::from_millis(20))]).await;
    let a = cluster.node("node-a", &flags).await;
    let b = cluster.node("node-b", &flags).await;
    let (account, key) = a.first_account.clone().expect("the first node bootstraps");
    assert!(b.first_account.is_none(), "one bootstrap per database");
    let room = data(
        post(
            &a.base,
            &account,
            &key,
            "/rooms",
            json!({"name": "r", "customId": "r"}),
        )
        .await,
        "room",
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let hook = post(
        &b.base,
        &account,
        &key,
        "/webhooks",
        json!({"url": rx.url("/cluster"), "events": ["user.created"]}),
    )
    .await;
    assert_eq!(hook.status(), StatusCode::CREATED);

    // Writers on both nodes; only 201s count as acknowledged (with the node that answered).
    let acknowledged = Arc::new(Mutex::new(HashSet::<(usize, String)>::new()));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let base = if w % 2 == 0 { a.base.clone() } else { b.base.clone() };
            let (account, key, room_id, acked) =
                (account.clone(), key.clone(), room_id.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for i in 0..400 {
                    let Ok(resp) = client()
                        .post(format!("{base}/v1/accounts/{account}/users"))
                        .bearer_auth(collabkit::accounts::bearer_token(&account, &key))
                        .json(&json!({"name": "n", "roomId": room_id, "customId": format!("{w}-{i}")}))
                        .send()
                        .await
                    else {
                        break;
                    };
                    if resp.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(body) = resp.json::<Value>().await else { break };
                    let id = body["data"]["user"]["id"].as_str().unwrap().to_owned();
                    acked.lock().unwrap().insert((w % 2, id));
                }
            })
        })
        .collect();

    rx.wait_for(30, Duration::from_secs(30)).await;
    // Slow the receiver down until node A holds a backlog, so the kill strands some of its
    // events whatever this machine's write and delivery speeds (a fast receiver can keep up with
    // the writers and leave nothing behind to prove the survivor's recovery on).
    rx.set_script(vec![Reply::Slow(Duration::from_millis(300))]);
    eventually(
        Duration::from_secs(30),
        "node A built a backlog",
        || async {
            let delivered = rx.users_created();
            let waiting_on_a = acknowledged
                .lock()
                .unwrap()
                .iter()
                .filter(|(n, id)| *n == 0 && !delivered.contains(id))
                .count();
            if waiting_on_a >= 20 {
                Ok(())
            } else {
                Err(format!("{waiting_on_a} waiting"))
            }
        },
    )
    .await;
    let mut a = a;
    a.child.start_kill().unwrap(); // SIGKILL
    a.child.wait().await.unwrap();
    let delivered_at_kill = rx.users_created();
    rx.set_script(vec![Reply::Status(200)]);
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged: HashSet<String> = {
        let all = acknowledged.lock().unwrap();
        let by_a: HashSet<&String> = all
            .iter()
            .filter(|(n, _)| *n == 0)
            .map(|(_, id)| id)
            .collect();
        let stranded = by_a
            .iter()
            .filter(|id| !delivered_at_kill.contains(**id))
            .count();
        assert!(
            stranded > 0,
            "the kill must strand some of node A's acknowledged events ({} acknowledged by A)",
            by_a.len()
        );
        all.iter().map(|(_, id)| id.clone()).collect()
    };
    rx.wait_for_users(
        &acknowledged,
        Duration::from_secs(60),
        "every acknowledged event delivered",
    )
    .await;
    assert!(
        acknowledged.len() > 30,
        "the load ran: {}",
        acknowledged.len()
    );
    let status = b.terminate().await;
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn the_survivor_ends_the_sessions_of_a_killed_node() {
    let cluster = Cluster::new().await;
    // Quick to call a silent node gone; no leave grace, so only the sweep can end it.
    let flags = ["--node-timeout", "2s", "--leave-grace", "0s"];
    let a = cluster.node("node-a", &flags).await;
    let b = cluster.node("node-b", &flags).await;
    let (account, key) = a.first_account.clone().unwrap();
    let room = data(
        post(
            &a.base,
            &account,
            &key,
            "/rooms",
            json!({"name": "r", "customId": "r"}),
        )
        .await,
        "room",
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let user = data(
        post(
            &a.base,
            &account,
            &key,
            "/users",
            json!({"name": "Ann", "roomId": room_id, "customId": "ann"}),
        )
        .await,
        "user",
    )
    .await;
    let token = user["token"].as_str().unwrap();
    let ws_url = format!(
        "{}/v1/connect?token={token}",
        a.base.replacen("http://", "ws://", 1)
    );
    let (socket, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let names = |events: &Value| -> Vec<String> {
        events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .filter(|e| !e.starts_with("user."))
            .collect()
    };
    let events_on_b = || async {
        let resp = client()
            .get(format!(
                "{}/v1/accounts/{account}/events?room_id={room_id}&limit=200",
                b.base
            ))
            .bearer_auth(collabkit::accounts::bearer_token(&account, &key))
            .send()
            .await
            .unwrap();
        data(resp, "events").await
    };
    eventually(Duration::from_secs(10), "the join stored", || async {
        ok_if(names(&events_on_b().await), |seen| {
            seen == &["session.started", "participant.joined"]
        })
    })
    .await;

    let mut a = a;
    a.child.start_kill().unwrap(); // SIGKILL: no leave is stored by A
    a.child.wait().await.unwrap();
    let killed = Instant::now();
    let seen = eventually(
        Duration::from_secs(15),
        "the survivor ended the session",
        || async { ok_if(names(&events_on_b().await), |seen| seen.len() == 4) },
    )
    .await;
    assert_eq!(
        seen,
        [
            "session.started",
            "participant.joined",
            "participant.left",
            "session.closed"
        ]
    );
    // Within the node timeout and a heartbeat or two.
    assert!(
        killed.elapsed() < Duration::from_secs(6),
        "{:?}",
        killed.elapsed()
    );
    drop(socket);
    let status = b.terminate().await;
    assert!(status.success(), "{status:?}");
}

async fn success_attempts(base: &str) -> f64 {
    let text = client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metric(
        &text,
        r#"collabkit_delivery_attempts_total{outcome="success"}"#,
    )
    .unwrap_or(0.0)
}

/// Two processes: deliveries are split between them, each event delivered once; users of one
/// room on both are one session, with presence and a broadcast larger than a NOTIFY relayed.
#[tokio::test]
async fn two_processes_share_deliveries_and_rooms() {
    let cluster = Cluster::new().await;
    let flags = ["--allow-private-destinations", "--leave-grace", "0s"];
    let a = cluster.node("node-a", &flags).await;
    let b = cluster.node("node-b", &flags).await;
    let (account, key) = a.first_account.clone().unwrap();
    let rx = Receiver::start().await;
    let hook = post(
        &a.base,
        &account,
        &key,
        "/webhooks",
        json!({"url": rx.url("/"), "events": ["user.created"]}),
    )
    .await;
    assert_eq!(hook.status(), StatusCode::CREATED);
    let room = data(
        post(
            &a.base,
            &account,
            &key,
            "/rooms",
            json!({"name": "r", "customId": "r"}),
        )
        .await,
        "room",
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let mut tokens = Vec::new();
    for i in 0..40 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let user = data(
            post(
                base,
                &account,
                &key,
                "/users",
                json!({"name": format!("U{i}"), "roomId": room_id, "customId": format!("u{i}")}),
            )
            .await,
            "user",
        )
        .await;
        tokens.push(user["token"].as_str().unwrap().to_owned());
    }
    let got = rx.wait_for(40, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids: HashSet<String> = rx
        .received()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(
        (ids.len(), rx.received().len()),
        (40, 40),
        "each once: {}",
        got.len()
    );
    let (on_a, on_b) = (
        success_attempts(&a.base).await,
        success_attempts(&b.base).await,
    );
    assert!(on_a > 0.0 && on_b > 0.0, "split: {on_a} on A, {on_b} on B");

    let (mut ann, _) = crate::ws::Ws::connect_to(&a.base, &tokens[0]).await;
    ann.send(json!({"type": "presence", "presence": {"cursor": [3, 4]}}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (mut bob, welcome) = crate::ws::Ws::connect_to(&b.base, &tokens[1]).await;
    let others = welcome["participants"].as_array().unwrap();
    assert_eq!(others.len(), 1, "{welcome}");
    ann.recv_type("participant_joined").await;
    bob.send(json!({"type": "presence", "presence": {"typing": true}}))
        .await;
    assert_eq!(
        ann.recv_type("presence").await["presence"],
        json!({"typing": true})
    );
    let blob = "y".repeat(40_000);
    ann.send(json!({"type": "broadcast", "data": {"blob": blob}}))
        .await;
    let got = bob.recv_type("broadcast").await;
    assert_eq!(got["data"]["blob"].as_str().unwrap().len(), 40_000);
    bob.close().await;
    ann.recv_type("participant_left").await;
    ann.close().await;

    let names = eventually(Duration::from_secs(10), "the session closed", || async {
        let resp = client()
            .get(format!(
                "{}/v1/accounts/{account}/events?room_id={room_id}&limit=200",
                b.base
            ))
            .bearer_auth(collabkit::accounts::bearer_token(&account, &key))
            .send()
            .await
            .unwrap();
        let names: Vec<String> = data(resp, "events")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .filter(|e| !e.starts_with("user."))
            .collect();
        ok_if(names, |names| {
            names.last().map(String::as_str) == Some("session.closed")
        })
    })
    .await;
    assert_eq!(
        names,
        [
            "session.started",
            "participant.joined",
            "participant.joined",
            "participant.left",
            "participant.left",
            "session.closed"
        ]
    );
    for node in [a, b] {
        let status = node.terminate().await;
        assert!(status.success(), "{status:?}");
    }
}

/// A store change made on one node reaches the room's clients on the other, large values
/// included (they travel through the relay's table, not a notification); REST writes too.
#[tokio::test]
async fn store_changes_reach_the_clients_of_the_other_node() {
    let cluster = Cluster::new().await;
    let a = cluster.node("node-a", &[]).await;
    let b = cluster.node("node-b", &[]).await;
    let (account, key) = a.first_account.clone().unwrap();
    let room = data(
        post(&a.base, &account, &key, "/rooms", json!({"name": "board"})).await,
        "room",
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let mut tokens = Vec::new();
    for name in ["ann", "bob"] {
        let user = data(
            post(
                &a.base,
                &account,
                &key,
                "/users",
                json!({"name": name, "roomId": room_id}),
            )
            .await,
            "user",
        )
        .await;
        tokens.push(user["token"].as_str().unwrap().to_owned());
    }
    let (mut ann, _) = crate::ws::Ws::joined(&a.base, &tokens[0]).await;
    let (mut bob, _) = crate::ws::Ws::joined(&b.base, &tokens[1]).await;
    ann.recv_type("participant_joined").await;

    let big = "z".repeat(60_000);
    ann.send(json!({"type": "request", "id": 5, "method": "stores.set",
                    "params": {"store": "doc", "key": "page1", "value": {"svg": big}}}))
        .await;
    assert_eq!(ann.recv_type("response").await["data"]["version"], 1);
    let change = bob.recv_type("store_changed").await;
    assert_eq!(change["version"], 1);
    assert_eq!(change["value"]["svg"].as_str().unwrap().len(), 60_000);

    let resp = client()
        .put(format!(
            "{}/v1/accounts/{account}/rooms/{room_id}/stores/doc/entries/page2",
            b.base
        ))
        .bearer_auth(collabkit::accounts::bearer_token(&account, &key))
        .json(&json!({"value": {"svg": "<svg/>"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(data(resp, "entry").await["version"], 2);
    for ws in [&mut ann, &mut bob] {
        let change = ws.recv_type("store_changed").await;
        assert_eq!(
            (change["key"].clone(), change["userId"].clone()),
            (json!("page2"), Value::Null)
        );
    }
}

/// A registration's rate limit holds over both nodes together: users created on both (each
/// node hands its own deliveries to its own dispatcher) reach the receiver no faster than the
/// limit, each once, none failed.
#[tokio::test]
async fn a_rate_limit_holds_across_two_nodes() {
    let cluster = Cluster::new().await;
    let flags = ["--allow-private-destinations"];
    let a = cluster.node("node-a", &flags).await;
    let b = cluster.node("node-b", &flags).await;
    let (account, key) = a.first_account.clone().unwrap();
    let rx = Receiver::start().await;
    let hook = data(
        post(
            &a.base,
            &account,
            &key,
            "/webhooks",
            json!({"url": rx.url("/"), "events": ["user.created"]}),
        )
        .await,
        "webhook",
    )
    .await;
    let hook_id = hook["id"].as_str().unwrap();
    // Set through node b: node a reads it from the database.
    let set = client()
        .put(format!(
            "{}/v1/accounts/{account}/webhooks/{hook_id}/rate-limit",
            b.base
        ))
        .bearer_auth(collabkit::accounts::bearer_token(&account, &key))
        .json(&json!({"per_second": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    // Within the second a node may go by what it read before.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let room = data(
        post(&a.base, &account, &key, "/rooms", json!({"name": "r"})).await,
        "room",
    )
    .await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    const N: usize = 16;
    for i in 0..N {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let created = post(
            base,
            &account,
            &key,
            "/users",
            json!({"name": format!("U{i}"), "roomId": room_id}),
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let got = rx.wait_for(N, Duration::from_secs(30)).await;
    let times: Vec<Instant> = got.iter().map(|r| r.at).collect();
    let most = crate::rate_limits::most_within(&times, Duration::from_millis(950));
    assert!(
        most <= 5,
        "{most} arrived within a second at 4/s over two nodes"
    );
    let span = *times.iter().max().unwrap() - *times.iter().min().unwrap();
    assert!(
        span >= Duration::from_millis(3200),
        "16 at 4/s took only {span:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), N, "nothing twice");
    assert_eq!(rx.users_created().len(), N, "each once");
    for node in [a, b] {
        let status = node.terminate().await;
        assert!(status.success(), "{status:?}");
    }
}
