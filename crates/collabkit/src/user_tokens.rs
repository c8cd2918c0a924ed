//! User tokens: what the realtime SDK presents. An HS256 JWT with the claims `accountId`,
//! `userId`, `roomId`, `exp` (the documented CollabKit token), signed with a key every node of a
//! database shares — by default derived from the server's secret key, so nothing new needs
//! configuring. Tokens of users created before tokens were JWTs (`utk_…`) keep working: they are
//! looked up in the store as before.
//!
//! A token is never logged: errors name what is wrong with it, never the token.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::duration;
use crate::store::{SharedStore, StoreError, User};

/// The name `--user-token-keys` gives the key derived from the server's secret key.
pub const DERIVED: &str = "derived";

/// How user tokens are issued and checked.
#[derive(Debug, Clone, clap::Args)]
pub struct UserTokenConfig {
    /// How long a user token issued now stays valid (`POST /users` and every read that shows
    /// a user's `token` issue a fresh one).
    #[arg(id = "user_token_ttl", long = "user-token-ttl", env = "COLLABKIT_USER_TOKEN_TTL", default_value = "90d", value_parser = duration::parse)]
    pub ttl: Duration,
    // Secret values: never shown in `--help` output's env values nor in `{:?}` of the config.
    /// Keys signing user tokens, comma-separated, each base64 of 32 bytes or `derived` (the
    /// key derived from --secret-key, the default): the first signs new tokens, every one of
    /// them is accepted. To rotate, give every node `NEW,derived` (or `NEW,OLD`), then,
    /// once the old tokens expired or were fetched again, `NEW`.
    #[arg(id = "user_token_keys", long = "user-token-keys", value_name = "KEYS", env = "COLLABKIT_USER_TOKEN_KEYS", hide_env_values = true, value_delimiter = ',', value_parser = crate::flag_values::parse_secret)]
    pub keys: Vec<secrecy::SecretString>,
}

impl Default for UserTokenConfig {
    fn default() -> Self {
        UserTokenConfig {
            ttl: Duration::from_secs(90 * 24 * 3600),
            keys: Vec::new(),
        }
    }
}

/// A token's claims, named as the documentation names them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    account_id: String,
    user_id: String,
    room_id: String,
    exp: u64,
    iat: u64,
}

/// One signing key and the id (`kid`) tokens signed with it carry.
#[derive(Clone)]
struct Key {
    id: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(bytes: &[u8]) -> Key {
        use sha2::Digest;
        // The id names the key without revealing it: the first bytes of its hash.
        let digest = sha2::Sha256::digest(bytes);
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Key {
            id,
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }
}

/// Issues and checks user tokens.
#[derive(Clone)]
pub struct UserTokens {
    /// The first signs; all are accepted.
    keys: Vec<Key>,
    ttl: Duration,
}

/// Why a token was refused; what the client is told (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefused {
    /// Not a token of this server, or not a token at all.
    Invalid,
    /// Valid once, expired at this unix time.
    Expired(u64),
    /// The user it names was deleted.
    UserNotFound,
}

impl TokenRefused {
    pub fn code(&self) -> &'static str {
        match self {
            TokenRefused::Invalid => "invalid_token",
            TokenRefused::Expired(_) => "token_expired",
            TokenRefused::UserNotFound => "user_not_found",
        }
    }

    pub fn message(&self) -> String {
        match self {
            TokenRefused::Invalid => "this is not a user token of this server".into(),
            TokenRefused::Expired(at) => {
                let at = chrono::DateTime::from_timestamp(*at as i64, 0)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_else(|| at.to_string());
                format!(
                    "this token expired at {at}; fetch a new one (the user's `token`, \
                     GET /users/{{id}})"
                )
            }
            TokenRefused::UserNotFound => "the user of this token was deleted".into(),
        }
    }
}

/// Why the configured keys cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--user-token-keys: each key must be `derived` or base64 of 32 bytes")]
pub struct BadTokenKey;

impl UserTokens {
    /// From the configuration; `derived` is the key derived from the server's secret key.
    pub fn new(config: &UserTokenConfig, derived: [u8; 32]) -> Result<UserTokens, BadTokenKey> {
        use secrecy::ExposeSecret;
        let mut keys = Vec::new();
        for key in &config.keys {
            let key = key.expose_secret().trim();
            if key == DERIVED {
                keys.push(Key::new(&derived));
                continue;
            }
            let bytes = STANDARD.decode(key).map_err(|_| BadTokenKey)?;
            if bytes.len() != 32 {
                return Err(BadTokenKey);
            }
            keys.push(Key::new(&bytes));
        }
        if keys.is_empty() {
            keys.push(Key::new(&derived));
        }
        Ok(UserTokens {
            keys,
            ttl: config.ttl,
        })
    }

