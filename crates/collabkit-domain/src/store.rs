//! The storage contract, split by concern:
//!
//! - [`Store`]: the verbs of the product ("create a user"), not queries. A backend runs each in
//!   one transaction, so a change and the events it causes are committed together or not at
//!   all, and builds rows and events with [`crate::rules`], so every backend stores the same.
//! - [`DeliveryQueue`]: the dispatcher's side — claim due deliveries, record outcomes, release
//!   leases, the next due time, depth, pruning — and its [`Wakeup`].
//! - [`Maintenance`]: size on disk and a flush before exit.
//!
//! Every account-scoped method takes the account id first, and a thing of another account is
//! simply `NotFound`: tenant isolation is in the signature, not in each caller's memory.
//! In-process plumbing (handing fresh deliveries to the local dispatcher) is not here: a verb
//! that stores events takes an optional [`InlineLease`] and returns what it leased, and the
//! server decides what to do with it, the same for every backend.

use std::sync::Arc;

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::wakeup::Wakeup;

pub use crate::error::{Conflict, StoreError, StoreResult};
pub use crate::model::*;
pub use crate::page::{Cursor, Page, PageRequest};
pub use crate::rules::ordering::Ordering;
pub use crate::rules::stores::{StoreLimits, StoreRuleError};
pub use crate::stats::{AttemptCount, AttemptCounter, WebhookHealth};

/// Seals a user token with the server key (see [`Users::seal_legacy_tokens`]).
pub type TokenSealer = Arc<dyn Fn(&str) -> String + Send + Sync + 'static>;

/// Every trait of the contract, for code that calls a backend's concrete type (its tests,
/// the server opening it): `use collabkit_domain::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        Accounts, Alerts, DeliveryLog, DeliveryQueue, EventLog, Idempotency, Maintenance,
        RoomStores, Rooms, Sessions, Stats, Store, Users, Webhooks,
    };
}

/// A whole backend: what the server holds.
pub trait Storage: Store + DeliveryQueue + DeliveryPace + Maintenance {}

impl<T: Store + DeliveryQueue + DeliveryPace + Maintenance> Storage for T {}

/// The storage the rest of the server talks to.
pub type SharedStore = Arc<dyn Storage>;

/// The product's verbs, by concern: a whole backend implements each (in a module of the
/// same name), and callers hold `Arc<dyn Store>` (or [`SharedStore`]) for all of them.
#[async_trait]
pub trait Store:
    Accounts
    + Rooms
    + Users
    + EventLog
    + Sessions
    + Webhooks
    + DeliveryLog
    + Stats
    + RoomStores
    + Idempotency
    + Alerts
{
    /// Fails when the storage is unreachable (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;
}

/// Accounts.
#[async_trait]
pub trait Accounts: Send + Sync + 'static {
    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account>;
    async fn get_account(&self, account_id: &str) -> StoreResult<Account>;
    async fn count_accounts(&self) -> StoreResult<u64>;
    /// Accounts in the order of their ids (which follow creation).
    async fn list_accounts(&self, page: PageRequest) -> StoreResult<Page<Account>>;
    /// Replaces the account's API key (its hash): the old key stops working at once.
    async fn rotate_api_key(&self, account_id: &str, api_key_hash: &str) -> StoreResult<Account>;
}

