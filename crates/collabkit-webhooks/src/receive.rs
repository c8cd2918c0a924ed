//! Receiving a delivery: [`verify_webhook`] checks its Standard Webhooks headers and returns the
//! payload, typed — the same rules and errors as `verifyWebhook` in `@collab-kit/utils`.
//!
//! ```
//! use axum::{Router, body::Bytes, http::{HeaderMap, StatusCode}, routing::post};
//! use collabkit_webhooks::{WebhookPayload, verify_webhook};
//! use std::time::Duration;
//!
//! async fn webhooks(headers: HeaderMap, body: Bytes) -> StatusCode {
//!     let secret = std::env::var("COLLABKIT_WEBHOOK_SECRET").unwrap_or_default();
//!     match verify_webhook(&secret, &headers, &body, Duration::from_secs(300)) {
//!         Ok(WebhookPayload::SessionClosed { users, .. }) => {
//!             println!("{} took part", users.len());
//!             StatusCode::NO_CONTENT
//!         }
//!         // Answer fast; deduplicate on the `webhook-id` header (deliveries are at least once).
//!         Ok(_) => StatusCode::NO_CONTENT,
//!         Err(_) => StatusCode::BAD_REQUEST,
//!     }
//! }
//!
//! let app: Router = Router::new().route("/webhooks", post(webhooks));
//! # let _ = app;
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

use crate::signature::{self, SignatureError};
use crate::types::WebhookPayload;

/// Why a delivery was refused: answer it with a 4xx.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("no signature matches this body")]
    InvalidSignature,
    #[error("the webhook-timestamp is outside the tolerance ({0} s away from now)")]
    TimestampOutOfTolerance(i64),
    #[error("the secret is not a signing secret (whsec_ followed by base64)")]
    InvalidSecret,
    #[error("the body is not a CollabKit payload: {0}")]
    InvalidPayload(String),
}

/// Checks a delivery (`webhook-id`, `webhook-timestamp`, `webhook-signature` with one or more
/// space-separated `v1,` signatures, any of which may match, compared in constant time) and
/// returns its payload. `body` must be the bytes as received.
pub fn verify_webhook(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    tolerance: Duration,
) -> Result<WebhookPayload, VerifyError> {
    verify_webhook_at(secret, headers, body, tolerance, SystemTime::now())
}

/// [`verify_webhook`] at a given time (for tests).
pub fn verify_webhook_at(
    secret: &str,
    headers: &HeaderMap,
    body: &[u8],
    tolerance: Duration,
    now: SystemTime,
) -> Result<WebhookPayload, VerifyError> {
    signature::Signer::new(secret).map_err(|_| VerifyError::InvalidSecret)?;
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let (id, timestamp, signatures) = (
        header("webhook-id")?,
        header("webhook-timestamp")?,
        header("webhook-signature")?,
    );
    let timestamp: i64 = timestamp
        .parse()
        .map_err(|_| VerifyError::TimestampOutOfTolerance(i64::MAX))?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    signature::verify(
        secret,
        id,
        timestamp,
        body,
        signatures,
        Some((now, tolerance)),
    )
    .map_err(|e| match e {
        SignatureError::InvalidSecret => VerifyError::InvalidSecret,
        SignatureError::NoMatch => VerifyError::InvalidSignature,
        SignatureError::TimestampOutOfTolerance(skew) => VerifyError::TimestampOutOfTolerance(skew),
    })?;
    serde_json::from_slice(body).map_err(|e| VerifyError::InvalidPayload(e.to_string()))
}

/// The header with the event's number in its room: 1, 2, 3… without gaps, in the order the
/// room's changes committed. A receiver that keeps the last number it applied sees from a jump
/// that it missed events (not subscribed to them, or still being retried), and reads them from
/// the server's `GET /rooms/{id}/events?after_room_seq=`. Not covered by the signature.
pub const ROOM_SEQ_HEADER: &str = "collabkit-room-seq";

/// On the deliveries of a registration ordered per room (`/webhooks/{id}/ordering`): the room
/// number of the previous event of that room this registration matched, `0` for the first. A
/// receiver that applied N and now sees a previous number other than N missed the events in
/// between (their deliveries ended `failed`) and reads them from the room's catch-up,
/// `GET /rooms/{id}/events?after_room_seq=N`. Not covered by the signature.
pub const ROOM_PREVIOUS_SEQ_HEADER: &str = "collabkit-room-previous-seq";

