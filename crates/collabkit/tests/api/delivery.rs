//! The delivery engine (§6) against real receivers on loopback.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, id};
use crate::receiver::{Receiver, Reply};

const WAIT: Duration = Duration::from_secs(10);

/// Registers `rx` for `user.created`, creates one user, and waits until that delivery has
/// settled (is no longer pending). Returns the registration and the delivery.
async fn deliver_one(app: &TestApp, rx: &Receiver) -> (Value, Value) {
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;
    let d = app.deliveries(id(&hook)).await.remove(0);
    let d = app
        .delivery_until(id(&hook), id(&d), |d| d["status"] != "pending")
        .await;
    (hook, d)
}

fn ts(v: &Value) -> chrono::DateTime<chrono::Utc> {
    collabkit::clock::parse(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn deliveries_are_signed_per_standard_webhooks_and_sent_byte_for_byte() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let a = app
        .create_webhook(json!({"url": rx.url("/a"), "events": ["user.created"]}))
        .await;
    let b = app
        .create_webhook(json!({"url": rx.url("/b"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    let user = app.create_user(id(&room), "u").await;

    let got = rx.wait_for(2, WAIT).await;
    let event = &app.events().await[0];
    for (hook, path) in [(&a, "/a"), (&b, "/b")] {
        let req = got
            .iter()
            .find(|r| r.path == path)
            .expect("each registration gets it");
        // An independent Standard Webhooks verifier accepts it.
        standardwebhooks::Webhook::new(hook["secret"].as_str().unwrap())
            .unwrap()
            .verify(&req.body, &req.headers)
            .expect("valid signature");
        assert_eq!(req.header("content-type"), "application/json");
        assert!(req.header("user-agent").starts_with("CollabKit-Webhooks/"));
        assert_eq!(
            req.header("webhook-id"),
            event["id"],
            "webhook-id is the event id everywhere"
        );
        let now = chrono::Utc::now().timestamp();
        let sent: i64 = req.header("webhook-timestamp").parse().unwrap();
        assert!((now - sent).abs() < 30);

        let deliveries = app.deliveries(id(hook)).await;
        assert_eq!(deliveries.len(), 1);
        let d = app
            .delivery_until(id(hook), id(&deliveries[0]), |d| d["status"] == "success")
            .await;
        assert_eq!(
            d["payload"].as_str().unwrap().as_bytes(),
            &req.body[..],
            "byte for byte"
        );
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["status_code"], 200);
        assert_eq!(d["event"], "user.created");
        assert!(d["next_retry_at"].is_null());
        assert!(d["last_attempt_at"].as_str().unwrap().ends_with('Z'));
        let mut fields: Vec<_> = d.as_object().unwrap().keys().cloned().collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "attempts",
                "created_at",
                "event",
                "id",
                "last_attempt_at",
                "next_retry_at",
                "payload",
                "status",
                "status_code",
                "webhook_id"
            ],
            "exactly WebhookDelivery"
        );
        let payload: collabkit_webhooks::WebhookPayload =
            serde_json::from_slice(&req.body).unwrap();
        match payload {
            collabkit_webhooks::WebhookPayload::UserCreated { user: u, .. } => {
                assert_eq!(u.id, id(&user))
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn registrations_receive_only_matching_events() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let room_a = app.create_room("a").await;
    let room_b = app.create_room("b").await;
    let all = app
        .create_webhook(json!({"url": rx.url("/all"), "events": ["user.created", "user.deleted"]}))
        .await;
    let only_a = app
        .create_webhook(
            json!({"url": rx.url("/a"), "events": ["user.created"], "room_id": id(&room_a)}),
        )
        .await;
    let deleted = app
        .create_webhook(json!({"url": rx.url("/deleted"), "events": ["user.deleted"]}))
        .await;
    let off = app
        .create_webhook(
            json!({"url": rx.url("/off"), "events": ["user.created"], "enabled": false}),
        )
        .await;

    app.create_user(id(&room_b), "u1").await;
    let u2 = app.create_user(id(&room_a), "u2").await;
    app.delete(&format!("/users/{}", id(&u2))).await;

    let count = |hook: Value| {
        let app = &app;
        async move { app.deliveries(id(&hook)).await.len() }
    };
    assert_eq!(count(all.clone()).await, 3);
    assert_eq!(count(only_a).await, 1);
    assert_eq!(count(deleted).await, 1);
    assert_eq!(count(off).await, 0);
    rx.wait_for(5, WAIT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.received().iter().all(|r| r.path != "/off"));
    assert_eq!(rx.received().len(), 5);
}

#[tokio::test]
async fn failures_retry_on_schedule_then_fail_and_manual_retry_succeeds() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.retry_schedule = "100ms,200ms".parse().unwrap();
    })
    .await;
    let rx = Receiver::start_with(vec![Reply::Body(500, 5000)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;

    let got = rx.wait_for(3, WAIT).await;
    let d = app.deliveries(id(&hook)).await.remove(0);
    let d = app
        .delivery_until(id(&hook), id(&d), |d| d["status"] != "pending")
        .await;
    assert_eq!(
        d["status"], "failed",
        "a schedule of 2 delays means 3 attempts"
    );
    assert_eq!(d["attempts"], 3);
    assert_eq!(d["status_code"], 500);
    assert!(d["next_retry_at"].is_null());
    let gaps: Vec<_> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(80), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(160), "{gaps:?}");
    let same_id = got
        .iter()
        .all(|r| r.header("webhook-id") == got[0].header("webhook-id"));
    assert!(same_id, "webhook-id is stable across attempts");

    let attempts = app.attempts(id(&hook), id(&d)).await;
    assert_eq!(attempts.len(), 3);
    for a in &attempts {
        assert_eq!(a["status_code"], 500);
        assert_eq!(
            a["response_body"].as_str().unwrap().len(),
            1024,
            "cut to 1 KiB"
        );
        assert!(a["error"].is_null());
        assert!(a["duration_ms"].is_u64());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.received().len(), 3, "no attempt after failed");

    rx.set_script(vec![Reply::Status(204)]);
    let (status, body) = app
        .post(
            &format!("/webhooks/{}/deliveries/{}/retry", id(&hook), id(&d)),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["data"]["delivery"]["status"], "pending");
    let d = app
        .delivery_until(id(&hook), id(&d), |d| d["status"] == "success")
        .await;
    assert_eq!(d["attempts"], 4, "attempts count manual retries");
    assert_eq!(d["status_code"], 204);

    // A successful delivery can be retried too.
    app.post(
        &format!("/webhooks/{}/deliveries/{}/retry", id(&hook), id(&d)),
        json!({}),
    )
    .await;
    let d = app
        .delivery_until(id(&hook), id(&d), |d| d["attempts"] == 5)
        .await;
    assert_eq!(d["status"], "success");
    assert_eq!(rx.received().len(), 5);
}

#[tokio::test]
async fn retry_after_is_honoured_within_the_schedule() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.retry_schedule = "100ms,5s".parse().unwrap();
    })
    .await;
    let rx = Receiver::start_with(vec![Reply::RetryAfter(429, 1), Reply::Status(200)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;
    rx.wait_for(1, WAIT).await;
    let d = app.deliveries(id(&hook)).await.remove(0);
    let d = app
        .delivery_until(id(&hook), id(&d), |d| {
            d["attempts"] == 1 && !d["next_retry_at"].is_null()
        })
        .await;
    assert_eq!(d["status"], "pending");
    assert_eq!(d["status_code"], 429);
    let wait = ts(&d["next_retry_at"]) - ts(&d["last_attempt_at"]);
    assert!(
        wait >= chrono::Duration::milliseconds(950) && wait <= chrono::Duration::milliseconds(1500),
        "Retry-After: 1 instead of ~100ms: {wait:?}"
    );
    let got = rx.wait_for(2, WAIT).await;
    assert!(got[1].at - got[0].at >= Duration::from_millis(900));
    app.delivery_until(id(&hook), id(&d), |d| d["status"] == "success")
        .await;
}

#[tokio::test]
async fn gone_disables_the_registration() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start_with(vec![Reply::Status(410)]).await;
    let (hook, d) = deliver_one(&app, &rx).await;
    assert_eq!(d["status"], "failed");
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["status_code"], 410);
    let (_, got) = app.get(&format!("/webhooks/{}", id(&hook))).await;
    assert_eq!(got["data"]["webhook"]["enabled"], false);
    let room = app.create_room("later").await;
    app.create_user(id(&room), "v").await;
    assert_eq!(
        app.deliveries(id(&hook)).await.len(),
        1,
        "a disabled registration gets nothing"
    );
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.timeout = Duration::from_millis(300);
        c.delivery.retry_schedule = "".parse().unwrap();
    })
    .await;
    let rx = Receiver::start_with(vec![Reply::Hang]).await;
    let (hook, d) = deliver_one(&app, &rx).await;
    assert_eq!(d["status"], "failed");
    assert!(d["status_code"].is_null());
    let attempt = app.attempts(id(&hook), id(&d)).await.remove(0);
    assert!(
        attempt["error"].as_str().unwrap().contains("timed out"),
        "{attempt}"
    );
    assert!(attempt["duration_ms"].as_u64().unwrap() >= 290);
    assert!(attempt["status_code"].is_null());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app =
        TestApp::spawn_for_delivery(|c| c.delivery.retry_schedule = "".parse().unwrap()).await;
    let rx = Receiver::start_with(vec![Reply::Status(302)]).await;
    let (_, d) = deliver_one(&app, &rx).await;
    assert_eq!(d["status"], "failed");
    assert_eq!(d["status_code"], 302);
    assert_eq!(rx.received().len(), 1);
}