    /// A fresh token for `user`, valid for the configured time.
    pub fn issue(&self, user: &User) -> String {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = Claims {
            account_id: user.account_id.clone(),
            user_id: user.id.clone(),
            room_id: user.room_id.clone(),
            exp: now + self.ttl.as_secs().max(1),
            iat: now,
        };
        let key = &self.keys[0];
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.id.clone());
        jsonwebtoken::encode(&header, &claims, &key.encoding).expect("HS256 signing cannot fail")
    }

    /// The claims of a token signed by one of our keys and not expired.
    fn verify(&self, token: &str) -> Result<Claims, TokenRefused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRefused::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenRefused::Invalid);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        // Nodes of one database read one clock closely enough; a token is valid until `exp`.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        // A token names its key; one without a known id is tried against each.
        let candidates = self
            .keys
            .iter()
            .filter(|k| header.kid.as_deref().is_none_or(|kid| kid == k.id));
        for key in candidates {
            match jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                    // Signed by us: say when it expired.
                    let mut lax = validation.clone();
                    lax.validate_exp = false;
                    let exp = jsonwebtoken::decode::<Claims>(token, &key.decoding, &lax)
                        .map(|d| d.claims.exp)
                        .unwrap_or(0);
                    return Err(TokenRefused::Expired(exp));
                }
                Err(_) => continue,
            }
        }
        Err(TokenRefused::Invalid)
    }

    /// The user a token stands for: a JWT of ours naming a user that still exists in that
    /// room, or a `utk_…` token of a user created before tokens were JWTs.
    pub async fn authenticate(&self, store: &SharedStore, token: &str) -> Result<User, AuthError> {
        if token.starts_with("utk_") {
            return match store.find_user_by_token(token).await {
                Ok(user) => Ok(user),
                Err(StoreError::NotFound(_)) => Err(AuthError::Refused(TokenRefused::Invalid)),
                Err(e) => Err(AuthError::Store(e)),
            };
        }
        let claims = self.verify(token).map_err(AuthError::Refused)?;
        match store.get_user(&claims.account_id, &claims.user_id).await {
            Ok(user) if user.room_id == claims.room_id => Ok(user),
            Ok(_) | Err(StoreError::NotFound(_)) => {
                Err(AuthError::Refused(TokenRefused::UserNotFound))
            }
            Err(e) => Err(AuthError::Store(e)),
        }
    }
}

/// Why a connection could not be authenticated.
#[derive(Debug)]
pub enum AuthError {
    Refused(TokenRefused),
    /// The store could not answer (the client may retry).
    Store(StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_s_default_is_the_config_s() {
        assert_eq!(
            duration::parse("90d").unwrap(),
            UserTokenConfig::default().ttl
        );
    }

    fn user() -> User {
        let now = collabkit_domain::clock::now();
        User {
            id: "usr_1".into(),
            account_id: "acc_1".into(),
            room_id: "room_1".into(),
            custom_id: None,
            name: "Ada".into(),
            profile_picture: None,
            token_sealed: String::new(),
            created_at: now,
            updated_at: now,
            online: false,
            joined_at: None,
            left_at: None,
        }
    }

    fn tokens(keys: &[&str], ttl: Duration) -> UserTokens {
        let config = UserTokenConfig {
            ttl,
            keys: keys.iter().map(|k| (*k).to_owned().into()).collect(),
        };
        UserTokens::new(&config, [7; 32]).unwrap()
    }

    #[test]
    fn a_token_has_the_documented_header_and_claims() {
        let token = tokens(&[], Duration::from_secs(60)).issue(&user());
        let part = |i: usize| {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').nth(i).unwrap())
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&raw).unwrap()
        };
        assert_eq!(part(0)["alg"], "HS256");
        assert_eq!(part(0)["typ"], "JWT");
        let claims = part(1);
        assert_eq!(claims["accountId"], "acc_1");
        assert_eq!(claims["userId"], "usr_1");
        assert_eq!(claims["roomId"], "room_1");
        let ttl = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
        assert_eq!(ttl, 60);
    }

    #[test]
    fn a_token_is_checked_by_signature_key_and_expiry() {
        let ours = tokens(&[], Duration::from_secs(60));
        let token = ours.issue(&user());
        assert_eq!(ours.verify(&token).unwrap().user_id, "usr_1");
        // Another server's key, a tampered token, garbage.
        let theirs = tokens(&[&STANDARD.encode([9u8; 32])], Duration::from_secs(60));
        assert_eq!(theirs.verify(&token).unwrap_err(), TokenRefused::Invalid);
        let mut tampered = token.clone();
        tampered.insert(tampered.len() - 3, 'x');
        assert_eq!(ours.verify(&tampered).unwrap_err(), TokenRefused::Invalid);
        assert_eq!(ours.verify("nope").unwrap_err(), TokenRefused::Invalid);
        // Expired: refused, saying when.
        let mut claims = ours.verify(&token).unwrap();
        claims.exp = 1_000;
        let header = Header::new(Algorithm::HS256);
        let old = jsonwebtoken::encode(&header, &claims, &ours.keys[0].encoding).unwrap();
        assert_eq!(ours.verify(&old).unwrap_err(), TokenRefused::Expired(1_000));
        assert!(
            TokenRefused::Expired(1_000)
                .message()
                .contains("1970-01-01T00:16:40Z")
        );
    }

    #[test]
    fn a_rotation_keeps_the_old_key_accepted_and_signs_with_the_new() {
        let new = STANDARD.encode([3u8; 32]);
        let before = tokens(&[], Duration::from_secs(60));
        let during = tokens(&[&new, DERIVED], Duration::from_secs(60));
        let after = tokens(&[&new], Duration::from_secs(60));
        let old_token = before.issue(&user());
        let new_token = during.issue(&user());
        assert!(during.verify(&old_token).is_ok(), "old tokens still work");
        assert!(
            after.verify(&new_token).is_ok(),
            "new tokens are signed with the new key"
        );
        assert_eq!(after.verify(&old_token).unwrap_err(), TokenRefused::Invalid);
        assert!(
            UserTokens::new(
                &UserTokenConfig {
                    ttl: Duration::from_secs(1),
                    keys: vec!["short".to_owned().into()],
                },
                [0; 32]
            )
            .is_err()
        );
    }
}
