//! The seed's types (`webhook-types.txt`), field for field.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// A room (`CollabKitRoom`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollabKitRoom {
    pub id: String,
    pub custom_id: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A user with its realtime token (`CollabKitUser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CollabKitUser {
    pub id: String,
    pub room_id: String,
    pub custom_id: String,
    pub name: String,
    pub profile_picture: Option<String>,
    pub token: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A user object with the token field stripped (`WebhookUser`). Used in webhook payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookUser {
    pub id: String,
    pub room_id: String,
    pub custom_id: String,
    pub name: String,
    pub profile_picture: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<CollabKitUser> for WebhookUser {
    fn from(u: CollabKitUser) -> Self {
        WebhookUser {
            id: u.id,
            room_id: u.room_id,
            custom_id: u.custom_id,
            name: u.name,
            profile_picture: u.profile_picture,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
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

/// A webhook registration including the signing secret. Only returned at creation time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRegistration {
    pub id: String,
    pub organization_id: String,
    pub url: String,
    pub secret: String,
    pub events: Vec<WebhookEventName>,
    pub room_id: Option<String>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// A webhook registration without the secret. Returned by list, get, and update endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRegistrationPublic {
    pub id: String,
    pub organization_id: String,
    pub url: String,
    pub events: Vec<WebhookEventName>,
    pub room_id: Option<String>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<WebhookRegistration> for WebhookRegistrationPublic {
    fn from(r: WebhookRegistration) -> Self {
        WebhookRegistrationPublic {
            id: r.id,
            organization_id: r.organization_id,
            url: r.url,
            events: r.events,
            room_id: r.room_id,
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Success,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Success => "success",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "success" => Some(Self::Success),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A webhook delivery log entry (defined on the server, not exported from `@collab-kit/utils`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    /// The JSON-serialized webhook payload, sent byte for byte on every attempt.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_attempt_at: Option<String>,
    pub next_retry_at: Option<String>,
    pub status_code: Option<u16>,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn room() -> CollabKitRoom {
        CollabKitRoom {
            id: "room_1".into(),
            custom_id: "r1".into(),
            name: "Room".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn payload_has_exactly_the_seed_fields() {
        let p = WebhookPayload::SessionStarted {
            id: "evt_1".into(),
            timestamp: "2026-01-01T00:00:00Z".into(),
            room: room(),
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            json!({
                "id": "evt_1", "event": "session.started", "timestamp": "2026-01-01T00:00:00Z",
                "room": {"id": "room_1", "customId": "r1", "name": "Room",
                         "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}
            })
        );
        let back: WebhookPayload = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let bad = json!({"id": "evt_1", "event": "session.started", "timestamp": "t",
                         "room": room(), "extra": 1});
        assert!(serde_json::from_value::<WebhookPayload>(bad).is_err());
    }

    #[test]
    fn about_user_builds_each_user_event_and_refuses_session_events() {
        let user = WebhookUser {
            id: "usr_1".into(),
            room_id: "room_1".into(),
            custom_id: "u".into(),
            name: "U".into(),
            profile_picture: None,
            created_at: "t".into(),
            updated_at: "t".into(),
        };
        for e in WebhookEventName::ALL {
            let p = WebhookPayload::about_user(e, "evt_1".into(), "t".into(), room(), user.clone());
            match e {
                WebhookEventName::SessionStarted | WebhookEventName::SessionClosed => {
                    assert!(p.is_none())
                }
                _ => assert_eq!(p.unwrap().event(), e),
            }
        }
    }

    #[test]
    fn event_names_round_trip() {
        for e in WebhookEventName::ALL {
            assert_eq!(WebhookEventName::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), json!(e.as_str()));
        }
        assert_eq!(WebhookEventName::parse("user.exploded"), None);
    }
}
