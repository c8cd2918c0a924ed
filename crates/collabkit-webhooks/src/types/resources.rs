//! The resources a payload is about: rooms, users and their sessions.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The state of a room. An existing room is always `active` (a deleted room does not exist),
/// the only value the CollabKit documentation shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum RoomState {
    #[serde(rename = "active")]
    Active,
}

/// A room (`CollabKitRoom`), as of the moment it was read (or of the event that carries it):
/// the counters are the room's at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollabKitRoom {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub custom_id: Option<String>,
    pub created_at: String,
    pub state: RoomState,
    /// The summed length of the room's sessions, the live one up to that moment.
    pub duration_seconds: u64,
    /// Users participating at that moment.
    pub active_participants: u64,
    /// Users ever created in the room.
    pub total_users_created: u64,
}

/// Whether a user takes part in their room's live session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Online,
    Offline,
}

/// A user with its realtime token (`CollabKitUser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollabKitUser {
    pub id: String,
    pub room_id: String,
    pub name: String,
    pub profile_picture: Option<String>,
    pub custom_id: Option<String>,
    pub status: UserStatus,
    pub created_at: String,
    /// The last time the user went online; null until they first join.
    pub joined_at: Option<String>,
    /// The last time the user went offline; null until they first leave.
    pub left_at: Option<String>,
    pub token: String,
}

/// A user object with the token field stripped (`WebhookUser`). Used in webhook payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookUser {
    pub id: String,
    pub room_id: String,
    pub name: String,
    pub profile_picture: Option<String>,
    pub custom_id: Option<String>,
    pub status: UserStatus,
    pub created_at: String,
    pub joined_at: Option<String>,
    pub left_at: Option<String>,
}

impl From<CollabKitUser> for WebhookUser {
    fn from(u: CollabKitUser) -> Self {
        WebhookUser {
            id: u.id,
            room_id: u.room_id,
            name: u.name,
            profile_picture: u.profile_picture,
            custom_id: u.custom_id,
            status: u.status,
            created_at: u.created_at,
            joined_at: u.joined_at,
            left_at: u.left_at,
        }
    }
}

/// One participation of a user in their room's live sessions (`CollabKitUserSession`), from
/// joining to leaving; `left_at` is null while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollabKitUserSession {
    pub id: String,
    pub user_id: String,
    pub room_id: String,
    pub joined_at: String,
    pub left_at: Option<String>,
}