/// Rooms.
#[async_trait]
pub trait Rooms: Send + Sync + 'static {
    async fn create_room(&self, account_id: &str, new: NewRoom) -> StoreResult<Room>;
    async fn get_room(&self, account_id: &str, room_id: &str) -> StoreResult<Room>;
    async fn find_room_by_custom_id(&self, account_id: &str, custom_id: &str) -> StoreResult<Room>;
    /// The account's rooms in creation order, filtered; the page carries the total (the
    /// account's room counter when unfiltered, a count of the matches otherwise).
    async fn list_rooms(
        &self,
        account_id: &str,
        filter: &RoomFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Room>>;
    /// The rooms with a live session now, in creation order: read from the open sessions, so
    /// the cost follows the live rooms, not the account's.
    /// Paged by cursor only (`offset` is not applied) and without a total.
    async fn list_live_rooms(&self, account_id: &str, page: PageRequest)
    -> StoreResult<Page<Room>>;
    async fn rename_room(&self, account_id: &str, room_id: &str, name: &str) -> StoreResult<Room>;
    /// Deletes the room and its users: its live session ends first, then its scoped
    /// registrations go, then each user with a `user.deleted` event ([`crate::rules`]).
    async fn delete_room(
        &self,
        account_id: &str,
        room_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<Room>>;
    /// Recounts the room's participants from who takes part in its live session now (repairs a
    /// counter a crash left stale) and writes it; no event. Returns the room after, the count
    /// before and the count now ([`crate::rules::reconciled`]).
    async fn reconcile_room(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<(Room, u64, u64)>;
}

/// Users. Each change stores its event in the same transaction. A verb that stores events gives
/// their deliveries `lease` when there is one and returns them in `Change::leased`.
#[async_trait]
pub trait Users: Send + Sync + 'static {
    async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>>;
    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User>;
    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User>;
    /// The user a realtime token belongs to, in any account.
    async fn find_user_by_token(&self, token: &str) -> StoreResult<User>;
    /// Users stored before tokens were sealed keep them in clear (and cannot connect): this
    /// converts up to `batch` of them with `seal`, returning how many. Run at start until 0.
    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64>;
    /// Users in creation order, of one room or of the account, filtered; the page carries the
    /// total (the room's user counter when only the room narrows it, a count otherwise).
    /// `NotFound("room")` for a room that is not the account's.
    async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<User>>;
    /// The user's participations, newest first, at most `limit`.
    async fn user_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<UserSession>>;
    /// Applies the patch; stores `user.updated` only when something actually changed.
    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>>;
    async fn delete_user(
        &self,
        account_id: &str,
        user_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>>;
    /// Records (`follow == true`) or removes that `follower_id` follows `user_id` in the room.
    /// Both must be users of that room of that account (else `StoreError::NotFound`). Returns
    /// whether anything changed. Follows are per room, seen by all, and go when either user or
    /// the room is deleted.
    async fn set_follow(
        &self,
        account_id: &str,
        room_id: &str,
        follower_id: &str,
        user_id: &str,
        follow: bool,
    ) -> StoreResult<bool>;
    /// Every (follower_id, user_id) pair of the room, ordered by follower then user.
    async fn room_follows(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<Vec<(String, String)>>;
}

/// The event log (outbox).
#[async_trait]
pub trait EventLog: Send + Sync + 'static {
    async fn list_events(
        &self,
        account_id: &str,
        filter: EventFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Event>>;

    /// A room's newest events, newest first, at most `limit`: a glance at what just happened
    /// (the log itself is read oldest first, with `list_events`).
    async fn recent_events(
        &self,
        account_id: &str,
        room_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<Event>>;

    /// A room's events numbered after `after_room_seq`, in the room's order, at most `limit`:
    /// what a reader that has seen the room up to that number missed.
    async fn room_events(
        &self,
        account_id: &str,
        room_id: &str,
        after_room_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>>;

    /// The position of the account's newest event (a reader following the log from now on
    /// starts there); `None` when it has none.
    async fn event_log_end(&self, account_id: &str) -> StoreResult<Option<Cursor>>;
}

/// Live sessions, owned by the node whose connections hold them. Each verb stores its events in
/// the same transaction.
#[async_trait]
pub trait Sessions: Send + Sync + 'static {
    /// The user joins the room's live session through `node`, starting one if none is open:
    /// stores `session.started` (when it starts one) and `participant.joined`. Joining again
    /// (through any node) stores nothing, but counts `node`'s hold. `NotFound` unless the user
    /// belongs to the room.
    async fn join_session(
        &self,
        account_id: &str,
        room_id: &str,
        user_id: &str,
        node: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<()>>;
    /// The user's participation through `node` ends. Once no node holds them (a user may be
    /// connected through several), they leave: stores `participant.left` and, when they were
    /// the last one, `session.closed` with everyone who joined during the session. A no-op for
    /// a user who is not a participant through `node`.
    async fn leave_session(
        &self,
        account_id: &str,
        room_id: &str,
        user_id: &str,
        node: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<()>>;
    /// Records that `node` is alive at `now` (at start, then periodically).
    async fn node_heartbeat(&self, node: &str, now: Timestamp) -> StoreResult<()>;
    /// The node stopped cleanly: its heartbeat is forgotten, so it is not listed as live, and
    /// the other nodes' next sweep ends whatever participation it still held (with no row, a
    /// node counts as gone whatever the timeout).
    async fn node_stopped(&self, node: &str) -> StoreResult<()>;
    /// The nodes that recorded a heartbeat and were not swept as gone, oldest first.
    async fn nodes(&self) -> StoreResult<Vec<NodeRecord>>;
    /// Who takes part in the room's open session now (through any node), in join order.
    async fn session_participants(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<Vec<collabkit_webhooks::WebhookUser>>;
    /// Ends the participation held by nodes that are gone: every node but `me` whose last
    /// heartbeat is before `silent_since` (or that never sent one). Their participants leave
    /// and sessions left empty close. Returns how many sessions were closed.
    ///
    /// A single-node backend calls it at start with `silent_since` in the future: any other
    /// node is a previous run of this server, whose connections died with it.
    async fn close_sessions_of_gone_nodes(
        &self,
        me: &str,
        silent_since: Timestamp,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<usize>>;
}

/// A room's stores (`/sdk/stores`): entries per (room, store, key), each change numbered by its
/// store's version. A room that is not the account's is `NotFound("room")`; deleting a room
/// deletes its stores.
#[async_trait]
pub trait RoomStores: Send + Sync + 'static {
    /// Applies `ops` in order in one transaction, planned by
    /// [`crate::rules::stores::plan_writes`]: each gets its own outcome (a change, `None` for a
    /// deletion of nothing, or the rule it broke, which changes nothing), and they are all
    /// durable when this returns. `by` is the writing user (`None`: the REST API).
    async fn write_stores(
        &self,
        account_id: &str,
        room_id: &str,
        by: Option<&str>,
        ops: Vec<StoreOp>,
        limits: &StoreLimits,
    ) -> StoreResult<Vec<Result<Option<StoreChange>, StoreRuleError>>>;
    /// The room's stores that were ever written, by name.
    async fn list_stores(&self, account_id: &str, room_id: &str) -> StoreResult<Vec<StoreMeta>>;
    /// The entry under `key`, `None` when it holds nothing.
    async fn get_store_entry(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        key: &str,
    ) -> StoreResult<Option<StoreEntry>>;
    /// A store's entries in the order of their keys (as bytes), paged by key; the page carries
    /// the total (the store row's count). An unknown store is an empty one.
    async fn list_store_entries(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        page: PageRequest,
    ) -> StoreResult<Page<StoreEntry>>;
    /// What a client that has seen `store` up to version `since` needs to be current, read in
    /// one snapshot: the changes since, or the whole store when
    /// [`crate::rules::stores::needs_snapshot`] says so. An unknown store is an empty one.
    async fn sync_store(
        &self,
        account_id: &str,
        room_id: &str,
        store: &str,
        since: Option<i64>,
    ) -> StoreResult<StoreSync>;
}

/// The answer stored under an idempotency key, replayed to a request that repeats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What claiming an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is this request's now: act, then complete or release it.
    Claimed,
    /// A request with the same key and hash was answered: this is its answer.
    Replay(StoredResponse),
    /// The key was used for a request with another hash.
    Mismatch,
    /// A request with the key is being handled now (on this node or another).
    InProgress,
}

/// `Idempotency-Key` records, per (account, key), kept in the database so every node sees
/// them. A record older than the window counts as absent.
#[async_trait]
pub trait Idempotency: Send + Sync + 'static {
    /// Claims `key` for a request of hash `request_hash` at `now`, atomically: of several
    /// claims at once exactly one is `Claimed`. A record created before `expired_before` is
    /// replaced; so is one still in progress created before `abandoned_before` (its node died
    /// before answering).
    async fn claim_idempotency_key(
        &self,
        account_id: &str,
        key: &str,
        request_hash: &str,
        now: Timestamp,
        expired_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> StoreResult<IdempotencyClaim>;
    /// Stores the answer of the request that claimed the key (a no-op if it is gone).
    async fn complete_idempotency_key(
        &self,
        account_id: &str,
        key: &str,
        response: StoredResponse,
    ) -> StoreResult<()>;
    /// Forgets a claim still in progress (the request failed with a 5xx or was cut off): the
    /// next request with the key acts again. A completed record is left alone.
    async fn release_idempotency_key(&self, account_id: &str, key: &str) -> StoreResult<()>;
    /// Deletes up to `batch` records created before `before`; returns how many went.
    async fn prune_idempotency_keys(&self, before: Timestamp, batch: u32) -> StoreResult<u64>;
}

/// Webhook registrations. A registration scoped to a room that is not the account's is
/// `NotFound("room")`.
#[async_trait]
pub trait Webhooks: Send + Sync + 'static {
    async fn create_webhook(&self, account_id: &str, new: NewWebhook) -> StoreResult<Webhook>;
    async fn get_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<Webhook>;
    /// Registrations oldest first, filtered; the page carries the total (an account holds at
    /// most `--max-webhooks-per-account`, so counting is bounded).
    async fn list_webhooks(
        &self,
        account_id: &str,
        filter: &WebhookFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>>;
    /// How many registrations the account has (the server bounds them, see
    /// `--max-webhooks-per-account`).
    async fn count_webhooks(&self, account_id: &str) -> StoreResult<u64>;
    /// Applies the patch. Disabling a registration fails its pending deliveries (they can be
    /// recovered once it is enabled again).
    async fn update_webhook(
        &self,
        account_id: &str,
        webhook_id: &str,
        patch: WebhookPatch,
    ) -> StoreResult<Webhook>;
    /// Replaces the secret; the old one keeps signing until `previous_until`.
    async fn rotate_webhook_secret(
        &self,
        account_id: &str,
        webhook_id: &str,
        secret_sealed: &str,
        previous_until: Timestamp,
    ) -> StoreResult<Webhook>;
    /// Deletes the registration with its delivery log.
    async fn delete_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<()>;
    /// The registration's custom headers (empty when it has none).
    async fn webhook_headers(
        &self,
        account_id: &str,
        webhook_id: &str,
    ) -> StoreResult<WebhookHeaders>;
    /// Replaces the registration's custom headers (empty clears them), already checked by
    /// [`crate::rules::headers::check_headers`]; every attempt from now on sends them, retries
    /// of earlier deliveries included. Returns them as stored.
    async fn set_webhook_headers(
        &self,
        account_id: &str,
        webhook_id: &str,
        headers: WebhookHeaders,
    ) -> StoreResult<WebhookHeaders>;
    /// How the registration's deliveries are ordered ([`crate::rules::ordering`]).
    async fn webhook_ordering(&self, account_id: &str, webhook_id: &str) -> StoreResult<Ordering>;
    /// Sets how the registration's deliveries are ordered, from its next event on (deliveries
    /// already queued unordered stay so). Turning ordering off lets every waiting delivery go
    /// at once. Returns the mode as stored.
    async fn set_webhook_ordering(
        &self,
        account_id: &str,
        webhook_id: &str,
        ordering: Ordering,
    ) -> StoreResult<Ordering>;
}

/// The delivery log.
#[async_trait]
pub trait DeliveryLog: Send + Sync + 'static {
    /// Deliveries of a registration, newest first; the page carries the total (the
    /// registration's delivery counter when unfiltered, a count of the matches otherwise).
    async fn list_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        filter: DeliveryFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Delivery>>;
    async fn get_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery>;
    /// Attempts of a delivery, oldest first.
    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Vec<Attempt>>;
    /// Makes a delivery pending and due now, whatever its status, with a fresh retry schedule.
    async fn retry_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery>;
    /// Why a pending delivery is not attempted although due: `Some(head)` while it waits
    /// behind `head`, the delivery of its room in flight or being retried (the registration is
    /// ordered per room), `None` otherwise.
    async fn delivery_waiting(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Option<String>>;
    /// Retries every delivery of the registration that ended `failed` at or after `since`;
    /// returns how many.
    async fn recover_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        since: Timestamp,
    ) -> StoreResult<u64>;
    /// Queues what the registration never got: for each stored event of the account created at
    /// or after `since` that the registration matches now (its events and room scope, as
    /// fan-out matches) and that has no delivery for it yet, a pending delivery due now, oldest
    /// event first, at most [`crate::rules::REPLAY_LIMIT`] per call (`more` says some are
    /// left), all in one transaction. A disabled registration is
    /// `Conflict(WebhookDisabled)`: replay is for after enabling it again. Events already
    /// pruned cannot be replayed.
    async fn replay_events(
        &self,
        account_id: &str,
        webhook_id: &str,
        since: Timestamp,
    ) -> StoreResult<Replayed>;
}

/// Delivery alerts (see [`crate::rules::alerts`]): the account's alert destination, the log
/// of alerts, and the sender's side (claim, record). The alerts themselves are stored by
/// `record_attempts` and `update_webhook`, in their transactions.
#[async_trait]
pub trait Alerts: Send + Sync + 'static {
    /// The account's alert destination; `NotFound("alert destination")` when it has none.
    async fn alert_destination(&self, account_id: &str) -> StoreResult<AlertDestination>;
    /// Sets the destination's URL and threshold ([`crate::rules::alerts::put_destination`]):
    /// a new destination takes `secret_sealed`, an existing one keeps its secret. Returns it,
    /// and whether it was created.
    async fn put_alert_destination(
        &self,
        account_id: &str,
        url: &str,
        failure_threshold: u32,
        secret_sealed: &str,
    ) -> StoreResult<(AlertDestination, bool)>;
    /// Removes the destination; its alerts still pending end `failed` (nowhere to send them),
    /// the log stays. `NotFound("alert destination")` when it has none.
    async fn delete_alert_destination(&self, account_id: &str) -> StoreResult<()>;
    /// Replaces the destination's secret; the old one keeps signing until `previous_until`.
    async fn rotate_alert_secret(
        &self,
        account_id: &str,
        secret_sealed: &str,
        previous_until: Timestamp,
    ) -> StoreResult<AlertDestination>;
    /// The account's alerts, newest first, filtered; the page carries the total.
    async fn list_alerts(
        &self,
        account_id: &str,
        filter: &AlertFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Alert>>;
    /// An alert's attempts, oldest first; `NotFound("alert")` for another account's.
    async fn list_alert_attempts(
        &self,
        account_id: &str,
        alert_id: &str,
    ) -> StoreResult<Vec<Attempt>>;
    /// Leases up to `limit` due alerts until `now + lease_for`, oldest due first, each to the
    /// account's destination as it is now. An alert claimed for the first time passes the
    /// rate limit ([`crate::rules::alerts::admits`]) or ends `suppressed` (counted, not returned);
    /// alerts whose account has no destination any more end `failed`.
    async fn claim_alerts(
        &self,
        now: Timestamp,
        lease_for: std::time::Duration,
        limit: u32,
        limits: AlertLimits,
    ) -> StoreResult<AlertClaim>;
    /// Logs the attempt and moves the alert to its next state (if the lease is still its).
    async fn record_alert_attempt(&self, outcome: AlertOutcome) -> StoreResult<()>;
    /// Deletes up to `batch` alerts no longer pending created before `before`, with their
    /// attempts (retention, as deliveries'); returns how many went.
    async fn prune_alerts(&self, before: Timestamp, batch: u32) -> StoreResult<u64>;
}

/// What [`DeliveryLog::replay_events`] queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// Deliveries created.
    pub queued: u64,
    /// Whether more events are left to replay (call again).
    pub more: bool,
}

/// Delivery statistics, from the per-minute counters (see [`crate::stats`]).
#[async_trait]
pub trait Stats: Send + Sync + 'static {
    /// Attempts since `since` per minute, outcome and latency bucket, summed over the account's
    /// registrations, or of one of them.
    async fn attempt_counts(
        &self,
        account_id: &str,
        webhook_id: Option<&str>,
        since: Timestamp,
    ) -> StoreResult<Vec<AttemptCount>>;
    /// The account's registrations (or the one `webhook_id` names), oldest first, a page at a
    /// time, each with its attempts since `since`.
    async fn webhook_health(
        &self,
        account_id: &str,
        webhook_id: Option<&str>,
        since: Timestamp,
        page: PageRequest,
    ) -> StoreResult<Page<WebhookHealth>>;
}

/// The dispatcher's side of the delivery queue.
#[async_trait]
pub trait DeliveryQueue: Send + Sync + 'static {
    /// Leases up to `limit` due deliveries until `now + lease_for`, at most `per_webhook` of any
    /// one registration and none of the `exclude`d registrations, oldest due first.
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_for: std::time::Duration,
        limit: u32,
        per_webhook: u32,
        exclude: Vec<String>,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Logs attempts and moves their deliveries (and, on 410 or long failure, their
    /// registrations) to the next state, all in one transaction.
    /// Returns the registrations the batch disabled (a 410, or failing for too long), so the
    /// dispatcher can say so.
    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> StoreResult<Vec<String>>;
    /// Gives back leases (delivery id, lease token) that this process holds but will not finish
    /// (a graceful stop): those deliveries are due now, for another node or the next start,
    /// instead of when their lease runs out. A lease taken over meanwhile is left alone.
    /// Returns how many were given back.
    async fn release_leases(&self, leases: Vec<(String, i64)>) -> StoreResult<u64>;
    /// When the next pending delivery becomes due (possibly in the past).
    async fn next_due_at(&self) -> StoreResult<Option<Timestamp>>;
    async fn queue_stats(&self, now: Timestamp) -> StoreResult<QueueStats>;
    /// Deletes up to `batch` finished deliveries (with their attempts) created before `before`,
    /// and events older than that with no delivery left; returns how many deliveries went.
    async fn prune(&self, before: Timestamp, batch: u32) -> StoreResult<u64>;
    /// Adds to the per-minute attempt counters (see [`crate::stats`]); counters of a
    /// registration deleted meanwhile are dropped.
    async fn add_attempt_counters(&self, counters: Vec<AttemptCounter>) -> StoreResult<()>;
    /// Rung after every commit that made deliveries due to a claim (see [`crate::wakeup`]).
    fn wakeup(&self) -> Arc<dyn Wakeup>;
}

/// Registrations' delivery rate limits (see [`crate::rules::pace`]): the setting, and the
/// schedule of send times every node reserves from.
#[async_trait]
pub trait DeliveryPace: Send + Sync + 'static {
    /// The registration's limit in deliveries per second (`None`: none).
    async fn webhook_rate_limit(
        &self,
        account_id: &str,
        webhook_id: &str,
    ) -> StoreResult<Option<u32>>;
    /// Sets (or, with `None`, removes) the registration's limit, already checked by
    /// [`crate::rules::pace::check_rate`]; returns it as stored.
    async fn set_webhook_rate_limit(
        &self,
        account_id: &str,
        webhook_id: &str,
        per_second: Option<u32>,
    ) -> StoreResult<Option<u32>>;
    /// Every registration that has a limit, with it (the dispatcher's view, all accounts).
    async fn rate_limits(&self) -> StoreResult<Vec<(String, u32)>>;
    /// Reserves `count` consecutive send times of the registration's schedule, unless the
    /// first is more than `within` away ([`crate::rules::pace::reserve`]), atomically across
    /// nodes; `None` when the registration has no limit (any more).
    async fn reserve_sends(
        &self,
        webhook_id: &str,
        count: u32,
        now: Timestamp,
        within: std::time::Duration,
    ) -> StoreResult<Option<crate::rules::pace::Reserved>>;
    /// Gives back leases (delivery id, lease token) of deliveries that wait for their send time
    /// further than their lease reaches: due again at `until`, with no attempt logged (a wait,
    /// not a failure). A lease taken over meanwhile is left alone. Returns how many moved.
    async fn postpone(&self, leases: Vec<(String, i64)>, until: Timestamp) -> StoreResult<u64>;
}

/// Looking after the storage itself, and its links to the other nodes serving it.
#[async_trait]
pub trait Maintenance: Send + Sync + 'static {
    /// Size on disk and maintenance outcomes; cheap (no query), read on each metrics scrape.
    fn storage_stats(&self) -> StorageStats;
    /// How live rooms reach the other nodes serving this database.
    fn relay(&self) -> Arc<dyn crate::relay::Relay>;
    /// Finishes maintenance before the process exits: on SQLite, copies the write-ahead log
    /// into the database and truncates it, so a stopped server leaves no large log behind.
    async fn flush(&self) -> StoreResult<()>;
}

/// A lease given to deliveries as they are written, so the local dispatcher can attempt them
/// at once without a claim (the server decides when to ask for one).
#[derive(Debug, Clone, Copy)]
pub struct InlineLease {
    pub until: Timestamp,
    pub token: i64,
}
