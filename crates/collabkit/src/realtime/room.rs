//! One live room: its participants, their connections and presence, and the order of its events.

use std::collections::HashMap;

use axum::extract::ws::Utf8Bytes;
use collabkit_webhooks::{CollabKitRoom, WebhookUser};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::Hub;
use super::outlet::{Outbound, Outlet};
use super::protocol::{ParticipantView, ServerMessage};
use crate::store::{Room, StoreError, StoreResult, User};
use collabkit_domain::relay::{RelayKind, RoomSignal};
use collabkit_webhooks::WebhookEventName;

/// Close code for connections of a user or room being deleted.
const CLOSE_REMOVED: u16 = 4001;
/// Close code when the server shuts down (WebSocket "going away").
const CLOSE_GOING_AWAY: u16 = 1001;

pub enum Command {
    Join {
        connection: u64,
        user: User,
        outbound: Outlet,
        reply: oneshot::Sender<Result<(), JoinError>>,
    },
    Disconnected {
        connection: u64,
    },
    /// The connection's queue has room again for the frames the room owes it.
    Drained {
        connection: u64,
    },
    /// Whether the user may join now (already a participant, or the room is not full).
    HasPlace {
        user_id: String,
        reply: oneshot::Sender<bool>,
    },
    Presence {
        connection: u64,
        presence: Value,
    },
    Broadcast {
        connection: u64,
        data: Value,
    },
    /// The grace after a user's last connection closed has passed.
    GraceOver {
        user_id: String,
        generation: u64,
    },
    /// A page of the participants, by user id: those after `after`, at most `limit`,
    /// whether more follow, and how many there are in all.
    Snapshot {
        after: Option<String>,
        limit: usize,
        reply: oneshot::Sender<(Vec<ParticipantSnapshot>, bool, usize)>,
    },
    RemoveUser {
        user_id: String,
        reply: oneshot::Sender<StoreResult<()>>,
    },
    Close {
        reply: oneshot::Sender<StoreResult<()>>,
    },
    /// After the user (`Some`) or the room (`None`) was deleted, whose transaction ended the
    /// participation: closes what joined meanwhile, storing nothing.
    Forget {
        user_id: Option<String>,
        reply: oneshot::Sender<()>,
    },
    /// What happened in this room on another node.
    Remote(RoomSignal),
}

/// A participant as `GET /rooms/{id}/participants` shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ParticipantSnapshot {
    pub user: WebhookUser,
    pub presence: Value,
    /// Open connections (tabs) of this user.
    pub connections: usize,
}

/// Why a connection could not join.
#[derive(Debug)]
pub enum JoinError {
    /// The room has `--room-max-participants` participants (the number) and this user is not
    /// one of them: nothing was stored.
    Full(usize),
    Store(StoreError),
}

impl From<StoreError> for JoinError {
    fn from(e: StoreError) -> Self {
        JoinError::Store(e)
    }
}

/// A participant's latest presence, with the `presence` frame that tells it, encoded once and
/// shared by every connection it goes to (the live fan-out and the newcomers owed it).
#[derive(Default)]
struct Presence {
    value: Value,
    /// `None` while the presence is null.
    frame: Option<Utf8Bytes>,
}

impl Presence {
    fn new(value: Value, frame: Utf8Bytes) -> Presence {
        Presence {
            value,
            frame: Some(frame),
        }
    }

    /// The presence a frame from another node carries (`presence` or `participant_joined`).
    fn from_remote(user_id: &str, frame: &Value) -> Presence {
        let value = frame["presence"].clone();
        if value.is_null() {
            return Presence::default();
        }
        let frame = ServerMessage::Presence {
            user_id,
            presence: &value,
        }
        .encode();
        Presence::new(value, frame)
    }
}

struct Participant {
    user: WebhookUser,
    presence: Presence,
    connections: HashMap<u64, Connection>,
    /// Set while the user has no connection and the leave grace runs.
    leaving: Option<u64>,
}

/// One of a participant's connections, as the room sees it.
struct Connection {
    outlet: Outlet,
    /// Users whose presence the welcome left out, last first: sent as `presence` frames as
    /// the connection's queue drains (see [`RoomActor::catch_up`]).
    owed: Vec<String>,
}

