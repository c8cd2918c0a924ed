//! Prometheus metrics, kept in a registry per app (no globals, so tests can run many apps).

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    pub event: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `success`, `retry`, `failed` (schedule exhausted) or `gone` (410).
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StreamCapLabels {
    /// `account` (`--max-streams-per-account`) or `server` (`--max-streams`).
    pub cap: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CheckpointLabels {
    /// `passive` (background copy), `restart` (reset of the log past its limit) or `truncate`
    /// (reset that also gives the file's space back).
    pub mode: &'static str,
    /// passive: `complete`, `partial` or `failed`; the resets: `done`, `busy` or `failed`.
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    /// Storage size on disk and WAL checkpoints, copied from the store on each scrape.
    pub storage_database_bytes: Gauge,
    pub storage_wal_bytes: Gauge,
    pub storage_wal_peak_bytes: Gauge,
    pub storage_wal_limit_bytes: Gauge,
    pub storage_checkpoints: Family<CheckpointLabels, Counter>,
    pub storage_wal_reset_seconds: Counter<f64, AtomicU64>,
    /// HTTP requests by method, route template and status.
    pub http_requests: Family<HttpLabels, Counter>,
    /// HTTP request latency in seconds, by method, route template and status.
    pub http_duration: Family<HttpLabels, Histogram>,
    /// Events stored, by event name.
    pub events_stored: Family<EventLabels, Counter>,
    /// Delivery attempts by outcome.
    pub attempts: Family<OutcomeLabels, Counter>,
    /// Attempts to send delivery alerts by outcome (`success`, `retry`, `failed`), and the
    /// alerts the rate limit held back (`suppressed` in the alert log).
    pub alert_attempts: Family<OutcomeLabels, Counter>,
    pub alerts_suppressed: Counter,
    /// Claims of due deliveries asked of the store (fresh deliveries are handed over without
    /// one: this counts the queue's reads, not the deliveries).
    pub delivery_claims: Counter,
    /// Deliveries of rate-limited registrations sent back to the queue to wait for their send
    /// time (a wait, not an attempt).
    pub delivery_rate_waits: Counter,
    /// Attempt latency in seconds (connect to last byte read).
    pub attempt_duration: Histogram,
    /// Pending deliveries due now, scheduled for later, and the age of the oldest due one;
    /// refreshed from the store on each scrape.
    pub queue_due: Gauge,
    pub queue_scheduled: Gauge,
    pub queue_oldest_due_age: Gauge<f64, AtomicU64>,
    /// Open realtime connections.
    pub connections: Gauge,
    /// Open HTTP connections (WebSockets included), and those closed on arrival because
    /// `--max-connections` were open.
    pub http_connections: Gauge,
    pub http_connections_refused: Counter,
    /// API requests refused at once (503) because `--max-in-flight` were being handled.
    pub http_shed: Counter,
    /// Rooms with a live actor (at least one participant, or one leaving).
    pub live_rooms: Gauge,
    /// Bytes queued for realtime connections and not yet taken by their sockets (a frame
    /// relayed to many connections counts once per connection), and the connections closed
    /// for letting their queue fill up.
    pub realtime_queued_bytes: Gauge,
    pub realtime_too_slow: Counter,
    /// Open event streams, those refused by a cap, and their reads of the event log (a stream
    /// that has caught up reads only when woken, or on a shared database when it polls).
    pub event_streams: Gauge,
    pub event_streams_refused: Family<StreamCapLabels, Counter>,
    pub event_stream_reads: Counter,
}

impl Metrics {
    /// `collabkit_node_info{node="…"} 1`: which node's metrics these are.
    pub fn set_node(&self, node: &str) {
        let info =
            prometheus_client::metrics::info::Info::new(vec![("node".to_owned(), node.to_owned())]);
        self.registry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .register("node", "The node serving these metrics", info);
    }

    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("collabkit");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_duration = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0001, 2.0, 18))
        });
        let events_stored = Family::<EventLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests handled",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            http_duration.clone(),
        );
        registry.register(
            "events_stored",
            "Events stored in the outbox",
            events_stored.clone(),
        );
        let attempts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "delivery_attempts",
            "Delivery attempts by outcome",
            attempts.clone(),
        );
        let alert_attempts = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "alert_attempts",
            "Attempts to send delivery alerts by outcome",
            alert_attempts.clone(),
        );
        let alerts_suppressed = Counter::default();
        registry.register(
            "alerts_suppressed",
            "Delivery alerts held back by the rate limit (suppressed in the alert log)",
            alerts_suppressed.clone(),
        );
        let attempt_duration = Histogram::new(exponential_buckets(0.0001, 2.0, 18));
        registry.register(
            "delivery_attempt_duration_seconds",
            "Delivery attempt latency",
            attempt_duration.clone(),
        );
        let queue_due = Gauge::default();
        registry.register(
            "delivery_queue_due",
            "Pending deliveries due now",
            queue_due.clone(),
        );
        let queue_scheduled = Gauge::default();
        registry.register(
            "delivery_queue_scheduled",
            "Pending deliveries waiting for a later retry",
            queue_scheduled.clone(),
        );
        let queue_oldest_due_age = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "delivery_queue_oldest_due_age_seconds",
            "How long the oldest due delivery has been due",
            queue_oldest_due_age.clone(),
        );
        let connections = Gauge::default();
        registry.register(
            "realtime_connections",
            "Open WebSocket connections",
            connections.clone(),
        );
        let live_rooms = Gauge::default();
        registry.register(
            "realtime_live_rooms",
            "Rooms with a live session",
            live_rooms.clone(),
        );
        let realtime_queued_bytes = Gauge::default();
        registry.register(
            "realtime_queued_bytes",
            "Bytes queued for WebSocket connections, not yet written to their sockets",
            realtime_queued_bytes.clone(),
        );
        let realtime_too_slow = Counter::default();
        registry.register(
            "realtime_slow_readers_closed",
            "WebSocket connections closed because their send queue was full",
            realtime_too_slow.clone(),
        );
        let storage_database_bytes = Gauge::default();
        registry.register(
            "storage_database_bytes",
            "Size of the database file",
            storage_database_bytes.clone(),
        );
        let storage_wal_bytes = Gauge::default();
        registry.register(
            "storage_wal_bytes",
            "Size of the write-ahead log file",
            storage_wal_bytes.clone(),
        );
        let storage_wal_peak_bytes = Gauge::default();
        registry.register(
            "storage_wal_peak_bytes",
            "Largest size of the write-ahead log file since start-up",
            storage_wal_peak_bytes.clone(),
        );
        let storage_wal_limit_bytes = Gauge::default();
        registry.register(
            "storage_wal_limit_bytes",
            "Size above which the write-ahead log is reset",
            storage_wal_limit_bytes.clone(),
        );
        let storage_checkpoints = Family::<CheckpointLabels, Counter>::default();
        registry.register(
            "storage_wal_checkpoints",
            "WAL checkpoints by mode and outcome",
            storage_checkpoints.clone(),
        );
        let storage_wal_reset_seconds = Counter::<f64, AtomicU64>::default();
        registry.register(
            "storage_wal_reset_seconds",
            "Time spent resetting the write-ahead log (writes wait meanwhile)",
            storage_wal_reset_seconds.clone(),
        );
        let http_connections = Gauge::default();
        registry.register(
            "http_connections",
            "Open HTTP connections, WebSockets included",
            http_connections.clone(),
        );
        let http_connections_refused = Counter::default();
        registry.register(
            "http_connections_refused",
            "Connections closed on arrival because --max-connections were open",
            http_connections_refused.clone(),
        );
        let http_shed = Counter::default();
        registry.register(
            "http_requests_shed",
            "API requests refused with 503 because --max-in-flight were being handled",
            http_shed.clone(),
        );
        let event_streams = Gauge::default();
        registry.register(
            "event_streams",
            "Open event streams (GET /events/stream)",
            event_streams.clone(),
        );
        let event_streams_refused = Family::<StreamCapLabels, Counter>::default();
        registry.register(
            "event_streams_refused",
            "Event streams refused because a cap was reached, by cap",
            event_streams_refused.clone(),
        );
        let delivery_claims = Counter::default();
        registry.register(
            "delivery_claims",
            "Claims of due deliveries asked of the store",
            delivery_claims.clone(),
        );
        let delivery_rate_waits = Counter::default();
        registry.register(
            "delivery_rate_waits",
            "Deliveries of rate-limited registrations sent back to the queue to wait for their send time",
            delivery_rate_waits.clone(),
        );
        let event_stream_reads = Counter::default();
        registry.register(
            "event_stream_reads",
            "Reads of the event log by event streams",
            event_stream_reads.clone(),
        );
        Metrics {
            event_streams,
            event_streams_refused,
            event_stream_reads,
            http_shed,
            http_connections,
            http_connections_refused,
            storage_database_bytes,
            storage_wal_bytes,
            storage_wal_peak_bytes,
            storage_wal_limit_bytes,
            storage_checkpoints,
            storage_wal_reset_seconds,
            connections,
            live_rooms,
            realtime_queued_bytes,
            realtime_too_slow,
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            events_stored,
            attempts,
            alert_attempts,
            alerts_suppressed,
            delivery_claims,
            delivery_rate_waits,
            attempt_duration,
            queue_due,
            queue_scheduled,
            queue_oldest_due_age,
        }
    }

    /// Counts one attempt by where it led.
    pub fn record_attempt(&self, next: &crate::store::NextStep, took: std::time::Duration) {
        use crate::store::NextStep;
        let outcome = match next {
            NextStep::Succeeded => "success",
            NextStep::RetryAt(_) => "retry",
            NextStep::Failed => "failed",
            NextStep::Gone => "gone",
        };
        self.attempts
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        self.attempt_duration.observe(took.as_secs_f64());
    }

    /// Sets the queue gauges.
    pub fn set_queue(&self, stats: &crate::store::QueueStats, now: crate::clock::Timestamp) {
        self.queue_due.set(stats.due as i64);
        self.queue_scheduled.set(stats.scheduled as i64);
        let age = stats
            .oldest_due_at
            .map(|t| crate::clock::between(t, now).as_millis() as f64 / 1000.0)
            .unwrap_or(0.0);
        self.queue_oldest_due_age.set(age);
    }

    /// Copies the store's figures. Counters only move forward: each is raised to the store's
    /// total (under the registry lock, so two scrapes cannot both add the same difference).
    pub fn set_storage(&self, stats: &crate::store::StorageStats) {
        let _scrape = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = |b: u64| i64::try_from(b).unwrap_or(i64::MAX);
        self.storage_database_bytes.set(bytes(stats.database_bytes));
        self.storage_wal_bytes.set(bytes(stats.wal_bytes));
        self.storage_wal_peak_bytes.set(bytes(stats.wal_peak_bytes));
        self.storage_wal_limit_bytes
            .set(bytes(stats.wal_limit_bytes));
        let c = &stats.checkpoints;
        for (mode, outcome, total) in [
            ("passive", "complete", c.passive_complete),
            ("passive", "partial", c.passive_partial),
            ("passive", "failed", c.passive_failed),
            ("restart", "done", c.restart_done),
            ("restart", "busy", c.restart_busy),
            ("restart", "failed", c.restart_failed),
            ("truncate", "done", c.truncate_done),
            ("truncate", "busy", c.truncate_busy),
            ("truncate", "failed", c.truncate_failed),
        ] {
            let counter = self
                .storage_checkpoints
                .get_or_create(&CheckpointLabels { mode, outcome });
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let seconds = c.reset_seconds - self.storage_wal_reset_seconds.get();
        if seconds > 0.0 {
            self.storage_wal_reset_seconds.inc_by(seconds);
        }
    }

    /// Counts events a change stored.
    pub fn record_events(&self, events: &[crate::store::Event]) {
        for e in events {
            self.events_stored
                .get_or_create(&EventLabels {
                    event: e.event.as_str().to_owned(),
                })
                .inc();
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        prometheus_client::encoding::text::encode(&mut out, &registry)
            .expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
