//! Signing keys unsealed once and kept: an attempt signs with the current secret, and with
//! the previous one while it still signs.

use std::collections::HashMap;
use std::sync::Mutex;

use collabkit_webhooks::Signer;

use crate::secrets::SecretBox;
use crate::store::ClaimedDelivery;

/// Signing keys kept unsealed in memory.
const MAX_CACHED_SIGNERS: usize = 10_000;

pub struct Signers {
    secrets: SecretBox,
    /// Unsealed signing keys by sealed secret.
    cache: Mutex<HashMap<String, Signer>>,
}

impl Signers {
    pub fn new(secrets: SecretBox) -> Signers {
        Signers {
            secrets,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// `v1,…` for the current secret, and for the previous one while it still signs.
    pub fn signature(&self, d: &ClaimedDelivery, timestamp: i64) -> anyhow::Result<String> {
        let mut out = String::new();
        for sealed in std::iter::once(&d.secret_sealed).chain(d.previous_secret_sealed.as_ref()) {
            let signer = self.signer(sealed)?;
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&signer.sign(&d.event_id, timestamp, &d.payload));
        }
        Ok(out)
    }

    /// The signer of a sealed secret, unsealed once and then kept (keyed by the sealed text,
    /// so a rotation simply brings a new entry).
    fn signer(&self, sealed: &str) -> anyhow::Result<Signer> {
        let mut signers = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = signers.get(sealed) {
            return Ok(s.clone());
        }
        let signer = Signer::new(&self.secrets.open(sealed)?)?;
        if signers.len() >= MAX_CACHED_SIGNERS {
            signers.clear();
        }
        signers.insert(sealed.to_owned(), signer.clone());
        Ok(signer)
    }
}
