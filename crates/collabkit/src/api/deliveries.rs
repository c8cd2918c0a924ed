//! The delivery log: deliveries of a registration, their attempts, manual retry, recover.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use collabkit_webhooks::ServerResponse;
use collabkit_webhooks::{DeliveryStatus, WebhookDelivery, WebhookEventName};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{PageQuery, encode_cursor, total_of};
use super::paths::{DeliveryPath, WebhookPath};
use super::{AppState, Data, EVENT_NAMES_LIST};
use crate::clock;
use crate::store::DeliveryFilter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries))
        .routes(routes!(get_delivery))
        .routes(routes!(list_attempts))
        .routes(routes!(retry_delivery))
        .routes(routes!(recover))
        .routes(routes!(replay))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `success` or `failed`.
    #[param(value_type = Option<collabkit_webhooks::DeliveryStatus>)]
    status: Option<String>,
    /// An event name, e.g. `user.created`.
    #[param(value_type = Option<collabkit_webhooks::WebhookEventName>)]
    event: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// How many deliveries to skip (default 0; not with `cursor`).
    #[param(minimum = 0)]
    offset: Option<u64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<WebhookDelivery>,
    /// How many deliveries the log holds with its filters.
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryBody {
    pub delivery: WebhookDelivery,
}

/// One attempt of a delivery.
#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: String,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// At most 1 KiB of what the receiver answered.
    pub response_body: String,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptList {
    pub attempts: Vec<AttemptView>,
}

impl AttemptList {
    /// The attempts as the log shows them (a delivery's and an alert's alike).
    pub fn of(attempts: Vec<crate::store::Attempt>) -> AttemptList {
        AttemptList {
            attempts: attempts
                .into_iter()
                .map(|a| AttemptView {
                    attempted_at: clock::format(&a.attempted_at),
                    status_code: a.status_code,
                    duration_ms: a.duration_ms,
                    error: a.error,
                    response_body: a.response_body,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    /// RFC 3339: deliveries that ended failed at or after this time are attempted again.
    #[schema(format = DateTime)]
    since: String,
}

#[derive(Serialize, ToSchema)]
pub struct Scheduled {
    pub scheduled: u64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// RFC 3339: events stored at or after this time that never got a delivery to the
    /// registration are queued.
    #[schema(format = DateTime)]
    since: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReplayQueued {
    /// Deliveries created (at most 10,000 per call).
    pub queued: u64,
    /// Whether more events are left: call again with the same `since`.
    pub more: bool,
}

/// List a registration's deliveries, newest first.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/deliveries", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path), DeliveryQuery),
    responses((status = 200, body = ServerResponse<DeliveryList>), (status = 404, body = ErrorBody)))]
async fn list_deliveries(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Query(q): Query<DeliveryQuery>,
) -> Result<Data<DeliveryList>, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            DeliveryStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("`status` must be one of pending, success, failed")
            })
        })
        .transpose()?;
    let event = q
        .event
        .as_deref()
        .map(|name| {
            WebhookEventName::parse(name).ok_or_else(|| {
                ApiError::bad_request(format!("`event` must be one of {EVENT_NAMES_LIST}"))
            })
        })
        .transpose()?;
    let asked = PageQuery {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor,
    }
    .to_request()?;
    let page = state
        .store
        .list_deliveries(
            auth.id(),
            &p.webhook_id,
            DeliveryFilter { status, event },
            asked.clone(),
        )
        .await?;
    Ok(Data::json(DeliveryList {
        deliveries: page.items.iter().map(|d| d.to_contract()).collect(),
        total: total_of(&page, &asked),
        limit: asked.limit,
        offset: asked.skip(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

/// Get one delivery.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/deliveries/{delivery_id}", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 200, body = ServerResponse<DeliveryBody>), (status = 404, body = ErrorBody)))]
async fn get_delivery(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<DeliveryPath>,
) -> Result<Data<DeliveryBody>, ApiError> {
    let delivery = state
        .store
        .get_delivery(auth.id(), &p.webhook_id, &p.delivery_id)
        .await?;
    Ok(Data::json(DeliveryBody {
        delivery: delivery.to_contract(),
    }))
}

/// Every attempt of a delivery, oldest first.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/deliveries/{delivery_id}/attempts", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 200, body = ServerResponse<AttemptList>), (status = 404, body = ErrorBody)))]
async fn list_attempts(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<DeliveryPath>,
) -> Result<Data<AttemptList>, ApiError> {
    let attempts = state
        .store
        .list_attempts(auth.id(), &p.webhook_id, &p.delivery_id)
        .await?;
    Ok(Data::json(AttemptList::of(attempts)))
}

/// Attempt a delivery again now, whatever its status, with a fresh retry schedule.
#[utoipa::path(post, path = "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, body = ServerResponse<DeliveryBody>), (status = 404, body = ErrorBody)))]
async fn retry_delivery(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<DeliveryPath>,
) -> Result<impl IntoResponse, ApiError> {
    let delivery = state
        .store
        .retry_delivery(auth.id(), &p.webhook_id, &p.delivery_id)
        .await?;
    Ok(Data::with(
        StatusCode::ACCEPTED,
        "Delivery scheduled",
        DeliveryBody {
            delivery: delivery.to_contract(),
        },
    ))
}

/// Attempt again every delivery of the registration that ended failed since a time.
#[utoipa::path(post, path = "/webhooks/{webhook_id}/recover", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)), request_body = RecoverRequest,
    responses((status = 202, body = ServerResponse<Scheduled>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn recover(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Json(body): Json<RecoverRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let since = clock::parse(&body.since).map_err(|_| {
        ApiError::invalid("`since` must be an RFC 3339 timestamp, e.g. 2026-01-31T00:00:00Z")
    })?;
    let scheduled = state
        .store
        .recover_deliveries(auth.id(), &p.webhook_id, since)
        .await?;
    Ok(Data::with(
        StatusCode::ACCEPTED,
        "Deliveries scheduled",
        Scheduled { scheduled },
    ))
}

/// Queue the events the registration matches but never got (stored while it was disabled, or
/// before it subscribed to them): each event of the account stored at or after `since` that its
/// events filter and room scope match and that has no delivery to it yet gets one, due now,
/// oldest first, at most 10,000 per call (`more` says some are left). The registration must be
/// enabled (409 otherwise). Events already pruned by retention cannot be replayed.
#[utoipa::path(post, path = "/webhooks/{webhook_id}/replay", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)), request_body = ReplayRequest,
    responses((status = 202, body = ServerResponse<ReplayQueued>), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn replay(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Json(body): Json<ReplayRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let since = clock::parse(&body.since).map_err(|_| {
        ApiError::invalid("`since` must be an RFC 3339 timestamp, e.g. 2026-01-31T00:00:00Z")
    })?;
    let replayed = state
        .store
        .replay_events(auth.id(), &p.webhook_id, since)
        .await?;
    Ok(Data::with(
        StatusCode::ACCEPTED,
        "Events queued",
        ReplayQueued {
            queued: replayed.queued,
            more: replayed.more,
        },
    ))
}
