//! The database going away for a few seconds (PostgreSQL, through a TCP proxy the test cuts):
//! API writes get a prompt 503, nothing acknowledged is lost, `/readyz` recovers by itself.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, on_sqlite};
use crate::receiver::Receiver;
use crate::tcp_proxy::Proxy;

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
            c.store.postgres.wait = Duration::from_secs(2);
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
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = ready(&app).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "/readyz never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let slowest = *slowest_refusal.lock().unwrap();
    assert!(slowest > Duration::ZERO, "some writes met the outage");
    assert!(
        slowest < Duration::from_secs(6),
        "a refusal took {slowest:?}"
    );

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 10, "{}", acknowledged.len());
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let delivered: HashSet<String> = rx
            .received()
            .iter()
            .map(|r| {
                let v: Value = serde_json::from_slice(&r.body).unwrap();
                v["user"]["id"].as_str().unwrap().to_owned()
            })
            .collect();
        let missing = acknowledged.difference(&delivered).count();
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} acknowledged events never delivered",
            acknowledged.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
