//! One WebSocket connection: forwards frames to its room, writes what the room sends.
//!
//! The loop ([`serve`]) is written over any `Sink`/`Stream` of WebSocket messages, so the room
//! protocol is tested over channels (see `realtime::tests`); [`run`] gives it the socket.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};

use tokio::sync::mpsc;

use super::messages::{Command, JoinError};
use super::outlet::{Outbound, WeakOutlet};
use super::protocol::{self, ClientMessage, ServerMessage};
use super::{CapExceeded, ConnectionSlot, Hub, requests, stores};
use crate::rate_limit::TokenBucket;
use crate::store::{Room, User};
use crate::user_tokens::AuthError;

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

/// Close code for a connection whose token was refused (version 2).
const CLOSE_AUTH_FAILED: u16 = 4401;
/// How long a version 2 connection has to send its token.
const AUTH_WITHIN: Duration = Duration::from_secs(10);

/// Runs a version 1 connection of `user` (authenticated before the upgrade) until either side
/// closes it.
pub async fn run(socket: WebSocket, hub: Hub, room: Room, user: User) {
    let (sink, stream) = socket.split();
    serve(sink, stream, too_big, hub, room, user).await;
}

/// Runs a version 2 connection, which authenticates with its first frame.
pub async fn run_v2(socket: WebSocket, hub: Hub) {
    let (sink, stream) = socket.split();
    serve_v2(sink, stream, too_big, hub).await;
}

/// Runs a version 1 connection of `user` over `sink` (what the client is sent) and `stream`
/// (what it sends), until either side closes it: connecting joins. `too_big` tells a read
/// error that is a frame over the size limit.
pub async fn serve<Tx, Rx, E>(
    mut sink: Tx,
    stream: Rx,
    too_big: impl Fn(&E) -> bool,
    hub: Hub,
    room: Room,
    user: User,
) where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    match Session::join(&hub, &room, &user, None, Default::default()).await {
        Ok(session) => session.live(sink, stream, &too_big).await,
        Err(e) => {
            let (code, reason) = match e {
                JoinError::Full(_) => (CLOSE_ROOM_FULL, "the room is full"),
                JoinError::Store(e) => {
                    tracing::warn!(room = %room.id, error = %e, "could not join the room");
                    (1011, "could not join the room")
                }
            };
            close(&mut sink, code, reason).await;
        }
    }
}

/// Runs a version 2 connection over `sink` and `stream`: its token first, then reads, a join
/// and what a participant does (see `docs/realtime-protocol.md`).
pub async fn serve_v2<Tx, Rx, E>(
    mut sink: Tx,
    mut stream: Rx,
    too_big: impl Fn(&E) -> bool,
    hub: Hub,
) where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    let Some((user, room, _slot)) = authenticate(&mut sink, &mut stream, &hub).await else {
        return;
    };
    let silence = hub.config().heartbeat * 3;
    let mut limit = TokenBucket::new(hub.config().rate_limit);
    // Authenticated, not a participant: reads and a join.
    loop {
        let text = match tokio::time::timeout(silence, stream.next()).await {
            Err(_) => return close(&mut sink, CLOSE_TIMEOUT, "no heartbeat").await,
            Ok(Some(Err(e))) if too_big(&e) => {
                return close(&mut sink, CLOSE_TOO_BIG, "frame too large").await;
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return,
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Binary(_)))) => {
                let _ = sink
                    .send(Message::Text(ServerMessage::error(
                        "unsupported_frame",
                        "send JSON text frames",
                    )))
                    .await;
                continue;
            }
            Ok(Some(Ok(_))) => continue,
        };
        let reply = if limit.take().is_err() {
            rate_limited(&text)
        } else {
            match protocol::parse(&text, true) {
                Ok(ClientMessage::Join { id, stores }) => {
                    let schemas = match stores::join_schemas(stores.as_ref()) {
                        Ok(schemas) => schemas,
                        Err(e) => {
                            let reply = ServerMessage::Error {
                                code: e.code(),
                                message: &e.to_string(),
                                id,
                            }
                            .encode();
                            if sink.send(Message::Text(reply)).await.is_err() {
                                return;
                            }
                            continue;
                        }
                    };
                    match Session::join(&hub, &room, &user, Some(id), schemas).await {
                        Ok(session) => return session.live(sink, stream, &too_big).await,
                        // Still authenticated: the client may try again.
                        Err(JoinError::Full(n)) => ServerMessage::Error {
                            code: "room_full",
                            message: &format!(
                                "this room already has {n} participants, the most allowed \
                                 (--room-max-participants); try again when someone leaves"
                            ),
                            id,
                        }
                        .encode(),
                        Err(JoinError::Store(e)) => {
                            tracing::warn!(room = %room.id, error = %e, "could not join the room");
                            ServerMessage::Error {
                                code: "unavailable",
                                message: "could not join the room now; try again",
                                id,
                            }
                            .encode()
                        }
                    }
                }
                Ok(ClientMessage::Request { id, method, params })
                    if stores::is_store_method(&method) =>
                {
                    stores::answer_unjoined(&hub, &user, id, &method, &params).await
                }
                Ok(ClientMessage::Request { id, method, params }) => {
                    requests::answer(&hub, &user, id, &method, &params).await
                }
                Ok(ClientMessage::Ping) => ServerMessage::Pong.encode(),
                Ok(ClientMessage::Leave) => continue, // Not a participant: nothing to leave.
                Ok(ClientMessage::Auth { .. }) => ServerMessage::error(
                    "already_authenticated",
                    "this connection is authenticated",
                ),
                Ok(_) => ServerMessage::error(
                    "not_joined",
                    "join the room first ({\"type\": \"join\"}); only reads work before",
                ),
                Err(message) => ServerMessage::error("invalid_message", &message),
            }
        };
        if sink.send(Message::Text(reply)).await.is_err() {
            return;
        }
    }
}

