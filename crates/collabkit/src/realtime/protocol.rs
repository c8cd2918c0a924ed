//! The realtime protocol (§4): JSON text frames.

use axum::extract::ws::Utf8Bytes;
use collabkit_webhooks::{CollabKitRoom, WebhookUser};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a client may send. Version 1 clients send only `presence` (an object), `broadcast` and
/// `ping`; the others are version 2's (see `docs/realtime-protocol.md`).
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Version 2's first frame: the user's token.
    Auth {
        token: String,
    },
    /// Version 2: become a participant; answered with a `welcome` carrying `id`.
    Join {
        #[serde(default)]
        id: Option<u64>,
        /// The schemas of the client's `defineStores`, checked against its writes.
        #[serde(default)]
        stores: Option<Value>,
    },
    /// Version 2: stop being a participant now, without the leave grace.
    Leave,
    /// Version 2: a read, answered with a `response` carrying `id`.
    Request {
        id: u64,
        method: String,
        #[serde(default)]
        params: Value,
    },
    /// Replaces the sender's presence (null clears it); relayed to the others.
    Presence {
        presence: Value,
    },
    /// Relayed to the others (or only to `userIds`) as is.
    Broadcast {
        #[serde(default)]
        event: Option<String>,
        data: Value,
        #[serde(default, rename = "userIds")]
        user_ids: Option<Vec<String>>,
    },
    /// Version 2: the sender follows `userId` (kept for the room).
    Follow {
        #[serde(rename = "userId")]
        user_id: String,
    },
    /// Version 2: the sender stops following `userId`.
    Unfollow {
        #[serde(rename = "userId")]
        user_id: String,
    },
    Ping,
}

/// A participant as a newcomer's welcome lists them.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantView<'a> {
    pub user: &'a WebhookUser,
    /// The participant's latest presence: null until they set one, and null too when it did
    /// not fit in the welcome (it follows as a `presence` frame).
    pub presence: &'a Value,
    pub color: &'static str,
}

/// One follow between users of a room.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct FollowView {
    #[serde(rename = "followerId")]
    pub follower_id: String,
    #[serde(rename = "userId")]
    pub user_id: String,
}

/// What only a version 2 welcome carries.
#[derive(Debug, Clone, Copy)]
pub struct WelcomeV2<'a> {
    /// The join's id.
    pub id: Option<u64>,
    /// Whether the user was already a participant (in the leave grace, or another tab):
    /// nobody was told of a join.
    pub resumed: bool,
    pub follows: &'a [FollowView],
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Authenticated {
        protocol: u32,
        user: &'a Value,
        room: &'a CollabKitRoom,
    },
    AuthFailed {
        code: &'a str,
        message: &'a str,
    },
    Welcome {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        resumed: Option<bool>,
        room: &'a CollabKitRoom,
        user: &'a WebhookUser,
        color: &'static str,
        participants: Vec<ParticipantView<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        follows: Option<&'a [FollowView]>,
    },
    ParticipantJoined {
        user: &'a WebhookUser,
        presence: &'a Value,
        color: &'static str,
    },
    ParticipantLeft {
        user: &'a WebhookUser,
    },
    Presence {
        #[serde(rename = "userId")]
        user_id: &'a str,
        presence: &'a Value,
        color: &'static str,
    },
    Broadcast {
        #[serde(rename = "userId")]
        user_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<&'a str>,
        data: &'a Value,
    },
    Follow {
        #[serde(rename = "followerId")]
        follower_id: &'a str,
        #[serde(rename = "userId")]
        user_id: &'a str,
        following: bool,
    },
    StoreChanged {
        store: &'a str,
        key: &'a str,
        action: &'static str,
        value: Option<&'a serde_json::Map<String, Value>>,
        version: i64,
        #[serde(rename = "userId")]
        user_id: Option<&'a str>,
    },
    UserCreated {
        user: &'a Value,
    },
    UserUpdated {
        user: &'a Value,
    },
    UserDeleted {
        user: &'a Value,
    },
    Response {
        id: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        data: Option<&'a Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<ErrorView<'a>>,
    },
    Pong,
    Error {
        code: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
    },
}

/// The error of a failed request.
#[derive(Debug, Serialize)]
pub struct ErrorView<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

impl ServerMessage<'_> {
    /// Serialized once, then shared by every connection it goes to.
    pub fn encode(&self) -> Utf8Bytes {
        Utf8Bytes::from(serde_json::to_string(self).expect("server messages serialize"))
    }

    /// An `error` frame without an id.
    pub fn error(code: &str, message: &str) -> Utf8Bytes {
        ServerMessage::Error {
            code,
            message,
            id: None,
        }
        .encode()
    }
}

/// The twelve colours users are given, readable on light and dark backgrounds.
const PALETTE: [&str; 12] = [
    "#e5484d", "#f76b15", "#ffc53d", "#30a46c", "#12a594", "#00a2c7", "#0090ff", "#3e63dd",
    "#6e56cf", "#8e4ec6", "#d6409f", "#ad7f58",
];

/// A user's colour in its room: picked from the id (FNV-1a), so every node and connection
/// gives the same one without storing it.
pub fn color(user_id: &str) -> &'static str {
    let hash = user_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}

