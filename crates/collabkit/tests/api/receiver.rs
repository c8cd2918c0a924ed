//! A real webhook receiver on loopback that records what it gets and answers as told.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

/// How the receiver answers.
#[derive(Clone, Debug)]
pub enum Reply {
    Status(u16),
    /// A status with a `Retry-After` (seconds).
    RetryAfter(u16, u64),
    /// A status with a body of this many bytes.
    Body(u16, usize),
    /// Never answers.
    Hang,
    /// Answers 200 after a pause.
    Slow(Duration),
}

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Replies to use in order; the last one repeats.
    script: VecDeque<Reply>,
}

#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    arrived: Arc<Notify>,
}

impl Receiver {
    /// A receiver answering 200 to everything.
    pub async fn start() -> Receiver {
        Self::start_with(vec![Reply::Status(200)]).await
    }

    pub async fn start_with(script: Vec<Reply>) -> Receiver {
        let inner = Arc::new(Mutex::new(Inner {
            received: vec![],
            script: script.into(),
        }));
        let arrived = Arc::new(Notify::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .fallback(record)
            .with_state((inner.clone(), arrived.clone()));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver {
            base,
            inner,
            arrived,
        }
    }

    /// The URL of a path on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// From now on, answer with these replies (the last one repeats).
    pub fn set_script(&self, script: Vec<Reply>) {
        self.inner.lock().unwrap().script = script.into();
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Waits until at least `n` requests arrived (panics after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        self.wait_until(within, &format!("{n} requests"), |got| {
            if got.len() >= n {
                Ok(got.to_vec())
            } else {
                Err(format!("{} requests", got.len()))
            }
        })
        .await
    }

    /// The users whose `user.created` this receiver got.
    pub fn users_created(&self) -> HashSet<String> {
        users_created(&self.received())
    }

    /// Waits until the `user.created` of every user in `users` arrived; panics after `within`
    /// with `what` and how many are missing.
    pub async fn wait_for_users(&self, users: &HashSet<String>, within: Duration, what: &str) {
        self.wait_until(within, what, |got| {
            let missing = users.difference(&users_created(got)).count();
            if missing == 0 {
                Ok(())
            } else {
                Err(format!("{missing} of {} never delivered", users.len()))
            }
        })
        .await
    }

    /// Waits until `done` holds of what arrived, checked again at each arrival rather than on a
    /// timer, and returns what it gave; panics after `within` with `what` and what `done` said
    /// last.
    pub async fn wait_until<T>(
        &self,
        within: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> Result<T, String>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            // Made before the check: an arrival during it still wakes the wait below.
            let notified = self.arrived.notified();
            let seen = match done(&self.received()) {
                Ok(value) => return value,
                Err(seen) => seen,
            };
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{what}: not within {within:?}; last seen: {seen}"
            );
            let _ = tokio::time::timeout(left, notified).await;
        }
    }
}

/// The users of the `user.created` deliveries among `received`.
fn users_created(received: &[Received]) -> HashSet<String> {
    received
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            v["user"]["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn record(
    State((inner, arrived)): State<(Arc<Mutex<Inner>>, Arc<Notify>)>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut inner = inner.lock().unwrap();
        inner.received.push(Received {
            path: uri.path().to_string(),
            headers,
            body,
            at: Instant::now(),
        });
        if inner.script.len() > 1 {
            inner.script.pop_front().unwrap()
        } else {
            inner.script.front().cloned().unwrap_or(Reply::Status(200))
        }
    };
    arrived.notify_waiters();
    match reply {
        Reply::Status(s) => StatusCode::from_u16(s).unwrap().into_response(),
        Reply::RetryAfter(s, secs) => (
            StatusCode::from_u16(s).unwrap(),
            [("retry-after", secs.to_string())],
        )
            .into_response(),
        Reply::Body(s, n) => (StatusCode::from_u16(s).unwrap(), "x".repeat(n)).into_response(),
        Reply::Slow(pause) => {
            tokio::time::sleep(pause).await;
            StatusCode::OK.into_response()
        }
        Reply::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
    }
}