/// The previous room number an ordered delivery announces (see [`ROOM_PREVIOUS_SEQ_HEADER`]);
/// `None` without a valid one (an unordered registration sends none).
pub fn room_previous_seq(headers: &HeaderMap) -> Option<i64> {
    digits(headers.get(ROOM_PREVIOUS_SEQ_HEADER)?.to_str().ok()?)
}

fn digits(value: &str) -> Option<i64> {
    // Digits only, as `roomSeq` in `@collab-kit/utils` reads it (no sign).
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// The event's number in its room from a delivery's headers; `None` without a valid one.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert(collabkit_webhooks::ROOM_SEQ_HEADER, "42".parse().unwrap());
/// assert_eq!(collabkit_webhooks::room_seq(&headers), Some(42));
/// ```
pub fn room_seq(headers: &HeaderMap) -> Option<i64> {
    digits(headers.get(ROOM_SEQ_HEADER)?.to_str().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Signer;

    #[test]
    fn a_room_number_is_read_only_when_it_is_one() {
        let mut h = HeaderMap::new();
        assert_eq!(room_seq(&h), None);
        for bad in ["x", "-1", "+1", "1.5"] {
            h.insert(ROOM_SEQ_HEADER, bad.parse().unwrap());
            assert_eq!(room_seq(&h), None, "{bad}");
        }
        h.insert(ROOM_SEQ_HEADER, "7".parse().unwrap());
        assert_eq!(room_seq(&h), Some(7));
    }

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const BODY: &str = r#"{"id":"evt_1","event":"session.started","timestamp":"2026-11-30T00:00:00.000000Z","room":{"id":"room_1","account_id":"acct_1","name":"R","custom_id":null,"created_at":"2026-11-30T00:00:00.000000Z","state":"active","duration_seconds":0,"active_participants":1,"total_users_created":1}}"#;

    fn headers(signature: &str, timestamp: i64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("webhook-id", "evt_1".parse().unwrap());
        h.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
        h.insert("webhook-signature", signature.parse().unwrap());
        h
    }

    fn at(secs: i64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    }

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn a_signed_delivery_gives_its_typed_payload() {
        let t = 1_800_000_000;
        let sig = Signer::new(SECRET)
            .unwrap()
            .sign("evt_1", t, BODY.as_bytes());
        let both = format!("v1,AAAA {sig}");
        let payload = verify_webhook_at(
            SECRET,
            &headers(&both, t),
            BODY.as_bytes(),
            FIVE_MINUTES,
            at(t),
        );
        assert!(matches!(payload, Ok(WebhookPayload::SessionStarted { .. })));
    }

    #[test]
    fn each_refusal_says_why() {
        let t = 1_800_000_000;
        let sig = Signer::new(SECRET)
            .unwrap()
            .sign("evt_1", t, BODY.as_bytes());
        let ok = headers(&sig, t);
        let check = |secret: &str, h: &HeaderMap, body: &str, now: i64| {
            verify_webhook_at(secret, h, body.as_bytes(), FIVE_MINUTES, at(now)).unwrap_err()
        };
        assert_eq!(check("whsec_***", &ok, BODY, t), VerifyError::InvalidSecret);
        assert_eq!(
            check(SECRET, &ok, &BODY.replace("R", "S"), t),
            VerifyError::InvalidSignature
        );
        assert_eq!(
            check(SECRET, &ok, BODY, t + 301),
            VerifyError::TimestampOutOfTolerance(301)
        );
        let mut missing = ok.clone();
        missing.remove("webhook-signature");
        assert_eq!(
            check(SECRET, &missing, BODY, t),
            VerifyError::MissingHeader("webhook-signature")
        );
        let junk = "{\"test\": 1}";
        let sig = Signer::new(SECRET)
            .unwrap()
            .sign("evt_1", t, junk.as_bytes());
        assert!(matches!(
            check(SECRET, &headers(&sig, t), junk, t),
            VerifyError::InvalidPayload(_)
        ));
    }
}
