//! `/webhooks/{id}/ordering`: ordered delivery per room, opt in per registration, and
//! `…/deliveries/{id}/waiting`, why a delivery of an ordered registration waits. The rules
//! (one delivery of a room in flight, the previous number it announces) are in
//! `collabkit_domain::rules::ordering`; the stores keep each room's head and queue.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use super::paths::{DeliveryPath, WebhookPath};
use super::{AppState, Data};
use crate::store::Ordering;
use collabkit_webhooks::ServerResponse;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_ordering, put_ordering))
        .routes(routes!(get_waiting))
}

/// How a registration's deliveries are ordered.
#[derive(Serialize, ToSchema)]
pub struct OrderingBody {
    /// `none` (the default): every delivery goes as soon as it is due. `per_room`: per room, one
    /// delivery in flight at a time, in the room's order (`collabkit-room-seq`); the next goes
    /// once it succeeded or ended `failed`, and each carries `collabkit-room-previous-seq`.
    #[schema(example = "per_room")]
    pub mode: &'static str,
}

/// Read as raw JSON so a bad mode gets a 400 naming the field and the allowed values.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutOrdering {
    /// `"per_room"` or `"none"`.
    #[serde(default)]
    #[schema(value_type = String, example = "per_room")]
    mode: Option<Value>,
}

fn mode_field(value: Option<Value>) -> Result<Ordering, ApiError> {
    let value = value.unwrap_or(Value::Null);
    let Value::String(s) = &value else {
        return Err(ApiError::invalid(Ordering::refused(&value.to_string())));
    };
    Ordering::parse(s).ok_or_else(|| ApiError::invalid(Ordering::refused(s)))
}

/// How the registration's deliveries are ordered (`none` unless set).
#[utoipa::path(get, path = "/webhooks/{webhook_id}/ordering", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = ServerResponse<OrderingBody>), (status = 404, body = ErrorBody)))]
async fn get_ordering(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
) -> Result<Data<OrderingBody>, ApiError> {
    let mode = state
        .store
        .webhook_ordering(auth.id(), &p.webhook_id)
        .await?;
    Ok(Data::json(OrderingBody {
        mode: mode.as_str(),
    }))
}

/// Order the registration's deliveries per room (`per_room`) or not (`none`). Applies to the
/// deliveries of events from now on; turning it off lets every waiting delivery go at once.
/// Events without a room (none today) are not ordered. A bad mode is 400, nothing changed.
#[utoipa::path(put, path = "/webhooks/{webhook_id}/ordering", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)), request_body = PutOrdering,
    responses((status = 200, body = ServerResponse<OrderingBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_ordering(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Json(body): Json<PutOrdering>,
) -> Result<Data<OrderingBody>, ApiError> {
    let mode = mode_field(body.mode)?;
    let mode = state
        .store
        .set_webhook_ordering(auth.id(), &p.webhook_id, mode)
        .await?;
    Ok(Data::with(
        StatusCode::OK,
        "Webhook ordering set",
        OrderingBody {
            mode: mode.as_str(),
        },
    ))
}

/// Why a delivery is not being attempted although pending.
#[derive(Serialize, ToSchema)]
pub struct WaitingBody {
    /// `"ordering"` while it waits for the delivery before it in its room (the registration is
    /// ordered per room); `null` when it does not wait for anything (it is due, scheduled for
    /// a retry at `next_retry_at`, in flight, or finished).
    #[schema(value_type = Option<String>, example = "ordering")]
    pub reason: Option<&'static str>,
    /// With `ordering`: the id of the delivery of the same room it waits behind (in flight or
    /// being retried); its attempts say why it has not succeeded yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behind: Option<String>,
}

/// Why a delivery waits (the delivery log has no field for it).
#[utoipa::path(get, path = "/webhooks/{webhook_id}/deliveries/{delivery_id}/waiting", tag = "deliveries",
    params(("account_id" = String, Path), ("webhook_id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 200, body = ServerResponse<WaitingBody>), (status = 404, body = ErrorBody)))]
async fn get_waiting(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<DeliveryPath>,
) -> Result<Data<WaitingBody>, ApiError> {
    let behind = state
        .store
        .delivery_waiting(auth.id(), &p.webhook_id, &p.delivery_id)
        .await?;
    Ok(Data::json(WaitingBody {
        reason: behind.as_ref().map(|_| "ordering"),
        behind,
    }))
}
