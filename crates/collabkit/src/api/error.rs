//! `ApiError`: every failure of the API, answered in the envelope (see `envelope.rs`) with its
//! documented code, its precise reason and the module that answered.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use collabkit_webhooks::{Empty, ErrorCode, ResponseType, ServerError, ServerResponse};

use super::context;
use crate::delivery::warnings::Warnings;
use crate::store::{Conflict, StoreError, StoreRuleError};

/// While the storage is down every request fails the same way: one ERROR line per
/// [`STORAGE_LOG_WINDOW`] and kind (retryable or not) says so, the next one how many were left
/// out, instead of a line per refused request.
const STORAGE_LOG_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

static STORAGE_FAILURES: std::sync::LazyLock<Warnings> =
    std::sync::LazyLock::new(|| Warnings::new(STORAGE_LOG_WINDOW));

#[derive(Debug)]
pub struct ApiError {
    /// Sent as `Retry-After` (seconds) when set.
    pub retry_after: Option<u64>,
    pub status: StatusCode,
    /// The documented code (it follows from the status, but for the two kinds of 400).
    pub code: ErrorCode,
    /// The precise cause, stable snake_case clients can match on (what `code` was before the
    /// envelope: `invalid_body`, `overloaded`, `room_full`, …).
    pub reason: &'static str,
    /// A sentence for humans that names the problem.
    pub message: String,
}

/// The envelope of a failed answer, for the OpenAPI document: what
/// `ServerResponse::failed` serializes (a test keeps the two the same), with `error` present.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: ResponseType,
    /// `false`.
    pub success: bool,
    /// The error's message.
    pub description: String,
    pub data: Empty,
    pub error: ServerError,
    /// The id the request was logged under (also the `x-request-id` header).
    #[serde(rename = "requestId")]
    pub request_id: String,
}

impl ApiError {
    /// An error with the code its status gives (`BAD_REQUEST` for a 400).
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: None,
            status,
            code: ErrorCode::for_status(status.as_u16()),
            reason,
            message: message.into(),
        }
    }

    /// The same error with another reason.
    pub fn with_reason(self, reason: &'static str) -> ApiError {
        ApiError { reason, ..self }
    }

    /// 400 `VALIDATION_ERROR` for a body of the wrong shape or a field breaking a rule.
    pub fn validation(reason: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code: ErrorCode::ValidationError,
            ..ApiError::new(StatusCode::BAD_REQUEST, reason, message)
        }
    }

    /// 503 with `Retry-After`: the server refused the request, unchanged, to stay prompt.
    pub fn overloaded() -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "the server has more work than it can do in time; nothing was changed, try again shortly",
            )
        }
    }

    /// 400 `VALIDATION_ERROR` for a body field that parsed but breaks a rule; the message
    /// names the field.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        Self::validation("invalid_request", message)
    }

    /// 400 `BAD_REQUEST` for a query parameter (or a cursor) that breaks a rule; the message
    /// names it.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(what: &str) -> ApiError {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(rule) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", conflict_message(rule))
            }
            StoreError::InvalidCursor => {
                ApiError::bad_request("`cursor` is not a cursor this server returned")
            }
            StoreError::Unrepresentable => ApiError::invalid(
                "a value in the request contains a NUL character, which no id or field may hold",
            ),
            StoreError::Overloaded => ApiError::overloaded(),
            StoreError::Backend { source, retryable } => {
                // The cause is for operators; clients get no internals.
                let kind = if retryable { "retryable" } else { "lasting" };
                if let Some(left_out) = STORAGE_FAILURES.allow(kind) {
                    tracing::error!(
                        cause = %source,
                        retryable,
                        similar_lines_left_out = left_out,
                        "storage failure"
                    );
                }
                ApiError {
                    // A transient failure (a dropped connection, a conflict between
                    // transactions) may pass on the next try.
                    retry_after: retryable.then_some(1),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "storage_unavailable",
                        "the storage backend failed; try again",
                    )
                }
            }
        }
    }
}

impl From<StoreRuleError> for ApiError {
    /// A store write that breaks a rule: a bad value is the request's fault (400); a store or
    /// room at its bounds is the state's (409); an update of nothing is a missing entry (404).
    fn from(e: StoreRuleError) -> Self {
        let message = e.to_string();
        match e.code() {
            "store_limit" => ApiError::new(StatusCode::CONFLICT, "store_limit", message),
            "entry_not_found" => ApiError::new(StatusCode::NOT_FOUND, "entry_not_found", message),
            code => ApiError::validation(code, message),
        }
    }
}

/// The words for a broken uniqueness rule.
fn conflict_message(rule: Conflict) -> &'static str {
    match rule {
        Conflict::RoomCustomId => "a room with this customId already exists",
        Conflict::UserCustomId => "a user with this customId already exists in the room",
        Conflict::WebhookDisabled => {
            "the webhook is disabled; enable it (PATCH /webhooks/{id}) before replaying events"
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = ServerError {
            module: context::module().to_owned(),
            code: self.code,
            message: self.message,
            reason: self.reason.to_owned(),
        };
        let body = ServerResponse::failed(error, &*context::request_id());
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// Fallback for unknown routes.
pub async fn route_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such route")
}

/// Fallback for a known route called with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

/// Turns a handler panic into the JSON error shape (it is logged by the trace layer).
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the server hit an unexpected error",
    )
    .into_response()
}
