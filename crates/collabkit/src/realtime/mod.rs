//! The realtime hub: WebSocket connections, one actor per live room.
//!
//! Each live room is one task ([`room`]) that owns the room's state — participants, their
//! connections and presence — and performs every join and leave in order, storing the session
//! events through the store as it goes. Connections ([`connection`]) only forward frames to
//! their room and write what the room sends them. The hub produces events only through the
//! store's session verbs, like every other change.
//!
//! Memory is bounded per connection, not per room: presence is at most
//! `presence_max_bytes`, a room at most `room_max_participants`, and each connection's send
//! queue ([`outlet`]) at most `send_queue_bytes` — a welcome inlines presences only up to a
//! part of that bound and owes the others, sent as the socket drains.

pub mod connection;
mod messages;
pub mod outlet;
pub mod protocol;
mod registry;
mod relay;
mod relayed;
mod requests;
mod room;
mod roster;
pub mod stores;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use self::messages::Command;
use self::outlet::{Outlet, QueueMetrics};
use crate::changes::Changes;
use crate::duration;
use crate::flag_values::at_least_one;
use crate::metrics::Metrics;
use crate::store::{Room, SharedStore, StoreChange, StoreResult, User};
use crate::user_tokens::UserTokens;

pub use self::messages::{JoinError, ParticipantSnapshot};

/// The realtime knobs.
#[derive(Debug, Clone, clap::Args)]
pub struct RealtimeConfig {
    /// How long a user whose last connection closed stays a participant (a reconnect within it
    /// makes no left/joined pair).
    #[arg(long, env = "COLLABKIT_LEAVE_GRACE", default_value = duration::shown!(RealtimeConfig::default().leave_grace), value_parser = duration::parse)]
    pub leave_grace: Duration,
    /// Interval of WebSocket pings; a socket silent for three intervals is closed.
    #[arg(id = "ws_heartbeat", long = "ws-heartbeat", value_name = "WS_HEARTBEAT", env = "COLLABKIT_WS_HEARTBEAT", default_value = duration::shown!(RealtimeConfig::default().heartbeat), value_parser = duration::parse)]
    pub heartbeat: Duration,
    /// Largest WebSocket frame accepted, in bytes.
    #[arg(id = "ws_max_frame", long = "ws-max-frame", value_name = "WS_MAX_FRAME", env = "COLLABKIT_WS_MAX_FRAME", default_value_t = RealtimeConfig::default().max_frame)]
    pub max_frame: usize,
    /// Messages per second one connection may send (bursts of twice that).
    #[arg(id = "ws_rate_limit", long = "ws-rate-limit", value_name = "WS_RATE_LIMIT", env = "COLLABKIT_WS_RATE_LIMIT", default_value_t = RealtimeConfig::default().rate_limit, value_parser = at_least_one::<u32>)]
    pub rate_limit: u32,
    /// Messages queued for one connection; a reader slower than that is disconnected.
    #[arg(skip = RealtimeConfig::default().send_queue)]
    pub send_queue: usize,
    // The frame being written counts too; what the closed reader held is freed.
    /// Bytes queued for one WebSocket connection and not yet written; a reader that lets more
    /// wait is closed (4008) and what it held is freed.
    #[arg(id = "ws_send_queue_bytes", long = "ws-send-queue-bytes", value_name = "WS_SEND_QUEUE_BYTES", env = "COLLABKIT_WS_SEND_QUEUE_BYTES", default_value_t = RealtimeConfig::default().send_queue_bytes, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub send_queue_bytes: usize,
    // An update refused for its size changes nothing.
    /// Largest presence one user may set, in bytes of JSON; a larger update is refused with an
    /// `error` frame.
    #[arg(long, env = "COLLABKIT_PRESENCE_MAX_BYTES", default_value_t = RealtimeConfig::default().presence_max_bytes, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub presence_max_bytes: usize,
    // Those in their leave grace and those connected through other nodes count too.
    /// Participants one room may have at once (users, not tabs); one more is refused with 429.
    #[arg(long, env = "COLLABKIT_ROOM_MAX_PARTICIPANTS", default_value_t = RealtimeConfig::default().room_max_participants, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub room_max_participants: usize,
    /// Open WebSocket connections one user may have; one more is refused with 429.
    #[arg(id = "ws_max_per_user", long = "ws-max-per-user", value_name = "WS_MAX_PER_USER", env = "COLLABKIT_WS_MAX_PER_USER", default_value_t = RealtimeConfig::default().max_per_user)]
    pub max_per_user: usize,
    /// Open WebSocket connections one account may have in all.
    #[arg(id = "ws_max_per_account", long = "ws-max-per-account", value_name = "WS_MAX_PER_ACCOUNT", env = "COLLABKIT_WS_MAX_PER_ACCOUNT", default_value_t = RealtimeConfig::default().max_per_account)]
    pub max_per_account: usize,
    /// The bounds of stores.
    #[command(flatten)]
    pub stores: stores::StoreFlags,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            leave_grace: Duration::from_secs(3),
            heartbeat: Duration::from_secs(15),
            max_frame: 128 * 1024,
            rate_limit: 50,
            send_queue: 4096,
            send_queue_bytes: 1024 * 1024,
            presence_max_bytes: 4 * 1024,
            room_max_participants: 500,
            max_per_user: 16,
            max_per_account: 20_000,
            stores: stores::StoreFlags::default(),
        }
    }
}

