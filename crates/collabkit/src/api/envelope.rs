//! The one place where answers get the documented envelope (`ServerResponse` of
//! `collabkit-webhooks`): `{type: "response", success, description, data, error, requestId}`.
//!
//! [`request_context`] runs around every request, outermost: it settles the request id (the
//! client's `x-request-id` when it is sane, else a new `req_…`), which the access log, the
//! `x-request-id` answer header and the envelope's `requestId` all carry, and the API module the
//! path belongs to (the error's `module`). Handlers and extractors read both from a task-local:
//! [`Data`] is every success, [`super::error::ApiError`] every failure. An error answer that
//! did not come from either (a rejection some layer made in plain text) is rewritten into the
//! envelope here, so no JSON client ever sees another shape.

use std::borrow::Cow;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use collabkit_webhooks::ServerResponse;
use serde::Serialize;

use super::context::{CONTEXT, RequestContext, module_of, new_request_id, request_id, sane};
use super::error::ApiError;

/// The header that carries the request id, both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// Outermost middleware: the request id and module for everything inside, the id echoed in the
/// `x-request-id` header, and any error answer that is not JSON put into the envelope.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = match req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
        Some(id) if sane(id) => id.to_owned(),
        _ => new_request_id(),
    };
    let header_value = HeaderValue::from_str(&id).expect("a sane id is a header value");
    req.headers_mut().insert(REQUEST_ID, header_value.clone());
    let context = RequestContext {
        request_id: id.into(),
        module: module_of(req.uri().path()),
    };
    let mut response = CONTEXT
        .scope(context.clone(), async move {
            let response = next.run(req).await;
            enveloped(response).await
        })
        .await;
    response.headers_mut().insert(REQUEST_ID, header_value);
    response
}

/// An error answer without a JSON body (a rejection made in plain text by a layer or an
/// extractor that is not ours) becomes the envelope, its text as the message.
async fn enveloped(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if json {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let (_, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_lowercase()
    } else {
        text
    };
    let reason = reason_for(status);
    let mut response = ApiError::new(status, reason, message).into_response();
    if let Some(v) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The snake_case reason of a status whose cause is not known better.
fn reason_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        503 => "service_unavailable",
        500..=599 => "internal_error",
        _ => "invalid_request",
    }
}

/// A successful answer: `data` in the envelope with a `description`, 200 unless said otherwise.
pub struct Data<T> {
    status: StatusCode,
    description: Cow<'static, str>,
    data: T,
}

impl<T> Data<T> {
    /// 200 "OK".
    pub fn json(data: T) -> Data<T> {
        Data {
            status: StatusCode::OK,
            description: Cow::Borrowed("OK"),
            data,
        }
    }

    /// 201 with its description ("Room created").
    pub fn created(description: &'static str, data: T) -> Data<T> {
        Data {
            status: StatusCode::CREATED,
            description: Cow::Borrowed(description),
            data,
        }
    }

    /// Another status (202, say) or description.
    pub fn with(status: StatusCode, description: &'static str, data: T) -> Data<T> {
        Data {
            status,
            description: Cow::Borrowed(description),
            data,
        }
    }

    /// The result, for handlers that wrap another's answer.
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        let body = ServerResponse::ok(self.description, self.data, &*request_id());
        (self.status, axum::Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_follow_the_path() {
        let a = "/v1/accounts/acct_1";
        for (path, module) in [
            ("/v1/connect", "Realtime"),
            ("/healthz", "Server"),
            ("/nope", "Server"),
            (&format!("{a}/rooms") as &str, "Rooms"),
            (&format!("{a}/rooms/r/users"), "Rooms"),
            (&format!("{a}/rooms/r/events"), "Events"),
            (&format!("{a}/rooms/r/recent-events"), "Events"),
            (&format!("{a}/rooms/r/participants"), "Realtime"),
            (&format!("{a}/rooms/custom/events"), "Rooms"),
            (&format!("{a}/users/u"), "Users"),
            (&format!("{a}/webhooks/w"), "Webhooks"),
            (
                &format!("{a}/webhooks/w/deliveries/d/attempts"),
                "Deliveries",
            ),
            (&format!("{a}/webhooks/w/recover"), "Deliveries"),
            (&format!("{a}/webhooks/w/replay"), "Deliveries"),
            (&format!("{a}/alerts/destination"), "Deliveries"),
            (&format!("{a}/events/stream"), "Events"),
            (&format!("{a}/stats/webhooks"), "Stats"),
            (&format!("{a}/whatever"), "Accounts"),
            (a, "Accounts"),
        ] {
            assert_eq!(module_of(path), module, "{path}");
        }
    }

    /// A plain-text rejection (one no extractor of ours made) is put into the envelope, with the
    /// request's id and module, its text as the message and its `Retry-After` kept.
    #[tokio::test]
    async fn plain_text_errors_are_put_into_the_envelope() {
        let plain = Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(header::RETRY_AFTER, "3")
            .body(axum::body::Body::from("Invalid URL: bad segment"))
            .unwrap();
        let context = RequestContext {
            request_id: "req_test".into(),
            module: "Users",
        };
        let response = CONTEXT.scope(context, enveloped(plain)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: collabkit_webhooks::ServerResponse<collabkit_webhooks::Empty> =
            serde_json::from_slice(&bytes).unwrap();
        let error = body.error.unwrap();
        assert!(!body.success);
        assert_eq!(body.request_id, "req_test");
        assert_eq!(error.module, "Users");
        assert_eq!(error.code, collabkit_webhooks::ErrorCode::BadRequest);
        assert_eq!(error.reason, "invalid_request");
        assert_eq!(error.message, "Invalid URL: bad segment");
    }

    #[test]
    fn only_sane_client_ids_are_kept() {
        assert!(sane("req_abc123"));
        assert!(sane("6f1c2a4e-1b2c-4d5e-8f90-123456789abc"));
        assert!(!sane(""));
        assert!(!sane("two words"));
        assert!(!sane("quote\"d"));
        assert!(!sane(&"x".repeat(129)));
    }
}
