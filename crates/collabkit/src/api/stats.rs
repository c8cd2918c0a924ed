//! `/stats`: the delivery log summed up for the dashboard — attempts per minute by outcome
//! with latency percentiles, and each registration's health. Read from per-minute counters
//! (see `collabkit_domain::stats`), so the cost is the window's minutes, not its traffic.

use axum::extract::State;
use collabkit_webhooks::ServerResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::Query;
use super::pagination::{CursorQuery, encode_cursor};
use super::{AppState, Data};
use crate::clock;
use collabkit_domain::stats::{self, minute_of};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(delivery_stats))
        .routes(routes!(webhook_stats))
}

/// The longest window a chart may ask for: a day.
const MAX_MINUTES: u32 = 1440;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryStatsQuery {
    /// Only this registration's attempts (default: every registration of the account).
    webhook_id: Option<String>,
    /// How many minutes, ending with the current one, 1 to 1440 (default 60).
    #[param(minimum = 1, maximum = 1440)]
    minutes: Option<u32>,
}

/// One minute of delivery attempts.
#[derive(Serialize, ToSchema)]
pub struct MinuteView {
    /// The minute's start.
    pub start: String,
    /// Attempts the receiver answered with 2xx.
    pub succeeded: u64,
    /// Attempts that got another status, an error or a timeout.
    pub failed: u64,
    /// Median attempt duration in milliseconds (to within 10 %); null without attempts.
    pub p50_ms: Option<u64>,
    /// 99th percentile attempt duration in milliseconds (to within 10 %); null without attempts.
    pub p99_ms: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryStats {
    /// The first minute's start.
    pub from: String,
    /// One entry per minute, oldest first, minutes without attempts included.
    pub minutes: Vec<MinuteView>,
}

/// A registration's health over the last 24 hours.
#[derive(Serialize, ToSchema)]
pub struct WebhookHealthView {
    pub webhook_id: String,
    pub enabled: bool,
    /// Set while the latest attempts fail: when the current streak of failures began.
    pub failing_since: Option<String>,
    /// `success` or `failed`: how the latest attempt ended; null without attempts in 24 h.
    pub last_outcome: Option<String>,
    /// The minute of the latest attempt in the last 24 hours.
    pub last_attempt_minute: Option<String>,
    pub attempts_24h: u64,
    pub succeeded_24h: u64,
    /// `succeeded_24h / attempts_24h`, null without attempts.
    pub success_rate_24h: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookStats {
    pub since: String,
    /// The account's registrations, oldest first (the order of `GET /webhooks`), a page at a
    /// time.
    pub webhooks: Vec<WebhookHealthView>,
    /// How many registrations the list holds (1 with `webhook_id`).
    pub total: u64,
    pub limit: u32,
    /// Pass back as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookStatsQuery {
    /// Only this registration's health.
    webhook_id: Option<String>,
    /// Registrations per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Delivery attempts per minute by outcome, with latency percentiles.
#[utoipa::path(get, path = "/stats/deliveries", tag = "stats",
    params(("account_id" = String, Path), DeliveryStatsQuery),
    responses((status = 200, body = ServerResponse<DeliveryStats>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delivery_stats(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<DeliveryStatsQuery>,
) -> Result<Data<DeliveryStats>, ApiError> {
    let minutes = q.minutes.unwrap_or(60);
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(ApiError::bad_request(format!(
            "`minutes` must be between 1 and {MAX_MINUTES}"
        )));
    }
    if let Some(id) = &q.webhook_id {
        // A registration of another account is not found, not an empty chart.
        state.store.get_webhook(auth.id(), id).await?;
    }
    let from = minute_of(clock::now()) - chrono::Duration::minutes(i64::from(minutes) - 1);
    let counts = state
        .store
        .attempt_counts(auth.id(), q.webhook_id.as_deref(), from)
        .await?;
    let minutes = stats::per_minute(&counts, from, minutes)
        .into_iter()
        .map(|m| MinuteView {
            start: clock::format(&m.start),
            succeeded: m.succeeded,
            failed: m.failed,
            p50_ms: m.p50_ms,
            p99_ms: m.p99_ms,
        })
        .collect();
    Ok(Data::json(DeliveryStats {
        from: clock::format(&from),
        minutes,
    }))
}

/// Each registration's health: the latest outcome and the success rate over 24 hours, a page
/// of registrations at a time (`?limit=&cursor=` as every list), or one (`?webhook_id=`).
#[utoipa::path(get, path = "/stats/webhooks", tag = "stats",
    params(("account_id" = String, Path), WebhookStatsQuery),
    responses((status = 200, body = ServerResponse<WebhookStats>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn webhook_stats(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<WebhookStatsQuery>,
) -> Result<Data<WebhookStats>, ApiError> {
    let page = CursorQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request()?;
    if let Some(id) = &q.webhook_id {
        // A registration of another account is not found, not an empty list.
        state.store.get_webhook(auth.id(), id).await?;
    }
    let total = match &q.webhook_id {
        Some(_) => 1,
        // Bounded by --max-webhooks-per-account: counting them is cheap.
        None => state.store.count_webhooks(auth.id()).await?,
    };
    let limit = page.limit;
    let since = minute_of(clock::now()) - chrono::Duration::hours(24);
    let health = state
        .store
        .webhook_health(auth.id(), q.webhook_id.as_deref(), since, page)
        .await?;
    let next_cursor = health.next.as_ref().map(encode_cursor);
    let webhooks = health
        .items
        .into_iter()
        .map(|h| WebhookHealthView {
            last_outcome: match (h.failing_since, h.attempts) {
                (Some(_), _) => Some("failed".to_owned()),
                (None, 0) => None,
                (None, _) => Some("success".to_owned()),
            },
            success_rate_24h: h.success_rate(),
            webhook_id: h.webhook_id,
            enabled: h.enabled,
            failing_since: h.failing_since.as_ref().map(clock::format),
            last_attempt_minute: h.last_attempt_minute.as_ref().map(clock::format),
            attempts_24h: h.attempts,
            succeeded_24h: h.succeeded,
        })
        .collect();
    Ok(Data::json(WebhookStats {
        since: clock::format(&since),
        webhooks,
        total,
        limit,
        next_cursor,
    }))
}
