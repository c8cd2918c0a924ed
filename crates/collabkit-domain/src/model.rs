//! What the store keeps, in the server's own terms, and how it maps to the contract's types.

use collabkit_webhooks::{
    CollabKitRoom, CollabKitUser, CollabKitUserSession, RoomState, UserStatus, WebhookEventName,
    WebhookUser,
};

use crate::clock::{self, Timestamp};

/// An account: the tenant that owns rooms, users and webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// SHA-256 of the API key, hex. Keys are 190-bit random strings, so a fast hash is enough.
    pub api_key_hash: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: String,
    pub account_id: String,
    /// The app's own id for the room, unique in the account when set.
    pub custom_id: Option<String>,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Kept in the same transaction as each change that moves them (see [`crate::rules`]).
    pub counters: RoomCounters,
}

/// A room's counters, moved by the rules in the transaction of the change: reading them is
/// one row, whatever the room's history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoomCounters {
    /// Users ever created in the room (`total_users_created`).
    pub users_created: u64,
    /// Users the room has now (the unfiltered total of its user list).
    pub users: u64,
    /// Users participating now (`active_participants`).
    pub participants: u64,
    /// The summed length of the room's closed sessions, in milliseconds.
    pub closed_ms: u64,
    /// When the live session started; `None` while the room has none.
    pub live_since: Option<Timestamp>,
}

impl RoomCounters {
    /// The summed length of the room's sessions at `now`, the live one up to `now`, in whole
    /// seconds (`duration_seconds`). A clock that went back counts the live session as 0.
    pub fn duration_seconds(&self, now: Timestamp) -> u64 {
        (self.closed_ms + self.live_ms(now)) / 1000
    }

    /// How long the live session has lasted at `now` (0 without one).
    pub fn live_ms(&self, now: Timestamp) -> u64 {
        self.live_since
            .map(|since| (now - since).num_milliseconds().max(0) as u64)
            .unwrap_or(0)
    }
}

impl Room {
    /// The contract's room as of `at`: its counters now, its duration up to `at`.
    pub fn to_contract(&self, at: Timestamp) -> CollabKitRoom {
        CollabKitRoom {
            id: self.id.clone(),
            account_id: self.account_id.clone(),
            name: self.name.clone(),
            custom_id: self.custom_id.clone(),
            created_at: clock::format(&self.created_at),
            state: RoomState::Active,
            duration_seconds: self.counters.duration_seconds(at),
            active_participants: self.counters.participants,
            total_users_created: self.counters.users_created,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub room_id: String,
    /// The app's own id for the user, unique in the room when set.
    pub custom_id: Option<String>,
    pub name: String,
    pub profile_picture: Option<String>,
    /// The user's secret for the realtime connection, sealed with the server key (the API
    /// opens it to show it; the database alone does not yield a usable token).
    pub token_sealed: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Whether the user participates in the room's live session now (`status`).
    pub online: bool,
    /// The last time the user went online.
    pub joined_at: Option<Timestamp>,
    /// The last time the user went offline.
    pub left_at: Option<Timestamp>,
}

impl User {
    /// The contract's user, with its token opened by the caller.
    pub fn to_contract(&self, token: String) -> CollabKitUser {
        CollabKitUser {
            id: self.id.clone(),
            room_id: self.room_id.clone(),
            name: self.name.clone(),
            profile_picture: self.profile_picture.clone(),
            custom_id: self.custom_id.clone(),
            status: self.status(),
            created_at: clock::format(&self.created_at),
            joined_at: self.joined_at.as_ref().map(clock::format),
            left_at: self.left_at.as_ref().map(clock::format),
            token,
        }
    }

    pub fn to_webhook(&self) -> WebhookUser {
        self.to_contract(String::new()).into()
    }

    pub fn status(&self) -> UserStatus {
        if self.online {
            UserStatus::Online
        } else {
            UserStatus::Offline
        }
    }
}

/// One participation of a user: opened when they join the room's live session, closed when
/// they leave it (however it ends: their last connection, a gone node, the room's end, their
/// deletion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSession {
    pub id: String,
    pub user_id: String,
    pub room_id: String,
    pub joined_at: Timestamp,
    pub left_at: Option<Timestamp>,
}

impl UserSession {
    pub fn to_contract(&self) -> CollabKitUserSession {
        CollabKitUserSession {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            room_id: self.room_id.clone(),
            joined_at: clock::format(&self.joined_at),
            left_at: self.left_at.as_ref().map(clock::format),
        }
    }
}

/// A stored event: the outbox row written in the same transaction as the change that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub account_id: String,
    pub room_id: String,
    pub event: WebhookEventName,
    /// The exact JSON of the seed payload type; sent byte for byte to receivers.
    pub payload: String,
    pub created_at: Timestamp,
    /// Its place in its room's history: 1, 2, 3… in the order the room's changes committed,
    /// with no gaps. Taken when the event is stored (`None` until then).
    pub room_seq: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    /// Optional; unique in the account when set.
    pub custom_id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub room_id: String,
    /// Optional; unique in the room when set (rooms without one never collide).
    pub custom_id: Option<String>,
    pub name: String,
    pub profile_picture: Option<String>,
    /// Its realtime token: looked up by [`crate::accounts::token_lookup`], kept only sealed.
    pub token: String,
    pub token_sealed: String,
}

