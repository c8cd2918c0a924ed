//! Delivery alerts as stored: the account's alert destination, the alerts it is sent, and
//! what the rules remember of each watched registration between outcome batches.

use super::*;

pub use collabkit_webhooks::{AlertEvent, AlertEventName, DisableReason};

/// The account's alert destination (one per account). Its secret is sealed and its own: an
/// alert is never signed with, nor sent to, a registration's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDestination {
    pub account_id: String,
    pub url: String,
    /// Failed attempts in a row after which a registration is `registration.failing`.
    pub failure_threshold: u32,
    pub secret_sealed: String,
    /// The secret before the last rotation, and until when it still signs.
    pub previous_secret: Option<(String, Timestamp)>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Where an alert is in its life. `suppressed`: the rate limit held it back (never sent;
/// counted in the log, see [`crate::rules::alerts::admits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertStatus {
    Pending,
    Success,
    Failed,
    Suppressed,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Pending => "pending",
            AlertStatus::Success => "success",
            AlertStatus::Failed => "failed",
            AlertStatus::Suppressed => "suppressed",
        }
    }

    pub fn parse(s: &str) -> Option<AlertStatus> {
        [
            AlertStatus::Pending,
            AlertStatus::Success,
            AlertStatus::Failed,
            AlertStatus::Suppressed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// One alert of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: String,
    pub account_id: String,
    pub kind: AlertEventName,
    pub webhook_id: String,
    /// The [`AlertEvent`] as JSON, byte for byte as sent.
    pub payload: String,
    pub status: AlertStatus,
    pub attempts: u32,
    pub last_attempt_at: Option<Timestamp>,
    pub next_retry_at: Option<Timestamp>,
    pub status_code: Option<u16>,
    /// The last attempt's error (no answer, refused destination…).
    pub error: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub status: Option<AlertStatus>,
    pub kind: Option<AlertEventName>,
    pub webhook_id: Option<String>,
}

/// What the alert rules remember of a registration between batches. The default (nothing to
/// remember) is not stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertHealth {
    /// Failed attempts since its last success.
    pub consecutive_failures: u32,
    /// `registration.failing` was decided in this streak (once per streak).
    pub failing_alerted: bool,
    /// A success will be `registration.recovered` (it was alerted failing, or disabled).
    pub owes_recovery: bool,
}

/// The sender's rate limit (see [`crate::rules::alerts::admits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertLimits {
    /// At most one alert per (registration, kind) this often.
    pub min_interval: std::time::Duration,
    /// At most this many alerts per account in any minute.
    pub per_account_per_minute: u32,
}

/// An alert taken by the sender: everything needed to send it.
#[derive(Debug, Clone)]
pub struct ClaimedAlert {
    pub alert_id: String,
    /// The claim's token; the outcome is recorded against it.
    pub lease: i64,
    pub account_id: String,
    /// The destination's URL now (not the registration's: an alert never goes there).
    pub url: String,
    pub secret_sealed: String,
    pub previous_secret_sealed: Option<String>,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// What one claim of due alerts did.
#[derive(Debug, Clone, Default)]
pub struct AlertClaim {
    /// Leased to the caller, to send.
    pub claimed: Vec<ClaimedAlert>,
    /// Held back by the rate limit now (`suppressed` in the log), for the caller to count.
    pub suppressed: u64,
}

/// The outcome of one attempt to send an alert.
#[derive(Debug, Clone)]
pub struct AlertOutcome {
    pub alert_id: String,
    pub lease: i64,
    pub attempt: Attempt,
    /// `Succeeded`, `RetryAt` or `Failed` (an alert has no registration to disable).
    pub next: NextStep,
}
