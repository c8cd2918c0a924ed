//! `GET /events/stream` as a shared server sees it: streams capped per account and per node
//! (the API and health checks stay reachable), woken only by the events they list, reading the
//! log on their own only where another node can write, ending at once when the server stops,
//! and refusing a cursor the server did not issue before they start.

use std::time::{Duration, Instant};

use base64::Engine;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Follower, TestApp, eventually, metric, on_sqlite};

/// Another account on the app's server: its id and Bearer token.
async fn other_account(app: &TestApp, name: &str) -> (String, String) {
    let created = collabkit::accounts::create(app.store.as_ref(), name)
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&created.account.id, &created.api_key);
    (created.account.id, bearer)
}

async fn open(app: &TestApp, account: &str, bearer: &str, query: &str) -> reqwest::Response {
    app.client
        .get(format!(
            "{}/v1/accounts/{account}/events/stream{query}",
            app.base
        ))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

/// A refused stream's error: its status and body.
async fn refusal(resp: reqwest::Response) -> (StatusCode, Option<String>, Value) {
    let status = resp.status();
    assert_ne!(status, StatusCode::OK, "the stream was opened");
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = resp.json().await.unwrap();
    crate::helpers::assert_error_shape(&body);
    (status, retry_after, body)
}

/// `collabkit_event_stream_reads_total`: how often streams read the log.
async fn reads(app: &TestApp) -> u64 {
    let text = app.metrics_text().await;
    metric(&text, "collabkit_event_stream_reads_total")
        .unwrap_or_else(|| panic!("no stream read counter in {text}")) as u64
}

/// Waits until streams have read the log `n` times in all (panics after 10 s).
async fn reads_reach(app: &TestApp, n: u64) {
    eventually(Duration::from_secs(10), "the stream reads", || async {
        let now = reads(app).await;
        if now >= n {
            Ok(())
        } else {
            Err(format!("{now} stream reads, expected {n}"))
        }
    })
    .await
}

async fn post_as(app: &TestApp, account: &str, bearer: &str, path: &str, body: Value) -> Value {
    let resp = app
        .client
        .post(format!("{}/v1/accounts/{account}{path}", app.base))
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

/// One account's streams stop at `--max-streams-per-account` (429 `too_many_streams`), the
/// node's at half of `--max-connections` (503 `streams_full`), and the API and `/healthz`
/// still answer everyone; a closed stream gives its place back.
#[tokio::test]
async fn streams_are_capped_per_account_and_per_node_and_leave_room_for_the_rest() {
    let app = TestApp::spawn_with(|c| {
        c.http.max_streams_per_account = 3;
        c.http.max_connections = 12;
    })
    .await;
    let (b, b_bearer) = other_account(&app, "b").await;
    let (c, c_bearer) = other_account(&app, "c").await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(Follower::of(
            open(&app, &app.account_id, &app.bearer(), "").await,
        ));
    }
    let (status, retry_after, body) =
        refusal(open(&app, &app.account_id, &app.bearer(), "").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert_eq!(body["error"]["reason"], "too_many_streams");
    assert!(retry_after.is_none(), "only closing a stream helps");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("--max-streams-per-account"), "{message}");

    // Another account still streams, up to the node's cap: 6, half of --max-connections.
    for _ in 0..3 {
        held.push(Follower::of(open(&app, &b, &b_bearer, "").await));
    }
    let (status, retry_after, body) = refusal(open(&app, &c, &c_bearer, "").await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(body["error"]["reason"], "streams_full");
    assert!(retry_after.is_some());

    // The connections left are the API's and the health checks'.
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let rooms = app
        .client
        .get(format!("{}/v1/accounts/{c}/rooms", app.base))
        .bearer_auth(&c_bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(rooms.status(), StatusCode::OK);
    let metrics = app.metrics_text().await;
    assert!(metrics.contains("collabkit_event_streams 6"), "{metrics}");
    assert!(
        metrics.contains(r#"collabkit_event_streams_refused_total{cap="account"} 1"#),
        "{metrics}"
    );

    // A stream its client closed gives its place back.
    drop(held.remove(0));
    eventually(
        Duration::from_secs(10),
        "the closed stream's place given back",
        || async {
            let resp = open(&app, &app.account_id, &app.bearer(), "").await;
            if resp.status() == StatusCode::OK {
                Ok(())
            } else {
                Err(format!("{}", resp.status()))
            }
        },
    )
    .await;
}

/// A change wakes only the streams of its account whose filter lists its events: idle streams
/// of one account do not read the log when another account (or another of their own rooms)
/// stores events. The poll is an hour here, so every read counted is a wake-up.
#[tokio::test]
async fn idle_streams_are_woken_only_by_the_events_they_list() {
    let app = TestApp::spawn_with(|c| {
        c.http.event_stream_poll = Duration::from_secs(3600);
    })
    .await;
    let (b, b_bearer) = other_account(&app, "b").await;
    let watched = app.create_room("watched").await;
    let watched = watched["id"].as_str().unwrap();
    let elsewhere = app.create_room("elsewhere").await;
    let elsewhere = elsewhere["id"].as_str().unwrap();
    let b_room = post_as(
        &app,
        &b,
        &b_bearer,
        "/rooms",
        json!({"name": "B", "customId": "b"}),
    )
    .await;
    let b_room = b_room["data"]["room"]["id"].as_str().unwrap().to_owned();

    let mut idle = Vec::new();
    for _ in 0..6 {
        let query = format!("?room_id={watched}");
        idle.push(Follower::of(
            open(&app, &app.account_id, &app.bearer(), &query).await,
        ));
    }
    for _ in 0..2 {
        let query = "?event=user.deleted";
        idle.push(Follower::of(
            open(&app, &app.account_id, &app.bearer(), query).await,
        ));
    }
    // Each read the log once before answering, and has caught up.
    assert_eq!(reads(&app).await, 8);

    // Another account's events, and this account's in another room: none listed above.
    for i in 0..3 {
        post_as(
            &app,
            &b,
            &b_bearer,
            "/users",
            json!({"name": "b", "roomId": b_room, "customId": format!("b{i}")}),
        )
        .await;
        app.create_user(elsewhere, &format!("e{i}")).await;
    }
    // Each change rang its wake-ups before it answered; a stream it woke would read within
    // this (on the loaded CI machine, an early read is a few milliseconds away).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reads(&app).await, 8, "no idle stream was woken");

    // An event the room's streams list wakes them, and only them.
    app.create_user(watched, "w").await;
    for follower in &mut idle[..6] {
        follower.until("event: user.created").await;
    }
    let after = reads(&app).await;
    assert!(
        (8 + 6..=8 + 6 * 2).contains(&after),
        "{after} reads: one for the event and one to find it was the last, per stream"
    );
    for follower in &idle[6..] {
        assert!(!follower.text.contains("event:"), "{}", follower.text);
    }
}

/// On SQLite no other node can store events, so a stream that has caught up never reads the
/// log until a change wakes it; on PostgreSQL it reads at `event_stream_poll`, which is how a
/// change made through another node reaches it.
#[tokio::test]
async fn a_caught_up_stream_polls_only_where_other_nodes_write() {
    let poll = Duration::from_millis(20);
    let app = TestApp::spawn_with(|c| c.http.event_stream_poll = poll).await;
    let mut follower = Follower::of(open(&app, &app.account_id, &app.bearer(), "").await);
    if on_sqlite() {
        assert_eq!(reads(&app).await, 1, "the read before answering");
        // 25 polls' worth of time.
        tokio::time::sleep(poll * 25).await;
        assert_eq!(reads(&app).await, 1, "a SQLite node never polls");
        return;
    }
    reads_reach(&app, 5).await;
    let creds = (app.account_id.clone(), app.api_key.clone());
    let other = TestApp::spawn_in_with(app.dir.clone(), Some(creds), |_| {}).await;
    let room = other.create_room("r").await;
    other.create_user(room["id"].as_str().unwrap(), "u").await;
    follower.until("event: user.created").await;
    other.stop().await;
}

/// A graceful stop ends the open streams at once instead of waiting `--shutdown-timeout` for
/// them (a minute here).
#[tokio::test]
async fn open_streams_end_when_the_server_stops() {
    let app = TestApp::spawn_with(|c| c.shutdown_timeout = Duration::from_secs(60)).await;
    let mut follower = Follower::of(open(&app, &app.account_id, &app.bearer(), "").await);
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(20), app.stop())
        .await
        .expect("the server stops without waiting for its open streams");
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = follower.body.next().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream ended with the server");
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A cursor the server did not issue (`p` and anything, in `cursor` or `Last-Event-ID`) is
/// refused with 400 naming it, before the stream starts; the `id:` of a message resumes.
#[tokio::test]
async fn a_cursor_the_server_did_not_issue_is_refused_before_the_stream_starts() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let mut follower = Follower::of(open(&app, &app.account_id, &app.bearer(), "").await);
    app.create_user(room["id"].as_str().unwrap(), "u").await;
    follower.until("event: user.created").await;
    let issued = follower
        .text
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .unwrap()
        .trim()
        .to_owned();

    let invented = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    for cursor in [
        invented("pnope"),
        invented("p-1"),
        invented("p1:2:3"),
        "nope!".into(),
    ] {
        let query = format!("?cursor={cursor}");
        let (status, _, body) =
            refusal(open(&app, &app.account_id, &app.bearer(), &query).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{cursor}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("`cursor`"), "{message}");
        let resp = app
            .client
            .get(app.url("/events/stream"))
            .bearer_auth(app.bearer())
            .header("last-event-id", &cursor)
            .send()
            .await
            .unwrap();
        let (status, _, body) = refusal(resp).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{cursor}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("Last-Event-ID"), "{message}");
    }

    // What the server issued resumes right after that event.
    let query = format!("?cursor={issued}");
    let _resumed = Follower::of(open(&app, &app.account_id, &app.bearer(), &query).await);
}