/// What the API did to a user, for [`Hub::user_changed`].
#[derive(Debug, Clone, Copy)]
pub enum UserChange {
    Created,
    Updated,
    Deleted,
}

/// A connection counted against its user's and account's caps, until dropped.
pub struct ConnectionSlot {
    hub: Hub,
    keys: [String; 2],
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self
            .hub
            .inner
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

/// Which cap a connection would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapExceeded {
    User(usize),
    Account(usize),
}

/// Routes connections to their room's actor, starting actors as rooms come alive.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    store: SharedStore,
    /// Where joins and leaves go (deliveries to the local dispatcher, metrics, streams).
    changes: Changes,
    /// This server's node id: the sessions it holds are its own (see
    /// [`crate::store::Store::close_sessions_of_gone_nodes`]).
    node: Arc<str>,
    /// Where this node's room frames go to the other nodes.
    outbox: relay::Outbox,
    metrics: Arc<Metrics>,
    config: RealtimeConfig,
    /// Checks the tokens connections present.
    tokens: UserTokens,
    rooms: Mutex<HashMap<String, mpsc::UnboundedSender<Command>>>,
    next_connection: AtomicU64,
    /// Open connections by `user:<id>` and `account:<id>`.
    open: Mutex<HashMap<String, usize>>,
    /// True from the start until the participations an earlier run left open were ended
    /// ([`Hub::participants_gone`]): meanwhile users coming back resume them, so a joining
    /// room lists them as participants, as it lists other nodes' on a shared database.
    resuming: std::sync::atomic::AtomicBool,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

/// The user a `participant.left` event says left, as the event has it (offline, `left_at`
/// set): what webhooks see, and what `participant_left` frames show.
fn left_user(event: &crate::store::Event) -> Option<collabkit_webhooks::WebhookUser> {
    match serde_json::from_str(&event.payload) {
        Ok(collabkit_webhooks::WebhookPayload::ParticipantLeft { user, .. }) => Some(user),
        _ => None,
    }
}

impl Hub {
    /// `lifetime` is when the hub's tasks stop and where they are tracked (the app's).
    pub fn new(
        store: SharedStore,
        changes: Changes,
        node: Arc<str>,
        metrics: Arc<Metrics>,
        config: RealtimeConfig,
        tokens: UserTokens,
        (shutdown, tasks): (CancellationToken, TaskTracker),
    ) -> Hub {
        let relay = store.relay();
        let outbox = relay::Outbox::start(relay.clone(), node.clone(), shutdown.clone(), &tasks);
        let hub = Hub {
            inner: Arc::new(HubInner {
                store,
                changes,
                outbox,
                node,
                metrics,
                config,
                tokens,
                rooms: Mutex::new(HashMap::new()),
                next_connection: AtomicU64::new(1),
                open: Mutex::new(HashMap::new()),
                resuming: std::sync::atomic::AtomicBool::new(true),
                shutdown,
                tasks,
            }),
        };
        if hub.inner.outbox.is_shared() {
            hub.inner.tasks.spawn(relay::deliver(
                hub.clone(),
                relay.subscribe(),
                hub.inner.shutdown.clone(),
            ));
        }
        hub
    }

    /// This node's id.
    pub fn node(&self) -> &str {
        &self.inner.node
    }

    /// Counts a new connection of `user_id` in `account_id`, unless that would pass a cap.
    pub fn reserve(&self, account_id: &str, user_id: &str) -> Result<ConnectionSlot, CapExceeded> {
        let config = &self.inner.config;
        let keys = [format!("user:{user_id}"), format!("account:{account_id}")];
        let mut open = self.inner.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = |k: &String| open.get(k).copied().unwrap_or(0);
        if count(&keys[0]) >= config.max_per_user {
            return Err(CapExceeded::User(config.max_per_user));
        }
        if count(&keys[1]) >= config.max_per_account {
            return Err(CapExceeded::Account(config.max_per_account));
        }
        for key in &keys {
            *open.entry(key.clone()).or_insert(0) += 1;
        }
        Ok(ConnectionSlot {
            hub: self.clone(),
            keys,
        })
    }

