//! Live rooms across nodes: what happens in a room on one node (a participant joins or leaves,
//! presence changes, a broadcast) reaches the room's connections on the other nodes.
//!
//! A backend several nodes share carries the signals (PostgreSQL: NOTIFY, large frames through
//! a table); a backend one server owns has nobody to tell ([`LocalRelay`]).

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::error::StoreResult;

/// What a signal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayKind {
    Joined,
    Left,
    Presence,
    Broadcast,
    /// The user (or, with an empty user id, the whole room) was deleted: the node closes its
    /// connections of them.
    Removed,
    /// A broadcast to some users only: the frame is `{"to": [user ids], "frame": …}`.
    Targeted,
    /// A follow or unfollow (the `follow` frame); about the follower.
    Follow,
    /// A user of the room created, updated or deleted through the API (`user_*` frames).
    Lifecycle,
    /// A change to one of the room's stores (a `store_changed` frame); about its writer (empty
    /// for a write through the API).
    Store,
}

impl RelayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelayKind::Joined => "joined",
            RelayKind::Left => "left",
            RelayKind::Presence => "presence",
            RelayKind::Broadcast => "broadcast",
            RelayKind::Removed => "removed",
            RelayKind::Targeted => "targeted",
            RelayKind::Follow => "follow",
            RelayKind::Lifecycle => "lifecycle",
            RelayKind::Store => "store",
        }
    }

    pub fn parse(s: &str) -> Option<RelayKind> {
        [
            RelayKind::Joined,
            RelayKind::Left,
            RelayKind::Presence,
            RelayKind::Broadcast,
            RelayKind::Removed,
            RelayKind::Targeted,
            RelayKind::Follow,
            RelayKind::Lifecycle,
            RelayKind::Store,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One room's news from one node: the frame its connections got, to give to the room's
/// connections on the other nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSignal {
    pub room_id: String,
    /// The node it comes from (a node ignores its own).
    pub node: String,
    pub kind: RelayKind,
    /// The participant it is about.
    pub user_id: String,
    /// The realtime protocol frame, as sent.
    pub frame: String,
}

#[async_trait]
pub trait Relay: Send + Sync + 'static {
    /// Tells the other nodes, in order (all that queued up since the last call: on PostgreSQL
    /// one transaction for them all). Best effort: a lost signal loses a presence update or a
    /// broadcast, never a stored event.
    async fn publish(&self, signals: Vec<RoomSignal>) -> StoreResult<()>;
    /// Signals from every node (this one's included).
    fn subscribe(&self) -> broadcast::Receiver<RoomSignal>;
    /// Whether other nodes may be listening (else publishing is skipped).
    fn is_shared(&self) -> bool;
}

/// The relay of a backend one server owns: nobody else to tell.
pub struct LocalRelay(broadcast::Sender<RoomSignal>);

impl Default for LocalRelay {
    fn default() -> Self {
        LocalRelay(broadcast::channel(1).0)
    }
}

#[async_trait]
impl Relay for LocalRelay {
    async fn publish(&self, _signals: Vec<RoomSignal>) -> StoreResult<()> {
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<RoomSignal> {
        self.0.subscribe()
    }

    fn is_shared(&self) -> bool {
        false
    }
}
