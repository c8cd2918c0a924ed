//! The benchmark's receiver: answers 200 (or a fixed status) at once and counts, optionally
//! noting how long each event took from its creation to its receipt.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
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
        let router = axum::Router::new()
            .fallback(receive)
            .with_state(counts.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
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

async fn receive(
    State(counts): State<Arc<Counts>>,
    _headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if counts.measure.load(Ordering::Relaxed) {
        // The payload's timestamp is when the event was committed with its change.
        #[derive(serde::Deserialize)]
        struct Stamp<'a> {
            #[serde(borrow)]
            timestamp: &'a str,
        }
        if let Ok(stamp) = serde_json::from_slice::<Stamp>(&body)
            && let Ok(at) = crate::clock::parse(stamp.timestamp)
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
    StatusCode::from_u16(counts.status.load(Ordering::Relaxed)).unwrap_or(StatusCode::OK)
}