    pub fn config(&self) -> &RealtimeConfig {
        &self.inner.config
    }

    pub fn tokens(&self) -> &UserTokens {
        &self.inner.tokens
    }

    pub fn store(&self) -> &SharedStore {
        &self.inner.store
    }

    /// Tells the room's version 2 connections, on every node, that the API created, updated or
    /// deleted one of its users.
    pub fn user_changed(&self, change: UserChange, user: &User) {
        let mut view = protocol::user_view(&user.to_webhook(), &[]);
        if !matches!(change, UserChange::Created) {
            // A new user follows nobody; another's follows are the room's, which the `follow`
            // frames keep current: not read again for each change.
            if let Some(fields) = view.as_object_mut() {
                fields.remove("following");
                fields.remove("followers");
            }
        }
        let frame = match change {
            UserChange::Created => protocol::ServerMessage::UserCreated { user: &view },
            UserChange::Updated => protocol::ServerMessage::UserUpdated { user: &view },
            UserChange::Deleted => protocol::ServerMessage::UserDeleted { user: &view },
        }
        .encode();
        self.inner.outbox.send(
            &user.room_id,
            relayed::Tell::Lifecycle {
                user_id: &user.id,
                frame: &frame,
            },
        );
        if let Some(tx) = self.live_room(&user.room_id) {
            let _ = tx.send(Command::Lifecycle { frame });
        }
    }

    /// Tells the room's version 2 connections, on every node, of changes to its stores, but
    /// the connection `except` (the writer's, which has its answers).
    pub fn stores_changed(&self, room_id: &str, changes: &[StoreChange], except: Option<u64>) {
        if changes.is_empty() {
            return;
        }
        let frames: Vec<_> = changes.iter().map(stores::change_frame).collect();
        for (change, frame) in changes.iter().zip(&frames) {
            self.inner.outbox.send(
                room_id,
                relayed::Tell::Store {
                    user_id: change.by.as_deref().unwrap_or(""),
                    frame,
                },
            );
        }
        if let Some(tx) = self.live_room(room_id) {
            let _ = tx.send(Command::Stores { frames, except });
        }
    }

    /// Participants whose participation ended without their connection (the sessions of a
    /// node that stopped, closed by [`crate::store::Store::close_sessions_of_gone_nodes`]):
    /// the rooms live here tell their connections they left. `resumed` ends the window in
    /// which a user of an earlier run coming back resumes its participation.
    pub fn participants_gone(&self, events: &[crate::store::Event], resumed: bool) {
        if resumed {
            self.inner.resuming.store(false, Ordering::Relaxed);
        }
        for event in events {
            let Some(user) = left_user(event) else {
                continue;
            };
            let Some(room) = self.live_room(&event.room_id) else {
                continue;
            };
            let frame = protocol::ServerMessage::ParticipantLeft { user: &user }.encode();
            let _ = room.send(Command::Remote(relayed::News::Left {
                user_id: user.id,
                frame,
            }));
        }
    }