#[tokio::test]
async fn private_destinations_are_refused_at_delivery_time() {
    if !crate::helpers::on_sqlite() {
        return;
    }
    // The registration is written straight to the store, as if the name had resolved publicly
    // when it was registered: the check on every attempt must still refuse it.
    let app = TestApp::spawn_with(|c| c.delivery.retry_schedule = "".parse().unwrap()).await;
    let rx = Receiver::start().await;
    let port = rx.base.rsplit(':').next().unwrap();
    let key_file = TestApp::db_path(&app.dir).with_extension("db.key");
    let sealer = collabkit::secrets::SecretBox::load_or_create(&key_file).unwrap();
    let mut hooks = vec![];
    for url in [rx.url("/literal"), format!("http://localhost:{port}/name")] {
        let hook = app
            .store
            .create_webhook(
                &app.account_id,
                collabkit::store::NewWebhook {
                    url,
                    events: vec![collabkit_webhooks::WebhookEventName::UserCreated],
                    room_id: None,
                    enabled: true,
                    secret_sealed: sealer.seal(&collabkit::secrets::new_webhook_secret()),
                },
            )
            .await
            .unwrap();
        hooks.push(hook.id);
    }
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;
    for hook in &hooks {
        let d = app.deliveries(hook).await.remove(0);
        let d = app
            .delivery_until(hook, id(&d), |d| d["status"] != "pending")
            .await;
        assert_eq!(d["status"], "failed");
        let attempt = app.attempts(hook, id(&d)).await.remove(0);
        let error = attempt["error"].as_str().unwrap();
        assert!(
            error.contains("destination refused") && error.contains("private"),
            "{error}"
        );
    }
    assert!(
        rx.received().is_empty(),
        "nothing reached the private receiver"
    );
}

