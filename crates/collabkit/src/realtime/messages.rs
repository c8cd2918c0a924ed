//! What a room's actor is told: by its connections, by the hub (on behalf of the HTTP API and
//! of the other nodes) and by its own timers. A module of its own, so a connection and the room
//! share the messages without knowing each other.

use collabkit_webhooks::WebhookUser;
use serde_json::Value;
use tokio::sync::oneshot;

use super::outlet::Outlet;
use super::relayed::News;
use crate::store::{StoreError, StoreResult, User};

/// A message to a room's actor; those that ask something carry where the answer goes.
pub enum Command {
    Join {
        connection: u64,
        user: User,
        outbound: Outlet,
        /// `Some` for a version 2 connection: the id of its `join`, if it gave one.
        v2: Option<Option<u64>>,
        reply: oneshot::Sender<Result<(), JoinError>>,
    },
    Disconnected {
        connection: u64,
    },
    /// The connection leaves now (version 2's `leave`): if it was the user's last, the user
    /// leaves without the grace.
    Leave {
        connection: u64,
    },
    /// The connection's queue has room again for the frames the room owes it.
    Drained {
        connection: u64,
    },
    /// Whether the user may join now (already a participant, or the room is not full).
    HasPlace {
        user_id: String,
        reply: oneshot::Sender<bool>,
    },
    Presence {
        connection: u64,
        presence: Value,
    },
    Broadcast {
        connection: u64,
        event: Option<String>,
        data: Value,
        /// Only to these users' connections.
        to: Option<Vec<String>>,
    },
    /// The connection's user follows (or stops following) `user_id`.
    Follow {
        connection: u64,
        user_id: String,
        follow: bool,
    },
    /// A `user_*` frame for the room's version 2 connections (the API changed a user).
    Lifecycle {
        frame: axum::extract::ws::Utf8Bytes,
    },
    /// `store_changed` frames for the room's version 2 connections but `except` (the writer's,
    /// which has its answers).
    Stores {
        frames: Vec<axum::extract::ws::Utf8Bytes>,
        except: Option<u64>,
    },
    /// The grace after a user's last connection closed has passed.
    GraceOver {
        user_id: String,
        generation: u64,
    },
    /// A page of the participants, by user id: those after `after`, at most `limit`,
    /// whether more follow, and how many there are in all.
    Snapshot {
        after: Option<String>,
        limit: usize,
        reply: oneshot::Sender<(Vec<ParticipantSnapshot>, bool, usize)>,
    },
    RemoveUser {
        user_id: String,
        reply: oneshot::Sender<StoreResult<()>>,
    },
    Close {
        reply: oneshot::Sender<StoreResult<()>>,
    },
    /// After the user (`Some`) or the room (`None`) was deleted, whose transaction ended the
    /// participation: closes what joined meanwhile, storing nothing.
    Forget {
        user_id: Option<String>,
        reply: oneshot::Sender<()>,
    },
    /// What happened in this room on another node.
    Remote(News),
}

/// A participant as `GET /rooms/{id}/participants` shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ParticipantSnapshot {
    pub user: WebhookUser,
    pub presence: Value,
    /// Open connections (tabs) of this user.
    pub connections: usize,
}

/// Why a connection could not join.
#[derive(Debug)]
pub enum JoinError {
    /// The room has `--room-max-participants` participants (the number) and this user is not
    /// one of them: nothing was stored.
    Full(usize),
    Store(StoreError),
}

impl From<StoreError> for JoinError {
    fn from(e: StoreError) -> Self {
        JoinError::Store(e)
    }
}
