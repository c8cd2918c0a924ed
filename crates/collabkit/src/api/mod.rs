//! The HTTP API: one module per resource, each owning its routes, bodies and handlers.
//!
//! Every route is registered through `utoipa_axum`, so `/openapi.json` is generated from the
//! same list the router serves and cannot miss one.

mod alerts;
mod auth;
mod connect;
pub mod context;
mod deliveries;
mod docs;
pub mod envelope;
pub mod error;
mod events;
mod extract;
mod idempotency;
pub mod load;
mod openapi;
mod ops;
mod ordering;
mod pagination;
mod paths;
mod rate_limits;
mod rooms;
pub mod serve;
mod stats;
mod stores;
mod users;
mod validate;
mod webhooks;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::delivery::DeliveryConfig;
use crate::metrics::{HttpLabels, Metrics};
use crate::realtime::Hub;
use crate::secrets::SecretBox;
use crate::store::SharedStore;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    /// Changes that may store events run through it (deliveries to the local dispatcher,
    /// metrics, event streams).
    pub changes: crate::changes::Changes,
    /// This node's id.
    pub node: Arc<str>,
    pub metrics: Arc<Metrics>,
    /// Seals webhook secrets before they are stored.
    pub secrets: SecretBox,
    /// Issues the users' realtime tokens.
    pub tokens: crate::user_tokens::UserTokens,
    /// Delivery rules the API enforces at registration (private destinations).
    pub delivery: Arc<DeliveryConfig>,
    /// Live rooms and their connections.
    pub hub: Hub,
    /// API requests being handled at most (see [`shed_overload`]).
    pub load: load::ApiLoad,
    /// Each account's request rate (see [`auth::AccountAuth`]).
    pub account_rate: Arc<crate::rate_limit::KeyedLimiter>,
    /// See [`serve::ConnectionLimits::event_stream_poll`].
    pub event_stream_poll: std::time::Duration,
    /// See [`serve::ConnectionLimits::stream_caps`].
    pub stream_caps: crate::event_streams::StreamCaps,
    /// How long an `Idempotency-Key`'s answer is replayed (`--idempotency-window`).
    pub idempotency_window: std::time::Duration,
    /// Told when a registration's rate limit changes here, so it applies at once.
    pub pacer: Arc<crate::delivery::dispatcher::pace::Pacer>,
    /// Cancelled when the server starts shutting down: event streams end then, so that a
    /// graceful stop does not wait for them.
    pub shutdown: tokio_util::sync::CancellationToken,
}

pub use envelope::Data;

/// The seven event names, for error messages.
pub const EVENT_NAMES_LIST: &str = "participant.joined, participant.left, session.started, session.closed, user.created, user.updated, user.deleted";

#[derive(OpenApi)]
#[openapi(
    info(title = "CollabKit server API", description = "Rooms, users, realtime sessions and signed webhooks.\n\n\
Every JSON answer is the envelope `{type: \"response\", success, description, data, error, requestId}`: \
`data` holds the result (`{}` on error), `error` is null on success and `{module, code, message, reason}` \
on failure, `code` one of `ErrorCode` (it follows from the status) and `reason` the precise cause \
(`invalid_body`, `overloaded`, …). `requestId` is also the `x-request-id` header (a sane one the \
client sent is kept). Lists take `limit` (default 50, at most 100; the event log 200) and `offset`, \
and answer `total`, `limit` and `offset`, with `next_cursor` where a cursor pages the list."),
    modifiers(&BearerAuth),
    security(("account_key" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some("base64(\"{account_id}:{api_key}\")".into());
        components.add_security_scheme("account_key", SecurityScheme::Http(scheme));
    }
}

/// The whole HTTP API with its middleware. `access_log`: one INFO line per request (at 800
/// requests/s, ~720 MB of log an hour); otherwise the same lines at DEBUG.
pub fn router(state: AppState, body_limit: usize, access_log: bool) -> Router {
    let access_level = if access_log {
        tracing::Level::INFO
    } else {
        tracing::Level::DEBUG
    };
    let account_scoped = OpenApiRouter::new()
        .merge(rooms::router())
        .merge(stores::router())
        .merge(users::router())
        .merge(events::router())
        .merge(webhooks::router())
        .merge(rate_limits::router())
        .merge(deliveries::router())
        .merge(alerts::router())
        .merge(ordering::router())
        .merge(stats::router())
        .route_layer(middleware::from_fn_with_state(
            (state.clone(), body_limit),
            idempotency::layer,
        ));
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ops::router())
        .merge(connect::router())
        .nest("/v1/accounts/{account_id}", account_scoped)
        .split_for_parts();
    let mut openapi = openapi;
    openapi::complete(&mut openapi);
    let openapi = Arc::new(openapi);

    router
        .merge(crate::dashboard::router())
        .merge(docs::router())
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .method_not_allowed_fallback(error::method_not_allowed)
        .route_layer(middleware::from_fn_with_state(state.clone(), shed_overload))
        .route_layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .fallback(error::route_not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The URI path only: query strings may carry user tokens.
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            })
            .on_response(DefaultOnResponse::new().level(access_level).latency_unit(LatencyUnit::Micros))
            .on_failure(log_failure),
        )
        // Outermost: the request id the access log above, the envelope and the
        // `x-request-id` answer header share, and the envelope for any error answer.
        .layer(middleware::from_fn(envelope::request_context))
        .with_state(state)
}

/// A 503 is a refusal whose cause is logged where it was decided (a storage failure, at most
/// once per window, see `error.rs`; an overload, counted in the metrics): the trace layer logs
/// the other 5xx (a panic), so an outage does not log twice per refused request.
fn log_failure(
    class: tower_http::classify::ServerErrorsFailureClass,
    latency: std::time::Duration,
    _: &tracing::Span,
) {
    use tower_http::classify::ServerErrorsFailureClass::StatusCode;
    if !matches!(
        class,
        StatusCode(axum::http::StatusCode::SERVICE_UNAVAILABLE)
    ) {
        tracing::error!(classification = %class, ?latency, "response failed");
    }
}

/// Refuses an API request at once, with 503 and `Retry-After`, while `--max-in-flight` others
/// are being handled: offered more than it can take, the server answers the excess promptly
/// instead of letting every request queue (for reads, the storage and the CPU) for seconds.
/// Operations endpoints are never refused: monitoring must see an overloaded server.
async fn shed_overload(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if matches!(path, "/healthz" | "/readyz" | "/metrics") {
        return next.run(req).await;
    }
    let Some(_permit) = state.load.try_enter() else {
        state.metrics.http_shed.inc();
        return axum::response::IntoResponse::into_response(error::ApiError::overloaded());
    };
    next.run(req).await
}

/// The standard methods by name, any other as `other`: a label value per method a client
/// invents would let unauthenticated requests grow `/metrics` without bound.
fn method_label(method: &axum::http::Method) -> String {
    use axum::http::Method;
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if KNOWN.contains(method) {
        method.as_str().to_owned()
    } else {
        "other".to_owned()
    }
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method());
    let started = Instant::now();
    let response = next.run(req).await;
    let labels = HttpLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    state.metrics.http_requests.get_or_create(&labels).inc();
    state
        .metrics
        .http_duration
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}
