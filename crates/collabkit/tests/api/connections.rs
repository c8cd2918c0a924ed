//! Slow, silent and too many clients: the server closes what dawdles and caps how many.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, metric, until};

async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.http.header_read_timeout = Duration::from_millis(300);
        c.http.idle_timeout = Duration::from_millis(600);
        c.http.max_connections = 8;
        // The idle timeout is at least twice the heartbeat.
        c.realtime.heartbeat = Duration::from_millis(200);
    })
    .await
}

async fn open(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// How long until the server closes `stream` (reads until EOF or an error); panics after 5 s.
async fn closed_after(mut stream: TcpStream) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open"),
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue, // a response (e.g. 408), then the close
        }
    }
}

#[tokio::test]
async fn half_a_request_line_is_closed_after_the_header_timeout() {
    let app = app().await;
    let mut slow = open(&app).await;
    slow.write_all(b"GET /healthz HTT").await.unwrap();
    let took = closed_after(slow).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn headers_dribbled_a_byte_at_a_time_are_closed_too() {
    let app = app().await;
    let mut slow = open(&app).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    // Each byte resets no header clock: the whole head must arrive within the timeout.
    let mut closed = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if slow.write_all(b"X").await.is_err() {
            closed = true;
            break;
        }
    }
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(2), slow.read(&mut buf))
        .await
        .map(|r| r.unwrap_or(0))
        .unwrap_or(usize::MAX);
    assert!(
        closed || n == 0 || String::from_utf8_lossy(&buf[..n.min(256)]).starts_with("HTTP/1.1 408"),
        "still open after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn silent_sockets_and_idle_keep_alives_are_closed() {
    let app = app().await;
    let silent = open(&app).await;
    let took = closed_after(silent).await;
    assert!(took < Duration::from_secs(3), "silent socket: {took:?}");

    let mut keep_alive = open(&app).await;
    keep_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = keep_alive.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let took = closed_after(keep_alive).await;
    assert!(took < Duration::from_secs(3), "idle keep-alive: {took:?}");
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_on_arrival() {
    let app = TestApp::spawn_with(|c| c.http.max_connections = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(open(&app).await);
    }
    // Give the server a moment to accept them all.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let extra = open(&app).await;
    let took = closed_after(extra).await;
    assert!(took < Duration::from_secs(1), "{took:?}");
    drop(held);
    // Places free up as connections close.
    until("a place freed", || async {
        let resp = app.client.get(format!("{}/healthz", app.base)).send().await;
        resp.is_ok_and(|r| r.status().is_success())
    })
    .await;
    let text = app.metrics_text().await;
    assert!(
        metric(&text, "collabkit_http_connections_refused_total").is_some_and(|n| n > 0.0),
        "{text}"
    );
}
