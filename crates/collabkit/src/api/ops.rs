//! Operations endpoints: liveness, readiness, metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use collabkit_webhooks::ServerResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ErrorBody};
use super::{AppState, Data};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    pub status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = ServerResponse<Status>)))]
async fn healthz() -> Data<Status> {
    Data::json(Status { status: "ok" })
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    pub status: &'static str,
    /// The node that answered (nodes sharing one database each have their own id).
    pub node: String,
}

/// The storage is reachable.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = ServerResponse<Ready>), (status = 503, body = ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> Result<Data<Ready>, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "the storage backend is not reachable",
        )
    })?;
    Ok(Data::json(Ready {
        status: "ready",
        node: state.node.to_string(),
    }))
}

/// How long `/metrics` waits for the queue depth; past it the gauges keep their last values, so
/// a scrape answers promptly while the storage is slow or away.
const METRICS_STORAGE_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let now = crate::clock::now();
    match tokio::time::timeout(METRICS_STORAGE_WAIT, state.store.queue_stats(now)).await {
        Ok(Ok(stats)) => state.metrics.set_queue(&stats, now),
        Ok(Err(e)) => tracing::warn!(error = %e, "reading queue depth for metrics failed"),
        Err(_) => tracing::warn!(
            wait = ?METRICS_STORAGE_WAIT,
            "the storage did not give the queue depth in time; metrics show the last one read"
        ),
    }
    state.metrics.set_storage(&state.store.storage_stats());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
