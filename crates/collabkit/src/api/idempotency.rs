//! `Idempotency-Key` on the account-scoped POSTs: the same key and request (method, path and
//! body bytes) within the window (`--idempotency-window`, 24 h) answers what the first answered,
//! without acting again, on any node (the records are in the database).
//!
//! - A key is 1 to 255 visible ASCII characters; else 400 `invalid_idempotency_key`.
//! - The request authenticates first (a stranger cannot claim an account's keys); the account
//!   found is handed to the handler's [`super::auth::AccountAuth`], which does not check again.
//! - A completed record of the same request: its status, `content-type`, `location` and body,
//!   with `Idempotent-Replayed: true`.
//! - The same key with another request: 422 `VALIDATION_ERROR` `idempotency_key_reused`.
//! - The first request still being handled (a concurrent duplicate): 409 `CONFLICT`
//!   `idempotency_key_in_progress` with `Retry-After: 1`; the retry then gets the replay.
//! - Only 2xx and 4xx answers are stored; a 5xx (or a request cut off) releases the key, so a
//!   retry acts again. The answer is stored right after the handler's commit: a crash between
//!   the two also leaves the key to be released (after [`ABANDONED_AFTER`]), and a retry acts again.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use collabkit_webhooks::ErrorCode;
use sha2::{Digest, Sha256};

use super::AppState;
use super::auth::{AccountAuth, Authenticated};
use super::error::ApiError;
use crate::clock;
use crate::store::{IdempotencyClaim, SharedStore, StoredResponse};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The answer header of a replay.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key.
pub const MAX_KEY: usize = 255;
/// A record still in progress this long after its claim belongs to a request whose node died:
/// another request may take the key over.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(60);
/// The largest answer stored (larger ones release the key: a retry acts again).
const MAX_STORED: usize = 1 << 20;

/// Whether `key` is a key this server accepts.
pub fn valid_key(key: &[u8]) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY && key.iter().all(|b| b.is_ascii_graphic())
}

/// Gives back an in-progress claim unless [`Claim::finish`] stored the answer: also when the
/// request's future is dropped (a client gone, a panic).
struct Claim {
    store: SharedStore,
    account: String,
    key: String,
    done: bool,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.done {
            let (store, account, key) =
                (self.store.clone(), self.account.clone(), self.key.clone());
            tokio::spawn(async move {
                if let Err(e) = store.release_idempotency_key(&account, &key).await {
                    tracing::warn!(error = %e, "releasing an idempotency key failed");
                }
            });
        }
    }
}

/// The middleware (a route layer of the account-scoped routes).
pub async fn layer(
    State((state, body_limit)): State<(AppState, usize)>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    if !valid_key(key.as_bytes()) {
        return ApiError::bad_request(format!(
            "the Idempotency-Key header must be 1 to {MAX_KEY} visible ASCII characters"
        ))
        .with_reason("invalid_idempotency_key")
        .into_response();
    }
    let key = key.to_str().expect("visible ASCII").to_owned();
    let (mut parts, body) = req.into_parts();
    let auth = match AccountAuth::from_request_parts(&mut parts, &state).await {
        Ok(auth) => auth,
        Err(e) => return e.into_response(),
    };
    let bytes = match axum::body::to_bytes(body, body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than the limit of {body_limit} bytes"),
            )
            .into_response();
        }
    };
    let hash = request_hash(&parts.method, &parts.uri, &bytes);
    let account = auth.id().to_owned();
    let now = clock::now();
    let claim = state
        .store
        .claim_idempotency_key(
            &account,
            &key,
            &hash,
            now,
            clock::before(now, state.idempotency_window),
            clock::before(now, ABANDONED_AFTER),
        )
        .await;
    match claim {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(IdempotencyClaim::Replay(stored)) => return replay(stored),
        Ok(IdempotencyClaim::Mismatch) => {
            return ApiError {
                code: ErrorCode::ValidationError,
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was already used for a different request (method, path \
                     or body); use a new key for a new request",
                )
            }
            .into_response();
        }
        Ok(IdempotencyClaim::InProgress) => {
            return ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_key_in_progress",
                    "a request with this Idempotency-Key is still being handled; retry shortly \
                     for its answer",
                )
            }
            .into_response();
        }
        Ok(IdempotencyClaim::Claimed) => {}
    }
    let mut claim = Claim {
        store: state.store.clone(),
        account,
        key,
        done: false,
    };
    parts.extensions.insert(Authenticated(auth.account));
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if !(status.is_success() || status.is_client_error()) {
        return response;
    }
    let (head, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_STORED).await else {
        // Too large to keep (or broken): the key is released.
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the answer could not be kept for the Idempotency-Key; retry",
        )
        .into_response();
    };
    let text = |name: HeaderName| {
        head.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let stored = StoredResponse {
        status: status.as_u16(),
        content_type: text(header::CONTENT_TYPE),
        location: text(header::LOCATION),
        body: body.to_vec(),
    };
    match claim
        .store
        .complete_idempotency_key(&claim.account, &claim.key, stored)
        .await
    {
        Ok(()) => claim.done = true,
        Err(e) => tracing::warn!(error = %e, "storing an idempotency key's answer failed"),
    }
    Response::from_parts(head, Body::from(body))
}

/// The stored answer, marked as a replay.
fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (name, value) in [
        (header::CONTENT_TYPE, stored.content_type),
        (header::LOCATION, stored.location),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// SHA-256 of the method, the path with its query and the body bytes, in hex.
fn request_hash(method: &Method, uri: &axum::http::Uri, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update([0]);
    h.update(
        uri.path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("")
            .as_bytes(),
    );
    h.update([0]);
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(super::valid_key(b"abc-123_!~"));
        assert!(super::valid_key(&[b'k'; 255]));
        assert!(!super::valid_key(&[b'k'; 256]));
        assert!(!super::valid_key(b""));
        assert!(!super::valid_key(b"a b"));
        assert!(!super::valid_key("é".as_bytes()));
    }
}
