//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`.
//!
//! Secrets look like `whsec_<base64 of the key bytes>`; the HMAC key is the decoded bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the secret is not `whsec_` followed by base64")]
    InvalidSecret,
    #[error("no signature matches")]
    NoMatch,
    #[error("the timestamp is {0} seconds away from now, outside the tolerance")]
    TimestampOutOfTolerance(i64),
}

/// Signs messages with one secret; cheap to clone and reuse for many messages.
#[derive(Clone)]
pub struct Signer {
    mac: HmacSha256,
}

impl Signer {
    /// Builds a signer from a `whsec_…` secret (the prefix is optional, as in Svix libraries).
    pub fn new(secret: &str) -> Result<Self, SignatureError> {
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SignatureError::InvalidSecret)?;
        Self::from_key(&key)
    }

    /// Builds a signer from raw key bytes.
    pub fn from_key(key: &[u8]) -> Result<Self, SignatureError> {
        let mac = HmacSha256::new_from_slice(key).map_err(|_| SignatureError::InvalidSecret)?;
        Ok(Signer { mac })
    }

    /// The `v1,<base64>` signature of one message.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut out = String::with_capacity(48);
        out.push_str("v1,");
        STANDARD.encode_string(self.digest(msg_id, timestamp, body), &mut out);
        out
    }

    fn digest(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

/// Checks a `webhook-signature` header (space-separated `v1,…` entries) against one secret,
/// accepting the message when any entry matches and the timestamp is within `tolerance_secs`
/// of `now` (pass `None` to skip the timestamp check).
pub fn verify(
    secret: &str,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    signature_header: &str,
    now_and_tolerance: Option<(i64, i64)>,
) -> Result<(), SignatureError> {
    if let Some((now, tolerance)) = now_and_tolerance {
        let skew = now - timestamp;
        if skew.abs() > tolerance {
            return Err(SignatureError::TimestampOutOfTolerance(skew));
        }
    }
    let signer = Signer::new(secret)?;
    let expected = signer.digest(msg_id, timestamp, body);
    let matched = signature_header
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|candidate| {
            use subtle::ConstantTimeEq;
            candidate.len() == expected.len() && bool::from(candidate.ct_eq(&expected))
        });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector published with the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        let signer = Signer::new(SECRET).unwrap();
        assert_eq!(signer.sign(MSG_ID, TIMESTAMP, BODY), EXPECTED);
    }

    #[test]
    fn verifies_any_of_several_signatures() {
        let header = format!("v1,AAAA {EXPECTED}");
        assert_eq!(
            verify(SECRET, MSG_ID, TIMESTAMP, BODY, &header, None),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, MSG_ID, TIMESTAMP, b"{}", &header, None),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn rejects_stale_timestamps() {
        let res = verify(
            SECRET,
            MSG_ID,
            TIMESTAMP,
            BODY,
            EXPECTED,
            Some((TIMESTAMP + 600, 300)),
        );
        assert_eq!(res, Err(SignatureError::TimestampOutOfTolerance(600)));
    }

    #[test]
    fn rejects_a_malformed_secret() {
        assert!(matches!(
            Signer::new("whsec_***"),
            Err(SignatureError::InvalidSecret)
        ));
    }
}
