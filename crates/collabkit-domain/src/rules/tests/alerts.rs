use super::*;
use crate::model::Attempt;
use std::time::Duration;

fn at(ms: i64) -> Timestamp {
    clock::parse("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::milliseconds(ms)
}

fn rec(webhook: &str, n: i64, next: NextStep) -> AttemptRecord {
    AttemptRecord {
        delivery_id: format!("dlv_{webhook}_{n}"),
        lease: 1,
        webhook_id: webhook.into(),
        attempt: Attempt {
            attempted_at: at(n),
            status_code: Some(500),
            duration_ms: 1,
            error: None,
            response_body: String::new(),
        },
        next,
        disable_if_failing_since: at(-1_000_000),
        ordered: false,
    }
}

fn watched(webhook: &str, health: AlertHealth) -> Watched {
    Watched {
        webhook_id: webhook.into(),
        account_id: "acct_1".into(),
        url: format!("https://example.com/{webhook}"),
        threshold: 3,
        health,
    }
}

fn kinds(plan: &AlertPlan) -> Vec<&'static str> {
    plan.alerts.iter().map(|a| a.kind.as_str()).collect()
}

fn payload(a: &Alert) -> AlertEvent {
    serde_json::from_str(&a.payload).unwrap()
}

const RETRY: NextStep = NextStep::RetryAt(chrono::DateTime::<chrono::Utc>::MIN_UTC);

#[test]
fn failing_is_due_once_per_streak_at_the_threshold() {
    let records: Vec<_> = (0..6).map(|n| rec("wh_a", n, RETRY)).collect();
    let plan = plan_alerts(
        &records,
        &[watched("wh_a", AlertHealth::default())],
        &[],
        at(9),
    );
    assert_eq!(kinds(&plan), ["registration.failing"]);
    match payload(&plan.alerts[0]) {
        AlertEvent::RegistrationFailing {
            consecutive_failures,
            failure_threshold,
            status_code,
            organization_id,
            ..
        } => {
            assert_eq!((consecutive_failures, failure_threshold), (3, 3));
            assert_eq!(status_code, Some(500));
            assert_eq!(organization_id, "acct_1");
        }
        other => panic!("{other:?}"),
    }
    let after = plan.health[0].1;
    assert_eq!(
        after,
        AlertHealth {
            consecutive_failures: 6,
            failing_alerted: true,
            owes_recovery: true
        }
    );
    // The next batch of the same streak: nothing more.
    let more: Vec<_> = (6..9).map(|n| rec("wh_a", n, RETRY)).collect();
    let plan = plan_alerts(&more, &[watched("wh_a", after)], &[], at(10));
    assert!(plan.alerts.is_empty());
}

#[test]
fn a_streak_counts_across_batches_and_a_success_ends_it() {
    let two: Vec<_> = (0..2).map(|n| rec("wh_a", n, RETRY)).collect();
    let plan = plan_alerts(&two, &[watched("wh_a", AlertHealth::default())], &[], at(9));
    assert!(plan.alerts.is_empty());
    let after = plan.health[0].1;
    assert_eq!(after.consecutive_failures, 2);
    // A success before the third failure: the streak starts again, no recovery owed.
    let batch = [
        rec("wh_a", 3, NextStep::Succeeded),
        rec("wh_a", 4, RETRY),
        rec("wh_a", 5, RETRY),
    ];
    let plan = plan_alerts(&batch, &[watched("wh_a", after)], &[], at(9));
    assert!(plan.alerts.is_empty(), "{:?}", kinds(&plan));
    // Two in a row again, as before the batch: nothing to write.
    assert!(plan.health.is_empty(), "{:?}", plan.health);
}

#[test]
fn recovered_is_due_only_when_owed() {
    let owed = AlertHealth {
        consecutive_failures: 4,
        failing_alerted: true,
        owes_recovery: true,
    };
    let ok = [
        rec("wh_a", 1, NextStep::Succeeded),
        rec("wh_a", 2, NextStep::Succeeded),
    ];
    let plan = plan_alerts(&ok, &[watched("wh_a", owed)], &[], at(9));
    assert_eq!(kinds(&plan), ["registration.recovered"]);
    assert_eq!(plan.health, [("wh_a".to_owned(), AlertHealth::default())]);
    // Healthy and staying so: nothing to write at all.
    let plan = plan_alerts(&ok, &[watched("wh_a", AlertHealth::default())], &[], at(9));
    assert_eq!(plan, AlertPlan::default());
}

#[test]
fn an_exhausted_schedule_is_an_alert_per_delivery() {
    let batch = [
        rec("wh_a", 1, NextStep::Failed),
        rec("wh_a", 2, NextStep::Failed),
    ];
    let plan = plan_alerts(
        &batch,
        &[watched("wh_a", AlertHealth::default())],
        &[],
        at(9),
    );
    assert_eq!(kinds(&plan), ["delivery.exhausted", "delivery.exhausted"]);
    match payload(&plan.alerts[1]) {
        AlertEvent::DeliveryExhausted { delivery_id, .. } => assert_eq!(delivery_id, "dlv_wh_a_2"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn disabling_is_an_alert_with_its_reason_and_owes_a_recovery() {
    let batch = [rec("wh_a", 1, NextStep::Gone)];
    let gone = [("wh_a".to_owned(), DisableReason::Gone)];
    let plan = plan_alerts(
        &batch,
        &[watched("wh_a", AlertHealth::default())],
        &gone,
        at(9),
    );
    assert_eq!(kinds(&plan), ["registration.disabled"]);
    assert!(matches!(
        payload(&plan.alerts[0]),
        AlertEvent::RegistrationDisabled {
            reason: DisableReason::Gone,
            ..
        }
    ));
    assert!(plan.health[0].1.owes_recovery);
    let by_hand = super::disabled(
        &watched("wh_b", AlertHealth::default()),
        DisableReason::Manual,
        at(1),
    );
    assert_eq!(kinds(&by_hand), ["registration.disabled"]);
    assert!(by_hand.health[0].1.owes_recovery);
}

#[test]
fn unwatched_registrations_are_left_alone() {
    let batch: Vec<_> = (0..5)
        .map(|n| rec("wh_other", n, NextStep::Failed))
        .collect();
    let plan = plan_alerts(
        &batch,
        &[watched("wh_a", AlertHealth::default())],
        &[],
        at(9),
    );
    assert_eq!(plan, AlertPlan::default());
}

#[test]
fn the_rate_limit_spaces_each_kind_and_caps_the_account() {
    let limits = AlertLimits {
        min_interval: Duration::from_secs(60),
        per_account_per_minute: 2,
    };
    assert!(admits(None, 0, at(0), &limits));
    assert!(!admits(Some(at(0)), 0, at(59_999), &limits));
    assert!(admits(Some(at(0)), 0, at(60_000), &limits));
    assert!(admits(None, 1, at(0), &limits));
    assert!(!admits(None, 2, at(0), &limits), "the account's cap");
}