/// Reads a version 2 connection's token and answers `authenticated`, or `auth_failed` and
/// closes. Returns the user, their room and the connection's place under the caps.
async fn authenticate<Tx, Rx, E>(
    sink: &mut Tx,
    stream: &mut Rx,
    hub: &Hub,
) -> Option<(User, Room, ConnectionSlot)>
where
    Tx: Sink<Message> + Unpin,
    Rx: Stream<Item = Result<Message, E>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + AUTH_WITHIN;
    let token = loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => match protocol::parse(&text, true) {
                Ok(ClientMessage::Auth { token }) => break Some(token),
                _ => break None,
            },
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(_))) | Err(_) => break None,
        }
    };
    let refuse = |code: &str, message: &str| ServerMessage::AuthFailed { code, message }.encode();
    let Some(token) = token else {
        let first = "send {\"type\": \"auth\", \"token\": …} first, within 10 seconds";
        return fail(sink, refuse("invalid_token", first), CLOSE_AUTH_FAILED).await;
    };
    let user = match hub.tokens().authenticate(hub.store(), &token).await {
        Ok(user) => user,
        Err(AuthError::Refused(why)) => {
            return fail(sink, refuse(why.code(), &why.message()), CLOSE_AUTH_FAILED).await;
        }
        Err(AuthError::Store(e)) => {
            tracing::warn!(error = %e, "could not check a token");
            return fail(sink, refuse("unavailable", "try again"), 1011).await;
        }
    };
    let slot = match hub.reserve(&user.account_id, &user.id) {
        Ok(slot) => slot,
        Err(cap) => {
            let message = match cap {
                CapExceeded::User(n) => {
                    format!("this user already has {n} open connections, the most allowed")
                }
                CapExceeded::Account(n) => {
                    format!("this account already has {n} open connections, the most allowed")
                }
            };
            return fail(
                sink,
                refuse("too_many_connections", &message),
                CLOSE_ROOM_FULL,
            )
            .await;
        }
    };
    let store = hub.store();
    let read = async {
        let room = store.get_room(&user.account_id, &user.room_id).await?;
        let follows = store.room_follows(&user.account_id, &user.room_id).await?;
        Ok::<_, crate::store::StoreError>((room, follows))
    };
    let (room, follows) = match read.await {
        Ok(read) => read,
        Err(e) => {
            tracing::warn!(error = %e, "could not read a connection's room");
            return fail(sink, refuse("unavailable", "try again"), 1011).await;
        }
    };
    let follows: Vec<_> = follows
        .into_iter()
        .map(|(follower_id, user_id)| protocol::FollowView {
            follower_id,
            user_id,
        })
        .collect();
    let view = protocol::user_view(&user.to_webhook(), &follows);
    let welcome = ServerMessage::Authenticated {
        protocol: 2,
        user: &view,
        room: &room.to_contract(collabkit_domain::clock::now()),
    }
    .encode();
    sink.send(Message::Text(welcome)).await.ok()?;
    Some((user, room, slot))
}

/// Sends `frame`, then closes with `code`.
async fn fail<Tx: Sink<Message> + Unpin, T>(
    sink: &mut Tx,
    frame: Utf8Bytes,
    code: u16,
) -> Option<T> {
    let _ = sink.send(Message::Text(frame)).await;
    close(sink, code, "authentication failed").await;
    None
}

async fn close<Tx: Sink<Message> + Unpin>(sink: &mut Tx, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
}

/// A connection that joined its room.
struct Session<'a> {
    hub: &'a Hub,
    user: &'a User,
    connection: u64,
    v2: bool,
    room_tx: mpsc::UnboundedSender<Command>,
    outlet: super::outlet::Outlet,
    queue: super::outlet::Drain,
    /// The schemas its client declared for its stores (version 2).
    schemas: stores::Schemas,
}

