//! A connection's send queue, bounded in frames and in bytes.
//!
//! The room (and the connection itself, for pongs and errors) queue frames through an
//! [`Outlet`]; the connection's writer takes them from the [`Drain`] as the socket takes them.
//! A frame relayed to many connections is one allocation (`Utf8Bytes` is reference-counted),
//! but every queue counts its whole length: what a connection that never reads can keep alive
//! is its own bound, whatever the room holds. A frame that would pass the bound is refused and
//! the connection is aborted: it drops what it had queued and closes with [`CLOSE_TOO_SLOW`].

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Close code for a connection that let more than its send queue's bound wait unread.
pub const CLOSE_TOO_SLOW: u16 = 4008;

/// What the room (or the connection itself) queues for the socket.
#[derive(Debug)]
pub enum Outbound {
    Text(Utf8Bytes),
    Close(u16, Utf8Bytes),
}

impl Outbound {
    /// The bytes this frame keeps alive while it waits.
    fn len(&self) -> usize {
        match self {
            Outbound::Text(t) => t.len(),
            Outbound::Close(_, reason) => reason.len() + 2,
        }
    }
}

/// The frame could not be queued: the connection is closing (too slow, or gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Where the process-wide accounting goes.
#[derive(Clone)]
pub struct QueueMetrics {
    /// Bytes queued on every connection and not yet taken by their sockets.
    pub queued_bytes: Gauge,
    /// Connections aborted for letting their queue fill up.
    pub too_slow: Counter,
}

struct State {
    /// Bytes queued and not yet written, the frame being written included.
    queued: AtomicUsize,
    limit: usize,
    /// Cancelled when the connection must close now, with `abort`'s code and reason.
    aborted: CancellationToken,
    abort: Mutex<Option<(u16, Utf8Bytes)>>,
    /// The room has frames owed to this connection (presences after the welcome) and waits to
    /// hear that the queue has room again.
    wants_more: AtomicBool,
    /// Woken when the writer took frames: a frame of the connection's own that waits for room
    /// ([`WeakOutlet::send_when_room`]) looks again.
    drained: tokio::sync::Notify,
    metrics: QueueMetrics,
}

impl State {
    fn release(&self, len: usize) {
        if len > 0 {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            self.metrics.queued_bytes.dec_by(len as i64);
            self.drained.notify_waiters();
        }
    }

    fn abort(&self, code: u16, reason: Utf8Bytes) {
        let mut abort = self.abort.lock().unwrap_or_else(|e| e.into_inner());
        if abort.is_none() {
            *abort = Some((code, reason));
            self.aborted.cancel();
        }
    }
}

/// A new queue of at most `frames` frames and `bytes` bytes: the room's end and the writer's.
pub fn channel(frames: usize, bytes: usize, metrics: QueueMetrics) -> (Outlet, Drain) {
    let (tx, rx) = mpsc::channel(frames.max(1));
    let state = Arc::new(State {
        queued: AtomicUsize::new(0),
        limit: bytes,
        aborted: CancellationToken::new(),
        abort: Mutex::new(None),
        wants_more: AtomicBool::new(false),
        drained: tokio::sync::Notify::new(),
        metrics,
    });
    (
        Outlet {
            tx,
            state: state.clone(),
        },
        Drain {
            rx,
            state,
            in_flight: 0,
        },
    )
}

/// The sending end, held by the room. Dropping every outlet ends the connection once the
/// writer has sent what is queued.
#[derive(Clone)]
pub struct Outlet {
    tx: mpsc::Sender<Outbound>,
    state: Arc<State>,
}

impl Outlet {
    /// Queues `frame` unless the queue is full (in frames or bytes): then the connection is
    /// aborted as too slow. An empty queue always takes a frame, so one frame larger than the
    /// bound (a welcome) still goes out to a reader that keeps up.
    pub fn send(&self, frame: Outbound) -> Result<(), Refused> {
        self.push(frame, true)
    }

    /// Queues a close frame after what is queued (a few bytes: past the byte bound if need
    /// be); if the queue is full of frames, closes now instead.
    pub fn close(&self, code: u16, reason: &'static str) {
        if self
            .push(Outbound::Close(code, reason.into()), false)
            .is_err()
        {
            self.state.abort(code, reason.into());
        }
    }

