//! What nodes tell each other about a live room, typed. On the wire a signal stays what it
//! always was (a [`RelayKind`], the user it is about, and the protocol frame this node's
//! connections got), so nodes of different versions still understand each other; these types
//! are the one place that maps to and from it.

use axum::extract::ws::Utf8Bytes;
use collabkit_domain::relay::{RelayKind, RoomSignal};
use collabkit_webhooks::WebhookUser;
use serde::Deserialize;
use serde_json::Value;

/// This node's news about a room, for the other nodes: each carries the frame the room's
/// connections here got, which the other nodes give their connections as is.
#[derive(Debug, Clone, Copy)]
pub enum Tell<'a> {
    /// `frame` is the `participant_joined` frame.
    Joined { user_id: &'a str, frame: &'a str },
    /// `frame` is the `participant_left` frame.
    Left { user_id: &'a str, frame: &'a str },
    /// `frame` is the `presence` frame.
    Presence { user_id: &'a str, frame: &'a str },
    /// `frame` is the `broadcast` frame, sent by `user_id`.
    Broadcast { user_id: &'a str, frame: &'a str },
    /// The user (or, with `None`, the whole room) was deleted.
    Removed { user_id: Option<&'a str> },
}

impl Tell<'_> {
    /// The signal as it goes on the wire.
    pub fn to_signal(self, room_id: &str, node: &str) -> RoomSignal {
        let (kind, user_id, frame) = match self {
            Tell::Joined { user_id, frame } => (RelayKind::Joined, user_id, frame),
            Tell::Left { user_id, frame } => (RelayKind::Left, user_id, frame),
            Tell::Presence { user_id, frame } => (RelayKind::Presence, user_id, frame),
            Tell::Broadcast { user_id, frame } => (RelayKind::Broadcast, user_id, frame),
            Tell::Removed { user_id } => (RelayKind::Removed, user_id.unwrap_or(""), ""),
        };
        RoomSignal {
            room_id: room_id.to_owned(),
            node: node.to_owned(),
            kind,
            user_id: user_id.to_owned(),
            frame: frame.to_owned(),
        }
    }
}

/// Another node's news about a room, read once off the wire (off the room's own loop).
#[derive(Debug)]
pub enum News {
    Joined {
        user_id: String,
        user: WebhookUser,
        presence: Value,
        frame: Utf8Bytes,
    },
    Left {
        user_id: String,
        frame: Utf8Bytes,
    },
    Presence {
        user_id: String,
        /// Null if the frame carried none.
        presence: Value,
        frame: Utf8Bytes,
    },
    Broadcast {
        frame: Utf8Bytes,
    },
    Removed {
        user_id: Option<String>,
    },
}

/// The part of a `participant_joined` frame a node reads.
#[derive(Deserialize)]
struct JoinedFrame {
    user: WebhookUser,
    #[serde(default)]
    presence: Value,
}

/// The part of a `presence` frame a node reads.
#[derive(Deserialize)]
struct PresenceFrame {
    #[serde(default)]
    presence: Value,
}

impl News {
    /// Reads a signal; `None` for a join whose frame names no user (nothing to remember).
    pub fn decode(signal: RoomSignal) -> Option<News> {
        let RoomSignal {
            kind,
            user_id,
            frame,
            ..
        } = signal;
        Some(match kind {
            RelayKind::Joined => {
                let joined: JoinedFrame = serde_json::from_str(&frame).ok()?;
                News::Joined {
                    user_id,
                    user: joined.user,
                    presence: joined.presence,
                    frame: frame.into(),
                }
            }
            RelayKind::Left => News::Left {
                user_id,
                frame: frame.into(),
            },
            RelayKind::Presence => {
                let presence = serde_json::from_str::<PresenceFrame>(&frame)
                    .map(|f| f.presence)
                    .unwrap_or_default();
                News::Presence {
                    user_id,
                    presence,
                    frame: frame.into(),
                }
            }
            RelayKind::Broadcast => News::Broadcast {
                frame: frame.into(),
            },
            RelayKind::Removed => News::Removed {
                user_id: Some(user_id).filter(|u| !u.is_empty()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::protocol::ServerMessage;

    fn user() -> WebhookUser {
        WebhookUser {
            id: "usr_1".into(),
            room_id: "room_1".into(),
            name: "Ada".into(),
            profile_picture: None,
            custom_id: None,
            status: collabkit_webhooks::UserStatus::Online,
            created_at: "2026-01-01T00:00:00Z".into(),
            joined_at: Some("2026-01-01T00:00:01Z".into()),
            left_at: None,
        }
    }

    #[test]
    fn the_wire_is_what_it_was() {
        let s = Tell::Removed { user_id: None }.to_signal("room_1", "node_a");
        assert_eq!(
            (
                s.kind,
                s.user_id.as_str(),
                s.frame.as_str(),
                s.node.as_str()
            ),
            (RelayKind::Removed, "", "", "node_a")
        );
        let s = Tell::Broadcast {
            user_id: "usr_1",
            frame: "{}",
        }
        .to_signal("room_1", "node_a");
        assert_eq!(
            (s.kind, s.user_id.as_str(), s.frame.as_str()),
            (RelayKind::Broadcast, "usr_1", "{}")
        );
        assert!(matches!(
            News::decode(Tell::Removed { user_id: Some("usr_2") }.to_signal("r", "n")),
            Some(News::Removed { user_id: Some(u) }) if u == "usr_2"
        ));
    }

    #[test]
    fn a_join_and_a_presence_are_read_back() {
        let user = user();
        let presence = serde_json::json!({"cursor": 3});
        let frame = ServerMessage::ParticipantJoined {
            user: &user,
            presence: &presence,
        }
        .encode();
        let tell = Tell::Joined {
            user_id: "usr_1",
            frame: &frame,
        };
        match News::decode(tell.to_signal("room_1", "node_a")) {
            Some(News::Joined {
                user_id,
                user: read,
                presence: p,
                frame: f,
            }) => {
                assert_eq!((user_id.as_str(), read.id.as_str()), ("usr_1", "usr_1"));
                assert_eq!((p, f.as_str()), (presence.clone(), frame.as_str()));
            }
            other => panic!("not a join: {other:?}"),
        }
        let frame = ServerMessage::Presence {
            user_id: "usr_1",
            presence: &presence,
        }
        .encode();
        let tell = Tell::Presence {
            user_id: "usr_1",
            frame: &frame,
        };
        assert!(matches!(
            News::decode(tell.to_signal("room_1", "node_a")),
            Some(News::Presence { presence: p, .. }) if p == presence
        ));
        // A join that names no user is dropped, as before.
        let bad = Tell::Joined {
            user_id: "usr_1",
            frame: r#"{"type":"participant_joined"}"#,
        };
        assert!(News::decode(bad.to_signal("room_1", "node_a")).is_none());
    }
}
