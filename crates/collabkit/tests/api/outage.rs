//! The database going away for a few seconds (PostgreSQL, through a TCP proxy the test cuts or
//! silences): API requests get a prompt 503, nothing acknowledged is lost, the node recovers by
//! itself, and the log says so once rather than once per request.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, ok_if, on_sqlite};
use crate::receiver::Receiver;
use crate::tcp_proxy::Proxy;
use crate::ws::Ws;

/// `url` (postgres://user@host:port/db…) with its host and port replaced by `addr`.
fn through(url: &str, addr: &str) -> (String, String) {
    let scheme_end = url.find("://").unwrap() + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let (user, host) = match authority.rfind('@') {
        Some(at) => (&authority[..=at], &authority[at + 1..]),
        None => ("", authority),
    };
    let upstream = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    let proxied = format!(
        "{}{user}{addr}{}",
        &url[..scheme_end],
        &rest[authority_end..]
    );
    (proxied, upstream)
}

#[tokio::test]
async fn a_database_outage_loses_nothing_and_answers_promptly() {
    if on_sqlite() {
        return;
    }
    // The server reaches its database through the proxy.
    let (_, upstream) = through(
        &collabkit_store_postgres::admin::test_server_url(),
        "unused",
    );
    let proxy = Proxy::start(upstream).await;
    let app = {
        let addr = proxy.addr.clone();
        TestApp::spawn_for_delivery(move |c| {
            let collabkit::store::DatabaseUrl::Postgres(url) = &c.database else {
                unreachable!()
            };
            let (proxied, _) = through(url, &addr);
            c.database = proxied.parse().unwrap();
            c.store.postgres.timeout = Duration::from_secs(2);
            c.delivery.retry_schedule = "200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s".parse().unwrap();
        })
        .await
    };
    let rx = Receiver::start().await;
    app.create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_owned();

    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let slowest_refusal = Arc::new(Mutex::new(Duration::ZERO));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (url, bearer, room_id) = (app.url("/users"), app.bearer(), room_id.clone());
            let (acked, slowest, stop) =
                (acknowledged.clone(), slowest_refusal.clone(), stop.clone());
            tokio::spawn(async move {
                let client = crate::helpers::client();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let asked = Instant::now();
                    let resp = client
                        .post(&url)
                        .bearer_auth(&bearer)
                        .json(&json!({"name": "n", "roomId": room_id, "customId": format!("{w}-{i}")}))
                        .send()
                        .await
                        .unwrap();
                    match resp.status().as_u16() {
                        201 => {
                            let body: Value = resp.json().await.unwrap();
                            acked.lock().unwrap().insert(body["data"]["user"]["id"].as_str().unwrap().to_owned());
                        }
                        503 => {
                            {
                                let mut s = slowest.lock().unwrap();
                                *s = (*s).max(asked.elapsed());
                            }
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        other => panic!("unexpected status {other}"),
                    }
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(700)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = ready(&app).await;
    assert_eq!(status, 503, "not ready while the database is away");
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.restore();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }
    eventually(Duration::from_secs(20), "/readyz recovered", || async {
        ok_if(ready(&app).await, |status| *status == 200)
    })
    .await;
    let slowest = *slowest_refusal.lock().unwrap();
    assert!(slowest > Duration::ZERO, "some writes met the outage");
    assert!(
        slowest < Duration::from_secs(6),
        "a refusal took {slowest:?}"
    );

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 10, "{}", acknowledged.len());
    rx.wait_for_users(
        &acknowledged,
        Duration::from_secs(40),
        "every acknowledged event delivered",
    )
    .await;
}

async fn ready(app: &TestApp) -> u16 {
    crate::helpers::client()
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The node's database settings tuned for a test through `proxy`: the URL points at it, and
/// every wait is bounded by `timeout`.
fn through_proxy(c: &mut collabkit::config::Config, proxy: &str, timeout: Duration) {
    let collabkit::store::DatabaseUrl::Postgres(url) = &c.database else {
        unreachable!()
    };
    let (proxied, _) = through(url, proxy);
    c.database = proxied.parse().unwrap();
    c.store.postgres.timeout = timeout;
}

/// What one request got and how long it took.
async fn timed(req: reqwest::RequestBuilder) -> (u16, Option<String>, Value, Duration) {
    let asked = Instant::now();
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, retry_after, body, asked.elapsed())
}

/// Packets dropped instead of connections reset (a partition, a failover to another address):
/// every request that needs the database answers 503 `storage_unavailable` with `Retry-After`
/// within `--pg-timeout` (plus the machine's slack), `/healthz` and `/metrics` answer at once,
/// and when the network is back the node serves again by itself: the connections that met the
/// silence are dropped and replaced, and the LISTEN connection reconnects (a broadcast from a
/// node that was never cut reaches a client of this one).
#[tokio::test]
async fn a_silent_partition_answers_503_within_the_timeout_and_heals() {
    if on_sqlite() {
        return;
    }
    const TIMEOUT: Duration = Duration::from_secs(1);
    // On a loaded 2-core machine a request may take some time of its own.
    const SLACK: Duration = Duration::from_millis(1500);
    let (_, upstream) = through(
        &collabkit_store_postgres::admin::test_server_url(),
        "unused",
    );
    let proxy = Proxy::start(upstream).await;
    let tune = |c: &mut collabkit::config::Config| {
        c.realtime.leave_grace = Duration::ZERO;
        c.node.heartbeat = Duration::from_millis(200);
        c.node.timeout = Duration::from_secs(60);
    };
    let a = {
        let addr = proxy.addr.clone();
        TestApp::spawn_with(move |c| {
            tune(c);
            through_proxy(c, &addr, TIMEOUT);
        })
        .await
    };
    // A second node on the same database, never cut off.
    let b = TestApp::spawn_in_with(
        a.dir.clone(),
        Some((a.account_id.clone(), a.api_key.clone())),
        tune,
    )
    .await;
    let room = a.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    let ann = a.create_user(&room_id, "ann").await;
    let bob = a.create_user(&room_id, "bob").await;

    proxy.blackhole();
    let client = crate::helpers::client();
    let silent_until = Instant::now() + 2 * TIMEOUT + Duration::from_secs(2);
    let mut round = 0;
    while Instant::now() < silent_until {
        round += 1;
        let write = timed(
            client
                .post(a.url("/users"))
                .bearer_auth(a.bearer())
                .json(&json!({"name": "n", "roomId": room_id, "customId": format!("p{round}")})),
        );
        let read = timed(
            client
                .get(a.url(&format!("/rooms/{room_id}")))
                .bearer_auth(a.bearer()),
        );
        let readyz = timed(client.get(format!("{}/readyz", a.base)));
        let metrics = timed(client.get(format!("{}/metrics", a.base)));
        let healthz = timed(client.get(format!("{}/healthz", a.base)));
        let (write, read, readyz, metrics, healthz) =
            tokio::join!(write, read, readyz, metrics, healthz);
        for (what, (status, retry_after, body, took)) in [("write", write), ("read", read)] {
            assert_eq!(status, 503, "{what} in round {round}: {body}");
            assert_eq!(body["error"]["reason"], "storage_unavailable", "{body}");
            assert_eq!(retry_after.as_deref(), Some("1"), "{what}: Retry-After");
            assert!(
                took < TIMEOUT + SLACK,
                "{what} in round {round} took {took:?}"
            );
        }
        assert_eq!(readyz.0, 503, "/readyz in round {round}");
        assert!(readyz.3 < TIMEOUT + SLACK, "/readyz took {:?}", readyz.3);
        assert_eq!(metrics.0, 200, "/metrics in round {round}");
        assert!(metrics.3 < SLACK, "/metrics took {:?}", metrics.3);
        assert_eq!(healthz.0, 200);
        assert!(
            healthz.3 < Duration::from_millis(500),
            "/healthz took {:?}",
            healthz.3
        );
    }
    assert!(round >= 2, "the silence lasted several rounds ({round})");

    proxy.restore();
    // Connections that met the silence fail once more at most, then are replaced: the node
    // serves a run of writes in a row again.
    let written = std::cell::Cell::new(0);
    let ten_in_a_row = || async {
        for _ in 0..10 {
            written.set(written.get() + 1);
            let (status, _, body, took) = timed(client.post(a.url("/users")).bearer_auth(a.bearer()).json(
                &json!({"name": "n", "roomId": room_id, "customId": format!("after{}", written.get())}),
            ))
            .await;
            match status {
                201 => {}
                503 => {
                    assert!(
                        took < TIMEOUT + SLACK,
                        "a refusal after the silence took {took:?}"
                    );
                    return Err(format!("write {} refused", written.get()));
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
        Ok(())
    };
    eventually(
        Duration::from_secs(30),
        "the node served 10 writes in a row again",
        ten_in_a_row,
    )
    .await;
    assert_eq!(ready(&a).await, 200);

    // The LISTEN connection came back: another node's broadcast reaches a client of this one.
    let (on_a, _) = Ws::connect(&a, ann["token"].as_str().unwrap()).await;
    let (on_b, _) = Ws::connect(&b, bob["token"].as_str().unwrap()).await;
    // Locked by each probe in turn: it sends on one socket and reads the other.
    let sockets = tokio::sync::Mutex::new((on_a, on_b));
    let heard = eventually(
        Duration::from_secs(15),
        "node A heard node B again (its LISTEN connection came back)",
        || async {
            let (on_a, on_b) = &mut *sockets.lock().await;
            on_b.send(json!({"type": "broadcast", "data": {"hello": "a"}}))
                .await;
            match on_a.next(Duration::from_millis(500)).await {
                Some(m) if m["type"] == "broadcast" => Ok(m),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;
    assert_eq!(heard["userId"], bob["id"]);
}

/// An outage refuses every request, but the log says so once per window (with the count of
/// lines left out), not twice per refused request (the storage failure and the trace layer's
/// "response failed"): a busy node must not flood its log while its database is away.
#[tokio::test]
async fn an_outage_logs_one_error_line_not_one_per_request() {
    if on_sqlite() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let direct = crate::helpers::postgres_database(&dir).await;
    let (_, upstream) = through(&direct, "unused");
    let proxy = Proxy::start(upstream).await;
    let (proxied, _) = through(&direct, &proxy.addr);
    let log = dir.path().join("server.log");
    let key = crate::helpers::secret_key_for(&dir);
    // The real process: the log it writes is the operator's.
    let server = crate::helpers::start_binary(
        &proxied,
        log.clone(),
        &["--secret-key", &key, "--pg-timeout", "500ms"],
    )
    .await;
    let base = server.base.clone();
    let created = collabkit::accounts::create(
        collabkit::store::open(&direct.parse().unwrap(), &Default::default())
            .await
            .unwrap()
            .as_ref(),
        "logs",
    )
    .await
    .unwrap();
    let client = crate::helpers::client();
    let url = format!("{base}/v1/accounts/{}/rooms", created.account.id);
    let bearer = collabkit::accounts::bearer_token(&created.account.id, &created.api_key);
    let ok = client.get(&url).bearer_auth(&bearer).send().await.unwrap();
    assert_eq!(ok.status(), 200);

    proxy.cut();
    for _ in 0..20 {
        let resp = client.get(&url).bearer_auth(&bearer).send().await.unwrap();
        assert_eq!(resp.status(), 503);
    }
    server.terminate().await;
    let text = std::fs::read_to_string(&log).unwrap();
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    let storage = errors
        .iter()
        .filter(|l| l.contains("storage failure"))
        .count();
    assert_eq!(
        storage, 1,
        "one storage failure line for 20 refusals:\n{text}"
    );
    assert!(
        !text.contains("response failed"),
        "a 503 is not logged a second time by the trace layer:\n{text}"
    );
}
