//! `/webhooks`: registrations. The secret is in the create and rotate responses only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use collabkit_webhooks::ServerResponse;
use collabkit_webhooks::{WebhookEventName, WebhookRegistration, WebhookRegistrationPublic};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{self, PageQuery, encode_cursor, total_of};
use super::paths::WebhookPath;
use super::{AppState, Data, EVENT_NAMES_LIST, validate};
use crate::delivery::guard;
use crate::secrets::new_webhook_secret;
use crate::store::{NewWebhook, StoreError, WebhookFilter, WebhookHeaders, WebhookPatch};
use collabkit_domain::rules::headers::check_headers;

/// How long a rotated-out secret keeps signing.
const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_webhook, list_webhooks))
        .routes(routes!(get_webhook, update_webhook, delete_webhook))
        .routes(routes!(rotate_secret))
        .routes(routes!(get_headers, put_headers))
}

/// Fields are read as raw JSON so each rule gets a 400 naming its field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// Absolute http(s) URL, at most 2048 characters, without a fragment, not on port 0.
    #[schema(value_type = String, format = "uri", max_length = 2048)]
    url: Option<Value>,
    /// Non-empty list of event names; duplicates are folded.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Vec<WebhookEventName>)]
    events: Option<Value>,
    /// Only events of this room; null for the whole account.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    room_id: Option<Value>,
    /// The same as `room_id`, as the CollabKit documentation spells it (both given must agree).
    #[serde(default, rename = "roomId")]
    #[schema(value_type = Option<String>)]
    room_id_camel: Option<Value>,
    /// Default true.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Option<bool>)]
    enabled: Option<Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2048)]
    url: Option<Value>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Option<Vec<WebhookEventName>>)]
    events: Option<Value>,
    /// Only events of this room; null for the whole account.
    #[serde(default, deserialize_with = "validate::double_option")]
    #[schema(value_type = Option<String>)]
    room_id: Option<Option<Value>>,
    /// The same as `room_id`, as the CollabKit documentation spells it (both given must agree).
    #[serde(
        default,
        rename = "roomId",
        deserialize_with = "validate::double_option"
    )]
    #[schema(value_type = Option<String>)]
    room_id_camel: Option<Option<Value>>,
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = Option<bool>)]
    enabled: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationBody {
    pub webhook: WebhookRegistration,
}

#[derive(Serialize, ToSchema)]
pub struct PublicBody {
    pub webhook: WebhookRegistrationPublic,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookRegistrationPublic>,
    /// How many registrations the list holds with its filters.
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only registrations scoped to this room.
    room_id: Option<String>,
    /// The same as `room_id`.
    #[serde(rename = "roomId")]
    #[param(rename = "roomId")]
    room_id_camel: Option<String>,
    /// A case-insensitive part of the URL.
    search: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// How many registrations to skip (default 0; not with `cursor`).
    #[param(minimum = 0)]
    offset: Option<u64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// `room_id` or its documented spelling `roomId`: one of them, or both saying the same.
fn either_spelling<T: PartialEq>(
    snake: Option<T>,
    camel: Option<T>,
    differ: impl FnOnce() -> ApiError,
) -> Result<Option<T>, ApiError> {
    match (snake, camel) {
        (Some(a), Some(b)) if a != b => Err(differ()),
        (a, b) => Ok(a.or(b)),
    }
}

fn room_spellings_differ() -> ApiError {
    ApiError::invalid("`room_id` and `roomId` name the same field and differ: give one")
}

/// A destination URL (a registration's, the alert destination's): one rule for both.
pub(super) async fn url_field(state: &AppState, value: Value) -> Result<String, ApiError> {
    let Value::String(url) = value else {
        return Err(ApiError::invalid("`url` must be a string"));
    };
    let parsed = validate::destination("url", &url)?;
    guard::check_destination(&parsed, state.delivery.allow_private_destinations)
        .await
        .map_err(|why| ApiError::invalid(format!("`url` is not allowed: {why}")))?;
    // Stored as parsed (one parser's reading, the one checked above), so delivery cannot
    // read the URL differently: `http://%31%32%37.0.0.1/` is 127.0.0.1 for both.
    let normalised = parsed.to_string();
    if normalised.len() > validate::MAX_URL {
        return Err(ApiError::invalid(format!(
            "`url` must be at most {} characters once normalised",
            validate::MAX_URL
        )));
    }
    Ok(normalised)
}

fn events_field(value: Value) -> Result<Vec<WebhookEventName>, ApiError> {
    let bad = || {
        ApiError::invalid(format!(
            "`events` must be a non-empty list of event names: {EVENT_NAMES_LIST}"
        ))
    };
    let Value::Array(items) = value else {
        return Err(bad());
    };
    if items.is_empty() {
        return Err(bad());
    }
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        let name = item.as_str().ok_or_else(bad)?;
        let event = WebhookEventName::parse(name).ok_or_else(|| {
            ApiError::invalid(format!(
                "`events` contains `{name}`, which is not an event name; use: {EVENT_NAMES_LIST}"
            ))
        })?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    // Stored as a set: answered in the seed's order.
    events.sort_by_key(|e| WebhookEventName::ALL.iter().position(|x| x == e));
    Ok(events)
}

fn room_field(value: Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        _ => Err(ApiError::invalid("`room_id` must be a string or null")),
    }
}

