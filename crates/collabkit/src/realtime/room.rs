//! One live room: its participants, their connections and presence, and the order of its events.
//!
//! The actor performs each [`Command`] in turn: who is in the room is its [`Roster`], which
//! connections it writes to its [`Registry`]; joins and leaves are stored before anyone is told.

use axum::extract::ws::Utf8Bytes;
use collabkit_webhooks::{CollabKitRoom, WebhookUser};
use tokio::sync::mpsc;

use super::Hub;
use super::messages::Command;
use super::outlet::Outbound;
use super::protocol::{self, FollowView, ServerMessage};
use super::registry::Registry;
use super::relayed::{News, Tell};
use super::roster::{Presence, Roster};
use crate::store::{Room, StoreResult, User};
use collabkit_webhooks::WebhookEventName;

/// Close code for connections of a user or room being deleted.
const CLOSE_REMOVED: u16 = 4001;
/// Close code when the server shuts down (WebSocket "going away").
const CLOSE_GOING_AWAY: u16 = 1001;

mod joins;
mod remote;

pub struct RoomActor {
    hub: Hub,
    room: Room,
    contract: CollabKitRoom,
    inbox: mpsc::UnboundedReceiver<Command>,
    /// Our own address, for grace timers.
    me: Option<mpsc::UnboundedSender<Command>>,
    roster: Roster,
    links: Registry,
    generation: u64,
    /// The room's follows, read from the store when the first version 2 connection joins,
    /// then kept current by this room's follows and the other nodes'.
    follows: Option<std::collections::BTreeSet<FollowView>>,
    /// A command taken from the inbox while gathering joins (see `joins`), handled next.
    stashed: Option<Command>,
}

impl RoomActor {
    pub fn new(hub: Hub, room: Room, inbox: mpsc::UnboundedReceiver<Command>) -> RoomActor {
        RoomActor {
            contract: room.to_contract(collabkit_domain::clock::now()),
            links: Registry::new(hub.metrics().connections.clone()),
            hub,
            room,
            inbox,
            me: None,
            roster: Roster::default(),
            generation: 0,
            follows: None,
            stashed: None,
        }
    }

