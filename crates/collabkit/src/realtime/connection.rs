//! One WebSocket connection: forwards frames to its room, writes what the room sends.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::Hub;
use super::protocol::{self, ClientMessage, ServerMessage};
use super::room::Command;
use crate::rate_limit::TokenBucket;
use crate::store::{Room, User};

/// What the room (or the connection itself) queues for the socket.
#[derive(Debug)]
pub enum Outbound {
    Text(Utf8Bytes),
    Close(u16, Utf8Bytes),
}

/// Close code for a socket that stayed silent past the heartbeat.
const CLOSE_TIMEOUT: u16 = 1001;
/// Close code for a frame over the size limit ("message too big").
const CLOSE_TOO_BIG: u16 = 1009;

/// Runs a connection of `user` until either side closes it.
pub async fn run(socket: WebSocket, hub: Hub, room: Room, user: User) {
    let config = hub.config().clone();
    let (outbound, mut queue) = mpsc::channel::<Outbound>(config.send_queue);
    // The connection keeps only a weak handle: when the room drops its sender (slow reader,
    // user removed), the queue closes and so does the socket.
    let own = outbound.downgrade();
    let connection = hub.next_connection_id();
    let room_tx = match hub.connect(connection, &room, user, outbound).await {
        Ok(tx) => tx,
        Err(e) => {
            tracing::warn!(room = %room.id, error = %e, "could not join the room");
            let mut socket = socket;
            let _ = socket
                .send(Message::Close(Some(CloseFrame {
                    code: 1011,
                    reason: "could not join the room".into(),
                })))
                .await;
            return;
        }
    };
    let (mut sink, mut stream) = socket.split();

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
                    close(&own, CLOSE_TIMEOUT, "no heartbeat").await;
                    return None;
                }
                Ok(Some(Err(e))) if too_big(&e) => {
                    close(&own, CLOSE_TOO_BIG, "frame too large").await;
                    return None;
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
                    reply(&own, Outbound::Text(ServerMessage::Pong.encode()));
                    continue;
                }
                Ok(ClientMessage::Presence { presence }) => Command::Presence {
                    connection,
                    presence,
                },
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

    // Whichever side ends first ends the connection.
    let client_closed = tokio::select! {
        _ = writer => None,
        code = reader => code,
    };
    let _ = room_tx.send(Command::Disconnected { connection });
    // The client closed: answer with its own code (RFC 6455 §5.5.1), or it sees an abnormal
    // closure (1006), which reconnecting clients treat as a failure. tungstenite has queued
    // that echo and refuses new frames after the client's Close: the flush sends it. The room
    // heard of the disconnection first, so closes the client makes one after the other (each
    // awaiting its answer) reach the room in that order.
    if client_closed.is_some() {
        let _ = sink.flush().await;
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

/// Queues a close frame and lets the writer send it, which ends the connection.
async fn close(own: &mpsc::WeakSender<Outbound>, code: u16, reason: &'static str) {
    if let Some(tx) = own.upgrade()
        && tx.send(Outbound::Close(code, reason.into())).await.is_ok()
    {
        drop(tx);
        std::future::pending::<()>().await;
    }
}

fn reply(own: &mpsc::WeakSender<Outbound>, message: Outbound) {
    if let Some(tx) = own.upgrade() {
        let _ = tx.try_send(message);
    }
}

fn error(own: &mpsc::WeakSender<Outbound>, code: &str, message: &str) {
    reply(
        own,
        Outbound::Text(ServerMessage::Error { code, message }.encode()),
    );
}