pub struct RoomActor {
    hub: Hub,
    room: Room,
    contract: CollabKitRoom,
    inbox: mpsc::UnboundedReceiver<Command>,
    /// Our own address, for grace timers.
    me: Option<mpsc::UnboundedSender<Command>>,
    participants: HashMap<String, Participant>,
    /// Participants connected through other nodes only, with their presence.
    remote: HashMap<String, (WebhookUser, Presence)>,
    /// Which user each connection belongs to.
    owners: HashMap<u64, String>,
    generation: u64,
}

impl RoomActor {
    pub fn new(hub: Hub, room: Room, inbox: mpsc::UnboundedReceiver<Command>) -> RoomActor {
        RoomActor {
            contract: room.to_contract(collabkit_domain::clock::now()),
            hub,
            room,
            inbox,
            me: None,
            participants: HashMap::new(),
            remote: HashMap::new(),
            owners: HashMap::new(),
            generation: 0,
        }
    }

    pub async fn run(mut self) {
        self.me = self.hub.live_room(&self.room.id);
        let shutdown = self.hub.shutdown_token().clone();
        loop {
            let command = tokio::select! {
                c = self.inbox.recv() => c,
                _ = shutdown.cancelled() => None,
            };
            match command {
                Some(c) => self.handle(c).await,
                None => {
                    // Shutting down: every participant leaves now, so the session closes with
                    // its events instead of being found open at the next start.
                    let _ = self.end_all(CLOSE_GOING_AWAY, "server shutting down").await;
                    self.hub.retire(&self.room.id, &self.inbox);
                    return;
                }
            }
            if self.participants.is_empty() && self.hub.retire(&self.room.id, &self.inbox) {
                return;
            }
        }
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Join {
                connection,
                user,
                outbound,
                reply,
            } => {
                let result = self.join(connection, user, outbound).await;
                let _ = reply.send(result);
            }
            Command::Disconnected { connection } => self.disconnected(connection).await,
            Command::Drained { connection } => self.catch_up(connection).await,
            Command::HasPlace { user_id, reply } => {
                let _ = reply.send(self.has_place(&user_id).is_ok());
            }
            Command::Presence {
                connection,
                presence,
            } => {
                let Some(user_id) = self.owners.get(&connection).cloned() else {
                    return;
                };
                let text = ServerMessage::Presence {
                    user_id: &user_id,
                    presence: &presence,
                }
                .encode();
                if let Some(p) = self.participants.get_mut(&user_id) {
                    p.presence = Presence::new(presence, text.clone());
                }
                self.relay(RelayKind::Presence, &user_id, &text);
                self.send_all(text, Some(connection)).await;
            }
            Command::Broadcast { connection, data } => {
                let Some(user_id) = self.owners.get(&connection) else {
                    return;
                };
                let text = ServerMessage::Broadcast {
                    user_id,
                    data: &data,
                }
                .encode();
                let user_id = user_id.clone();
                self.relay(RelayKind::Broadcast, &user_id, &text);
                self.send_all(text, Some(connection)).await;
            }
            Command::GraceOver {
                user_id,
                generation,
            } => {
                let due = self
                    .participants
                    .get(&user_id)
                    .is_some_and(|p| p.connections.is_empty() && p.leaving == Some(generation));
                if due && let Err(e) = self.leave(&user_id).await {
                    tracing::error!(room = %self.room.id, error = %e, "storing a leave failed");
                }
            }
            Command::Snapshot {
                after,
                limit,
                reply,
            } => {
                // Only the page's presences are copied: a page is bounded like a welcome is.
                let mut ids: Vec<&String> = self
                    .participants
                    .keys()
                    .filter(|id| after.as_ref().is_none_or(|a| *id > a))
                    .collect();
                ids.sort();
                let more = ids.len() > limit;
                let page = ids
                    .into_iter()
                    .take(limit)
                    .map(|id| {
                        let p = &self.participants[id];
                        ParticipantSnapshot {
                            user: p.user.clone(),
                            presence: p.presence.value.clone(),
                            connections: p.connections.len(),
                        }
                    })
                    .collect();
                let _ = reply.send((page, more, self.participants.len()));
            }
            Command::RemoveUser { user_id, reply } => {
                let result = match self.participants.get_mut(&user_id) {
                    Some(p) => {
                        for (id, c) in p.connections.drain() {
                            c.outlet.close(CLOSE_REMOVED, "user deleted");
                            self.owners.remove(&id);
                            self.hub.metrics().connections.dec();
                        }
                        self.leave(&user_id).await
                    }
                    None => Ok(()),
                };
                let _ = reply.send(result);
            }
            Command::Close { reply } => {
                let result = self.end_all(CLOSE_REMOVED, "room deleted").await;
                let _ = reply.send(result);
            }
            Command::Forget { user_id, reply } => {
                self.forget(user_id.as_deref()).await;
                let _ = reply.send(());
            }
            Command::Remote(signal) => self.remote(signal).await,
        }
    }

    /// Sends this node's frame about `user_id` to the room's connections on the other nodes.
    fn relay(&self, kind: RelayKind, user_id: &str, frame: &str) {
        self.hub
            .inner
            .outbox
            .send(&self.room.id, kind, user_id, frame);
    }

    /// Another node's news: its participants are remembered (for the welcome of this node's
    /// joiners) and the frame goes to this node's connections — except joins and leaves of a
    /// user this node also holds, which this node's connections already saw or must not see.
    async fn remote(&mut self, signal: RoomSignal) {
        let held_here = self.participants.contains_key(&signal.user_id);
        match signal.kind {
            RelayKind::Joined => {
                let frame: Value = serde_json::from_str(&signal.frame).unwrap_or(Value::Null);
                let Ok(user) = serde_json::from_value::<WebhookUser>(frame["user"].clone()) else {
                    return;
                };
                let presence = Presence::from_remote(&signal.user_id, &frame);
                self.remote.insert(signal.user_id.clone(), (user, presence));
                if held_here {
                    return;
                }
            }
            RelayKind::Left => {
                self.remote.remove(&signal.user_id);
                if held_here {
                    return;
                }
            }
            RelayKind::Presence => {
                let frame = Utf8Bytes::from(signal.frame);
                let value: Value = serde_json::from_str(&frame).unwrap_or(Value::Null);
                let presence = || Presence::new(value["presence"].clone(), frame.clone());
                if let Some((_, p)) = self.remote.get_mut(&signal.user_id) {
                    *p = presence();
                }
                if let Some(p) = self.participants.get_mut(&signal.user_id) {
                    p.presence = presence();
                }
                self.send_all(frame, None).await;
                return;
            }
            RelayKind::Broadcast => {}
            RelayKind::Removed => {
                let user = Some(signal.user_id).filter(|u| !u.is_empty());
                self.forget(user.as_deref()).await;
                return;
            }
        }
        self.send_all(Utf8Bytes::from(signal.frame), None).await;
    }

    /// Drops a deleted user (or, with `None`, everyone of a deleted room) from the live room
    /// without storing anything: the deletion's transaction ended their participation. A
    /// connection that joined between `RemoveUser`/`Close` and that commit is closed here; one
    /// that joins after it fails, since the user or room is gone from the store.
    async fn forget(&mut self, user_id: Option<&str>) {
        let (gone, reason): (Vec<String>, &'static str) = match user_id {
            Some(u) => (vec![u.to_owned()], "user deleted"),
            None => (self.participants.keys().cloned().collect(), "room deleted"),
        };
        // Participants held by other nodes only: this node's connections are told they left.
        let remote_gone: Vec<String> = match user_id {
            Some(u) => self
                .remote
                .contains_key(u)
                .then(|| u.to_owned())
                .into_iter()
                .collect(),
            None => self.remote.keys().cloned().collect(),
        };
        for user_id in remote_gone {
            if let Some((user, _)) = self.remote.remove(&user_id) {
                let left = ServerMessage::ParticipantLeft { user: &user }.encode();
                self.send_all(left, None).await;
            }
        }
        for user_id in gone {
            let Some(p) = self.participants.remove(&user_id) else {
                continue;
            };
            for (id, c) in p.connections {
                c.outlet.close(CLOSE_REMOVED, reason);
                self.owners.remove(&id);
                self.hub.metrics().connections.dec();
            }
            let left = ServerMessage::ParticipantLeft { user: &p.user }.encode();
            self.send_all(left, None).await;
        }
    }

    /// Whether `user_id` may join: already a participant (here or through another node), or
    /// the room has fewer than `--room-max-participants`. Those in their leave grace count:
    /// the room still holds them.
    fn has_place(&self, user_id: &str) -> Result<(), JoinError> {
        let max = self.hub.config().room_max_participants;
        let known = self.participants.contains_key(user_id) || self.remote.contains_key(user_id);
        if known || self.participant_count() < max {
            Ok(())
        } else {
            Err(JoinError::Full(max))
        }
    }

    /// Participants here and through other nodes only (a user held by both counts once).
    fn participant_count(&self) -> usize {
        let elsewhere = self
            .remote
            .keys()
            .filter(|id| !self.participants.contains_key(*id));
        self.participants.len() + elsewhere.count()
    }

    async fn join(&mut self, connection: u64, user: User, outlet: Outlet) -> Result<(), JoinError> {
        let user_id = user.id.clone();
        if self.hub.inner.outbox.is_shared() {
            // Participants held by other nodes since before this room was live here: they
            // count against the room's bound and the welcome lists them.
            let (hub, room) = (&self.hub.inner, &self.room);
            let listed = hub
                .store
                .session_participants(&room.account_id, &room.id)
                .await
                .unwrap_or_default();
            for user in listed {
                if !self.participants.contains_key(&user.id) {
                    // Remembered from now on, so its leave or deletion is told here too.
                    self.remote
                        .entry(user.id.clone())
                        .or_insert_with(|| (user, Presence::default()));
                }
            }
        }
        self.has_place(&user_id)?;
        let new_participant = !self.participants.contains_key(&user_id);
        // Whether the user just became a participant at all (not already through another node).
        let mut new_anywhere = false;
        if new_participant {
            // Stored first: if the store fails, nobody sees a join that did not happen.
            let (hub, room) = (&self.hub.inner, &self.room);
            let change = hub
                .changes
                .apply(|lease| {
                    hub.store
                        .join_session(&room.account_id, &room.id, &user_id, &hub.node, lease)
                })
                .await?;
            new_anywhere = change
                .events
                .iter()
                .any(|e| e.event == WebhookEventName::ParticipantJoined);
            let joined = self.after_join(&user, &change.events).await;
            let presence = self
                .remote
                .remove(&user_id)
                .map(|(_, presence)| presence)
                .unwrap_or_default();
            self.participants.insert(
                user_id.clone(),
                Participant {
                    user: joined,
                    presence,
                    connections: HashMap::new(),
                    leaving: None,
                },
            );
        }
        self.hub.metrics().connections.inc();
        self.owners.insert(connection, user_id.clone());
        let (welcome, owed) = self.welcome(&user_id);
        let participant = self.participants.get_mut(&user_id).expect("inserted above");
        participant.leaving = None;
        participant.connections.insert(
            connection,
            Connection {
                outlet: outlet.clone(),
                owed,
            },
        );
        let _ = outlet.send(Outbound::Text(welcome));
        self.catch_up(connection).await;
        // On a backend one server owns, every local newcomer is new to the room.
        if new_participant
            && (new_anywhere || !self.hub.inner.outbox.is_shared())
            && let Some(me) = self.participants.get(&user_id)
        {
            let joined = ServerMessage::ParticipantJoined {
                user: &me.user,
                presence: &me.presence.value,
            }
            .encode();
            self.relay(RelayKind::Joined, &user_id, &joined);
            self.send_all(joined, Some(connection)).await;
        }
        Ok(())
    }

    /// The user as the join left them (online), and the room's current shape for the welcome:
    /// from the `participant.joined` the join stored (the room and user as of the join), or,
    /// when the user was already a participant through another node, as stored now.
    async fn after_join(&mut self, user: &User, events: &[crate::store::Event]) -> WebhookUser {
        let joined = events
            .iter()
            .rev()
            .find(|e| e.event == WebhookEventName::ParticipantJoined)
            .and_then(|e| {
                serde_json::from_str::<collabkit_webhooks::WebhookPayload>(&e.payload).ok()
            });
        if let Some(collabkit_webhooks::WebhookPayload::ParticipantJoined { room, user, .. }) =
            joined
        {
            self.contract = room;
            return user;
        }
        let (store, room) = (&self.hub.inner.store, &self.room);
        if let Ok(now) = store.get_room(&room.account_id, &room.id).await {
            self.contract = now.to_contract(collabkit_domain::clock::now());
        }
        match store.get_user(&room.account_id, &user.id).await {
            Ok(now) => now.to_webhook(),
            Err(_) => user.to_webhook(),
        }
    }

    /// The welcome of a connection of `user_id`: the room, the user, and every other
    /// participant (here and through other nodes) by user id. Presences are inlined while
    /// they add up to a quarter of the send queue's bound at most; the others are null, and
    /// those users are returned as owed: their presences follow as frames of their own as the
    /// queue drains. So a welcome is at most the participants' users plus that quarter,
    /// never every participant's presence at once.
    fn welcome(&self, user_id: &str) -> (Utf8Bytes, Vec<String>) {
        static NULL: Value = Value::Null;
        let mut budget = self.hub.config().send_queue_bytes / 4;
        let mut others: Vec<(&WebhookUser, &Presence)> = self
            .participants
            .iter()
            .filter(|(id, _)| id.as_str() != user_id)
            .map(|(_, p)| (&p.user, &p.presence))
            .chain(
                self.remote
                    .iter()
                    .filter(|(id, _)| !self.participants.contains_key(*id))
                    .map(|(_, (u, p))| (u, p)),
            )
            .collect();
        others.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let mut owed = Vec::new();
        let participants = others
            .into_iter()
            .map(|(user, presence)| {
                let presence = match &presence.frame {
                    None => &NULL,
                    Some(frame) if frame.len() <= budget => {
                        budget -= frame.len();
                        &presence.value
                    }
                    Some(_) => {
                        owed.push(user.id.clone());
                        &NULL
                    }
                };
                ParticipantView { user, presence }
            })
            .collect();
        let welcome = ServerMessage::Welcome {
            room: &self.contract,
            user: &self.participants[user_id].user,
            participants,
        }
        .encode();
        owed.reverse();
        (welcome, owed)
    }

    /// Sends a connection the presences it is owed, as far as its queue has room for them
    /// (see [`Outlet::has_room_for`]); the writer asks for the rest (`Command::Drained`) as
    /// the socket takes what is queued. Each is the participant's latest presence, or nothing
    /// if they left meanwhile; a newer one sent live meanwhile was for everyone anyway.
    async fn catch_up(&mut self, connection: u64) {
        let Some(user_id) = self.owners.get(&connection).cloned() else {
            return;
        };
        let Some(c) = self
            .participants
            .get_mut(&user_id)
            .and_then(|p| p.connections.get_mut(&connection))
        else {
            return;
        };
        let (outlet, mut owed) = (c.outlet.clone(), std::mem::take(&mut c.owed));
        let mut refused = false;
        while let Some(id) = owed.last() {
            let frame = match self.participants.get(id) {
                Some(p) => p.presence.frame.as_ref(),
                None => self.remote.get(id).and_then(|(_, p)| p.frame.as_ref()),
            };
            if let Some(frame) = frame {
                if !outlet.has_room_for(frame.len()) {
                    outlet.want_more();
                    break;
                }
                if outlet.send(Outbound::Text(frame.clone())).is_err() {
                    refused = true;
                    break;
                }
            }
            owed.pop();
        }
        if refused {
            self.let_go(vec![connection]).await;
        } else if let Some(c) = self
            .participants
            .get_mut(&user_id)
            .and_then(|p| p.connections.get_mut(&connection))
        {
            c.owed = owed;
        }
    }

    async fn disconnected(&mut self, connection: u64) {
        let Some(user_id) = self.owners.remove(&connection) else {
            return;
        };
        self.hub.metrics().connections.dec();
        let Some(p) = self.participants.get_mut(&user_id) else {
            return;
        };
        p.connections.remove(&connection);
        if !p.connections.is_empty() {
            return;
        }
        let grace = self.hub.config().leave_grace;
        if grace.is_zero() {
            if let Err(e) = self.leave(&user_id).await {
                tracing::error!(room = %self.room.id, error = %e, "storing a leave failed");
            }
            return;
        }
        self.generation += 1;
        p.leaving = Some(self.generation);
        if let Some(me) = self.me.clone() {
            let generation = self.generation;
            // On shutdown the room ends every participation itself; the timer just goes away.
            let shutdown = self.hub.shutdown_token().clone();
            self.hub.tasks().spawn(async move {
                tokio::select! {
                    _ = tokio::time::sleep(grace) => {
                        let _ = me.send(Command::GraceOver { user_id, generation });
                    }
                    _ = shutdown.cancelled() => {}
                }
            });
        }
    }

    /// The user stops being a participant: stored, then told to the others.
    async fn leave(&mut self, user_id: &str) -> StoreResult<()> {
        let (hub, room) = (&self.hub.inner, &self.room);
        let change = hub
            .changes
            .apply(|lease| {
                hub.store
                    .leave_session(&room.account_id, &room.id, user_id, &hub.node, lease)
            })
            .await?;
        let left_anywhere = change
            .events
            .iter()
            .any(|e| e.event == WebhookEventName::ParticipantLeft);
        if let Some(p) = self.participants.remove(user_id) {
            if left_anywhere || !self.hub.inner.outbox.is_shared() {
                let left = ServerMessage::ParticipantLeft { user: &p.user }.encode();
                self.relay(RelayKind::Left, user_id, &left);
                self.send_all(left, None).await;
            } else {
                // Still held through another node: a participant there.
                self.remote.insert(user_id.to_owned(), (p.user, p.presence));
            }
        }
        Ok(())
    }

    /// Closes every connection and makes every participant leave (the session closes).
    async fn end_all(&mut self, code: u16, reason: &'static str) -> StoreResult<()> {
        for p in self.participants.values_mut() {
            for (_, c) in p.connections.drain() {
                c.outlet.close(code, reason);
                self.hub.metrics().connections.dec();
            }
        }
        self.owners.clear();
        let mut users: Vec<_> = self.participants.keys().cloned().collect();
        users.sort();
        let mut result = Ok(());
        for user_id in users {
            if let Err(e) = self.leave(&user_id).await {
                tracing::error!(room = %self.room.id, error = %e, "storing a leave failed");
                result = Err(e);
            }
        }
        result
    }

    /// Sends to every connection but `except`. A connection whose queue is full is a reader too
    /// slow to keep up: it is dropped (its socket closes) rather than allowed to stall the room.
    async fn send_all(&mut self, text: Utf8Bytes, except: Option<u64>) {
        let mut too_slow = vec![];
        for p in self.participants.values() {
            for (id, c) in &p.connections {
                if Some(*id) == except {
                    continue;
                }
                if c.outlet.send(Outbound::Text(text.clone())).is_err() {
                    too_slow.push(*id);
                }
            }
        }
        self.let_go(too_slow).await;
    }

    /// Drops connections whose queue refused a frame (their sockets close), then lets their
    /// users leave if those were their last. All are dropped before any leave is told, so the
    /// `participant_left` frames are not offered to them.
    async fn let_go(&mut self, connections: Vec<u64>) {
        for &id in &connections {
            tracing::info!(room = %self.room.id, connection = id, "disconnecting a slow reader");
            self.drop_connection(id);
        }
        for id in connections {
            Box::pin(self.disconnected(id)).await;
        }
    }

    /// Forgets a connection's sender, which closes its socket.
    fn drop_connection(&mut self, connection: u64) {
        if let Some(user_id) = self.owners.get(&connection)
            && let Some(p) = self.participants.get_mut(user_id)
        {
            p.connections.remove(&connection);
        }
    }
}