fn enabled_field(value: Value) -> Result<bool, ApiError> {
    value
        .as_bool()
        .ok_or_else(|| ApiError::invalid("`enabled` must be true or false"))
}

/// A room that is not this account's is a bad `room_id`, not a missing route.
fn room_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound("room") | StoreError::Unrepresentable => {
            ApiError::invalid("`room_id` must be null or the id of a room of this account")
        }
        other => other.into(),
    }
}

/// Register a webhook. The response is the only one that holds the signing secret. An account
/// may have `--max-webhooks-per-account` registrations (1,000 by default): one more is 409
/// `too_many_webhooks`, nothing stored.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks",
    params(("account_id" = String, Path)), request_body = CreateWebhook,
    responses((status = 201, body = ServerResponse<RegistrationBody>), (status = 400, body = ErrorBody),
        (status = 409, description = "the account has the most registrations allowed", body = ErrorBody)))]
async fn create_webhook(
    auth: AccountAuth,
    State(state): State<AppState>,
    Json(body): Json<CreateWebhook>,
) -> Result<impl IntoResponse, ApiError> {
    let url = url_field(
        &state,
        body.url
            .ok_or_else(|| ApiError::invalid("`url` is required"))?,
    )
    .await?;
    let events = events_field(
        body.events
            .ok_or_else(|| ApiError::invalid("`events` is required"))?,
    )?;
    let room_id = either_spelling(body.room_id, body.room_id_camel, room_spellings_differ)?
        .map(room_field)
        .transpose()?
        .flatten();
    let enabled = body.enabled.map(enabled_field).transpose()?.unwrap_or(true);
    // Every registration is read on each event of its account and listed by the dashboard:
    // their number is bounded. Counted before the insert, so creations racing at the bound
    // may pass it by as many as race; a refused one changes nothing.
    let max = state.delivery.max_webhooks_per_account;
    if state.store.count_webhooks(auth.id()).await? >= max {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_many_webhooks",
            format!(
                "this account already has {max} webhook registrations, the most allowed \
                 (--max-webhooks-per-account); delete one first"
            ),
        ));
    }
    let secret = new_webhook_secret();
    let webhook = state
        .store
        .create_webhook(
            auth.id(),
            NewWebhook {
                url,
                events,
                room_id,
                enabled,
                secret_sealed: state.secrets.seal(&secret),
            },
        )
        .await
        .map_err(room_error)?;
    Ok(Data::created(
        "Webhook created",
        RegistrationBody {
            webhook: webhook.to_registration(secret),
        },
    ))
}

/// List registrations (without secrets), oldest first: of one room (`room_id` or `roomId`),
/// by a part of their URL (`search`).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    params(("account_id" = String, Path), ListQuery),
    responses((status = 200, body = ServerResponse<WebhookList>)))]
