//! `/webhooks/{id}/rate-limit`: a registration's delivery rate limit (deliveries per second,
//! held across nodes; see the dispatcher's `pace`). A sub-resource, since the registration's
//! shape is fixed field for field.

use axum::extract::State;
use collabkit_webhooks::ServerResponse;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path};
use super::paths::WebhookPath;
use super::{AppState, Data, validate};
use collabkit_domain::rules::pace::check_rate;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_rate_limit, put_rate_limit))
}

/// A registration's delivery rate limit.
#[derive(Serialize, ToSchema)]
pub struct RateLimitBody {
    /// Deliveries per second at most, over every node; `null`: no limit.
    pub per_second: Option<u32>,
}

/// Read as raw JSON so a wrong value gets a 400 naming the field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutRateLimit {
    /// A whole number from 1 to 10,000 deliveries per second, or `null` to remove the limit.
    #[serde(default, deserialize_with = "validate::double_option")]
    #[schema(value_type = Option<u32>)]
    per_second: Option<Option<Value>>,
}

/// The registration's delivery rate limit.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/rate-limit", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = ServerResponse<RateLimitBody>), (status = 404, body = ErrorBody)))]
async fn get_rate_limit(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
) -> Result<Data<RateLimitBody>, ApiError> {
    let per_second = state
        .store
        .webhook_rate_limit(auth.id(), &p.webhook_id)
        .await?;
    Ok(Data::json(RateLimitBody { per_second }))
}

/// Set the registration's delivery rate limit (`{"per_second": null}` removes it). Attempts
/// of its deliveries, retries included, then start at most that many a second over every node;
/// a delivery waiting for its turn stays `pending` with its `next_retry_at` and no attempt
/// logged (a wait, not a failure). Applies at once on this node, within a second on others.
#[utoipa::path(put, path = "/webhooks/{webhook_id}/rate-limit", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)), request_body = PutRateLimit,
    responses((status = 200, body = ServerResponse<RateLimitBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_rate_limit(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Json(body): Json<PutRateLimit>,
) -> Result<Data<RateLimitBody>, ApiError> {
    let wanted = match body.per_second {
        None => {
            return Err(ApiError::invalid(
                "`per_second` is required (null removes the limit)",
            ));
        }
        Some(None) => None,
        Some(Some(Value::Number(n))) if n.as_i64().is_some() => n.as_i64(),
        Some(_) => {
            return Err(ApiError::invalid(
                "`per_second` must be a whole number of deliveries per second, or null",
            ));
        }
    };
    let per_second = check_rate(wanted).map_err(|e| ApiError::invalid(e.0))?;
    let per_second = state
        .store
        .set_webhook_rate_limit(auth.id(), &p.webhook_id, per_second)
        .await?;
    state.pacer.changed();
    Ok(Data::with(
        axum::http::StatusCode::OK,
        match per_second {
            Some(_) => "Webhook rate limit set",
            None => "Webhook rate limit removed",
        },
        RateLimitBody { per_second },
    ))
}
