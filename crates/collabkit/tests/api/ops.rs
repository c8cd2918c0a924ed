use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, metric};

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(
            resp.headers().contains_key("x-request-id"),
            "request ids are returned"
        );
    }
}

/// `/docs` is an API reference the binary serves itself, rendered from the OpenAPI document,
/// under the dashboard's strict policy: its script and style are files of this server, nothing
/// inline (`dashboard.rs` renders it in Chromium and sees no violation).
#[tokio::test]
async fn the_api_reference_is_served_at_docs() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = resp
        .headers()
        .get("content-security-policy")
        .expect("/docs has a content security policy")
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let page = resp.text().await.unwrap();
    assert!(
        !page.contains("<script>") && !page.contains("<style>"),
        "nothing inline"
    );
    assert!(!page.contains("https://"), "nothing from a CDN");
    for (asset, kind) in [
        ("/docs/docs.js", "text/javascript"),
        ("/docs/docs.css", "text/css"),
    ] {
        assert!(page.contains(asset), "the page loads {asset}");
        let resp = app
            .client
            .get(format!("{}{asset}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        let text = resp.text().await.unwrap();
        assert!(!text.contains("https://"), "nothing from a CDN");
        if kind == "text/javascript" {
            assert!(
                text.contains("fetch('/openapi.json')"),
                "rendered from the document"
            );
        }
    }
}

/// `/readyz` and the metrics name the node that answered.
#[tokio::test]
async fn the_node_is_named_in_readyz_and_metrics() {
    let app = TestApp::spawn_with(|c| c.node.id = Some("node-under-test".into())).await;
    let ready: Value = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The given id, with this run's mark.
    let node = ready["data"]["node"].as_str().unwrap();
    assert!(node.starts_with("node-under-test."), "{node}");
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains(&format!(r#"collabkit_node_info{{node="{node}"}} 1"#)),
        "{metrics}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.create_room("r").await;
    app.get("/rooms/room_missing").await;
    let text = app.metrics_text().await;
    assert!(
        text.contains(r#"route="/v1/accounts/{account_id}/rooms",status="201""#),
        "{text}"
    );
    assert!(text.contains(r#"route="/v1/accounts/{account_id}/rooms/{room_id}",status="404""#));
    assert!(text.contains("collabkit_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn openapi_covers_every_route() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let p = "/v1/accounts/{account_id}";
    let expected = [
        ("/healthz".to_string(), "get"),
        ("/readyz".into(), "get"),
        ("/metrics".into(), "get"),
        (format!("{p}/rooms"), "post"),
        (format!("{p}/rooms"), "get"),
        (format!("{p}/rooms/{{room_id}}"), "get"),
        (format!("{p}/rooms/{{room_id}}"), "patch"),
        (format!("{p}/rooms/{{room_id}}"), "delete"),
        (format!("{p}/rooms/custom/{{custom_id}}"), "get"),
        (format!("{p}/rooms/{{room_id}}/reconcile"), "post"),
        (format!("{p}/rooms/{{room_id}}/users"), "get"),
        (format!("{p}/users"), "post"),
        (format!("{p}/users"), "get"),
        (format!("{p}/users/{{user_id}}"), "get"),
        (format!("{p}/users/{{user_id}}"), "patch"),
        (format!("{p}/users/{{user_id}}"), "delete"),
        (format!("{p}/users/custom/{{custom_id}}"), "get"),
        (format!("{p}/events"), "get"),
        (format!("{p}/events/stream"), "get"),
        ("/v1/connect".to_string(), "get"),
        (format!("{p}/rooms/{{room_id}}/participants"), "get"),
        (format!("{p}/webhooks"), "post"),
        (format!("{p}/webhooks"), "get"),
        (format!("{p}/webhooks/{{webhook_id}}"), "get"),
        (format!("{p}/webhooks/{{webhook_id}}"), "patch"),
        (format!("{p}/webhooks/{{webhook_id}}"), "delete"),
        (format!("{p}/webhooks/{{webhook_id}}/rotate-secret"), "post"),
        (format!("{p}/webhooks/{{webhook_id}}/headers"), "get"),
        (format!("{p}/webhooks/{{webhook_id}}/headers"), "put"),
        (format!("{p}/webhooks/{{webhook_id}}/rate-limit"), "get"),
        (format!("{p}/webhooks/{{webhook_id}}/rate-limit"), "put"),
        (format!("{p}/webhooks/{{webhook_id}}/ordering"), "get"),
        (format!("{p}/webhooks/{{webhook_id}}/ordering"), "put"),
        (
            format!("{p}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}/waiting"),
            "get",
        ),
        (format!("{p}/webhooks/{{webhook_id}}/deliveries"), "get"),
        (
            format!("{p}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}"),
            "get",
        ),
        (
            format!("{p}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}/attempts"),
            "get",
        ),
        (
            format!("{p}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}/retry"),
            "post",
        ),
        (format!("{p}/webhooks/{{webhook_id}}/recover"), "post"),
        (format!("{p}/webhooks/{{webhook_id}}/replay"), "post"),
        (format!("{p}/alerts/destination"), "get"),
        (format!("{p}/alerts/destination"), "put"),
        (format!("{p}/alerts/destination"), "delete"),
        (format!("{p}/alerts/destination/rotate-secret"), "post"),
        (format!("{p}/alerts"), "get"),
        (format!("{p}/alerts/{{alert_id}}/attempts"), "get"),
        (format!("{p}/rooms/{{room_id}}/recent-events"), "get"),
        (format!("{p}/rooms/{{room_id}}/events"), "get"),
        (format!("{p}/stats/deliveries"), "get"),
        (format!("{p}/stats/webhooks"), "get"),
        (format!("{p}/rooms/{{room_id}}/stores"), "get"),
        (format!("{p}/rooms/{{room_id}}/stores/{{store}}"), "get"),
        (
            format!("{p}/rooms/{{room_id}}/stores/{{store}}/entries/{{key}}"),
            "get",
        ),
        (
            format!("{p}/rooms/{{room_id}}/stores/{{store}}/entries/{{key}}"),
            "put",
        ),
        (
            format!("{p}/rooms/{{room_id}}/stores/{{store}}/entries/{{key}}"),
            "patch",
        ),
        (
            format!("{p}/rooms/{{room_id}}/stores/{{store}}/entries/{{key}}"),
            "delete",
        ),
        ("/openapi.json".to_owned(), "get"),
    ];
    for (path, method) in &expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|ops| ops.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "a documented route is missing from this test"
    );

    // What every account-scoped operation can answer is documented, with the error body.
    let create_room = &doc["paths"][format!("{p}/rooms")]["post"]["responses"];
    for status in [
        "400", "401", "403", "409", "413", "415", "429", "500", "503",
    ] {
        assert_eq!(
            create_room[status]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "POST /rooms: {status}"
        );
    }
    assert!(doc["paths"][format!("{p}/rooms/{{room_id}}")]["get"]["responses"]["404"].is_object());
    // The operations endpoints and the document itself need no credentials.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        assert_eq!(
            doc["paths"][path]["get"]["security"],
            serde_json::json!([]),
            "{path}"
        );
    }
    assert!(
        doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
            ["application/openmetrics-text; version=1.0.0; charset=utf-8"]
            .is_object()
    );
    let token = doc["paths"]["/v1/connect"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "token")
        .unwrap();
    assert_eq!(token["required"], true);
    assert!(
        !doc.to_string().contains('§'),
        "descriptions speak to API users"
    );
}

/// The storage's footprint and WAL maintenance are visible to monitoring.
#[tokio::test]
async fn metrics_show_the_storage_size_and_wal_checkpoints() {
    if !crate::helpers::on_sqlite() {
        return; // SQLite's file and WAL
    }
    let app = TestApp::spawn().await;
    app.create_room("r").await;
    let text = app.metrics_text().await;
    let value =
        |name: &str| metric(&text, name).unwrap_or_else(|| panic!("{name} missing: {text}"));
    assert!(value("collabkit_storage_database_bytes") > 0.0);
    assert_eq!(
        value("collabkit_storage_wal_limit_bytes"),
        64.0 * 1024.0 * 1024.0
    );
    assert!(value("collabkit_storage_wal_peak_bytes") >= value("collabkit_storage_wal_bytes"));
    assert!(
        text.contains(r#"collabkit_storage_wal_checkpoints_total{mode="truncate",outcome="done"}"#),
        "the start-up reset is counted: {text}"
    );
}

/// Methods a client invents share one label: they cannot grow `/metrics` without bound.
#[tokio::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let app = TestApp::spawn().await;
    for i in 0..30 {
        let method = reqwest::Method::from_bytes(format!("ZZZ{i}").as_bytes()).unwrap();
        app.client
            .request(method, format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap();
    }
    let text = app.metrics_text().await;
    assert!(!text.contains("ZZZ"), "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
}
