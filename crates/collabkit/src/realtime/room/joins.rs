//! Joins, stored together when several wait in the room's inbox.
//!
//! A room's joins used to take turns: each was stored (one transaction, one WAL flush on
//! PostgreSQL) before the next was even read, so ten users opening a room at once waited for
//! ten commits one after the other. The joins queued behind the first are now taken with it and
//! stored at once (the backend writes a room's joins of one group in one transaction, each
//! planned on the one before), then each is welcomed and told in the order it arrived, exactly
//! as if they had been handled one by one.

use std::collections::HashSet;

use collabkit_webhooks::WebhookEventName;
use futures_util::future::join_all;
use tokio::sync::oneshot;

use super::RoomActor;
use crate::realtime::messages::{Command, JoinError};
use crate::realtime::outlet::{Outbound, Outlet};
use crate::realtime::protocol::{self, FollowView, ServerMessage, WelcomeV2};
use crate::realtime::relayed::Tell;
use crate::realtime::roster::{Participant, Presence};
use crate::store::{StoreError, User};

/// At most this many joins are stored together; the rest wait for the next group.
const MAX_TOGETHER: usize = 64;

/// A join taken from the inbox.
pub(super) struct Pending {
    pub connection: u64,
    pub user: User,
    pub outlet: Outlet,
    /// `Some` for a version 2 connection: the id of its `join`, if it gave one.
    pub v2: Option<Option<u64>>,
    pub reply: oneshot::Sender<Result<(), JoinError>>,
}

