//! The fast path from a commit to the local dispatcher, the same for every backend.
//!
//! Before a change that may store events, the caller asks for an [`InlineLease`]; the backend
//! writes the new deliveries already leased to this process and returns them; after the commit
//! they go straight to the dispatcher: no claim, no extra transaction. When the dispatcher's
//! backlog is full no lease is given, and the deliveries wait in the queue for a claim (the
//! backend rings its wake-up), which bounds memory when receivers are slow.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::clock;
use crate::event_streams::EventStreams;
use crate::store::{Change, ClaimedDelivery, InlineLease, StoreResult};

#[derive(Clone)]
pub struct Handoff {
    /// How long an inline lease lasts (an attempt's timeout and a margin).
    lease_for: Duration,
    deliveries: mpsc::UnboundedSender<Vec<ClaimedDelivery>>,
    /// Handed-over deliveries not yet started; above `max_backlog`, no more leases.
    backlog: Arc<AtomicUsize>,
    max_backlog: usize,
    /// The event streams open on this node: a change that stored events wakes those that list
    /// one of them (see [`Handoff::event_streams`]).
    streams: Arc<EventStreams>,
}

impl Handoff {
    /// A hand-off to the receiving end, which counts started deliveries off `backlog`.
    pub fn new(
        lease_for: Duration,
        max_backlog: usize,
    ) -> (Handoff, mpsc::UnboundedReceiver<Vec<ClaimedDelivery>>) {
        let (deliveries, rx) = mpsc::unbounded_channel();
        let handoff = Handoff {
            lease_for,
            deliveries,
            backlog: Arc::new(AtomicUsize::new(0)),
            max_backlog,
            streams: Arc::default(),
        };
        (handoff, rx)
    }

    /// The count of handed-over deliveries not yet started, for the receiving end.
    pub fn backlog(&self) -> Arc<AtomicUsize> {
        self.backlog.clone()
    }

    /// The event streams of this node: a stream that has caught up waits there to be woken by
    /// a change made through this node that stored an event it lists (events stored by other
    /// nodes it still has to poll for).
    pub fn event_streams(&self) -> &Arc<EventStreams> {
        &self.streams
    }

    /// A lease for the deliveries of the next change, or `None` while the backlog is full.
    pub fn lease(&self) -> Option<InlineLease> {
        if self.backlog.load(Ordering::Relaxed) >= self.max_backlog {
            return None;
        }
        Some(InlineLease {
            until: clock::now()
                + chrono::Duration::from_std(self.lease_for).unwrap_or(chrono::Duration::MAX),
            token: rand::random::<i64>() & i64::MAX,
        })
    }

    /// Gives deliveries leased inline to the dispatcher.
    pub fn hand_over(&self, leased: Vec<ClaimedDelivery>) {
        if leased.is_empty() {
            return;
        }
        self.backlog.fetch_add(leased.len(), Ordering::Relaxed);
        if self.deliveries.send(leased).is_err() {
            // The dispatcher is gone; the leases will run out and a claim will take them.
            tracing::debug!("no dispatcher to hand deliveries to");
        }
    }

    /// Runs a change that may store events with a lease, and hands its deliveries over:
    /// `handoff.change(|lease| store.create_user(account, new, lease))`.
    pub async fn change<T, F, Fut>(&self, write: F) -> StoreResult<Change<T>>
    where
        F: FnOnce(Option<InlineLease>) -> Fut,
        Fut: Future<Output = StoreResult<Change<T>>>,
    {
        let mut change = write(self.lease()).await?;
        self.hand_over(std::mem::take(&mut change.leased));
        self.streams.wake(&change.events);
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_lease_while_the_backlog_is_full() {
        let (handoff, _rx) = Handoff::new(Duration::from_secs(20), 2);
        let lease = handoff.lease().expect("room in the backlog");
        assert!(lease.until > clock::now());
        handoff.backlog().store(2, Ordering::Relaxed);
        assert!(handoff.lease().is_none());
    }

    /// Only changes that stored events wake the log's readers (the API test of the event
    /// stream checks that one that did wakes it).
    #[tokio::test]
    async fn a_quiet_change_wakes_no_reader() {
        let (handoff, _rx) = Handoff::new(Duration::from_secs(20), 2);
        let caps = crate::event_streams::StreamCaps {
            per_account: 1,
            total: 1,
        };
        let stream = handoff
            .event_streams()
            .open("acct", Default::default(), caps)
            .unwrap();
        handoff
            .change(|_| async { Ok(Change::quiet(())) })
            .await
            .unwrap();
        let woken = tokio::time::timeout(Duration::from_millis(1), stream.stored()).await;
        assert!(woken.is_err());
    }
}
