use super::*;
use crate::clock;
use crate::model::Attempt;

fn at(ms: i64) -> Timestamp {
    clock::parse("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::milliseconds(ms)
}

fn rec(webhook: &str, ms: i64, next: NextStep) -> AttemptRecord {
    AttemptRecord {
        delivery_id: format!("del_{webhook}_{ms}"),
        lease: 1,
        webhook_id: webhook.into(),
        attempt: Attempt {
            attempted_at: at(ms),
            status_code: None,
            duration_ms: 1,
            error: None,
            response_body: String::new(),
        },
        next,
        disable_if_failing_since: at(ms - 100),
        ordered: false,
    }
}

#[test]
fn an_attempt_sets_the_status_and_the_next_try() {
    assert_eq!(
        delivery_after(NextStep::Succeeded),
        (DeliveryStatus::Success, None)
    );
    assert_eq!(
        delivery_after(NextStep::RetryAt(at(5))),
        (DeliveryStatus::Pending, Some(at(5)))
    );
    assert_eq!(
        delivery_after(NextStep::Gone),
        (DeliveryStatus::Failed, None)
    );
    assert_eq!(
        delivery_after(NextStep::Failed),
        (DeliveryStatus::Failed, None)
    );
}

#[test]
fn health_is_decided_once_per_registration_from_its_earliest_failure() {
    let records = [
        rec("wh_b", 30, NextStep::Failed),
        rec("wh_a", 20, NextStep::RetryAt(at(99))),
        rec("wh_b", 10, NextStep::RetryAt(at(99))),
        rec("wh_c", 5, NextStep::Gone),
        rec("wh_c", 6, NextStep::Gone),
        rec("wh_d", 1, NextStep::Succeeded),
        rec("wh_a", 2, NextStep::Succeeded),
    ];
    let plan = plan_health(&records);
    let failing: Vec<_> = plan
        .failing
        .iter()
        .map(|f| (f.webhook_id, f.since))
        .collect();
    assert_eq!(failing, [("wh_b", at(10)), ("wh_a", at(20))]);
    assert_eq!(
        plan.failing[0].disable_if_failing_since,
        at(-90),
        "the threshold of the earliest failure"
    );
    assert_eq!(plan.gone, ["wh_c"]);
    assert_eq!(plan.healthy, ["wh_a", "wh_d"]);
    assert!(plan.wake, "a retry was scheduled");
    let done = [
        rec("wh_a", 1, NextStep::Succeeded),
        rec("wh_b", 1, NextStep::Failed),
    ];
    assert!(!plan_health(&done).wake);
}

#[test]
fn a_registration_failing_since_before_the_threshold_is_disabled() {
    let records = [rec("wh_a", 1_000, NextStep::Failed)];
    let plan = plan_health(&records);
    let failing = &plan.failing[0];
    assert!(
        !disables_failing(Some(at(1_000)), failing),
        "failing since now"
    );
    assert!(
        !disables_failing(Some(at(900)), failing),
        "exactly the threshold"
    );
    assert!(disables_failing(Some(at(899)), failing));
    assert!(!disables_failing(None, failing), "deleted meanwhile");
}

#[test]
fn dispatchers_wake_for_deliveries_left_to_a_claim_or_made_due_again() {
    let mut fanout = Fanout {
        count: 2,
        leased: Vec::new(),
    };
    assert!(wakes_after_change(&fanout));
    fanout.count = 0;
    assert!(!wakes_after_change(&fanout));
    assert!(wakes_after_requeue(1));
    assert!(!wakes_after_requeue(0));
}

#[test]
fn replay_matches_as_fan_out_and_needs_the_registration_enabled() {
    use collabkit_webhooks::WebhookEventName;
    let mut webhook = crate::model::Webhook {
        id: "wh_1".into(),
        account_id: "acct_1".into(),
        url: "https://receiver.example/hook".into(),
        events: vec![WebhookEventName::UserCreated, WebhookEventName::UserDeleted],
        room_id: Some("room_1".into()),
        enabled: true,
        secret_sealed: "v1:sealed".into(),
        previous_secret: None,
        created_at: at(0),
        updated_at: at(0),
    };
    let (names, room) = replay_scope(&webhook).unwrap();
    assert_eq!(
        names,
        vec![
            (
                "user.created",
                crate::model::event_code(WebhookEventName::UserCreated)
            ),
            (
                "user.deleted",
                crate::model::event_code(WebhookEventName::UserDeleted)
            ),
        ]
    );
    assert_eq!(room.as_deref(), Some("room_1"));
    webhook.enabled = false;
    assert!(matches!(
        replay_scope(&webhook),
        Err(crate::error::StoreError::Conflict(
            crate::error::Conflict::WebhookDisabled
        ))
    ));
}
