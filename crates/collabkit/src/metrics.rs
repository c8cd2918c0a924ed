//! Prometheus metrics, kept in a registry per app (no globals, so tests can run many apps).

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
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

pub struct Metrics {
    registry: Mutex<Registry>,
    /// HTTP requests by method, route template and status.
    pub http_requests: Family<HttpLabels, Counter>,
    /// HTTP request latency in seconds, by method, route template and status.
    pub http_duration: Family<HttpLabels, Histogram>,
    /// Events stored, by event name.
    pub events_stored: Family<EventLabels, Counter>,
}

impl Metrics {
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
        Metrics {
            registry: Mutex::new(registry),
            http_requests,
            http_duration,
            events_stored,
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