#[tokio::test]
async fn rotation_signs_with_both_secrets_for_a_while() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let old = hook["secret"].as_str().unwrap().to_string();
    let (_, rotated) = app
        .post(&format!("/webhooks/{}/rotate-secret", id(&hook)), json!({}))
        .await;
    let new = rotated["data"]["webhook"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;
    let req = rx.wait_for(1, WAIT).await.remove(0);
    assert_eq!(req.header("webhook-signature").split(' ').count(), 2);
    for secret in [&old, &new] {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&req.body, &req.headers)
            .expect("each secret verifies during the overlap");
    }
}

#[tokio::test]
async fn recover_reattempts_what_failed_while_the_receiver_was_down() {
    let app =
        TestApp::spawn_for_delivery(|c| c.delivery.retry_schedule = "".parse().unwrap()).await;
    let rx = Receiver::start_with(vec![Reply::Status(503)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    for i in 0..3 {
        app.create_user(id(&room), &format!("u{i}")).await;
    }
    rx.wait_for(3, WAIT).await;
    for d in app.deliveries(id(&hook)).await {
        app.delivery_until(id(&hook), id(&d), |d| d["status"] == "failed")
            .await;
    }
    rx.set_script(vec![Reply::Status(200)]);
    let (status, body) = app
        .post(
            &format!("/webhooks/{}/recover", id(&hook)),
            json!({"since": before.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["data"]["scheduled"], 3);
    rx.wait_for(6, WAIT).await;
    for d in app.deliveries(id(&hook)).await {
        let d = app
            .delivery_until(id(&hook), id(&d), |d| d["status"] == "success")
            .await;
        assert_eq!(d["attempts"], 2);
    }
    let (status, body) = app
        .post(
            &format!("/webhooks/{}/recover", id(&hook)),
            json!({"since": "yesterday"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("since"));
}

#[tokio::test]
async fn a_registration_failing_for_too_long_is_disabled() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.retry_schedule = "300ms,300ms,300ms".parse().unwrap();
        c.delivery.disable_after = Duration::from_millis(500);
    })
    .await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let (hook, d) = deliver_one(&app, &rx).await;
    assert_eq!(d["status"], "failed");
    assert!(
        d["attempts"].as_u64().unwrap() < 4,
        "disabled before the schedule ran out: {d}"
    );
    let (_, got) = app.get(&format!("/webhooks/{}", id(&hook))).await;
    assert_eq!(got["data"]["webhook"]["enabled"], false);
}

#[tokio::test]
async fn delivery_log_filters_and_pages_newest_first() {
    let app =
        TestApp::spawn_for_delivery(|c| c.delivery.retry_schedule = "".parse().unwrap()).await;
    let rx = Receiver::start().await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created", "user.deleted"]}))
        .await;
    let room = app.create_room("r").await;
    let mut users = vec![];
    for i in 0..3 {
        users.push(app.create_user(id(&room), &format!("u{i}")).await);
    }
    app.delete(&format!("/users/{}", id(&users[0]))).await;
    rx.wait_for(4, WAIT).await;

    let all = app.deliveries(id(&hook)).await;
    assert_eq!(all.len(), 4);
    assert_eq!(all[0]["event"], "user.deleted", "newest first");
    let (_, created) = app
        .get(&format!(
            "/webhooks/{}/deliveries?event=user.created&limit=2",
            id(&hook)
        ))
        .await;
    let page1 = created["data"]["deliveries"].as_array().unwrap();
    assert_eq!(page1.len(), 2);
    let cursor = created["data"]["next_cursor"].as_str().unwrap();
    let (_, next) = app
        .get(&format!(
            "/webhooks/{}/deliveries?event=user.created&limit=2&cursor={cursor}",
            id(&hook)
        ))
        .await;
    assert_eq!(next["data"]["deliveries"].as_array().unwrap().len(), 1);
    assert!(next["data"]["next_cursor"].is_null());

    for d in &all {
        app.delivery_until(id(&hook), id(d), |d| d["status"] == "success")
            .await;
    }
    let (_, ok) = app
        .get(&format!(
            "/webhooks/{}/deliveries?status=success",
            id(&hook)
        ))
        .await;
    assert_eq!(ok["data"]["deliveries"].as_array().unwrap().len(), 4);
    let (_, none) = app
        .get(&format!("/webhooks/{}/deliveries?status=failed", id(&hook)))
        .await;
    assert!(none["data"]["deliveries"].as_array().unwrap().is_empty());
    let (status, _) = app
        .get(&format!("/webhooks/{}/deliveries?status=lost", id(&hook)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .get(&format!("/webhooks/{}/deliveries/dlv_nope", id(&hook)))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delivery_metrics_are_exported() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    app.create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;
    rx.wait_for(1, WAIT).await;
    let text = eventually(WAIT, "one successful attempt in the metrics", || async {
        let text = app.metrics_text().await;
        if text.contains(r#"collabkit_delivery_attempts_total{outcome="success"} 1"#) {
            Ok(text)
        } else {
            Err(text)
        }
    })
    .await;
    assert!(text.contains("collabkit_delivery_attempt_duration_seconds_bucket"));
    assert!(text.contains("collabkit_delivery_queue_due "));
    assert!(text.contains("collabkit_delivery_queue_scheduled "));
    assert!(text.contains("collabkit_delivery_queue_oldest_due_age_seconds "));
    assert!(text.contains(r#"collabkit_events_stored_total{event="user.created"} 1"#));
}

/// Fresh deliveries are handed to the dispatcher with their lease: an attempt finishing must
/// not send it back to the queue for a claim (and a read of the next due time) when nothing is
/// due. It did once, a claim per delivery: two round trips each on PostgreSQL.
#[tokio::test]
async fn handed_over_deliveries_cost_no_claims() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    app.create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    let before =
        crate::helpers::metric(&app.metrics_text().await, "collabkit_delivery_claims_total")
            .expect("the claims counter is exported");
    for i in 0..40 {
        app.create_user(id(&room), &format!("u{i}")).await;
    }
    rx.wait_for(40, WAIT).await;
    eventually(WAIT, "40 successful attempts in the metrics", || async {
        let text = app.metrics_text().await;
        crate::helpers::ok_if(text.clone(), |t| {
            t.contains(r#"collabkit_delivery_attempts_total{outcome="success"} 40"#)
        })
    })
    .await;
    let after =
        crate::helpers::metric(&app.metrics_text().await, "collabkit_delivery_claims_total")
            .unwrap();
    // A wake-up or two may claim (a timer, the start); one per delivery would be 40.
    assert!(
        after - before <= 5.0,
        "{} claims for 40 handed-over deliveries",
        after - before
    );
}

#[tokio::test]
async fn a_dead_receiver_does_not_hold_back_the_others() {
    let app = TestApp::spawn_for_delivery(|c| {
        // Long enough that no attempt to the dead receiver times out (and retries) during the test.
        c.delivery.timeout = Duration::from_secs(30);
        c.delivery.concurrency = 8;
        c.delivery.per_webhook_concurrency = 2;
    })
    .await;
    let slow = Receiver::start_with(vec![Reply::Hang]).await;
    let fast = Receiver::start().await;
    app.create_webhook(json!({"url": slow.url("/"), "events": ["user.created"]}))
        .await;
    app.create_webhook(json!({"url": fast.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    for i in 0..20 {
        app.create_user(id(&room), &format!("u{i}")).await;
    }
    // All 20 reach the healthy receiver while the dead one holds its two attempts.
    fast.wait_for(20, Duration::from_secs(10)).await;
    assert_eq!(
        slow.received().len(),
        2,
        "at most its share is in flight to the dead receiver"
    );
}

#[tokio::test]
async fn retention_prunes_finished_deliveries_in_the_background() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.retention = Duration::from_secs(2);
        c.delivery.prune_interval = Duration::from_millis(100);
    })
    .await;
    let rx = Receiver::start().await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    app.create_user(id(&room), "u").await;
    rx.wait_for(1, WAIT).await;
    assert_eq!(app.deliveries(id(&hook)).await.len(), 1);
    eventually(WAIT, "the old delivery pruned", || async {
        let left = app.deliveries(id(&hook)).await;
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("{left:?}"))
        }
    })
    .await;
    assert!(
        app.events().await.is_empty(),
        "the event went with its last delivery"
    );
}

/// A graceful stop gives back the leases of the attempts it abandons: after a restart they are
/// delivered at once, not when their lease (delivery timeout + margin, 25 s here) runs out.
#[tokio::test]
async fn a_graceful_stop_gives_back_unfinished_deliveries() {
    let tune = |c: &mut collabkit::config::Config| {
        c.delivery.allow_private_destinations = true;
        c.delivery.timeout = Duration::from_secs(20);
        c.shutdown_timeout = Duration::from_millis(300);
    };
    let app = TestApp::spawn_with(tune).await;
    let rx = Receiver::start_with(vec![Reply::Hang]).await;
    app.create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    for i in 0..5 {
        app.create_user(room["id"].as_str().unwrap(), &format!("u{i}"))
            .await;
    }
    rx.wait_for(5, Duration::from_secs(10)).await;
    let creds = Some((app.account_id.clone(), app.api_key.clone()));
    let dir = app.stop().await;

    rx.set_script(vec![Reply::Status(200)]);
    let _app = TestApp::spawn_in_with(dir, creds, tune).await;
    let got = rx.wait_for(10, Duration::from_secs(8)).await;
    assert_eq!(
        got.len(),
        10,
        "the five abandoned deliveries came again at once"
    );
}

#[tokio::test]
async fn replay_queues_what_a_disabled_registration_never_got_once() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let path = format!("/webhooks/{}", id(&hook));
    let (status, _) = app.patch(&path, json!({"enabled": false})).await;
    assert_eq!(status, StatusCode::OK);
    let room = app.create_room("r").await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let mut users = Vec::new();
    for i in 0..3 {
        users.push(id(&app.create_user(id(&room), &format!("u{i}")).await).to_owned());
    }
    assert!(app.deliveries(id(&hook)).await.is_empty());

    // Disabled: refused, nothing queued.
    let replay = format!("{path}/replay");
    let (status, body) = app
        .post(&replay, json!({"since": before.to_rfc3339()}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("disabled")
    );

    let (status, _) = app.patch(&path, json!({"enabled": true})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(&replay, json!({"since": before.to_rfc3339()}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["data"]["queued"], 3);
    assert_eq!(body["data"]["more"], false);
    rx.wait_for(3, WAIT).await;
    let (status, body) = app
        .post(&replay, json!({"since": before.to_rfc3339()}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["data"]["queued"], 0, "a second replay queues nothing");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = rx.received();
    assert_eq!(received.len(), 3, "each event once");
    for user in &users {
        let n = received
            .iter()
            .filter(|r| String::from_utf8_lossy(&r.body).contains(user.as_str()))
            .count();
        assert_eq!(n, 1, "{user} delivered once");
    }

    let (status, _) = app.post(&replay, json!({"since": "yesterday"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .post(
            "/webhooks/wh_nope/replay",
            json!({"since": before.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
