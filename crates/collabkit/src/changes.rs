//! One place for what follows every change that may store events, whoever makes it (an API
//! handler, a room actor, the gone-node sweep): its deliveries go to the local dispatcher
//! ([`Handoff`]), the events stored are counted, and the event streams that list one are woken.
//!
//! Deletions also need the live rooms told, in an order that matters for the events' order;
//! that choreography is written here once ([`Changes::delete_user`], [`Changes::delete_room`])
//! against [`LiveRooms`], so this module needs nothing from the realtime side.

use std::future::Future;
use std::sync::Arc;

use crate::delivery::handoff::Handoff;
use crate::event_streams::EventStreams;
use crate::metrics::Metrics;
use crate::store::{Change, InlineLease, SharedStore, StoreResult};

/// What a deletion needs from the live rooms of this node (the realtime hub).
pub trait LiveRooms: Sync {
    /// Ends a user's participation in a live room (connections closed, `participant.left`).
    fn remove_user(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Closes connections of the user that joined since [`LiveRooms::remove_user`].
    fn forget_user(&self, room_id: &str, user_id: &str) -> impl Future<Output = ()> + Send;
    /// Ends a live room's session (`participant.left`, `session.closed`).
    fn close_room(&self, room_id: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Closes connections to the room that joined since [`LiveRooms::close_room`].
    fn forget_room(&self, room_id: &str) -> impl Future<Output = ()> + Send;
}

/// The change service; cheap to clone.
#[derive(Clone)]
pub struct Changes {
    store: SharedStore,
    handoff: Handoff,
    metrics: Arc<Metrics>,
    /// The event streams open on this node: a change that stored events wakes those that
    /// list one of them.
    streams: Arc<EventStreams>,
}

impl Changes {
    pub fn new(store: SharedStore, handoff: Handoff, metrics: Arc<Metrics>) -> Changes {
        Changes {
            store,
            handoff,
            metrics,
            streams: Arc::default(),
        }
    }

    /// The event streams of this node: a stream that has caught up waits there to be woken by
    /// a change made through this node that stored an event it lists (events stored by other
    /// nodes it still has to poll for).
    pub fn event_streams(&self) -> &Arc<EventStreams> {
        &self.streams
    }

    /// Runs a change that may store events with an inline lease, then hands its deliveries
    /// over, counts its events and wakes the streams:
    /// `changes.apply(|lease| store.create_user(account, new, lease))`.
    pub async fn apply<T, F, Fut>(&self, write: F) -> StoreResult<Change<T>>
    where
        F: FnOnce(Option<InlineLease>) -> Fut,
        Fut: Future<Output = StoreResult<Change<T>>>,
    {
        let mut change = write(self.handoff.lease()).await?;
        self.handoff.hand_over(std::mem::take(&mut change.leased));
        self.metrics.record_events(&change.events);
        self.streams.wake(&change.events);
        Ok(change)
    }

    /// Deletes a user: its participation ends first (connections closed, `participant.left`
    /// stored), then `user.deleted`; a connection that joined between the two is closed after.
    pub async fn delete_user(
        &self,
        live: &impl LiveRooms,
        account_id: &str,
        user_id: &str,
    ) -> StoreResult<crate::store::User> {
        let user = self.store.get_user(account_id, user_id).await?;
        live.remove_user(&user.room_id, &user.id).await?;
        self.apply(|lease| self.store.delete_user(account_id, &user.id, lease))
            .await?;
        live.forget_user(&user.room_id, &user.id).await;
        Ok(user)
    }

    /// Deletes a room with its users: the live session ends first, so its
    /// `participant.left`/`session.closed` come before the `user.deleted`s; a connection that
    /// joined between the two is closed after.
    pub async fn delete_room(
        &self,
        live: &impl LiveRooms,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<()> {
        let room = self.store.get_room(account_id, room_id).await?;
        live.close_room(&room.id).await?;
        self.apply(|lease| self.store.delete_room(account_id, &room.id, lease))
            .await?;
        live.forget_room(&room.id).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Only changes that stored events wake the log's readers (the API test of the event
    /// stream checks that one that did wakes it).
    #[tokio::test]
    async fn a_quiet_change_wakes_no_reader() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::store::DatabaseUrl::Sqlite(dir.path().join("t.db"));
        let store = crate::store::open(&url, &Default::default()).await.unwrap();
        let (handoff, _rx) = Handoff::new(Duration::from_secs(20), 2);
        let changes = Changes::new(store, handoff, Arc::new(Metrics::new()));
        let caps = crate::event_streams::StreamCaps {
            per_account: 1,
            total: 1,
        };
        let stream = changes
            .event_streams()
            .open("acct", Default::default(), caps)
            .unwrap();
        changes
            .apply(|_| async { Ok(Change::quiet(())) })
            .await
            .unwrap();
        let woken = tokio::time::timeout(Duration::from_millis(1), stream.stored()).await;
        assert!(woken.is_err());
    }
}
