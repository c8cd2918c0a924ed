//! The response envelope of the CollabKit REST API (`/api-reference/overview`): every JSON
//! answer of the server is a [`ServerResponse`], the result in `data` (`{}` on error) and, on
//! failure, a [`ServerError`] in `error`.
//!
//! The server serializes its answers with these types and clients parse them with the same, so
//! the two cannot drift apart. Unknown fields are refused when parsing, like the webhook types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `"response"`: the only `type` an answer has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ResponseType {
    #[default]
    #[serde(rename = "response")]
    Response,
}

/// `{type: "response", success, description, data, error, requestId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerResponse<T> {
    #[serde(rename = "type")]
    pub kind: ResponseType,
    /// `true` with a 2xx answer, `false` with an error.
    pub success: bool,
    /// A sentence for humans, e.g. "Room created".
    pub description: String,
    /// The result; `{}` on error.
    pub data: T,
    /// `null` on success.
    pub error: Option<ServerError>,
    /// The id the server logged the request under (also its `x-request-id` header).
    #[serde(rename = "requestId")]
    pub request_id: String,
}

impl<T> ServerResponse<T> {
    /// A successful answer.
    pub fn ok(description: impl Into<String>, data: T, request_id: impl Into<String>) -> Self {
        ServerResponse {
            kind: ResponseType::Response,
            success: true,
            description: description.into(),
            data,
            error: None,
            request_id: request_id.into(),
        }
    }
}

impl ServerResponse<Empty> {
    /// A failed answer: `data` is `{}`, `description` the error's message.
    pub fn failed(error: ServerError, request_id: impl Into<String>) -> Self {
        ServerResponse {
            kind: ResponseType::Response,
            success: false,
            description: error.message.clone(),
            data: Empty {},
            error: Some(error),
            request_id: request_id.into(),
        }
    }
}

/// `{}`: the `data` of a failed answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// What went wrong: `{module, code, message, reason}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerError {
    /// The part of the API that answered: `Rooms`, `Users`, `Webhooks`, `Deliveries`, `Events`,
    /// `Stats`, `Accounts`, `Realtime` or `Server`.
    pub module: String,
    /// The documented code; it follows from the HTTP status (both 400s tell a body of the wrong
    /// shape or a field breaking a rule, `VALIDATION_ERROR`, from any other bad request).
    pub code: ErrorCode,
    /// A sentence for humans that names the problem (the field, the limit).
    pub message: String,
    /// The precise cause, stable snake_case a client can act on: `invalid_body`,
    /// `invalid_request`, `invalid_json`, `invalid_query`, `not_found`, `route_not_found`,
    /// `conflict`, `too_many_webhooks`, `overloaded`, `storage_unavailable`, `rate_limited`,
    /// `room_full`, `too_many_connections`, `too_many_streams`, `streams_full`, …
    pub reason: String,
}

/// The documented error codes, and those the server's limits need (413, 415, 405, 503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: malformed JSON, a bad query parameter or cursor.
    BadRequest,
    /// 400: a body of the wrong shape (a missing, unknown or mistyped field) or a field breaking
    /// a rule.
    ValidationError,
    /// 401: missing or wrong credentials (or user token).
    Unauthorized,
    /// 403: the credentials do not give access to that account.
    Forbidden,
    /// 404: no such resource (or another account's), or no such route.
    NotFound,
    /// 405: the route does not take that method.
    MethodNotAllowed,
    /// 409: a uniqueness rule or a bound on the number of things.
    Conflict,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: past a rate or a count limit; see `Retry-After` when given.
    RateLimited,
    /// 500: the server hit an unexpected error.
    InternalError,
    /// 503: overloaded or the storage unavailable; nothing changed, retry after `Retry-After`.
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, in the order above.
    pub const ALL: [ErrorCode; 12] = [
        Self::BadRequest,
        Self::ValidationError,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::RateLimited,
        Self::InternalError,
        Self::ServiceUnavailable,
    ];

    /// The HTTP status it is sent with.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest | Self::ValidationError => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RateLimited => 429,
            Self::InternalError => 500,
            Self::ServiceUnavailable => 503,
        }
    }

    /// The code of an error status; `BAD_REQUEST` for a 400 (`VALIDATION_ERROR` is chosen by
    /// the cause), and the nearest class for a status without a code of its own.
    pub fn for_status(status: u16) -> ErrorCode {
        match status {
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 | 410 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationError,
            429 => Self::RateLimited,
            503 => Self::ServiceUnavailable,
            500..=599 => Self::InternalError,
            _ => Self::BadRequest,
        }
    }

    /// The wire name, e.g. `NOT_FOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::ValidationError => "VALIDATION_ERROR",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Conflict => "CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::RateLimited => "RATE_LIMITED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_serialize_to_the_documented_envelope() {
        let ok = ServerResponse::ok("Room created", json!({"room": {"id": "r"}}), "req_1");
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            json!({"type": "response", "success": true, "description": "Room created",
                   "data": {"room": {"id": "r"}}, "error": null, "requestId": "req_1"})
        );
        let failed = ServerResponse::failed(
            ServerError {
                module: "Rooms".into(),
                code: ErrorCode::NotFound,
                message: "room not found".into(),
                reason: "not_found".into(),
            },
            "req_2",
        );
        let value = serde_json::to_value(&failed).unwrap();
        assert_eq!(
            value,
            json!({"type": "response", "success": false, "description": "room not found",
                   "data": {}, "error": {"module": "Rooms", "code": "NOT_FOUND",
                   "message": "room not found", "reason": "not_found"}, "requestId": "req_2"})
        );
        let back: ServerResponse<Empty> = serde_json::from_value(value).unwrap();
        assert_eq!(back, failed);
    }

    #[test]
    fn codes_and_statuses_agree() {
        for code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).unwrap();
            assert_eq!(wire, code.as_str());
            if code != ErrorCode::ValidationError {
                assert_eq!(ErrorCode::for_status(code.status()), code);
            }
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = r#"{"type":"response","success":true,"description":"OK","data":{},
                       "error":null,"requestId":"r","extra":1}"#;
        assert!(serde_json::from_str::<ServerResponse<Empty>>(text).is_err());
    }
}