impl<'a> Session<'a> {
    /// Makes `user` a participant of `room` on a new connection (version 2 when `v2` holds
    /// the join's id, `Some(None)` for a join without one).
    async fn join(
        hub: &'a Hub,
        room: &Room,
        user: &'a User,
        v2: Option<Option<u64>>,
        schemas: stores::Schemas,
    ) -> Result<Session<'a>, JoinError> {
        let (outlet, queue) = hub.send_queue();
        let connection = hub.next_connection_id();
        let room_tx = hub
            .connect(connection, room, user.clone(), outlet.clone(), v2)
            .await?;
        Ok(Session {
            hub,
            user,
            connection,
            v2: v2.is_some(),
            room_tx,
            outlet,
            queue,
            schemas,
        })
    }

    /// Forwards frames to the room and writes what it sends until either side closes.
    async fn live<Tx, Rx, E>(self, mut sink: Tx, mut stream: Rx, too_big: &impl Fn(&E) -> bool)
    where
        Tx: Sink<Message> + Unpin,
        Rx: Stream<Item = Result<Message, E>> + Unpin,
    {
        let Session {
            hub,
            user,
            connection,
            v2,
            room_tx,
            outlet,
            mut queue,
            schemas,
        } = self;
        let config = hub.config().clone();
        // The connection keeps only a weak handle: when the room drops its outlet (slow
        // reader, user removed), the queue closes and so does the socket.
        let own = outlet.downgrade();
        drop(outlet);
        // Store requests go to a task of their own (see `stores`), started on the first.
        let mut store_queue = None;
        let aborted = queue.aborted();
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
                    let _ = own.send(Outbound::Text(rate_limited(&text)));
                    continue;
                }
                let command = match protocol::parse(&text, v2) {
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
                    Ok(ClientMessage::Broadcast {
                        event,
                        data,
                        user_ids,
                    }) => Command::Broadcast {
                        connection,
                        event,
                        data,
                        to: user_ids,
                    },
                    Ok(ClientMessage::Follow { user_id }) => Command::Follow {
                        connection,
                        user_id,
                        follow: true,
                    },
                    Ok(ClientMessage::Unfollow { user_id }) => Command::Follow {
                        connection,
                        user_id,
                        follow: false,
                    },
                    // The room closes the connection (1000) once the user left.
                    Ok(ClientMessage::Leave) => Command::Leave { connection },
                    Ok(ClientMessage::Request { id, method, params })
                        if stores::is_store_method(&method) =>
                    {
                        let queue = store_queue.get_or_insert_with(|| {
                            stores::Queue::start(
                                hub,
                                user,
                                connection,
                                schemas.clone(),
                                own.clone(),
                            )
                        });
                        let bytes = text.len();
                        let request = stores::Request {
                            id,
                            method,
                            params,
                            bytes,
                        };
                        queue.push(&own, request);
                        continue;
                    }
                    Ok(ClientMessage::Request { id, method, params }) => {
                        let answer = requests::answer(hub, user, id, &method, &params).await;
                        let _ = own.send(Outbound::Text(answer));
                        continue;
                    }
                    Ok(ClientMessage::Join { id, .. }) => {
                        let message = "this connection already joined";
                        let _ = own.send(Outbound::Text(
                            ServerMessage::Error {
                                code: "already_joined",
                                message,
                                id,
                            }
                            .encode(),
                        ));
                        continue;
                    }
                    Ok(ClientMessage::Auth { .. }) => {
                        error(
                            &own,
                            "already_authenticated",
                            "this connection is authenticated",
                        );
                        continue;
                    }
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
                let _ =
                    tokio::time::timeout(config.heartbeat.max(Duration::from_secs(1)), close).await;
            }
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

/// The refusal of a frame over the rate limit: a request's carries its id, so the client's
/// call fails instead of waiting for an answer that never comes.
fn rate_limited(text: &str) -> Utf8Bytes {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: Option<String>,
        id: Option<u64>,
    }
    let (code, message) = (
        "rate_limited",
        "too many messages; slow down (--ws-rate-limit)",
    );
    match serde_json::from_str::<Probe>(text) {
        Ok(Probe {
            kind: Some(kind),
            id: Some(id),
        }) if kind == "request" => requests::response(id, Err((code, message.to_owned()))),
        Ok(Probe { id, .. }) => ServerMessage::Error { code, message, id }.encode(),
        Err(_) => ServerMessage::error(code, message),
    }
}

fn error(own: &WeakOutlet, code: &str, message: &str) {
    let _ = own.send(Outbound::Text(ServerMessage::error(code, message)));
}