async fn list_webhooks(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Data<WebhookList>, ApiError> {
    let asked = PageQuery {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor,
    }
    .to_request()?;
    let filter = WebhookFilter {
        room_id: either_spelling(q.room_id, q.room_id_camel, || {
            ApiError::bad_request(
                "`room_id` and `roomId` name the same filter and differ: give one",
            )
        })?,
        search: pagination::search(q.search)?,
    };
    let page = state
        .store
        .list_webhooks(auth.id(), &filter, asked.clone())
        .await?;
    Ok(Data::json(WebhookList {
        webhooks: page.items.iter().map(|w| w.to_public()).collect(),
        total: total_of(&page, &asked),
        limit: asked.limit,
        offset: asked.skip(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

/// Get a registration (without its secret).
#[utoipa::path(get, path = "/webhooks/{webhook_id}", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = ServerResponse<PublicBody>), (status = 404, body = ErrorBody)))]
async fn get_webhook(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
) -> Result<Data<PublicBody>, ApiError> {
    let webhook = state.store.get_webhook(auth.id(), &p.webhook_id).await?;
    Ok(Data::json(PublicBody {
        webhook: webhook.to_public(),
    }))
}

/// Update a registration. Disabling it fails its pending deliveries (see `recover`).
#[utoipa::path(patch, path = "/webhooks/{webhook_id}", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)), request_body = UpdateWebhook,
    responses((status = 200, body = ServerResponse<PublicBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update_webhook(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Json(body): Json<UpdateWebhook>,
) -> Result<Data<PublicBody>, ApiError> {
    let url = match body.url {
        Some(v) => Some(url_field(&state, v).await?),
        None => None,
    };
    let patch = WebhookPatch {
        url,
        events: body.events.map(events_field).transpose()?,
        room_id: either_spelling(
            body.room_id.map(|v| v.unwrap_or(Value::Null)),
            body.room_id_camel.map(|v| v.unwrap_or(Value::Null)),
            room_spellings_differ,
        )?
        .map(room_field)
        .transpose()?,
        enabled: body.enabled.map(enabled_field).transpose()?,
    };
    let webhook = state
        .store
        .update_webhook(auth.id(), &p.webhook_id, patch)
        .await
        .map_err(room_error)?;
    Ok(Data::with(
        StatusCode::OK,
        "Webhook updated",
        PublicBody {
            webhook: webhook.to_public(),
        },
    ))
}

/// Delete a registration with its delivery log.
#[utoipa::path(delete, path = "/webhooks/{webhook_id}", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_webhook(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
) -> Result<StatusCode, ApiError> {
    state.store.delete_webhook(auth.id(), &p.webhook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the signing secret. The old one keeps signing, as a second signature, for 24 hours.
#[utoipa::path(post, path = "/webhooks/{webhook_id}/rotate-secret", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = ServerResponse<RegistrationBody>), (status = 404, body = ErrorBody)))]
async fn rotate_secret(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
) -> Result<Data<RegistrationBody>, ApiError> {
    let secret = new_webhook_secret();
    let webhook = state
        .store
        .rotate_webhook_secret(
            auth.id(),
            &p.webhook_id,
            &state.secrets.seal(&secret),
            crate::clock::now() + ROTATION_OVERLAP,
        )
        .await?;
    Ok(Data::json(RegistrationBody {
        webhook: webhook.to_registration(secret),
    }))
}

/// A registration's custom headers.
#[derive(Serialize, ToSchema)]
pub struct HeadersBody {
    /// Header names (as given) to values; empty when it has none.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub headers: WebhookHeaders,
}

/// Read as raw JSON so each rule gets a 400 naming the header.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutHeaders {
    /// Every custom header, replacing the ones set before (`{}` clears them): at most 64, names
    /// HTTP tokens, values visible ASCII, spaces and tabs, at most 4,096 bytes of names and
    /// values together. Refused names, whatever their case: `webhook-*`, `collabkit-*`,
    /// `proxy-*`, `host`, `content-length`, `content-type`, `transfer-encoding`, `connection`,
    /// `keep-alive`, `te`, `trailer`, `upgrade`, `expect`.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    headers: Option<Value>,
}

fn headers_field(value: Value) -> Result<WebhookHeaders, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::invalid(
            "`headers` must be an object of header names to string values",
        ));
    };
    let mut headers = WebhookHeaders::new();
    for (name, value) in map {
        let Value::String(value) = value else {
            return Err(ApiError::invalid(format!(
                "`headers` value of `{}` must be a string",
                name.escape_debug()
            )));
        };
        headers.insert(name, value);
    }
    check_headers(&headers).map_err(|e| ApiError::invalid(e.0))?;
    Ok(headers)
}

/// The registration's custom headers, sent with every attempt of its deliveries.
#[utoipa::path(get, path = "/webhooks/{webhook_id}/headers", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)),
    responses((status = 200, body = ServerResponse<HeadersBody>), (status = 404, body = ErrorBody)))]
async fn get_headers(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
) -> Result<Data<HeadersBody>, ApiError> {
    let headers = state
        .store
        .webhook_headers(auth.id(), &p.webhook_id)
        .await?;
    Ok(Data::json(HeadersBody { headers }))
}

/// Replace the registration's custom headers (`{}` clears them). Every attempt from then on
/// sends them, retries of earlier deliveries included, beside the signature headers; one named
/// `User-Agent` replaces the server's. A refused set is 400 naming the header, nothing changed.
#[utoipa::path(put, path = "/webhooks/{webhook_id}/headers", tag = "webhooks",
    params(("account_id" = String, Path), ("webhook_id" = String, Path)), request_body = PutHeaders,
    responses((status = 200, body = ServerResponse<HeadersBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn put_headers(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<WebhookPath>,
    Json(body): Json<PutHeaders>,
) -> Result<Data<HeadersBody>, ApiError> {
    let headers = headers_field(
        body.headers
            .ok_or_else(|| ApiError::invalid("`headers` is required"))?,
    )?;
    let headers = state
        .store
        .set_webhook_headers(auth.id(), &p.webhook_id, headers)
        .await?;
    Ok(Data::with(
        StatusCode::OK,
        "Webhook headers replaced",
        HeadersBody { headers },
    ))
}
