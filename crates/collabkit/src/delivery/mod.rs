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

use crate::duration;
use crate::flag_values::at_least_one;

/// The delivery knobs.
#[derive(Debug, Clone, clap::Args)]
pub struct DeliveryConfig {
    /// Delays between delivery attempts; N delays mean 1 + N attempts.
    #[arg(
        long,
        env = "COLLABKIT_RETRY_SCHEDULE",
        default_value_t = DeliveryConfig::default().retry_schedule
    )]
    pub retry_schedule: RetrySchedule,
    /// One attempt's limit, from connecting to the last byte.
    #[arg(id = "delivery_timeout", long = "delivery-timeout", value_name = "DELIVERY_TIMEOUT", env = "COLLABKIT_DELIVERY_TIMEOUT", default_value = duration::shown!(DeliveryConfig::default().timeout), value_parser = duration::parse)]
    pub timeout: Duration,
    /// Let webhooks reach loopback and private networks (development only).
    #[arg(long, env = "COLLABKIT_ALLOW_PRIVATE_DESTINATIONS")]
    pub allow_private_destinations: bool,
    /// Disable a registration whose deliveries failed without a success for this long.
    #[arg(id = "disable_failing_after", long = "disable-failing-after", value_name = "DISABLE_FAILING_AFTER", env = "COLLABKIT_DISABLE_FAILING_AFTER", default_value = duration::shown!(DeliveryConfig::default().disable_after), value_parser = duration::parse)]
    pub disable_after: Duration,
    /// Delete deliveries and their attempts older than this.
    #[arg(id = "delivery_retention", long = "delivery-retention", value_name = "DELIVERY_RETENTION", env = "COLLABKIT_DELIVERY_RETENTION", default_value = duration::shown!(DeliveryConfig::default().retention), value_parser = duration::parse)]
    pub retention: Duration,
    /// How often retention runs.
    #[arg(skip = DeliveryConfig::default().prune_interval)]
    pub prune_interval: Duration,
    /// Delivery attempts in flight at once, in all.
    #[arg(id = "delivery_concurrency", long = "delivery-concurrency", value_name = "DELIVERY_CONCURRENCY", env = "COLLABKIT_DELIVERY_CONCURRENCY", default_value_t = DeliveryConfig::default().concurrency, value_parser = at_least_one::<usize>)]
    pub concurrency: usize,
    /// Delivery attempts in flight at once to one registration.
    #[arg(id = "webhook_concurrency", long = "webhook-concurrency", value_name = "WEBHOOK_CONCURRENCY", env = "COLLABKIT_WEBHOOK_CONCURRENCY", default_value_t = DeliveryConfig::default().per_webhook_concurrency, value_parser = at_least_one::<u32>)]
    pub per_webhook_concurrency: u32,
    /// Webhook registrations one account may have; one more is refused with 409
    /// `too_many_webhooks`.
    #[arg(long, env = "COLLABKIT_MAX_WEBHOOKS_PER_ACCOUNT", default_value_t = DeliveryConfig::default().max_webhooks_per_account, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_webhooks_per_account: u64,
    /// Most deliveries taken by one claim.
    #[arg(skip = DeliveryConfig::default().claim_batch)]
    pub claim_batch: u32,
    /// Added to the timeout to make a claim's lease.
    #[arg(skip = DeliveryConfig::default().lease_margin)]
    pub lease_margin: Duration,
    /// How often the dashboard's attempt counters are stored: the statistics lag by this
    /// much, and a crash loses at most this much of them (never an attempt of the log).
    #[arg(skip = DeliveryConfig::default().counter_flush)]
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