    fn push(&self, frame: Outbound, bounded: bool) -> Result<(), Refused> {
        let state = &self.state;
        if state.aborted.is_cancelled() {
            return Err(Refused);
        }
        let len = frame.len();
        let before = state.queued.fetch_add(len, Ordering::AcqRel);
        if bounded && before > 0 && before + len > state.limit {
            state.queued.fetch_sub(len, Ordering::AcqRel);
            self.too_slow();
            return Err(Refused);
        }
        match self.tx.try_send(frame) {
            Ok(()) => {
                state.metrics.queued_bytes.inc_by(len as i64);
                Ok(())
            }
            Err(e) => {
                state.queued.fetch_sub(len, Ordering::AcqRel);
                if bounded && matches!(e, mpsc::error::TrySendError::Full(_)) {
                    self.too_slow();
                }
                Err(Refused)
            }
        }
    }

    /// Whether a frame of `len` bytes can be queued while leaving half the bound (in bytes and
    /// in frames) to the room's live traffic: frames owed from before (presences after a
    /// welcome) go out only that fast, so they never make a connection too slow by themselves.
    pub fn has_room_for(&self, len: usize) -> bool {
        let queued = self.state.queued.load(Ordering::Acquire);
        let frames_free = self.tx.capacity() * 2 > self.tx.max_capacity();
        frames_free && (queued == 0 || queued + len <= self.state.limit / 2)
    }

    /// Asks the writer to tell the room (with `Command::Drained`) once the queue has room.
    pub fn want_more(&self) {
        self.state.wants_more.store(true, Ordering::Release);
    }

    pub fn downgrade(&self) -> WeakOutlet {
        WeakOutlet {
            tx: self.tx.downgrade(),
            state: self.state.clone(),
        }
    }

    fn too_slow(&self) {
        if !self.state.aborted.is_cancelled() {
            self.state.metrics.too_slow.inc();
            tracing::debug!(
                limit = self.state.limit,
                "closing a connection too slow to read what it is sent"
            );
        }
        self.state
            .abort(CLOSE_TOO_SLOW, "too slow: the send queue is full".into());
    }
}

/// The connection's own handle on its queue: it does not keep the connection open.
#[derive(Clone)]
pub struct WeakOutlet {
    tx: mpsc::WeakSender<Outbound>,
    state: Arc<State>,
}

impl WeakOutlet {
    /// Queues a frame of the connection's own (a pong, an error), as [`Outlet::send`].
    pub fn send(&self, frame: Outbound) -> Result<(), Refused> {
        let tx = self.tx.upgrade().ok_or(Refused)?;
        Outlet {
            tx,
            state: self.state.clone(),
        }
        .send(frame)
    }

    /// Queues an answer the connection asked for (a store's response, maybe a snapshot larger
    /// than the bound): it waits until the queue has room for it (or is empty, for a frame
    /// larger than the bound) instead of closing the connection as too slow; the room's frames
    /// keep their bound. A client that stops reading stops getting answers, and its requests
    /// are refused once their own bound is full.
    pub async fn send_when_room(&self, frame: Outbound) -> Result<(), Refused> {
        let len = frame.len();
        loop {
            let drained = self.state.drained.notified();
            tokio::pin!(drained);
            drained.as_mut().enable();
            if self.state.aborted.is_cancelled() {
                return Err(Refused);
            }
            let tx = self.tx.upgrade().ok_or(Refused)?;
            let queued = self.state.queued.load(Ordering::Acquire);
            let fits = queued == 0 || queued + len <= self.state.limit;
            if fits && tx.capacity() > 0 {
                return Outlet {
                    tx,
                    state: self.state.clone(),
                }
                .send(frame);
            }
            drop(tx);
            // The writer wakes us as it takes frames; a socket that died is seen by the checks
            // above once the connection ends (its queue's sender goes).
            let _ = tokio::time::timeout(std::time::Duration::from_secs(1), drained).await;
        }
    }

    /// Ends the connection now with `code`: what is queued is dropped.
    pub fn abort(&self, code: u16, reason: &'static str) {
        self.state.abort(code, reason.into());
    }
}

/// The writer's end.
pub struct Drain {
    rx: mpsc::Receiver<Outbound>,
    state: Arc<State>,
    /// Bytes of the frame being written, counted until the socket took it.
    in_flight: usize,
}

impl Drain {
    /// The next frame to write; `None` once every outlet is gone and the queue is empty.
    pub async fn recv(&mut self) -> Option<Outbound> {
        self.state.release(std::mem::take(&mut self.in_flight));
        let frame = self.rx.recv().await?;
        self.in_flight = frame.len();
        Some(frame)
    }

