//! Delivery alerts (issue 25, item 2): the account's alert destination receives each kind,
//! signed with its own secret and never through the failing registration's receiver; the
//! rate limit suppresses (and counts) a second streak; a dead destination is retried and
//! logged; bad input is 400; another account sees nothing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, id, metric, ok_if};
use crate::receiver::{Received, Receiver, Reply};

const WAIT: Duration = Duration::from_secs(15);

/// A server for alert tests: loopback receivers, fast deliveries, a sender that looks for due
/// alerts every 20 ms and retries them fast, and the rate limit at `min_interval`.
async fn spawn(
    min_interval: Duration,
    tune: impl FnOnce(&mut collabkit::config::Config),
) -> TestApp {
    TestApp::spawn_for_delivery(|c| {
        c.alerts.poll = Duration::from_millis(20);
        c.alerts.retry_schedule = "50ms,50ms".parse().unwrap();
        c.alerts.min_interval = min_interval;
        tune(c)
    })
    .await
}

/// Sets the destination; returns its secret.
async fn set_destination(app: &TestApp, url: &str, threshold: u32) -> String {
    let (status, body) = app
        .put(
            "/alerts/destination",
            json!({"url": url, "failureThreshold": threshold}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret = body["data"]["destination"]["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    secret.to_owned()
}

fn event_of(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// The alerts of `kind` about `webhook` the destination got, each checked: signed with
/// `secret` (an independent Standard Webhooks verifier), `webhook-id` its id.
fn alerts_of(got: &[Received], kind: &str, secret: &str, webhook: &str) -> Vec<Value> {
    got.iter()
        .filter(|r| event_of(r)["event"] == kind && event_of(r)["webhook_id"] == webhook)
        .map(|r| {
            standardwebhooks::Webhook::new(secret)
                .unwrap()
                .verify(&r.body, &r.headers)
                .expect("signed with the destination's secret");
            let e = event_of(r);
            assert_eq!(r.header("webhook-id"), e["id"], "{e}");
            assert!(e["organization_id"].is_string(), "{e}");
            e
        })
        .collect()
}

async fn wait_for_kind(arx: &Receiver, kind: &str, webhook: &str, n: usize) -> Vec<Received> {
    arx.wait_until(WAIT, &format!("{n} × {kind} about {webhook}"), |got| {
        let seen = got
            .iter()
            .filter(|r| event_of(r)["event"] == kind && event_of(r)["webhook_id"] == webhook)
            .count();
        if seen >= n {
            Ok(got.to_vec())
        } else {
            Err(format!("{seen}"))
        }
    })
    .await
}

/// Nothing the failing receivers got is an alert.
fn no_alerts_through(rx: &Receiver) {
    for r in rx.received() {
        let e = event_of(&r);
        let name = e["event"].as_str().unwrap_or("");
        assert!(
            !name.starts_with("registration.") && name != "delivery.exhausted",
            "an alert went to a registration's receiver: {e}"
        );
    }
}

async fn new_user(app: &TestApp, room: &Value, n: usize) {
    app.create_user(id(room), &format!("u{n}")).await;
}

#[tokio::test]
async fn each_kind_reaches_the_destination_signed_and_never_the_failing_receiver() {
    let app = spawn(Duration::ZERO, |_| {}).await;
    let arx = Receiver::start().await;
    let secret = set_destination(&app, &arx.url("/alerts"), 2).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let wh = id(&hook).to_owned();
    let room = app.create_room("r").await;

    // 3 failed attempts (schedule 100ms,100ms): failing at the 2nd, exhausted at the 3rd.
    new_user(&app, &room, 1).await;
    let got = wait_for_kind(&arx, "delivery.exhausted", &wh, 1).await;
    let failing = alerts_of(&got, "registration.failing", &secret, &wh);
    assert_eq!(failing.len(), 1, "once per streak: {failing:?}");
    assert_eq!(failing[0]["consecutive_failures"], 2);
    assert_eq!(failing[0]["failure_threshold"], 2);
    assert_eq!(failing[0]["status_code"], 500);
    assert_eq!(failing[0]["url"], rx.url("/hook"));
    let exhausted = alerts_of(&got, "delivery.exhausted", &secret, &wh);
    let delivery = &app.deliveries(&wh).await[0];
    assert_eq!(exhausted[0]["delivery_id"], delivery["id"]);
    assert_eq!(delivery["status"], "failed");

    // The receiver is back: the next success is `registration.recovered`.
    rx.set_script(vec![Reply::Status(200)]);
    new_user(&app, &room, 2).await;
    let got = wait_for_kind(&arx, "registration.recovered", &wh, 1).await;
    assert_eq!(
        alerts_of(&got, "registration.recovered", &secret, &wh).len(),
        1
    );

    // Disabled by hand.
    let (status, body) = app
        .patch(&format!("/webhooks/{wh}"), json!({"enabled": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = wait_for_kind(&arx, "registration.disabled", &wh, 1).await;
    let disabled = alerts_of(&got, "registration.disabled", &secret, &wh);
    assert_eq!(disabled[0]["reason"], "manual");

    // 410 Gone.
    let gone_rx = Receiver::start_with(vec![Reply::Status(410)]).await;
    let gone = app
        .create_webhook(json!({"url": gone_rx.url("/gone"), "events": ["user.created"]}))
        .await;
    new_user(&app, &room, 3).await;
    let got = wait_for_kind(&arx, "registration.disabled", id(&gone), 1).await;
    let disabled = alerts_of(&got, "registration.disabled", &secret, id(&gone));
    assert_eq!(disabled[0]["reason"], "gone");

    // Every alert went to the destination's path, none to a registration's receiver.
    assert!(arx.received().iter().all(|r| r.path == "/alerts"));
    no_alerts_through(&rx);
    no_alerts_through(&gone_rx);

    // The log has them, newest first, each sent once (recorded just after it arrived).
    let body = eventually(WAIT, "every alert recorded as sent", || async {
        let (status, body) = app.get("/alerts").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ok_if(body, |b| {
            b["data"]["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["status"] == "success")
        })
    })
    .await;
    let log = body["data"]["alerts"].as_array().unwrap();
    assert_eq!(body["data"]["total"], log.len(), "{body}");
    let kinds: Vec<_> = log.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "registration.disabled",
            "registration.disabled",
            "registration.recovered",
            "delivery.exhausted",
            "registration.failing"
        ],
        "{body}"
    );
    for a in log {
        assert_eq!(a["status"], "success", "{a}");
        assert_eq!(a["attempts"], 1, "{a}");
        assert_eq!(a["status_code"], 200, "{a}");
        assert!(a["created_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn auto_disable_is_alerted_and_enabling_again_recovers() {
    let app = spawn(Duration::ZERO, |c| {
        c.delivery.retry_schedule = "100ms,100ms,100ms,100ms".parse().unwrap();
        c.delivery.disable_after = Duration::from_millis(150);
    })
    .await;
    let arx = Receiver::start().await;
    let secret = set_destination(&app, &arx.url("/alerts"), 100).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let wh = id(&hook).to_owned();
    let room = app.create_room("r").await;
    new_user(&app, &room, 1).await;
    let got = wait_for_kind(&arx, "registration.disabled", &wh, 1).await;
    assert_eq!(
        alerts_of(&got, "registration.disabled", &secret, &wh)[0]["reason"],
        "auto"
    );
    assert!(
        alerts_of(&got, "registration.failing", &secret, &wh).is_empty(),
        "below the threshold"
    );

    rx.set_script(vec![Reply::Status(200)]);
    let (status, _) = app
        .patch(&format!("/webhooks/{wh}"), json!({"enabled": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    new_user(&app, &room, 2).await;
    let got = wait_for_kind(&arx, "registration.recovered", &wh, 1).await;
    assert_eq!(
        alerts_of(&got, "registration.recovered", &secret, &wh).len(),
        1
    );
    no_alerts_through(&rx);
}

#[tokio::test]
async fn a_second_failing_streak_inside_the_interval_is_suppressed_and_counted() {
    let app = spawn(Duration::from_secs(3600), |c| {
        c.delivery.retry_schedule = "1s,1s,1s,1s".parse().unwrap();
    })
    .await;
    let arx = Receiver::start().await;
    let secret = set_destination(&app, &arx.url("/alerts"), 1).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let wh = id(&hook).to_owned();
    let room = app.create_room("r").await;

    // Streak 1: failing (sent), then the retry succeeds: recovered (sent, another kind).
    new_user(&app, &room, 1).await;
    wait_for_kind(&arx, "registration.failing", &wh, 1).await;
    rx.set_script(vec![Reply::Status(200)]);
    wait_for_kind(&arx, "registration.recovered", &wh, 1).await;

    // Streak 2, inside the interval: its failing alert is suppressed, in the log, not sent.
    rx.set_script(vec![Reply::Status(500)]);
    new_user(&app, &room, 2).await;
    let suppressed = eventually(WAIT, "a suppressed alert in the log", || async {
        let (status, body) = app.get("/alerts?status=suppressed").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // The list and its total are two reads: wait for both.
        ok_if(body, |b| {
            b["data"]["total"] == 1 && b["data"]["alerts"].as_array().is_some_and(|a| a.len() == 1)
        })
    })
    .await;
    let a = &suppressed["data"]["alerts"][0];
    assert_eq!(a["kind"], "registration.failing", "{a}");
    assert_eq!(a["webhook_id"], wh.as_str());
    assert_eq!(a["attempts"], 0, "never sent: {a}");
    let failing = alerts_of(&arx.received(), "registration.failing", &secret, &wh);
    assert_eq!(failing.len(), 1, "the second streak sent nothing");
    let (_, all) = app.get("/alerts?kind=registration.failing").await;
    assert_eq!(all["data"]["total"], 2, "{all}");
    let text = app.metrics_text().await;
    assert_eq!(
        metric(&text, "collabkit_alerts_suppressed_total"),
        Some(1.0)
    );
    no_alerts_through(&rx);
}

#[tokio::test]
async fn a_dead_destination_is_retried_and_logged() {
    let app = spawn(Duration::ZERO, |_| {}).await;
    let dead = Receiver::start_with(vec![Reply::Status(503)]).await;
    set_destination(&app, &dead.url("/alerts"), 1).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let wh = id(&hook).to_owned();
    let room = app.create_room("r").await;
    new_user(&app, &room, 1).await;
    // Schedule 50ms,50ms: 3 attempts, then failed.
    let body = eventually(WAIT, "the failing alert ends failed", || async {
        let (status, body) = app
            .get(&format!(
                "/alerts?kind=registration.failing&webhook_id={wh}"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ok_if(body, |b| b["data"]["alerts"][0]["status"] == "failed")
    })
    .await;
    let alert = &body["data"]["alerts"][0];
    assert_eq!(alert["attempts"], 3, "{alert}");
    assert_eq!(alert["status_code"], 503, "{alert}");
    assert!(alert["next_retry_at"].is_null(), "{alert}");
    let (status, attempts) = app
        .get(&format!(
            "/alerts/{}/attempts",
            alert["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{attempts}");
    let attempts = attempts["data"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| a["status_code"] == 503));
    let tries: Vec<_> = dead
        .received()
        .into_iter()
        .filter(|r| r.header("webhook-id") == alert["id"])
        .collect();
    assert_eq!(tries.len(), 3, "each attempt reached it, with the same id");
    let text = app.metrics_text().await;
    let attempts = |outcome: &str| {
        metric(
            &text,
            &format!("collabkit_alert_attempts_total{{outcome=\"{outcome}\"}}"),
        )
    };
    // At least this alert's (the delivery's exhausted alert may be on its way too).
    assert!(attempts("retry") >= Some(2.0), "{text}");
    assert!(attempts("failed") >= Some(1.0), "{text}");
    no_alerts_through(&rx);
}

#[tokio::test]
async fn bad_input_is_400_naming_the_field_and_changes_nothing() {
    // Private destinations refused, as for registrations.
    let app = TestApp::spawn().await;
    let path = "/alerts/destination";
    let (status, _) = app.get(path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "none set yet");
    for (body, named) in [
        (json!({}), "`url`"),
        (json!({"url": 5}), "`url`"),
        (json!({"url": "ftp://example.com/x"}), "`url`"),
        (json!({"url": "/relative"}), "`url`"),
        (json!({"url": "http://127.0.0.1:9/x"}), "`url`"),
        (
            json!({"url": "https://1.1.1.1/a", "failureThreshold": 0}),
            "`failureThreshold`",
        ),
        (
            json!({"url": "https://1.1.1.1/a", "failureThreshold": "5"}),
            "`failureThreshold`",
        ),
        (
            json!({"url": "https://1.1.1.1/a", "failureThreshold": 10001}),
            "`failureThreshold`",
        ),
        (
            json!({"url": "https://1.1.1.1/a", "failureThreshold": 2.5}),
            "`failureThreshold`",
        ),
    ] {
        let (status, resp) = app.put(path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {resp}");
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(named),
            "{body}: {message:?} should name {named}"
        );
    }
    let (status, resp) = app
        .put(path, json!({"url": "https://1.1.1.1/a", "secret": "mine"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown fields: {resp}");
    let (status, _) = app.get(path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was created");

    // Set, then a refused change leaves it as it was; a good one keeps the secret hidden.
    let (status, created) = app.put(path, json!({"url": "https://1.1.1.1/a"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["data"]["destination"]["failure_threshold"], 5,
        "the default"
    );
    let (status, _) = app
        .put(
            path,
            json!({"url": "https://8.8.8.8/b", "failureThreshold": -1}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, got) = app.get(path).await;
    assert_eq!(got["data"]["destination"]["url"], "https://1.1.1.1/a");
    assert!(got["data"]["destination"].get("secret").is_none(), "{got}");
    let (status, replaced) = app
        .put(
            path,
            json!({"url": "https://8.8.8.8/b", "failureThreshold": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert!(replaced["data"]["destination"].get("secret").is_none());
    assert_eq!(replaced["data"]["destination"]["failure_threshold"], 3);

    // Rotation shows a new secret once.
    let (status, rotated) = app.post(&format!("{path}/rotate-secret"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["data"]["destination"]["secret"].as_str().unwrap();
    assert!(new.starts_with("whsec_"));
    assert_ne!(
        new,
        created["data"]["destination"]["secret"].as_str().unwrap()
    );

    for query in ["status=nope", "kind=user.created", "limit=0"] {
        let (status, resp) = app.get(&format!("/alerts?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {resp}");
    }
    let (status, _) = app.delete(path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.delete(path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/alerts/alr_nope/attempts").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_account_sees_nothing_of_them() {
    let app = spawn(Duration::ZERO, |_| {}).await;
    let arx = Receiver::start().await;
    set_destination(&app, &arx.url("/alerts"), 1).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    app.create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    new_user(&app, &room, 1).await;
    let body = eventually(WAIT, "an alert in the log", || async {
        let (_, body) = app.get("/alerts").await;
        ok_if(body, |b| {
            b["data"]["alerts"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        })
    })
    .await;
    let alert_id = body["data"]["alerts"][0]["id"].as_str().unwrap().to_owned();

    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let base = format!("{}/v1/accounts/{}", app.base, other.account.id);
    let get = |path: String| {
        app.client
            .get(format!("{base}{path}"))
            .bearer_auth(&bearer)
            .send()
    };
    let resp = get("/alerts/destination".into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = get(format!("/alerts/{alert_id}/attempts")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = get("/alerts".into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let list: Value = resp.json().await.unwrap();
    assert_eq!(list["data"]["total"], 0, "{list}");
    for (method, path) in [
        (reqwest::Method::DELETE, "/alerts/destination"),
        (reqwest::Method::POST, "/alerts/destination/rotate-secret"),
    ] {
        let resp = app
            .client
            .request(method.clone(), format!("{base}{path}"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    // The first account's destination is untouched.
    let (status, _) = app.get("/alerts/destination").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_alert_about_the_registration_at_the_destination_url_is_not_sent_there() {
    let app = spawn(Duration::ZERO, |_| {}).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    // The destination is the very URL of the registration that fails.
    set_destination(&app, &rx.url("/hook"), 1).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    new_user(&app, &room, 1).await;
    let body = eventually(WAIT, "the failing alert ends failed", || async {
        let (_, body) = app.get("/alerts?kind=registration.failing").await;
        ok_if(body, |b| b["data"]["alerts"][0]["status"] == "failed")
    })
    .await;
    let alert = &body["data"]["alerts"][0];
    assert_eq!(alert["webhook_id"], id(&hook));
    assert!(
        alert["error"]
            .as_str()
            .unwrap()
            .contains("never go to the failing receiver"),
        "{alert}"
    );
    no_alerts_through(&rx);
}

#[tokio::test]
async fn after_a_rotation_alerts_are_signed_with_the_new_secret_and_the_old_one() {
    let app = spawn(Duration::ZERO, |_| {}).await;
    let arx = Receiver::start().await;
    let old = set_destination(&app, &arx.url("/alerts"), 1).await;
    let (status, rotated) = app
        .post("/alerts/destination/rotate-secret", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = rotated["data"]["destination"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let room = app.create_room("r").await;
    new_user(&app, &room, 1).await;
    let got = wait_for_kind(&arx, "registration.failing", id(&hook), 1).await;
    // Each secret alone verifies it (an independent verifier), and two signatures are sent.
    assert_eq!(
        alerts_of(&got, "registration.failing", &new, id(&hook)).len(),
        1
    );
    assert_eq!(
        alerts_of(&got, "registration.failing", &old, id(&hook)).len(),
        1
    );
    let r = got
        .iter()
        .find(|r| event_of(r)["event"] == "registration.failing")
        .unwrap();
    assert_eq!(r.header("webhook-signature").split(' ').count(), 2);
    // The registration's own secret signs none of it.
    assert!(
        standardwebhooks::Webhook::new(hook["secret"].as_str().unwrap())
            .unwrap()
            .verify(&r.body, &r.headers)
            .is_err()
    );
}

#[tokio::test]
async fn past_the_accounts_cap_per_minute_alerts_are_suppressed() {
    let app = spawn(Duration::ZERO, |c| c.alerts.per_account_per_minute = 1).await;
    let arx = Receiver::start().await;
    set_destination(&app, &arx.url("/alerts"), 1).await;
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    for path in ["/a", "/b"] {
        app.create_webhook(json!({"url": rx.url(path), "events": ["user.created"]}))
            .await;
    }
    let room = app.create_room("r").await;
    new_user(&app, &room, 1).await;
    // Each registration: failing, then its delivery exhausted — four alerts, one sent.
    let body = eventually(WAIT, "four alerts settled", || async {
        let (_, body) = app.get("/alerts").await;
        ok_if(body, |b| {
            let alerts = b["data"]["alerts"].as_array().unwrap();
            alerts.len() == 4 && alerts.iter().all(|a| a["status"] != "pending")
        })
    })
    .await;
    let alerts = body["data"]["alerts"].as_array().unwrap();
    let sent = alerts.iter().filter(|a| a["status"] == "success").count();
    let held = alerts
        .iter()
        .filter(|a| a["status"] == "suppressed")
        .count();
    assert_eq!((sent, held), (1, 3), "{body}");
    assert_eq!(arx.received().len(), 1);
}
