//! `ApiError`: the one place where failures become the contract's JSON error shape.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::delivery::warnings::Warnings;
use crate::store::{Conflict, StoreError};

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
    /// A stable snake_case code clients can match on.
    pub code: &'static str,
    /// A sentence for humans that names the problem.
    pub message: String,
}

/// `{"error": {"code", "message"}}`
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: None,
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 for input that parsed but breaks a rule; the message names the field.
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

    pub fn invalid(message: impl Into<String>) -> ApiError {
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
                ApiError::invalid("`cursor` is not a cursor this server returned")
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

/// The words for a broken uniqueness rule.
fn conflict_message(rule: Conflict) -> &'static str {
    match rule {
        Conflict::RoomCustomId => "a room with this customId already exists",
        Conflict::UserCustomId => "a user with this customId already exists in the room",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
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
