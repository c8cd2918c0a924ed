//! What happened: the event names and the payload each delivery carries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::resources::{CollabKitRoom, WebhookUser};

/// Union of all webhook event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventName {
    #[serde(rename = "participant.joined")]
    ParticipantJoined,
    #[serde(rename = "participant.left")]
    ParticipantLeft,
    #[serde(rename = "session.started")]
    SessionStarted,
    #[serde(rename = "session.closed")]
    SessionClosed,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "user.deleted")]
    UserDeleted,
}

impl WebhookEventName {
    /// Every event name, in the order the seed lists them.
    pub const ALL: [WebhookEventName; 7] = [
        Self::ParticipantJoined,
        Self::ParticipantLeft,
        Self::SessionStarted,
        Self::SessionClosed,
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDeleted,
    ];

    /// The wire name, e.g. `participant.joined`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ParticipantJoined => "participant.joined",
            Self::ParticipantLeft => "participant.left",
            Self::SessionStarted => "session.started",
            Self::SessionClosed => "session.closed",
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserDeleted => "user.deleted",
        }
    }

    /// Parses a wire name; `None` for anything that is not one of the seven.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

impl std::fmt::Display for WebhookEventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Union of all webhook payload types. Every payload includes `id`, `event` and `timestamp`.
///
/// Serialized with `event` as the tag, so `{"id","event","timestamp","room",…}` is exactly the
/// seed's `ParticipantJoinedPayload` and its siblings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", deny_unknown_fields)]
pub enum WebhookPayload {
    #[serde(rename = "participant.joined")]
    ParticipantJoined {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        user: WebhookUser,
    },
    #[serde(rename = "participant.left")]
    ParticipantLeft {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        user: WebhookUser,
    },
    #[serde(rename = "session.started")]
    SessionStarted {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
    },
    #[serde(rename = "session.closed")]
    SessionClosed {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        users: Vec<WebhookUser>,
    },
    #[serde(rename = "user.created")]
    UserCreated {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        user: WebhookUser,
    },
    #[serde(rename = "user.updated")]
    UserUpdated {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        user: WebhookUser,
    },
    #[serde(rename = "user.deleted")]
    UserDeleted {
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        user: WebhookUser,
    },
}

impl WebhookPayload {
    /// A payload about one user (`user.*`, `participant.joined|left`); `None` for the session
    /// events, which are not about one user.
    pub fn about_user(
        event: WebhookEventName,
        id: String,
        timestamp: String,
        room: CollabKitRoom,
        user: WebhookUser,
    ) -> Option<WebhookPayload> {
        Some(match event {
            WebhookEventName::ParticipantJoined => Self::ParticipantJoined {
                id,
                timestamp,
                room,
                user,
            },
            WebhookEventName::ParticipantLeft => Self::ParticipantLeft {
                id,
                timestamp,
                room,
                user,
            },
            WebhookEventName::UserCreated => Self::UserCreated {
                id,
                timestamp,
                room,
                user,
            },
            WebhookEventName::UserUpdated => Self::UserUpdated {
                id,
                timestamp,
                room,
                user,
            },
            WebhookEventName::UserDeleted => Self::UserDeleted {
                id,
                timestamp,
                room,
                user,
            },
            WebhookEventName::SessionStarted | WebhookEventName::SessionClosed => return None,
        })
    }

    /// The payload's id: the `webhook-id` header of every attempt to deliver it.
    pub fn id(&self) -> &str {
        match self {
            Self::ParticipantJoined { id, .. }
            | Self::ParticipantLeft { id, .. }
            | Self::SessionStarted { id, .. }
            | Self::SessionClosed { id, .. }
            | Self::UserCreated { id, .. }
            | Self::UserUpdated { id, .. }
            | Self::UserDeleted { id, .. } => id,
        }
    }

    /// The event this payload announces.
    pub fn event(&self) -> WebhookEventName {
        match self {
            Self::ParticipantJoined { .. } => WebhookEventName::ParticipantJoined,
            Self::ParticipantLeft { .. } => WebhookEventName::ParticipantLeft,
            Self::SessionStarted { .. } => WebhookEventName::SessionStarted,
            Self::SessionClosed { .. } => WebhookEventName::SessionClosed,
            Self::UserCreated { .. } => WebhookEventName::UserCreated,
            Self::UserUpdated { .. } => WebhookEventName::UserUpdated,
            Self::UserDeleted { .. } => WebhookEventName::UserDeleted,
        }
    }

    /// The room the event happened in.
    pub fn room(&self) -> &CollabKitRoom {
        match self {
            Self::ParticipantJoined { room, .. }
            | Self::ParticipantLeft { room, .. }
            | Self::SessionStarted { room, .. }
            | Self::SessionClosed { room, .. }
            | Self::UserCreated { room, .. }
            | Self::UserUpdated { room, .. }
            | Self::UserDeleted { room, .. } => room,
        }
    }
}
