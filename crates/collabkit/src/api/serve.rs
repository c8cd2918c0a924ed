//! The HTTP server's connection hygiene: how many connections, and how long one may dawdle.
//!
//! `axum::serve` gives a slow or idle client a connection for as long as it likes: 1,000 sockets
//! that sent half a request line were all still open 22 s later, idle keep-alives and silent
//! sockets after 75 s, and nothing capped their number. Here each connection is served by
//! hyper's HTTP/1 server with
//! - a header-read timeout (a request line and headers must arrive within it),
//! - an idle timeout (a connection with no byte read or written for that long is closed; a
//!   WebSocket's pings count, so it must exceed the heartbeat),
//! - and a global cap: past it, a new connection is closed at once.
//!
//! On shutdown, open connections finish their request in flight and close (WebSockets are
//! closed by the realtime hub).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::duration;
use crate::metrics::Metrics;

/// Limits on HTTP connections.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionLimits {
    /// A request's line and headers must arrive within this, or the connection is closed.
    #[arg(long, env = "COLLABKIT_HEADER_READ_TIMEOUT", default_value = duration::shown!(ConnectionLimits::default().header_read_timeout), value_parser = duration::parse)]
    pub header_read_timeout: Duration,
    // Idle keep-alives and silent sockets alike.
    /// A connection with no traffic for this long is closed (at least twice --ws-heartbeat).
    #[arg(long, env = "COLLABKIT_IDLE_TIMEOUT", default_value = duration::shown!(ConnectionLimits::default().idle_timeout), value_parser = duration::parse)]
    pub idle_timeout: Duration,
    /// Open connections at most (WebSockets included); more are closed as they arrive.
    #[arg(long, env = "COLLABKIT_MAX_CONNECTIONS", default_value_t = ConnectionLimits::default().max_connections, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// API requests handled at once at most; more are refused at once with 503 and
    /// `Retry-After` (operations endpoints never are).
    #[arg(long, env = "COLLABKIT_MAX_IN_FLIGHT", default_value_t = ConnectionLimits::default().max_in_flight, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_in_flight: usize,
    /// API requests per second one account may make (bursts of twice that); past it, 429 with
    /// `Retry-After`. 0 for no limit.
    #[arg(long, env = "COLLABKIT_ACCOUNT_RATE_LIMIT", default_value_t = ConnectionLimits::default().account_rate_limit)]
    pub account_rate_limit: u32,
    /// On a database other nodes share, how often an event stream that has caught up reads
    /// the log anyway: changes made through this node wake it at once, those of other nodes
    /// are seen this late at most. (On SQLite no other node writes: streams never poll.)
    #[arg(skip = ConnectionLimits::default().event_stream_poll)]
    pub event_stream_poll: Duration,
    /// Event streams (`GET /events/stream`) one account may hold open on this node; one more
    /// is refused with 429 `too_many_streams`.
    #[arg(long, env = "COLLABKIT_MAX_STREAMS_PER_ACCOUNT", default_value_t = ConnectionLimits::default().max_streams_per_account, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_streams_per_account: usize,
    // The cap in force is [`ConnectionLimits::stream_caps`].
    /// Event streams of all accounts on this node, and never more than half of
    /// --max-connections (the rest stays free for the API and health checks); one more is
    /// refused with 503 `streams_full`.
    #[arg(long, env = "COLLABKIT_MAX_STREAMS", default_value_t = ConnectionLimits::default().max_streams, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_streams: usize,
    /// How long the answer to a POST with an `Idempotency-Key` is replayed to a request that
    /// repeats it (kept in the database, then pruned).
    #[arg(long, env = "COLLABKIT_IDEMPOTENCY_WINDOW", default_value = duration::shown!(ConnectionLimits::default().idempotency_window), value_parser = duration::parse)]
    pub idempotency_window: Duration,
}

impl ConnectionLimits {
    /// The stream caps in force. A stream holds its connection for as long as it stays open,
    /// and its keep-alives are traffic, so the idle timeout never closes it: streams may take
    /// at most half of `max_connections`, and the other half stays free for the API, health
    /// checks and WebSockets whatever streams are opened.
    pub fn stream_caps(&self) -> crate::event_streams::StreamCaps {
        crate::event_streams::StreamCaps {
            per_account: self.max_streams_per_account,
            total: self.max_streams.min(self.max_connections / 2),
        }
    }
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 16_384,
            max_in_flight: 256,
            account_rate_limit: 1000,
            event_stream_poll: Duration::from_millis(500),
            max_streams_per_account: 16,
            max_streams: 4096,
            idempotency_window: Duration::from_secs(24 * 3600),
        }
    }
}

/// Serves `router` on `listener` until `shutdown`, then waits for the open connections'
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let connections = TaskTracker::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, say: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            metrics.http_connections_refused.inc();
            tracing::debug!("connection refused: --max-connections reached");
            continue; // Dropping the stream closes it.
        };
        let _ = stream.set_nodelay(true);
        let (router, limits, metrics, shutdown) = (
            router.clone(),
            limits.clone(),
            metrics.clone(),
            shutdown.clone(),
        );
        connections.spawn(async move {
            metrics.http_connections.inc();
            serve_connection(stream, router, &limits, shutdown).await;
            metrics.http_connections.dec();
            drop(slot);
        });
    }
    drop(listener);
    connections.close();
    connections.wait().await;
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: &ConnectionLimits,
    shutdown: CancellationToken,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        router.clone().oneshot(req.map(axum::body::Body::new))
    });
    let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(io, service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = shutdown.cancelled() => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// A stream that fails with `TimedOut` once nothing was read or written for `timeout`.
struct IdleTimeout {
    inner: TcpStream,
    timeout: Duration,
    last_activity: Instant,
    /// Armed for `last_activity + timeout`; moved on lazily when it fires, so traffic costs no
    /// timer operation.
    deadline: Pin<Box<Sleep>>,
}

impl IdleTimeout {
    fn new(inner: TcpStream, timeout: Duration) -> IdleTimeout {
        let now = Instant::now();
        IdleTimeout {
            inner,
            timeout,
            last_activity: now,
            deadline: Box::pin(tokio::time::sleep_until(now + timeout)),
        }
    }

    /// Whether the connection has been idle for the whole timeout (registers a wake-up if not).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.deadline.as_mut().poll(cx).is_pending() {
                return false;
            }
            let due = self.last_activity + self.timeout;
            if due <= Instant::now() {
                return true;
            }
            self.deadline.as_mut().reset(due);
        }
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                self.last_activity = Instant::now();
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle for too long",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if r.is_ready() {
            self.last_activity = Instant::now();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if r.is_ready() {
            self.last_activity = Instant::now();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
