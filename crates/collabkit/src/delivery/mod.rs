//! The webhook engine: outbox → dispatcher → attempts.
//!
//! Events and their deliveries are written by the store in the transaction of the change that
//! caused them. New deliveries reach the local dispatcher through the [`handoff`] right after
//! their commit; from there, [`dispatcher`] attempts them and claims every other due delivery, [`sender`] makes the signed
//! HTTP attempt (through the [`guard`]'s SSRF-safe resolver), the [`schedule`] decides the next
//! try, and [`pruner`] enforces retention.

pub mod dispatcher;
pub mod guard;
pub mod handoff;
pub mod pruner;
pub mod schedule;
pub mod sender;
pub mod warnings;

use std::time::Duration;

pub use schedule::RetrySchedule;

/// The delivery knobs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Delays between attempts; N delays mean 1 + N attempts.
    pub retry_schedule: RetrySchedule,
    /// One attempt's limit, from connecting to the last byte.
    pub timeout: Duration,
    /// Allow receivers on loopback and private networks (development, tests).
    pub allow_private_destinations: bool,
    /// A registration failing without a single success for this long is disabled.
    pub disable_after: Duration,
    /// Deliveries and attempts older than this are deleted.
    pub retention: Duration,
    /// How often retention runs.
    pub prune_interval: Duration,
    /// Attempts in flight at once, in all.
    pub concurrency: usize,
    /// Attempts in flight at once for one registration.
    pub per_webhook_concurrency: u32,
    /// Registrations one account may have; past it, `POST /webhooks` is refused (409).
    pub max_webhooks_per_account: u64,
    /// Most deliveries taken by one claim.
    pub claim_batch: u32,
    /// Added to the timeout to make a claim's lease.
    pub lease_margin: Duration,
    /// How often the dashboard's attempt counters are stored: the statistics lag by this
    /// much, and a crash loses at most this much of them (never an attempt of the log).
    pub counter_flush: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            retry_schedule: RetrySchedule::default(),
            timeout: Duration::from_secs(15),
            allow_private_destinations: false,
            disable_after: Duration::from_secs(5 * 24 * 3600),
            retention: Duration::from_secs(30 * 24 * 3600),
            prune_interval: Duration::from_secs(3600),
            concurrency: 512,
            per_webhook_concurrency: 64,
            max_webhooks_per_account: 1000,
            claim_batch: 512,
            lease_margin: Duration::from_secs(5),
            counter_flush: Duration::from_secs(1),
        }
    }
}