/// A partial update of a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    /// `Some(None)` clears the picture.
    pub profile_picture: Option<Option<String>>,
}

/// The deliveries stored events made, as a backend counts them inside a change.
#[derive(Debug, Default)]
pub struct Fanout {
    pub count: usize,
    /// The ones leased inline, to hand over after the commit.
    pub leased: Vec<ClaimedDelivery>,
}

impl Fanout {
    pub fn add(&mut self, other: Fanout) {
        self.count += other.count;
        self.leased.extend(other.leased);
    }

    /// Whether some deliveries wait for a claim (the dispatchers must be woken).
    pub fn left_to_claims(&self) -> bool {
        self.count > self.leased.len()
    }
}

/// The result of a change: the changed thing, the events stored with it (in order) and the
/// deliveries of those events that were leased inline (see [`crate::store::InlineLease`]).
#[derive(Debug, Clone)]
pub struct Change<T> {
    pub value: T,
    pub events: Vec<Event>,
    pub leased: Vec<ClaimedDelivery>,
}

impl<T> Change<T> {
    /// A change that stored no event.
    pub fn quiet(value: T) -> Change<T> {
        Change {
            value,
            events: Vec::new(),
            leased: Vec::new(),
        }
    }
}

/// Filters for the event log.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub room_id: Option<String>,
    pub event: Option<WebhookEventName>,
}

/// Which rooms a list shows. The unfiltered list's total is a counter; a filtered total
/// counts the matches (its cost follows the account's rooms).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomFilter {
    /// A case-insensitive substring of the name.
    pub search: Option<String>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created at or before.
    pub to: Option<Timestamp>,
}

impl RoomFilter {
    pub fn is_empty(&self) -> bool {
        self == &RoomFilter::default()
    }
}

/// Which users a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// One room's users (`None`: the account's).
    pub room_id: Option<String>,
    /// A case-insensitive substring of the name, or the user's exact id.
    pub search: Option<String>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created at or before.
    pub to: Option<Timestamp>,
}

impl UserFilter {
    /// One room's users, unfiltered.
    pub fn room(room_id: &str) -> UserFilter {
        UserFilter {
            room_id: Some(room_id.to_owned()),
            ..UserFilter::default()
        }
    }

    /// Whether only the room narrows the list (its total is then the room's counter).
    pub fn only_room(&self) -> bool {
        self.search.is_none() && self.from.is_none() && self.to.is_none()
    }
}

/// Which registrations a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookFilter {
    /// Those scoped to this room.
    pub room_id: Option<String>,
    /// A case-insensitive substring of the URL.
    pub search: Option<String>,
}

/// The case-insensitive "contains" a backend's search filters share: ASCII letters fold, so
/// the two backends answer the same (SQLite's `LIKE` folds ASCII only); `%`, `_` and `\\` in
/// the text match themselves.
pub fn like_pattern(search: &str) -> String {
    let mut p = String::with_capacity(search.len() + 2);
    p.push('%');
    for c in search.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

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
    /// The payload, shared between the deliveries of one event rather than copied.
    pub payload: bytes::Bytes,
    /// Attempts made since the schedule (re)started, before this one.
    pub cycle_attempts: u32,
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
