//! `/alerts`: the account's alert destination (a singleton sub-resource, with its own signing
//! secret, shown on creation and rotation only, like a registration's) and the alert log.
//! When an alert is due is the domain's (`collabkit_domain::rules::alerts`); the sender is
//! `crate::alerts`.

use axum::extract::State;
use axum::http::StatusCode;
use collabkit_webhooks::{AlertEventName, ServerResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::deliveries::AttemptList;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{PageQuery, encode_cursor, total_of};
use super::paths::AlertPath;
use super::{AppState, Data, validate};
use crate::clock;
use crate::secrets::new_webhook_secret;
use crate::store::{Alert, AlertDestination, AlertFilter, AlertStatus};
use collabkit_domain::rules::alerts::{DEFAULT_FAILURE_THRESHOLD, MAX_FAILURE_THRESHOLD};

/// How long a rotated-out secret keeps signing (as a registration's).
const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            get_alert_destination,
            put_alert_destination,
            delete_alert_destination
        ))
        .routes(routes!(rotate_alert_secret))
        .routes(routes!(list_alerts))
        .routes(routes!(list_alert_attempts))
}

/// The account's alert destination. `secret` is only in the answer that created it and in
/// the rotation's.
#[derive(Serialize, ToSchema)]
pub struct DestinationView {
    pub url: String,
    pub failure_threshold: u32,
    /// `whsec_…`: signs every alert (Standard Webhooks); only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl DestinationView {
    fn of(d: &AlertDestination, secret: Option<String>) -> DestinationView {
        DestinationView {
            url: d.url.clone(),
            failure_threshold: d.failure_threshold,
            secret,
            created_at: clock::format(&d.created_at),
            updated_at: clock::format(&d.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DestinationBody {
    pub destination: DestinationView,
}

/// Read as raw JSON so each rule gets a 400 naming its field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutDestination {
    /// Where alerts are sent: validated as a registration's `url` (absolute http(s), at most
    /// 2048 characters, no private destinations unless allowed).
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = String, format = "uri", max_length = 2048)]
    url: Option<Value>,
    /// Failed attempts in a row after which a registration is `registration.failing`: 1 to
    /// 10,000, default 5.
    #[serde(
        default,
        rename = "failureThreshold",
        deserialize_with = "validate::present"
    )]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    failure_threshold: Option<Value>,
}

fn threshold_field(value: Value) -> Result<u32, ApiError> {
    value
        .as_u64()
        .filter(|n| (1..=u64::from(MAX_FAILURE_THRESHOLD)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "`failureThreshold` must be a whole number from 1 to {MAX_FAILURE_THRESHOLD}"
            ))
        })
}

/// The account's alert destination (without its secret).
#[utoipa::path(get, path = "/alerts/destination", tag = "alerts",
    params(("account_id" = String, Path)),
    responses((status = 200, body = ServerResponse<DestinationBody>), (status = 404, description = "no alert destination is set", body = ErrorBody)))]
async fn get_alert_destination(
    auth: AccountAuth,
    State(state): State<AppState>,
) -> Result<Data<DestinationBody>, ApiError> {
    let d = state.store.alert_destination(auth.id()).await?;
    Ok(Data::json(DestinationBody {
        destination: DestinationView::of(&d, None),
    }))
}

/// Set the account's alert destination: 201 with its new signing secret when it is created,
/// 200 without it when its URL or threshold are replaced (the secret stays; see
/// `rotate-secret`). Alerts are sent there, signed with that secret, never to a failing
/// registration's URL. Bad input is 400 naming the field, nothing changed.
#[utoipa::path(put, path = "/alerts/destination", tag = "alerts",
    params(("account_id" = String, Path)), request_body = PutDestination,
    responses((status = 200, body = ServerResponse<DestinationBody>), (status = 201, body = ServerResponse<DestinationBody>),
        (status = 400, body = ErrorBody)))]
async fn put_alert_destination(
    auth: AccountAuth,
    State(state): State<AppState>,
    Json(body): Json<PutDestination>,
) -> Result<Data<DestinationBody>, ApiError> {
    let url = super::webhooks::url_field(
        &state,
        body.url
            .ok_or_else(|| ApiError::invalid("`url` is required"))?,
    )
    .await?;
    let threshold = body
        .failure_threshold
        .map(threshold_field)
        .transpose()?
        .unwrap_or(DEFAULT_FAILURE_THRESHOLD);
    let secret = new_webhook_secret();
    let (d, created) = state
        .store
        .put_alert_destination(auth.id(), &url, threshold, &state.secrets.seal(&secret))
        .await?;
    Ok(if created {
        Data::created(
            "Alert destination created",
            DestinationBody {
                destination: DestinationView::of(&d, Some(secret)),
            },
        )
    } else {
        Data::with(
            StatusCode::OK,
            "Alert destination updated",
            DestinationBody {
                destination: DestinationView::of(&d, None),
            },
        )
    })
}

