//! The fast path from a commit to the local dispatcher, the same for every backend.
//!
//! Before a change that may store events, the caller asks for an [`InlineLease`]; the backend
//! writes the new deliveries already leased to this process and returns them; after the commit
//! they go straight to the dispatcher: no claim, no extra transaction. When the dispatcher's
//! backlog is full no lease is given, and the deliveries wait in the queue for a claim (the
//! backend rings its wake-up), which bounds memory when receivers are slow. Changes reach it
//! through the change service (`Changes`, in the top-level `changes` module), which also counts
//! their events and wakes the streams.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::clock;
use crate::store::{ClaimedDelivery, InlineLease};

#[derive(Clone)]
pub struct Handoff {
    /// How long an inline lease lasts (an attempt's timeout and a margin).
    lease_for: Duration,
    deliveries: mpsc::UnboundedSender<Vec<ClaimedDelivery>>,
    /// Handed-over deliveries not yet started; above `max_backlog`, no more leases.
    backlog: Arc<AtomicUsize>,
    max_backlog: usize,
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
        };
        (handoff, rx)
    }

    /// The count of handed-over deliveries not yet started, for the receiving end.
    pub fn backlog(&self) -> Arc<AtomicUsize> {
        self.backlog.clone()
    }

    /// A lease for the deliveries of the next change, or `None` while the backlog is full.
    pub fn lease(&self) -> Option<InlineLease> {
        if self.backlog.load(Ordering::Relaxed) >= self.max_backlog {
            return None;
        }
        Some(InlineLease {
            until: clock::after(clock::now(), self.lease_for),
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
}
