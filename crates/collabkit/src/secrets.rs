//! Signing secrets at rest: sealed with the server key (ChaCha20-Poly1305), so a copy of the
//! database alone does not give them away.
//!
//! The server key comes from `--secret-key` (base64 of 32 bytes) or, for SQLite, from a key file
//! beside the database, created with mode 0600 on first start. Losing the key makes existing
//! secrets unusable: back it up with the database, store it apart from database backups.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the server secret key must be base64 of exactly 32 bytes")]
    BadKey,
    #[error("cannot read or write the key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("a sealed secret could not be opened (was the server key changed?)")]
    CannotOpen,
}

/// Seals and opens secrets with the server key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
    /// The key user tokens are signed with by default (see [`crate::user_tokens`]): derived
    /// from the server key, so every node of a database has it without another setting, and
    /// distinct from it, so a token's signature tells nothing about the key sealing secrets.
    token_key: [u8; 32],
}

const SEALED_PREFIX: &str = "v1:";

impl SecretBox {
    /// From `--secret-key`: base64 of 32 bytes.
    pub fn from_base64(key: &str) -> Result<SecretBox, SecretError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        Ok(SecretBox {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
            token_key: derive(&bytes, b"collabkit user tokens v1"),
        })
    }

    /// Reads the key file, creating it with a fresh random key (mode 0600) when it is missing.
    pub fn load_or_create(path: &Path) -> Result<SecretBox, SecretError> {
        let io_err = |source| SecretError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = new_key_base64();
                write_private(path, &text).map_err(io_err)?;
                tracing::info!(path = %path.display(), "created the server secret key file");
                Self::from_base64(&text)
            }
            Err(e) => Err(io_err(e)),
        }
    }

    /// The default key signing user tokens.
    pub fn token_key(&self) -> [u8; 32] {
        self.token_key
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("encryption of a short secret cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        format!("{SEALED_PREFIX}{}", STANDARD.encode(blob))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let blob = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > 12)
            .ok_or(SecretError::CannotOpen)?;
        let (nonce, ct) = blob.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| SecretError::CannotOpen)?;
        String::from_utf8(plain).map_err(|_| SecretError::CannotOpen)
    }
}

/// A key for one purpose, derived from the server key (HMAC-SHA256 of the purpose's name).
fn derive(key: &[u8], purpose: &[u8]) -> [u8; 32] {
    use hmac::Mac;
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
/// A fresh server key: base64 of 32 random bytes (what `--secret-key` takes).
pub fn new_key_base64() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    STANDARD.encode(key)
}

pub fn new_webhook_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_hides_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let b = SecretBox::load_or_create(&path).unwrap();
        let secret = new_webhook_secret();
        let sealed = b.seal(&secret);
        assert!(!sealed.contains(&secret[6..]));
        assert_ne!(sealed, b.seal(&secret), "a fresh nonce each time");
        // The key persists: a second load opens what the first sealed.
        let again = SecretBox::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), secret);
        let other = SecretBox::from_base64(&STANDARD.encode([7u8; 32])).unwrap();
        assert!(other.open(&sealed).is_err());
    }

    #[test]
    fn rejects_short_keys() {
        assert!(SecretBox::from_base64("c2hvcnQ=").is_err());
    }
}
