//! How the dispatcher learns that deliveries became due without polling.
//!
//! A backend rings its wake-up after every commit that made deliveries due to a claim (new
//! events not handed over, retries, recoveries, released leases). SQLite's is in-process (one
//! server per file); a backend shared by several nodes wakes them all (PostgreSQL's
//! LISTEN/NOTIFY).

use async_trait::async_trait;
use tokio::sync::Notify;

#[async_trait]
pub trait Wakeup: Send + Sync + 'static {
    /// Returns once deliveries may have become due since the last return (a ring while nobody
    /// waits is kept for the next wait). Spurious returns are allowed.
    async fn wait(&self);
}

/// The wake-up of a backend only one process uses.
#[derive(Debug, Default)]
pub struct InProcessWakeup(Notify);

impl InProcessWakeup {
    pub fn ring(&self) {
        self.0.notify_one();
    }
}

#[async_trait]
impl Wakeup for InProcessWakeup {
    async fn wait(&self) {
        self.0.notified().await
    }
}
