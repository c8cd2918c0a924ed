//! A room's stores through the realtime protocol and the REST API: writes answered in order and
//! numbered per store, changes to the other clients (and not to the writer), refusals that name
//! the rule and change nothing, resume by delta (only what changed, asserted on the wire) or by
//! snapshot past the remembered deletions, and clients that converge on the REST read.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id, token};
use crate::ws::Ws;

/// A joined version 2 client that sends store requests and keeps the `store_changed` frames
/// that arrive meanwhile.
struct Client {
    ws: Ws,
    next_id: u64,
    changes: Vec<Value>,
}

impl Client {
    async fn join(app: &TestApp, user: &Value, stores: Value) -> Client {
        let (mut ws, _) = Ws::authenticated(&app.base, token(user)).await;
        ws.send(json!({"type": "join", "id": 1, "stores": stores}))
            .await;
        let welcome = ws.recv().await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        Client {
            ws,
            next_id: 10,
            changes: Vec::new(),
        }
    }

    /// Sends a request without waiting; returns its id.
    async fn send(&mut self, method: &str, params: Value) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.ws
            .send(json!({"type": "request", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// The response to request `id` (the frames before it are kept or skipped).
    async fn response(&mut self, id: u64) -> Value {
        loop {
            let frame = self.ws.recv().await;
            match frame["type"].as_str() {
                Some("response") if frame["id"] == id => return frame,
                Some("response") => panic!("response {} came before {id}: {frame}", frame["id"]),
                Some("store_changed") => self.changes.push(frame),
                _ => {}
            }
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params).await;
        self.response(id).await
    }

    /// The next `n` `store_changed` frames.
    async fn changes(&mut self, n: usize) -> Vec<Value> {
        while self.changes.len() < n {
            let frame = self.ws.recv().await;
            if frame["type"] == "store_changed" {
                self.changes.push(frame);
            }
        }
        self.changes.drain(..n).collect()
    }

    /// Asserts that no `store_changed` frame comes for a while.
    async fn no_changes(&mut self) {
        assert!(self.changes.is_empty(), "{:?}", self.changes);
        while let Some(frame) = self.ws.next(Duration::from_millis(300)).await {
            assert_ne!(frame["type"], "store_changed", "{frame}");
        }
    }
}

fn tasks_schema() -> Value {
    json!({"tasks": {
        "title": {"type": "string", "required": true},
        "completed": {"type": "boolean", "default": false}
    }})
}

async fn room_with_users(app: &TestApp, n: usize) -> (Value, Vec<Value>) {
    let room = app.create_room("board").await;
    let mut users = Vec::new();
    for i in 0..n {
        users.push(app.create_user(id(&room), &format!("u{i}")).await);
    }
    (room, users)
}

fn entries_path(room: &Value, store: &str) -> String {
    format!("/rooms/{}/stores/{store}", id(room))
}

fn entry_path(room: &Value, store: &str, key: &str) -> String {
    format!("{}/entries/{key}", entries_path(room, store))
}

/// Every entry of a store through REST, by key.
async fn rest_entries(app: &TestApp, room: &Value, store: &str) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{}?limit=100&cursor={c}", entries_path(room, store)),
            None => format!("{}?limit=100", entries_path(room, store)),
        };
        let (status, body) = app.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for e in body["data"]["entries"].as_array().unwrap() {
            out.insert(e["key"].as_str().unwrap().to_owned(), e["value"].clone());
        }
        match body["data"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

#[tokio::test]
async fn writes_are_numbered_per_store_and_reach_the_others_but_not_the_writer() {
    let app = TestApp::spawn().await;
    let (room, users) = room_with_users(&app, 2).await;
    let mut ada = Client::join(&app, &users[0], tasks_schema()).await;
    let mut bob = Client::join(&app, &users[1], json!({})).await;

    let set = ada
        .call(
            "stores.set",
            json!({"store": "tasks", "key": "t1", "value": {"title": "Ship"}}),
        )
        .await;
    assert_eq!(
        set["data"],
        json!({"version": 1, "value": {"title": "Ship", "completed": false}}),
        "the schema's default filled: {set}"
    );
    let update = ada
        .call(
            "stores.update",
            json!({"store": "tasks", "key": "t1", "value": {"completed": true}}),
        )
        .await;
    assert_eq!(update["data"]["version"], 2);
    assert_eq!(
        update["data"]["value"],
        json!({"title": "Ship", "completed": true})
    );
    let other = ada
        .call(
            "stores.set",
            json!({"store": "notes", "key": "n", "value": {"any": [1, 2]}}),
        )
        .await;
    assert_eq!(other["data"]["version"], 1, "each store counts its own");
    let delete = ada
        .call("stores.delete", json!({"store": "tasks", "key": "t1"}))
        .await;
    assert_eq!(delete["data"], json!({"version": 3}));
    let nothing = ada
        .call("stores.delete", json!({"store": "tasks", "key": "t1"}))
        .await;
    assert_eq!(nothing["data"], json!({"version": null}));

    let seen = bob.changes(4).await;
    let summary: Vec<_> = seen
        .iter()
        .map(|c| {
            (
                c["store"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
                c["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("tasks".into(), "set".into(), 1),
            ("tasks".into(), "update".into(), 2),
            ("notes".into(), "set".into(), 1),
            ("tasks".into(), "delete".into(), 3),
        ]
    );
    assert_eq!(seen[0]["userId"], users[0]["id"]);
    assert_eq!(
        seen[1]["value"],
        json!({"title": "Ship", "completed": true})
    );
    assert_eq!(seen[3]["value"], Value::Null);

    // A REST write is a change like the others, from nobody; the writer's client gets it too.
    let (status, body) = app
        .put(
            &entry_path(&room, "tasks", "t2"),
            json!({"value": {"title": "From the backend"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["entry"]["version"], 4);
    assert_eq!(
        body["data"]["entry"]["value"],
        json!({"title": "From the backend"}),
        "the API checks the bounds only: no schema default"
    );
    for client in [&mut ada, &mut bob] {
        let change = &client.changes(1).await[0];
        assert_eq!(change["version"], 4, "{change}");
        assert_eq!(change["userId"], Value::Null);
    }
    ada.no_changes().await;

    // Reads: the client's and REST's agree.
    let got = bob
        .call("stores.get", json!({"store": "tasks", "key": "t2"}))
        .await;
    assert_eq!(got["data"]["value"], json!({"title": "From the backend"}));
    let all = bob.call("stores.getAll", json!({"store": "notes"})).await;
    assert_eq!(
        all["data"],
        json!({"version": 1, "entries": {"n": {"any": [1, 2]}}})
    );
    let (_, listed) = app.get(&format!("/rooms/{}/stores", id(&room))).await;
    let names: Vec<_> = listed["data"]["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].clone(),
                s["version"].clone(),
                s["entries"].clone(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (json!("notes"), json!(1), json!(1)),
            (json!("tasks"), json!(4), json!(1))
        ]
    );
    let (status, body) = app.get(&entry_path(&room, "tasks", "t1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app
        .patch(
            &entry_path(&room, "tasks", "t2"),
            json!({"value": {"completed": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["entry"]["version"], 5);
    let (status, body) = app.delete(&entry_path(&room, "tasks", "t2")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"], json!({"key": "t2", "version": 6}));
    let (status, _) = app.delete(&entry_path(&room, "tasks", "t2")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refused_writes_name_the_rule_and_change_nothing() {
    let app = TestApp::spawn_with(|c| {
        c.realtime.stores.store_max_entries = 2;
    })
    .await;
    let (room, users) = room_with_users(&app, 2).await;

    // Before the join: reads only.
    let (mut early, _) = Ws::authenticated(&app.base, token(&users[0])).await;
    early
        .send(json!({"type": "request", "id": 1, "method": "stores.set",
                     "params": {"store": "tasks", "key": "a", "value": {"title": "x"}}}))
        .await;
    assert_eq!(early.recv().await["error"]["code"], "not_joined");
    early
        .send(json!({"type": "request", "id": 2, "method": "stores.getAll", "params": {"store": "tasks"}}))
        .await;
    assert_eq!(
        early.recv().await["data"],
        json!({"version": 0, "entries": {}})
    );
    // A schema that is not one is refused, and the connection may join again.
    early
        .send(json!({"type": "join", "id": 3, "stores": {"tasks": {"title": {"type": "date"}}}}))
        .await;
    let refused = early.recv().await;
    assert_eq!(refused["code"], "invalid_store_schema", "{refused}");
    assert_eq!(refused["id"], 3);

    let mut ada = Client::join(&app, &users[0], tasks_schema()).await;
    let mut bob = Client::join(&app, &users[1], json!({})).await;
    for (method, params, code) in [
        (
            "stores.set",
            json!({"store": "tasks", "key": "a", "value": {"completed": true}}),
            "invalid_value",
        ),
        (
            "stores.set",
            json!({"store": "tasks", "key": "a", "value": {"title": 3}}),
            "invalid_value",
        ),
        (
            "stores.set",
            json!({"store": "tasks", "key": "a", "value": [1]}),
            "invalid_value",
        ),
        (
            "stores.update",
            json!({"store": "tasks", "key": "nope", "value": {"title": "x"}}),
            "entry_not_found",
        ),
        (
            "stores.set",
            json!({"store": "bad-name", "key": "a", "value": {}}),
            "invalid_store_name",
        ),
        (
            "stores.set",
            json!({"store": "tasks", "key": "", "value": {"title": "x"}}),
            "invalid_key",
        ),
        (
            "stores.set",
            json!({"store": "tasks", "value": {"title": "x"}}),
            "invalid_request",
        ),
        ("stores.shout", json!({"store": "tasks"}), "invalid_request"),
    ] {
        let answer = ada.call(method, params.clone()).await;
        assert_eq!(answer["error"]["code"], code, "{method} {params}: {answer}");
        assert!(
            answer["error"]["message"].as_str().unwrap().len() > 10,
            "{answer}"
        );
    }
    // The bound of entries per store, within one burst of writes sent without waiting.
    let ids = [
        ada.send(
            "stores.set",
            json!({"store": "tasks", "key": "a", "value": {"title": "A"}}),
        )
        .await,
        ada.send(
            "stores.set",
            json!({"store": "tasks", "key": "b", "value": {"title": "B"}}),
        )
        .await,
        ada.send(
            "stores.set",
            json!({"store": "tasks", "key": "c", "value": {"title": "C"}}),
        )
        .await,
    ];
    let mut answers = Vec::new();
    for id in ids {
        answers.push(ada.response(id).await);
    }
    assert_eq!(answers[0]["data"]["version"], 1);
    assert_eq!(answers[1]["data"]["version"], 2);
    assert_eq!(answers[2]["error"]["code"], "store_limit", "{}", answers[2]);
    assert_eq!(bob.changes(2).await.len(), 2);
    bob.no_changes().await;

    // REST names the same rules, with its statuses.
    for (body, status, reason) in [
        (
            json!({"value": [1]}),
            StatusCode::BAD_REQUEST,
            "invalid_value",
        ),
        (
            json!({"value": {"title": "C"}}),
            StatusCode::CONFLICT,
            "store_limit",
        ),
        (json!({"nope": {}}), StatusCode::BAD_REQUEST, "invalid_body"),
    ] {
        let (got, answer) = app.put(&entry_path(&room, "tasks", "c"), body).await;
        assert_eq!(got, status, "{answer}");
        assert_eq!(answer["error"]["reason"], reason, "{answer}");
    }
    let (got, answer) = app
        .patch(
            &entry_path(&room, "tasks", "zz"),
            json!({"value": {"title": "x"}}),
        )
        .await;
    assert_eq!(got, StatusCode::NOT_FOUND, "{answer}");
    let (got, _) = app.get(&entry_path(&room, "bad-name", "a")).await;
    assert_eq!(got, StatusCode::BAD_REQUEST);
    assert_eq!(rest_entries(&app, &room, "tasks").await.len(), 2);

    // Another account sees none of it, through its own path.
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let theirs = format!(
        "{}/v1/accounts/{}{}",
        app.base,
        other.account.id,
        entry_path(&room, "tasks", "a")
    );
    for req in [
        app.client.get(&theirs),
        app.client.put(&theirs).json(&json!({"value": {}})),
        app.client.delete(&theirs),
    ] {
        let resp = req.bearer_auth(&bearer).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(rest_entries(&app, &room, "tasks").await.len(), 2);

    // Deleting the room deletes its stores.
    let (status, _) = app.delete(&format!("/rooms/{}", id(&room))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (got, _) = app.get(&entries_path(&room, "tasks")).await;
    assert_eq!(got, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reconnect_gets_only_what_changed_or_a_snapshot_past_the_remembered_deletions() {
    let app = TestApp::spawn_with(|c| {
        c.realtime.stores.store_max_tombstones = 40;
        // The writer sends its 300 sets at once.
        c.realtime.rate_limit = 1000;
    })
    .await;
    let (room, users) = room_with_users(&app, 2).await;
    let mut writer = Client::join(&app, &users[1], json!({})).await;
    // A store of 300 entries, written in bursts.
    let mut ids = Vec::new();
    for i in 0..300 {
        let key = format!("shape{i:03}");
        ids.push(
            writer
                .send(
                    "stores.set",
                    json!({"store": "doc", "key": key, "value": {"x": i, "label": "a shape of the drawing"}}),
                )
                .await,
        );
    }
    for id in ids {
        assert!(writer.response(id).await["data"]["version"].is_i64());
    }

    let mut reader = Client::join(&app, &users[0], json!({})).await;
    let first = reader.call("stores.sync", json!({"store": "doc"})).await;
    assert_eq!(first["data"]["snapshot"], true);
    assert_eq!(first["data"]["version"], 300);
    assert_eq!(first["data"]["entries"].as_object().unwrap().len(), 300);
    let snapshot_bytes = first.to_string().len();
    reader.ws.close().await;

    // 100 changes while it is away: 80 sets and updates, 20 deletions.
    for i in 0..100 {
        let key = format!("shape{i:03}");
        let (method, params) = match i % 5 {
            0 => ("stores.delete", json!({"store": "doc", "key": key})),
            1 => (
                "stores.update",
                json!({"store": "doc", "key": key, "value": {"x": -1}}),
            ),
            _ => (
                "stores.set",
                json!({"store": "doc", "key": key, "value": {"x": i * 10}}),
            ),
        };
        let answer = writer.call(method, params).await;
        assert_eq!(answer["data"]["version"], 301 + i, "{answer}");
    }

    let mut back = Client::join(&app, &users[0], json!({})).await;
    let id = back
        .send("stores.sync", json!({"store": "doc", "since": 300}))
        .await;
    // The wire itself: the response frame, as text.
    let delta = loop {
        let text = back.ws.recv_text().await;
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "response" && frame["id"] == id {
            break text;
        }
    };
    let delta: Value = serde_json::from_str(&delta).unwrap();
    let changes = delta["data"]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 100, "only the 100 changes, not the store");
    assert_eq!(delta["data"]["version"], 400);
    assert!(delta["data"].get("snapshot").is_none());
    assert!(
        delta.to_string().len() < snapshot_bytes / 2,
        "{} bytes against the snapshot's {snapshot_bytes}",
        delta.to_string().len()
    );
    let versions: Vec<i64> = changes
        .iter()
        .map(|c| c["version"].as_i64().unwrap())
        .collect();
    assert_eq!(
        versions,
        (301..=400).collect::<Vec<_>>(),
        "in version order"
    );
    assert_eq!(changes[0]["action"], "delete");
    assert_eq!(changes[0]["value"], Value::Null);
    assert_eq!(
        changes[1]["value"],
        json!({"x": -1, "label": "a shape of the drawing"})
    );
    // Nothing since: an empty delta.
    let none = back
        .call("stores.sync", json!({"store": "doc", "since": 400}))
        .await;
    assert_eq!(none["data"], json!({"version": 400, "changes": []}));

    // 60 more deletions: past the 40 remembered, the oldest are forgotten, and a client that
    // saw the store before them gets a snapshot; a recent one still gets the changes.
    for i in 100..160 {
        let key = format!("shape{i:03}");
        writer
            .call("stores.delete", json!({"store": "doc", "key": key}))
            .await;
    }
    let old = back
        .call("stores.sync", json!({"store": "doc", "since": 300}))
        .await;
    assert_eq!(old["data"]["snapshot"], true, "{}", old["data"]["version"]);
    let entries = old["data"]["entries"].as_object().unwrap();
    assert_eq!(entries.len(), 300 - 20 - 60);
    assert_eq!(
        entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        rest_entries(&app, &room, "doc").await
    );
    let recent = back
        .call("stores.sync", json!({"store": "doc", "since": 455}))
        .await;
    assert_eq!(recent["data"]["changes"].as_array().unwrap().len(), 5);
    let ahead = back
        .call("stores.sync", json!({"store": "doc", "since": 9999}))
        .await;
    assert_eq!(
        ahead["data"]["snapshot"], true,
        "a version the store never had"
    );
}

#[tokio::test]
async fn clients_writing_at_once_converge_on_the_rest_read() {
    let app = TestApp::spawn().await;
    let (room, users) = room_with_users(&app, 4).await;
    let mut clients = Vec::new();
    for user in &users {
        clients.push(Client::join(&app, user, json!({})).await);
    }
    let keys = ["a", "b", "c", "d", "e"];
    let mut handles = Vec::new();
    for (n, mut client) in clients.into_iter().enumerate() {
        handles.push(tokio::spawn(async move {
            // Sent without waiting, as a busy client does.
            let mut sent = Vec::new();
            for i in 0..40 {
                let key = keys[(n * 7 + i * 3) % keys.len()];
                let (method, params) = match (n + i) % 4 {
                    0 => ("stores.delete", json!({"store": "s", "key": key})),
                    1 => (
                        "stores.update",
                        json!({"store": "s", "key": key, "value": {"by": n, "i": i}}),
                    ),
                    _ => (
                        "stores.set",
                        json!({"store": "s", "key": key, "value": {"by": n, "i": i, "w": "set"}}),
                    ),
                };
                sent.push((client.send(method, params).await, key));
            }
            // Its own changes, from the answers: version -> (key, value after).
            let mut own: BTreeMap<i64, (String, Value)> = BTreeMap::new();
            for (id, key) in sent {
                let answer = client.response(id).await;
                if let Some(v) = answer["data"]["version"].as_i64() {
                    let value = answer["data"].get("value").cloned().unwrap_or(Value::Null);
                    own.insert(v, (key.to_owned(), value));
                }
            }
            (client, own)
        }));
    }
    let mut done = Vec::new();
    for h in handles {
        done.push(h.await.unwrap());
    }
    let last = done
        .iter()
        .flat_map(|(_, own)| own.keys().copied())
        .max()
        .unwrap();
    let total: usize = done.iter().map(|(_, own)| own.len()).sum();
    assert_eq!(total as i64, last, "versions are gapless and unique");
    let rest = rest_entries(&app, &room, "s").await;
    for (client, own) in &mut done {
        // The others' changes, every version once, none of its own.
        let theirs = last as usize - own.len();
        let mut all = own.clone();
        for change in client.changes(theirs).await {
            let v = change["version"].as_i64().unwrap();
            let entry = (
                change["key"].as_str().unwrap().to_owned(),
                change["value"].clone(),
            );
            assert!(all.insert(v, entry).is_none(), "version {v} twice");
        }
        client.no_changes().await;
        assert_eq!(all.len() as i64, last);
        // Applied in version order, they end where the REST read is.
        let mut state: BTreeMap<String, Value> = BTreeMap::new();
        for (_, (key, value)) in all {
            if value.is_null() {
                state.remove(&key);
            } else {
                state.insert(key, value);
            }
        }
        assert_eq!(state, rest);
    }
}

#[tokio::test]
async fn a_request_over_the_rate_limit_is_answered_with_its_id() {
    let app = TestApp::spawn_with(|c| c.realtime.rate_limit = 1).await;
    let (_, users) = room_with_users(&app, 1).await;
    let mut client = Client::join(&app, &users[0], json!({})).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let params = json!({"store": "s", "key": format!("k{i}"), "value": {}});
        ids.push(client.send("stores.set", params).await);
    }
    // Every call is answered, the refused ones too (at once, so maybe before the others).
    let mut answers = std::collections::BTreeMap::new();
    while answers.len() < ids.len() {
        let frame = client.ws.recv().await;
        if frame["type"] == "response" {
            answers.insert(frame["id"].as_u64().unwrap(), frame);
        }
    }
    assert_eq!(answers.keys().copied().collect::<Vec<_>>(), ids);
    let refused = answers
        .values()
        .filter(|a| a["error"]["code"] == "rate_limited")
        .count();
    assert!(
        (3..6).contains(&refused),
        "a burst of twice the rate passes, no more: {answers:?}"
    );
}

/// A snapshot larger than the connection's send queue bound reaches it after the changes that
/// came first (an answer the client asked for waits for room rather than closing it as too
/// slow: `outlet::tests::an_own_answer_past_the_bound_waits_for_the_writer`).
#[tokio::test]
async fn a_snapshot_larger_than_the_send_queue_waits_for_room() {
    let app = TestApp::spawn_with(|c| {
        c.realtime.send_queue_bytes = 4096;
        c.realtime.rate_limit = 1000;
    })
    .await;
    let (room, users) = room_with_users(&app, 2).await;
    let mut reader = Client::join(&app, &users[0], json!({})).await;
    let filler = "f".repeat(900);
    for i in 0..20 {
        let (status, _) = app
            .put(
                &entry_path(&room, "doc", &format!("k{i:02}")),
                json!({"value": {"fill": filler}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    // The reader reads nothing while changes queue for it and it asks for the whole store.
    let mut writer = Client::join(&app, &users[1], json!({})).await;
    for i in 0..3 {
        let answer = writer
            .call(
                "stores.set",
                json!({"store": "doc", "key": format!("k{i:02}"), "value": {"fill": filler}}),
            )
            .await;
        assert!(answer["data"]["version"].is_i64(), "{answer}");
    }
    let id = reader.send("stores.getAll", json!({"store": "doc"})).await;
    let all = reader.response(id).await;
    assert_eq!(
        all["data"]["entries"].as_object().unwrap().len(),
        20,
        "{all}"
    );
    assert!(all.to_string().len() > 4096 * 4);
    assert_eq!(
        reader.changes.len(),
        20 + 3,
        "every change, then the answer"
    );
}
