//! The benchmark's receiver: answers 200 (or a fixed status) at once and counts, optionally
//! noting how long each event took from its creation to its receipt.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::Notify;

#[derive(Default)]
pub struct Counts {
    pub received: AtomicU64,
    /// Event-to-receipt latencies in seconds, while `measure` is on.
    pub latencies: Mutex<Vec<f64>>,
    pub measure: std::sync::atomic::AtomicBool,
    pub status: std::sync::atomic::AtomicU16,
    /// Rung when `received` reaches `target`.
    pub arrived: Notify,
    pub target: AtomicU64,
    /// Requests whose body holds this (a room's id) are answered 500 and counted in `failed`
    /// instead (the ordered run's stalled room).
    pub fail_marker: Mutex<Option<String>>,
    pub failed: AtomicU64,
}

pub struct BenchReceiver {
    pub url: String,
    pub counts: Arc<Counts>,
}

impl BenchReceiver {
    pub async fn start() -> anyhow::Result<BenchReceiver> {
        let counts = Arc::new(Counts::default());
        counts.status.store(200, Ordering::Relaxed);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
        let shared = counts.clone();
        // Plain hyper, no router: the receiver shares the machine with the server it measures.
        tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    // Out of descriptors, say: the run goes on with the connections it has.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let counts = shared.clone();
                let service = service_fn(move |request| {
                    let counts = counts.clone();
                    async move { Ok::<_, Infallible>(receive(&counts, request).await) }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Ok(BenchReceiver { url, counts })
    }

    pub fn received(&self) -> u64 {
        self.counts.received.load(Ordering::Relaxed)
    }

    /// Waits until `n` requests in all have arrived.
    pub async fn wait_for(&self, n: u64) {
        self.counts.target.store(n, Ordering::Relaxed);
        loop {
            let notified = self.counts.arrived.notified();
            if self.received() >= n {
                return;
            }
            let _ = tokio::time::timeout(std::time::Duration::from_millis(50), notified).await;
        }
    }
}

async fn receive(counts: &Counts, request: Request<Incoming>) -> Response<Empty<Bytes>> {
    let body = match request.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let marked = {
        let marker = counts.fail_marker.lock().unwrap();
        marker
            .as_deref()
            .is_some_and(|m| memchr_contains(&body, m.as_bytes()))
    };
    if marked {
        counts.failed.fetch_add(1, Ordering::Relaxed);
        let mut response = Response::new(Empty::new());
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return response;
    }
    if counts.measure.load(Ordering::Relaxed) {
        // The payload's timestamp is when the event was committed with its change.
        #[derive(serde::Deserialize)]
        struct Stamp<'a> {
            #[serde(borrow)]
            timestamp: &'a str,
        }
        if let Ok(stamp) = serde_json::from_slice::<Stamp>(&body)
            && let Ok(at) = collabkit::clock::parse(stamp.timestamp)
        {
            let secs = (chrono::Utc::now() - at).num_microseconds().unwrap_or(0) as f64 / 1e6;
            counts.latencies.lock().unwrap().push(secs);
        }
    }
    // Waking the waiter on every request would cost the run a task wake-up per delivery.
    if counts.received.fetch_add(1, Ordering::Relaxed) + 1 >= counts.target.load(Ordering::Relaxed)
    {
        counts.arrived.notify_waiters();
    }
    let mut response = Response::new(Empty::new());
    *response.status_mut() =
        StatusCode::from_u16(counts.status.load(Ordering::Relaxed)).unwrap_or(StatusCode::OK);
    response
}

fn memchr_contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