impl RoomActor {
    /// `first` and the joins queued right behind it; the first other command met is kept for
    /// after them (commands are handled in the order they came).
    pub(super) fn gather_joins(&mut self, first: Pending) -> Vec<Pending> {
        let mut batch = vec![first];
        while batch.len() < MAX_TOGETHER {
            match self.inbox.try_recv() {
                Ok(Command::Join {
                    connection,
                    user,
                    outbound,
                    v2,
                    reply,
                }) => batch.push(Pending {
                    connection,
                    user,
                    outlet: outbound,
                    v2,
                    reply,
                }),
                Ok(other) => {
                    self.stashed = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        batch
    }

    /// Stores the joins of users who are not participants yet, all at once, then welcomes each
    /// connection and tells the room, join by join.
    pub(super) async fn joins(&mut self, batch: Vec<Pending>) {
        let v2 = batch.iter().any(|j| j.v2.is_some());
        if let Err(e) = self.before_joins(v2).await {
            for join in batch {
                let _ = join.reply.send(Err(JoinError::Store(e.clone())));
            }
            return;
        }
        // Who is stored: each user not yet a participant, once, while the room has places.
        let max = self.hub.config().room_max_participants;
        let mut storing: Vec<String> = Vec::new();
        let mut admitted = Vec::with_capacity(batch.len());
        for join in batch {
            let id = &join.user.id;
            let known = self.roster.participants.contains_key(id);
            if !known && !storing.contains(id) {
                if let Err(e) = self.roster.has_place_beside(id, max, &storing) {
                    let _ = join.reply.send(Err(e));
                    continue;
                }
                storing.push(id.clone());
            }
            admitted.push(join);
        }
        let (hub, room) = (&self.hub.inner, &self.room);
        let stored = join_all(storing.iter().map(|user_id| {
            hub.changes.apply(|lease| {
                hub.store
                    .join_session(&room.account_id, &room.id, user_id, &hub.node, lease)
            })
        }))
        .await;
        let mut stored: Vec<Option<_>> = stored.into_iter().map(Some).collect();
        let mut failed: HashSet<String> = HashSet::new();
        for join in admitted {
            let change = storing
                .iter()
                .position(|id| *id == join.user.id)
                .and_then(|i| stored[i].take());
            let result = match change {
                // Stored first: if the store failed, nobody sees a join that did not happen.
                Some(Err(e)) => {
                    failed.insert(join.user.id.clone());
                    Err(JoinError::Store(e))
                }
                // A second connection of a user whose join failed in this group.
                None if failed.contains(&join.user.id) => Err(JoinError::Store(
                    StoreError::backend("the join could not be stored"),
                )),
                Some(Ok(change)) => {
                    let new_anywhere = change
                        .events
                        .iter()
                        .any(|e| e.event == WebhookEventName::ParticipantJoined);
                    self.add_participant(&join.user, &change.events).await;
                    self.welcome(
                        join.connection,
                        &join.user.id,
                        join.outlet,
                        join.v2,
                        new_anywhere,
                    )
                    .await;
                    Ok(())
                }
                None => {
                    self.welcome(join.connection, &join.user.id, join.outlet, join.v2, false)
                        .await;
                    Ok(())
                }
            };
            let _ = join.reply.send(result);
        }
    }

    /// What every join needs read first: the room's follows (for version 2 welcomes), and the
    /// participants held by other nodes (or by this server's previous run, within the grace
    /// after a restart) since before this room was live here: they count against the room's
    /// bound and the welcome lists them.
    async fn before_joins(&mut self, v2: bool) -> Result<(), StoreError> {
        if v2 && self.follows.is_none() {
            let (store, room) = (&self.hub.inner.store, &self.room);
            let read = store.room_follows(&room.account_id, &room.id).await?;
            self.follows = Some(
                read.into_iter()
                    .map(|(follower_id, user_id)| FollowView {
                        follower_id,
                        user_id,
                    })
                    .collect(),
            );
        }
        if self.hub.inner.outbox.is_shared() || self.hub.resuming() {
            let (hub, room) = (&self.hub.inner, &self.room);
            let listed = hub
                .store
                .session_participants(&room.account_id, &room.id)
                .await
                .unwrap_or_default();
            for user in listed {
                if !self.roster.participants.contains_key(&user.id) {
                    // Remembered from now on, so its leave or deletion is told here too.
                    self.roster
                        .remote
                        .entry(user.id.clone())
                        .or_insert_with(|| (user, Presence::default()));
                }
            }
        }
        Ok(())
    }

    /// The user, stored as joining, becomes a participant here (keeping the presence they had
    /// through another node, if any).
    async fn add_participant(&mut self, user: &User, events: &[crate::store::Event]) {
        let joined = self.after_join(user, events).await;
        let presence = self
            .roster
            .remote
            .remove(&user.id)
            .map(|(_, presence)| presence)
            .unwrap_or_default();
        self.roster.participants.insert(
            user.id.clone(),
            Participant {
                user: joined,
                presence,
                leaving: None,
            },
        );
    }

    /// The connection gets its welcome and the presences it is owed; the others are told of the
    /// user when `told` (they just became a participant anywhere). A user already a participant
    /// elsewhere (another node, or this server's previous run within the grace after a restart)
    /// resumes: nobody is told anything new.
    async fn welcome(
        &mut self,
        connection: u64,
        user_id: &str,
        outlet: Outlet,
        v2: Option<Option<u64>>,
        told: bool,
    ) {
        // Presences are inlined in the welcome up to a quarter of the send queue's bound.
        let budget = self.hub.config().send_queue_bytes / 4;
        let follows: Vec<FollowView> = match (&self.follows, v2) {
            (Some(set), Some(_)) => set.iter().cloned().collect(),
            _ => Vec::new(),
        };
        let extra = v2.map(|id| WelcomeV2 {
            id,
            resumed: !told,
            follows: &follows,
        });
        let (welcome, owed) = self.roster.welcome(&self.contract, user_id, budget, extra);
        if let Some(p) = self.roster.participants.get_mut(user_id) {
            p.leaving = None;
        }
        self.links
            .add(connection, user_id, outlet.clone(), owed, v2.is_some());
        let _ = outlet.send(Outbound::Text(welcome));
        self.catch_up(connection).await;
        if told && let Some(me) = self.roster.participants.get(user_id) {
            let joined = ServerMessage::ParticipantJoined {
                user: &me.user,
                presence: &me.presence.value,
                color: protocol::color(user_id),
            }
            .encode();
            self.relay(Tell::Joined {
                user_id,
                frame: &joined,
            });
            self.send_all(joined, Some(connection)).await;
        }
    }
}
