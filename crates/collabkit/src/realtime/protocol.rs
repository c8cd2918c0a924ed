//! The realtime protocol (§4): JSON text frames.

use axum::extract::ws::Utf8Bytes;
use collabkit_webhooks::{CollabKitRoom, WebhookUser};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a client may send.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Replaces the sender's presence; relayed to the others.
    Presence {
        presence: Value,
    },
    /// Relayed to the others as is.
    Broadcast {
        data: Value,
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
}

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    Welcome {
        room: &'a CollabKitRoom,
        user: &'a WebhookUser,
        participants: Vec<ParticipantView<'a>>,
    },
    ParticipantJoined {
        user: &'a WebhookUser,
        presence: &'a Value,
    },
    ParticipantLeft {
        user: &'a WebhookUser,
    },
    Presence {
        #[serde(rename = "userId")]
        user_id: &'a str,
        presence: &'a Value,
    },
    Broadcast {
        #[serde(rename = "userId")]
        user_id: &'a str,
        data: &'a Value,
    },
    Pong,
    Error {
        code: &'a str,
        message: &'a str,
    },
}

impl ServerMessage<'_> {
    /// Serialized once, then shared by every connection it goes to.
    pub fn encode(&self) -> Utf8Bytes {
        Utf8Bytes::from(serde_json::to_string(self).expect("server messages serialize"))
    }
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
pub fn parse(text: &str) -> Result<ClientMessage, String> {
    let message: ClientMessage = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a valid message ({e}); send {{\"type\": \"presence\" | \"broadcast\" | \"ping\", …}}"
        )
    })?;
    if let ClientMessage::Presence { presence } = &message
        && !presence.is_object()
    {
        return Err("`presence` must be a JSON object".into());
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert!(matches!(
            parse(r#"{"type":"ping"}"#),
            Ok(ClientMessage::Ping)
        ));
        assert!(matches!(
            parse(r#"{"type":"broadcast","data":[1,2]}"#),
            Ok(ClientMessage::Broadcast { .. })
        ));
        assert!(parse(r#"{"type":"presence","presence":3}"#).is_err());
        assert!(parse(r#"{"type":"shout"}"#).is_err());
        assert!(parse("not json").is_err());
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
        }
        .encode();
        assert_eq!(
            text.as_str(),
            r#"{"type":"presence","userId":"usr_1","presence":{"x":1}}"#
        );
    }
}
