//! Delivery alerts with two nodes on one PostgreSQL database (registered in `api_postgres`
//! alone): both send alerts, each is sent once, and the rate limit holds across them.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, eventually, id, ok_if};
use crate::receiver::{Receiver, Reply};

fn tune(c: &mut collabkit::config::Config) {
    c.delivery.allow_private_destinations = true;
    c.delivery.retry_schedule = "100ms,100ms".parse().unwrap();
    c.delivery.timeout = Duration::from_secs(5);
    c.alerts.poll = Duration::from_millis(10);
    c.alerts.retry_schedule = "50ms".parse().unwrap();
    c.alerts.min_interval = Duration::from_secs(3600);
}

#[tokio::test]
async fn two_nodes_send_each_alert_once_and_share_the_rate_limit() {
    let a = TestApp::spawn_with(tune).await;
    let b = TestApp::spawn_in_with(
        a.dir.clone(),
        Some((a.account_id.clone(), a.api_key.clone())),
        tune,
    )
    .await;
    let arx = Receiver::start().await;
    let (status, body) = a
        .put(
            "/alerts/destination",
            json!({"url": arx.url("/alerts"), "failureThreshold": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rx = Receiver::start_with(vec![Reply::Status(500)]).await;
    let hook = a
        .create_webhook(json!({"url": rx.url("/hook"), "events": ["user.created"]}))
        .await;
    let room = a.create_room("r").await;
    // Six deliveries, made through both nodes, each exhausted: `failing` and six
    // `delivery.exhausted` alerts, of which the rate limit lets one of each kind through.
    for n in 0..6 {
        let node = if n % 2 == 0 { &a } else { &b };
        node.create_user(id(&room), &format!("u{n}")).await;
    }
    let log = eventually(Duration::from_secs(20), "every alert settled", || async {
        let (status, body) = b.get("/alerts").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        ok_if(body, |b| {
            let alerts = b["data"]["alerts"].as_array().unwrap();
            // Two nodes recording the same registration's outcomes at once may both decide
            // `failing`: the rate limit then suppresses the second, so it is not counted here.
            let exhausted = alerts
                .iter()
                .filter(|x| x["kind"] == "delivery.exhausted")
                .count();
            exhausted == 6 && alerts.iter().all(|x| x["status"] != "pending")
        })
    })
    .await;
    let alerts = log["data"]["alerts"].as_array().unwrap();
    let count = |kind: &str, status: &str| {
        alerts
            .iter()
            .filter(|x| x["kind"] == kind && x["status"] == status)
            .count()
    };
    assert_eq!(count("registration.failing", "success"), 1, "{log}");
    assert_eq!(count("registration.failing", "failed"), 0, "{log}");
    assert_eq!(count("delivery.exhausted", "success"), 1, "{log}");
    assert_eq!(count("delivery.exhausted", "suppressed"), 5, "{log}");
    assert!(alerts.iter().all(|x| x["webhook_id"] == id(&hook)));

    // What reached the destination: those two, each once.
    let got = arx.received();
    let ids: HashSet<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(got.len(), 2, "each alert sent once: {:?}", ids);
    assert_eq!(ids.len(), 2);
    let sent: HashSet<String> = alerts
        .iter()
        .filter(|x| x["status"] == "success")
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids.into_iter().map(str::to_owned).collect::<HashSet<_>>(),
        sent
    );
    for r in rx.received() {
        let e: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(e["event"], "user.created", "only deliveries went there");
    }
}
