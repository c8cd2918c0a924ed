//! Delivery alerts: when one is due, decided once for every backend.
//!
//! A backend records an outcome batch, applies the registrations' health ([`super::plan_health`]),
//! then reads the [`Watched`] registrations of the batch (those whose account has an alert
//! destination, with what was remembered of them) and writes the [`AlertPlan`] of
//! [`plan_alerts`] in the same transaction: the alerts, and each registration's
//! [`AlertHealth`] after. Disabling by hand does the same with [`disabled`]. So an alert is
//! stored with the change that causes it, and nothing is lost if the node dies after.
//!
//! Sending is the server's (its alert sender); only the rate limit is decided here
//! ([`admits`]), by the backend claiming alerts to send.

use std::collections::HashMap;

use crate::clock::{self, Timestamp};
use crate::ids;
use crate::model::{
    Alert, AlertDestination, AlertEvent, AlertHealth, AlertLimits, AlertStatus, AttemptRecord,
    DisableReason, NextStep,
};

use super::HealthPlan;

/// `failureThreshold` when the destination is set without one.
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 5;
/// The highest `failureThreshold` accepted.
pub const MAX_FAILURE_THRESHOLD: u32 = 10_000;

/// A registration of the batch whose account has an alert destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub webhook_id: String,
    pub account_id: String,
    /// The registration's URL (named in the alert; never sent to).
    pub url: String,
    /// The destination's `failure_threshold`.
    pub threshold: u32,
    /// What was remembered of it (the default when nothing was).
    pub health: AlertHealth,
}

/// What a batch (or a disable) does: the alerts to store, pending, and the health of each
/// watched registration whose health changed (the default: forget it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertPlan {
    pub alerts: Vec<Alert>,
    pub health: Vec<(String, AlertHealth)>,
}

/// Why the batch disabled a registration: a 410 in it, else the auto-disable rule.
pub fn disable_reason(plan: &HealthPlan<'_>, webhook_id: &str) -> DisableReason {
    if plan.gone.binary_search(&webhook_id).is_ok() {
        DisableReason::Gone
    } else {
        DisableReason::Auto
    }
}

/// The alerts a recorded batch causes, walking each watched registration's outcomes in the
/// batch's order from what was remembered of it:
/// - a failed attempt (retry scheduled, schedule exhausted, 410) counts one more in a row; the
///   one reaching the threshold is `registration.failing`, once per streak;
/// - an exhausted schedule is `delivery.exhausted` (one per delivery);
/// - a success ends the streak, and is `registration.recovered` when it owed one;
/// - then, a registration the batch disabled (`disabled`) is `registration.disabled`, and will
///   owe a recovery once it is enabled and succeeds.
pub fn plan_alerts(
    records: &[AttemptRecord],
    watched: &[Watched],
    disabled: &[(String, DisableReason)],
    now: Timestamp,
) -> AlertPlan {
    let mut by_webhook: HashMap<&str, Vec<&AttemptRecord>> = HashMap::new();
    for rec in records {
        by_webhook.entry(&rec.webhook_id).or_default().push(rec);
    }
    let mut plan = AlertPlan::default();
    for w in watched {
        let mut health = w.health;
        for rec in by_webhook.get(w.webhook_id.as_str()).into_iter().flatten() {
            let a = &rec.attempt;
            match rec.next {
                NextStep::Succeeded => {
                    if health.owes_recovery {
                        plan.alerts.push(alert(w, now, |id, timestamp, org| {
                            AlertEvent::RegistrationRecovered {
                                id,
                                timestamp,
                                organization_id: org,
                                webhook_id: w.webhook_id.clone(),
                                url: w.url.clone(),
                            }
                        }));
                    }
                    health = AlertHealth::default();
                }
                NextStep::RetryAt(_) | NextStep::Failed | NextStep::Gone => {
                    health.consecutive_failures = health.consecutive_failures.saturating_add(1);
                    if health.consecutive_failures >= w.threshold.max(1) && !health.failing_alerted
                    {
                        health.failing_alerted = true;
                        health.owes_recovery = true;
                        let n = health.consecutive_failures;
                        plan.alerts.push(alert(w, now, |id, timestamp, org| {
                            AlertEvent::RegistrationFailing {
                                id,
                                timestamp,
                                organization_id: org,
                                webhook_id: w.webhook_id.clone(),
                                url: w.url.clone(),
                                consecutive_failures: n,
                                failure_threshold: w.threshold,
                                status_code: a.status_code,
                                error: a.error.clone(),
                            }
                        }));
                    }
                    if rec.next == NextStep::Failed {
                        plan.alerts.push(alert(w, now, |id, timestamp, org| {
                            AlertEvent::DeliveryExhausted {
                                id,
                                timestamp,
                                organization_id: org,
                                webhook_id: w.webhook_id.clone(),
                                url: w.url.clone(),
                                delivery_id: rec.delivery_id.clone(),
                                status_code: a.status_code,
                                error: a.error.clone(),
                            }
                        }));
                    }
                }
            }
        }
        if let Some((_, reason)) = disabled.iter().find(|(id, _)| *id == w.webhook_id) {
            let (after, alert) = disabled_alert(w, *reason, now);
            health = after;
            plan.alerts.push(alert);
        }
        if health != w.health {
            plan.health.push((w.webhook_id.clone(), health));
        }
    }
    plan
}