    /// The socket took the frame last received. True when the room asked to hear that the
    /// queue has room again and it now has (a quarter of the bound or less queued, in bytes
    /// and in frames: half of what [`Outlet::has_room_for`] fills, so each wake-up is worth
    /// a batch).
    pub fn sent(&mut self) -> bool {
        self.state.release(std::mem::take(&mut self.in_flight));
        let state = &self.state;
        state.queued.load(Ordering::Acquire) <= state.limit / 4
            && self.rx.len() * 4 <= self.rx.max_capacity()
            && state.wants_more.swap(false, Ordering::AcqRel)
    }

    /// Resolves when the connection must close now, with the close code and reason.
    pub fn aborted(&self) -> impl Future<Output = (u16, Utf8Bytes)> + 'static {
        let state = self.state.clone();
        async move {
            state.aborted.cancelled().await;
            let abort = state.abort.lock().unwrap_or_else(|e| e.into_inner());
            abort
                .clone()
                .unwrap_or((CLOSE_TOO_SLOW, Utf8Bytes::from_static("")))
        }
    }
}

impl Drop for Drain {
    /// What was queued is freed now, and leaves the accounting.
    fn drop(&mut self) {
        self.rx.close();
        let mut left = std::mem::take(&mut self.in_flight);
        while let Ok(frame) = self.rx.try_recv() {
            left += frame.len();
        }
        self.state.release(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> QueueMetrics {
        QueueMetrics {
            queued_bytes: Gauge::default(),
            too_slow: Counter::default(),
        }
    }

    fn text(n: usize) -> Outbound {
        Outbound::Text("x".repeat(n).into())
    }

    /// A frame the connection asked for waits for room where the room's would abort it.
    #[tokio::test]
    async fn an_own_answer_past_the_bound_waits_for_the_writer() {
        let m = metrics();
        let (outlet, mut drain) = channel(100, 1000, m.clone());
        outlet.send(text(600)).unwrap();
        let own = outlet.downgrade();
        let answer = tokio::spawn(async move { own.send_when_room(text(5000)).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            !answer.is_finished(),
            "it waits while the queue holds a frame"
        );
        // The writer takes the first frame: the queue is empty, the answer goes in.
        assert!(matches!(drain.recv().await, Some(Outbound::Text(t)) if t.len() == 600));
        drain.sent();
        answer.await.unwrap().unwrap();
        assert!(matches!(drain.recv().await, Some(Outbound::Text(t)) if t.len() == 5000));
        assert_eq!(m.too_slow.get(), 0, "nobody was closed");
        // The room's frames keep their bound.
        assert!(outlet.send(text(1)).is_err());
        assert_eq!(m.too_slow.get(), 1);
    }

    #[tokio::test]
    async fn bytes_past_the_bound_abort_and_dropping_frees_them() {
        let m = metrics();
        let (outlet, drain) = channel(100, 1000, m.clone());
        // An empty queue takes one frame larger than the bound.
        outlet.send(text(1500)).unwrap();
        assert!(outlet.send(text(1)).is_err(), "past the bound");
        assert_eq!(m.too_slow.get(), 1);
        let (code, _) = drain.aborted().await;
        assert_eq!(code, CLOSE_TOO_SLOW);
        assert_eq!(m.queued_bytes.get(), 1500);
        drop(drain);
        assert_eq!(m.queued_bytes.get(), 0, "freed with the queue");
        assert!(outlet.send(text(1)).is_err(), "closed for good");
    }

    #[tokio::test]
    async fn the_writer_releases_what_it_sent_and_wakes_the_room() {
        let m = metrics();
        let (outlet, mut drain) = channel(100, 1000, m.clone());
        for _ in 0..4 {
            outlet.send(text(200)).unwrap();
        }
        assert!(
            !outlet.has_room_for(200),
            "owed frames keep to half the bound"
        );
        outlet.want_more();
        drain.recv().await.unwrap();
        assert!(!drain.sent(), "600 queued is more than a quarter");
        drain.recv().await.unwrap();
        drain.recv().await.unwrap();
        assert!(drain.sent(), "200 queued: the room hears of it once");
        assert!(!drain.sent());
        assert_eq!(m.queued_bytes.get(), 200);
        assert!(outlet.has_room_for(200));
        // Frames count in frames too.
        let (small, _drain) = channel(2, 1000, m.clone());
        small.send(text(1)).unwrap();
        small.send(text(1)).unwrap();
        assert!(small.send(text(1)).is_err());
        assert_eq!(m.too_slow.get(), 1);
    }
}
