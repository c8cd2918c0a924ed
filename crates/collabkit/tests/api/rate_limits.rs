//! A registration's delivery rate limit (`/webhooks/{id}/rate-limit`): checked and
//! tenant-scoped, and a limited registration's attempts start no faster than it says, every
//! delivery still arriving once, with no attempt failed (waiting is not failing), while another
//! registration of the account gets the same events at once. Two nodes sharing one limit:
//! `cluster::a_rate_limit_holds_across_two_nodes`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, eventually, metric};
use crate::receiver::Receiver;

/// Of arrival times, the most that fall within any `window`.
#[allow(dead_code)] // used by `cluster`, which the PostgreSQL copy of this module does not include
pub fn most_within(times: &[Instant], window: Duration) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|i| {
            sorted[i..]
                .iter()
                .take_while(|t| **t - sorted[i] < window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn the_rate_limit_is_checked_and_tenant_scoped() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let rx = Receiver::start().await;
    let hook = app
        .create_webhook(json!({"url": rx.url("/"), "events": ["user.created"]}))
        .await;
    let id = hook["id"].as_str().unwrap();
    let path = format!("/webhooks/{id}/rate-limit");
    let (status, got) = app.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"], json!({"per_second": null}), "none at first");
    let (status, got) = app.put(&path, json!({"per_second": 25})).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"]["per_second"], 25);
    for bad in [
        json!({"per_second": 0}),
        json!({"per_second": 10_001}),
        json!({"per_second": -3}),
        json!({"per_second": 1.5}),
        json!({"per_second": "5"}),
        json!({}),
    ] {
        let (status, resp) = app.put(&path, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} → {resp}");
        assert_eq!(resp["error"]["code"], "VALIDATION_ERROR", "{resp}");
        let message = resp["error"]["message"].as_str().unwrap();
        assert!(message.contains("per_second"), "{message}");
    }
    let (status, _) = app.put(&path, json!({"per_second": 5, "burst": 2})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused"
    );
    let (_, got) = app.get(&path).await;
    assert_eq!(
        got["data"]["per_second"], 25,
        "a refused change changes nothing"
    );

    // Another account's registration is not found, and its limit stays.
    let other = collabkit::accounts::create(app.store.as_ref(), "other")
        .await
        .unwrap();
    let bearer = collabkit::accounts::bearer_token(&other.account.id, &other.api_key);
    let url = format!("{}/v1/accounts/{}{path}", app.base, other.account.id);
    let resp = app.client.get(&url).bearer_auth(&bearer).send().await;
    assert_eq!(resp.unwrap().status(), StatusCode::NOT_FOUND);
    let resp = app
        .client
        .put(&url)
        .bearer_auth(&bearer)
        .json(&json!({"per_second": null}))
        .send()
        .await;
    assert_eq!(resp.unwrap().status(), StatusCode::NOT_FOUND);
    let (_, got) = app.get(&path).await;
    assert_eq!(got["data"]["per_second"], 25);
    let (status, _) = app.get("/webhooks/whk_nope/rate-limit").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The registration keeps the seed's shape: the limit is a sub-resource.
    let (_, got) = app.get(&format!("/webhooks/{id}")).await;
    assert!(got["data"]["webhook"].get("per_second").is_none(), "{got}");

    let (status, got) = app.put(&path, json!({"per_second": null})).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["data"], json!({"per_second": null}), "removed");
}

#[tokio::test]
async fn a_limited_registration_waits_and_never_fails_for_it() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let limited_rx = Receiver::start().await;
    let free_rx = Receiver::start().await;
    let limited = app
        .create_webhook(json!({"url": limited_rx.url("/"), "events": ["user.created"]}))
        .await;
    app.create_webhook(json!({"url": free_rx.url("/"), "events": ["user.created"]}))
        .await;
    let limited_id = limited["id"].as_str().unwrap();
    let (status, _) = app
        .put(
            &format!("/webhooks/{limited_id}/rate-limit"),
            json!({"per_second": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap();
    let started = Instant::now();
    const N: usize = 15;
    for i in 0..N {
        app.create_user(room_id, &format!("u{i}")).await;
    }
    // The other registration is not held back by the limited one.
    free_rx.wait_for(N, Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "the unlimited registration got its {N} in {:?}",
        started.elapsed()
    );
    let got = limited_rx.wait_for(N, Duration::from_secs(20)).await;
    let times: Vec<Instant> = got.iter().map(|r| r.at).collect();
    // 5 a second: never more than 5 within a second (a little timing slack: 1 more), and the
    // 15 take at least (15 - 1) / 5 s minus that slack.
    let most = most_within(&times, Duration::from_millis(950));
    assert!(most <= 6, "{most} arrived within a second at 5/s");
    let span = *times.iter().max().unwrap() - *times.iter().min().unwrap();
    assert!(
        span >= Duration::from_millis(2300),
        "15 at 5/s took only {span:?}"
    );
    assert_eq!(got.len(), N, "nothing twice");
    assert_eq!(limited_rx.users_created().len(), N, "each delivered once");

    // Waiting is not failing: one attempt each, all successful (once the outcomes, written in
    // batches, are in the log).
    let path = format!("/webhooks/{limited_id}/deliveries?limit=100");
    let deliveries = eventually(Duration::from_secs(5), "every outcome logged", || async {
        let (_, log) = app.get(&path).await;
        let all = log["data"]["deliveries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if all.len() == N && all.iter().all(|d| d["status"] == "success") {
            Ok(all)
        } else {
            Err(log.to_string())
        }
    })
    .await;
    for d in deliveries {
        assert_eq!(d["attempts"], 1, "{d}");
    }
    let text = app.metrics_text().await;
    let waits = metric(&text, "collabkit_delivery_rate_waits_total").unwrap_or(0.0);
    assert!(
        waits >= 1.0,
        "deliveries beyond a second's wait went back to the queue: {waits}"
    );
}
