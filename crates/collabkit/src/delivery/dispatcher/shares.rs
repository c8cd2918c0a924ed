//! Each registration's share of the concurrency: attempts of one registration hold permits of
//! its share, so a slow receiver only ever occupies its own. The limit holds across the nodes
//! sharing the queue: with N live nodes, each takes an Nth of it (rounded up).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

/// One registration's permits, and how many started attempts use them.
struct Share {
    permits: Arc<Semaphore>,
    users: usize,
}

pub struct Shares {
    /// A registration's limit in all, `--per-webhook-concurrency`.
    per_webhook: u32,
    /// Nodes sharing the queue (kept by the node watcher; 1 on SQLite).
    live_nodes: AtomicUsize,
    /// Shares of the registrations with attempts started and not finished.
    shares: Mutex<HashMap<String, Share>>,
}

impl Shares {
    pub fn new(per_webhook: u32) -> Shares {
        Shares {
            per_webhook,
            live_nodes: AtomicUsize::new(1),
            shares: Mutex::new(HashMap::new()),
        }
    }

    /// This node's part of a registration's concurrency limit.
    pub fn per_webhook(&self) -> u32 {
        let nodes = self.live_nodes.load(Ordering::Relaxed).max(1) as u32;
        self.per_webhook.div_ceil(nodes).max(1)
    }

    pub fn set_live_nodes(&self, nodes: usize) {
        self.live_nodes.store(nodes.max(1), Ordering::Relaxed);
    }

    /// The share of an attempt about to start; [`Shares::release`] when it is over.
    pub fn take(&self, webhook_id: &str) -> Arc<Semaphore> {
        let mut shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
        let share = shares
            .entry(webhook_id.to_owned())
            .or_insert_with(|| Share {
                permits: Arc::new(Semaphore::new(self.per_webhook() as usize)),
                users: 0,
            });
        share.users += 1;
        share.permits.clone()
    }

    /// An attempt is over: its share goes once nobody uses it.
    pub fn release(&self, webhook_id: &str) {
        let mut shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(share) = shares.get_mut(webhook_id) {
            share.users -= 1;
            if share.users == 0 {
                shares.remove(webhook_id);
            }
        }
    }

    /// Registrations using their whole share: a claim skips them.
    pub fn full(&self) -> Vec<String> {
        let shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
        shares
            .iter()
            .filter(|(_, s)| s.permits.available_permits() == 0)
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// Leases this process holds and has not reported on yet (delivery id → lease token): what a
/// graceful stop gives back.
#[derive(Default)]
pub struct Held(Mutex<HashMap<String, i64>>);

impl Held {
    pub fn hold(&self, delivery_id: &str, lease: i64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(delivery_id.to_owned(), lease);
    }

    pub fn done(&self, delivery_id: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(delivery_id);
    }

    pub fn drain(&self) -> Vec<(String, i64)> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_split_between_live_nodes() {
        let shares = Shares::new(5);
        assert_eq!(shares.per_webhook(), 5);
        shares.set_live_nodes(2);
        assert_eq!(shares.per_webhook(), 3);
        shares.set_live_nodes(0);
        assert_eq!(shares.per_webhook(), 5);
        shares.set_live_nodes(10);
        assert_eq!(shares.per_webhook(), 1);
    }

    #[test]
    fn a_share_is_full_while_its_permits_are_taken_and_goes_when_unused() {
        let shares = Shares::new(1);
        let a = shares.take("wh_a");
        let again = shares.take("wh_a");
        assert!(Arc::ptr_eq(&a, &again), "one share per registration");
        assert!(shares.full().is_empty());
        let permit = a.try_acquire().unwrap();
        assert_eq!(shares.full(), vec!["wh_a".to_owned()]);
        drop(permit);
        shares.release("wh_a");
        shares.release("wh_a");
        let fresh = shares.take("wh_a");
        assert!(!Arc::ptr_eq(&a, &fresh), "released when nobody used it");
    }
}
