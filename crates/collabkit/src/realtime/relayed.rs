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
    /// `frame` is a `broadcast` frame sent by `user_id` to the users `to` only.
    Targeted {
        user_id: &'a str,
        to: &'a [String],
        frame: &'a str,
    },
    /// `frame` is the `follow` frame of `user_id`'s follow or unfollow.
    Follow { user_id: &'a str, frame: &'a str },
    /// `frame` is a `user_created`, `user_updated` or `user_deleted` frame about `user_id`.
    Lifecycle { user_id: &'a str, frame: &'a str },
    /// `frame` is a `store_changed` frame written by `user_id` (empty: the API).
    Store { user_id: &'a str, frame: &'a str },
}

/// The wire form of a targeted broadcast: its recipients and the frame they get.
#[derive(serde::Serialize, Deserialize)]
struct TargetedWire<'a> {
    to: std::borrow::Cow<'a, [String]>,
    #[serde(borrow)]
    frame: std::borrow::Cow<'a, str>,
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
            Tell::Targeted { user_id, to, frame } => {
                let wire = TargetedWire {
                    to: to.into(),
                    frame: frame.into(),
                };
                let wire = serde_json::to_string(&wire).expect("a targeted frame serializes");
                return RoomSignal {
                    room_id: room_id.to_owned(),
                    node: node.to_owned(),
                    kind: RelayKind::Targeted,
                    user_id: user_id.to_owned(),
                    frame: wire,
                };
            }
            Tell::Follow { user_id, frame } => (RelayKind::Follow, user_id, frame),
            Tell::Lifecycle { user_id, frame } => (RelayKind::Lifecycle, user_id, frame),
            Tell::Store { user_id, frame } => (RelayKind::Store, user_id, frame),
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
    /// A broadcast for the users `to` only.
    Targeted {
        to: Vec<String>,
        frame: Utf8Bytes,
    },
    Follow {
        follow: super::protocol::FollowView,
        following: bool,
        frame: Utf8Bytes,
    },
    Lifecycle {
        frame: Utf8Bytes,
    },
    Store {
        frame: Utf8Bytes,
    },
}

/// The part of a `follow` frame a node reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FollowFrame {
    follower_id: String,
    user_id: String,
    following: bool,
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
            RelayKind::Targeted => {
                let wire: TargetedWire = serde_json::from_str(&frame).ok()?;
                News::Targeted {
                    to: wire.to.into_owned(),
                    frame: wire.frame.into_owned().into(),
                }
            }
            RelayKind::Follow => {
                let read: FollowFrame = serde_json::from_str(&frame).ok()?;
                News::Follow {
                    follow: super::protocol::FollowView {
                        follower_id: read.follower_id,
                        user_id: read.user_id,
                    },
                    following: read.following,
                    frame: frame.into(),
                }
            }
            RelayKind::Lifecycle => News::Lifecycle {
                frame: frame.into(),
            },
            RelayKind::Store => News::Store {
                frame: frame.into(),
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
            color: "#000000",
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
            color: "#000000",
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

    #[test]
    fn a_targeted_broadcast_and_a_follow_cross_nodes_with_their_recipients() {
        let to = vec!["usr_b".to_owned(), "usr_c".to_owned()];
        let tell = Tell::Targeted {
            user_id: "usr_a",
            to: &to,
            frame: r#"{"type":"broadcast"}"#,
        };
        match News::decode(tell.to_signal("room_1", "node_a")) {
            Some(News::Targeted { to: read, frame }) => {
                assert_eq!((read, frame.as_str()), (to, r#"{"type":"broadcast"}"#));
            }
            other => panic!("not targeted: {other:?}"),
        }
        let frame = ServerMessage::Follow {
            follower_id: "usr_a",
            user_id: "usr_b",
            following: false,
        }
        .encode();
        let tell = Tell::Follow {
            user_id: "usr_a",
            frame: &frame,
        };
        assert!(matches!(
            News::decode(tell.to_signal("room_1", "node_a")),
            Some(News::Follow { follow, following: false, .. })
                if follow.follower_id == "usr_a" && follow.user_id == "usr_b"
        ));
    }
}
