//! One WebSocket connection: forwards frames to its room, writes what the room sends.
//!
//! The loop ([`serve`]) is written over any `Sink`/`Stream` of WebSocket messages, so the room
//! protocol is tested over channels (see `realtime::tests`); [`run`] gives it the socket.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};

use super::Hub;
use super::messages::{Command, JoinError};
use super::outlet::{Outbound, WeakOutlet};
use super::protocol::{self, ClientMessage, ServerMessage};
use crate::rate_limit::TokenBucket;
use crate::store::{Room, User};

/// Close code for a socket that stayed silent past the heartbeat.
const CLOSE_TIMEOUT: u16 = 1001;
/// Close code for a frame over the size limit ("message too big").
const CLOSE_TOO_BIG: u16 = 1009;
/// Close code for a connection refused because its room has as many participants as allowed.
const CLOSE_ROOM_FULL: u16 = 4029;

/// How a connection ended.
enum End {
    /// The writer stopped: the room let the connection go, or the socket failed.
    Writer,
    /// The client closed (with this code) or went away.
    Reader(Option<u16>),
    /// The connection must close now, dropping what is queued: too slow, silent, or a frame
    /// too large.
    Aborted(u16, Utf8Bytes),
}

/// Runs a connection of `user` until either side closes it.
pub async fn run(socket: WebSocket, hub: Hub, room: Room, user: User) {
    let (sink, stream) = socket.split();
    serve(sink, stream, too_big, hub, room, user).await;
}

/// Runs a connection of `user` over `sink` (what the client is sent) and `stream` (what it
/// sends), until either side closes it. `too_big` tells a read error that is a frame over
/// the size limit.
pub async fn serve<Tx, Rx, E>(
    mut sink: Tx,
    mut stream: Rx,
    too_big: impl Fn(&E) -> bool,
    hub: Hub,
    room: Room,
    user: User,
) where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    let config = hub.config().clone();
    let (outlet, mut queue) = hub.send_queue();
    // The connection keeps only a weak handle: when the room drops its outlet (slow reader,
    // user removed), the queue closes and so does the socket.
    let own = outlet.downgrade();
    let aborted = queue.aborted();
    let connection = hub.next_connection_id();
    let room_tx = match hub.connect(connection, &room, user, outlet).await {
        Ok(tx) => tx,
        Err(e) => {
            let (code, reason) = match e {
                JoinError::Full(_) => (CLOSE_ROOM_FULL, "the room is full"),
                JoinError::Store(e) => {
                    tracing::warn!(room = %room.id, error = %e, "could not join the room");
                    (1011, "could not join the room")
                }
            };
            let _ = sink
                .send(Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await;
            return;
        }
    };
    let writer = async {
        let mut ping = tokio::time::interval(config.heartbeat);
        ping.tick().await;
        loop {
            tokio::select! {
                item = queue.recv() => match item {
                    Some(Outbound::Text(text)) => {
                        if sink.send(Message::Text(text)).await.is_err() {
                            break;
                        }
                        if queue.sent() {
                            let _ = room_tx.send(Command::Drained { connection });
                        }
                    }
                    Some(Outbound::Close(code, reason)) => {
                        let _ = sink
                            .send(Message::Close(Some(CloseFrame { code, reason })))
                            .await;
                        break;
                    }
                    None => break,
                },
                _ = ping.tick() => {
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        break;
                    }
                }
            }
        }
    };

    let reader = async {
        let mut limit = TokenBucket::new(config.rate_limit);
        let silence = config.heartbeat * 3;
        loop {
            // On shutdown the room sends a close frame through the writer, which ends us.
            let frame = tokio::time::timeout(silence, stream.next()).await;
            let text = match frame {
                Err(_) => {
                    own.abort(CLOSE_TIMEOUT, "no heartbeat");
                    return std::future::pending().await;
                }
                Ok(Some(Err(e))) if too_big(&e) => {
                    own.abort(CLOSE_TOO_BIG, "frame too large");
                    return std::future::pending().await;
                }
                // The client closes: answered below, once the room knows.
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Some(frame.map_or(1000, |f| f.code));
                }
                Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(Message::Text(text)))) => text,
                Ok(Some(Ok(Message::Binary(_)))) => {
                    error(&own, "unsupported_frame", "send JSON text frames");
                    continue;
                }
                Ok(Some(Ok(_))) => continue, // ping/pong: proof of life
            };
            if limit.take().is_err() {
                error(&own, "rate_limited", "too many messages; slow down");
                continue;
            }
            let command = match protocol::parse(&text) {
                Ok(ClientMessage::Ping) => {
                    let _ = own.send(Outbound::Text(ServerMessage::Pong.encode()));
                    continue;
                }
                Ok(ClientMessage::Presence { presence }) => {
                    let (len, max) = (protocol::json_len(&presence), config.presence_max_bytes);
                    if len > max {
                        let message = format!(
                            "this presence is {len} bytes of JSON; the most allowed is {max} \
                             (--presence-max-bytes); your presence is unchanged"
                        );
                        error(&own, "presence_too_large", &message);
                        continue;
                    }
                    Command::Presence {
                        connection,
                        presence,
                    }
                }
                Ok(ClientMessage::Broadcast { data }) => Command::Broadcast { connection, data },
                Err(message) => {
                    error(&own, "invalid_message", &message);
                    continue;
                }
            };
            if room_tx.send(command).is_err() {
                return None;
            }
        }
    };

    // Whichever side ends first ends the connection. An abort is looked at first: a room
    // that refuses a frame aborts the connection before it lets it go, which also ends the
    // writer, and the client must hear why.
    let end = tokio::select! {
        biased;
        (code, reason) = aborted => End::Aborted(code, reason),
        _ = writer => End::Writer,
        code = reader => End::Reader(code),
    };
    let _ = room_tx.send(Command::Disconnected { connection });
    match end {
        End::Writer => {}
        // The client closed: answer with its own code (RFC 6455 §5.5.1), or it sees an
        // abnormal closure (1006), which reconnecting clients treat as a failure. tungstenite
        // has queued that echo and refuses new frames after the client's Close: the flush
        // sends it. The room heard of the disconnection first, so closes the client makes one
        // after the other (each awaiting its answer) reach the room in that order.
        End::Reader(code) => {
            if code.is_some() {
                let _ = sink.flush().await;
            }
        }
        // What was queued is freed at once; the close frame then has one heartbeat to get
        // through (a client that does not read never takes it, and the socket is dropped).
        End::Aborted(code, reason) => {
            drop(queue);
            let close = sink.send(Message::Close(Some(CloseFrame { code, reason })));
            let _ = tokio::time::timeout(config.heartbeat.max(Duration::from_secs(1)), close).await;
        }
    }
}

/// Whether a read failed because a frame was over the size limit.
fn too_big(e: &axum::Error) -> bool {
    use std::error::Error;
    matches!(
        e.source()
            .and_then(|s| s.downcast_ref::<tokio_tungstenite::tungstenite::Error>()),
        Some(tokio_tungstenite::tungstenite::Error::Capacity(_))
    )
}

fn error(own: &WeakOutlet, code: &str, message: &str) {
    let _ = own.send(Outbound::Text(
        ServerMessage::Error { code, message }.encode(),
    ));
}
