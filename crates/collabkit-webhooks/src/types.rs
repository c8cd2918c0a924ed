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
            account_id: "acct_1".into(),
            name: "Room".into(),
            custom_id: Some("r1".into()),
            created_at: "2026-01-01T00:00:00Z".into(),
            state: RoomState::Active,
            duration_seconds: 3,
            active_participants: 1,
            total_users_created: 2,
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
                "room": {"id": "room_1", "account_id": "acct_1", "name": "Room", "custom_id": "r1",
                         "created_at": "2026-01-01T00:00:00Z", "state": "active",
                         "duration_seconds": 3, "active_participants": 1,
                         "total_users_created": 2}
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
            name: "U".into(),
            profile_picture: None,
            custom_id: None,
            status: UserStatus::Offline,
            created_at: "t".into(),
            joined_at: None,
            left_at: None,
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
    fn users_and_sessions_are_snake_case_with_their_documented_fields() {
        let user = CollabKitUser {
            id: "usr_1".into(),
            room_id: "room_1".into(),
            name: "U".into(),
            profile_picture: None,
            custom_id: None,
            status: UserStatus::Online,
            created_at: "t0".into(),
            joined_at: Some("t1".into()),
            left_at: None,
            token: "tok".into(),
        };
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            json!({"id": "usr_1", "room_id": "room_1", "name": "U", "profile_picture": null,
                   "custom_id": null, "status": "online", "created_at": "t0",
                   "joined_at": "t1", "left_at": null, "token": "tok"})
        );
        let hook = serde_json::to_value(WebhookUser::from(user)).unwrap();
        assert!(hook.get("token").is_none(), "{hook}");
        assert_eq!(hook["status"], "online");
        let session = CollabKitUserSession {
            id: "sess_1".into(),
            user_id: "usr_1".into(),
            room_id: "room_1".into(),
            joined_at: "t1".into(),
            left_at: None,
        };
        assert_eq!(
            serde_json::to_value(&session).unwrap(),
            json!({"id": "sess_1", "user_id": "usr_1", "room_id": "room_1",
                   "joined_at": "t1", "left_at": null})
        );
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
