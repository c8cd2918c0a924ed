//! Webhook registrations, their deliveries and attempts, and the queue's numbers, as stored.

use super::*;

/// A registration's custom headers, name to value, as given (names keep their case; no two
/// are the same name case-insensitively, see [`crate::rules::headers`]). Empty: none.
pub type WebhookHeaders = std::collections::BTreeMap<String, String>;

/// A webhook registration as stored: the secrets are sealed (the server seals and opens them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub account_id: String,
    pub url: String,
    /// Subscribed events, in the seed's order.
    pub events: Vec<WebhookEventName>,
    pub room_id: Option<String>,
    pub enabled: bool,
    pub secret_sealed: String,
    /// The secret before the last rotation, and until when it still signs.
    pub previous_secret: Option<(String, Timestamp)>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Webhook {
    pub fn to_public(&self) -> collabkit_webhooks::WebhookRegistrationPublic {
        collabkit_webhooks::WebhookRegistrationPublic {
            id: self.id.clone(),
            organization_id: self.account_id.clone(),
            url: self.url.clone(),
            events: self.events.clone(),
            room_id: self.room_id.clone(),
            enabled: self.enabled,
            created_at: clock::format(&self.created_at),
            updated_at: clock::format(&self.updated_at),
        }
    }

    /// The registration with its secret in clear (the create and rotate responses only).
    pub fn to_registration(&self, secret: String) -> collabkit_webhooks::WebhookRegistration {
        let p = self.to_public();
        collabkit_webhooks::WebhookRegistration {
            id: p.id,
            organization_id: p.organization_id,
            url: p.url,
            secret,
            events: p.events,
            room_id: p.room_id,
            enabled: p.enabled,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The events of a registration as a bit set, one bit per `WebhookEventName::ALL` entry: matching
/// an event is one AND in the query, on any backend.
pub fn events_mask(events: &[WebhookEventName]) -> i64 {
    events.iter().fold(0, |m, e| m | event_bit(*e))
}

/// The event's position in [`WebhookEventName::ALL`]: its stored code (and bit in a mask).
pub fn event_code(event: WebhookEventName) -> i64 {
    WebhookEventName::ALL
        .iter()
        .position(|e| *e == event)
        .expect("ALL lists every event") as i64
}

pub fn event_from_code(code: i64) -> Option<WebhookEventName> {
    usize::try_from(code)
        .ok()
        .and_then(|i| WebhookEventName::ALL.get(i).copied())
}

pub fn event_bit(event: WebhookEventName) -> i64 {
    1 << event_code(event)
}

pub fn events_from_mask(mask: i64) -> Vec<WebhookEventName> {
    WebhookEventName::ALL
        .into_iter()
        .filter(|e| mask & event_bit(*e) != 0)
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<WebhookEventName>,
    pub room_id: Option<String>,
    pub enabled: bool,
    pub secret_sealed: String,
}

/// A partial update of a registration; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<WebhookEventName>>,
    /// `Some(None)` makes the registration account-wide.
    pub room_id: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A delivery log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event: WebhookEventName,
    /// The payload string, byte for byte as sent.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_attempt_at: Option<Timestamp>,
    pub next_retry_at: Option<Timestamp>,
    pub status_code: Option<u16>,
    pub created_at: Timestamp,
}

impl Delivery {
    pub fn to_contract(&self) -> collabkit_webhooks::WebhookDelivery {
        collabkit_webhooks::WebhookDelivery {
            id: self.id.clone(),
            webhook_id: self.webhook_id.clone(),
            event: self.event.as_str().to_owned(),
            payload: self.payload.clone(),
            status: self.status,
            attempts: self.attempts,
            last_attempt_at: self.last_attempt_at.as_ref().map(clock::format),
            next_retry_at: self.next_retry_at.as_ref().map(clock::format),
            status_code: self.status_code,
            created_at: clock::format(&self.created_at),
        }
    }
}

pub use collabkit_webhooks::DeliveryStatus;

/// One logged attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub attempted_at: Timestamp,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// At most 1 KiB of the response body.
    pub response_body: String,
}

#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub event: Option<WebhookEventName>,
}

/// A delivery taken by a worker: everything needed to attempt it, without another query.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub delivery_id: String,
    /// The claim's token; the result is recorded against it.
    pub lease: i64,
    /// When the claim runs out and the delivery becomes due again.
    pub lease_until: Timestamp,
    pub webhook_id: String,
    pub url: String,
    pub secret_sealed: String,
    /// The previous secret, when it still signs.
    pub previous_secret_sealed: Option<String>,
    /// The event id: the `webhook-id` header.
    pub event_id: String,
    /// The event's number in its room: the `collabkit-room-seq` header.
    pub room_seq: Option<i64>,
    /// For a registration ordered per room, the room number of the previous event of the room
    /// it matched (the `collabkit-room-previous-seq` header); `None` when not ordered.
    pub previous_room_seq: Option<i64>,
    /// The payload, shared between the deliveries of one event rather than copied.
    pub payload: bytes::Bytes,
    /// Attempts made since the schedule (re)started, before this one.
    pub cycle_attempts: u32,
    /// The registration's custom headers (see [`WebhookHeaders`]), sent on every attempt.
    pub headers: Vec<(String, String)>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// 2xx: done.
    Succeeded,
    /// Try again at this time.
    RetryAt(Timestamp),
    /// The schedule is exhausted.
    Failed,
    /// 410 Gone: fail the delivery and disable the registration.
    Gone,
}

/// The outcome of one attempt, to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub lease: i64,
    pub webhook_id: String,
    pub attempt: Attempt,
    pub next: NextStep,
    /// A registration failing since before this is disabled.
    pub disable_if_failing_since: Timestamp,
    /// The delivery is of a registration ordered per room ([`ClaimedDelivery::previous_room_seq`]
    /// is set): when it ends, its room goes to the next delivery waiting behind it.
    pub ordered: bool,
}

/// How deep the delivery queue is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Pending deliveries due now (including ones being attempted).
    pub due: u64,
    /// Pending deliveries waiting for a later retry.
    pub scheduled: u64,
    /// The due time of the oldest due delivery.
    pub oldest_due_at: Option<Timestamp>,
}

/// The storage's footprint on disk and the outcomes of its maintenance (for metrics and the
/// benchmark). Backends without a write-ahead log of their own report zeros there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageStats {
    pub database_bytes: u64,
    /// The write-ahead log now, the most it has held since start-up, and the size above which
    /// the store resets it.
    pub wal_bytes: u64,
    pub wal_peak_bytes: u64,
    pub wal_limit_bytes: u64,
    pub checkpoints: CheckpointCounts,
}

/// WAL checkpoints since start-up, by kind and outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckpointCounts {
    /// Background copies that copied the whole log, or only part of it (readers still needed
    /// the rest), or failed.
    pub passive_complete: u64,
    pub passive_partial: u64,
    pub passive_failed: u64,
    /// Resets of the log past its limit (copy everything, wait for readers, write the next
    /// commit from the file's start): done, given up after waiting for readers, failed.
    pub restart_done: u64,
    pub restart_busy: u64,
    pub restart_failed: u64,
    /// The same, also cutting the file to zero bytes (idle, start-up, shutdown).
    pub truncate_done: u64,
    pub truncate_busy: u64,
    pub truncate_failed: u64,
    /// Time spent in resets, during which writes waited.
    pub reset_seconds: f64,
}

/// A server that serves (or served) the database, as last heard from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    pub id: String,
    pub heartbeat_at: Timestamp,
}
