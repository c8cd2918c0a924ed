//! `/stats`: the dashboard's charts and webhook health, from real deliveries to a receiver on
//! loopback; and a room's recent events.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_error_shape, eventually, id};
use crate::receiver::{Receiver, Reply};

#[tokio::test]
async fn attempts_are_charted_per_minute_and_summed_per_webhook() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.delivery.retry_schedule = "50ms".parse().unwrap();
    })
    .await;
    let ok = Receiver::start().await;
    let down = Receiver::start_with(vec![Reply::Status(500)]).await;
    let good = app
        .create_webhook(json!({"url": ok.url("/"), "events": ["user.created"]}))
        .await;
    let bad = app
        .create_webhook(json!({"url": down.url("/"), "events": ["user.created"]}))
        .await;
    let idle = app
        .create_webhook(json!({"url": ok.url("/idle"), "events": ["session.closed"]}))
        .await;
    let room = app.create_room("r").await;
    for u in ["u1", "u2"] {
        app.create_user(id(&room), u).await;
    }
    ok.wait_for(2, std::time::Duration::from_secs(10)).await;
    // The failing registration: 2 deliveries × (first try + 1 retry), all 500.
    for d in app.deliveries(id(&bad)).await {
        app.delivery_until(id(&bad), id(&d), |d| d["status"] == "failed")
            .await;
    }

    // The counters are stored every `counter_flush` (20 ms here).
    let sum = |minutes: &[serde_json::Value], field: &str| {
        minutes
            .iter()
            .map(|m| m[field].as_u64().unwrap())
            .sum::<u64>()
    };
    let minutes = eventually(
        std::time::Duration::from_secs(5),
        "2 successes and 4 failures counted",
        || async {
            let (status, body) = app.get("/stats/deliveries?minutes=5").await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let minutes = body["data"]["minutes"].as_array().unwrap().clone();
            assert_eq!(minutes.len(), 5, "one row per minute, empty ones included");
            let counted = (sum(&minutes, "succeeded"), sum(&minutes, "failed"));
            if counted == (2, 4) {
                Ok(minutes)
            } else {
                Err(format!("counted {counted:?}"))
            }
        },
    )
    .await;
    let busy = minutes
        .iter()
        .rev()
        .find(|m| m["succeeded"].as_u64() > Some(0) || m["failed"].as_u64() > Some(0))
        .unwrap();
    assert!(busy["p50_ms"].as_u64().unwrap() <= busy["p99_ms"].as_u64().unwrap());
    assert!(minutes[0]["p50_ms"].is_null() || minutes[0]["failed"].as_u64() > Some(0));

    let (_, one) = app
        .get(&format!(
            "/stats/deliveries?minutes=5&webhook_id={}",
            id(&good)
        ))
        .await;
    let one = one["data"]["minutes"].as_array().unwrap();
    let failed: u64 = one.iter().map(|m| m["failed"].as_u64().unwrap()).sum();
    assert_eq!(failed, 0, "one registration's chart is its own");

    let (status, body) = app.get("/stats/webhooks").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let hooks = body["data"]["webhooks"].as_array().unwrap();
    let health = |hook: &serde_json::Value| {
        hooks
            .iter()
            .find(|h| h["webhook_id"] == hook["id"])
            .unwrap()
            .clone()
    };
    let g = health(&good);
    assert_eq!(g["last_outcome"], "success");
    assert_eq!(g["success_rate_24h"], 1.0);
    assert_eq!(g["attempts_24h"], 2);
    let b = health(&bad);
    assert_eq!(b["last_outcome"], "failed");
    assert_eq!(b["success_rate_24h"], 0.0);
    assert!(b["failing_since"].is_string());
    let i = health(&idle);
    assert!(i["last_outcome"].is_null() && i["success_rate_24h"].is_null());
    assert_eq!(i["attempts_24h"], 0);
}

#[tokio::test]
async fn stats_refuse_bad_windows_and_other_accounts_registrations() {
    let app = TestApp::spawn().await;
    for query in ["minutes=0", "minutes=1441", "minutes=x"] {
        let (status, body) = app.get(&format!("/stats/deliveries?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_error_shape(&body);
    }
    let (status, body) = app.get("/stats/deliveries?webhook_id=wh_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = app.get("/stats/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["webhooks"], json!([]));
}

/// `/stats/webhooks` pages like every list (an account with 3,000 registrations got one
/// 567 KB answer, polled every 10 s by the dashboard), and answers for one registration.
#[tokio::test]
async fn webhook_health_comes_a_page_at_a_time_or_for_one_registration() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let mut hooks = Vec::new();
    for i in 0..3 {
        let url = format!("http://127.0.0.1:9/h{i}");
        hooks.push(
            app.create_webhook(json!({"url": url, "events": ["user.created"]}))
                .await,
        );
    }
    let ids = |body: &serde_json::Value| -> Vec<String> {
        body["data"]["webhooks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["webhook_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, body) = app.get("/stats/webhooks?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), [id(&hooks[0]), id(&hooks[1])], "oldest first");
    let cursor = body["data"]["next_cursor"].as_str().unwrap().to_owned();
    let (_, body) = app
        .get(&format!("/stats/webhooks?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(ids(&body), [id(&hooks[2])]);
    assert!(body["data"]["next_cursor"].is_null());
    // Without parameters: the first 50, as before for an account with fewer.
    let (_, body) = app.get("/stats/webhooks").await;
    assert_eq!(ids(&body).len(), 3);
    assert!(body["data"]["next_cursor"].is_null());
    assert!(body["data"]["since"].is_string());

    let (_, body) = app
        .get(&format!("/stats/webhooks?webhook_id={}", id(&hooks[1])))
        .await;
    assert_eq!(ids(&body), [id(&hooks[1])]);
    let (status, body) = app.get("/stats/webhooks?webhook_id=wh_nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    for bad in ["limit=0", "limit=101", "cursor=nope!"] {
        let (status, body) = app.get(&format!("/stats/webhooks?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
}

#[tokio::test]
async fn a_rooms_recent_events_come_newest_first() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let other = app.create_room("o").await;
    let u = app.create_user(id(&room), "u").await;
    app.create_user(id(&other), "elsewhere").await;
    app.patch(&format!("/users/{}", id(&u)), json!({"name": "renamed"}))
        .await;

    let (status, body) = app
        .get(&format!("/rooms/{}/recent-events?limit=5", id(&room)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let names: Vec<_> = body["data"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["user.updated", "user.created"]);
    let (_, body) = app
        .get(&format!("/rooms/{}/recent-events?limit=1", id(&room)))
        .await;
    assert_eq!(body["data"]["events"].as_array().unwrap().len(), 1);

    let (status, _) = app.get("/rooms/room_nope/recent-events").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .get(&format!("/rooms/{}/recent-events?limit=0", id(&room)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