    pub async fn run(mut self) {
        self.me = self.hub.live_room(&self.room.id);
        let shutdown = self.hub.shutdown_token().clone();
        loop {
            let command = match self.stashed.take() {
                Some(c) => Some(c),
                None => tokio::select! {
                    c = self.inbox.recv() => c,
                    _ = shutdown.cancelled() => None,
                },
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
            if self.roster.participants.is_empty() && self.hub.retire(&self.room.id, &self.inbox) {
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
                v2,
                reply,
            } => {
                let first = joins::Pending {
                    connection,
                    user,
                    outlet: outbound,
                    v2,
                    reply,
                };
                let batch = self.gather_joins(first);
                self.joins(batch).await;
            }
            Command::Disconnected { connection } => self.disconnected(connection, true).await,
            Command::Leave { connection } => {
                if let Some(outlet) = self.links.outlet(connection) {
                    outlet.close(1000, "left");
                }
                self.disconnected(connection, false).await;
            }
            Command::Drained { connection } => self.catch_up(connection).await,
            Command::HasPlace { user_id, reply } => {
                let max = self.hub.config().room_max_participants;
                let _ = reply.send(self.roster.has_place(&user_id, max).is_ok());
            }
            Command::Presence {
                connection,
                presence,
            } => {
                let Some(user_id) = self.links.owner(connection).map(str::to_owned) else {
                    return;
                };
                let text = ServerMessage::Presence {
                    user_id: &user_id,
                    presence: &presence,
                    color: protocol::color(&user_id),
                }
                .encode();
                if let Some(p) = self.roster.participants.get_mut(&user_id) {
                    // Cleared (null): newcomers are owed nothing.
                    p.presence = if presence.is_null() {
                        Presence::default()
                    } else {
                        Presence::new(presence, text.clone())
                    };
                }
                self.relay(Tell::Presence {
                    user_id: &user_id,
                    frame: &text,
                });
                self.send_all(text, Some(connection)).await;
            }
            Command::Broadcast {
                connection,
                event,
                data,
                to,
            } => {
                let Some(user_id) = self.links.owner(connection).map(str::to_owned) else {
                    return;
                };
                let text = ServerMessage::Broadcast {
                    user_id: &user_id,
                    event: event.as_deref(),
                    data: &data,
                }
                .encode();
                match to {
                    None => {
                        self.relay(Tell::Broadcast {
                            user_id: &user_id,
                            frame: &text,
                        });
                        self.send_all(text, Some(connection)).await;
                    }
                    Some(mut to) => {
                        to.sort();
                        to.dedup();
                        self.relay(Tell::Targeted {
                            user_id: &user_id,
                            to: &to,
                            frame: &text,
                        });
                        self.send_to(&to, text, Some(connection)).await;
                    }
                }
            }
            Command::Follow {
                connection,
                user_id,
                follow,
            } => self.follow(connection, user_id, follow).await,
            Command::Lifecycle { frame } => self.send_v2(frame, None).await,
            Command::Stores { frames, except } => {
                for frame in frames {
                    self.send_v2(frame, except).await;
                }
            }
            Command::GraceOver {
                user_id,
                generation,
            } => {
                let due = self.links.count(&user_id) == 0
                    && self
                        .roster
                        .participants
                        .get(&user_id)
                        .is_some_and(|p| p.leaving == Some(generation));
                if due && let Err(e) = self.leave(&user_id).await {
                    tracing::error!(room = %self.room.id, error = %e, "storing a leave failed");
                }
            }
            Command::Snapshot {
                after,
                limit,
                reply,
            } => {
                let links = &self.links;
                let page = self
                    .roster
                    .page(after.as_deref(), limit, |id| links.count(id));
                let _ = reply.send(page);
            }
            Command::RemoveUser { user_id, reply } => {
                let result = if self.roster.participants.contains_key(&user_id) {
                    self.links
                        .close_user(&user_id, CLOSE_REMOVED, "user deleted");
                    self.leave(&user_id).await
                } else {
                    Ok(())
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

    /// Sends this node's frame about a user to the room's connections on the other nodes.
    fn relay(&self, news: Tell<'_>) {
        self.hub.inner.outbox.send(&self.room.id, news);
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

    /// Sends a connection the presences it is owed, as far as its queue has room for them
    /// (see [`Outlet::has_room_for`]); the writer asks for the rest (`Command::Drained`) as
    /// the socket takes what is queued. Each is the participant's latest presence, or nothing
    /// if they left meanwhile; a newer one sent live meanwhile was for everyone anyway.
    async fn catch_up(&mut self, connection: u64) {
        let Some(link) = self.links.get_mut(connection) else {
            return;
        };
        let Some(outlet) = link.outlet.clone() else {
            return;
        };
        let mut owed = std::mem::take(&mut link.owed);
        let mut refused = false;
        while let Some(id) = owed.last() {
            if let Some(frame) = self.roster.presence_frame(id) {
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
        } else if let Some(link) = self.links.get_mut(connection) {
            link.owed = owed;
        }
    }

    /// A connection is gone; if it was its user's last, the user leaves after the leave grace
    /// (`grace`), or at once.
    async fn disconnected(&mut self, connection: u64, grace: bool) {
        let Some(user_id) = self.links.remove(connection) else {
            return;
        };
        if !self.roster.participants.contains_key(&user_id) || self.links.count(&user_id) > 0 {
            return;
        }
        let grace = if grace {
            self.hub.config().leave_grace
        } else {
            std::time::Duration::ZERO
        };
        if grace.is_zero() {
            if let Err(e) = self.leave(&user_id).await {
                tracing::error!(room = %self.room.id, error = %e, "storing a leave failed");
            }
            return;
        }
        self.generation += 1;
        if let Some(p) = self.roster.participants.get_mut(&user_id) {
            p.leaving = Some(self.generation);
        }
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
        if let Some(p) = self.roster.participants.remove(user_id) {
            if left_anywhere {
                let gone = change
                    .events
                    .iter()
                    .rev()
                    .filter_map(super::left_user)
                    .find(|u| u.id == *user_id)
                    .unwrap_or(p.user);
                let left = ServerMessage::ParticipantLeft { user: &gone }.encode();
                self.relay(Tell::Left {
                    user_id,
                    frame: &left,
                });
                self.send_all(left, None).await;
            } else {
                // Still held through another node: a participant there.
                let held = (p.user, p.presence);
                self.roster.remote.insert(user_id.to_owned(), held);
            }
        }
        Ok(())
    }

    /// Closes every connection and makes every participant leave (the session closes).
    async fn end_all(&mut self, code: u16, reason: &'static str) -> StoreResult<()> {
        self.links.close_all(code, reason);
        let mut users: Vec<_> = self.roster.participants.keys().cloned().collect();
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
        let too_slow: Vec<u64> = self
            .links
            .outlets(except)
            .filter(|(_, outlet)| outlet.send(Outbound::Text(text.clone())).is_err())
            .map(|(id, _)| id)
            .collect();
        self.let_go(too_slow).await;
    }

    /// Drops connections whose queue refused a frame (their sockets close), then lets their
    /// users leave if those were their last. All are dropped before any leave is told, so the
    /// `participant_left` frames are not offered to them.
    async fn let_go(&mut self, connections: Vec<u64>) {
        for &id in &connections {
            tracing::info!(room = %self.room.id, connection = id, "disconnecting a slow reader");
            self.links.detach(id);
        }
        for id in connections {
            Box::pin(self.disconnected(id, true)).await;
        }
    }

    /// Sends to the connections of `users` but `except` (a targeted broadcast).
    async fn send_to(&mut self, users: &[String], text: Utf8Bytes, except: Option<u64>) {
        let too_slow: Vec<u64> = self
            .links
            .outlets_of(users, except)
            .filter(|(_, outlet)| outlet.send(Outbound::Text(text.clone())).is_err())
            .map(|(id, _)| id)
            .collect();
        self.let_go(too_slow).await;
    }

    /// Sends a version 2 frame to every version 2 connection but `except`.
    async fn send_v2(&mut self, text: Utf8Bytes, except: Option<u64>) {
        let too_slow: Vec<u64> = self
            .links
            .v2_outlets(except)
            .filter(|(_, outlet)| outlet.send(Outbound::Text(text.clone())).is_err())
            .map(|(id, _)| id)
            .collect();
        self.let_go(too_slow).await;
    }

    /// The connection's user follows (or stops following) `user_id`: stored, then told to every
    /// version 2 connection of the room, here and on the other nodes, the sender's included.
    async fn follow(&mut self, connection: u64, user_id: String, follow: bool) {
        let Some(follower) = self.links.owner(connection).map(str::to_owned) else {
            return;
        };
        let refuse = |links: &Registry, code: &str, message: &str| {
            if let Some(outlet) = links.outlet(connection) {
                let _ = outlet.send(Outbound::Text(ServerMessage::error(code, message)));
            }
        };
        if follower == user_id {
            refuse(
                &self.links,
                "invalid_follow",
                "a user cannot follow themself",
            );
            return;
        }
        let (store, room) = (&self.hub.inner.store, &self.room);
        let stored = store
            .set_follow(&room.account_id, &room.id, &follower, &user_id, follow)
            .await;
        let changed = match stored {
            Ok(changed) => changed,
            Err(crate::store::StoreError::NotFound(_)) => {
                let message = format!("{user_id} is not a user of this room");
                refuse(&self.links, "not_found", &message);
                return;
            }
            Err(e) => {
                tracing::warn!(room = %self.room.id, error = %e, "storing a follow failed");
                refuse(
                    &self.links,
                    "unavailable",
                    "the follow could not be stored; try again",
                );
                return;
            }
        };
        let text = ServerMessage::Follow {
            follower_id: &follower,
            user_id: &user_id,
            following: follow,
        }
        .encode();
        if !changed {
            // Already so: only the sender hears it (its client waits for the answer), the
            // others were told when it became so.
            if let Some(outlet) = self.links.outlet(connection) {
                let _ = outlet.send(Outbound::Text(text));
            }
            return;
        }
        let view = FollowView {
            follower_id: follower.clone(),
            user_id: user_id.clone(),
        };
        self.apply_follow(view, follow);
        self.relay(Tell::Follow {
            user_id: &follower,
            frame: &text,
        });
        self.send_v2(text, None).await;
    }

    /// Keeps the room's follows current (once they were read).
    fn apply_follow(&mut self, view: FollowView, follow: bool) {
        if let Some(set) = &mut self.follows {
            if follow {
                set.insert(view);
            } else {
                set.remove(&view);
            }
        }
    }
}