    /// Whether participations an earlier run of this server left open may still be resumed.
    pub(crate) fn resuming(&self) -> bool {
        self.inner.resuming.load(Ordering::Relaxed)
    }

    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    pub fn tasks(&self) -> &TaskTracker {
        &self.inner.tasks
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn next_connection_id(&self) -> u64 {
        self.inner.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// A new connection's send queue, bounded by the config: the room's end and the writer's.
    pub fn send_queue(&self) -> (Outlet, outlet::Drain) {
        let metrics = &self.inner.metrics;
        outlet::channel(
            self.inner.config.send_queue,
            self.inner.config.send_queue_bytes,
            QueueMetrics {
                queued_bytes: metrics.realtime_queued_bytes.clone(),
                too_slow: metrics.realtime_too_slow.clone(),
            },
        )
    }

    /// The room's actor, started if the room is not live yet.
    fn room(&self, room: &Room) -> mpsc::UnboundedSender<Command> {
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = rooms.get(&room.id).filter(|tx| !tx.is_closed()) {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        rooms.insert(room.id.clone(), tx.clone());
        self.inner.metrics.live_rooms.inc();
        let actor = room::RoomActor::new(self.clone(), room.clone(), rx);
        self.inner.tasks.spawn(actor.run());
        tx
    }

    /// A live room's actor, if it is live.
    pub(crate) fn live_room(&self, room_id: &str) -> Option<mpsc::UnboundedSender<Command>> {
        let rooms = self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms.get(room_id).filter(|tx| !tx.is_closed()).cloned()
    }

    /// Called by an actor about to stop: it leaves the map only if no command is waiting.
    fn retire(&self, room_id: &str, inbox: &mpsc::UnboundedReceiver<Command>) -> bool {
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if !inbox.is_empty() {
            return false;
        }
        rooms.remove(room_id);
        self.inner.metrics.live_rooms.dec();
        true
    }

    /// Whether `user_id` may join the room now: refused (with the bound) when the room has
    /// `room_max_participants` participants and the user is not one of them. Asked before the
    /// upgrade, so a full room is a plain 429; the join checks again, since others may join
    /// in between.
    pub async fn has_place(&self, room: &Room, user_id: &str) -> Result<(), JoinError> {
        let max = self.inner.config.room_max_participants;
        if let Some(tx) = self.live_room(&room.id) {
            let (reply, answer) = oneshot::channel();
            let ask = Command::HasPlace {
                user_id: user_id.to_owned(),
                reply,
            };
            if tx.send(ask).is_ok() && answer.await == Ok(false) {
                return Err(JoinError::Full(max));
            }
            return Ok(());
        }
        if self.inner.outbox.is_shared() {
            // Not live here: the participants are those of the other nodes.
            let listed = self
                .inner
                .store
                .session_participants(&room.account_id, &room.id)
                .await?;
            if listed.len() >= max && !listed.iter().any(|u| u.id == user_id) {
                return Err(JoinError::Full(max));
            }
        }
        Ok(())
    }

    /// Adds a connection of `user` to its room; the room sends the welcome (or an error) on
    /// `outbound`. Returns the room's inbox for the connection's later messages.
    pub async fn connect(
        &self,
        connection: u64,
        room: &Room,
        user: User,
        outbound: Outlet,
        v2: Option<Option<u64>>,
    ) -> Result<mpsc::UnboundedSender<Command>, JoinError> {
        // An actor may retire between the lookup and the join; a second or third try meets a
        // fresh one. More failures mean the room's actor keeps dying: give up.
        for _ in 0..3 {
            let tx = self.room(room);
            let (reply, answer) = oneshot::channel();
            let join = Command::Join {
                connection,
                user: user.clone(),
                outbound: outbound.clone(),
                v2,
                reply,
            };
            if tx.send(join).is_err() {
                continue; // The actor just retired; start a new one.
            }
            match answer.await {
                Ok(result) => return result.map(|()| tx),
                Err(_) => continue,
            }
        }
        Err(crate::store::StoreError::transient(format!("room {} is unavailable", room.id)).into())
    }

    /// Who is in the room now, by user id: at most `limit` after the user `after`, whether
    /// more follow, and how many there are in all.
    pub async fn participants(
        &self,
        room_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> (Vec<ParticipantSnapshot>, bool, usize) {
        let Some(tx) = self.live_room(room_id) else {
            return (vec![], false, 0);
        };
        let (reply, answer) = oneshot::channel();
        if tx
            .send(Command::Snapshot {
                after,
                limit,
                reply,
            })
            .is_err()
        {
            return (vec![], false, 0);
        }
        answer.await.unwrap_or_default()
    }

    /// Ends a user's participation now (before the user is deleted): closes their connections
    /// and stores `participant.left` (and `session.closed` if they were the last).
    pub async fn remove_user(&self, room_id: &str, user_id: &str) -> StoreResult<()> {
        let Some(tx) = self.live_room(room_id) else {
            return Ok(());
        };
        let (reply, answer) = oneshot::channel();
        let cmd = Command::RemoveUser {
            user_id: user_id.to_owned(),
            reply,
        };
        if tx.send(cmd).is_err() {
            return Ok(());
        }
        answer.await.unwrap_or(Ok(()))
    }

    /// After a user's deletion committed: closes any connection of theirs that joined while it
    /// was under way (see `RoomActor::forget`).
    pub async fn forget_user(&self, room_id: &str, user_id: &str) {
        self.forget(room_id, Some(user_id.to_owned())).await;
    }

    /// After a room's deletion committed: closes every connection that joined meanwhile.
    pub async fn forget_room(&self, room_id: &str) {
        self.forget(room_id, None).await;
    }

    async fn forget(&self, room_id: &str, user_id: Option<String>) {
        // The other nodes close their connections of the deleted user or room too.
        let removed = relayed::Tell::Removed {
            user_id: user_id.as_deref(),
        };
        self.inner.outbox.send(room_id, removed);
        let Some(tx) = self.live_room(room_id) else {
            return;
        };
        let (reply, answer) = oneshot::channel();
        if tx.send(Command::Forget { user_id, reply }).is_ok() {
            let _ = answer.await;
        }
    }

    /// Ends a room's session now (before the room is deleted).
    pub async fn close_room(&self, room_id: &str) -> StoreResult<()> {
        let Some(tx) = self.live_room(room_id) else {
            return Ok(());
        };
        let (reply, answer) = oneshot::channel();
        if tx.send(Command::Close { reply }).is_err() {
            return Ok(());
        }
        answer.await.unwrap_or(Ok(()))
    }
}
