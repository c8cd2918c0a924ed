//! Delivery alerts, the server's side: the knobs and the [`sender`] that sends the alerts the
//! store keeps (see `collabkit_domain::rules::alerts` for when one is due) to each account's
//! alert destination, signed with the destination's own secret.

pub mod sender;

use std::time::Duration;

use crate::delivery::RetrySchedule;
use crate::duration;
use crate::store::AlertLimits;

/// The alert knobs.
#[derive(Debug, Clone, clap::Args)]
pub struct AlertConfig {
    /// At most one alert per (registration, kind) this often; the ones in between are
    /// `suppressed` in the alert log.
    #[arg(id = "alert_min_interval", long = "alert-min-interval", value_name = "ALERT_MIN_INTERVAL", env = "COLLABKIT_ALERT_MIN_INTERVAL", default_value = duration::shown!(AlertConfig::default().min_interval), value_parser = duration::parse)]
    pub min_interval: Duration,
    /// At most this many alerts per account in any minute; the ones past it are `suppressed`.
    #[arg(id = "alerts_per_minute", long = "alerts-per-minute", value_name = "ALERTS_PER_MINUTE", env = "COLLABKIT_ALERTS_PER_MINUTE", default_value_t = AlertConfig::default().per_account_per_minute, value_parser = clap::value_parser!(u32).range(1..))]
    pub per_account_per_minute: u32,
    /// Delays between attempts to send one alert; N delays mean 1 + N attempts.
    #[arg(id = "alert_retry_schedule", long = "alert-retry-schedule", value_name = "ALERT_RETRY_SCHEDULE", env = "COLLABKIT_ALERT_RETRY_SCHEDULE", default_value_t = AlertConfig::default().retry_schedule)]
    pub retry_schedule: RetrySchedule,
    /// How often the sender looks for due alerts (they are few: no wake-up of their own).
    #[arg(skip = AlertConfig::default().poll)]
    pub poll: Duration,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            min_interval: Duration::from_secs(60),
            per_account_per_minute: 20,
            retry_schedule: "5s,1m,5m,30m,2h,6h"
                .parse()
                .expect("the default alert schedule parses"),
            poll: Duration::from_secs(1),
        }
    }
}

impl AlertConfig {
    pub fn limits(&self) -> AlertLimits {
        AlertLimits {
            min_interval: self.min_interval,
            per_account_per_minute: self.per_account_per_minute,
        }
    }
}
