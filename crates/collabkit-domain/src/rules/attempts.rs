//! Recording delivery attempts: the state a delivery takes after one, the registrations'
//! health after a batch (failing since, 410 → disabled, disabled after failing too long), and
//! when the dispatchers are woken. A backend writes the batch's rows, then applies the
//! [`HealthPlan`] of [`plan_health`] with [`disables_failing`] deciding each auto-disable.

use crate::clock::Timestamp;
use crate::model::{AttemptRecord, DeliveryStatus, Fanout, NextStep};

/// The delivery's status after an attempt, and its next try (also its new due time).
pub fn delivery_after(next: NextStep) -> (DeliveryStatus, Option<Timestamp>) {
    match next {
        NextStep::Succeeded => (DeliveryStatus::Success, None),
        NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
        NextStep::Failed | NextStep::Gone => (DeliveryStatus::Failed, None),
    }
}

/// A registration that failed in the batch: since its earliest failure there, and the
/// threshold of that attempt (failing since before it: disabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failing<'a> {
    pub webhook_id: &'a str,
    pub since: Timestamp,
    pub disable_if_failing_since: Timestamp,
}

/// What a batch does to the registrations' health, once per registration and batch, not once
/// per outcome (a batch from a receiver that is down holds hundreds of failures of the same
/// registration). Applied in this order: failures first, then 410s (so a registration that
/// answered 410 ends disabled), then successes clear `failing_since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthPlan<'a> {
    /// Marked failing since their earliest failure unless already failing; in first-seen order.
    pub failing: Vec<Failing<'a>>,
    /// Answered 410: disabled (sorted, once each).
    pub gone: Vec<&'a str>,
    /// Succeeded: no longer failing (sorted, once each).
    pub healthy: Vec<&'a str>,
    /// A retry was scheduled: a dispatcher may be asleep until a later due time than its.
    pub wake: bool,
}

pub fn plan_health(records: &[AttemptRecord]) -> HealthPlan<'_> {
    let mut failing: Vec<Failing<'_>> = Vec::new();
    let (mut gone, mut healthy) = (Vec::new(), Vec::new());
    for rec in records {
        match rec.next {
            NextStep::Succeeded => healthy.push(rec.webhook_id.as_str()),
            NextStep::Gone => gone.push(rec.webhook_id.as_str()),
            NextStep::RetryAt(_) | NextStep::Failed => {
                let this = Failing {
                    webhook_id: &rec.webhook_id,
                    since: rec.attempt.attempted_at,
                    disable_if_failing_since: rec.disable_if_failing_since,
                };
                match failing.iter_mut().find(|f| f.webhook_id == rec.webhook_id) {
                    Some(first) if first.since <= this.since => {}
                    Some(first) => *first = this,
                    None => failing.push(this),
                }
            }
        }
    }
    for ids in [&mut gone, &mut healthy] {
        ids.sort_unstable();
        ids.dedup();
    }
    HealthPlan {
        failing,
        gone,
        healthy,
        wake: wakes_after_record(records),
    }
}

/// Whether a failing registration is disabled now: `failing_since` is what the store holds
/// after marking it (its earlier failure, or this batch's).
pub fn disables_failing(failing_since: Option<Timestamp>, failing: &Failing<'_>) -> bool {
    failing_since.is_some_and(|s| s < failing.disable_if_failing_since)
}

/// Whether recording these outcomes wakes the dispatchers: a retry was scheduled.
pub fn wakes_after_record(records: &[AttemptRecord]) -> bool {
    records
        .iter()
        .any(|r| matches!(r.next, NextStep::RetryAt(_)))
}

/// Whether a change wakes the dispatchers: some of its deliveries wait for a claim.
pub fn wakes_after_change(fanout: &Fanout) -> bool {
    fanout.left_to_claims()
}

/// Whether deliveries made due again (recovered, leases released) wake the dispatchers.
pub fn wakes_after_requeue(count: u64) -> bool {
    count > 0
}

/// The most deliveries one replay creates (see `DeliveryLog::replay_events`).
pub const REPLAY_LIMIT: u32 = 10_000;

/// The event names a replay matches, each with its code, and the room it is scoped to.
pub type ReplayScope = (Vec<(&'static str, i64)>, Option<String>);

/// What a replay to `webhook` matches: the event names it subscribes to, each with its code,
/// and the room it is scoped to (`None`: the whole account) — the same rule fan-out applies to
/// a new event. A disabled registration is refused (replay is for after enabling it).
pub fn replay_scope(
    webhook: &crate::model::Webhook,
) -> Result<ReplayScope, crate::error::StoreError> {
    if !webhook.enabled {
        return Err(crate::error::StoreError::Conflict(
            crate::error::Conflict::WebhookDisabled,
        ));
    }
    let names = webhook
        .events
        .iter()
        .map(|e| (e.as_str(), crate::model::event_code(*e)))
        .collect();
    Ok((names, webhook.room_id.clone()))
}

#[cfg(test)]
#[path = "tests/attempts.rs"]
mod tests;