/// Remove the alert destination: alerts still pending end `failed`; the log stays.
#[utoipa::path(delete, path = "/alerts/destination", tag = "alerts",
    params(("account_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_alert_destination(
    auth: AccountAuth,
    State(state): State<AppState>,
) -> Result<StatusCode, ApiError> {
    state.store.delete_alert_destination(auth.id()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the destination's signing secret. The old one keeps signing, as a second
/// signature, for 24 hours.
#[utoipa::path(post, path = "/alerts/destination/rotate-secret", tag = "alerts",
    params(("account_id" = String, Path)),
    responses((status = 200, body = ServerResponse<DestinationBody>), (status = 404, body = ErrorBody)))]
async fn rotate_alert_secret(
    auth: AccountAuth,
    State(state): State<AppState>,
) -> Result<Data<DestinationBody>, ApiError> {
    let secret = new_webhook_secret();
    let d = state
        .store
        .rotate_alert_secret(
            auth.id(),
            &state.secrets.seal(&secret),
            clock::now() + ROTATION_OVERLAP,
        )
        .await?;
    Ok(Data::json(DestinationBody {
        destination: DestinationView::of(&d, Some(secret)),
    }))
}

/// One alert of the log.
#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub id: String,
    pub kind: AlertEventName,
    pub webhook_id: String,
    /// `pending`, `success`, `failed`, or `suppressed` (held back by the rate limit: never
    /// sent, kept here so none is lost silently).
    pub status: String,
    pub attempts: u32,
    pub last_attempt_at: Option<String>,
    pub next_retry_at: Option<String>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub created_at: String,
    /// The alert's body (an `AlertEvent`) as JSON, byte for byte as sent.
    pub payload: String,
}

impl AlertView {
    fn of(a: Alert) -> AlertView {
        AlertView {
            id: a.id,
            kind: a.kind,
            webhook_id: a.webhook_id,
            status: a.status.as_str().to_owned(),
            attempts: a.attempts,
            last_attempt_at: a.last_attempt_at.as_ref().map(clock::format),
            next_retry_at: a.next_retry_at.as_ref().map(clock::format),
            status_code: a.status_code,
            error: a.error,
            created_at: clock::format(&a.created_at),
            payload: a.payload,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<AlertView>,
    /// How many alerts the log holds with its filters (`?status=suppressed`: how many the
    /// rate limit held back).
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `pending`, `success`, `failed` or `suppressed`.
    status: Option<String>,
    /// An alert kind, e.g. `registration.failing`.
    #[param(value_type = Option<AlertEventName>)]
    kind: Option<String>,
    /// Only alerts about this registration.
    webhook_id: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// How many alerts to skip (default 0; not with `cursor`).
    #[param(minimum = 0)]
    offset: Option<u64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The account's alerts, newest first, whether sent, failing to be sent or suppressed.
#[utoipa::path(get, path = "/alerts", tag = "alerts",
    params(("account_id" = String, Path), AlertQuery),
    responses((status = 200, body = ServerResponse<AlertList>), (status = 400, body = ErrorBody)))]
async fn list_alerts(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<AlertQuery>,
) -> Result<Data<AlertList>, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            AlertStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    "`status` must be one of pending, success, failed, suppressed",
                )
            })
        })
        .transpose()?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            AlertEventName::parse(k).ok_or_else(|| {
                ApiError::bad_request(
                    "`kind` must be one of registration.failing, registration.disabled, \
                     registration.recovered, delivery.exhausted",
                )
            })
        })
        .transpose()?;
    let asked = PageQuery {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor,
    }
    .to_request()?;
    let filter = AlertFilter {
        status,
        kind,
        webhook_id: q.webhook_id.filter(|w| !super::paths::names_nothing(w)),
    };
    let page = state
        .store
        .list_alerts(auth.id(), &filter, asked.clone())
        .await?;
    Ok(Data::json(AlertList {
        total: total_of(&page, &asked),
        limit: asked.limit,
        offset: asked.skip(),
        next_cursor: page.next.as_ref().map(encode_cursor),
        alerts: page.items.into_iter().map(AlertView::of).collect(),
    }))
}

/// Every attempt to send an alert, oldest first.
#[utoipa::path(get, path = "/alerts/{alert_id}/attempts", tag = "alerts",
    params(("account_id" = String, Path), ("alert_id" = String, Path)),
    responses((status = 200, body = ServerResponse<AttemptList>), (status = 404, body = ErrorBody)))]
async fn list_alert_attempts(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<AlertPath>,
) -> Result<Data<AttemptList>, ApiError> {
    let attempts = state
        .store
        .list_alert_attempts(auth.id(), &p.alert_id)
        .await?;
    Ok(Data::json(AttemptList::of(attempts)))
}