/// A user as version 2's reads and lifecycle frames show them: the webhook user's fields, whom
/// they follow and who follows them, and their colour.
pub fn user_view(user: &WebhookUser, follows: &[FollowView]) -> Value {
    let mut view = serde_json::to_value(user).expect("a user serializes");
    let ids = |pick: fn(&FollowView) -> (&str, &str)| -> Vec<Value> {
        follows
            .iter()
            .map(pick)
            .filter(|(me, _)| *me == user.id)
            .map(|(_, other)| Value::from(other))
            .collect()
    };
    let following = ids(|f| (&f.follower_id, &f.user_id));
    let followers = ids(|f| (&f.user_id, &f.follower_id));
    if let Value::Object(map) = &mut view {
        map.insert("following".into(), following.into());
        map.insert("followers".into(), followers.into());
        map.insert("color".into(), color(&user.id).into());
    }
    view
}

/// The length of `value` as compact JSON (what `--presence-max-bytes` bounds), counted without
/// writing it out.
pub fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).expect("a JSON value serializes");
    count.0
}

/// Parses a client frame into a message, or a sentence saying what is wrong with it.
/// `v2` admits version 2's frames.
pub fn parse(text: &str, v2: bool) -> Result<ClientMessage, String> {
    let kinds = if v2 {
        "\"presence\" | \"broadcast\" | \"follow\" | \"unfollow\" | \"request\" | \"leave\" | \"ping\""
    } else {
        "\"presence\" | \"broadcast\" | \"ping\""
    };
    let message: ClientMessage = serde_json::from_str(text)
        .map_err(|e| format!("not a valid message ({e}); send {{\"type\": {kinds}, …}}"))?;
    let known = matches!(
        message,
        ClientMessage::Presence { .. } | ClientMessage::Broadcast { .. } | ClientMessage::Ping
    );
    if !v2 && !known {
        return Err(format!(
            "not a message of this protocol; send {{\"type\": {kinds}, …}} (version 2: connect with ?v=2)"
        ));
    }
    match &message {
        ClientMessage::Presence { presence }
            if !(presence.is_object() || v2 && presence.is_null()) =>
        {
            Err(if v2 {
                "`presence` must be a JSON object, or null to clear it".into()
            } else {
                "`presence` must be a JSON object".into()
            })
        }
        ClientMessage::Broadcast {
            event: Some(event), ..
        } if event.is_empty() || event.len() > 128 => {
            Err("`event` must be a name of 1 to 128 characters".into())
        }
        ClientMessage::Broadcast {
            user_ids: Some(ids),
            ..
        } if ids.len() > 500 => Err("`userIds` may name at most 500 users".into()),
        _ => Ok(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert!(matches!(
            parse(r#"{"type":"ping"}"#, false),
            Ok(ClientMessage::Ping)
        ));
        assert!(matches!(
            parse(r#"{"type":"broadcast","data":[1,2]}"#, false),
            Ok(ClientMessage::Broadcast { .. })
        ));
        assert!(parse(r#"{"type":"presence","presence":3}"#, false).is_err());
        assert!(parse(r#"{"type":"presence","presence":null}"#, false).is_err());
        assert!(parse(r#"{"type":"presence","presence":null}"#, true).is_ok());
        assert!(parse(r#"{"type":"shout"}"#, true).is_err());
        assert!(parse(r#"{"type":"follow","userId":"usr_b"}"#, false).is_err());
        assert!(matches!(
            parse(r#"{"type":"follow","userId":"usr_b"}"#, true),
            Ok(ClientMessage::Follow { user_id }) if user_id == "usr_b"
        ));
        assert!(matches!(
            parse(r#"{"type":"broadcast","event":"emoji","data":{},"userIds":["usr_b"]}"#, true),
            Ok(ClientMessage::Broadcast { event: Some(_), user_ids: Some(ids), .. }) if ids == ["usr_b"]
        ));
        assert!(parse(r#"{"type":"broadcast","event":"","data":{}}"#, true).is_err());
        assert!(parse("not json", false).is_err());
    }

    #[test]
    fn json_len_is_the_compact_length() {
        let v = serde_json::json!({"a": [1, "é"], "b": null});
        assert_eq!(json_len(&v), serde_json::to_string(&v).unwrap().len());
    }

    #[test]
    fn encodes_with_the_type_tag() {
        let text = ServerMessage::Presence {
            user_id: "usr_1",
            presence: &serde_json::json!({"x": 1}),
            color: color("usr_1"),
        }
        .encode();
        assert_eq!(
            text.as_str(),
            format!(
                r#"{{"type":"presence","userId":"usr_1","presence":{{"x":1}},"color":"{}"}}"#,
                color("usr_1")
            )
        );
    }

    #[test]
    fn colors_are_stable_and_spread() {
        assert_eq!(color("usr_a"), color("usr_a"));
        let seen: std::collections::HashSet<_> =
            (0..200).map(|i| color(&format!("usr_{i}"))).collect();
        assert!(seen.len() >= 10, "{seen:?}");
    }
}