/// A registration disabled outside a batch (by hand): its alert and its health after.
pub fn disabled(w: &Watched, reason: DisableReason, now: Timestamp) -> AlertPlan {
    let (health, alert) = disabled_alert(w, reason, now);
    AlertPlan {
        alerts: vec![alert],
        health: vec![(w.webhook_id.clone(), health)],
    }
}

/// A disabled registration starts afresh (its streak is over) and owes a recovery.
fn disabled_alert(w: &Watched, reason: DisableReason, now: Timestamp) -> (AlertHealth, Alert) {
    let health = AlertHealth {
        consecutive_failures: 0,
        failing_alerted: false,
        owes_recovery: true,
    };
    let alert = alert(w, now, |id, timestamp, org| {
        AlertEvent::RegistrationDisabled {
            id,
            timestamp,
            organization_id: org,
            webhook_id: w.webhook_id.clone(),
            url: w.url.clone(),
            reason,
        }
    });
    (health, alert)
}

fn alert(
    w: &Watched,
    now: Timestamp,
    event: impl FnOnce(String, String, String) -> AlertEvent,
) -> Alert {
    let event = event(
        ids::new_id(ids::ALERT),
        clock::format(&now),
        w.account_id.clone(),
    );
    Alert {
        id: event.id().to_owned(),
        account_id: w.account_id.clone(),
        kind: event.name(),
        webhook_id: w.webhook_id.clone(),
        payload: serde_json::to_string(&event).expect("an alert serializes"),
        status: AlertStatus::Pending,
        attempts: 0,
        last_attempt_at: None,
        next_retry_at: None,
        status_code: None,
        error: None,
        created_at: now,
    }
}

/// Whether an alert is sent (else it is `suppressed`: kept in the log, counted, never sent):
/// the first of its (registration, kind) since `min_interval`, and among the account's first
/// `per_account_per_minute` of the last minute. `last_sent_same`: when the last alert of the
/// same registration and kind was let through; `sent_last_minute`: how many of the account's
/// were in the last minute. Decided once per alert, when it is first claimed; its retries are
/// not limited again.
pub fn admits(
    last_sent_same: Option<Timestamp>,
    sent_last_minute: u64,
    now: Timestamp,
    limits: &AlertLimits,
) -> bool {
    let interval = chrono::Duration::from_std(limits.min_interval).unwrap_or(chrono::Duration::MAX);
    let spaced = last_sent_same.is_none_or(|t| now - t >= interval);
    spaced && sent_last_minute < u64::from(limits.per_account_per_minute)
}

/// The window of [`AlertLimits::per_account_per_minute`].
pub const ACCOUNT_WINDOW: chrono::Duration = chrono::Duration::minutes(1);

/// The destination as set by a PUT: a new one with `secret_sealed`, or `before` with its URL
/// and threshold replaced (its secret stays: a PUT does not rotate it).
pub fn put_destination(
    before: Option<&AlertDestination>,
    account_id: &str,
    url: String,
    failure_threshold: u32,
    secret_sealed: &str,
    now: Timestamp,
) -> AlertDestination {
    match before {
        Some(b) => AlertDestination {
            url,
            failure_threshold,
            updated_at: now,
            ..b.clone()
        },
        None => AlertDestination {
            account_id: account_id.to_owned(),
            url,
            failure_threshold,
            secret_sealed: secret_sealed.to_owned(),
            previous_secret: None,
            created_at: now,
            updated_at: now,
        },
    }
}

/// The destination with a new secret; the old one keeps signing until `previous_until`.
pub fn rotated_destination(
    d: &AlertDestination,
    secret_sealed: &str,
    previous_until: Timestamp,
    now: Timestamp,
) -> AlertDestination {
    AlertDestination {
        secret_sealed: secret_sealed.to_owned(),
        previous_secret: Some((d.secret_sealed.clone(), previous_until)),
        updated_at: now,
        ..d.clone()
    }
}

#[cfg(test)]
#[path = "tests/alerts.rs"]
mod tests;
